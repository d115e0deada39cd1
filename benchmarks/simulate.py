"""The M/M/1 sanity mode of the promise simulation (issue 5).

Protocol: one station, Poisson arrivals at 80% load, exponential work (mean 1 day), first come
first served, a 95% on-time target; 10 seeds, each 750,000 simulated days (about 600,000 orders)
after a 2,000-day warm-up. Both policies run on the same random numbers.

Targets (the issue's "M/M/1 sanity mode"):
- the state-based quote (the 0.95 quantile of Erlang(n + 1, 1) for an order finding n) averages
  8.82 days, within 2%;
- the best fixed quote in hindsight is 14.98 days, within 2%;
- the state-based quote is on time 95 +/- 1% (the best fixed one is by construction).
"""

from __future__ import annotations

import time

from configurator.simulation import MM1, Estimate, compare

SEEDS = 10
TOLERANCE = 0.02
MODEL = MM1(rho=0.8, mu=1.0, target=0.95, horizon_days=750_000, warmup_days=2_000)


def _line(name: str, value: str, target: str, ok: bool | None) -> bool:
    verdict = "" if ok is None else ("ok" if ok else "MISSED")
    print(f"  {name:<52} {value:>18}   target {target:<16} {verdict}")
    return ok is not False


def _shown(e: Estimate, scale: float = 1.0, unit: str = "d") -> str:
    half = e.half_width or 0.0
    return f"{e.mean * scale:.3f} ± {half * scale:.3f} {unit}"


def run() -> bool:
    print(f"simulate (issue 5): M/M/1 sanity mode, rho {MODEL.rho}, target {MODEL.target:.0%}, "
          f"{SEEDS} seeds")
    analytic = MODEL.analytic()
    start = time.perf_counter()
    result = compare(MODEL, MODEL.policies(), seeds=range(SEEDS))
    took = time.perf_counter() - start
    state, best = result.policy("state-based"), result.policy("best fixed (hindsight)")
    ok = True
    for label, summary, exact, issue in (("state-based quote, mean", state,
                                          analytic.state_based_mean, 8.82),
                                         ("best fixed quote in hindsight", best,
                                          analytic.best_fixed, 14.98)):
        error = abs(summary.quoted_mean.mean / issue - 1)
        ok &= _line(f"{label} (exact {exact:.3f})", _shown(summary.quoted_mean),
                    f"{issue} d ± 2%", error <= TOLERANCE)
        print(f"    ({error:.2%} from the target; 95% interval across seeds)")
    for label, summary in (("state-based quote, on time", state),
                           ("best fixed quote, on time", best)):
        ok &= _line(label, _shown(summary.on_time_rate, 100, "%"), "95 ± 1%",
                    abs(summary.on_time_rate.mean - MODEL.target) <= 0.01)
    for label, summary, exact in (("state-based quote, mean tardiness", state,
                                   analytic.state_based_tardiness),
                                  ("best fixed quote, mean tardiness", best,
                                   analytic.best_fixed_tardiness)):
        _line(f"{label} (exact {exact:.3f})", _shown(summary.tardiness_mean), "reported", None)
    _line(f"run time: 2 policies x {SEEDS} seeds x {state.orders // SEEDS:,} orders",
          f"{took:.1f} s", "reported", None)
    return ok
