"""The supply and capacity the ledger quotes against: the files, changed by recorded events.

Supply events (a purchase order received or delayed, a lead time changed, stock consumed by a
shipped order) are applied in the order they were recorded to the supply file's data, as
overrides: the file itself is never written. An event dated on or before the file's ``as_of``
day is taken to be in the file already (a newer ERP export contains it) and is skipped.
Capacity lost is not a change of the plant: it becomes bookings that no order holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ..orders import Booking
from ..supply import PurchaseOrder, Sourcing, StockRecord, Supply
from ..values import FrozenMap
from .records import Event

__all__ = ["CAPACITY_LOST", "capacity_lost_bookings", "effective_supply"]

#: The order name of bookings that stand for lost capacity (followed by the event id).
CAPACITY_LOST = "capacity-lost:E"

SUPPLY_EVENTS = frozenset({"received", "delayed", "lead_time_changed", "consumed"})


def _applies(supply: Supply, event: Event) -> bool:
    if event.kind not in SUPPLY_EVENTS or event.payload.get("supply") != supply.id:
        return False
    return supply.as_of is None or event.at.date() > supply.as_of


def effective_supply(supply: Supply, events: Iterable[Event]) -> Supply:
    """``supply`` with the recorded supply events applied in order."""
    stock: dict[str, StockRecord] = dict(supply.stock)
    pos: dict[str, PurchaseOrder] = {po.id: po for po in supply.purchase_orders}
    sourcing: dict[str, Sourcing] = dict(supply.sourcing)
    changed = False

    def add_stock(part: str, qty: Decimal) -> None:
        record = stock.get(part) or StockRecord(part, Decimal(0))
        stock[part] = dataclasses.replace(record, on_hand=record.on_hand + qty)

    for event in events:
        if not _applies(supply, event):
            continue
        changed = True
        p = event.payload
        if event.kind == "received":
            po = pos.get(p["po"])
            qty = Decimal(p["qty"])
            add_stock(p["part"], qty)
            if po is not None:
                if po.qty > qty:
                    pos[po.id] = dataclasses.replace(po, qty=po.qty - qty)
                else:
                    del pos[po.id]
        elif event.kind == "delayed" and p["po"] in pos:
            pos[p["po"]] = dataclasses.replace(pos[p["po"]],
                                               eta=dt.date.fromisoformat(p["eta"]))
        elif event.kind == "lead_time_changed":
            found = sourcing.get(p["part"])
            supplier = p.get("supplier") or (found.supplier if found else None)
            if supplier is not None:
                base = found or Sourcing(p["part"], supplier, Decimal(0))
                sourcing[p["part"]] = dataclasses.replace(
                    base, supplier=supplier, lead_time_days=Decimal(p["days"]))
        elif event.kind == "consumed":
            for line in p["lines"]:
                qty = Decimal(line["qty"])
                if line.get("po") and line["po"] in pos:
                    po = pos[line["po"]]
                    if po.qty > qty:
                        pos[po.id] = dataclasses.replace(po, qty=po.qty - qty)
                    else:
                        del pos[po.id]
                elif not line.get("po"):
                    add_stock(line["part"], -qty)
    if not changed:
        return supply
    return dataclasses.replace(
        supply, stock=FrozenMap(stock), sourcing=FrozenMap(sourcing),
        purchase_orders=tuple(sorted(pos.values(), key=lambda o: (o.eta, o.id))))


def capacity_lost_bookings(plant: str, events: Iterable[Event]) -> tuple[Booking, ...]:
    """One booking per lost station of each ``capacity_lost`` event of ``plant``."""
    out: list[Booking] = []
    for event in events:
        p = event.payload
        if event.kind != "capacity_lost" or p.get("plant") != plant:
            continue
        start, end = _moment(p["start"]), _moment(p["end"])
        out += [Booking(f"{CAPACITY_LOST}{event.id}", p["work_centre"], start, end)
                for _ in range(int(p["stations"]))]
    return tuple(out)


def _moment(text: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(text))
