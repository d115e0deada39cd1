"""How sure a promised date is: a seeded Monte Carlo over lead times and work times.

The plan (see :mod:`configurator.quoting.promise`) is deterministic: supplier lead times at their
median, operations at their planned minutes. Around it we draw, with a fixed seed:

- each new purchase's supplier lead time, lognormal with the sourcing's median and spread
  (stock and purchase orders already on their way are taken as certain);
- the order's work time, normal with the root sum of squares of each operation's
  ``spread x minutes`` (the work centres' spread).

A part that arrives later than planned delays the order by what exceeds its float (the working
time it waited in the plan before it was used). Everything is measured in working minutes of the
plant's shifts from the moment the order is accepted, so a day late is a working day's minutes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .._random import stream

__all__ = ["Uncertainty", "lognormal_sigma", "ready_samples"]

#: Draws per quote: a P90 from 2,000 draws has a standard error of 0.7 percentage points.
SAMPLES = 2000


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """One uncertain material supply: its planned lead time, spread and float.

    ``day_minutes`` maps a working day after acceptance to working minutes from acceptance:
    ``day_minutes[d]`` is when material arriving ``d`` working days after acceptance is usable.
    """

    key: str  # names the supply: it draws from its own seeded stream
    lead_days: int
    median_days: Decimal
    spread_days: Decimal
    slack_minutes: float


def lognormal_sigma(median: float, spread: float) -> float:
    """The sigma of a lognormal with this median and standard deviation."""
    if median <= 0 or spread <= 0:
        return 0.0
    v = (spread / median) ** 2
    x = (1 + math.sqrt(1 + 4 * v)) / 2  # e^(sigma^2), from sd^2 = m^2 x (x - 1)
    return math.sqrt(math.log(x))


def ready_samples(planned_minutes: float, supplies: Sequence[Uncertainty],
                  day_minutes: Sequence[float], work_sd_minutes: float, seed: int = 0,
                  samples: int = SAMPLES) -> np.ndarray:
    """Sampled ready-to-ship moments, in working minutes after acceptance."""
    delay = np.zeros(samples)
    table = np.asarray(day_minutes, dtype=float)
    last = len(table) - 1
    varying = [(s, lognormal_sigma(float(s.median_days), float(s.spread_days)))
               for s in supplies]
    varying = [(s, sigma) for s, sigma in varying if sigma > 0]
    if varying:
        draws = np.stack([stream(seed, s.key).standard_normal(samples) for s, _ in varying])
        sigma = np.array([[v] for _, v in varying])
        median = np.array([[float(s.median_days)] for s, _ in varying])
        fixed = np.array([[s.lead_days - float(s.median_days)] for s, _ in varying])
        days = np.ceil(fixed + median * np.exp(sigma * draws) - 1e-9)
        days = np.clip(days, 0, last).astype(int)
        planned = np.array([[table[min(s.lead_days, last)] + s.slack_minutes]
                            for s, _ in varying])
        np.maximum(delay, (table[days] - planned).max(axis=0), out=delay)
    noise = stream(seed, "work time").standard_normal(samples) * work_sd_minutes
    return np.maximum(planned_minutes + delay + noise, 0.0)
