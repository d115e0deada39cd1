"""The simulation core and the M/M/1 sanity mode (issue 5, first step)."""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from configurator.simulation import (
    MM1,
    BestFixedInHindsight,
    ErlangQuantileQuote,
    FixedLeadTime,
    Order,
    Simulator,
    Station,
    Streams,
    compare,
    erlang_cdf,
    erlang_excess,
    erlang_quantile,
    estimate,
    run_policy,
    smallest_meeting,
    student_t_quantile,
)

PROPERTIES = settings(max_examples=60, deadline=None)


class _Load:
    """A shop state with ``n`` orders in the system."""

    def __init__(self, n: int) -> None:
        self.now, self.in_system = 0.0, n


def _poisson_cdf(k: int, m: float) -> float:
    """P(Poisson(m) <= k), term by term in plain floats: an independent Erlang survival."""
    term = total = math.exp(-m)
    for i in range(1, k + 1):
        term *= m / i
        total += term
    return total


# -- the Erlang distribution -------------------------------------------------------------


@PROPERTIES
@given(st.integers(1, 600), st.floats(0.05, 20), st.floats(0.01, 0.99))
def test_erlang_quantile_is_where_the_cdf_reaches_p(k: int, rate: float, p: float) -> None:
    q = erlang_quantile(k, rate, p)
    assert abs(erlang_cdf(k, rate, q) - p) < 1e-9
    assert erlang_cdf(k, rate, q * (1 - 1e-6)) < p  # and no earlier


@PROPERTIES
@given(st.integers(1, 300), st.floats(0.1, 10), st.floats(0.02, 0.98))
def test_erlang_quantile_grows_with_phases_and_level(k: int, rate: float, p: float) -> None:
    q = erlang_quantile(k, rate, p)
    assert erlang_quantile(k + 1, rate, p) > q
    assert erlang_quantile(k, rate, min(p + 0.01, 0.99)) >= q


@PROPERTIES
@given(st.integers(1, 150), st.floats(0.1, 10), st.floats(0, 400))
def test_erlang_cdf_matches_a_plain_poisson_sum(k: int, rate: float, x: float) -> None:
    if rate * x < 600:  # the plain sum underflows beyond
        assert erlang_cdf(k, rate, x) == pytest.approx(1 - _poisson_cdf(k - 1, rate * x),
                                                       abs=1e-12)


@pytest.mark.parametrize(("k", "rate"), [(1, 1.0), (3, 2.0), (12, 1.0), (40, 0.5)])
def test_erlang_quantile_and_excess_match_gamma_sampling(k: int, rate: float) -> None:
    draws = np.random.default_rng(k).gamma(k, 1 / rate, 400_000)
    q = erlang_quantile(k, rate, 0.95)
    assert np.quantile(draws, 0.95) == pytest.approx(q, rel=0.01)
    tardiness = np.maximum(draws - q, 0).mean()
    assert erlang_excess(k, rate, q) == pytest.approx(tardiness, rel=0.03)


def test_one_phase_is_the_exponential() -> None:
    assert erlang_quantile(1, 0.2, 0.95) == pytest.approx(-math.log(0.05) / 0.2, rel=1e-12)


def test_erlang_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="k >= 1"):
        erlang_quantile(0, 1.0, 0.5)
    with pytest.raises(ValueError, match="positive rate"):
        erlang_cdf(2, 0.0, 1.0)
    with pytest.raises(ValueError, match="0 < p < 1"):
        erlang_quantile(2, 1.0, 1.0)


# -- Student's t and estimates across seeds -----------------------------------------------


@pytest.mark.parametrize(("df", "table"), [(1, 12.7062), (2, 4.3027), (4, 2.7764),
                                           (9, 2.2622), (29, 2.0452)])
def test_t_quantile_matches_the_printed_table(df: int, table: float) -> None:
    assert student_t_quantile(0.95, df) == pytest.approx(table, abs=1e-4)


@PROPERTIES
@given(st.integers(1, 200), st.floats(0.5, 0.995))
def test_t_quantile_is_wider_than_normal_and_shrinks_with_df(df: int, level: float) -> None:
    normal = statistics.NormalDist().inv_cdf((1 + level) / 2)
    t = student_t_quantile(level, df)
    assert t > normal
    assert student_t_quantile(level, df + 1) < t


def test_t_quantile_tends_to_the_normal() -> None:
    assert student_t_quantile(0.95, 20_000) == pytest.approx(1.959964, abs=1e-3)


@PROPERTIES
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30))
def test_an_estimate_brackets_its_mean(values: list[float]) -> None:
    e = estimate(values)
    assert e.low is not None and e.high is not None
    assert e.low <= e.mean + 1e-6 and e.mean - 1e-6 <= e.high
    assert e.n == len(values)


def test_one_seed_gives_no_interval() -> None:
    e = estimate([3.0])
    assert (e.mean, e.low, e.high, e.half_width) == (3.0, None, None, None)


# -- the best fixed lead time in hindsight ------------------------------------------------


@PROPERTIES
@given(st.lists(st.floats(0, 1e4), min_size=1, max_size=300), st.floats(0.01, 0.99))
def test_smallest_meeting_meets_the_target_and_nothing_smaller_does(
        lead_times: list[float], target: float) -> None:
    array = np.array(lead_times)
    quote = smallest_meeting(array, target)
    assert np.mean(array <= quote) >= target - 1e-12
    smaller = array[array < quote]
    if len(smaller):
        assert np.mean(array <= smaller.max()) < target


def test_smallest_meeting_counts_exactly() -> None:
    # 0.95 * 100 is 95.00000000000001 in floats; the 95th of 100 lead times meets 95%
    assert smallest_meeting(np.arange(1.0, 101.0), 0.95) == 95.0
    with pytest.raises(ValueError, match="no orders"):
        smallest_meeting(np.array([]), 0.95)


# -- the event loop, streams and stations -------------------------------------------------


@PROPERTIES
@given(st.lists(st.integers(0, 20), min_size=1, max_size=60))
def test_events_run_in_time_order_ties_in_schedule_order(times: list[int]) -> None:
    sim = Simulator()
    ran: list[tuple[float, int]] = []
    for i, t in enumerate(times):
        sim.schedule(float(t), lambda i: ran.append((sim.now, i)), i)
    sim.run()
    assert ran == sorted(((float(t), i) for i, t in enumerate(times)))
    assert sim.pending == 0


def test_run_until_stops_before_later_events() -> None:
    sim = Simulator()
    ran: list[float] = []
    for t in (1.0, 2.0, 5.0):
        sim.schedule(t, ran.append, t)
    sim.run(until=3.0)
    assert (ran, sim.now, sim.pending) == ([1.0, 2.0], 3.0, 1)
    with pytest.raises(ValueError, match="before now"):
        sim.schedule(2.5, ran.append)


def test_a_stream_does_not_depend_on_the_others() -> None:
    alone = Streams(7).draws("work", lambda g, n: g.exponential(1.0, n))
    first = [alone() for _ in range(10_000)]
    streams = Streams(7)
    work = streams.draws("work", lambda g, n: g.exponential(1.0, n))
    noise = streams.draws("arrivals", lambda g, n: g.random(n))
    mixed = []
    for i in range(10_000):
        for _ in range(i % 3):
            noise()
        mixed.append(work())
    assert mixed == first
    other = Streams(8).draws("work", lambda g, n: g.exponential(1.0, n))
    assert [other() for _ in range(10)] != first[:10]


def test_a_station_serves_first_come_first_served_on_parallel_servers() -> None:
    sim = Simulator()
    finished: list[tuple[int, float]] = []
    station = Station(sim, "weld", servers=2, finished=lambda o: finished.append((o.id, sim.now)))
    for i, work in enumerate((3.0, 1.0, 1.0, 1.0)):
        station.submit(Order(i, 0.0, work), work)
    assert station.in_system == 4 and station.busy == 2
    sim.run()
    assert finished == [(1, 1.0), (2, 2.0), (0, 3.0), (3, 3.0)]
    assert station.in_system == 0
    with pytest.raises(ValueError, match="at least one server"):
        Station(sim, "none", servers=0)


# -- the M/M/1 sanity mode ----------------------------------------------------------------


def test_the_analytic_figures_of_the_issue() -> None:
    analytic = MM1(rho=0.8, mu=1.0, target=0.95).analytic()
    assert analytic.best_fixed == pytest.approx(-math.log(0.05) / 0.2, rel=1e-12)
    assert round(analytic.best_fixed, 2) == 14.98
    assert round(analytic.state_based_mean, 2) == 8.82
    assert analytic.best_fixed_tardiness == pytest.approx(0.25, rel=1e-9)  # e^{-rq}/r


@pytest.mark.parametrize("rho", [0.3, 0.8, 0.9])
def test_the_state_based_mean_by_an_independent_sum(rho: float) -> None:
    def quantile(k: int) -> float:  # bisection on the plain Poisson sum
        lo, hi = 0.0, 10.0 * k + 10
        for _ in range(100):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if _poisson_cdf(k - 1, mid) > 0.05 else (lo, mid)
        return hi

    n_max = int(math.log(1e-13) / math.log(rho))
    expected = sum((1 - rho) * rho**n * quantile(n + 1) for n in range(n_max))
    assert MM1(rho=rho).analytic().state_based_mean == pytest.approx(expected, rel=1e-9)


def test_both_analytic_quotes_meet_the_target() -> None:
    rho, target = 0.7, 0.9
    analytic = MM1(rho=rho, target=target).analytic()
    assert 1 - math.exp(-(1 - rho) * analytic.best_fixed) == pytest.approx(target, abs=1e-12)
    policy = ErlangQuantileQuote(target)
    met = 0.0
    for n in range(200):  # what an arrival finding n orders is quoted, and meets
        quoted = policy.quote(_Load(n), Order(0, 0.0, 1.0))
        met += (1 - rho) * rho**n * erlang_cdf(n + 1, 1.0, quoted)
    assert met == pytest.approx(target, abs=1e-9)


def test_a_short_simulation_lands_on_the_analytic_values() -> None:
    model = MM1(rho=0.5, target=0.95, horizon_days=50_000, warmup_days=200)
    analytic = model.analytic()
    fixed = FixedLeadTime(analytic.best_fixed, name="analytic fixed")
    result = compare(model, (*model.policies(), fixed), seeds=range(4))
    state, best, known = (result.policy(n) for n in ("state-based", "best fixed (hindsight)",
                                                     "analytic fixed"))
    assert state.quoted_mean.mean == pytest.approx(analytic.state_based_mean, rel=0.03)
    assert best.quoted_mean.mean == pytest.approx(analytic.best_fixed, rel=0.04)
    assert state.on_time_rate.mean == pytest.approx(0.95, abs=0.005)
    assert known.on_time_rate.mean == pytest.approx(0.95, abs=0.01)
    assert best.on_time_rate.mean >= 0.95
    assert state.tardiness_mean.mean == pytest.approx(analytic.state_based_tardiness, rel=0.15)
    assert state.quoted_mean.mean < best.quoted_mean.mean


def test_the_sanity_mode_at_80_percent_agrees_within_its_interval() -> None:
    model = MM1(rho=0.8, target=0.95, horizon_days=40_000, warmup_days=1_000)
    analytic = model.analytic()
    result = compare(model, model.policies(), seeds=range(4))
    for name, value in (("state-based", analytic.state_based_mean),
                        ("best fixed (hindsight)", analytic.best_fixed)):
        runs = [r.quoted_mean for r in result.runs if r.policy == name]
        wide = estimate(runs, level=0.999)
        assert wide.low is not None and wide.high is not None
        assert wide.low <= value <= wide.high, name
        assert wide.mean == pytest.approx(value, rel=0.1)
    assert result.policy("state-based").on_time_rate.mean == pytest.approx(0.95, abs=0.01)


def test_the_same_seed_gives_the_same_result() -> None:
    model = MM1(rho=0.8, horizon_days=3_000, warmup_days=100)
    first = compare(model, model.policies(), seeds=(3, 4)).to_dict()
    again = compare(model, model.policies(), seeds=(3, 4)).to_dict()
    assert first == again
    other = compare(model, model.policies(), seeds=(5, 6)).to_dict()
    assert other["policies"] != first["policies"]


def test_every_policy_sees_the_same_orders() -> None:
    model = MM1(rho=0.8, horizon_days=3_000, warmup_days=100)
    runs = [run_policy(model, policy, 11) for policy in
            (*model.policies(), FixedLeadTime(2.0))]
    for run in runs[1:]:
        assert np.array_equal(run.ids, runs[0].ids)
        assert np.array_equal(run.arrival, runs[0].arrival)
        assert np.array_equal(run.lead_time, runs[0].lead_time)  # FCFS ignores the quotes
    assert not np.array_equal(runs[0].quoted, runs[2].quoted)
    assert runs[0].arrival.min() >= 100 and runs[0].arrival.max() < 3_000


def test_hindsight_is_settled_from_the_run() -> None:
    model = MM1(rho=0.8, horizon_days=3_000, warmup_days=100)
    run = run_policy(model, BestFixedInHindsight(0.9), 2)
    assert np.all(run.quoted == smallest_meeting(run.lead_time, 0.9))
    assert model.run(BestFixedInHindsight(0.9), 2).quoted[0] == math.inf


def test_results_are_json_ready() -> None:
    model = MM1(rho=0.8, horizon_days=2_000, warmup_days=100)
    seen: list[str] = []
    result = compare(model, model.policies(), seeds=range(2),
                     progress=lambda run: seen.append(f"{run.policy}/{run.seed}"))
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["model"]["rho"] == 0.8 and data["model"]["name"] == "M/M/1"
    assert [p["policy"] for p in data["policies"]] == ["state-based", "best fixed (hindsight)"]
    assert len(data["runs"]) == len(seen) == 4
    assert json.dumps(model.analytic().to_dict(), allow_nan=False)
    with pytest.raises(KeyError, match="no policy 'atp'"):
        result.policy("atp")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rho": 1.0}, "0 < rho < 1"), ({"mu": 0.0}, "positive work rate"),
    ({"target": 1.0}, "between 0 and 1"), ({"warmup_days": 5.0, "horizon_days": 5.0}, "warm-up"),
])
def test_bad_parameters_are_refused_clearly(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MM1(**kwargs)


def test_compare_refuses_duplicate_names_and_empty_runs() -> None:
    model = MM1(horizon_days=100, warmup_days=0)
    with pytest.raises(ValueError, match="must differ"):
        compare(model, (FixedLeadTime(1.0), FixedLeadTime(2.0)), seeds=[0])
    with pytest.raises(ValueError, match="at least one"):
        compare(model, model.policies(), seeds=[])
