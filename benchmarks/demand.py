"""Held-out accuracy of the recommended values on the Renault "medium" sales history
(issue 7, "Demand patterns").

Protocol: tests/data/real/config_medium_filtered.txt (8,252 sales of 44 variables) with its
10-fold split (index_csv_medium.txt). For each fold, learn from the other nine; walk each test
sale's variables in a random order (seed 0, per sale), predicting each one from the values
chosen so far. Top-1 accuracy over all predictions, averaged over the folds, beside the
most-frequent-value baseline computed the same way.

Then the same restricted to values consistent with the constraints (the catalog imported from
medium_domainsorted.xml): a solver call per step, so on a seeded sample of ``FILTER_SAMPLE``
sales per fold. Each fold's weights are chosen on three of its training folds (an inner split;
the test fold is never looked at). Target: the recommendations at least as good as the
baseline in both. ``BTO_BENCH_QUICK=1`` tests 100 sales per fold and filters 10 (indicative).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from configurator.demand import SessionFilter, evaluate, read_folds, read_sales
from configurator.importers import import_xcsp, write_catalog
from configurator.loading import load_catalog

REAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "real"
QUICK = os.environ.get("BTO_BENCH_QUICK") == "1"
FILTER_SAMPLE = 10 if QUICK else 100
SAMPLE = 100 if QUICK else None
SEED = 0


def _line(name: str, model: float, baseline: float, predictions: int) -> bool:
    ok = model >= baseline
    print(f"  {name:<34} {100 * model:>7.2f}%   baseline {100 * baseline:>6.2f}%   "
          f"{predictions:>7} predictions   {'ok' if ok else 'MISSED'}")
    return ok


def run() -> bool:
    """Print the accuracies; False when a recommendation is worse than its baseline."""
    history, problems = read_sales(REAL / "config_medium_filtered.txt")
    folds, more = read_folds(REAL / "index_csv_medium.txt", len(history.sales)) \
        if history else (None, [])
    if history is None or folds is None:
        for problem in problems + more:
            print(f"  {problem}")
        return False
    with tempfile.TemporaryDirectory() as folder:
        catalog = load_catalog(write_catalog(import_xcsp(REAL / "medium_domainsorted.xml"),
                                             Path(folder) / "medium"))
    candidates = SessionFilter(catalog)
    print(f"demand (issue 7): Renault medium, {len(history.sales)} sales x "
          f"{len(history.modules)} variables, {len(set(folds))} folds, seed {SEED}"
          + (" (quick, indicative)" if QUICK else ""))
    start = time.perf_counter()
    try:
        result = evaluate(history, folds, seed=SEED, sample=SAMPLE, candidates=candidates,
                          filter_sample=FILTER_SAMPLE)
    finally:
        candidates.close()
    plain = result.unfiltered
    ok = _line("all values (every sale)" if SAMPLE is None else f"all values ({SAMPLE}/fold)",
               plain.accuracy, plain.baseline, sum(f.predictions for f in plain.folds))
    if result.filtered is not None:
        f = result.filtered
        ok &= _line(f"possible values ({FILTER_SAMPLE} sales/fold)", f.accuracy, f.baseline,
                    sum(x.predictions for x in f.folds))
    for name, acc in (("all values", plain), ("possible values", result.filtered)):
        if acc is None:
            continue
        print(f"  per fold, {name} (model / baseline, weights evidence:prior):")
        print("    " + "  ".join(f"{x.fold}: {100 * x.accuracy:.2f}/{100 * x.baseline:.2f} "
                                 f"({x.weights.evidence:g}:{x.weights.prior:g})"
                                 for x in acc.folds[:5]))
        print("    " + "  ".join(f"{x.fold}: {100 * x.accuracy:.2f}/{100 * x.baseline:.2f} "
                                 f"({x.weights.evidence:g}:{x.weights.prior:g})"
                                 for x in acc.folds[5:]))
    print(f"  {time.perf_counter() - start:.1f} s")
    return ok
