"""Why a fresh plan misses the date a customer holds: what other orders took, in words."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from ..orders import Booking, Reservation
from ..quoting.providers import FileSupply
from ..quoting.quote import Quote
from ..supply import Supply
from .state import CAPACITY_LOST

__all__ = ["late_reason", "number"]


def number(qty: Decimal) -> str:
    """A quantity without trailing zeros or exponent: 2, 2.5, 20."""
    return format(qty.normalize(), "f")


def _units(qty: Decimal) -> str:
    return f"{number(qty)} unit" + ("" if qty == 1 else "s")


def _holders(orders: Iterable[str]) -> str:
    names = []
    for order in dict.fromkeys(orders):
        names.append(f"capacity lost (event {order[len(CAPACITY_LOST):]})"
                     if order.startswith(CAPACITY_LOST) else order)
    return ", ".join(names) or "nobody"


def _taken(q: Quote, kind: str) -> dict[tuple[str, str | None], Decimal]:
    out: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for line in q.plan.materials:
        for a in line.allocations:
            if a.kind == kind:
                out[line.part, a.ref if kind == "po" else None] += a.qty
    return out


def late_reason(promised: dt.date, fresh: Quote, alone: Quote | None, supply: Supply,
                reservations: Sequence[Reservation], bookings: Sequence[Booking]) -> str:
    """Why ``fresh`` (planned against other orders' reservations and bookings) misses
    ``promised`` while ``alone`` (planned as if nothing were reserved) may meet it."""
    tail = f"earliest date now {fresh.promised.isoformat()}"
    if alone is None or alone.promised > promised:
        waits = (alone or fresh).gate.text
        return (f"{promised.isoformat()} cannot be met even with nothing reserved for other "
                f"orders (the plan waits for {waits}); {tail}")
    free = FileSupply(supply)
    reasons: list[str] = []
    stock_fresh, stock_alone = _taken(fresh, "stock"), _taken(alone, "stock")
    for (part, _), qty in stock_alone.items():
        if stock_fresh.get((part, None), Decimal(0)) >= qty:
            continue
        held = [r for r in reservations if r.part == part and r.po is None]
        total = sum((r.qty for r in held), Decimal(0))
        available = free.free_stock(part)
        what = (f"the last {_units(available)} of part {part} in stock are" if total >= available
                else f"{_units(total)} of the {number(available)} of part {part} in stock are")
        reasons.append(f"{what} reserved for {_holders(r.order for r in held)}")
    po_fresh, po_alone = _taken(fresh, "po"), _taken(alone, "po")
    for (part, po), qty in po_alone.items():
        if po_fresh.get((part, po), Decimal(0)) >= qty:
            continue
        held = [r for r in reservations if r.po == po]
        total = sum((r.qty for r in held), Decimal(0))
        reasons.append(f"{_units(total)} of purchase order {po} (part {part}) are reserved for "
                       f"{_holders(r.order for r in held)}")
    for centre in sorted({s.work_centre for s in alone.plan.slots}):
        mine = [s for s in alone.plan.slots if s.work_centre == centre and s.end > s.start]
        busy = [b for b in bookings if b.work_centre == centre
                and any(b.start < s.end and b.end > s.start for s in mine)]
        if busy:
            start = min(s.start for s in mine)
            reasons.append(f"work centre {centre} is booked at {start:%Y-%m-%d %H:%M}, when "
                           f"this order would run, by {_holders(b.order for b in busy)}")
    if not reasons:
        reasons.append(f"the plan now waits for {fresh.gate.text}")
    return "; ".join(reasons) + "; " + tail
