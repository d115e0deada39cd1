"""What a run measured: each order's outcome, the metrics of one run, and estimates across
seeds with 95% intervals."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .distributions import student_t_quantile

__all__ = ["Estimate", "Outcomes", "PolicySummary", "RunMetrics", "churn", "estimate",
           "measure", "summarize"]

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class Outcomes:
    """The measured orders of one run (arrived after the warm-up), in order of arrival.

    Arrays of days: ``arrival`` since the start of the run, ``quoted`` and ``lead_time`` after
    arrival. An order is on time when its lead time is at most its quote. ``product`` says
    which configuration each order is (None: all the same product), for the quote churn.
    """

    ids: npt.NDArray[np.int64]
    arrival: Floats
    quoted: Floats
    lead_time: Floats
    product: npt.NDArray[np.int64] | None = None

    def requoted(self, quoted: Floats) -> Outcomes:
        """The same orders with other quotes."""
        return Outcomes(self.ids, self.arrival, quoted, self.lead_time, self.product)


def churn(quoted: Floats, product: npt.NDArray[np.int64] | None = None) -> float:
    """Quote churn: the mean absolute change of the quote from one order to the next order of
    the same configuration (in arrival order), i.e. how far the promise for the same product
    jumps between two customers. 0 for a fixed lead time; 0 when no configuration repeats."""
    if product is None:
        steps = np.abs(np.diff(quoted))
    else:
        order = np.lexsort((np.arange(len(quoted)), product))
        same = product[order][1:] == product[order][:-1]
        steps = np.abs(np.diff(quoted[order]))[same]
    steps = steps[np.isfinite(steps)]
    return float(steps.mean()) if len(steps) else 0.0


@dataclass(frozen=True, slots=True)
class RunMetrics:
    """One policy on one seed. Lead times and tardiness in days; rates as fractions."""

    policy: str
    seed: int
    orders: int
    on_time_rate: float
    quoted_mean: float
    quoted_p50: float
    quoted_p95: float
    #: mean over all orders of max(lead time - quote, 0)
    tardiness_mean: float
    #: the p95 lateness of the late orders; None when none was late
    lateness_p95: float | None
    lead_time_mean: float
    lead_time_sd: float
    #: mean absolute change of the quote between consecutive orders of one configuration
    churn: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"policy": self.policy, "seed": self.seed, "orders": self.orders,
                "on_time_rate": self.on_time_rate, "quoted_mean": self.quoted_mean,
                "quoted_p50": self.quoted_p50, "quoted_p95": self.quoted_p95,
                "tardiness_mean": self.tardiness_mean, "lateness_p95": self.lateness_p95,
                "lead_time_mean": self.lead_time_mean, "lead_time_sd": self.lead_time_sd,
                "churn": self.churn}


def measure(policy: str, seed: int, outcomes: Outcomes) -> RunMetrics:
    """The metrics of one run."""
    n = len(outcomes.ids)
    if n == 0:
        raise ValueError(f"policy {policy!r}, seed {seed}: no order arrived after the warm-up")
    late_by = outcomes.lead_time - outcomes.quoted
    late = late_by[late_by > 0]
    return RunMetrics(
        policy=policy, seed=seed, orders=n,
        on_time_rate=float(np.count_nonzero(late_by <= 0)) / n,
        quoted_mean=float(outcomes.quoted.mean()),
        quoted_p50=float(np.quantile(outcomes.quoted, 0.5)),
        quoted_p95=float(np.quantile(outcomes.quoted, 0.95)),
        tardiness_mean=float(late.sum()) / n,
        lateness_p95=float(np.quantile(late, 0.95)) if len(late) else None,
        lead_time_mean=float(outcomes.lead_time.mean()),
        lead_time_sd=float(outcomes.lead_time.std(ddof=1)) if n > 1 else 0.0,
        churn=churn(outcomes.quoted, outcomes.product))


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean across seeds and its confidence interval (Student's t; None for one seed)."""

    mean: float
    low: float | None
    high: float | None
    n: int
    level: float = 0.95

    @property
    def half_width(self) -> float | None:
        """Half the interval's width."""
        return None if self.high is None else self.high - self.mean

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n,
                "level": self.level}


def estimate(values: Sequence[float], level: float = 0.95) -> Estimate:
    """The mean of ``values`` (one per seed) with its ``level`` interval."""
    if not values:
        raise ValueError("no values to estimate from")
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Estimate(mean, None, None, len(values), level)
    half = student_t_quantile(level, len(values) - 1) * statistics.stdev(values) \
        / math.sqrt(len(values))
    return Estimate(mean, mean - half, mean + half, len(values), level)


@dataclass(frozen=True, slots=True)
class PolicySummary:
    """One policy across seeds: each metric's mean and 95% interval."""

    policy: str
    seeds: tuple[int, ...]
    orders: int
    on_time_rate: Estimate
    quoted_mean: Estimate
    quoted_p50: Estimate
    quoted_p95: Estimate
    tardiness_mean: Estimate
    #: across the seeds that had late orders; None when no seed had one
    lateness_p95: Estimate | None
    lead_time_mean: Estimate
    lead_time_sd: Estimate
    churn: Estimate

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"policy": self.policy, "seeds": list(self.seeds), "orders": self.orders,
                "on_time_rate": self.on_time_rate.to_dict(),
                "quoted_mean": self.quoted_mean.to_dict(),
                "quoted_p50": self.quoted_p50.to_dict(),
                "quoted_p95": self.quoted_p95.to_dict(),
                "tardiness_mean": self.tardiness_mean.to_dict(),
                "lateness_p95": None if self.lateness_p95 is None
                else self.lateness_p95.to_dict(),
                "lead_time_mean": self.lead_time_mean.to_dict(),
                "lead_time_sd": self.lead_time_sd.to_dict(),
                "churn": self.churn.to_dict()}


def summarize(runs: Sequence[RunMetrics]) -> PolicySummary:
    """The runs of one policy, one per seed, as estimates across seeds."""
    if not runs or len({r.policy for r in runs}) != 1:
        raise ValueError("summarize needs the runs of exactly one policy")

    late = [r.lateness_p95 for r in runs if r.lateness_p95 is not None]
    return PolicySummary(
        policy=runs[0].policy, seeds=tuple(r.seed for r in runs),
        orders=sum(r.orders for r in runs),
        on_time_rate=estimate([r.on_time_rate for r in runs]),
        quoted_mean=estimate([r.quoted_mean for r in runs]),
        quoted_p50=estimate([r.quoted_p50 for r in runs]),
        quoted_p95=estimate([r.quoted_p95 for r in runs]),
        tardiness_mean=estimate([r.tardiness_mean for r in runs]),
        lateness_p95=estimate(late) if late else None,
        lead_time_mean=estimate([r.lead_time_mean for r in runs]),
        lead_time_sd=estimate([r.lead_time_sd for r in runs]),
        churn=estimate([r.churn for r in runs]))
