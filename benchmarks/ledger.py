"""The order-book ledger on SQLite and PostgreSQL (issue 7): placing, re-promising,
concurrent writers, and quoting against the ledger.

Protocol, on the example e-bike (catalogs/ebike.yaml with its plant and supply): each order
is a seeded random (frame, motor) pair among the pairs that can be built (completed with the
catalog defaults), placed 30 minutes of plant time after the one before, from Monday
2026-11-23 08:00 in the plant's time zone.

- place: the latency of each ``Ledger.place`` while one ledger grows to 200 open orders,
  p50/p95 of the first 50 and of orders 151-200;
- re-promise: the purchase order the most open orders reserve from is delayed by four weeks
  (``Ledger.delay``, which re-promises in the same transaction), on a ledger holding the
  first 100 orders and on the one holding all 200; seconds, and how many promises moved;
- concurrency: 8 processes (multiprocessing, spawn) place 15 orders each into a fresh ledger
  at once; orders per second from the start signal to the last answer, then
  ``Ledger.check()`` must find nothing (no unit or station overbooked): a verified figure;
- quote: ``Ledger.quote_inputs`` and a quote with trade-offs against them, what
  ``bto quote --ledger`` and ``bto serve --ledger`` do per request, with 200 open orders.

The issue sets no targets, so every figure is printed with "(info)"; only the concurrency
check can fail. PostgreSQL is ``BTO_POSTGRES_URL`` when set (each ledger in a schema of its
own, dropped afterwards), else a throwaway cluster in a temporary folder, else skipped with a
note. SQLite ledgers are files in a temporary folder. ``BTO_BENCH_QUICK=1`` runs smaller sizes
(indicative).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from configurator import load_catalog, load_plant, load_supply, quote
from configurator.catalog.model import Catalog
from configurator.ledger import Ledger, LedgerError, Repromise
from configurator.plant import Plant
from configurator.session import Session
from configurator.supply import Supply

from . import _pg
from ._util import percentile

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalogs" / "ebike.yaml"
QUICK = os.environ.get("BTO_BENCH_QUICK") == "1"
SEED = 2026
#: Monday 2026-11-23, 08:00 plant time: the first order.
START = (2026, 11, 23, 8, 0)
STEP = dt.timedelta(minutes=30)
#: How far the delayed purchase order slips.
DELAY = dt.timedelta(weeks=4)
FRAMES_AND_MOTORS = ("frame", "motor")


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much the benchmark does: orders in the growing ledger, the size of the first and
    last latency windows, the ledger sizes re-promised, the concurrent processes and orders
    each, and the quotes timed."""

    open_orders: int
    window: int
    repromise_at: tuple[int, ...]
    workers: int
    each: int
    quotes: int


FULL = Sizes(open_orders=200, window=50, repromise_at=(100, 200), workers=8, each=15,
             quotes=20)
SHORT = Sizes(open_orders=60, window=15, repromise_at=(30, 60), workers=8, each=4, quotes=5)


@dataclass(frozen=True, slots=True)
class World:
    """The product, the plant and the supply file the orders are placed with."""

    catalog: Catalog
    plant: Plant
    supply: Supply

    def at(self, n: int) -> dt.datetime:
        """When order ``n`` (from 0) is placed: ``n`` steps of 30 minutes after the first,
        in the plant's time zone."""
        return dt.datetime(*START, tzinfo=self.plant.zone) + n * STEP


def load_world(path: Path = CATALOG) -> World:
    """The catalog at ``path`` with the plant and supply file it names."""
    catalog = load_catalog(path)
    if catalog.plant is None or catalog.supply is None:
        raise ValueError(f"{path} names no plant or supply file")
    return World(catalog, load_plant(catalog.plant), load_supply(catalog.supply))


def buildable_pairs(catalog: Catalog) -> tuple[dict[str, str], ...]:
    """Every (frame, motor) selection that extends to a configuration, in catalog order."""
    frames, motors = (catalog.module(m) for m in FRAMES_AND_MOTORS)
    pairs: list[dict[str, str]] = []
    with Session(catalog) as session:
        for frame in frames.options:
            session.select(frames.id, frame.id)
            available = session.valid_options().module(motors.id).available
            pairs += [{frames.id: frame.id, motors.id: str(m)} for m in available]
    return tuple(pairs)


def selections(pairs: Sequence[dict[str, str]], count: int, seed: int
               ) -> list[dict[str, str]]:
    """``count`` selections drawn from ``pairs`` at random, reproducibly for ``seed``."""
    rnd = random.Random(seed)
    return [dict(rnd.choice(pairs)) for _ in range(count)]


def place_orders(ledger: Ledger, world: World, chosen: Sequence[dict[str, str]],
                 first: int = 0) -> list[float]:
    """Place ``chosen`` one after another as orders ``first``, ``first + 1``, ...; the
    seconds each ``place`` took. Raises :class:`LedgerError` when one is refused (they are
    placed without a promised date, so only a broken product can be)."""
    seconds = []
    for n, selection in enumerate(chosen, start=first):
        start = time.perf_counter()
        outcome = ledger.place(world.catalog, selection, plant=world.plant,
                               supply=world.supply, at=world.at(n))
        seconds.append(time.perf_counter() - start)
        if not outcome.ok:
            raise LedgerError(f"order {n} ({selection}) was refused: {outcome.reason}")
    return seconds


def busiest_po(ledger: Ledger) -> str | None:
    """The purchase order the most open orders reserve from (the first id on a tie); None
    when no order reserves from one."""
    holders = {(r.order, r.po) for r in ledger.order_book().reservations if r.po is not None}
    held = Counter(po for _, po in holders)
    return min(held, key=lambda po: (-held[po], po)) if held else None


@dataclass(frozen=True, slots=True)
class Delayed:
    """A purchase order delayed by :data:`DELAY`: which, to when, the seconds the delay
    and its re-promise took, and the re-promise."""

    po: str
    eta: dt.date
    seconds: float
    repromise: Repromise

    def to_dict(self) -> dict[str, Any]:
        return {"po": self.po, "eta": self.eta.isoformat(), "seconds": self.seconds,
                "repromise": self.repromise.to_dict()}


def delay_busiest(ledger: Ledger, world: World, at: dt.datetime) -> Delayed | None:
    """Delay :func:`busiest_po` by :data:`DELAY` at ``at`` (its ETA in the supply state the
    ledger sees); None when no order reserves from a purchase order."""
    po = busiest_po(ledger)
    if po is None:
        return None
    state = ledger.quote_inputs(world.supply, world.plant).supply
    eta = next(p.eta for p in state.purchase_orders if p.id == po) + DELAY
    start = time.perf_counter()
    result = ledger.delay(po, eta, at, cause="benchmark: supplier slipped four weeks")
    return Delayed(po, eta, time.perf_counter() - start, result.repromise)


@dataclass(frozen=True, slots=True)
class Concurrent:
    """Processes placing orders at once: how many were asked for, the seconds from the
    start signal to the last answer, the outcomes (confirmed, refused), the errors the
    workers raised, the orders the ledger then holds, and what ``Ledger.check()`` found."""

    asked: int
    seconds: float
    confirmed: int
    refused: int
    errors: tuple[str, ...]
    recorded: int
    problems: tuple[str, ...]

    @property
    def sound(self) -> bool:
        """Every order answered and recorded, no worker failed, nothing overbooked."""
        return (not self.errors and not self.problems
                and self.confirmed + self.refused == self.recorded == self.asked)

    def to_dict(self) -> dict[str, Any]:
        return {"asked": self.asked, "seconds": self.seconds, "confirmed": self.confirmed,
                "refused": self.refused, "errors": list(self.errors),
                "recorded": self.recorded, "problems": list(self.problems),
                "sound": self.sound}


def _placer(target: str, worker: int, each: int, seed: int, start: Any, results: Any
            ) -> None:
    """A worker process: place ``each`` orders as soon as everyone is ready; report each."""
    world = load_world()
    chosen = selections(buildable_pairs(world.catalog), each, seed + worker)
    with Ledger.open(target) as ledger:
        start.wait(timeout=120)
        for selection in chosen:
            try:
                # one burst: every order of the race is dated alike (the ledger refuses a
                # new order dated before one already placed, whichever process placed it)
                outcome = ledger.place(world.catalog, selection, plant=world.plant,
                                       supply=world.supply, at=world.at(0))
                results.put((outcome.ok, None))
            except Exception as error:  # reported, so the benchmark shows it
                results.put((None, f"worker {worker}: {type(error).__name__}: {error}"))


def place_concurrently(target: str, world: World, workers: int, each: int,
                       seed: int = SEED) -> Concurrent:
    """``workers`` processes (spawned) each place ``each`` orders into the fresh ledger at
    ``target`` at once; then the ledger is counted and checked."""
    Ledger.open(target).close()  # created before the race
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_placer, args=(target, w, each, seed, start, results))
             for w in range(workers)]
    for p in procs:
        p.start()
    try:
        start.wait(timeout=300)
        began = time.perf_counter()
        answers = [results.get(timeout=300) for _ in range(workers * each)]
        seconds = time.perf_counter() - began
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
                p.join()
    errors = tuple(why for ok, why in answers if ok is None and why is not None)
    errors += tuple(f"worker exited with {p.exitcode}" for p in procs if p.exitcode != 0)
    with Ledger.open(target, catalogs=[world.catalog], plants=[world.plant],
                     supplies=[world.supply]) as ledger:
        recorded, problems = len(ledger.orders()), ledger.check()
    return Concurrent(workers * each, seconds, sum(1 for ok, _ in answers if ok),
                      sum(1 for ok, _ in answers if ok is False), errors, recorded, problems)


def quote_against(ledger: Ledger, world: World, selection: dict[str, str], at: dt.datetime
                  ) -> tuple[float, float, dt.date]:
    """Read the ledger's quote inputs and quote ``selection`` at ``at`` against them, with
    trade-offs (as ``bto quote --ledger`` does): the seconds of each step and the date."""
    start = time.perf_counter()
    inputs = ledger.quote_inputs(world.supply, world.plant)
    read = time.perf_counter()
    q = quote(world.catalog, selection, plant=world.plant, supply=inputs.supply,
              orders=inputs.orders, at=at, tradeoffs=True)
    return read - start, time.perf_counter() - read, q.promised


def _line(name: str, figure: str, note: str = "(info)") -> None:
    print(f"  {name:<66} {figure:<34} {note}")


def _p50_p95(seconds: Sequence[float]) -> str:
    return (f"p50 {statistics.median(seconds) * 1000:7.1f} ms  "
            f"p95 {percentile(list(seconds), 95) * 1000:7.1f} ms")


def measure_engine(fresh: Callable[[], str], world: World, sizes: Sizes) -> bool:
    """Every figure on the database ``fresh()`` makes empty ledgers in; True when the
    concurrent run checks out."""
    pairs = buildable_pairs(world.catalog)
    chosen = selections(pairs, sizes.open_orders + sizes.quotes, SEED)
    # The catalog's first quote builds its solver; keep that out of the first order.
    quote(world.catalog, chosen[0], plant=world.plant, supply=world.supply, at=world.at(0))
    grown = fresh()
    with Ledger.open(grown, catalogs=[world.catalog], plants=[world.plant],
                     supplies=[world.supply]) as ledger:
        placed = place_orders(ledger, world, chosen[:sizes.open_orders])
        w, n = sizes.window, sizes.open_orders
        _line(f"place, orders 1-{w} (ledger growing)", _p50_p95(placed[:w]))
        _line(f"place, orders {n - w + 1}-{n} of {n} open orders", _p50_p95(placed[-w:]))
        read, priced = [], []
        for k, selection in enumerate(chosen[n:]):
            r, p, _ = quote_against(ledger, world, selection, world.at(n + k))
            read.append(r)
            priced.append(p)
        _line(f"quote_inputs, {n} open orders ({sizes.quotes} reads)", _p50_p95(read))
        _line(f"quote_inputs + quote with trade-offs, {n} open orders",
              _p50_p95([r + p for r, p in zip(read, priced, strict=True)]))
        delays = {n: delay_busiest(ledger, world, world.at(n + sizes.quotes))}
    for size in sizes.repromise_at:
        if size in delays:
            continue
        with Ledger.open(fresh(), catalogs=[world.catalog], plants=[world.plant],
                         supplies=[world.supply]) as ledger:
            place_orders(ledger, world, chosen[:size])
            delays[size] = delay_busiest(ledger, world, world.at(n + sizes.quotes))
    for size in sizes.repromise_at:
        done = delays[size]
        if done is None:
            _line(f"re-promise, {size} open orders", "no order holds a purchase order")
            continue
        moved, checked = len(done.repromise.changes), len(done.repromise.checked)
        _line(f"re-promise: {done.po} four weeks late ({done.eta}), {size} open orders",
              f"{done.seconds:6.2f} s  {moved} of {checked} orders moved")
    race = place_concurrently(fresh(), world, sizes.workers, sizes.each)
    _line(f"{sizes.workers} processes x {sizes.each} orders at once (spawn)",
          f"{race.asked / race.seconds:6.1f} orders/s ({race.seconds:.1f} s)")
    _line(f"  then {race.recorded} recorded ({race.confirmed} confirmed), Ledger.check()",
          f"{len(race.problems)} overbooked or unsound, {len(race.errors)} errors",
          "verified" if race.sound else "FAILED")
    for line in (*race.errors, *race.problems)[:5]:
        print(f"    {line}")
    return race.sound


@contextmanager
def _sqlite() -> Iterator[Callable[[], str]]:
    with tempfile.TemporaryDirectory(prefix="bto-bench-ledger-") as folder:
        counter = iter(range(1_000_000))
        yield lambda: str(Path(folder) / f"ledger-{next(counter)}.db")


@contextmanager
def _postgres() -> Iterator[Callable[[], str]]:
    with _pg.postgres_server() as base, _pg.Schemas(base) as schemas:
        yield schemas.new


def run(sizes: Sizes | None = None) -> bool:
    """Print every figure on SQLite and on PostgreSQL; False when a concurrent run left the
    ledger unsound or a database failed."""
    sizes = sizes or (SHORT if QUICK else FULL)
    world = load_world()
    print(f"ledger (issue 7): {CATALOG.relative_to(ROOT)}, {sizes.open_orders} orders "
          f"30 min apart, seed {SEED}" + (" (quick, indicative)" if QUICK else ""))
    ok = True
    where = ("BTO_POSTGRES_URL" if os.environ.get("BTO_POSTGRES_URL")
             else "a throwaway cluster")
    for name, databases in (("SQLite, a file in a temporary folder", _sqlite),
                            (f"PostgreSQL, {where}", _postgres)):
        print(f" {name}")
        start = time.perf_counter()
        try:
            with databases() as fresh:
                ok &= measure_engine(fresh, world, sizes)
        except _pg.PostgresUnavailable as error:
            print(f"  skipped: {error}")
            continue
        except (LedgerError, sa.exc.SQLAlchemyError) as error:
            print(f"  FAILED: {error}")
            ok = False
            continue
        print(f"  ({time.perf_counter() - start:.0f} s)")
    return ok

