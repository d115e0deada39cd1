"""Capable to promise: operations placed in the earliest free slots of finite work centres.

Each operation needs one station of its work centre for its minutes of working time (it may
run over shift ends and non-working days, as work does). A slot is free when, over the whole
of it, fewer stations are taken (by open orders, and by this order's earlier operations) than
the work centre has. Slot insertion: start as early as the operation may, and whenever the slot
overlaps a full stretch, move the start past that stretch and try again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .calendar import UTC, WorkCalendar, as_utc, work_duration
from .providers import CapacityProvider

__all__ = ["CapacityError", "Scheduler", "Slot"]

#: Give up on a work centre after this many full stretches in a row (a booked-out year).
MAX_MOVES = 20_000


class CapacityError(ValueError):
    """No free slot could be found for an operation."""


@dataclass(frozen=True, slots=True)
class Slot:
    """An operation of this order placed on a work centre."""

    op: str
    work_centre: str
    part: str | None  # the made part it builds; None: final assembly
    unit: int  # which unit (1-based) of the part or product
    minutes: Decimal
    start: dt.datetime
    end: dt.datetime
    earliest: dt.datetime  # when it could have started if the work centre had been free
    label: str | None = None
    #: What the start waited for: ("accepted", None), ("material", part), ("made", part),
    #: ("previous", op id); plus whether it then waited for a free station.
    after: tuple[str, str | None] = ("accepted", None)
    after_slot: Slot | None = field(default=None, compare=False, repr=False)

    @property
    def waited_for_capacity(self) -> bool:
        return self.start > self.earliest

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "work_centre": self.work_centre, "part": self.part,
                "unit": self.unit, "minutes": str(self.minutes),
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "waited_for_capacity": self.waited_for_capacity}


class Scheduler:
    """Places one order's operations; remembers them so later operations see them."""

    def __init__(self, calendar: WorkCalendar, capacity: CapacityProvider) -> None:
        self.calendar = calendar
        self.capacity = capacity
        self.own: dict[str, list[tuple[float, float]]] = {}

    def place(self, work_centre: str, not_before: dt.datetime, minutes: Decimal
              ) -> tuple[dt.datetime, dt.datetime]:
        """The earliest ``(start, end)`` at or after ``not_before`` with a free station for
        ``minutes`` of working time; the slot is then taken."""
        calendar, zone = self.calendar, self.calendar.zone
        if minutes <= 0:  # a check that takes no time happens as soon as it may
            return not_before, not_before
        # In UTC throughout, as next_work_start and add_work_minutes compute, converting to
        # the plant's zone only for the answer: a slot may be moved many times.
        start = calendar.work_start_utc(as_utc(not_before, "moment"))
        profile = self.capacity.busy(work_centre)
        own = self.own.setdefault(work_centre, [])
        work = work_duration(minutes)
        for _ in range(MAX_MOVES):
            end = calendar.work_end_utc(start, work)
            s, e = start.timestamp(), end.timestamp()
            hit = _full(profile.capacity, profile.first_busy, own, s, e)
            if hit is None:
                own.append((s, e))
                return start.astimezone(zone), end.astimezone(zone)
            after = dt.datetime.fromtimestamp(hit, tz=UTC)
            if after <= start:  # the float end rounds back onto the start: step past it
                # (on the plant's wall clock, as it always was: it differs at a clock change)
                after = as_utc(start.astimezone(zone) + dt.timedelta(microseconds=1), "moment")
            start = calendar.work_start_utc(after)
        raise CapacityError(f"work centre '{work_centre}' has no free slot of {minutes} minutes"
                            f" after {not_before.isoformat()}")


def _full(capacity: int, first_busy: Any, own: list[tuple[float, float]], s: float, e: float
          ) -> float | None:
    """The end of the first stretch within ``[s, e)`` where every station is taken, or None."""
    if not own:  # the order's first operation here: one stretch, no station of its own
        if s == e:
            return None
        hit = first_busy(capacity, s, e)
        return None if hit is None else float(hit[1])
    cuts = sorted({s, e, *(x for a, b in own for x in (a, b) if s < x < e)})
    for a, b in zip(cuts, cuts[1:], strict=False):
        mine = sum(1 for x, y in own if x <= a and y >= b)
        hit = first_busy(capacity - mine, a, b)
        if hit is not None:
            return float(hit[1]) if mine == 0 else float(min(hit[1], b))
    return None
