"""The simulation's fast paths give exactly what the general code gives (issue 5's run time).

Each shortcut taken for the build-to-order simulation's speed is pinned here to the plain
computation it replaces, to the last bit: the projection's inlined loop and heap handling
(against the plain loop, over whole seeded runs), the projection's heaps (their entries are
distinct, which is what lets a heap be built at once and its least entry be replaced), the
vectorised conversion of working minutes to epoch seconds, the memo of work durations, the
scheduler's shortcut for a work centre the order has not used yet, a plan reusing another
plan's material lines, and the per-run memos of purchase terms and usable days.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_catalog, load_plant
from configurator.bom import explode
from configurator.quoting import calendar as calendar_module
from configurator.quoting.calendar import WorkCalendar, work_duration
from configurator.quoting.capacity import _full
from configurator.quoting.promise import plan
from configurator.quoting.providers import BusyProfile, FileCapacity, FileSupply
from configurator.session import Session
from configurator.simulation import BuildToOrder, ShopRun, WorkTime, load_scenario
from configurator.simulation import bto as bto_module
from configurator.simulation.bto import _Run, lognormal_sigma_median
from configurator.simulation.projection import Projection
from configurator.simulation.shopfloor import EPS

from .strategies import supply_situations
from .test_quote_properties import book_of, supply_of

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "catalogs" / "scenarios" / "ebike-095.yaml"
QUOTE_DATA = ROOT / "tests" / "data" / "quote"
SLOW = settings(max_examples=4, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
QUICK = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def model() -> BuildToOrder:
    """The heavier-loaded e-bike scenario with a small pool, so a short run has a backlog."""
    return BuildToOrder.of(dataclasses.replace(load_scenario(SCENARIO), pool=25))


class PlainProjection(Projection):
    """The projection as it was written before the speed work: each operation popped and
    pushed, its station recorded by ``_place``, and a finished part walked up recursively."""

    def advance(self, until: float) -> dict[str, list[tuple[float, float]]]:
        if self.edd:
            return self._advance_by_due(until)
        ready, free = self.ready, self.free
        while ready and ready[0][0] <= until:
            at, _, node, c, k = heapq.heappop(ready)
            chain = node.chains[c]
            if k == len(chain):
                self._chain_done(node, at)
                continue
            wc, planned, _ = chain[k]
            station_free, station = heapq.heappop(free[wc])
            start = max(at, station_free)
            end = start + planned
            heapq.heappush(free[wc], (end, station))
            self._place(wc, station, start, end)
            self._push(end, node, c, k + 1)
        return self._spans()

    def _chain_done(self, node: Any, at: float) -> None:
        self.finish[node.uid] = max(self.finish[node.uid], at)
        self.left[node.uid] -= 1
        if self.left[node.uid] == 0:
            self._complete(node, self.finish[node.uid])

    def _complete(self, node: Any, at: float) -> None:
        parent = node.parent
        if parent is None or parent.uid not in self.left:
            return
        self.finish[parent.uid] = max(self.finish[parent.uid], at)
        self.left[parent.uid] -= 1
        if self.left[parent.uid] == 0:
            self._release(parent, self.finish[parent.uid])


def _arrays(run: ShopRun) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in dataclasses.fields(run):
        value = getattr(run, field.name)
        if isinstance(value, np.ndarray):
            out[field.name] = value.tobytes()
        elif isinstance(value, dict):
            out[field.name] = {k: v.tobytes() if isinstance(v, np.ndarray) else
                               (v.to_dict() if hasattr(v, "to_dict") else v)
                               for k, v in value.items()}
        else:
            out[field.name] = value
    return out


@SLOW
@given(seed=st.integers(0, 10_000), dispatch=st.sampled_from(["fcfs", "edd"]))
def test_projection_fast_loop_matches_the_plain_loop(model: BuildToOrder, seed: int,
                                                     dispatch: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Every quote, lead time and busy station of a seeded run, with the projection's plain
    loop and with the fast one."""
    chosen = dataclasses.replace(model, scenario=dataclasses.replace(model.scenario,
                                                                     dispatch=dispatch))
    policies = chosen.policies()[2:4]  # ATP only and CTP: the quotes the projection makes
    fast = chosen.run_many(policies, seed, record=True, horizon_days=40.0, warmup_days=5.0)
    with monkeypatch.context() as patched:
        patched.setattr(bto_module, "Projection", PlainProjection)
        plain = chosen.run_many(policies, seed, record=True, horizon_days=40.0,
                                warmup_days=5.0)
    assert len(fast.ids) > 20
    assert _arrays(fast) == _arrays(plain)


@SLOW
@given(seed=st.integers(0, 10_000), days=st.floats(15.0, 35.0))
def test_projection_heaps_hold_distinct_entries(model: BuildToOrder, seed: int,
                                                days: float) -> None:
    """What lets the projection heapify its entries at once and replace a least entry
    instead of popping and pushing: no two entries of a heap compare equal, so a heap pops
    them in one order whatever its layout. Also: each line's cached nominal working minutes
    are the clock's."""
    run = _Run(model, model.policies()[3:4], seed, False, days, 0.0)
    run.sim.schedule(run.gap(), run._arrive)
    run.sim.run(until=days)
    projection = Projection(run)
    keys = [(at, tie) for at, tie, *_ in projection.ready]
    assert len(set(keys)) == len(keys)
    assert projection.ready and all(projection.ready[0] <= entry for entry in projection.ready)
    for slots in projection.free.values():
        assert len({station for _, station in slots}) == len(slots)
    lines = [line for root in run.roots.values() for line in _lines(root)]
    cached = [line for line in lines if line.nominal_work is not None]
    assert cached
    assert all(line.nominal_work == run.clock.work(line.nominal) for line in cached)


def _lines(node: Any) -> list[Any]:
    return [*node.lines, *(line for child in node.children for line in _lines(child))]


@QUICK
@given(st.lists(st.floats(0.0, 600_000.0), max_size=40), st.integers(0, 3))
def test_timestamps_are_the_scalar_conversion(minutes: list[float], start: int) -> None:
    plant = load_plant(ROOT / "rules" / "plant-stuttgart.yaml")
    calendar = WorkCalendar.of(plant)
    clock = WorkTime(calendar, dt.datetime(2027, 1, 4 + start, tzinfo=calendar.zone))
    got = clock.timestamps(minutes)
    want = [clock.timestamp(clock.time(w)) for w in minutes]
    assert got.tolist() == want
    assert [math.floor(x) for x in got.tolist()] == [math.floor(x) for x in want]


@QUICK
@given(st.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False,
                   allow_infinity=False), st.integers(0, 4))
def test_work_duration_memo_is_the_computed_duration(minutes: Decimal, scale: int) -> None:
    """A remembered duration is the one computed, also for an equal Decimal written with
    more digits."""
    first = work_duration(minutes)
    padded = minutes.quantize(Decimal(1).scaleb(-(4 + scale)))
    assert padded == minutes
    assert work_duration(padded) == first == calendar_module._work_duration(minutes)
    assert work_duration(minutes) == first


@QUICK
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 60)), max_size=12),
       st.integers(1, 3), st.integers(0, 240), st.integers(0, 90))
def test_full_on_a_fresh_work_centre_is_the_general_sweep(
        booked: list[tuple[int, int]], capacity: int, s: int, length: int) -> None:
    """The shortcut when the order has no station of its own at the work centre yet; the
    general sweep runs when ``own`` holds an interval that ends before the slot (it takes no
    station during the slot)."""
    profile = BusyProfile.of(capacity, [(a, a + n) for a, n in booked])
    start, end = float(s), float(s + length)
    assert _full(capacity, profile.first_busy, [], start, end) == \
        _full(capacity, profile.first_busy, [(start - 1.0, start - 1.0)], start, end)


@settings(max_examples=40, deadline=None)
@given(supply_situations())
def test_plan_on_shared_material_lines_is_the_plan(s: dict[str, Any]) -> None:
    """The CTP plan takes the ATP plan's material lines: a plan given the lines of a plan of
    the same BOM, supply and time on other capacity is the plan it makes by itself."""
    catalog = load_catalog(QUOTE_DATA / "catalog.yaml")
    plant = load_plant(QUOTE_DATA / "plant.yaml")
    with Session(catalog) as session:
        session.select("motor", s["motor"])
        session.select("wheels", s["wheels"])
        bom = explode(catalog, session.complete(), s["qty"])
    calendar = WorkCalendar.of(plant)
    supply = FileSupply(supply_of(s))
    free = plan(bom, calendar, supply, FileCapacity(plant), s["at"])
    booked = FileCapacity(plant, book_of(s))
    alone = plan(bom, calendar, supply, booked, s["at"])
    shared = plan(bom, calendar, supply, booked, s["at"], materials=free.materials)
    assert shared == alone
    assert shared.materials == alone.materials


@pytest.fixture(scope="module")
def fresh_run(model: BuildToOrder) -> _Run:
    return _Run(model, model.policies(), 1, False, 10.0, 0.0)


@QUICK
@given(st.integers(0, 900), st.floats(0.0, 900.0), st.floats(-3.0, 3.0),
       st.integers(0, 40))
def test_run_memos_are_the_calendar(model: BuildToOrder, fresh_run: _Run, offset: int,
                                    accepted: float, z: float, which: int) -> None:
    """The per-run memos of when material is usable and of a part's purchase terms give
    what the calendar and the supply file give (the memos outlive each example)."""
    run = fresh_run
    day = model.scenario.start + dt.timedelta(days=offset)
    direct = max(accepted, run.clock.day(run.calendar.material_available(day)))
    assert run._usable(day, accepted) == direct
    assert run._usable(day, accepted) == direct  # remembered
    parts = sorted(model.supply.sourcing)
    part = parts[which % len(parts)]
    source = model.supply.sourcing[part]
    supplier = model.supply.suppliers.get(source.supplier)
    response = float(supplier.response_days) if supplier else 0.0
    median = float(source.lead_time_days)
    spread = model.scenario.lead_time_spread_days
    sd = float(source.lead_time_spread_days) if spread is None else spread
    actual = response + median * math.exp(lognormal_sigma_median(median, sd) * z)
    add = run.calendar.add_working_days
    want = (add(day, math.ceil(response + median)),
            add(day, max(0, math.ceil(actual - EPS))))
    assert run._purchase(part, day, z) == want
    assert run._purchase(part, day, z) == want
