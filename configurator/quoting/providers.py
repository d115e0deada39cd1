"""What a quote needs to know about the world, as small provider protocols.

A quote asks a :class:`SupplyProvider` for stock, open purchase orders and sourcing, and a
:class:`CapacityProvider` for the work-centre time already promised. The classes here read them
from bto files (``bto-supply/1`` and ``bto-orders/1``); a web shop plugs in its ERP by writing
two small classes with the same methods.
"""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from ..orders import OrderBook
from ..plant import Plant
from ..supply import Supply

__all__ = [
    "BusyProfile",
    "CapacityProvider",
    "FileCapacity",
    "FileSupply",
    "OpenPurchaseOrder",
    "PartSourcing",
    "SupplyProvider",
]


@dataclass(frozen=True, slots=True)
class OpenPurchaseOrder:
    """The part of an open purchase order that is not yet promised to anybody."""

    id: str
    qty: Decimal
    eta: dt.date
    supplier: str | None = None


@dataclass(frozen=True, slots=True)
class PartSourcing:
    """How a part is bought when neither stock nor open purchase orders cover it."""

    supplier: str
    supplier_name: str
    response_days: Decimal
    lead_time_days: Decimal
    lead_time_spread_days: Decimal = Decimal(0)
    moq: Decimal = Decimal(1)


class SupplyProvider(Protocol):
    """Stock, open purchase orders and sourcing of parts, net of what open orders hold."""

    def free_stock(self, part: str) -> Decimal:
        """Stock on hand above safety stock that no open order holds (never negative)."""
        ...

    def open_purchase_orders(self, part: str) -> Sequence[OpenPurchaseOrder]:
        """Open purchase orders of ``part`` with their unpromised quantities, by ETA."""
        ...

    def sourcing(self, part: str) -> PartSourcing | None:
        """How ``part`` is bought, or None when nobody sells it to us."""
        ...


class FileSupply:
    """A :class:`SupplyProvider` over a supply file and an optional order-book file."""

    def __init__(self, supply: Supply, orders: OrderBook | None = None) -> None:
        self.supply = supply
        self.orders = orders
        pos: dict[str, list[OpenPurchaseOrder]] = defaultdict(list)
        for po in supply.purchase_orders:  # already sorted by (eta, id)
            held = orders.reserved_on(po.id) if orders else Decimal(0)
            if po.qty > held:
                pos[po.part].append(OpenPurchaseOrder(po.id, po.qty - held, po.eta, po.supplier))
        self._pos = {part: tuple(items) for part, items in pos.items()}

    def free_stock(self, part: str) -> Decimal:
        record = self.supply.stock.get(part)
        if record is None:
            return Decimal(0)
        held = self.orders.reserved_stock(part) if self.orders else Decimal(0)
        return max(Decimal(0), record.available - held)

    def open_purchase_orders(self, part: str) -> Sequence[OpenPurchaseOrder]:
        return self._pos.get(part, ())

    def sourcing(self, part: str) -> PartSourcing | None:
        found = self.supply.sourcing.get(part)
        if found is None:
            return None
        supplier = self.supply.suppliers.get(found.supplier)
        return PartSourcing(
            found.supplier, supplier.name if supplier else found.supplier,
            supplier.response_days if supplier else Decimal(0), found.lead_time_days,
            found.lead_time_spread_days, found.moq)


@dataclass(frozen=True, slots=True)
class BusyProfile:
    """When a work centre's stations are taken, as merged intervals per level.

    ``levels[k]`` (k = 1 .. capacity) holds sorted, disjoint ``(start, end)`` intervals, in
    UTC epoch seconds, during which at least ``k`` stations are busy.
    """

    capacity: int
    levels: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]

    @classmethod
    def of(cls, capacity: int, intervals: Sequence[tuple[float, float]]) -> BusyProfile:
        """The profile of ``capacity`` stations busy during ``intervals`` (epoch seconds)."""
        if not intervals:  # every station free: the ATP case, asked once per simulated order
            return cls(capacity, tuple(((), ()) for _ in range(capacity)))
        events: list[tuple[float, int]] = []
        for start, end in intervals:
            if end > start:  # an empty interval takes no station at any time
                events.append((start, 1))
                events.append((end, -1))
        events.sort()
        spans: list[tuple[list[float], list[float]]] = [([], []) for _ in range(capacity)]
        busy = 0
        for time, delta in events:
            # Each event moves ``busy`` by one, so it starts or ends exactly one level: level
            # k starts when busy goes from k-1 to k, and ends when it drops back below k.
            if delta > 0:
                busy += 1
                if busy <= capacity:
                    starts, ends = spans[busy - 1]
                    if ends and ends[-1] == time:  # touching: merge
                        ends.pop()
                    else:
                        starts.append(time)
            else:
                if busy <= capacity:
                    spans[busy - 1][1].append(time)
                busy -= 1
        return cls(capacity, tuple((tuple(s), tuple(e)) for s, e in spans))

    def first_busy(self, level: int, start: float, end: float) -> tuple[float, float] | None:
        """The first interval in which at least ``level`` stations are busy that overlaps
        ``[start, end)``, or None."""
        if level <= 0:
            return (start, end)
        if level > self.capacity:
            return None
        starts, ends = self.levels[level - 1]
        i = bisect.bisect_right(ends, start)
        if i < len(starts) and starts[i] < end:
            return (starts[i], ends[i])
        return None


class CapacityProvider(Protocol):
    """Work-centre capacity: stations, the spread of operation times, and time already
    promised to open orders."""

    def capacity(self, work_centre: str) -> int:
        """Parallel stations of the work centre."""
        ...

    def spread(self, work_centre: str) -> Decimal:
        """Standard deviation of an operation's time as a fraction of its planned minutes."""
        ...

    def busy(self, work_centre: str) -> BusyProfile:
        """The stations already taken by open orders."""
        ...


class FileCapacity:
    """A :class:`CapacityProvider` over a plant file and an optional order-book file.

    Booking times without an offset are the plant's local time.
    """

    def __init__(self, plant: Plant, orders: OrderBook | None = None) -> None:
        self.plant = plant
        zone = zoneinfo.ZoneInfo(plant.timezone)
        spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for booking in orders.bookings if orders else ():
            start, end = booking.start, booking.end
            if start.tzinfo is None:
                start, end = start.replace(tzinfo=zone), end.replace(tzinfo=zone)
            spans[booking.work_centre].append((start.timestamp(), end.timestamp()))
        self._profiles = {wc.id: BusyProfile.of(wc.capacity, spans.get(wc.id, ()))
                          for wc in plant.work_centres.values()}

    def capacity(self, work_centre: str) -> int:
        return self.plant.work_centres[work_centre].capacity

    def spread(self, work_centre: str) -> Decimal:
        return self.plant.work_centres[work_centre].spread

    def busy(self, work_centre: str) -> BusyProfile:
        return self._profiles[work_centre]
