"""The working-time calendar: golden cases computed by hand, and its invariants.

Dates used below (worked out from a wall calendar, not from the code):
2026-01-01 is a Thursday; Easter Sunday 2026 is 5 April (Good Friday 3 April, Easter Monday
6 April, Corpus Christi 4 June); summer time in Europe starts on Sunday 2026-03-29 at 02:00
(clocks go to 03:00) and ends on Sunday 2026-10-25 at 03:00 (clocks go back to 02:00).
"""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal

import holidays
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from configurator.loading import load_plant
from configurator.plant import Calendar, Carrier, Closure, HolidaySpec, Plant, Shift
from configurator.quoting.calendar import WorkCalendar
from configurator.values import FrozenMap, Label

from .conftest import ROOT

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = dt.UTC
D = dt.date
MON_FRI = "mon tue wed thu fri"
ALL_DAYS = "mon tue wed thu fri sat sun"
DAY_NAMES = ALL_DAYS.split()


def days(names: str) -> frozenset[int]:
    return frozenset(DAY_NAMES.index(n) for n in names.split())


def hm(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def make_plant(*, zone: str = "Europe/Berlin", weekmask: str = MON_FRI,
               spec: HolidaySpec | None = None, closures: Iterable[tuple[D, D]] = (),
               extra: Iterable[D] = (), shifts: Iterable[tuple[str, str, str]] = (),
               cutoffs: dict[int, str] | None = None, default_cutoff: str = "23:59",
               carriers: Iterable[Carrier] = ()) -> Plant:
    """A small plant; ``shifts`` are (days, start, end)."""
    wm = days(weekmask)
    cut = {d: hm(default_cutoff) for d in range(7)}
    cut.update({d: hm(t) for d, t in (cutoffs or {}).items()})
    return Plant(
        id="test", name=Label((("en", "Test"),)), timezone=zone,
        calendar=Calendar(weekmask=tuple(d in wm for d in range(7)), holidays=spec,
                          closures=tuple(Closure(a, b) for a, b in closures),
                          extra_working_days=tuple(sorted(extra))),
        shifts=tuple(Shift(f"s{i}", days(n), hm(a), hm(b)) for i, (n, a, b) in
                     enumerate(shifts)),
        cutoffs=FrozenMap(cut), work_centres=FrozenMap(), carriers=tuple(carriers))


def carrier(cid: str, transit: int, pickup: str, on: str) -> Carrier:
    return Carrier(cid, Label((("en", cid),)), transit, hm(pickup), days(on))


def at(text: str) -> dt.datetime:
    """An aware datetime from ISO text with an offset."""
    moment = dt.datetime.fromisoformat(text)
    assert moment.tzinfo is not None
    return moment


def iso(moment: dt.datetime) -> str:
    """The instant and the offset it is shown with: both are part of the answer."""
    return moment.isoformat()


@pytest.fixture(scope="module")
def stuttgart() -> WorkCalendar:
    return WorkCalendar.of(load_plant(ROOT / "rules" / "plant-stuttgart.yaml"))


def stuttgart_carrier(cal: WorkCalendar, cid: str) -> Carrier:
    return next(c for c in cal.plant.carriers if c.id == cid)


# --- order cut-off ---------------------------------------------------------------------------

FRIDAY_14 = make_plant(shifts=[(MON_FRI, "06:00", "14:00"), ("mon tue wed thu", "14:00", "22:00")],
                       default_cutoff="14:00")


@pytest.mark.parametrize(("placed", "accepted"), [
    ("2026-03-06T13:59:00+01:00", "2026-03-06T13:59:00+01:00"),  # Friday, before the cut-off
    ("2026-03-06T14:00:00+01:00", "2026-03-06T14:00:00+01:00"),  # exactly at it: same day
    ("2026-03-06T14:00:59+01:00", "2026-03-06T14:00:59+01:00"),  # the cut-off minute counts
    ("2026-03-06T14:01:00+01:00", "2026-03-09T06:00:00+01:00"),  # after it: Monday 06:00
    ("2026-03-05T13:59:00+01:00", "2026-03-05T13:59:00+01:00"),  # Thursday, before
    ("2026-03-05T14:01:00+01:00", "2026-03-06T06:00:00+01:00"),  # Thursday, after: Friday
    ("2026-03-06T12:59:00Z", "2026-03-06T13:59:00+01:00"),       # given in UTC, shown local
    ("2026-03-06T13:01:00Z", "2026-03-09T06:00:00+01:00"),
])
def test_cutoff_at_14_00_on_friday_and_thursday(placed: str, accepted: str) -> None:
    assert iso(WorkCalendar(FRIDAY_14).order_accepted(at(placed))) == accepted


@pytest.mark.parametrize(("placed", "accepted"), [
    ("2026-03-06T10:59:00+01:00", "2026-03-06T10:59:00+01:00"),  # Friday cut-off is 11:00
    ("2026-03-06T11:00:00+01:00", "2026-03-06T11:00:00+01:00"),
    ("2026-03-06T11:01:00+01:00", "2026-03-09T06:00:00+01:00"),
    ("2026-03-06T13:59:00+01:00", "2026-03-09T06:00:00+01:00"),  # 13:59 is late on a Friday
    ("2026-03-05T13:59:00+01:00", "2026-03-05T13:59:00+01:00"),  # ... but not on a Thursday
    ("2026-03-05T14:01:00+01:00", "2026-03-06T06:00:00+01:00"),
    ("2026-03-05T05:00:00+01:00", "2026-03-05T06:00:00+01:00"),  # before the first shift
])
def test_stuttgart_cutoffs(stuttgart: WorkCalendar, placed: str, accepted: str) -> None:
    assert iso(stuttgart.order_accepted(at(placed))) == accepted


@pytest.mark.parametrize(("placed", "accepted"), [
    # Good Friday; Saturday, Sunday and Easter Monday are not worked either; summer time
    ("2026-04-03T09:00:00+02:00", "2026-04-07T06:00:00+02:00"),
    ("2026-03-07T09:00:00+01:00", "2026-03-09T06:00:00+01:00"),  # a Saturday
    ("2026-03-08T23:59:00+01:00", "2026-03-09T06:00:00+01:00"),  # a Sunday night
    ("2026-03-28T10:00:00+01:00", "2026-03-30T06:00:00+02:00"),  # Saturday before spring DST
    ("2026-06-04T10:00:00+02:00", "2026-06-05T06:00:00+02:00"),  # Corpus Christi (BW only)
    ("2026-12-23T15:00:00+01:00", "2027-01-07T06:00:00+01:00"),  # into the winter shutdown
    # the extra Saturday 2026-12-19 is a working day with a 07:00-13:00 shift
    ("2026-12-19T10:00:00+01:00", "2026-12-19T10:00:00+01:00"),
    ("2026-12-18T11:30:00+01:00", "2026-12-19T07:00:00+01:00"),
])
def test_orders_on_days_off(stuttgart: WorkCalendar, placed: str, accepted: str) -> None:
    assert iso(stuttgart.order_accepted(at(placed))) == accepted


def test_day_zero_is_the_acceptance_day(stuttgart: WorkCalendar) -> None:
    day0 = stuttgart.order_accepted(at("2026-04-03T09:00:00+02:00")).date()
    assert day0 == D(2026, 4, 7)
    assert stuttgart.add_working_days(day0, 0) == D(2026, 4, 7)
    assert stuttgart.add_working_days(day0, 3) == D(2026, 4, 10)


def test_accepted_time_is_in_the_plant_zone(stuttgart: WorkCalendar) -> None:
    accepted = stuttgart.order_accepted(at("2026-03-05T20:00:00-05:00"))  # New York evening
    assert accepted.tzinfo == BERLIN
    assert iso(accepted) == "2026-03-06T06:00:00+01:00"


# --- working days ----------------------------------------------------------------------------

def test_subdivision_only_holidays() -> None:
    bw = WorkCalendar(make_plant(spec=HolidaySpec("DE", "BW", ("public",))))
    be = WorkCalendar(make_plant(spec=HolidaySpec("DE", "BE", ("public",))))
    de = WorkCalendar(make_plant(spec=HolidaySpec("DE")))
    for holiday in (D(2026, 1, 6), D(2026, 6, 4)):  # Epiphany (Tue), Corpus Christi (Thu)
        assert not bw.is_working_day(holiday)
        assert be.is_working_day(holiday) and de.is_working_day(holiday)
    assert bw.add_working_days(D(2026, 6, 3), 1) == D(2026, 6, 5)
    assert be.add_working_days(D(2026, 6, 3), 1) == D(2026, 6, 4)
    assert bw.working_days_between(D(2026, 1, 5), D(2026, 1, 12)) == 4
    assert be.working_days_between(D(2026, 1, 5), D(2026, 1, 12)) == 5
    for cal in (bw, be, de):  # national holidays everywhere: Good Friday, Labour Day
        assert not cal.is_working_day(D(2026, 4, 3))
        assert not cal.is_working_day(D(2026, 5, 1))
    assert bw.closed_reason(D(2026, 6, 4)) == "public holiday: Corpus Christi"


def test_closures_and_extra_working_days(stuttgart: WorkCalendar) -> None:
    assert stuttgart.add_working_days(D(2026, 12, 18), 1) == D(2026, 12, 19)  # extra Saturday
    assert stuttgart.add_working_days(D(2026, 12, 18), 2) == D(2026, 12, 21)
    assert stuttgart.add_working_days(D(2026, 12, 23), 1) == D(2027, 1, 7)  # over the shutdown
    assert stuttgart.add_working_days(D(2027, 1, 7), -1) == D(2026, 12, 23)
    assert stuttgart.add_working_days(D(2026, 12, 27), 0) == D(2027, 1, 7)  # roll forward
    assert stuttgart.add_working_days(D(2026, 12, 27), -1) == D(2026, 12, 23)
    assert stuttgart.working_days_between(D(2026, 12, 14), D(2026, 12, 21)) == 6
    assert stuttgart.working_days_between(D(2026, 12, 21), D(2027, 1, 11)) == 5
    assert stuttgart.working_days_between(D(2027, 1, 11), D(2026, 12, 21)) == -5
    assert stuttgart.working_days_between(D(2026, 12, 24), D(2027, 1, 7)) == 0
    assert stuttgart.is_working_day(D(2026, 12, 19)) and not stuttgart.is_working_day(
        D(2026, 12, 20))
    assert stuttgart.next_working_day(D(2026, 12, 24)) == D(2027, 1, 7)
    assert stuttgart.next_working_day(D(2026, 12, 23)) == D(2026, 12, 23)
    assert stuttgart.next_working_day(D(2026, 12, 23), include=False) == D(2027, 1, 7)
    assert stuttgart.next_working_day(D(2026, 12, 20), include=False) == D(2026, 12, 21)
    assert stuttgart.closed_reason(D(2026, 12, 28)) == \
        "closure: Winter shutdown and annual stocktake"
    assert stuttgart.closed_reason(D(2026, 12, 20)) == "Sunday: not a working weekday"
    assert stuttgart.closed_reason(D(2026, 12, 19)) is None
    # the summer shutdown of 2027 lies in the same block of years as the winter one
    assert stuttgart.add_working_days(D(2027, 8, 6), 1) == D(2027, 8, 23)


def test_extra_working_days_beat_holidays_and_closures() -> None:
    cal = WorkCalendar(make_plant(spec=HolidaySpec("DE", "BW"),
                                  closures=[(D(2026, 8, 3), D(2026, 8, 14))],
                                  extra=[D(2026, 6, 4), D(2026, 8, 8), D(2026, 8, 11)]))
    assert cal.is_working_day(D(2026, 6, 4))        # Corpus Christi, worked anyway
    assert cal.is_working_day(D(2026, 8, 8))        # a Saturday inside the closure
    assert cal.is_working_day(D(2026, 8, 11))       # a Tuesday inside the closure
    assert not cal.is_working_day(D(2026, 8, 10))
    assert cal.add_working_days(D(2026, 7, 31), 1) == D(2026, 8, 8)
    assert cal.add_working_days(D(2026, 7, 31), 2) == D(2026, 8, 11)
    assert cal.add_working_days(D(2026, 7, 31), 3) == D(2026, 8, 17)
    assert cal.working_days_between(D(2026, 8, 1), D(2026, 8, 18)) == 3


def test_plant_without_weekdays_works_only_its_extra_days() -> None:
    cal = WorkCalendar(make_plant(weekmask="", extra=[D(2026, 5, 2), D(2026, 5, 9)],
                                  shifts=[("sat", "08:00", "12:00")]))
    assert cal.add_working_days(D(2026, 1, 1), 1) == D(2026, 5, 9)
    assert cal.working_days_between(D(2026, 1, 1), D(2027, 1, 1)) == 2
    assert not cal.is_working_day(D(2026, 5, 4))
    assert iso(cal.add_work_minutes(at("2026-05-02T11:00:00+02:00"), 120)) == \
        "2026-05-09T09:00:00+02:00"
    with pytest.raises(ValueError, match="no working day in reach"):
        cal.add_working_days(D(2026, 5, 9), 1)
    with pytest.raises(ValueError, match="shift"):
        cal.add_work_minutes(at("2026-05-09T11:00:00+02:00"), 120)


def test_far_past_and_future_dates(stuttgart: WorkCalendar) -> None:
    assert not stuttgart.is_working_day(D(2099, 12, 25))  # Christmas, a Friday, 73 years on
    assert stuttgart.add_working_days(D(2099, 12, 24), 1) == D(2099, 12, 28)
    assert stuttgart.add_working_days(D(2300, 12, 22), 0) == D(2300, 12, 24)  # Sat -> Mon
    # The holidays package stops at 2100 (and starts German holidays in 1990): beyond, only
    # the weekmask, closures and extra days count. Documented in docs/calendar.md.
    assert stuttgart.is_working_day(D(2300, 12, 25))
    assert stuttgart.add_working_days(D(1, 1, 1), 5) == D(1, 1, 8)  # 0001-01-01 was a Monday
    assert stuttgart.working_days_between(D(2026, 1, 1), D(2300, 1, 1)) > 274 * 240
    with pytest.raises(ValueError, match="years 1 to 9999"):
        stuttgart.add_working_days(D(9999, 12, 1), 60)


# --- shifts and work time ------------------------------------------------------------------

def test_work_ending_exactly_at_shift_end(stuttgart: WorkCalendar) -> None:
    friday = at("2026-03-06T10:00:00+01:00")  # Friday: early shift only, to 14:15
    assert iso(stuttgart.add_work_minutes(friday, 255)) == "2026-03-06T14:15:00+01:00"
    assert iso(stuttgart.add_work_minutes(friday, 256)) == "2026-03-09T06:01:00+01:00"
    thursday = at("2026-03-05T06:00:00+01:00")  # early + late form one interval 06:00-22:30
    assert iso(stuttgart.add_work_minutes(thursday, 990)) == "2026-03-05T22:30:00+01:00"
    assert iso(stuttgart.add_work_minutes(thursday, 991)) == "2026-03-06T06:01:00+01:00"
    first = next(stuttgart.work_intervals(thursday))
    assert (iso(first[0]), iso(first[1])) == ("2026-03-05T06:00:00+01:00",
                                              "2026-03-05T22:30:00+01:00")


def test_zero_minutes_and_the_next_working_instant(stuttgart: WorkCalendar) -> None:
    saturday = at("2026-03-07T10:00:00+01:00")
    assert iso(stuttgart.add_work_minutes(saturday, 0)) == "2026-03-07T10:00:00+01:00"
    assert iso(stuttgart.next_work_start(saturday)) == "2026-03-09T06:00:00+01:00"
    shift_end = at("2026-03-06T14:15:00+01:00")
    assert iso(stuttgart.add_work_minutes(shift_end, 0)) == "2026-03-06T14:15:00+01:00"
    assert iso(stuttgart.next_work_start(shift_end)) == "2026-03-09T06:00:00+01:00"
    assert iso(stuttgart.add_work_minutes(saturday, Decimal("0.5"))) == \
        "2026-03-09T06:00:30+01:00"
    assert iso(stuttgart.add_work_minutes(saturday, 1.25)) == "2026-03-09T06:01:15+01:00"


def test_stuttgart_week_with_the_spring_change(stuttgart: WorkCalendar) -> None:
    # Friday 14:00 CET, 15 minutes left in the week; Monday's shift starts at 06:00 CEST
    end = stuttgart.add_work_minutes(at("2026-03-27T14:00:00+01:00"), 30)
    assert iso(end) == "2026-03-30T06:15:00+02:00"
    intervals = stuttgart.work_intervals(at("2026-03-27T14:00:00+01:00"))
    assert [(iso(a), iso(b)) for a, b in (next(intervals), next(intervals))] == [
        ("2026-03-27T14:00:00+01:00", "2026-03-27T14:15:00+01:00"),
        ("2026-03-30T06:00:00+02:00", "2026-03-30T22:30:00+02:00")]


NIGHTS = make_plant(weekmask=ALL_DAYS, shifts=[(ALL_DAYS, "22:00", "06:00")])


@pytest.mark.parametrize(("start", "shift_end", "hours", "work"), [
    # spring: Saturday night, Sunday 02:00 becomes 03:00, so the shift is an hour shorter
    ("2026-03-28T22:00:00+01:00", "2026-03-29T06:00:00+02:00", 7, [
        (420, "2026-03-29T06:00:00+02:00"), (421, "2026-03-29T22:01:00+02:00"),
        (240, "2026-03-29T03:00:00+02:00")]),                # 02:00 to 03:00 is skipped
    # autumn: Saturday night, Sunday 03:00 becomes 02:00, so the shift is an hour longer
    ("2026-10-24T22:00:00+02:00", "2026-10-25T06:00:00+01:00", 9, [
        (540, "2026-10-25T06:00:00+01:00"), (480, "2026-10-25T05:00:00+01:00"),
        (270, "2026-10-25T02:30:00+02:00"),                  # the first 02:30
        (330, "2026-10-25T02:30:00+01:00")]),                # the second one
])
def test_night_shift_over_a_clock_change(start: str, shift_end: str, hours: int,
                                         work: list[tuple[int, str]]) -> None:
    cal = WorkCalendar(NIGHTS)
    begin, end = next(cal.work_intervals(at(start)))
    assert (iso(begin), iso(end)) == (start, shift_end)
    assert u(end) - u(begin) == dt.timedelta(hours=hours)
    for minutes, done in work:
        assert iso(cal.add_work_minutes(at(start), minutes)) == done


def test_night_shift_belongs_to_the_day_it_starts() -> None:
    # Friday night runs into Saturday; Saturday and Sunday nights do not run.
    cal = WorkCalendar(make_plant(shifts=[(MON_FRI, "22:00", "06:00")]))
    intervals = cal.work_intervals(at("2026-03-06T23:00:00+01:00"))
    got = [(iso(a), iso(b)) for a, b in (next(intervals), next(intervals))]
    assert got == [("2026-03-06T23:00:00+01:00", "2026-03-07T06:00:00+01:00"),
                   ("2026-03-09T22:00:00+01:00", "2026-03-10T06:00:00+01:00")]
    # the holiday Monday 2026-04-06 cancels the night from Monday to Tuesday
    easter = WorkCalendar(make_plant(spec=HolidaySpec("DE"), shifts=[(MON_FRI, "22:00", "06:00")]))
    begin, _ = next(easter.work_intervals(at("2026-04-02T23:00:00+02:00")))
    assert iso(begin) == "2026-04-02T23:00:00+02:00"
    intervals = easter.work_intervals(at("2026-04-03T07:00:00+02:00"))
    assert iso(next(intervals)[0]) == "2026-04-07T22:00:00+02:00"


def test_wall_times_that_do_not_exist_or_happen_twice() -> None:
    # fold=0: a start in the spring gap is read with winter time (02:30 -> 03:30 CEST); an
    # ambiguous wall time is its first occurrence (summer time).
    gap = WorkCalendar(make_plant(weekmask=ALL_DAYS, shifts=[("sun", "02:30", "04:00")]))
    begin, end = next(gap.work_intervals(at("2026-03-29T00:00:00+01:00")))
    assert (iso(begin), iso(end)) == ("2026-03-29T03:30:00+02:00", "2026-03-29T04:00:00+02:00")
    twice = WorkCalendar(make_plant(weekmask=ALL_DAYS, shifts=[("sun", "02:30", "03:30")]))
    begin, end = next(twice.work_intervals(at("2026-10-25T00:00:00+02:00")))
    assert (iso(begin), iso(end)) == ("2026-10-25T02:30:00+02:00", "2026-10-25T03:30:00+01:00")
    assert u(end) - u(begin) == dt.timedelta(hours=2)
    # 02:10 summer time is before the shift starts; 02:10 winter time, an hour later, is not
    assert iso(twice.order_accepted(at("2026-10-25T00:10:00Z"))) == "2026-10-25T02:30:00+02:00"
    assert iso(twice.order_accepted(at("2026-10-25T01:10:00Z"))) == "2026-10-25T02:10:00+01:00"


def test_contiguous_and_overlapping_shifts_merge_within_a_day() -> None:
    cal = WorkCalendar(make_plant(shifts=[
        (MON_FRI, "06:00", "12:00"), (MON_FRI, "10:00", "14:00"), (MON_FRI, "14:00", "18:00"),
        (MON_FRI, "20:00", "06:00")]))
    got = [(iso(a), iso(b)) for _, (a, b) in
           zip(range(3), cal.work_intervals(at("2026-03-09T00:00:00+01:00")), strict=False)]
    assert got == [("2026-03-09T06:00:00+01:00", "2026-03-09T18:00:00+01:00"),
                   ("2026-03-09T20:00:00+01:00", "2026-03-10T06:00:00+01:00"),
                   ("2026-03-10T06:00:00+01:00", "2026-03-10T18:00:00+01:00")]


def test_material_available(stuttgart: WorkCalendar) -> None:
    assert iso(stuttgart.material_available(D(2026, 3, 7))) == "2026-03-09T06:00:00+01:00"
    assert iso(stuttgart.material_available(D(2026, 3, 10))) == "2026-03-10T06:00:00+01:00"
    assert iso(stuttgart.material_available(D(2026, 6, 4))) == "2026-06-05T06:00:00+02:00"
    assert iso(stuttgart.material_available(D(2026, 12, 24))) == "2027-01-07T06:00:00+01:00"


# --- carriers ------------------------------------------------------------------------------

@pytest.mark.parametrize(("cid", "ready", "pickup"), [
    ("dpd-bike", "2026-03-10T16:30:00+01:00", "2026-03-10T16:30:00+01:00"),  # exactly on time
    ("dpd-bike", "2026-03-10T16:31:00+01:00", "2026-03-11T16:30:00+01:00"),
    ("dpd-bike", "2026-04-02T17:00:00+02:00", "2026-04-07T16:30:00+02:00"),  # Easter
    ("dpd-bike", "2026-12-18T17:00:00+01:00", "2026-12-21T16:30:00+01:00"),  # not on extra Sat
    ("dpd-bike", "2026-12-23T17:00:00+01:00", "2027-01-07T16:30:00+01:00"),  # shutdown
    ("dachser-pallet", "2026-03-13T10:00:00+01:00", "2026-03-16T15:00:00+01:00"),  # no Friday
    ("collect", "2026-03-09T09:00:00+01:00", "2026-03-10T17:00:00+01:00"),  # no Monday
])
def test_next_pickup(stuttgart: WorkCalendar, cid: str, ready: str, pickup: str) -> None:
    assert iso(stuttgart.next_pickup(stuttgart_carrier(stuttgart, cid), at(ready))) == pickup


@pytest.mark.parametrize(("cid", "pickup", "delivered"), [
    ("dpd-bike", "2026-03-10T16:30:00+01:00", D(2026, 3, 12)),
    ("dpd-bike", "2026-03-12T16:30:00+01:00", D(2026, 3, 16)),  # over a weekend
    ("dpd-bike", "2026-04-02T16:30:00+02:00", D(2026, 4, 8)),   # over Good Friday and Monday
    # the plant shuts from 24 December, carriers keep driving: 24th (not a public holiday),
    # then the 25th and 26th are, then Monday the 28th
    ("dpd-bike", "2026-12-23T16:30:00+01:00", D(2026, 12, 28)),
    ("dachser-pallet", "2026-12-23T15:00:00+01:00", D(2026, 12, 29)),
    ("collect", "2026-12-23T17:00:00+01:00", D(2026, 12, 23)),  # 0 transit days
])
def test_delivered_on(stuttgart: WorkCalendar, cid: str, pickup: str, delivered: D) -> None:
    assert stuttgart.delivered_on(stuttgart_carrier(stuttgart, cid), at(pickup)) == delivered


def test_pickup_on_an_extra_saturday_travels_from_monday() -> None:
    truck = carrier("truck", 1, "12:00", "mon tue wed thu fri sat")
    cal = WorkCalendar(make_plant(extra=[D(2026, 3, 7)], carriers=[truck]))
    pickup = cal.next_pickup(truck, at("2026-03-06T13:00:00+01:00"))
    assert iso(pickup) == "2026-03-07T12:00:00+01:00"
    assert cal.delivered_on(truck, pickup) == D(2026, 3, 9)
    with pytest.raises(ValueError, match="no carrier 'never' pick-up"):
        cal.next_pickup(carrier("never", 1, "12:00", "sun"), at("2026-03-06T13:00:00+01:00"))


# --- errors, sharing -----------------------------------------------------------------------

def test_naive_datetimes_and_bad_minutes_are_refused(stuttgart: WorkCalendar) -> None:
    naive = dt.datetime(2026, 3, 6, 10, 0)
    dpd = stuttgart_carrier(stuttgart, "dpd-bike")
    for call in (lambda: stuttgart.order_accepted(naive),
                 lambda: stuttgart.add_work_minutes(naive, 5),
                 lambda: next(stuttgart.work_intervals(naive)),
                 lambda: stuttgart.next_pickup(dpd, naive),
                 lambda: stuttgart.delivered_on(dpd, naive)):
        with pytest.raises(ValueError, match="has no time zone"):
            call()
    moment = at("2026-03-06T10:00:00+01:00")
    for bad in (-1, float("nan"), float("inf"), Decimal("-0.5")):
        with pytest.raises(ValueError, match="finite number >= 0"):
            stuttgart.add_work_minutes(moment, bad)
    with pytest.raises(ValueError, match="too long"):
        stuttgart.add_work_minutes(moment, 10**20)


def test_bad_plants_give_clear_errors() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        WorkCalendar(make_plant(zone="Mars/Base"))
    with pytest.raises(ValueError, match="holidays of XX"):
        WorkCalendar(make_plant(spec=HolidaySpec("XX")))
    with pytest.raises(ValueError, match="shift"):
        WorkCalendar(make_plant()).add_work_minutes(at("2026-03-06T10:00:00+01:00"), 1)


def test_one_calendar_per_plant(stuttgart: WorkCalendar) -> None:
    again = load_plant(ROOT / "rules" / "plant-stuttgart.yaml")
    assert WorkCalendar.of(again) is stuttgart
    assert WorkCalendar.of(FRIDAY_14) is not stuttgart


def test_threads_share_one_calendar() -> None:
    plant = make_plant(spec=HolidaySpec("DE", "BW"), shifts=[(MON_FRI, "06:00", "14:00")])
    shared, alone = WorkCalendar(plant), WorkCalendar(plant)
    starts = [D(1900 + 37 * k, 3, 1) for k in range(10)]
    want = [alone.add_working_days(s, 500) for s in starts]
    got: dict[int, list[D]] = {}
    barrier = threading.Barrier(4)

    def work(i: int) -> None:
        barrier.wait()
        got[i] = [shared.add_working_days(s, 500) for s in starts[i:] + starts[:i]]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        assert got[i] == want[i:] + want[:i]


# --- properties ----------------------------------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC",
         "America/Santiago"]
SPECS = [None, HolidaySpec("DE", "BW", ("public",)), HolidaySpec("US", "CA"),
         HolidaySpec("AT", "4", ("public",))]
TIMES = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
MOMENTS = st.datetimes(dt.datetime(2025, 6, 1), dt.datetime(2028, 6, 1), timezones=st.just(UTC))
DAYS = st.dates(D(2025, 6, 1), D(2028, 6, 1))


@st.composite
def plants(draw: st.DrawFn) -> Plant:
    """A random plant around 2026-2027 with at least one shift on a weekmask day."""
    mask = draw(st.lists(st.booleans(), min_size=7, max_size=7).filter(any))
    worked = [d for d in range(7) if mask[d]]
    shifts = []
    for i in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, 95)) * 15
        length = draw(st.integers(4, 95)) * 15
        on = draw(st.frozensets(st.integers(0, 6), min_size=1))
        if i == 0:
            on |= {draw(st.sampled_from(worked))}
        end = (start + length) % 1440
        shifts.append(Shift(f"s{i}", on, dt.time(start // 60, start % 60),
                            dt.time(end // 60, end % 60)))
    closures = tuple(Closure(a, a + dt.timedelta(days=draw(st.integers(0, 20))))
                     for a in draw(st.lists(st.dates(D(2026, 1, 1), D(2027, 12, 1)),
                                            max_size=2)))
    extra = draw(st.lists(st.dates(D(2026, 1, 1), D(2027, 12, 31)), max_size=3, unique=True))
    return Plant(
        id="generated", name=Label((("en", "Generated"),)), timezone=draw(st.sampled_from(ZONES)),
        calendar=Calendar(tuple(mask), draw(st.sampled_from(SPECS)), closures,
                          tuple(sorted(extra))),
        shifts=tuple(shifts), cutoffs=FrozenMap({d: draw(TIMES) for d in range(7)}),
        work_centres=FrozenMap(),
        carriers=(Carrier("c", Label((("en", "c"),)), draw(st.integers(0, 5)), draw(TIMES),
                          frozenset({draw(st.sampled_from(worked))})),))


def oracle(plant: Plant, first: int, last: int) -> np.busdaycalendar:
    """numpy's own calendar over every day of the week, with every non-working day of the years
    [first, last] given as a holiday; made without the code under test."""
    cal = plant.calendar
    spec = cal.holidays
    public = set(holidays.country_holidays(spec.country, subdiv=spec.subdivision,
                                           categories=spec.categories or None,
                                           years=range(first, last + 1))) if spec else set()
    closed = {c.start + dt.timedelta(days=i) for c in cal.closures
              for i in range((c.end - c.start).days + 1)}
    off = []
    day = D(first, 1, 1)
    while day.year <= last:
        if (not cal.weekmask[day.weekday()] or day in public or day in closed) \
                and day not in cal.extra_working_days:
            off.append(day)
        day += dt.timedelta(days=1)
    return np.busdaycalendar(weekmask="1111111", holidays=off)


def u(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC)


PROPERTY = settings(deadline=None, max_examples=60,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(plants(), DAYS, st.lists(st.integers(-400, 400), min_size=8, max_size=8))
def test_day_arithmetic_matches_numpy(plant: Plant, day: D, offsets: list[int]) -> None:
    cal = WorkCalendar(plant)
    ref = oracle(plant, day.year - 10, day.year + 10)  # 400 one-day weeks fit in 10 years
    for n in offsets:
        want = np.busday_offset(day, n, roll="forward", busdaycal=ref).item()
        assert cal.add_working_days(day, n) == want
        other = day + dt.timedelta(days=n)
        assert cal.working_days_between(day, other) == \
            np.busday_count(day, other, busdaycal=ref)
    assert cal.is_working_day(day) == np.is_busday(day, busdaycal=ref)


@settings(deadline=None, max_examples=40)
@given(st.dates(D(2, 1, 1), D(9990, 1, 1)), st.integers(-200, 200))
def test_any_year_matches_numpy(day: D, n: int) -> None:
    plant = load_plant(ROOT / "rules" / "plant-stuttgart.yaml")
    lo, hi = max(1, day.year - 1), min(9999, day.year + 1)
    want = np.busday_offset(day, n, roll="forward", busdaycal=oracle(plant, lo, hi)).item()
    assert WorkCalendar.of(plant).add_working_days(day, n) == want


@PROPERTY
@given(plants(), DAYS, DAYS, st.integers(-300, 300), st.integers(-300, 300))
def test_add_working_days_is_monotone(plant: Plant, d1: D, d2: D, n1: int, n2: int) -> None:
    cal = WorkCalendar(plant)
    d1, d2 = min(d1, d2), max(d1, d2)
    n1, n2 = min(n1, n2), max(n1, n2)
    assert cal.add_working_days(d1, n1) <= cal.add_working_days(d1, n2)
    assert cal.add_working_days(d1, n1) <= cal.add_working_days(d2, n1)
    if n1 < n2:
        assert cal.add_working_days(d1, n1) < cal.add_working_days(d1, n2)


@PROPERTY
@given(plants(), DAYS, st.integers(-300, 300))
def test_working_days_between_inverts_add(plant: Plant, day: D, n: int) -> None:
    cal = WorkCalendar(plant)
    start = cal.next_working_day(day)
    end = cal.add_working_days(start, n)
    assert cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n


MINUTES = st.integers(0, 3000) | st.decimals(0, 3000, places=2)


@PROPERTY
@given(plants(), MOMENTS, MOMENTS, MINUTES, MINUTES)
def test_add_work_minutes_is_monotone_and_additive(plant: Plant, t1: dt.datetime,
                                                   t2: dt.datetime, a: Decimal | int,
                                                   b: Decimal | int) -> None:
    cal = WorkCalendar(plant)
    t1, t2 = min(t1, t2), max(t1, t2)
    after_a = cal.add_work_minutes(t1, a)
    assert u(after_a) >= t1
    assert u(cal.add_work_minutes(t1, a)) <= u(cal.add_work_minutes(t2, a))
    assert u(after_a) <= u(cal.add_work_minutes(t1, a + b))
    assert u(cal.add_work_minutes(after_a, b)) == u(cal.add_work_minutes(t1, a + b))


@PROPERTY
@given(plants(), MOMENTS, MINUTES.filter(lambda m: m > 0))
def test_work_intervals_hold_exactly_the_work_done(plant: Plant, start: dt.datetime,
                                                   minutes: Decimal | int) -> None:
    cal = WorkCalendar(plant)
    end = u(cal.add_work_minutes(start, minutes))
    done = dt.timedelta(0)
    previous = start
    for begin, finish in cal.work_intervals(start):
        begin, finish = u(begin), u(finish)
        assert previous <= begin < finish
        assert begin.tzinfo is not None
        previous = finish
        if begin >= end:
            break
        done += min(finish, end) - begin
    assert done == dt.timedelta(microseconds=int(Decimal(minutes) * 60_000_000))


@PROPERTY
@given(plants(), MOMENTS, MOMENTS)
def test_order_acceptance_never_goes_back(plant: Plant, t1: dt.datetime,
                                          t2: dt.datetime) -> None:
    cal = WorkCalendar(plant)
    t1, t2 = min(t1, t2), max(t1, t2)
    a1, a2 = cal.order_accepted(t1), cal.order_accepted(t2)
    assert u(a1) >= t1 and u(a2) >= t2
    assert u(a1) <= u(a2)
    assert cal.is_working_day(a1.date())
    assert a1.tzinfo == cal.zone


@PROPERTY
@given(plants(), MOMENTS)
def test_next_pickup_is_a_fixed_point(plant: Plant, ready: dt.datetime) -> None:
    cal = WorkCalendar(plant)
    truck = plant.carriers[0]
    assume(any(plant.calendar.weekmask[d] for d in truck.days))
    pickup = cal.next_pickup(truck, ready)
    assert u(pickup) >= ready
    assert cal.is_working_day(pickup.date()) and pickup.weekday() in truck.days
    assert u(cal.next_pickup(truck, pickup)) == u(pickup)
    delivered = cal.delivered_on(truck, pickup)
    assert delivered >= pickup.date()
    assert (delivered == pickup.date()) == (truck.transit_days == 0)
