"""The plant's working time as a number line: working minutes of one station since an origin.

The simulation keeps time as float days since its origin (midnight of the start day in the
plant's zone). Work is measured in working minutes of one station, read off the calendar's
:meth:`~configurator.quoting.calendar.WorkCalendar.work_intervals`: starting work at ``t`` and
working ``m`` minutes ends at ``time(work(t) + m)``, exactly what ``add_work_minutes`` gives,
but by bisection on a table instead of a walk through the intervals.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

from ..quoting.calendar import WorkCalendar

__all__ = ["WorkTime"]

DAY_SECONDS = 86_400.0
DAY_MINUTES = 1_440.0


class WorkTime:
    """Converts between simulation days, datetimes and cumulative working minutes."""

    def __init__(self, calendar: WorkCalendar, origin: dt.datetime) -> None:
        self.calendar = calendar
        self.origin = origin
        self.origin_ts = origin.timestamp()
        self._intervals: Iterator[tuple[dt.datetime, dt.datetime]] = \
            calendar.work_intervals(origin)
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._before: list[float] = []  # working minutes before each interval
        self._after: list[float] = []  # ... and by its end
        self._total = 0.0
        #: numpy copies of the table for :meth:`timestamps`, remade when it has grown
        self._arrays: tuple[npt.NDArray[np.float64], ...] = ()

    def day(self, moment: dt.datetime) -> float:
        """Days since the origin."""
        return (moment.timestamp() - self.origin_ts) / DAY_SECONDS

    def moment(self, t: float) -> dt.datetime:
        """The datetime ``t`` days after the origin, in the plant's zone."""
        return dt.datetime.fromtimestamp(self.origin_ts + t * DAY_SECONDS,
                                         tz=self.calendar.zone)

    def timestamp(self, t: float) -> float:
        """UTC epoch seconds of ``t``."""
        return self.origin_ts + t * DAY_SECONDS

    def _grow(self) -> None:
        begin, end = next(self._intervals)
        a, b = self.day(begin), self.day(end)
        self._starts.append(a)
        self._ends.append(b)
        self._before.append(self._total)
        self._total += (b - a) * DAY_MINUTES
        self._after.append(self._total)

    def work(self, t: float) -> float:
        """Working minutes of one station from the origin until ``t``."""
        while not self._ends or self._ends[-1] < t:
            self._grow()
        i = bisect.bisect_left(self._ends, t)
        return self._before[i] + max(0.0, t - self._starts[i]) * DAY_MINUTES

    def time(self, w: float) -> float:
        """The earliest day by which one station has worked ``w`` minutes since the origin
        (work that fills a shift exactly ends at the shift's end)."""
        while self._total < w or not self._ends:
            self._grow()
        i = bisect.bisect_left(self._after, w)
        return self._starts[i] + max(0.0, w - self._before[i]) / DAY_MINUTES

    def timestamps(self, minutes: Sequence[float]) -> npt.NDArray[np.float64]:
        """``timestamp(time(w))`` of every ``w`` in ``minutes`` at once: the same operations
        on the same floats, element by element, so the same values to the last bit."""
        if not minutes:
            return np.zeros(0)
        top = max(minutes)
        while self._total < top or not self._ends:
            self._grow()
        if not self._arrays or len(self._arrays[0]) != len(self._after):
            self._arrays = (np.array(self._after), np.array(self._starts),
                            np.array(self._before))
        after, starts, before = self._arrays
        w = np.array(minutes, dtype=np.float64)
        i = np.searchsorted(after, w, side="left")
        t = starts[i] + np.maximum(0.0, w - before[i]) / DAY_MINUTES
        out: npt.NDArray[np.float64] = self.origin_ts + t * DAY_SECONDS
        return out

    def after(self, t: float, minutes: float) -> float:
        """When ``minutes`` of work started at ``t`` end (``t`` itself for no work)."""
        if minutes <= 0:
            return t
        return self.time(self.work(t) + minutes)

    def minutes_per_day(self, days: float) -> float:
        """One station's working minutes per calendar day, averaged over ``days`` days."""
        return self.work(days) / days
