"""The fast paths behind ``plan()`` give exactly what the general code gives.

``WorkCalendar.next_work_start`` and ``add_work_minutes`` answer from cached windows of work
intervals; here they are checked, to the microsecond and with the same offset, against the
plain walk over ``work_intervals`` on the example plants and on plants made to be awkward
(night shifts, clock changes at midnight, half-hour changes, shifts that overlap across days,
only extra working days). ``BusyProfile.of`` is checked against the level-by-level sweep it
replaced, and ``allocate`` at the boundary of its all-from-stock shortcut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.loading import load_plant
from configurator.plant import HolidaySpec
from configurator.quoting.atp import allocate
from configurator.quoting.calendar import WorkCalendar
from configurator.quoting.providers import BusyProfile, OpenPurchaseOrder, PartSourcing

from .conftest import ROOT
from .test_calendar import ALL_DAYS, MON_FRI, make_plant

UTC = dt.UTC
D = dt.date

PLANT_FILES = [ROOT / "rules" / "plant-stuttgart.yaml", ROOT / "rules" / "plant-linz.yaml",
               ROOT / "rules" / "plant-eindhoven.yaml", ROOT / "tests/data/quote/plant.yaml",
               ROOT / "tests/data/good/rules/plant.yaml",
               ROOT / "tests/data/schema-samples/plant-full.yaml"]

MADE_PLANTS = {
    "nights": make_plant(spec=HolidaySpec("DE", "BW"), shifts=[(MON_FRI, "22:00", "06:00")],
                         closures=[(D(2026, 12, 24), D(2027, 1, 6))],
                         extra=[D(2026, 12, 19), D(2027, 1, 2)]),
    "overlapping": make_plant(weekmask=ALL_DAYS, shifts=[
        (ALL_DAYS, "20:00", "10:00"), ("mon wed fri", "04:00", "12:00"),
        (MON_FRI, "10:00", "14:00")]),
    "round the clock": make_plant(weekmask=ALL_DAYS, shifts=[(ALL_DAYS, "00:00", "00:00")]),
    "clock change at midnight": make_plant(zone="America/Santiago", shifts=[
        (MON_FRI, "23:00", "01:30"), ("sat sun", "00:00", "03:00")], weekmask=ALL_DAYS),
    "half-hour change": make_plant(zone="Australia/Lord_Howe", weekmask=ALL_DAYS, shifts=[
        (ALL_DAYS, "01:00", "03:00"), ("sun", "14:00", "02:00")]),
    "spring gap": make_plant(weekmask=ALL_DAYS, shifts=[("sun", "02:30", "04:00"),
                                                        (ALL_DAYS, "01:45", "02:15")]),
    "extra days only": make_plant(weekmask="", shifts=[(ALL_DAYS, "08:00", "12:00")],
                                  extra=[D(2026, 3, 7), D(2026, 3, 29), D(2026, 10, 25),
                                         D(2027, 6, 1)]),
}


def _calendars() -> dict[str, WorkCalendar]:
    found = {Path(p).name: WorkCalendar(load_plant(p)) for p in PLANT_FILES}
    found.update({name: WorkCalendar(plant) for name, plant in MADE_PLANTS.items()})
    return found


CALENDARS = _calendars()


def walk_start(calendar: WorkCalendar, moment: dt.datetime) -> dt.datetime:
    """The general answer of ``next_work_start``: the first work interval's begin."""
    return next(calendar.work_intervals(moment))[0]


def walk_add(calendar: WorkCalendar, start: dt.datetime, micros: int) -> dt.datetime:
    """The general answer of ``add_work_minutes``: use up the work intervals one by one."""
    if micros == 0:
        return start.astimezone(calendar.zone)
    remaining = dt.timedelta(microseconds=micros)
    for shown_begin, shown_end in calendar.work_intervals(start):
        # in UTC: a difference of two datetimes of one zone ignores a clock change between
        begin, end = shown_begin.astimezone(UTC), shown_end.astimezone(UTC)
        if remaining <= end - begin:
            return (begin + remaining).astimezone(calendar.zone)
        remaining -= end - begin
    raise AssertionError("work intervals never end")


def outcome(answer: Callable[[], dt.datetime]) -> tuple[str, ...]:
    """The instant with its wall time, offset and fold; or the error, when there is none."""
    try:
        found = answer()
    except ValueError as exc:
        return ("error", str(exc))
    return (found.isoformat(), str(found.astimezone(UTC)), str(found.fold))


# Around clock changes, holidays, the Stuttgart shutdown, and far from today.
moments = st.one_of(
    st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 12, 31)),
    st.sampled_from([dt.datetime(2026, 3, 29, 0, 59), dt.datetime(2026, 10, 25, 0, 30),
                     dt.datetime(2026, 12, 23, 21, 0), dt.datetime(2026, 9, 5, 3, 59),
                     dt.datetime(2026, 4, 4, 15, 0), dt.datetime(2027, 1, 6, 23, 0)])
    .flatmap(lambda m: st.integers(-36 * 60, 36 * 60).map(lambda k: m + dt.timedelta(
        minutes=k))),
).map(lambda m: m.replace(tzinfo=UTC))
names = st.sampled_from(sorted(CALENDARS))
# Microsecond fractions, and long runs that reach past the cached window into the walk.
work_micros = st.one_of(st.integers(0, 10_000 * 60_000_000),
                        st.integers(0, 600).map(lambda m: m * 60_000_000),
                        st.integers(100_000, 400_000).map(lambda m: m * 60_000_000))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names, moments, st.sampled_from(["UTC", "plant"]))
def test_next_work_start_equals_the_interval_walk(name: str, moment: dt.datetime,
                                                  shown: str) -> None:
    calendar = CALENDARS[name]
    if shown == "plant":
        moment = moment.astimezone(calendar.zone)
    assert outcome(lambda: calendar.next_work_start(moment)) == \
        outcome(lambda: walk_start(calendar, moment))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names, moments, work_micros)
def test_add_work_minutes_equals_the_interval_walk(name: str, moment: dt.datetime,
                                                   micros: int) -> None:
    calendar = CALENDARS[name]
    minutes = Decimal(micros) / 60_000_000
    assert outcome(lambda: calendar.add_work_minutes(moment, minutes)) == \
        outcome(lambda: walk_add(calendar, moment, micros))


@settings(max_examples=200, deadline=None)
@given(names, moments, work_micros)
def test_add_work_minutes_from_a_working_instant(name: str, moment: dt.datetime,
                                                 micros: int) -> None:
    """The scheduler's case: start where work can start, often exactly at a shift start."""
    calendar = CALENDARS[name]
    try:
        start = calendar.next_work_start(moment)
    except ValueError:
        return  # no working time left (a plant of extra days only); compared above
    minutes = Decimal(micros) / 60_000_000
    assert outcome(lambda: calendar.add_work_minutes(start, minutes)) == \
        outcome(lambda: walk_add(calendar, start, micros))


def test_plant_that_runs_out_of_working_time_still_says_so() -> None:
    calendar = CALENDARS["extra days only"]
    late = dt.datetime(2027, 6, 1, 11, 0, tzinfo=calendar.zone)
    assert calendar.add_work_minutes(late, 60).isoformat() == "2027-06-01T12:00:00+02:00"
    with pytest.raises(ValueError, match="no shift on a working day"):
        calendar.add_work_minutes(late, 61)
    with pytest.raises(ValueError, match="no shift on a working day"):
        calendar.next_work_start(dt.datetime(2027, 6, 1, 12, 0, tzinfo=calendar.zone))


def sweep_profile(capacity: int, intervals: Sequence[tuple[float, float]]) -> BusyProfile:
    """The level-by-level sweep ``BusyProfile.of`` had before its one-level-per-event loop."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    spans: list[tuple[list[float], list[float]]] = [([], []) for _ in range(capacity)]
    busy = 0
    for time, delta in events:
        before = busy
        busy += delta
        for k in range(min(before, busy) + 1, max(before, busy) + 1):
            if k > capacity:
                break
            starts, ends = spans[k - 1]
            if delta > 0:
                if ends and ends[-1] == time:
                    ends.pop()
                else:
                    starts.append(time)
            else:
                ends.append(time)
    return BusyProfile(capacity, tuple((tuple(s), tuple(e)) for s, e in spans))


intervals = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12)).map(
    lambda p: (float(p[0]), float(p[0] + p[1]))), max_size=15)


@given(st.integers(0, 4), intervals)
def test_busy_profile_equals_the_level_sweep(capacity: int,
                                             spans: list[tuple[float, float]]) -> None:
    # an empty interval (end == start) takes no station: it leaves the profile as it was
    real = [(a, b) for a, b in spans if b > a]
    assert BusyProfile.of(capacity, spans) == sweep_profile(capacity, real)


class _OnePart:
    """Supply of one part: free stock, no purchase orders, a supplier."""

    def __init__(self, stock: Decimal) -> None:
        self.stock = stock

    def free_stock(self, part: str) -> Decimal:
        return self.stock

    def open_purchase_orders(self, part: str) -> Sequence[OpenPurchaseOrder]:
        return ()

    def sourcing(self, part: str) -> PartSourcing | None:
        return PartSourcing("s", "Supplier", Decimal(1), Decimal(4))


quantities = st.decimals(min_value=0, max_value=20, places=1)


@given(quantities, st.lists(quantities, min_size=1, max_size=8))
def test_lines_covered_by_stock_take_only_stock(stock: Decimal, needs: list[Decimal]) -> None:
    calendar = CALENDARS["plant-stuttgart.yaml"]
    day0 = D(2026, 11, 25)
    lines = allocate([("P", q, None) for q in needs], _OnePart(stock), calendar, day0)
    left = stock
    for need, line in zip(needs, lines, strict=True):
        takes = [a for a in line.allocations if a.kind == "stock"]
        taken = takes[0].qty if takes else Decimal(0)
        assert taken == min(need, left) and str(line.qty) == str(need)
        if need > 0 and need <= left:
            assert len(line.allocations) == 1 and line.day == day0
            assert str(takes[0].qty) == str(need)
        left -= taken
        assert sum((a.qty for a in line.allocations), Decimal(0)) == need
