"""A stand-in for a web shop's ERP, and the two quoting providers that read from it.

A real shop replaces :class:`DemoErp` with its ERP's client (REST, SQL, a message bus ...);
:class:`ErpSupply` and :class:`ErpCapacity` only need the four questions it answers. No network
here: the demo ERP is a few dictionaries, filled from the repository's supply and order-book
files so the example quotes real data.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from configurator import OrderBook, Plant, Supply
from configurator.quoting.providers import (
    BusyProfile,
    FileSupply,
    OpenPurchaseOrder,
    PartSourcing,
)

__all__ = ["DemoErp", "ErpClient", "ErpCapacity", "ErpSupply"]


class ErpClient(Protocol):
    """What the providers ask the ERP. Every method may be called from several threads."""

    def free_stock(self, part: str) -> Decimal:
        """Stock of ``part`` free to promise (on hand, less safety stock and reservations)."""
        ...

    def open_purchase_orders(self, part: str) -> Sequence[OpenPurchaseOrder]:
        """Open purchase orders of ``part`` with their unpromised quantities, by ETA."""
        ...

    def sourcing(self, part: str) -> PartSourcing | None:
        """The supplier and lead time ``part`` is bought with, or None."""
        ...

    def bookings(self, work_centre: str) -> Sequence[tuple[dt.datetime, dt.datetime]]:
        """Times (timezone-aware) at which one station of ``work_centre`` is taken."""
        ...


class DemoErp:
    """An in-memory ERP. Reads and updates take a lock, as a real client's connection pool
    would serialise them; the providers copy what they read, so an update never changes a
    quote half-way."""

    def __init__(self, stock: Mapping[str, Decimal] | None = None,
                 purchase_orders: Mapping[str, Iterable[OpenPurchaseOrder]] | None = None,
                 sourcing: Mapping[str, PartSourcing] | None = None,
                 bookings: Mapping[str, Iterable[tuple[dt.datetime, dt.datetime]]] | None = None
                 ) -> None:
        self._lock = threading.Lock()
        self._stock = dict(stock or {})
        self._pos = {part: sorted(pos, key=lambda po: (po.eta, po.id))
                     for part, pos in (purchase_orders or {}).items()}
        self._sourcing = dict(sourcing or {})
        self._bookings = {wc: list(times) for wc, times in (bookings or {}).items()}

    @classmethod
    def from_files(cls, supply: Supply, orders: OrderBook | None = None,
                   plant: Plant | None = None) -> DemoErp:
        """An ERP holding a supply file's stock, purchase orders and sourcing, and an order
        book's bookings (naive times are ``plant``'s local time). Reservations are not
        netted: the demo's stock is what the file has on hand above safety stock."""
        files = FileSupply(supply)
        stock = {part: files.free_stock(part) for part in supply.stock}
        pos = {part: list(files.open_purchase_orders(part)) for part in supply.parts}
        sourcing = {part: found for part in supply.sourcing
                    if (found := files.sourcing(part)) is not None}
        bookings: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
        for booking in orders.bookings if orders else ():
            start, end = booking.start, booking.end
            if start.tzinfo is None:
                if plant is None:
                    raise ValueError("bookings without an offset need the plant's time zone")
                start, end = start.replace(tzinfo=plant.zone), end.replace(tzinfo=plant.zone)
            bookings.setdefault(booking.work_centre, []).append((start, end))
        return cls(stock, pos, sourcing, bookings)

    def set_stock(self, part: str, qty: Decimal) -> None:
        """Change a part's free stock (as a goods receipt or a sale would)."""
        with self._lock:
            self._stock[part] = qty

    def free_stock(self, part: str) -> Decimal:
        """The part's free stock; 0 for a part the ERP does not stock."""
        with self._lock:
            return self._stock.get(part, Decimal(0))

    def open_purchase_orders(self, part: str) -> Sequence[OpenPurchaseOrder]:
        """The part's open purchase orders, by ETA."""
        with self._lock:
            return tuple(self._pos.get(part, ()))

    def sourcing(self, part: str) -> PartSourcing | None:
        """The part's supplier and lead time, or None."""
        with self._lock:
            return self._sourcing.get(part)

    def bookings(self, work_centre: str) -> Sequence[tuple[dt.datetime, dt.datetime]]:
        """The booked times of the work centre's stations."""
        with self._lock:
            return tuple(self._bookings.get(work_centre, ()))


class ErpSupply:
    """A :class:`~configurator.quoting.providers.SupplyProvider` over an ERP client.

    Make one per request: it remembers each answer, so a quote (which asks about the same part
    many times, more so with trade-offs) makes one ERP call per part and sees one state of the
    ERP throughout. Not to be shared between threads.
    """

    def __init__(self, erp: ErpClient) -> None:
        self.erp = erp
        self._stock: dict[str, Decimal] = {}
        self._pos: dict[str, Sequence[OpenPurchaseOrder]] = {}
        self._sourcing: dict[str, PartSourcing | None] = {}

    def free_stock(self, part: str) -> Decimal:
        """The ERP's free stock of ``part`` (never negative), asked once."""
        if part not in self._stock:
            self._stock[part] = max(Decimal(0), self.erp.free_stock(part))
        return self._stock[part]

    def open_purchase_orders(self, part: str) -> Sequence[OpenPurchaseOrder]:
        """The ERP's open purchase orders of ``part``, asked once."""
        if part not in self._pos:
            self._pos[part] = tuple(self.erp.open_purchase_orders(part))
        return self._pos[part]

    def sourcing(self, part: str) -> PartSourcing | None:
        """How the ERP buys ``part``, asked once."""
        if part not in self._sourcing:
            self._sourcing[part] = self.erp.sourcing(part)
        return self._sourcing[part]


class ErpCapacity:
    """A :class:`~configurator.quoting.providers.CapacityProvider`: stations and spreads from
    the plant file, the stations already taken from the ERP's bookings. One per request, like
    :class:`ErpSupply`."""

    def __init__(self, erp: ErpClient, plant: Plant) -> None:
        self.erp = erp
        self.plant = plant
        self._busy: dict[str, BusyProfile] = {}

    def capacity(self, work_centre: str) -> int:
        """Parallel stations, from the plant file."""
        return self.plant.work_centres[work_centre].capacity

    def spread(self, work_centre: str) -> Decimal:
        """The spread of operation times, from the plant file."""
        return self.plant.work_centres[work_centre].spread

    def busy(self, work_centre: str) -> BusyProfile:
        """The stations the ERP's bookings take, asked once."""
        if work_centre not in self._busy:
            times = self.erp.bookings(work_centre)
            self._busy[work_centre] = BusyProfile.of(
                self.capacity(work_centre),
                [(start.timestamp(), end.timestamp()) for start, end in times])
        return self._busy[work_centre]
