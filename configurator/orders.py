"""The order book as a file: capacity and stock already promised to open orders.

A ``bto-orders/1`` file lists work-centre time booked by open orders and the stock and
purchase-order quantities reserved for them. A quote sees only what is left. (The order-book
ledger with reservations made by ``bto order place`` will write the same records.)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._records import RecordReader, Spec
from ._yaml import YNode
from .problems import Position
from .values import FrozenMap

__all__ = ["Booking", "OrderBook", "Reservation"]

FORMAT = "bto-orders/1"
ORDERS_KEYS = ("format", "id", "plant", "supply", "bookings", "reservations")
SECTIONS: dict[str, Spec] = {
    "bookings": (("order", "id", True, None), ("work_centre", "id", True, None),
                 ("start", "datetime", True, None), ("end", "datetime", True, None)),
    "reservations": (("order", "id", True, None), ("part", "id", True, None),
                     ("qty", "positive", True, None), ("po", "id", False, None)),
}


@dataclass(frozen=True, slots=True)
class Booking:
    """One station of a work centre busy for an open order from ``start`` to ``end``.

    A time without an offset is the plant's local time.
    """

    order: str
    work_centre: str
    start: dt.datetime
    end: dt.datetime
    source: Position | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: times ISO 8601."""
        return {"order": self.order, "work_centre": self.work_centre,
                "start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True, slots=True)
class Reservation:
    """A quantity of a part promised to an open order: from stock, or from purchase order
    ``po`` when given."""

    order: str
    part: str
    qty: Decimal
    po: str | None = None
    source: Position | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the quantity as a string."""
        return {"order": self.order, "part": self.part, "qty": str(self.qty), "po": self.po}


@dataclass(frozen=True, slots=True)
class OrderBook:
    """A loaded order-book file. Immutable."""

    id: str
    bookings: tuple[Booking, ...] = ()
    reservations: tuple[Reservation, ...] = ()
    #: the plant and supply files it books against (optional; lint cross-checks them)
    plant: Path | None = None
    supply: Path | None = None
    path: Path | None = None
    source: Position | None = field(default=None, compare=False)
    sources: FrozenMap[str, Position] = field(default_factory=FrozenMap, compare=False)
    _stock: FrozenMap[str, Decimal] = field(default_factory=FrozenMap, repr=False,
                                            compare=False)
    _po: FrozenMap[str, Decimal] = field(default_factory=FrozenMap, repr=False, compare=False)

    def __post_init__(self) -> None:
        stock: dict[str, Decimal] = defaultdict(Decimal)
        po: dict[str, Decimal] = defaultdict(Decimal)
        for r in self.reservations:
            if r.po is None:
                stock[r.part] += r.qty
            else:
                po[r.po] += r.qty
        object.__setattr__(self, "_stock", FrozenMap(stock))
        object.__setattr__(self, "_po", FrozenMap(po))

    def reserved_stock(self, part: str) -> Decimal:
        """Stock of ``part`` promised to open orders."""
        return self._stock.get(part, Decimal(0))

    def reserved_on(self, po: str) -> Decimal:
        """Quantity of purchase order ``po`` promised to open orders."""
        return self._po.get(po, Decimal(0))

    @property
    def orders(self) -> frozenset[str]:
        return frozenset(b.order for b in self.bookings) | frozenset(
            r.order for r in self.reservations)


class _OrdersReader(RecordReader):
    sections = SECTIONS

    def read(self, root: YNode) -> OrderBook | None:
        top = self.mapping(root, "the order book", ORDERS_KEYS, required=("format", "id"))
        if top is None or not self.check_format(top, FORMAT):
            return None
        book_id = self.ident(top["id"], "order book id") if "id" in top else None
        plant = self.reference(top["plant"], "plant file", (".yaml", ".yml")) \
            if "plant" in top else None
        supply = self.reference(top["supply"], "supply file", (".yaml", ".yml")) \
            if "supply" in top else None
        sections = {name: self.section(top[name], name) if name in top else []
                    for name in SECTIONS}
        bookings = []
        for r, pos, keys in sections["bookings"]:
            start, end = r["start"], r["end"]
            if (start.tzinfo is None) != (end.tzinfo is None):
                self.report("S204", "give both start and end with an offset, or neither",
                            keys.get("end", pos))
            elif end <= start:
                self.report("S204", f"a booking must end after it starts ({end.isoformat()} "
                            f"is not after {start.isoformat()})", keys.get("end", pos),
                            "swap start and end")
            else:
                bookings.append(Booking(r["order"], r["work_centre"], start, end, source=pos))
        reservations = [Reservation(r["order"], r["part"], r["qty"], r["po"], source=pos)
                        for r, pos, _ in sections["reservations"]]
        if self.failed or book_id is None:
            return None
        return OrderBook(book_id, tuple(bookings), tuple(reservations),
                         plant[0] if plant else None, supply[0] if supply else None, self.path,
                         source=root.pos, sources=FrozenMap((k, v.pos) for k, v in top.items()))


def read_orders_node(root: YNode, filename: str, path: Path | None
                     ) -> tuple[OrderBook | None, list[Any]]:
    """Build an order book from composed nodes; returns it (None on errors) and the problems."""
    reader = _OrdersReader(filename, path)
    return reader.read(root), reader.problems
