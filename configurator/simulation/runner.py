"""Compare policies on the same random numbers: every policy runs on every seed of a model."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .metrics import Outcomes, PolicySummary, RunMetrics, measure, summarize
from .policies import HindsightPolicy, Policy

__all__ = ["Comparison", "Model", "compare", "run_policy"]


class Model(Protocol):
    """A simulated plant: runs one policy on one seed.

    Every source of randomness draws from its own stream of the seed (see
    :class:`~configurator.simulation.events.Streams`), so all policies meet the same orders.
    """

    @property
    def name(self) -> str:
        """A short label."""
        ...

    def run(self, policy: Policy, seed: int) -> Outcomes:
        """The measured orders of one run."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The model's parameters, JSON-ready."""
        ...


def run_policy(model: Model, policy: Policy, seed: int) -> Outcomes:
    """One run; a hindsight policy's quotes are settled from the run's lead times."""
    outcomes = model.run(policy, seed)
    if isinstance(policy, HindsightPolicy):
        outcomes = outcomes.requoted(policy.settle(outcomes.lead_time))
    return outcomes


@dataclass(frozen=True, slots=True)
class Comparison:
    """Policies compared on one model across seeds: a summary per policy, and every run."""

    model: dict[str, Any]
    policies: tuple[PolicySummary, ...]
    runs: tuple[RunMetrics, ...]

    def policy(self, name: str) -> PolicySummary:
        """The summary of the policy called ``name``."""
        for summary in self.policies:
            if summary.policy == name:
                return summary
        raise KeyError(f"no policy {name!r}; the policies are "
                       f"{', '.join(s.policy for s in self.policies)}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"model": self.model, "policies": [s.to_dict() for s in self.policies],
                "runs": [r.to_dict() for r in self.runs]}


def compare(model: Model, policies: Sequence[Policy], seeds: Iterable[int],
            progress: Callable[[RunMetrics], None] | None = None) -> Comparison:
    """Run every policy on every seed; ``progress`` hears of each run as it ends."""
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise ValueError(f"policy names must differ: {', '.join(names)}")
    seeds = list(seeds)
    if not seeds or not policies:
        raise ValueError("compare needs at least one policy and one seed")
    runs: list[RunMetrics] = []
    for seed in seeds:
        for policy in policies:
            metrics = measure(policy.name, seed, run_policy(model, policy, seed))
            runs.append(metrics)
            if progress is not None:
                progress(metrics)
    summaries = tuple(summarize([r for r in runs if r.policy == name]) for name in names)
    return Comparison(model.to_dict(), summaries, tuple(runs))
