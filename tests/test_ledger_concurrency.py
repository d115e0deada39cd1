"""Concurrency and durability of the ledger, on SQLite and on PostgreSQL.

Eight processes race for the last two motors in stock and the last four assembly jobs of a
week; a writer killed with SIGKILL in the middle of placing an order leaves nothing behind.
The product is tests/data/ledger/ (see its README).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from configurator import load_catalog, load_plant, load_supply
from configurator.ledger import Ledger
from tests import ledger_db

# The database fixtures: every test runs on SQLite and on PostgreSQL.
postgres_base, ledger_urls, ledger_url = (ledger_db.postgres_base, ledger_db.ledger_urls,
                                          ledger_db.ledger_url)
DATA = Path(__file__).resolve().parent / "data" / "ledger"
WORKERS = 8
ORDERS_EACH = 2
#: Monday 2026-11-23, 07:00 plant time: before the shift, so the order is accepted that day.
MONDAY = (2026, 11, 23, 7)
#: Friday of that week: the customers' date. One station builds one cart per shift, and a
#: cart finished on Thursday ships at 17:00 and arrives on Friday, so four jobs (Monday to
#: Thursday) meet it; the two free motors are the only ones in time (PO-1 comes the week
#: after, a purchase takes 20 working days).
FRIDAY = dt.date(2026, 11, 27)
JOBS_IN_TIME = 4
MOTORS_IN_STOCK = 2


def _world() -> tuple[Any, Any, Any]:
    catalog = load_catalog(DATA / "catalog.yaml")
    assert catalog.plant is not None and catalog.supply is not None
    return catalog, load_plant(catalog.plant), load_supply(catalog.supply)


def _at(plant: Any) -> dt.datetime:
    return dt.datetime(*MONDAY, tzinfo=plant.zone)


def _racer(url: str, worker: int, start: Any, results: Any) -> None:
    """Place ORDERS_EACH orders as soon as every worker is ready; report each outcome."""
    catalog, plant, supply = _world()
    with Ledger.open(url) as ledger:
        start.wait(timeout=60)
        for k in range(ORDERS_EACH):
            motor = "standard" if (worker + k) % 2 == 0 else "manual"
            try:
                outcome = ledger.place(catalog, {"motor": motor}, plant=plant, supply=supply,
                                       at=_at(plant), promised=FRIDAY,
                                       order_id=f"W{worker}-{k}")
                results.put((f"W{worker}-{k}", outcome.ok, outcome.reason))
            except Exception as error:  # reported, so the test shows it
                results.put((f"W{worker}-{k}", None, f"{type(error).__name__}: {error}"))


def test_eight_processes_never_overbook_and_lose_nothing(ledger_url: str) -> None:
    catalog, plant, supply = _world()
    Ledger.open(ledger_url).close()  # created once, before the race
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    workers = [ctx.Process(target=_racer, args=(ledger_url, w, start, results))
               for w in range(WORKERS)]
    for p in workers:
        p.start()
    answers = [results.get(timeout=120) for _ in range(WORKERS * ORDERS_EACH)]
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert all(ok is not None for _, ok, _ in answers), answers
    with Ledger.open(ledger_url, catalogs=[catalog], plants=[plant],
                     supplies=[supply]) as ledger:
        orders = {o.id: o for o in ledger.orders()}
        # none lost: every attempt is in the ledger, confirmed or refused with a reason
        assert set(orders) == {order for order, _, _ in answers}
        for order, ok, reason in answers:
            assert orders[order].status == ("confirmed" if ok else "refused")
            assert ok or (reason and orders[order].reason == reason)
        confirmed = [o for o in orders.values() if o.status == "confirmed"]
        assert len(confirmed) == JOBS_IN_TIME
        assert all(o.promised == FRIDAY for o in confirmed)
        # 0 overbooked units
        book = ledger.order_book()
        assert book.reserved_stock("MOTOR") <= MOTORS_IN_STOCK
        motors = sum(1 for o in confirmed if o.configuration["motor"] == "standard")
        assert book.reserved_stock("MOTOR") == motors <= MOTORS_IN_STOCK
        assert book.reserved_on("PO-1") == 0
        # 0 overbooked minutes: never two carts on the one station at once
        assert _most_at_once(book.bookings) <= plant.work_centres["assembly"].capacity
        assert ledger.check() == ()


def _most_at_once(bookings: Any) -> int:
    edges = sorted([(b.start, 1) for b in bookings] + [(b.end, -1) for b in bookings])
    busy = most = 0
    for _, step in edges:
        busy += step
        most = max(most, busy)
    return most


def _stalled_writer(url: str, marker: str) -> None:
    """Place an order, and stop for good after its row is written, before its
    reservations: the test kills this process there."""
    catalog, plant, supply = _world()
    ledger = Ledger.open(url)

    def pause(order_id: str) -> None:
        Path(marker).write_text(order_id, encoding="utf-8")
        time.sleep(120)

    ledger._on_order_written = pause
    ledger.place(catalog, {"motor": "standard"}, plant=plant, supply=supply,
                 at=_at(plant), order_id="KILLED")


def _wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def test_a_writer_killed_mid_transaction_leaves_nothing_half_written(
        ledger_urls: Callable[[], str], tmp_path: Path) -> None:
    url = ledger_urls()
    catalog, plant, supply = _world()
    with Ledger.open(url) as ledger:
        before = [ledger.place(catalog, {"motor": m}, plant=plant, supply=supply,
                               at=_at(plant)).order for m in ("standard", "manual")]
    marker = tmp_path / "stalled"
    ctx = multiprocessing.get_context("spawn")
    writer = ctx.Process(target=_stalled_writer, args=(url, str(marker)))
    writer.start()
    try:
        assert _wait_for(marker, 60), "the writer never reached the pause"
        assert marker.read_text(encoding="utf-8") == "KILLED"
    finally:
        assert writer.pid is not None
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(timeout=30)
    assert writer.exitcode == -signal.SIGKILL
    with Ledger.open(url, catalogs=[catalog], plants=[plant], supplies=[supply]) as ledger:
        assert ledger.check() == ()
        assert [o.id for o in ledger.orders()] == [d.order.id for d in before]
        for detail in before:
            assert ledger.order(detail.order.id) == detail  # committed orders intact
        assert all(e.order != "KILLED" for e in ledger.events())
        # the killed writer's lock is gone: the next writer gets the motor it did not take
        after = ledger.place(catalog, {"motor": "standard"}, plant=plant, supply=supply,
                             at=_at(plant), order_id="KILLED")
        assert after.ok
        assert sum((r.qty for r in after.order.reservations if r.part == "MOTOR"),
                   Decimal(0)) == 1
        assert ledger.check() == ()
