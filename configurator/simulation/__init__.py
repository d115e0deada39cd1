"""Backtesting delivery promises: a seeded discrete-event simulation of a build-to-order shop.

The core (:mod:`.events`: the event loop and named random streams; :mod:`.shop`: orders and
stations) knows nothing of any one plant. A *model* (for now the M/M/1 sanity mode,
:class:`MM1`) runs one *policy* on one seed; :func:`compare` runs every policy on every seed with
common random numbers and summarises each metric with a 95% interval across seeds::

    from configurator.simulation import MM1, compare

    model = MM1(rho=0.8, target=0.95, horizon_days=20_000, warmup_days=1_000)
    result = compare(model, model.policies(), seeds=range(5))
    print(result.policy("state-based").quoted_mean.mean, model.analytic().state_based_mean)

The build-to-order model (:class:`BuildToOrder`) simulates a scenario's catalog, plant and
supply (a ``bto-scenario/1`` file, :func:`load_scenario`) and compares the quoting policies per
segment with :func:`compare_shop`::

    from configurator.simulation import BuildToOrder, compare_shop

    model = BuildToOrder.load("catalogs/scenarios/ebike-085.yaml")
    result = compare_shop(model, seeds=range(2), horizon_days=240, warmup_days=60)
    print(result.get("CTP + buffer", "custom").on_time_rate.mean)

See docs/simulation.md.
"""

from __future__ import annotations

from ..scenario import Scenario, ScenarioError, load_scenario
from .bto import SEGMENTS, BuildToOrder, SegmentSummary, ShopComparison, ShopRun, compare_shop
from .bto_policies import (
    CONTROLLER_TUNING,
    DEFAULT_BANDS,
    AtpQuote,
    BestFixedPerSegment,
    BtoOrder,
    BufferedCtpQuote,
    BufferLearner,
    ControlledCtpQuote,
    CtpQuote,
    FixedPerSegment,
    LatenessWindow,
    LearningPolicy,
    QuoteContext,
    SegmentHindsight,
)
from .demand import Demand, draw_configuration, draw_pool, work_content
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
from .worktime import WorkTime

__all__ = ["CONTROLLER_TUNING", "DEFAULT_BANDS", "MM1", "SEGMENTS", "AtpQuote",
           "BestFixedInHindsight", "BestFixedPerSegment", "BtoOrder", "BufferLearner",
           "BufferedCtpQuote", "BuildToOrder", "Comparison", "ControlledCtpQuote", "CtpQuote",
           "Demand", "ErlangQuantileQuote", "Estimate", "FixedLeadTime", "FixedPerSegment",
           "HindsightPolicy", "LatenessWindow", "LearningPolicy", "MM1Analytic", "Model",
           "Order", "Outcomes", "Policy", "PolicySummary", "QuoteContext", "RunMetrics", "Scenario",
           "ScenarioError", "SegmentHindsight", "SegmentSummary", "ShopComparison", "ShopRun",
           "ShopState", "Simulator", "Station", "Streams", "WorkTime", "compare",
           "compare_shop", "draw_configuration", "draw_pool", "erlang_cdf", "erlang_excess",
           "erlang_quantile", "estimate", "load_scenario", "measure", "run_policy",
           "smallest_meeting", "student_t_quantile", "work_content"]
