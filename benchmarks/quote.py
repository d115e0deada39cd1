"""Quoting: a 50-line BOM, 5 work centres, 2,000 open orders holding capacity (issue 4).

The product is generated here (10 modules of 4 options, 40 purchased parts and 2 made
sub-assemblies, 50 BOM lines in all, 8 operations on 5 work centres); the order book books
2,000 open orders, three operations each, over the next three months of the plant's shifts.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

from ._util import measure, report

CENTRES = ("cut", "weld", "paint", "assembly", "test")


def _files(folder: Path) -> None:
    rnd = random.Random(2026)
    modules = []
    for m in range(10):
        opts = [f"{{id: o{o}, label: O{o}, price: {rnd.randint(0, 400)}"
                f"{', default: true' if o == 0 else ''}}}" for o in range(4)]
        modules.append(f"  - id: m{m}\n    label: M{m}\n    options: [{', '.join(opts)}]")
    parts = [f"  - {{id: P{i}, name: Part {i}}}" for i in range(40)]
    sub = []
    for s in range(2):
        lines = [f"      - {{part: P{30 + s * 5 + k}, qty: {k + 1}}}" for k in range(5)]
        sub.append(f"  - id: S{s}\n    name: Sub {s}\n    type: made\n    bom:\n"
                   + "\n".join(lines) + "\n    routing:\n"
                   f"      - {{id: cut{s}, work_centre: cut, minutes: 30}}\n"
                   f"      - {{id: weld{s}, work_centre: weld, minutes: 45}}")
    bom = ["  - {part: S0}", "  - {part: S1}"]
    for i in range(30):
        m, o = divmod(i, 3)
        bom.append(f"  - {{part: P{i}, when: m{m % 10}.o{o}}}" if i % 2 else
                   f"  - {{part: P{i}, qty: 2}}")
    bom += [f"  - {{part: P{30 + k}, qty: 1}}" for k in range(10)]
    bom += [f"  - {{part: P{k}, qty: 1, note: spare}}" for k in range(1, 9, 2)]
    bom += [f"  - {{part: P{38 + k}, qty: 3, when: m{k}.o1}}" for k in range(2)]
    bom += [f"  - {{part: P{k}, qty: 1, when: m9.o{k % 4}}}" for k in range(8)]
    routing = ["  - {id: paint, work_centre: paint, minutes: 60}",
               "  - {id: assemble, work_centre: assembly, minutes: 120}",
               "  - {id: wire, work_centre: assembly, minutes: 40}",
               "  - {id: test, work_centre: test, minutes: 30}",
               "  - {id: pack, work_centre: test, minutes: 20}",
               "  - {id: final-check, work_centre: test, minutes: 10}"]
    (folder / "catalog.yaml").write_text(
        "format: bto-catalog/1\nid: bench\nname: Bench\nversion: '1'\ncurrency: EUR\n"
        "base_price: 1000\nmodules:\n" + "\n".join(modules) + "\nparts:\n"
        + "\n".join(parts + sub) + "\nbom:\n" + "\n".join(bom) + "\nrouting:\n"
        + "\n".join(routing) + "\n")
    centres = "\n".join(f"  - {{id: {c}, capacity: {2 if c == 'assembly' else 1}, spread: 0.15}}"
                        for c in CENTRES)
    (folder / "plant.yaml").write_text(
        "format: bto-plant/1\nid: p\ntimezone: Europe/Berlin\ncalendar:\n"
        "  weekmask: [mon, tue, wed, thu, fri]\n  holidays: {country: DE, subdivision: BW}\n"
        "shifts:\n  - {id: early, days: [mon, tue, wed, thu, fri], start: '06:00', end: '14:00'}\n"
        "  - {id: late, days: [mon, tue, wed, thu, fri], start: '14:00', end: '22:00'}\n"
        "cutoffs: {default: '14:00'}\nwork_centres:\n" + centres + "\ncarriers:\n"
        "  - {id: parcel, transit_days: 2, pickup: '16:00', default: true}\n"
        "  - {id: express, transit_days: 1, pickup: '17:00'}\n"
        "service_levels:\n  - {segment: standard, target_days: 20}\n")
    sourcing = "\n".join(f"  - {{part: P{i}, supplier: s{i % 3}, lead_time_days: {5 + i % 20}, "
                         f"lead_time_spread_days: {1 + i % 4}, moq: {1 + i % 5}}}"
                         for i in range(40))
    stock = "\n".join(f"  - {{part: P{i}, on_hand: {rnd.randint(0, 6)}, safety_stock: 1}}"
                      for i in range(0, 40, 2))
    pos = "\n".join(f"  - {{id: PO-{i}, part: P{i}, qty: 5, eta: 2026-12-{10 + i % 15:02d}}}"
                    for i in range(1, 40, 3))
    (folder / "supply.yaml").write_text(
        "format: bto-supply/1\nid: s\nsuppliers:\n"
        + "\n".join(f"  - {{id: s{k}, name: S{k}, response_days: {k}}}" for k in range(3))
        + "\nsourcing:\n" + sourcing + "\nstock:\n" + stock + "\npurchase_orders:\n" + pos
        + "\n")
    rows = ["order,work_centre,start,end"]
    start = dt.datetime(2026, 11, 25, 6, 0)
    for order in range(2000):
        day = start + dt.timedelta(days=rnd.randint(0, 90))
        if day.weekday() >= 5:
            day += dt.timedelta(days=7 - day.weekday())
        for centre in rnd.sample(CENTRES, 3):
            begin = day + dt.timedelta(minutes=rnd.randint(0, 15 * 60))
            end = begin + dt.timedelta(minutes=rnd.randint(20, 120))
            rows.append(f"SO-{order},{centre},{begin:%Y-%m-%dT%H:%M},{end:%Y-%m-%dT%H:%M}")
    (folder / "bookings.csv").write_text("\n".join(rows) + "\n")
    (folder / "orders.yaml").write_text(
        "format: bto-orders/1\nid: o\nbookings: {file: bookings.csv}\n")


def run() -> bool:
    from configurator import load_catalog, load_orders, load_plant, load_supply
    from configurator.bom import explode
    from configurator.quoting.quote import quote

    print("quote: 50-line BOM, 5 work centres, 2,000 open orders holding capacity")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _files(folder)
        catalog = load_catalog(folder / "catalog.yaml")
        plant = load_plant(folder / "plant.yaml")
        supply = load_supply(folder / "supply.yaml")
        orders = load_orders(folder / "orders.yaml")
    values = {m.id: "o1" for m in catalog.modules}
    lines = sum(1 for _ in explode(catalog, values).walk())
    print(f"  ({lines} BOM lines, {len(orders.bookings)} bookings of "
          f"{len(orders.orders)} open orders)")
    at = dt.datetime(2026, 11, 25, 10, 0, tzinfo=plant.zone)
    from configurator.quoting.providers import FileCapacity, FileSupply

    capacity, provider = FileCapacity(plant, orders), FileSupply(supply, orders)
    ok = True
    times = measure(lambda: quote(catalog, values, plant=plant, supply=provider,
                                  capacity=capacity, at=at), repeat=200)
    ok &= report("quote with milestones and confidence", times, 0.005, "p95")
    times = measure(lambda: quote(catalog, values, plant=plant, supply=provider,
                                  capacity=capacity, at=at, tradeoffs=True), repeat=30)
    ok &= report("quote with the full trade-off analysis", times, 0.100, "p95")
    times = measure(lambda: quote(catalog, values, plant=plant, supply=supply, orders=orders,
                                  at=at), repeat=30)
    report("quote incl. reading the order book into profiles (info)", times, 0.100, "p50")
    return ok
