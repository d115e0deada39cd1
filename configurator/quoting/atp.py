"""Available to promise: when each part of a BOM is ready, and where it comes from.

Lines draw on supply in a stated order (see docs/quoting.md):

1. the BOM lines of an order in explosion order, sub-assemblies' lines before their parent's
   (they are built first), each line whole;
2. each line takes free stock above safety stock first, then open purchase orders by ETA,
   then a new purchase from the part's supplier: the supplier's response time plus its lead
   time, in working days after the order is accepted, for at least the MOQ. What a new
   purchase or a purchase order brings beyond the line's need serves later lines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from .calendar import WorkCalendar
from .providers import PartSourcing, SupplyProvider

__all__ = ["Allocation", "MaterialLine", "SupplyError", "allocate"]

SourceKind = Literal["stock", "po", "purchase"]


class SupplyError(ValueError):
    """A part cannot be supplied: no stock, no purchase order, nobody to buy it from."""

    def __init__(self, part: str, qty: Decimal, short: Decimal) -> None:
        self.part, self.qty, self.short = part, qty, short
        super().__init__(
            f"part {part}: {short} of {qty} not covered by stock or purchase orders, and the "
            "supply data has no sourcing for it; add a sourcing record for the part")


@dataclass(frozen=True, slots=True)
class Allocation:
    """A quantity of a part from one source, and the day it is ready for use."""

    kind: SourceKind
    qty: Decimal
    day: dt.date
    ref: str | None = None  # the purchase order id, or the supplier id
    supplier: str | None = None  # the supplier's name, for a new purchase
    lead_days: int = 0  # working days from acceptance (response + lead time), for a purchase
    spread_days: Decimal = Decimal(0)
    ordered_qty: Decimal | None = None  # what is bought (at least the MOQ), for a purchase
    median_days: Decimal = Decimal(0)  # the supplier's median lead time, for a purchase

    @property
    def label(self) -> str:
        if self.kind == "stock":
            return "stock"
        if self.kind == "po":
            return f"PO {self.ref}"
        return f"supplier {self.supplier or self.ref} lead time ({self.lead_days} wd)"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.kind, "qty": str(self.qty),
                               "ready": self.day.isoformat(), "label": self.label}
        if self.ref is not None:
            out["ref"] = self.ref
        if self.kind == "purchase":
            out.update(lead_days=self.lead_days, spread_days=str(self.spread_days),
                       ordered_qty=str(self.ordered_qty))
        return out


@dataclass(frozen=True, slots=True)
class MaterialLine:
    """A BOM line's part, how much, for which sub-assembly, and when all of it is ready."""

    part: str
    qty: Decimal
    day: dt.date
    allocations: tuple[Allocation, ...]
    for_part: str | None = None  # the made part it goes into; None: final assembly

    @property
    def gating(self) -> Allocation:
        """The allocation that is ready last."""
        return max(self.allocations, key=lambda a: a.day)

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "qty": str(self.qty), "ready": self.day.isoformat(),
                "for": self.for_part, "source": self.gating.label,
                "allocations": [a.to_dict() for a in self.allocations]}


@dataclass(slots=True)
class _Left:
    """What is left of one purchase order, or of a purchase made for an earlier line."""

    qty: Decimal
    allocation: Allocation  # what a take from it looks like


class _Pool:
    """What is left of a part's supply while one order's lines draw on it: free stock, then
    the sources in the order they are drawn (purchase orders by ETA, then new purchases)."""

    def __init__(self, supply: SupplyProvider, part: str, calendar: WorkCalendar,
                 accepted: dt.date, stock: Decimal) -> None:
        self.stock = stock  # the part's free stock, less what earlier lines took
        self._supply, self._part = supply, part
        self._calendar, self._accepted = calendar, accepted
        self._sources: list[_Left] | None = None

    @property
    def sources(self) -> list[_Left]:
        """The purchase orders by ETA, then purchases made for earlier lines; read from the
        provider only when free stock first runs short (most lines never need them)."""
        if self._sources is None:
            calendar, accepted = self._calendar, self._accepted
            self._sources = [
                _Left(po.qty, Allocation("po", po.qty, calendar.next_working_day(
                    max(po.eta, accepted)), ref=po.id))
                for po in self._supply.open_purchase_orders(self._part)]
        return self._sources

    def sourcing(self) -> PartSourcing | None:
        """The part's supplier terms, if it can be bought."""
        return self._supply.sourcing(self._part)


def allocate(requirements: Sequence[tuple[str, Decimal, str | None]], supply: SupplyProvider,
             calendar: WorkCalendar, accepted: dt.date) -> tuple[MaterialLine, ...]:
    """Material lines for ``(part, qty, for_part)`` requirements, in the given (stated) order.

    ``accepted`` is the working day the order is accepted (day 0 of lead times).
    """
    pools: dict[str, _Pool] = {}
    # Free stock left of parts whose lines so far all came from stock alone. Most lines do,
    # and a plan is made for every simulated order: such a line is made here directly, as
    # _draw would make it, and a pool only once a part's stock falls short.
    stocks: dict[str, Decimal] = {}
    out = []
    for part, qty, for_part in requirements:
        pool = pools.get(part)
        if pool is None:
            stock = stocks.get(part)
            if stock is None:
                stock = supply.free_stock(part)
            if 0 < qty <= stock:
                stocks[part] = stock - qty
                out.append(MaterialLine(part, qty, accepted,
                                        (Allocation("stock", qty, accepted),), for_part))
                continue
            pool = pools[part] = _Pool(supply, part, calendar, accepted, stock)
        out.append(_draw(pool, part, qty, for_part, calendar, accepted))
    return tuple(out)


def _draw(pool: _Pool, part: str, qty: Decimal, for_part: str | None, calendar: WorkCalendar,
          accepted: dt.date) -> MaterialLine:
    need = qty
    got: list[Allocation] = []
    if need > 0 and pool.stock > 0:
        take = min(need, pool.stock)
        pool.stock -= take
        need -= take
        got.append(Allocation("stock", take, accepted))
    for source in pool.sources if need > 0 else ():
        if need <= 0:
            break
        if source.qty <= 0:
            continue
        take = min(need, source.qty)
        source.qty -= take
        need -= take
        got.append(dataclasses.replace(source.allocation, qty=take))
    if need > 0:
        sourcing = pool.sourcing()
        if sourcing is None:
            raise SupplyError(part, qty, need)
        ordered = max(need, sourcing.moq)
        lead = math.ceil(sourcing.response_days + sourcing.lead_time_days)
        new = Allocation("purchase", need, calendar.add_working_days(accepted, lead),
                         sourcing.supplier, sourcing.supplier_name, lead,
                         sourcing.lead_time_spread_days, ordered, sourcing.lead_time_days)
        pool.sources.append(_Left(ordered - need, new))
        got.append(new)
    day = max((a.day for a in got), default=accepted)
    return MaterialLine(part, qty, day, tuple(got), for_part)
