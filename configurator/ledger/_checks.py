"""Invariants of what the open orders hold: no part, purchase order or station overbooked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from ..orders import Booking, Reservation
from ..plant import Plant
from ..quoting.providers import FileSupply
from ..supply import Supply
from ._reasons import number

__all__ = ["overbooked_stations", "overbooked_units"]


def overbooked_units(supply: Supply, reservations: Sequence[Reservation]) -> list[str]:
    """Parts and purchase orders with more reserved than there is."""
    stock: dict[str, Decimal] = defaultdict(Decimal)
    po: dict[str, Decimal] = defaultdict(Decimal)
    for r in reservations:
        if r.po is None:
            stock[r.part] += r.qty
        else:
            po[r.po] += r.qty
    free = FileSupply(supply)
    out = [f"part {part}: {number(qty)} reserved from stock, {number(free.free_stock(part))} "
           "available" for part, qty in sorted(stock.items()) if qty > free.free_stock(part)]
    sizes = {p.id: p.qty for p in supply.purchase_orders}
    out += [f"purchase order {ref}: {number(qty)} reserved of {number(sizes.get(ref, Decimal(0)))}"
            for ref, qty in sorted(po.items())
            if ref in sizes and qty > sizes[ref]]
    return out


def overbooked_stations(plant: Plant, bookings: Sequence[Booking]) -> list[str]:
    """Work centres with more stations booked at some moment than they have."""
    out = []
    for centre in sorted({b.work_centre for b in bookings}):
        capacity = plant.work_centres[centre].capacity if centre in plant.work_centres else 0
        moments = sorted([(b.start, 1) for b in bookings if b.work_centre == centre]
                         + [(b.end, -1) for b in bookings if b.work_centre == centre])
        busy = 0
        for moment, step in moments:
            busy += step
            if busy > capacity:
                out.append(f"work centre {centre}: {busy} stations booked at "
                           f"{moment.isoformat()}, {capacity} exist")
                break
    return out
