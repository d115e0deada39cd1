"""The M/M/1 sanity mode: one station, Poisson arrivals, exponential work, first come first
served. Its quotes have closed forms, so the simulator can be checked against them.

With work rate ``mu`` and arrival rate ``lambda = rho * mu``, a served-in-order M/M/1 queue
holds ``n`` orders with probability ``(1 - rho) rho^n`` (what an arriving order sees, by PASTA),
and the lead time of all orders is exponential with rate ``mu - lambda``. So:

- the best fixed quote meeting a target ``p`` is ``-ln(1 - p) / (mu - lambda)``;
- the state-based quote of an order finding ``n`` is the ``p`` quantile of Erlang(n + 1, mu), and
  its mean over arrivals is ``sum_n (1 - rho) rho^n q_p(Erlang(n + 1, mu))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .distributions import erlang_excess, erlang_quantile
from .events import Simulator, Streams
from .metrics import Outcomes
from .policies import BestFixedInHindsight, ErlangQuantileQuote, Policy
from .shop import Order, Station

__all__ = ["MM1", "MM1Analytic"]

#: Stop the analytic sum when the remaining probability mass is below this.
_TAIL = 1e-15


@dataclass(frozen=True, slots=True)
class MM1Analytic:
    """The exact figures of the sanity mode, in days."""

    best_fixed: float
    best_fixed_tardiness: float
    state_based_mean: float
    state_based_tardiness: float
    #: the on-time rate of both quotes: the target, by construction
    on_time_rate: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"best_fixed": self.best_fixed, "best_fixed_tardiness": self.best_fixed_tardiness,
                "state_based_mean": self.state_based_mean,
                "state_based_tardiness": self.state_based_tardiness,
                "on_time_rate": self.on_time_rate}


@dataclass(frozen=True, slots=True)
class MM1:
    """The M/M/1 sanity mode. Days throughout; orders arriving in ``[warmup_days,
    horizon_days)`` are measured, and the run goes on until all of them are done."""

    rho: float = 0.8
    mu: float = 1.0
    target: float = 0.95
    horizon_days: float = 100_000.0
    warmup_days: float = 1_000.0
    name: ClassVar[str] = "M/M/1"

    def __post_init__(self) -> None:
        if not 0 < self.rho < 1:
            raise ValueError(f"M/M/1 needs a load 0 < rho < 1, not {self.rho}")
        if not self.mu > 0:
            raise ValueError(f"M/M/1 needs a positive work rate mu, not {self.mu}")
        if not 0 < self.target < 1:
            raise ValueError(f"the on-time target must be between 0 and 1, not {self.target}")
        if not 0 <= self.warmup_days < self.horizon_days:
            raise ValueError(f"the warm-up ({self.warmup_days} days) must be shorter than the "
                             f"horizon ({self.horizon_days} days)")

    @property
    def arrival_rate(self) -> float:
        """Orders per day: ``rho * mu``."""
        return self.rho * self.mu

    def policies(self) -> tuple[Policy, ...]:
        """The two policies the sanity mode compares: state-based and best fixed."""
        return (ErlangQuantileQuote(self.target, self.mu), BestFixedInHindsight(self.target))

    def analytic(self) -> MM1Analytic:
        """The exact figures: what a long enough run must reproduce."""
        rate = self.mu - self.arrival_rate
        fixed = -math.log(1 - self.target) / rate
        mean = tardiness = 0.0
        n, weight, left = 0, 1 - self.rho, 1.0
        while left > _TAIL:
            quote = erlang_quantile(n + 1, self.mu, self.target)
            mean += weight * quote
            tardiness += weight * erlang_excess(n + 1, self.mu, quote)
            left -= weight
            n, weight = n + 1, weight * self.rho
        return MM1Analytic(fixed, math.exp(-rate * fixed) / rate, mean, tardiness, self.target)

    def run(self, policy: Policy, seed: int) -> Outcomes:
        """One run of ``policy``: every order is quoted on arrival, then served in turn."""
        return _Run(self, policy, seed).go()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"name": self.name, "rho": self.rho, "mu": self.mu, "target": self.target,
                "arrival_rate": self.arrival_rate, "horizon_days": self.horizon_days,
                "warmup_days": self.warmup_days}


class _Run:
    """One run's state; it is also the :class:`ShopState` the policy sees."""

    def __init__(self, model: MM1, policy: Policy, seed: int) -> None:
        self.model = model
        self.policy = policy
        streams = Streams(seed)
        mean_gap, mean_work = 1 / model.arrival_rate, 1 / model.mu
        self.gap = streams.draws("arrivals", lambda g, n: g.exponential(mean_gap, n))
        self.work = streams.draws("work", lambda g, n: g.exponential(mean_work, n))
        self.sim = Simulator()
        self.station = Station(self.sim, "station", 1, self._done)
        self.count = 0
        self.measured: list[tuple[int, float, float, float]] = []

    @property
    def now(self) -> float:
        return self.sim.now

    @property
    def in_system(self) -> int:
        return self.station.in_system

    def go(self) -> Outcomes:
        self.sim.schedule(self.gap(), self._arrive)
        self.sim.run()
        rows = sorted(self.measured)
        return Outcomes(np.array([r[0] for r in rows], dtype=np.int64),
                        np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                        np.array([r[3] for r in rows]))

    def _arrive(self, _: object) -> None:
        order = Order(self.count, self.sim.now, self.work())
        self.count += 1
        order.quoted = self.policy.quote(self, order)
        self.station.submit(order, order.work)
        following = self.sim.now + self.gap()
        if following < self.model.horizon_days:
            self.sim.schedule(following, self._arrive)

    def _done(self, order: Order) -> None:
        order.done = self.sim.now
        if order.arrival >= self.model.warmup_days:
            self.measured.append((order.id, order.arrival, order.quoted, order.lead_time))
