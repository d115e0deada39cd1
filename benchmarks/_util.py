"""Timing helpers: medians and percentiles of repeated runs, printed beside their targets."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def measure(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def report(name: str, times: list[float], target_s: float, what: str = "p50") -> bool:
    """Print one figure beside its target; True when the target is met."""
    value = statistics.median(times) if what == "p50" else percentile(times, float(what[1:]))
    ok = value <= target_s
    print(f"  {name:<52} {what} {value * 1000:9.1f} ms   target <= {target_s * 1000:8.1f} ms"
          f"   {'ok' if ok else 'MISSED'}")
    return ok
