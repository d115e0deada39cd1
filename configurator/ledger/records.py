"""What the ledger returns: frozen records, each with a JSON-ready ``to_dict`` (money as
strings, moments and dates as ISO 8601)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..orders import Booking, OrderBook, Reservation
from ..supply import Supply
from ..values import FrozenMap

__all__ = ["Change", "CustomizationErrors", "Event", "EventResult", "LedgerError",
           "MilestoneRecord", "Order", "OrderDetail", "Outcome", "QuoteInputs", "Repromise",
           "Source"]


class LedgerError(Exception):
    """A ledger that cannot be opened or an operation that cannot be done (unknown order,
    wrong status, unknown purchase order, ...). The message says what and why."""


class LedgerUnavailable(LedgerError):
    """The database failed (cannot be reached, locked too long): not the caller's input."""


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True, slots=True)
class MilestoneRecord:
    """A milestone of an order: when it is planned and when it actually happened."""

    name: str
    planned: dt.datetime | None
    actual: dt.datetime | None = None
    part: str | None = None  # for material_ready: which part

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "part": self.part, "planned": _iso(self.planned),
                "actual": _iso(self.actual)}


@dataclass(frozen=True, slots=True)
class Order:
    """One order as the ledger holds it.

    ``promised`` is the date the customer holds now; ``original_promised`` the one given at
    confirmation; ``reason`` why it was refused or cancelled.
    """

    id: str
    catalog: str
    plant: str
    supply: str
    configuration: FrozenMap[str, Any]
    qty: int
    status: str
    placed: dt.datetime
    customer: str | None = None
    segment: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    confirmed: dt.datetime | None = None
    promised: dt.date | None = None
    original_promised: dt.date | None = None
    reason: str | None = None

    @property
    def open(self) -> bool:
        """Confirmed and not yet shipped: it holds stock and capacity."""
        return self.status in ("confirmed", "in_assembly")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "catalog": self.catalog, "plant": self.plant,
                "supply": self.supply, "customer": self.customer,
                "configuration": {k: _json_value(v) for k, v in self.configuration.items()},
                "qty": self.qty, "status": self.status, "segment": self.segment,
                "price": None if self.price is None else str(self.price),
                "currency": self.currency, "placed": self.placed.isoformat(),
                "confirmed": _iso(self.confirmed), "promised": _iso(self.promised),
                "original_promised": _iso(self.original_promised), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Change:
    """A moved promise: ``old`` to ``new``, why, how many working days it slipped, and whom
    the service level escalates it to (None: no escalation)."""

    id: int
    order: str
    at: dt.datetime
    old: dt.date
    new: dt.date
    cause: str
    slip_days: int
    escalated_to: str | None = None
    event: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "order": self.order, "event": self.event,
                "at": self.at.isoformat(), "old": self.old.isoformat(),
                "new": self.new.isoformat(), "cause": self.cause, "slip_days": self.slip_days,
                "escalated_to": self.escalated_to}


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened: an order placed, a purchase order received, capacity lost.

    ``payload`` holds the event's data as JSON-ready values.
    """

    id: int
    at: dt.datetime
    kind: str
    payload: FrozenMap[str, Any]
    cause: str | None = None
    order: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "kind": self.kind,
                "order": self.order, "payload": dict(self.payload), "cause": self.cause}


@dataclass(frozen=True, slots=True)
class OrderDetail:
    """An order with its milestones, what it holds, and how its promise moved."""

    order: Order
    milestones: tuple[MilestoneRecord, ...] = ()
    reservations: tuple[Reservation, ...] = ()
    bookings: tuple[Booking, ...] = ()
    changes: tuple[Change, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self.order.to_dict(),
                "milestones": [m.to_dict() for m in self.milestones],
                "reservations": [r.to_dict() for r in self.reservations],
                "bookings": [b.to_dict() for b in self.bookings],
                "changes": [c.to_dict() for c in self.changes]}


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to quoting, confirming, placing or changing an order.

    ``ok`` is False when it was refused; ``reason`` then says why (what is gone, or the rule
    the configuration breaks). ``earliest`` is the date a fresh plan gives (None when the
    configuration cannot be planned at all).
    """

    order: OrderDetail
    ok: bool
    reason: str | None = None
    earliest: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "reason": self.reason, "earliest": _iso(self.earliest),
                "order": self.order.to_dict()}


@dataclass(frozen=True, slots=True)
class QuoteInputs:
    """What a quote of a new order sees in the ledger: the supply state (the supply file
    with the recorded events applied), the order book of what the open orders hold, and the
    ledger's revision (:meth:`Ledger.revision`) they were read at."""

    supply: Supply
    orders: OrderBook
    revision: int

    def to_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "supply": self.supply.id,
                "reservations": [r.to_dict() for r in self.orders.reservations],
                "bookings": [b.to_dict() for b in self.orders.bookings]}


@dataclass(frozen=True, slots=True)
class Repromise:
    """A re-promising run: the orders checked, the changes it made, and orders it could not
    re-plan (order id and why; they keep their date and what they hold)."""

    checked: tuple[str, ...]
    changes: tuple[Change, ...] = ()
    unplanned: tuple[tuple[str, str], ...] = ()

    @property
    def kept(self) -> tuple[str, ...]:
        """Orders re-planned that keep their promised date (not those that could not be
        re-planned: they keep it too, but are listed in ``unplanned``)."""
        left = {c.order for c in self.changes} | {o for o, _ in self.unplanned}
        return tuple(o for o in self.checked if o not in left)

    def to_dict(self) -> dict[str, Any]:
        return {"checked": list(self.checked), "kept": list(self.kept),
                "changes": [c.to_dict() for c in self.changes],
                "unplanned": [{"order": o, "reason": r} for o, r in self.unplanned]}


@dataclass(frozen=True, slots=True)
class EventResult:
    """A recorded supply or plant event and the re-promising it caused."""

    event: Event
    repromise: Repromise

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.repromise.changes

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event.to_dict(), "repromise": self.repromise.to_dict()}


@dataclass(frozen=True, slots=True)
class CustomizationErrors:
    """Orders changed or rejected after confirmation, out of all confirmed orders.

    ``changed``: orders whose configuration the customer changed after confirmation;
    ``rejected``: orders with a change after confirmation that was refused (it breaks rules
    or misses the date the customer holds). An order counts once in ``orders``.
    """

    confirmed: int
    changed: int
    rejected: int
    orders: tuple[str, ...] = ()

    @property
    def rate(self) -> Decimal | None:
        """The share of confirmed orders changed or rejected (None without any)."""
        if not self.confirmed:
            return None
        return Decimal(len(self.orders)) / Decimal(self.confirmed)

    def to_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {"confirmed": self.confirmed, "changed": self.changed,
                "rejected": self.rejected, "orders": list(self.orders),
                "rate": None if rate is None else str(round(rate, 4))}


@dataclass(frozen=True, slots=True)
class Source:
    """The file a catalog, plant or supply (``kind``) with ``id`` was loaded from when an
    order was last placed or quoted with it (``path`` is absolute; ``recorded``: when)."""

    kind: str
    id: str
    path: str
    recorded: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "path": self.path,
                "recorded": self.recorded.isoformat()}
