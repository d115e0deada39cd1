"""Quoting policies of the build-to-order model, in working days after acceptance.

Each policy sees the :class:`QuoteContext` at the order's arrival: the ATP and CTP plans of
the project's quoting code on the plant as it is then (stock, open purchase orders with their
nominal dates, the backlog's projected work), and, for a learning policy, the outcomes of
orders delivered before then. None sees an order's own future.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from .demand import Demand
from .policies import Policy, ShopState, smallest_meeting
from .shop import Order

__all__ = ["CONTROLLER_TUNING", "AtpQuote", "BestFixedPerSegment", "BtoOrder", "BufferedCtpQuote",
           "ControlledCtpQuote", "CtpQuote", "FixedPerSegment", "LearningPolicy", "QuoteContext",
           "SegmentHindsight", "default_policies"]


@dataclass(slots=True)
class BtoOrder(Order):
    """An order of the build-to-order model. ``arrival`` and ``done`` (delivery) are days since
    the start of the run; ``accepted`` is day 0 of its working-day lead times."""

    demand: Demand | None = None
    accepted: dt.date | None = None
    #: the ATP and CTP quotes in working days, once asked for
    atp: int | None = None
    ctp: int | None = None
    #: realised working days from acceptance to delivery
    lead_days: int | None = None
    delivered: dt.date | None = None
    #: transit days beyond the carrier's (drawn at arrival)
    extra_transit: int = 0
    quotes: dict[str, float] = field(default_factory=dict)

    @property
    def segment(self) -> str:
        """``standard`` or ``custom``."""
        return "standard" if self.demand is None else self.demand.segment


@runtime_checkable
class QuoteContext(Protocol):
    """What a build-to-order policy may ask at an order's arrival."""

    @property
    def now(self) -> float:
        """Days since the start of the run."""
        ...

    @property
    def in_system(self) -> int:
        """Orders accepted and not yet ready to ship."""
        ...

    def atp(self, order: BtoOrder) -> int:
        """Working days to delivery from material availability and planned work, no queue."""
        ...

    def ctp(self, order: BtoOrder) -> int:
        """Working days to delivery from the project's plan() on the current state."""
        ...


@runtime_checkable
class LearningPolicy(Protocol):
    """A policy that learns from delivered orders; reset at the start of every run."""

    def reset(self) -> None:
        """Forget everything learned."""
        ...

    def observe(self, order: BtoOrder) -> None:
        """``order`` has been delivered (its ``lead_days`` is known)."""
        ...


@runtime_checkable
class SegmentHindsight(Protocol):
    """A policy settled after the run, per segment."""

    @property
    def name(self) -> str:
        """A short label."""
        ...

    def settle_segments(self, lead_times: npt.NDArray[np.float64],
                        segments: Sequence[str]) -> npt.NDArray[np.float64]:
        """The quote of each order, from every order's realised lead time and segment."""
        ...


def _context(state: ShopState, order: Order) -> tuple[QuoteContext, BtoOrder]:
    if not isinstance(state, QuoteContext) or not isinstance(order, BtoOrder):
        raise TypeError("this policy quotes orders of the build-to-order model only")
    return state, order


@dataclass(frozen=True, slots=True)
class FixedPerSegment:
    """A catalogue lead time: the same working days for every order of a segment."""

    days: Mapping[str, int]
    name: str = "fixed catalogue"

    def quote(self, state: ShopState, order: Order) -> float:
        """The segment's lead time, whatever the load."""
        _, bto = _context(state, order)
        return float(self.days.get(bto.segment, max(self.days.values())))


@dataclass(frozen=True, slots=True)
class BestFixedPerSegment:
    """The smallest fixed lead time per segment that meets the target over the run's orders:
    what the best catalogue lead time could have done, seen in hindsight."""

    target: float
    name: str = "best fixed (hindsight)"

    def quote(self, state: ShopState, order: Order) -> float:
        """Infinity: the real quote is settled after the run."""
        return math.inf

    def settle_segments(self, lead_times: npt.NDArray[np.float64],
                        segments: Sequence[str]) -> npt.NDArray[np.float64]:
        """Each segment's orders quoted :func:`smallest_meeting` of that segment's lead
        times."""
        out = np.empty(len(lead_times))
        labels = np.asarray(segments)
        for segment in set(segments):
            mask = labels == segment
            out[mask] = smallest_meeting(lead_times[mask], self.target)
        return out


@dataclass(frozen=True, slots=True)
class AtpQuote:
    """Available to promise only: the material ready date plus the planned work, as if every
    work centre were free."""

    name: str = "ATP only"

    def quote(self, state: ShopState, order: Order) -> float:
        """The ATP plan's working days."""
        context, bto = _context(state, order)
        return float(context.atp(bto))


@dataclass(frozen=True, slots=True)
class CtpQuote:
    """Capable to promise, no buffer: the project's plan() with the backlog's work."""

    name: str = "CTP"

    def quote(self, state: ShopState, order: Order) -> float:
        """The CTP plan's working days."""
        context, bto = _context(state, order)
        return float(context.ctp(bto))


@dataclass(slots=True)
class BufferedCtpQuote:
    """CTP plus a per-segment buffer: the running ``target`` quantile of the lateness
    (actual minus CTP-quoted working days) of the segment's orders delivered so far.

    The buffer starts at 0 and may turn negative when CTP proves pessimistic; a quote is never
    below 0 working days.
    """

    target: float
    name: str = "CTP + buffer"
    _lateness: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def reset(self) -> None:
        """Forget every delivered order."""
        self._lateness = {}

    def buffer(self, segment: str) -> int:
        """The segment's current buffer in working days."""
        seen = self._lateness.get(segment)
        if not seen:
            return 0
        return seen[max(1, math.ceil(self.target * len(seen) - 1e-9)) - 1]

    def quote(self, state: ShopState, order: Order) -> float:
        """CTP plus the segment's buffer."""
        context, bto = _context(state, order)
        return float(max(0, context.ctp(bto) + self.buffer(bto.segment)))

    def observe(self, order: BtoOrder) -> None:
        """Learn the lateness of a delivered order against its CTP quote."""
        if order.ctp is None or order.lead_days is None:
            return
        bisect.insort(self._lateness.setdefault(order.segment, []),
                      order.lead_days - order.ctp)

    def to_dict(self) -> dict[str, Any]:
        """The learned buffers, JSON-ready."""
        return {"target": self.target,
                "buffers": {s: self.buffer(s) for s in sorted(self._lateness)}}


def _van_der_corput(n: int) -> float:
    """The ``n``-th term of the base-2 van der Corput sequence, in [0, 1): evenly spread."""
    out, scale = 0.0, 0.5
    while n:
        if n & 1:
            out += scale
        n >>= 1
        scale /= 2
    return out


#: The controller's default tuning, chosen on reduced runs of the e-bike scenario at rho 0.85
#: (docs/simulation.md, "The adaptive controller").
CONTROLLER_TUNING: dict[str, Any] = {"gain": 0.05, "proportional": 5.0, "window": 200,
                                     "quantile_window": 500}


@dataclass(slots=True)
class ControlledCtpQuote:
    """CTP plus a per-segment buffer steered by a PI controller toward ``target`` on time.

    Each delivered order of a segment is scored against *this policy's* quote of it. The
    integral term adds ``gain`` x (late - (1 - target)) working days per delivered order (a
    Robbins-Monro step: it stops moving exactly when the segment's realised on-time rate is
    the target); the proportional term adds ``proportional`` x (target - on-time rate of the
    segment's last ``window`` delivered orders). The quote is CTP plus the buffer rounded up
    to whole working days, never below 0.

    With ``quantile_window`` the buffer also has a feed-forward term: the ``target``
    quantile of the lateness (actual minus CTP-quoted working days) of the segment's last
    ``quantile_window`` delivered orders, so the controller only corrects what that misses.
    The integral starts at ``initial`` (e.g. a calibration file's buffer; default 0).
    """

    target: float
    gain: float = 0.1
    proportional: float = 10.0
    window: int = 200
    quantile_window: int | None = None
    initial: Mapping[str, float] = field(default_factory=dict)
    dither: bool = False
    name: str = "CTP + controller"
    _integral: dict[str, float] = field(default_factory=dict, repr=False)
    _recent: dict[str, deque[bool]] = field(default_factory=dict, repr=False)
    _lateness: dict[str, tuple[deque[int], list[int]]] = field(default_factory=dict,
                                                                repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.target < 1 or self.gain < 0 or self.proportional < 0 \
                or self.window < 1 or (self.quantile_window or 1) < 1:
            raise ValueError("the controller needs 0 < target < 1, gains >= 0 and a window "
                             "of at least 1 order")
        self.reset()

    def reset(self) -> None:
        """Back to the initial buffers."""
        self._integral = {s: float(b) for s, b in self.initial.items()}
        self._recent = {}
        self._lateness = {}

    def buffer(self, segment: str) -> float:
        """The segment's current buffer in working days (before rounding up)."""
        recent = self._recent.get(segment)
        gap = 0.0 if not recent else self.target - sum(recent) / len(recent)
        ahead = 0.0
        if segment in self._lateness:
            ordered = self._lateness[segment][1]
            ahead = ordered[max(1, math.ceil(self.target * len(ordered) - 1e-9)) - 1]
        return ahead + self._integral.get(segment, 0.0) + self.proportional * gap

    def quote(self, state: ShopState, order: Order) -> float:
        """CTP plus the segment's buffer in whole working days: rounded up, or with
        ``dither`` rounded up for the fraction of orders that the buffer's fractional part
        says (chosen by a low-discrepancy sequence of the order number), so that the on-time
        rate moves smoothly with the buffer instead of in whole-day steps."""
        context, bto = _context(state, order)
        buffer = self.buffer(bto.segment)
        whole = math.floor(buffer)
        if not self.dither:
            days = math.ceil(buffer - 1e-9)
        else:
            days = whole + (1 if _van_der_corput(bto.id) < buffer - whole else 0)
        return float(max(0, context.ctp(bto) + days))

    def observe(self, order: BtoOrder) -> None:
        """Score a delivered order against this policy's quote and move the buffer."""
        quoted = order.quotes.get(self.name)
        if quoted is None or order.lead_days is None:
            return
        on_time = order.lead_days <= quoted
        segment = order.segment
        self._integral[segment] = self._integral.get(segment, 0.0) \
            + self.gain * ((not on_time) - (1 - self.target))
        self._recent.setdefault(segment, deque(maxlen=self.window)).append(on_time)
        if self.quantile_window is not None and order.ctp is not None:
            arrived, ordered = self._lateness.setdefault(segment, (deque(), []))
            late_by = order.lead_days - order.ctp
            arrived.append(late_by)
            bisect.insort(ordered, late_by)
            if len(arrived) > self.quantile_window:
                del ordered[bisect.bisect_left(ordered, arrived.popleft())]

    def to_dict(self) -> dict[str, Any]:
        """The current buffers, JSON-ready."""
        return {"target": self.target, "gain": self.gain, "proportional": self.proportional,
                "window": self.window, "quantile_window": self.quantile_window,
                "buffers": {s: self.buffer(s) for s in sorted(self._integral)}}


def default_policies(fixed: Mapping[str, int], target: float) -> tuple[Policy, ...]:
    """The policies a backtest compares: the catalogue lead times ``fixed`` per segment, the
    best fixed per segment in hindsight, ATP only, CTP, CTP + buffer and CTP + controller for
    ``target``."""
    return (FixedPerSegment(fixed), BestFixedPerSegment(target), AtpQuote(), CtpQuote(),
            BufferedCtpQuote(target), ControlledCtpQuote(target, **CONTROLLER_TUNING))
