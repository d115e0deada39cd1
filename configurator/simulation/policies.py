"""Quoting policies: small objects that promise a lead time to each order as it arrives.

A policy sees only what is known when the order arrives (the :class:`ShopState`), never the
order's future. A *hindsight* policy is the exception by design: it quotes nothing online and
is settled after the run from the realised lead times, as the benchmark a planner could only
have picked looking back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from .distributions import erlang_quantile
from .shop import Order

__all__ = ["BestFixedInHindsight", "ErlangQuantileQuote", "FixedLeadTime", "HindsightPolicy",
           "Policy", "ShopState", "smallest_meeting"]


class ShopState(Protocol):
    """What a quote may look at: the clock and the load, as they are at the order's arrival."""

    @property
    def now(self) -> float:
        """Days since the start of the run."""
        ...

    @property
    def in_system(self) -> int:
        """Orders in the shop (waiting or in work), not counting the one being quoted."""
        ...


class Policy(Protocol):
    """Promises each arriving order a lead time in days."""

    @property
    def name(self) -> str:
        """A short label for tables and charts."""
        ...

    def quote(self, state: ShopState, order: Order) -> float:
        """The lead time promised to ``order``, in days after its arrival."""
        ...


@runtime_checkable
class HindsightPolicy(Protocol):
    """A policy settled after the run: ``settle`` turns the realised lead times into the
    quotes it would have given."""

    @property
    def name(self) -> str:
        """A short label for tables and charts."""
        ...

    def quote(self, state: ShopState, order: Order) -> float:
        """A placeholder during the run (the same for every order)."""
        ...

    def settle(self, lead_times: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The quote of each order, given every order's realised lead time."""
        ...


@dataclass(frozen=True, slots=True)
class FixedLeadTime:
    """The same lead time for every order (a catalogue lead time)."""

    days: float
    name: str = "fixed"

    def quote(self, state: ShopState, order: Order) -> float:
        """``days``, whatever the load."""
        return self.days


def smallest_meeting(lead_times: npt.NDArray[np.float64], target: float) -> float:
    """The smallest fixed quote that at least ``target`` of these orders meet: the
    ``ceil(target * n)``-th smallest lead time."""
    n = len(lead_times)
    if n == 0:
        raise ValueError("no orders to fit a lead time to")
    needed = max(1, math.ceil(Decimal(repr(target)) * n))  # exact: 0.95 * 100 is 95, not 96
    return float(np.partition(lead_times, needed - 1)[needed - 1])


@dataclass(frozen=True, slots=True)
class BestFixedInHindsight:
    """The smallest fixed lead time that meets the target on-time rate over the run's orders.

    During the run it quotes infinity to every order, so a due-date dispatching rule sees
    ties and serves first come, first served, as any fixed lead time would make it.
    """

    target: float
    name: str = "best fixed (hindsight)"

    def quote(self, state: ShopState, order: Order) -> float:
        """Infinity: the real quote is settled after the run."""
        return math.inf

    def settle(self, lead_times: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Every order quoted :func:`smallest_meeting` of the realised lead times."""
        return np.full(len(lead_times), smallest_meeting(lead_times, self.target))


@dataclass(frozen=True, slots=True)
class ErlangQuantileQuote:
    """The state-based quote of an M/M/1 queue served first come, first served.

    An order that finds ``n`` orders in the system leaves after ``n + 1`` exponential work
    times (memorylessness makes the one in work start afresh): its lead time is
    Erlang(n + 1, ``rate``), and it is quoted that distribution's ``target`` quantile.
    """

    target: float
    rate: float = 1.0
    name: str = "state-based"
    _table: list[float] = field(default_factory=list, init=False, repr=False, compare=False)

    def quote(self, state: ShopState, order: Order) -> float:
        """The ``target`` quantile of Erlang(n + 1, rate) for ``n`` orders in the system."""
        n = state.in_system
        table = self._table
        while len(table) <= n:
            table.append(erlang_quantile(len(table) + 1, self.rate, self.target))
        return table[n]
