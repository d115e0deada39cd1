"""Held-out accuracy of the recommended values, by cross-validation over a fold file.

For each fold k, a :class:`~configurator.demand.recommend.DemandModel` learns from the other
folds. Each test sale's modules are then walked in a random order (seeded per sale), and at
each step the model predicts the next module's value from the values chosen so far; the
prediction is right when it equals the sale's value. The baseline predicts, the same way,
the value sold most often in the training folds. Top-1 accuracy is counted over all
predictions of a fold and averaged over the folds.

The model's :class:`~configurator.demand.recommend.Weights` are chosen on the training folds
only (``tune``): for each of ``inner`` training folds j, a model learns from the training
folds other than j and walks a seeded sample of fold j's sales with every weight of
:data:`GRID`; the weights right most often win (ties: the first in the grid). The test fold is
never looked at. Weights are chosen separately for the two modes below.

With a :class:`~configurator.demand.recommend.CandidateFilter`, both predictions are
restricted to the values still possible; checking that takes a solver call per step, so a
seeded sample of ``filter_sample`` sales per fold is walked that way (the values possible at
each step of a sale's walk are computed once and serve every fold that walks that sale).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .recommend import FILTERED, UNFILTERED, CandidateFilter, DemandModel, Weights, value_key
from .sales import SalesHistory

__all__ = ["GRID", "Accuracy", "Evaluation", "FoldAccuracy", "evaluate"]

#: The weights the inner split chooses from: evidence 0 (the value sold most, smoothed) to 1
#: (plain naive Bayes), times three strengths of the back-off.
GRID = tuple(Weights(e, p) for e in (0.0, 0.1, 0.2, 0.3, 0.5, 1.0) for p in (30.0, 300.0, 3000.0))

#: A step of a walk: the module predicted and its possible values (None: every value).
Step = tuple[str, frozenset[str] | None]


@dataclass(frozen=True, slots=True)
class FoldAccuracy:
    """One fold: sales tested and learned from, predictions made, how many the model and
    the baseline got right, and the weights chosen on the training folds."""

    fold: int
    train: int
    tested: int
    predictions: int
    correct: int
    baseline_correct: int
    weights: Weights = UNFILTERED

    @property
    def accuracy(self) -> float:
        """The model's top-1 accuracy on this fold."""
        return self.correct / self.predictions if self.predictions else 0.0

    @property
    def baseline(self) -> float:
        """The baseline's top-1 accuracy on this fold."""
        return self.baseline_correct / self.predictions if self.predictions else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"fold": self.fold, "train": self.train, "tested": self.tested,
                "predictions": self.predictions, "correct": self.correct,
                "baseline_correct": self.baseline_correct,
                "accuracy": round(self.accuracy, 6), "baseline": round(self.baseline, 6),
                "weights": self.weights.to_dict()}


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Accuracy over the folds, unfiltered or restricted to possible values."""

    filtered: bool
    folds: tuple[FoldAccuracy, ...]

    @property
    def accuracy(self) -> float:
        """The model's accuracy, averaged over the folds."""
        return float(np.mean([f.accuracy for f in self.folds])) if self.folds else 0.0

    @property
    def baseline(self) -> float:
        """The baseline's accuracy, averaged over the folds."""
        return float(np.mean([f.baseline for f in self.folds])) if self.folds else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"filtered": self.filtered, "accuracy": round(self.accuracy, 6),
                "baseline": round(self.baseline, 6),
                "predictions": sum(f.predictions for f in self.folds),
                "folds": [f.to_dict() for f in self.folds]}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The held-out evaluation: its settings and the accuracy without and (when a filter was
    given) with the constraints. ``inner`` is the number of training folds the weights were
    chosen on (0: not tuned, the defaults were used)."""

    source: str
    seed: int
    alpha: float
    inner: int
    unfiltered: Accuracy
    filtered: Accuracy | None
    filter_sample: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"source": self.source, "seed": self.seed, "alpha": self.alpha,
                "inner": self.inner, "filter_sample": self.filter_sample,
                "unfiltered": self.unfiltered.to_dict(),
                "filtered": None if self.filtered is None else self.filtered.to_dict()}


class _Walks:
    """Each sale's walk: its modules in a random order seeded by the sale's row, and with a
    filter the values possible at each step, computed once per sale."""

    def __init__(self, history: SalesHistory, seed: int, candidates: CandidateFilter | None
                 ) -> None:
        self.history = history
        self.seed = seed
        self.candidates = candidates
        self.possible: dict[int, list[Step]] = {}

    def steps(self, row: int, filtered: bool) -> list[Step]:
        order = list(self.history.modules)
        random.Random(self.seed * 1_000_003 + row).shuffle(order)
        if not filtered or self.candidates is None:
            return [(module, None) for module in order]
        found = self.possible.get(row)
        if found is None:
            sale, candidates = self.history.sales[row], self.candidates
            candidates.start()
            found = []
            for module in order:
                found.append((module, candidates.possible(module)))
                candidates.choose(module, value_key(sale.configuration.get(module)))
            self.possible[row] = found
        return found


def _pick(values: tuple[str, ...], scores: np.ndarray, possible: frozenset[str] | None
          ) -> list[str]:
    """The best value of each row of ``scores`` among the possible ones (ties: the value
    sold most), or the first possible value when no value sold is possible."""
    if possible is None:
        return [values[j] for j in np.argmax(scores, axis=-1)]
    mask = np.array([v in possible for v in values], dtype=bool)
    if not mask.any():
        return [sorted(possible)[0] if possible else ""] * len(scores)
    return [values[j] for j in np.argmax(np.where(mask, scores, -1.0), axis=-1)]


def _score(model: DemandModel, rows: Sequence[int], walks: _Walks, filtered: bool,
           grid: Sequence[Weights]) -> tuple[np.ndarray, int, int]:
    """Right answers per weight of ``grid``, predictions, and right answers of the baseline
    over the walks of ``rows`` (what :meth:`Context.recommend` would answer)."""
    from .recommend import smoothed

    evidence = np.array([w.evidence for w in grid])[:, None]
    prior = np.array([w.prior for w in grid])[:, None]
    right = np.zeros(len(grid), dtype=np.int64)
    predictions = base = 0
    for row in rows:
        sale = walks.history.sales[row]
        context = model.context()
        for module, possible in walks.steps(row, filtered):
            target = model.index[module]
            values = model.values[target]
            truth = value_key(sale.configuration.get(module))
            marginal = model.counts[target][None, :]
            if context.rows is None:
                scores = np.repeat(marginal, len(grid), axis=0)
            else:
                scores = smoothed(model.log_prior[target], context.log_likelihood(module),
                                  context.matches(module), evidence, prior)
            right += np.array([g == truth for g in _pick(values, scores, possible)])
            base += _pick(values, marginal, possible)[0] == truth
            predictions += 1
            context.choose(module, sale.configuration.get(module))
    return right, predictions, base


def _sample(folds: Sequence[int], fold: int, size: int | None, seed: int) -> list[int]:
    """The rows of ``fold``, or a sample of ``size`` of them seeded by the fold."""
    rows = [i for i, f in enumerate(folds) if f == fold]
    if size is not None and size < len(rows):
        rows = sorted(random.Random(seed + fold).sample(rows, size))
    return rows


def _model(history: SalesHistory, folds: Sequence[int], left_out: set[int], alpha: float,
           **weights: Weights) -> DemandModel:
    train = [s for s, f in zip(history.sales, folds, strict=True) if f not in left_out]
    return DemandModel(train, history.modules, alpha=alpha, **weights)


def _tune(history: SalesHistory, folds: Sequence[int], fold: int, walks: _Walks, *,
          filtered: bool, inner: int, size: int | None, alpha: float) -> Weights:
    """The weights of :data:`GRID` right most often on ``inner`` training folds (the ones
    after ``fold``), each walked by a model that learned from the other training folds."""
    others = sorted(set(folds) - {fold})
    start = next((k for k, f in enumerate(others) if f > fold), 0)
    chosen = [others[(start + k) % len(others)] for k in range(min(inner, len(others) - 1))]
    right = np.zeros(len(GRID), dtype=np.int64)
    for j in chosen:
        model = _model(history, folds, {fold, j}, alpha)
        right += _score(model, _sample(folds, j, size, walks.seed), walks, filtered, GRID)[0]
    if not chosen:
        return FILTERED if filtered else UNFILTERED
    return GRID[int(np.argmax(right))]


def _accuracy(history: SalesHistory, folds: Sequence[int], walks: _Walks, *, filtered: bool,
              alpha: float, only: Sequence[int] | None, sample: int | None, inner: int,
              tune_sample: int) -> Accuracy:
    out = []
    size = tune_sample if sample is None else min(sample, tune_sample)
    for fold in sorted(set(folds)) if only is None else only:
        tested = _sample(folds, fold, sample, walks.seed)
        weights = _tune(history, folds, fold, walks, filtered=filtered, inner=inner,
                        size=size, alpha=alpha) if inner else \
            (FILTERED if filtered else UNFILTERED)
        model = _model(history, folds, {fold}, alpha)
        right, n, base = _score(model, tested, walks, filtered, (weights,))
        train = sum(f != fold for f in folds)
        out.append(FoldAccuracy(fold, train, len(tested), n, int(right[0]), base, weights))
    return Accuracy(filtered, tuple(out))


def evaluate(history: SalesHistory, folds: Sequence[int], *, seed: int = 0,
             alpha: float = 1.0, only_folds: Sequence[int] | None = None,
             sample: int | None = None, candidates: CandidateFilter | None = None,
             filter_sample: int | None = 100, inner: int = 3, tune_sample: int = 200
             ) -> Evaluation:
    """Cross-validated top-1 accuracy of the recommended values against the most-frequent-
    value baseline. ``only_folds`` tests some folds only; ``sample`` tests a seeded sample of
    that many sales per fold (all by default). With ``candidates``, the evaluation is run
    again restricted to possible values, on ``filter_sample`` sales per fold (None: all).
    Each fold's weights are chosen on ``inner`` of its training folds, ``tune_sample`` sales
    of each (the filtered sample size when filtering); ``inner=0`` uses the defaults."""
    if len(folds) != len(history.sales):
        raise ValueError(f"{len(folds)} folds for {len(history.sales)} sales")
    if len(set(folds)) < 2:
        raise ValueError("cross-validation needs at least two folds")
    if only_folds is not None and not set(only_folds) <= set(folds):
        raise ValueError(f"no sale is in fold {sorted(set(only_folds) - set(folds))[0]}")
    if inner < 0 or tune_sample < 1:
        raise ValueError(f"inner must be 0 or more and tune_sample 1 or more, not {inner} "
                         f"and {tune_sample}")
    walks = _Walks(history, seed, candidates)
    common: dict[str, Any] = {"alpha": alpha, "only": only_folds, "inner": inner}
    plain = _accuracy(history, folds, walks, filtered=False, sample=sample,
                      tune_sample=tune_sample, **common)
    filtered = None
    if candidates is not None:
        size = filter_sample if sample is None or filter_sample is None else min(
            sample, filter_sample)
        filtered = _accuracy(history, folds, walks, filtered=True, sample=size,
                             tune_sample=size or tune_sample, **common)
    return Evaluation(history.source, seed, alpha, inner, plain, filtered,
                      filter_sample if candidates is not None else None)
