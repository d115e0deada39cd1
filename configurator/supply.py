"""Supply data: stock on hand, open purchase orders, suppliers and their lead times.

Each section of a ``bto-supply/1`` file is an inline list or a CSV file (what a spreadsheet or
ERP export gives). Both are read through the same field specs, so a CSV cell and a YAML value
get the same checks and the same kind of position in a problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._records import RecordReader, Spec
from ._yaml import YNode
from .problems import Position, did_you_mean
from .values import FrozenMap

__all__ = ["PurchaseOrder", "Sourcing", "StockRecord", "Supplier", "Supply"]

FORMAT = "bto-supply/1"
SUPPLY_KEYS = ("format", "id", "as_of", "suppliers", "sourcing", "stock", "purchase_orders")


@dataclass(frozen=True, slots=True)
class Supplier:
    """A supplier; ``response_days`` is how long it takes to confirm an order."""

    id: str
    name: str
    response_days: Decimal = Decimal(0)
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Sourcing:
    """How a purchased part is bought: supplier, lead time (median and spread), MOQ."""

    part: str
    supplier: str
    lead_time_days: Decimal
    lead_time_spread_days: Decimal = Decimal(0)
    moq: Decimal = Decimal(1)
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class StockRecord:
    """Stock on hand of a part and the safety stock not to be promised."""

    part: str
    on_hand: Decimal
    safety_stock: Decimal = Decimal(0)
    source: Position | None = field(default=None, compare=False)

    @property
    def available(self) -> Decimal:
        return max(Decimal(0), self.on_hand - self.safety_stock)


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """An open purchase order: a quantity of a part expected on ``eta``."""

    id: str
    part: str
    qty: Decimal
    eta: dt.date
    supplier: str | None = None
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Supply:
    """A loaded supply file. Immutable."""

    id: str
    as_of: dt.date | None = None
    suppliers: FrozenMap[str, Supplier] = field(default_factory=FrozenMap)
    sourcing: FrozenMap[str, Sourcing] = field(default_factory=FrozenMap)
    stock: FrozenMap[str, StockRecord] = field(default_factory=FrozenMap)
    purchase_orders: tuple[PurchaseOrder, ...] = ()
    source: Position | None = field(default=None, compare=False)

    @property
    def parts(self) -> frozenset[str]:
        """Every part this file says anything about."""
        return frozenset(self.sourcing) | frozenset(self.stock) | frozenset(
            po.part for po in self.purchase_orders)


SECTIONS: dict[str, Spec] = {
    "suppliers": (("id", "id", True, None), ("name", "text", False, None),
                  ("response_days", "number", False, Decimal(0))),
    "sourcing": (("part", "id", True, None), ("supplier", "id", True, None),
                 ("lead_time_days", "number", True, None),
                 ("lead_time_spread_days", "number", False, Decimal(0)),
                 ("moq", "positive", False, Decimal(1))),
    "stock": (("part", "id", True, None), ("on_hand", "number", True, None),
              ("safety_stock", "number", False, Decimal(0))),
    "purchase_orders": (("id", "id", True, None), ("part", "id", True, None),
                        ("qty", "positive", True, None), ("eta", "date", True, None),
                        ("supplier", "id", False, None)),
}
class _SupplyReader(RecordReader):
    sections = SECTIONS

    def read(self, root: YNode) -> Supply | None:
        top = self.mapping(root, "the supply data", SUPPLY_KEYS, required=("format", "id"))
        if top is None or not self.check_format(top, FORMAT):
            return None
        supply_id = self.ident(top["id"], "supply id") if "id" in top else None
        as_of = self.date(top["as_of"], "as_of") if "as_of" in top else None
        sections = {name: self.section(top[name], name) if name in top else []
                    for name in SECTIONS}
        suppliers = [Supplier(r["id"], r["name"] or r["id"], r["response_days"], source=pos)
                     for r, pos, _ in sections["suppliers"]]
        sourcing = [Sourcing(r["part"], r["supplier"], r["lead_time_days"],
                             r["lead_time_spread_days"], r["moq"], source=pos)
                    for r, pos, _ in sections["sourcing"]]
        stock = [StockRecord(r["part"], r["on_hand"], r["safety_stock"], source=pos)
                 for r, pos, _ in sections["stock"]]
        orders = [PurchaseOrder(r["id"], r["part"], r["qty"], r["eta"], r["supplier"],
                                source=pos) for r, pos, _ in sections["purchase_orders"]]
        def where(item: Any) -> Position:
            return item.source  # type: ignore[no-any-return]

        self.unique(suppliers, lambda s: s.id, where, "supplier")
        self.unique(sourcing, lambda s: s.part, where, "sourcing of part")
        self.unique(stock, lambda s: s.part, where, "stock record of part")
        self.unique(orders, lambda o: o.id, where, "purchase order")
        known = {s.id for s in suppliers}
        with_supplier: list[tuple[Sourcing | PurchaseOrder, dict[str, Position]]] = [
            *((s, k) for s, (_, _, k) in zip(sourcing, sections["sourcing"], strict=True)),
            *((o, k) for o, (_, _, k) in zip(orders, sections["purchase_orders"], strict=True)),
        ]
        for item, keys in with_supplier:
            if item.supplier is not None and item.supplier not in known:
                self.report("R307", f"unknown supplier '{item.supplier}'",
                            keys.get("supplier", where(item)),
                            did_you_mean(item.supplier, known) or "add it under 'suppliers:'")
        if self.failed or supply_id is None:
            return None
        return Supply(
            id=supply_id, as_of=as_of,
            suppliers=FrozenMap((s.id, s) for s in suppliers),
            sourcing=FrozenMap((s.part, s) for s in sourcing),
            stock=FrozenMap((s.part, s) for s in stock),
            purchase_orders=tuple(sorted(orders, key=lambda o: (o.eta, o.id))),
            source=root.pos,
        )


def read_supply_node(root: YNode, filename: str, path: Path | None
                     ) -> tuple[Supply | None, list[Any]]:
    """Build supply data from composed nodes; returns it (None on errors) and the problems."""
    reader = _SupplyReader(filename, path)
    return reader.read(root), reader.problems
