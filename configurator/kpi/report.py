"""Delivery performance of past orders: on-time delivery, lead-time variability, promise
error, and the options whose orders take longest, overall, per segment and per month.

A pure function of a sequence of :class:`HistoryRecord` (from a ``bto-history`` CSV file or,
later, an order-book database) and a way of counting working days: a plant's
:class:`~configurator.quoting.calendar.WorkCalendar`, or Monday to Friday.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from ..quoting.calendar import WorkCalendar

__all__ = ["ALL", "GroupKpi", "HistoryRecord", "KpiReport", "LeadTimes", "OptionLead",
           "OptionRanking", "PromiseError", "kpi_report", "order_month"]

#: The segment or month of a group that takes every segment or month.
ALL = "all"
#: The segment of an order whose segment is not known.
UNKNOWN = "unknown"
#: Below this, a difference of mean lead times is rounding noise.
_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One past or open order.

    ``ordered`` is when it was placed: a date, or a date and time (timezone-aware, or naive for
    the plant's local time). ``delivered`` is None while the order is open. ``options`` are the
    chosen options as ``module=option`` (``module=value`` for an integer module).
    """

    order: str
    ordered: dt.date | dt.datetime
    promised: dt.date
    delivered: dt.date | None = None
    segment: str | None = None
    options: tuple[str, ...] = ()
    quantity: int = 1

    @property
    def ordered_day(self) -> dt.date:
        """The day of ordering, as written."""
        return self.ordered.date() if isinstance(self.ordered, dt.datetime) else self.ordered

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates ISO 8601."""
        return {"order": self.order, "ordered": self.ordered.isoformat(),
                "promised": self.promised.isoformat(),
                "delivered": None if self.delivered is None else self.delivered.isoformat(),
                "segment": self.segment, "options": list(self.options),
                "quantity": self.quantity}


def order_month(record: HistoryRecord) -> str:
    """The month of ordering, ``YYYY-MM``."""
    day = record.ordered_day
    return f"{day.year:04d}-{day.month:02d}"


class _Days(Protocol):
    name: str

    def accepted(self, ordered: dt.date | dt.datetime) -> dt.date: ...

    def between(self, start: dt.date, end: dt.date) -> int: ...


class _Weekdays:
    """Monday to Friday, no holidays."""

    name = "Monday-Friday (no holidays)"

    def accepted(self, ordered: dt.date | dt.datetime) -> dt.date:
        return ordered.date() if isinstance(ordered, dt.datetime) else ordered

    def between(self, start: dt.date, end: dt.date) -> int:
        return int(np.busday_count(start, end))


class _PlantDays:
    """A plant's working days, and its cut-offs for an order with a clock time."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.name = f"plant {calendar.plant.id} ({calendar.zone.key})"

    def accepted(self, ordered: dt.date | dt.datetime) -> dt.date:
        if not isinstance(ordered, dt.datetime):
            return ordered
        if ordered.tzinfo is None:
            ordered = ordered.replace(tzinfo=self.calendar.zone)
        return self.calendar.order_accepted(ordered).date()

    def between(self, start: dt.date, end: dt.date) -> int:
        return self.calendar.working_days_between(start, end)


@dataclass(frozen=True, slots=True)
class _Measured:
    """One order with its lead times counted (None while open)."""

    record: HistoryRecord
    segment: str
    month: str
    lead: int | None
    promised_lead: int
    error: int | None


def _quantile(values: Sequence[float], q: float) -> float:
    return float(np.quantile(np.asarray(values, dtype=np.float64), q))


@dataclass(frozen=True, slots=True)
class LeadTimes:
    """Actual lead times of delivered orders, in working days from acceptance to delivery.

    ``sd`` is the sample standard deviation and ``cv`` = sd / mean, the lead-time variability;
    both None when they cannot be computed (one order, or a mean of 0). Quantiles interpolate
    linearly between orders.
    """

    mean: float
    p50: float
    p95: float
    sd: float | None
    cv: float | None

    @classmethod
    def of(cls, values: Sequence[int]) -> LeadTimes:
        """The statistics of at least one lead time."""
        mean = statistics.fmean(values)
        sd = statistics.stdev(values) if len(values) > 1 else None
        cv = sd / mean if sd is not None and mean > 0 else None
        return cls(mean, _quantile(values, 0.5), _quantile(values, 0.95), sd, cv)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class PromiseError:
    """Delivered minus promised, in working days (late is positive), of delivered orders.

    ``tardiness_mean`` is the mean over all of them of max(error, 0); ``late_p95`` the p95
    lateness of the late ones (None when none was late).
    """

    mean: float
    mean_abs: float
    late: int
    late_p95: float | None
    tardiness_mean: float

    @classmethod
    def of(cls, errors: Sequence[int], late: int) -> PromiseError:
        """The statistics of at least one error; ``late`` orders were delivered after their
        promised date."""
        lateness = [e for e in errors if e > 0]
        return cls(statistics.fmean(errors), statistics.fmean(abs(e) for e in errors), late,
                   _quantile(lateness, 0.95) if lateness else None,
                   sum(lateness) / len(errors))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class GroupKpi:
    """The orders of one segment (or ``all``) placed in one month (or ``all``).

    An order is on time when delivered on or before its promised date. Open orders count in
    ``orders`` and ``open``; ``open_late`` of them are past their promised date on the
    report's as-of date. Lead-time figures are of the delivered orders only, and None when
    there are none; ``promised_mean`` is the mean promised lead time (acceptance to promised
    date) of the same orders.
    """

    segment: str
    month: str
    orders: int
    units: int
    delivered: int
    open: int
    open_late: int
    on_time: int
    lead_time: LeadTimes | None
    promised_mean: float | None
    promise_error: PromiseError | None

    @property
    def on_time_percent(self) -> float | None:
        """On-time delivery, % of the delivered orders; None when none was delivered."""
        return 100 * self.on_time / self.delivered if self.delivered else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"segment": self.segment, "month": self.month, "orders": self.orders,
                "units": self.units, "delivered": self.delivered, "open": self.open,
                "open_late": self.open_late, "on_time": self.on_time,
                "on_time_percent": self.on_time_percent,
                "lead_time": None if self.lead_time is None else self.lead_time.to_dict(),
                "promised_mean": self.promised_mean,
                "promise_error": None if self.promise_error is None
                else self.promise_error.to_dict()}


@dataclass(frozen=True, slots=True)
class OptionLead:
    """One option's delivered orders in a group: their mean actual lead time, and how much
    longer that is than the group's mean (working days)."""

    option: str
    orders: int
    lead_time_mean: float
    longer_by: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class OptionRanking:
    """The options with the longest lead times in one segment and month (or ``all`` months),
    longest first: only those whose orders took longer than the group's mean. ``skipped``
    options appeared in fewer than ``min_orders`` delivered orders and are not ranked."""

    segment: str
    month: str
    lead_time_mean: float
    options: tuple[OptionLead, ...]
    skipped: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"segment": self.segment, "month": self.month,
                "lead_time_mean": self.lead_time_mean,
                "options": [o.to_dict() for o in self.options], "skipped": self.skipped}


@dataclass(frozen=True, slots=True)
class KpiReport:
    """Delivery performance of a history of orders, in working days of ``calendar``.

    ``groups`` holds every segment and month: first ``all``/``all``, then each segment over
    all months, then each month with all segments and then each of its segments. ``rankings``
    has the options with the longest lead times for each group of one segment.
    """

    calendar: str
    as_of: dt.date | None
    top: int
    min_orders: int
    groups: tuple[GroupKpi, ...]
    rankings: tuple[OptionRanking, ...]

    def group(self, segment: str = ALL, month: str = ALL) -> GroupKpi | None:
        """The group of ``segment`` and ``month``, or None when it has no order."""
        return next((g for g in self.groups if (g.segment, g.month) == (segment, month)), None)

    @property
    def segments(self) -> tuple[str, ...]:
        """The segments found, in order."""
        return tuple(g.segment for g in self.groups if g.month == ALL and g.segment != ALL)

    @property
    def months(self) -> tuple[str, ...]:
        """The months of ordering found, in order."""
        return tuple(g.month for g in self.groups if g.segment == ALL and g.month != ALL)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates ISO 8601."""
        return {"calendar": self.calendar,
                "as_of": None if self.as_of is None else self.as_of.isoformat(),
                "top": self.top, "min_orders": self.min_orders,
                "groups": [g.to_dict() for g in self.groups],
                "rankings": [r.to_dict() for r in self.rankings]}


def _group(segment: str, month: str, orders: Sequence[_Measured], as_of: dt.date | None
           ) -> GroupKpi:
    done = [m for m in orders if m.lead is not None]
    leads = [m.lead for m in done if m.lead is not None]
    errors = [m.error for m in done if m.error is not None]
    late = sum(1 for m in done if m.record.delivered is not None
               and m.record.delivered > m.record.promised)
    still = len(orders) - len(done)
    open_late = sum(1 for m in orders if m.lead is None and as_of is not None
                    and m.record.promised < as_of)
    return GroupKpi(
        segment, month, len(orders), sum(m.record.quantity for m in orders), len(done), still,
        open_late, len(done) - late, LeadTimes.of(leads) if leads else None,
        statistics.fmean(m.promised_lead for m in done) if done else None,
        PromiseError.of(errors, late) if errors else None)


def _ranking(segment: str, month: str, orders: Sequence[_Measured], top: int, min_orders: int
             ) -> OptionRanking | None:
    done = [(m.lead, m.record.options) for m in orders if m.lead is not None]
    if not done:
        return None
    mean = statistics.fmean(lead for lead, _ in done)
    by_option: dict[str, list[int]] = defaultdict(list)
    for lead, options in done:
        for option in dict.fromkeys(options):
            by_option[option].append(lead)
    counted = [OptionLead(option, len(leads), statistics.fmean(leads),
                          statistics.fmean(leads) - mean)
               for option, leads in by_option.items() if len(leads) >= min_orders]
    # An option no longer than the mean (e.g. one in every order) says nothing about delays.
    ranked = sorted((o for o in counted if o.longer_by > _TOLERANCE),
                    key=lambda o: (-o.lead_time_mean, -o.orders, o.option))
    skipped = sum(1 for leads in by_option.values() if len(leads) < min_orders)
    return OptionRanking(segment, month, mean, tuple(ranked[:top]), skipped)


def _measure(record: HistoryRecord, days: _Days) -> _Measured:
    if record.delivered is not None and record.delivered < record.ordered_day:
        raise ValueError(f"order {record.order}: delivered {record.delivered} before it was "
                         f"ordered ({record.ordered_day})")
    accepted = days.accepted(record.ordered)
    lead = error = None
    if record.delivered is not None:
        # Delivered before the plant counts it as accepted (e.g. collected after the
        # cut-off): no working day passed.
        lead = max(0, days.between(accepted, record.delivered))
        error = days.between(record.promised, record.delivered)
    return _Measured(record, record.segment or UNKNOWN, order_month(record), lead,
                     max(0, days.between(accepted, record.promised)), error)


def kpi_report(records: Iterable[HistoryRecord], *, calendar: WorkCalendar | None = None,
               as_of: dt.date | None = None, top: int = 5, min_orders: int = 3) -> KpiReport:
    """The delivery performance of ``records``, counted in working days of ``calendar``
    (Monday to Friday without one).

    Lead time is the working days from the day the order was accepted (with a calendar and a
    clock time: after the plant's cut-off, the next working day) to the delivery; promise
    error is the working days from the promised date to the delivery. ``as_of`` decides
    which open orders are already late (default: the newest order or delivery date). The
    ``top`` options with the longest mean lead time are ranked per segment and month among
    those in at least ``min_orders`` delivered orders. Raises ``ValueError`` on an order
    delivered before it was placed, or ``top``/``min_orders`` below 1.
    """
    if top < 1 or min_orders < 1:
        raise ValueError("top and min_orders must be at least 1")
    days: _Days = _Weekdays() if calendar is None else _PlantDays(calendar)
    measured = []
    for record in records:
        try:
            measured.append(_measure(record, days))
        except OverflowError:  # a date at the very end of the calendar, moved past it
            raise ValueError(f"order {record.order}: its dates are out of the calendar's "
                             "range") from None
    if as_of is None and measured:
        as_of = max(max(m.record.ordered_day for m in measured),
                    max((m.record.delivered for m in measured if m.record.delivered),
                        default=dt.date.min))
    segments = sorted({m.segment for m in measured}, key=_segment_order)
    months = sorted({m.month for m in measured})
    keys = [(ALL, ALL), *((s, ALL) for s in segments)]
    for month in months:
        keys += [(ALL, month), *((s, month) for s in segments)]
    grouped: dict[tuple[str, str], list[_Measured]] = defaultdict(list)
    for m in measured:
        for key in ((ALL, ALL), (m.segment, ALL), (ALL, m.month), (m.segment, m.month)):
            grouped[key].append(m)
    groups = tuple(_group(s, month, grouped[s, month], as_of) for s, month in keys
                   if grouped[s, month])
    rankings = tuple(r for s, month in keys if s != ALL and grouped[s, month]
                     for r in [_ranking(s, month, grouped[s, month], top, min_orders)]
                     if r is not None)
    return KpiReport(days.name, as_of, top, min_orders, groups, rankings)


def _segment_order(segment: str) -> tuple[int, str]:
    known = ("standard", "custom")
    return (known.index(segment), "") if segment in known else (len(known), segment)
