"""Exact distribution functions the simulation needs, without scipy.

- The Erlang distribution (the sum of ``k`` exponential work times of rate ``rate``): its CDF is
  a finite Poisson sum, its quantile is found by bisection on that CDF, and its expected excess
  over a quote is a difference of two survival functions.
- Student's t: the two-sided quantile behind a 95% interval across a few seeds, from the
  closed-form CDF for integer degrees of freedom (Abramowitz & Stegun 26.7.3 and 26.7.4).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["erlang_cdf", "erlang_excess", "erlang_quantile", "erlang_survival",
           "student_t_quantile"]

_ITERATIONS = 200  # bisection steps: far more than a float's 52 bits need


def _rising_root(fn: Callable[[float], float], value: float, guess: float) -> float:
    """The smallest x >= 0 (to a float's precision) with ``fn(x) >= value``, for ``fn``
    non-decreasing; ``guess`` is a first upper bound, doubled until it is one."""
    lo, hi = 0.0, guess
    while fn(hi) < value:
        lo, hi = hi, 2 * hi
    for _ in range(_ITERATIONS):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if fn(mid) < value:
            lo = mid
        else:
            hi = mid
    return hi


def _check_erlang(k: int, rate: float) -> None:
    if k < 1:
        raise ValueError(f"an Erlang distribution needs k >= 1 phases, not {k}")
    if not rate > 0:
        raise ValueError(f"an Erlang distribution needs a positive rate, not {rate}")


def erlang_survival(k: int, rate: float, x: float) -> float:
    """P(X > x) for X ~ Erlang(k, rate): the Poisson sum ``sum_{i<k} e^-m m^i / i!`` with
    ``m = rate * x``, added up in log space so that large ``k`` neither underflows nor
    overflows."""
    _check_erlang(k, rate)
    m = rate * x
    if m <= 0:
        return 1.0
    i = np.arange(k, dtype=float)
    log_factorial = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, k, dtype=float)))))
    log_terms = -m + i * math.log(m) - log_factorial
    top = float(log_terms.max())
    return min(1.0, math.exp(top) * float(np.exp(log_terms - top).sum()))


def erlang_cdf(k: int, rate: float, x: float) -> float:
    """P(X <= x) for X ~ Erlang(k, rate)."""
    return 1.0 - erlang_survival(k, rate, x)


def erlang_quantile(k: int, rate: float, p: float) -> float:
    """The ``p`` quantile of Erlang(k, rate): the x where the CDF reaches ``p``, by bisection."""
    _check_erlang(k, rate)
    if not 0 < p < 1:
        raise ValueError(f"a quantile needs 0 < p < 1, not {p}")
    return _rising_root(lambda x: erlang_cdf(k, rate, x), p,
                        (k + 10 * math.sqrt(k) + 10) / rate)

def erlang_excess(k: int, rate: float, q: float) -> float:
    """E[max(X - q, 0)] for X ~ Erlang(k, rate): the mean tardiness of a quote ``q``.

    Uses E[X; X > q] = (k / rate) P(Erlang(k + 1) > q).
    """
    return k / rate * erlang_survival(k + 1, rate, q) - q * erlang_survival(k, rate, q)


def _t_central(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with ``df`` degrees of freedom (A&S 26.7.3, 26.7.4)."""
    theta = math.atan(t / math.sqrt(df))
    c, s = math.cos(theta), math.sin(theta)
    if df % 2 == 0:
        term = total = 1.0
        for j in range(1, df // 2):  # coefficients 1/2, 1*3/(2*4), ...
            term *= (2 * j - 1) / (2 * j) * c * c
            total += term
        return s * total
    if df == 1:
        return 2 * theta / math.pi
    term = total = c
    for j in range(1, (df - 1) // 2):  # coefficients 2/3, 2*4/(3*5), ...
        term *= (2 * j) / (2 * j + 1) * c * c
        total += term
    return 2 / math.pi * (theta + s * total)


def student_t_quantile(level: float, df: int) -> float:
    """The t with P(|T| <= t) = ``level``: a two-sided interval's half-width in standard
    errors (2.262 for a 95% interval across 10 seeds)."""
    if df < 1:
        raise ValueError(f"Student's t needs df >= 1, not {df}")
    if not 0 < level < 1:
        raise ValueError(f"an interval level must be between 0 and 1, not {level}")
    return _rising_root(lambda t: _t_central(t, df), level, 1.0)
