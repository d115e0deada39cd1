"""The working time of one plant: working days, shifts, order cut-offs and carrier pick-ups.

Days are counted with tables that numpy builds (``is_busday`` over the plant's weekmask, public
holidays from the ``holidays`` package and plant closures; extra working days are then set by
hand, because numpy's holidays can only remove days). The tables are made lazily in blocks of
years, so any date from year 1 to 9999 works; a scalar query is then a few list look-ups. Clock
times are wall-clock times in the plant's zone; every duration and comparison is made in UTC.
The conventions are explained for planners in ``docs/calendar.md``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import threading
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import numpy as np

from ..plant import Carrier, Plant

__all__ = ["WorkCalendar", "as_utc", "work_duration"]

UTC = dt.UTC
_YEARS_PER_BLOCK = 8
_LAST_BLOCK = dt.date.max.year // _YEARS_PER_BLOCK
_DEFAULT_CUTOFF = dt.time(23, 59)
_MIDNIGHT = dt.time(0, 0)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_Interval = tuple[dt.datetime, dt.datetime]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = dt.timedelta(microseconds=1)
#: The work-time fast path keeps the work intervals of windows of this many UTC days, each
#: walked from a little before the window until _WINDOW_REACH days after its start.
_WINDOW_DAYS = 28
_WINDOW_REACH = 91
_LAST_WINDOW = (dt.date.max.toordinal() - _WINDOW_REACH - 7) // _WINDOW_DAYS


def _micros(moment: dt.datetime) -> int:
    """Microseconds since the epoch, exactly (a float timestamp may round)."""
    return (moment - _EPOCH) // _MICRO


@dataclass(frozen=True, slots=True)
class _Window:
    """A prefix of the work intervals of ``_intervals(anchor)``, for fast look-ups.

    ``begins``/``ends`` are the intervals as datetimes and in epoch microseconds; ``done[k]``
    is the working time (microseconds) of the intervals before ``k``, one entry longer. Any
    moment ``t >= anchor`` whose interval walk starts no earlier than the anchor's sees these
    same intervals clipped at ``t`` (see ``WorkCalendar._window``).
    """

    begins: tuple[dt.datetime, ...]
    begin_us: tuple[int, ...]
    end_us: tuple[int, ...]
    done: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Days:
    """Which days of one block count: working days, or transit days of the carriers."""

    base: int                # ordinal of the block's first day
    flags: bytes             # flags[i] == 1 when day base + i counts
    before: tuple[int, ...]  # before[i]: days that count in [base, base + i); one entry longer
    days: tuple[int, ...]    # ordinals of the days that count, ascending


@dataclass(frozen=True, slots=True)
class _Block:
    """The calendar of ``_YEARS_PER_BLOCK`` years. Never changed once published."""

    work: _Days
    transit: _Days
    holidays: dict[dt.date, str]


def _days(base: int, flags: np.ndarray) -> _Days:
    before = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
    days = np.flatnonzero(flags) + base
    return _Days(base, flags.astype(np.uint8).tobytes(), tuple(before.tolist()),
                 tuple(days.tolist()))


class OutOfRange(ValueError, OverflowError):
    """A moment too close to the ends of the calendar (year 1, year 9999) to convert: a bad
    argument to callers that check values, an overflow to those that catch those."""


def as_utc(moment: dt.datetime, what: str) -> dt.datetime:
    """``moment`` in UTC; a naive datetime is refused because its instant is unknown."""
    if not isinstance(moment, dt.datetime):
        raise ValueError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} {moment.isoformat()} has no time zone; give a timezone-aware "
                         "datetime, e.g. 2026-03-06T13:59:00+01:00")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise OutOfRange(f"{what} {moment.isoformat()} is out of range; give a date after the "
                         "year 1 and before the year 9999") from None


#: work_duration of Decimal minutes already asked (a plan asks the same routing minutes for
#: every operation of every order); equal Decimals give equal durations
_DURATIONS: dict[Decimal, dt.timedelta] = {}


def work_duration(minutes: Decimal | float | int) -> dt.timedelta:
    """``minutes`` as a timedelta, rounded to the nearest microsecond (half to even)."""
    if type(minutes) is Decimal and minutes.is_finite():
        found = _DURATIONS.get(minutes)
        if found is None:
            found = _work_duration(minutes)
            if len(_DURATIONS) < 65_536:
                _DURATIONS[minutes] = found
        return found
    return _work_duration(minutes)


def _work_duration(minutes: Decimal | float | int) -> dt.timedelta:
    if isinstance(minutes, bool) or not isinstance(minutes, Decimal | float | int):
        raise ValueError(f"minutes must be a number, not {type(minutes).__name__}")
    try:
        value = minutes if isinstance(minutes, Decimal) else Decimal(str(minutes))
        if not value.is_finite() or value < 0:
            raise ValueError(f"minutes must be a finite number >= 0, not {minutes}")
        micros = (value * 60_000_000).to_integral_value(ROUND_HALF_EVEN)
        return dt.timedelta(microseconds=int(micros))
    except (OverflowError, InvalidOperation) as exc:
        raise ValueError(f"{minutes} minutes is too long to schedule") from exc


def _weekday(ordinal: int) -> int:
    return (ordinal - 1) % 7  # ordinal 1 (0001-01-01) was a Monday


class WorkCalendar:
    """The working time of one plant: working days (numpy busday arithmetic + the `holidays`
    package + plant closures + extra working days), shifts per weekday, order cut-offs, carrier
    pick-ups, all in the plant's time zone (zoneinfo).

    Working days are the weekmask's days minus public holidays and closure days, plus the
    extra working days (which win over everything else). Transit days, used for carriers, are
    the weekmask's days minus public holidays only. Safe to share between threads.
    """

    plant: Plant
    zone: zoneinfo.ZoneInfo

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        try:
            self.zone = zoneinfo.ZoneInfo(plant.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"plant '{plant.id}': unknown time zone '{plant.timezone}'") from exc
        calendar = plant.calendar
        self._holidays_of = self._holiday_source()
        self._weekmask = tuple(bool(x) for x in calendar.weekmask)
        if len(self._weekmask) != 7:
            raise ValueError(f"plant '{plant.id}': the weekmask needs 7 days, "
                             f"not {len(self._weekmask)}")
        self._weekmask_days = frozenset(d for d in range(7) if self._weekmask[d])
        self._extras = tuple(sorted(set(calendar.extra_working_days)))
        self._extra_ordinals = tuple(d.toordinal() for d in self._extras)
        by_day: list[list[tuple[dt.time, dt.time]]] = [[] for _ in range(7)]
        for shift in plant.shifts:
            for day in shift.days:
                by_day[day].append((shift.start, shift.end))
        self._shifts_by_weekday = tuple(tuple(times) for times in by_day)
        self._shift_weekdays = frozenset(d for d in range(7) if by_day[d])
        self._blocks: dict[int, _Block] = {}
        self._lock = threading.Lock()
        self._day_runs: Callable[[int], tuple[_Interval, ...]] = \
            functools.lru_cache(maxsize=8192)(self._runs_of_day)
        # Quotes and simulations ask the same days again and again (lru_cache is thread-safe).
        self._available: Callable[[int], dt.datetime] = \
            functools.lru_cache(maxsize=8192)(self._available_on)
        self._added: Callable[[int, int], dt.date] = functools.lru_cache(maxsize=65536)(
            lambda ordinal, n: dt.date.fromordinal(
                self._offset(dt.date.fromordinal(ordinal), n, transit=False)))
        # 512 windows of 28 days: 39 years of moments before the oldest is dropped.
        self._windows: Callable[[int], _Window] = \
            functools.lru_cache(maxsize=512)(self._window)

    @classmethod
    def of(cls, plant: Plant) -> WorkCalendar:
        """The calendar of ``plant``, made once per plant and shared."""
        return _calendar_of(plant)

    def __repr__(self) -> str:
        return f"WorkCalendar({self.plant.id!r}, {self.zone.key!r})"

    # --- days -----------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        """Whether the plant works on ``day``."""
        if not self._weekmask_days:
            return day.toordinal() in self._extra_ordinals
        days = self._block(day.year // _YEARS_PER_BLOCK).work
        return days.flags[day.toordinal() - days.base] == 1

    def next_working_day(self, day: dt.date, *, include: bool = True) -> dt.date:
        """The first working day on or after ``day`` (strictly after it when not ``include``)."""
        step = 1 if not include and self.is_working_day(day) else 0
        return dt.date.fromordinal(self._offset(day, step, transit=False))

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """``day`` rolled forward to a working day, then moved ``n`` working days (back when
        ``n`` < 0), like numpy ``busday_offset(day, n, roll="forward")``."""
        return self._added(day.toordinal(), n)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """The working days in ``[start, end)``, like numpy ``busday_count``; when ``end`` is
        before ``start``, minus the working days in ``(end, start]`` (numpy's rule, so that
        ``working_days_between(d, add_working_days(d, n)) == n`` for a working day ``d``)."""
        if end < start:
            return -self.working_days_between(self._after(end), self._after(start))
        o_start, o_end = start.toordinal(), end.toordinal()
        if not self._weekmask_days:
            extras = self._extra_ordinals
            return bisect.bisect_left(extras, o_end) - bisect.bisect_left(extras, o_start)
        key, last = start.year // _YEARS_PER_BLOCK, end.year // _YEARS_PER_BLOCK
        first = self._block(key).work
        if key == last:
            return first.before[o_end - first.base] - first.before[o_start - first.base]
        count = len(first.days) - first.before[o_start - first.base]
        for middle in range(key + 1, last):
            count += len(self._block(middle).work.days)
        final = self._block(last).work
        return count + final.before[o_end - final.base]

    def closed_reason(self, day: dt.date) -> str | None:
        """Why the plant does not work on ``day`` (a holiday's name, a closure's reason, the
        weekday), or None on a working day."""
        if self.is_working_day(day):
            return None
        for closure in self.plant.calendar.closures:
            if closure.start <= day <= closure.end:
                return f"closure: {closure.reason}" if closure.reason else "plant closure"
        name = self._block(day.year // _YEARS_PER_BLOCK).holidays.get(day) \
            if self._weekmask_days else None
        if name is not None:
            return f"public holiday: {name}"
        return f"{_WEEKDAY_NAMES[day.weekday()]}: not a working weekday"

    # --- clock times ----------------------------------------------------------------------

    def order_accepted(self, at: dt.datetime) -> dt.datetime:
        """When an order placed at ``at`` is accepted; its date is day 0 for lead times.

        On a working day up to that weekday's cut-off (inclusive, to the minute) the order is
        accepted the same day: at ``at``, or at the start of the day's first shift if that is
        later. Otherwise it is accepted at the start of the next working day's first shift
        (00:00 if that day has no shift).
        """
        moment = as_utc(at, "order time")
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.is_working_day(day):
            cutoff = self.plant.cutoffs.get(day.weekday(), _DEFAULT_CUTOFF)
            if local.time().replace(second=0, microsecond=0) <= cutoff:
                return max(moment, self._day_start(day)).astimezone(self.zone)
        return self._day_start(self.next_working_day(day, include=False)).astimezone(self.zone)

    def material_available(self, day: dt.date) -> dt.datetime:
        """When material arriving on ``day`` can be used: the start of the first shift of the
        first working day on or after ``day`` (00:00 if that day has no shift)."""
        return self._available(day.toordinal())

    def _available_on(self, ordinal: int) -> dt.datetime:
        day = dt.date.fromordinal(ordinal)
        return self._day_start(self.next_working_day(day)).astimezone(self.zone)

    def work_intervals(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The working time of one station from ``start`` on, as ``(begin, end)`` pairs in the
        plant's zone, in order and without end; the first is clipped to ``start``.

        A shift runs on the day it starts when that day is a working day and its weekday is in
        the shift's days; it ends the next day when its end is not after its start. Shifts of
        one day that touch or overlap form one interval; intervals of consecutive days may
        touch but are kept apart, so a plant working round the clock gives one per day.
        """
        for begin, end in self._intervals(as_utc(start, "start")):
            yield begin.astimezone(self.zone), end.astimezone(self.zone)

    def next_work_start(self, moment: dt.datetime) -> dt.datetime:
        """The first instant at or after ``moment`` at which a station can work."""
        return self.work_start_utc(as_utc(moment, "moment")).astimezone(self.zone)

    def add_work_minutes(self, start: dt.datetime, minutes: Decimal | float | int) -> dt.datetime:
        """The earliest instant by which one station starting at ``start`` has worked
        ``minutes`` (rounded to the microsecond).

        0 minutes gives ``start`` itself; work that fills a shift exactly ends at that shift's
        end, not at the next shift's start.
        """
        moment = as_utc(start, "start")
        remaining = work_duration(minutes)
        return self.work_end_utc(moment, remaining).astimezone(self.zone)

    def next_pickup(self, carrier: Carrier, ready: dt.datetime) -> dt.datetime:
        """The first pick-up by ``carrier`` at or after ``ready``, on a working day of the plant
        whose weekday is one of the carrier's days."""
        moment = as_utc(ready, "ready time")
        day = moment.astimezone(self.zone).date()
        while True:
            day = self._next_day_on(day, carrier.days, f"carrier '{carrier.id}' pick-up")
            pickup = dt.datetime.combine(day, carrier.pickup, tzinfo=self.zone).astimezone(UTC)
            if pickup >= moment:
                return pickup.astimezone(self.zone)
            day = self._after(day)

    def delivered_on(self, carrier: Carrier, pickup: dt.datetime) -> dt.date:
        """The day a shipment picked up at ``pickup`` arrives: ``carrier.transit_days`` transit
        days (weekmask days that are not public holidays; closures do not stop carriers)
        after the pick-up day, or the pick-up day itself for 0 transit days."""
        day = as_utc(pickup, "pick-up time").astimezone(self.zone).date()
        if carrier.transit_days <= 0:
            return day
        return dt.date.fromordinal(self._offset(self._after(day), carrier.transit_days - 1,
                                                transit=True))

    # --- internals ------------------------------------------------------------------------

    def _holiday_source(self) -> Callable[[range], dict[dt.date, str]]:
        """A function giving the public holidays of some years; checks the spec now."""
        spec = self.plant.calendar.holidays
        if spec is None:
            return lambda years: {}
        import holidays

        def of_years(years: range) -> dict[dt.date, str]:
            found = holidays.country_holidays(spec.country, subdiv=spec.subdivision,
                                              categories=spec.categories or None, years=years)
            return {day: str(name) for day, name in found.items()}

        try:
            of_years(range(0))
        except (NotImplementedError, ValueError, KeyError) as exc:
            where = spec.country + (f"-{spec.subdivision}" if spec.subdivision else "")
            raise ValueError(f"plant '{self.plant.id}': the holidays package cannot give the "
                             f"holidays of {where}: {exc}") from exc
        return of_years

    def _block(self, key: int) -> _Block:
        block = self._blocks.get(key)
        if block is not None:
            return block
        with self._lock:
            block = self._blocks.get(key)
            if block is None:
                block = self._build(key)
                # Readers never see a dict being changed: a new one is swapped in whole.
                self._blocks = {**self._blocks, key: block}
        return block

    def _build(self, key: int) -> _Block:
        first_year = max(1, key * _YEARS_PER_BLOCK)
        last_year = min(dt.date.max.year, key * _YEARS_PER_BLOCK + _YEARS_PER_BLOCK - 1)
        first, last = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
        span = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        public = self._holidays_of(range(first_year, last_year + 1))
        closed = [np.arange(np.datetime64(max(c.start, first), "D"),
                            np.datetime64(min(c.end, last), "D") + 1)
                  for c in self.plant.calendar.closures if c.start <= last and c.end >= first]
        public_days = np.array(sorted(public), dtype="datetime64[D]")
        transit = np.is_busday(span, weekmask=list(self._weekmask), holidays=public_days)
        work = np.is_busday(span, weekmask=list(self._weekmask),
                            holidays=np.concatenate([public_days, *closed]))
        base = first.toordinal()
        work[[d.toordinal() - base for d in self._extras if first <= d <= last]] = True
        return _Block(_days(base, work), _days(base, transit), public)

    def _days_of(self, key: int, transit: bool) -> _Days:
        if not 0 <= key <= _LAST_BLOCK:
            raise ValueError(f"the calendar of plant '{self.plant.id}' has no "
                             f"{'transit' if transit else 'working'} day in reach: dates must "
                             "stay within years 1 to 9999")
        block = self._block(key)
        return block.transit if transit else block.work

    def _offset(self, day: dt.date, n: int, *, transit: bool) -> int:
        """Ordinal of the day ``n`` counted days from the first counted day on or after
        ``day``."""
        if not self._weekmask_days:
            # Only the extra working days work, and carriers never drive.
            found = () if transit else self._extra_ordinals
            index = bisect.bisect_left(found, day.toordinal()) + n
            if 0 <= index < len(found):
                return found[index]
            raise ValueError(f"the calendar of plant '{self.plant.id}' has no "
                             f"{'transit' if transit else 'working'} day in reach: its "
                             "weekmask is empty" + ("" if transit else
                                                    " and the extra working days run out"))
        key = day.year // _YEARS_PER_BLOCK
        days = self._days_of(key, transit)
        index = days.before[day.toordinal() - days.base] + n
        while index >= len(days.days):
            index -= len(days.days)
            key += 1
            days = self._days_of(key, transit)
        while index < 0:
            key -= 1
            days = self._days_of(key, transit)
            index += len(days.days)
        return days.days[index]

    def _after(self, day: dt.date) -> dt.date:
        if day == dt.date.max:
            raise ValueError(f"plant '{self.plant.id}': no day after {day} in the calendar")
        return day + dt.timedelta(days=1)

    def _next_day_on(self, day: dt.date, weekdays: frozenset[int], what: str) -> dt.date:
        """The first working day on or after ``day`` whose weekday is in ``weekdays``."""
        if not weekdays & self._weekmask_days:
            # Only extra working days can match; there are finitely many.
            for extra in self._extras[bisect.bisect_left(self._extras, day):]:
                if extra.weekday() in weekdays:
                    return extra
            raise ValueError(f"plant '{self.plant.id}': no {what} on a working day on or "
                             f"after {day}: no weekday of it is a working day")
        ordinal = self._offset(day, 0, transit=False)
        while _weekday(ordinal) not in weekdays:
            ordinal = self._offset(dt.date.fromordinal(ordinal), 1, transit=False)
        return dt.date.fromordinal(ordinal)

    def _runs_of_day(self, ordinal: int) -> tuple[_Interval, ...]:
        """The shifts of one day in UTC, merged where they touch; empty on a non-working day."""
        day = dt.date.fromordinal(ordinal)
        if not self.is_working_day(day):
            return ()
        spans = []
        for start, end in self._shifts_by_weekday[day.weekday()]:
            begin = dt.datetime.combine(day, start, tzinfo=self.zone).astimezone(UTC)
            end_day = day if end > start else self._after(day)
            finish = dt.datetime.combine(end_day, end, tzinfo=self.zone).astimezone(UTC)
            if finish > begin:  # a shift inside a spring-forward gap has no length
                spans.append((begin, finish))
        spans.sort()
        runs: list[_Interval] = []
        for begin, finish in spans:
            if runs and begin <= runs[-1][1]:
                runs[-1] = (runs[-1][0], max(runs[-1][1], finish))
            else:
                runs.append((begin, finish))
        return tuple(runs)

    def _day_start(self, day: dt.date) -> dt.datetime:
        """The start of ``day``'s first shift, or 00:00 if none runs; in UTC."""
        runs = self._day_runs(day.toordinal())
        if runs:
            return runs[0][0]
        return dt.datetime.combine(day, _MIDNIGHT, tzinfo=self.zone).astimezone(UTC)

    def work_start_utc(self, moment: dt.datetime) -> dt.datetime:
        """``next_work_start`` of a UTC moment, in UTC (the scheduler stays in UTC)."""
        found = self._find(moment, 0)
        if found is not None:
            return found
        begin, _ = next(self._intervals(moment))
        return begin

    def work_end_utc(self, moment: dt.datetime, work: dt.timedelta) -> dt.datetime:
        """``add_work_minutes`` of a UTC moment and a duration, in UTC."""
        if not work:
            return moment
        found = self._find(moment, work // _MICRO)
        if found is not None:
            return found
        remaining = work
        for begin, end in self._intervals(moment):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("work intervals never end")  # pragma: no cover

    def _window(self, key: int) -> _Window:
        """The work intervals walked from two days before UTC day ``key * _WINDOW_DAYS``.

        Why this serves every moment ``t`` of the window's days: ``_intervals(t)`` starts its
        walk two local days before ``t``, and the shifts of any earlier day end before ``t``
        (a shift ends at latest the day after it starts), so walking from further back only
        adds intervals that end before ``t``. Both walks then yield the same intervals from
        ``t`` on, each clipped to ``t``.
        """
        anchor = dt.datetime.combine(dt.date.fromordinal(key * _WINDOW_DAYS - 2), _MIDNIGHT,
                                     tzinfo=UTC)
        limit = anchor + dt.timedelta(days=_WINDOW_REACH)
        begins: list[dt.datetime] = []
        begin_us: list[int] = []
        end_us: list[int] = []
        done = [0]
        try:
            for begin, end in self._intervals(anchor):
                begins.append(begin)
                begin_us.append(_micros(begin))
                end_us.append(_micros(end))
                done.append(done[-1] + end_us[-1] - begin_us[-1])
                if end >= limit:
                    break
        except ValueError:
            pass  # no more working time in reach: the general walk reports it if it matters
        return _Window(tuple(begins), tuple(begin_us), tuple(end_us), tuple(done))

    def _find(self, moment: dt.datetime, micros: int) -> dt.datetime | None:
        """Fast path of ``next_work_start`` (``micros`` == 0) and ``add_work_minutes``: in UTC,
        the instant by which ``micros`` of work from ``moment`` are done (the first working
        instant for 0), or None when the cached window cannot tell (the general walk then
        answers). Simulations ask this for every operation and every moved slot, and walking
        the calendar's days for each was most of the time of a plan."""
        key = moment.toordinal() // _WINDOW_DAYS
        if not 1 <= key < _LAST_WINDOW:
            return None
        window = self._windows(key)
        t = _micros(moment)
        ends = window.end_us
        i = bisect.bisect_right(ends, t)
        if i == len(ends):
            return None
        if micros == 0:
            begin = window.begins[i]
            return begin if begin > moment else moment
        done = window.done
        target = done[i] + max(0, t - window.begin_us[i]) + micros
        j = bisect.bisect_left(done, target, i + 1) - 1
        if j == len(ends):
            return None
        if j == i:
            begin = window.begins[i]
            return (begin if begin > moment else moment) + micros * _MICRO
        return window.begins[j] + (target - done[j]) * _MICRO

    def _intervals(self, start: dt.datetime) -> Iterator[_Interval]:
        """``work_intervals`` in UTC."""
        done = start
        # Shifts belong to the day they start on; one from two days back may still be running.
        day = dt.date.fromordinal(max(1, start.astimezone(self.zone).toordinal() - 2))
        while True:
            day = self._next_day_on(day, self._shift_weekdays, "shift")
            for begin, end in self._day_runs(day.toordinal()):
                if end > done:
                    yield max(begin, done), end
                    done = end
            day = self._after(day)


@functools.lru_cache(maxsize=64)
def _calendar_of(plant: Plant) -> WorkCalendar:
    return WorkCalendar(plant)
