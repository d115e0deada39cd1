"""Backtesting delivery promises: a seeded discrete-event simulation of a build-to-order shop.

The core (:mod:`.events`: the event loop and named random streams; :mod:`.shop`: orders and
stations) knows nothing of any one plant. A *model* (for now the M/M/1 sanity mode,
:class:`MM1`) runs one *policy* on one seed; :func:`compare` runs every policy on every seed with
common random numbers and summarises each metric with a 95% interval across seeds::

    from configurator.simulation import MM1, compare

    model = MM1(rho=0.8, target=0.95, horizon_days=20_000, warmup_days=1_000)
    result = compare(model, model.policies(), seeds=range(5))
    print(result.policy("state-based").quoted_mean.mean, model.analytic().state_based_mean)

See docs/simulation.md.
"""

from __future__ import annotations

from .distributions import erlang_cdf, erlang_excess, erlang_quantile, student_t_quantile
from .events import Simulator, Streams
from .metrics import Estimate, Outcomes, PolicySummary, RunMetrics, estimate, measure
from .mm1 import MM1, MM1Analytic
from .policies import (
    BestFixedInHindsight,
    ErlangQuantileQuote,
    FixedLeadTime,
    HindsightPolicy,
    Policy,
    ShopState,
    smallest_meeting,
)
from .runner import Comparison, Model, compare, run_policy
from .shop import Order, Station

__all__ = ["MM1", "BestFixedInHindsight", "Comparison", "ErlangQuantileQuote", "Estimate",
           "FixedLeadTime", "HindsightPolicy", "MM1Analytic", "Model", "Order", "Outcomes",
           "Policy", "PolicySummary", "RunMetrics", "ShopState", "Simulator", "Station",
           "Streams", "compare", "erlang_cdf", "erlang_excess", "erlang_quantile", "estimate",
           "measure", "run_policy", "smallest_meeting", "student_t_quantile"]
