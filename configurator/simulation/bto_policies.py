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

from ..quoting.buffers import BufferTable
from .demand import Demand
from .policies import Policy, ShopState, smallest_meeting
from .shop import Order

__all__ = ["CONTROLLER_TUNING", "DEFAULT_BANDS", "AtpQuote", "BestFixedPerSegment", "BtoOrder",
           "BufferLearner", "BufferedCtpQuote", "ControlledCtpQuote", "CtpQuote", "FixedPerSegment",
           "LatenessWindow", "LearningPolicy", "QuoteContext", "SegmentHindsight",
           "default_policies"]


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
    #: which configuration of the run's pool it is
    product: int = 0
    #: the promised date's ordinal under the policy whose dates the shop dispatches by (inf:
    #: none), for earliest-due-date dispatching
    due: float = math.inf

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
class BufferLearner(Protocol):
    """A policy whose learned buffers a calibration file can keep."""

    @property
    def name(self) -> str:
        """A short label."""
        ...

    def table(self) -> BufferTable:
        """The buffers learned so far."""
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
    # hasattr, not isinstance(state, QuoteContext): a runtime protocol check inspects every
    # member on every call, and this runs for every quote
    if not isinstance(order, BtoOrder) or not hasattr(state, "ctp"):
        raise TypeError("this policy quotes orders of the build-to-order model only")
    return state, order  # type: ignore[return-value]


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


class LatenessWindow:
    """The last ``size`` lateness values (actual minus CTP-quoted working days), kept sorted
    too, so that a quantile is a lookup."""

    __slots__ = ("_arrived", "_sorted", "size")

    def __init__(self, size: int | None) -> None:
        self.size = size
        self._arrived: deque[int] = deque()
        self._sorted: list[int] = []

    def __len__(self) -> int:
        return len(self._sorted)

    def add(self, late_by: int) -> None:
        """Remember one more delivered order's lateness (forgetting the oldest beyond
        ``size``)."""
        bisect.insort(self._sorted, late_by)
        if self.size is not None:
            self._arrived.append(late_by)
            if len(self._arrived) > self.size:
                del self._sorted[bisect.bisect_left(self._sorted, self._arrived.popleft())]

    def quantile(self, target: float) -> int:
        """The smallest remembered lateness that at least ``target`` of them do not exceed
        (0 when none is remembered)."""
        ordered = self._sorted
        if not ordered:
            return 0
        return ordered[max(1, math.ceil(target * len(ordered) - 1e-9)) - 1]


#: The default CTP bands (working days) of the buffered quote: chosen on reduced runs of the
#: e-bike scenarios (docs/simulation.md, "The default quote").
DEFAULT_BANDS = (4, 6, 8, 10, 13, 16, 20)


@dataclass(slots=True)
class BufferedCtpQuote:
    """CTP plus a state-dependent buffer: per segment and per band of the CTP quote's length,
    the ``target`` quantile of the lateness (actual minus CTP-quoted working days) of the last
    ``window`` orders of that segment and band delivered so far.

    A CTP quote is long when the shop is busy or material is far off, and such quotes turn
    out later than short ones; a band's own recent history says by how much. A band with
    fewer than ``min_orders`` deliveries uses the segment's last ``window`` deliveries of any
    band. Remembering only recent deliveries follows the shop as it changes. The buffer
    starts at 0 and may turn negative when CTP proves pessimistic; a quote is never below 0
    working days. ``bands=()`` and ``window=None`` give the plain running quantile of all
    deliveries of the segment.
    """

    target: float
    bands: tuple[int, ...] = DEFAULT_BANDS
    window: int | None = 100
    min_orders: int = 30
    name: str = "CTP + buffer"
    _bands: dict[tuple[str, int], LatenessWindow] = field(default_factory=dict, repr=False)
    _segments: dict[str, LatenessWindow] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.target < 1 or (self.window is not None and self.window < 1) \
                or self.min_orders < 1:
            raise ValueError("the buffered quote needs 0 < target < 1, a window of at least "
                             "1 order and min_orders of at least 1")
        BufferTable(self.bands)  # checks the band edges

    def reset(self) -> None:
        """Forget every delivered order."""
        self._bands = {}
        self._segments = {}

    def buffer(self, segment: str, ctp_days: int = 0) -> int:
        """The buffer of a CTP quote of ``ctp_days`` for ``segment``, in working days."""
        band = bisect.bisect_right(self.bands, ctp_days)
        found = self._bands.get((segment, band))
        if found is None or len(found) < self.min_orders:
            found = self._segments.get(segment)
        return 0 if found is None else found.quantile(self.target)

    def quote(self, state: ShopState, order: Order) -> float:
        """CTP plus the buffer of the order's segment and CTP band."""
        context, bto = _context(state, order)
        ctp = context.ctp(bto)
        return float(max(0, ctp + self.buffer(bto.segment, ctp)))

    def observe(self, order: BtoOrder) -> None:
        """Learn the lateness of a delivered order against its CTP quote."""
        if order.ctp is None or order.lead_days is None:
            return
        late_by = order.lead_days - order.ctp
        segment = order.segment
        band = bisect.bisect_right(self.bands, order.ctp)
        self._bands.setdefault((segment, band), LatenessWindow(self.window)).add(late_by)
        self._segments.setdefault(segment, LatenessWindow(self.window)).add(late_by)

    def table(self) -> BufferTable:
        """The buffers learned so far, per segment and band (what a calibration keeps)."""
        edges = (0, *self.bands)
        return BufferTable(self.bands, {
            segment: tuple(self.buffer(segment, edge) for edge in edges)
            for segment in sorted(self._segments)})

    def to_dict(self) -> dict[str, Any]:
        """The learned buffers, JSON-ready."""
        return {"target": self.target, "window": self.window, **self.table().to_dict()}


def _van_der_corput(n: int) -> float:
    """The ``n``-th term of the base-2 van der Corput sequence, in [0, 1): evenly spread."""
    out, scale = 0.0, 0.5
    while n:
        if n & 1:
            out += scale
        n >>= 1
        scale /= 2
    return out


#: The controller's default tuning, chosen on reduced runs of the e-bike scenarios at rho 0.85
#: and 0.95 (docs/simulation.md, "The adaptive controller").
CONTROLLER_TUNING: dict[str, Any] = {"feed_forward": True, "gain": 0.05, "proportional": 0.0,
                                     "limits": (-1.0, 2.0), "dither": True}


@dataclass(slots=True)
class ControlledCtpQuote:
    """CTP plus the buffered quote's state-dependent buffer, corrected per segment by a
    controller that steers the realised on-time rate toward ``target``.

    The feed-forward is :class:`BufferedCtpQuote`'s buffer (``bands``, ``band_window``,
    ``min_orders``; ``feed_forward=False``: none). Each delivered order of a segment is then
    scored against *this policy's* quote of it: the integral term adds ``gain`` x (late -
    (1 - target)) working days per delivered order (a Robbins-Monro step: it stops moving
    exactly when the segment's realised on-time rate is the target) and stays within
    ``limits`` (so that a burst of late orders, e.g. in the warm-up, does not wind it up for
    months); the proportional term adds ``proportional`` x (target - on-time rate of the
    segment's last ``window`` delivered orders). The integral starts at ``initial`` (e.g. a
    calibration file's buffer; default 0). The quote is never below 0 working days.
    """

    target: float
    gain: float = 0.1
    proportional: float = 10.0
    window: int = 200
    feed_forward: bool = False
    bands: tuple[int, ...] = DEFAULT_BANDS
    band_window: int | None = 100
    min_orders: int = 30
    limits: tuple[float, float] = (-math.inf, math.inf)
    initial: Mapping[str, float] = field(default_factory=dict)
    dither: bool = False
    name: str = "CTP + controller"
    _integral: dict[str, float] = field(default_factory=dict, repr=False)
    _recent: dict[str, deque[bool]] = field(default_factory=dict, repr=False)
    _ahead: BufferedCtpQuote | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.target < 1 or self.gain < 0 or self.proportional < 0 \
                or self.window < 1 or self.limits[0] > self.limits[1]:
            raise ValueError("the controller needs 0 < target < 1, gains >= 0, a window of at "
                             "least 1 order and limits low <= high")
        if self.feed_forward:
            self._ahead = BufferedCtpQuote(self.target, self.bands, self.band_window,
                                           self.min_orders)
        self.reset()

    def reset(self) -> None:
        """Back to the initial buffers."""
        self._integral = {s: float(b) for s, b in self.initial.items()}
        self._recent = {}
        if self._ahead is not None:
            self._ahead.reset()

    def correction(self, segment: str) -> float:
        """The controller's part of the segment's buffer (working days, before rounding)."""
        recent = self._recent.get(segment)
        gap = 0.0 if not recent else self.target - sum(recent) / len(recent)
        return self._integral.get(segment, 0.0) + self.proportional * gap

    def buffer(self, segment: str, ctp_days: int = 0) -> float:
        """The buffer of a CTP quote of ``ctp_days`` for ``segment`` in working days (before
        rounding): the feed-forward plus the controller's correction."""
        ahead = 0 if self._ahead is None else self._ahead.buffer(segment, ctp_days)
        return ahead + self.correction(segment)

    def quote(self, state: ShopState, order: Order) -> float:
        """CTP plus the buffer in whole working days: rounded up, or with ``dither`` rounded
        up for the fraction of orders that the buffer's fractional part says (chosen by a
        low-discrepancy sequence of the order number), so that the on-time rate moves
        smoothly with the buffer instead of in whole-day steps."""
        context, bto = _context(state, order)
        ctp = context.ctp(bto)
        buffer = self.buffer(bto.segment, ctp)
        whole = math.floor(buffer)
        if not self.dither:
            days = math.ceil(buffer - 1e-9)
        else:
            days = whole + (1 if _van_der_corput(bto.id) < buffer - whole else 0)
        return float(max(0, ctp + days))

    def observe(self, order: BtoOrder) -> None:
        """Score a delivered order against this policy's quote and move the buffer."""
        quoted = order.quotes.get(self.name)
        if quoted is None or order.lead_days is None:
            return
        on_time = order.lead_days <= quoted
        segment = order.segment
        low, high = self.limits
        self._integral[segment] = min(high, max(low, self._integral.get(segment, 0.0)
                                                + self.gain * ((not on_time)
                                                               - (1 - self.target))))
        self._recent.setdefault(segment, deque(maxlen=self.window)).append(on_time)
        if self._ahead is not None:
            self._ahead.observe(order)

    def table(self) -> BufferTable:
        """The current buffers rounded up to whole working days, per segment and band (what a
        calibration keeps)."""
        segments = sorted({*self._integral, *self._recent})
        edges = (0, *self.bands) if self._ahead is not None else (0,)
        return BufferTable(self.bands if self._ahead is not None else (), {
            s: tuple(math.ceil(self.buffer(s, edge) - 1e-9) for edge in edges)
            for s in segments})

    def to_dict(self) -> dict[str, Any]:
        """The current buffers, JSON-ready."""
        return {"target": self.target, "gain": self.gain, "proportional": self.proportional,
                "window": self.window, "limits": list(self.limits),
                "corrections": {s: self.correction(s) for s in sorted(self._integral)},
                **self.table().to_dict()}


def default_policies(fixed: Mapping[str, int], target: float) -> tuple[Policy, ...]:
    """The policies a backtest compares: the catalogue lead times ``fixed`` per segment, the
    best fixed per segment in hindsight, ATP only, CTP, CTP + buffer and CTP + controller for
    ``target``."""
    return (FixedPerSegment(fixed), BestFixedPerSegment(target), AtpQuote(), CtpQuote(),
            BufferedCtpQuote(target),
            ControlledCtpQuote(target, **CONTROLLER_TUNING))
