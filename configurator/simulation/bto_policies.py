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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from .demand import Demand
from .policies import Policy, ShopState, smallest_meeting
from .shop import Order

__all__ = ["AtpQuote", "BestFixedPerSegment", "BtoOrder", "BufferedCtpQuote", "CtpQuote",
           "FixedPerSegment", "LearningPolicy", "QuoteContext", "SegmentHindsight",
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


def default_policies(fixed: Mapping[str, int], target: float) -> tuple[Policy, ...]:
    """The policies a backtest compares: the catalogue lead times ``fixed`` per segment, the
    best fixed per segment in hindsight, ATP only, CTP, and CTP + buffer for ``target``."""
    return (FixedPerSegment(fixed), BestFixedPerSegment(target), AtpQuote(), CtpQuote(),
            BufferedCtpQuote(target))
