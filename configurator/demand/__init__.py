"""Demand patterns of a sales history (``bto demand``): option popularity, co-occurrence,
volatility, recommended defaults, postponement (stock or buy to order per part) and a
held-out accuracy evaluation of the recommendations.

Read a history with :func:`read_sales` (a ``bto-history`` CSV file or a whitespace sales
table), then :func:`demand_report`, :func:`postponement` or :func:`evaluate`.
"""

from __future__ import annotations

from .evaluate import GRID, Accuracy, Evaluation, FoldAccuracy, evaluate
from .postpone import PartAdvice, PostponementReport, postponement
from .recommend import (
    CandidateFilter,
    Context,
    DemandModel,
    Recommendation,
    SessionFilter,
    Weights,
)
from .report import (
    DefaultAdvice,
    DemandReport,
    ModulePopularity,
    OptionPair,
    OptionShare,
    OptionVolatility,
    Periods,
    demand_report,
    periods_of,
)
from .sales import (
    Sale,
    SalesHistory,
    history_of_records,
    load_sales,
    read_folds,
    read_sales,
)

__all__ = ["GRID", "Accuracy", "CandidateFilter", "Context", "DefaultAdvice",
           "DemandModel", "DemandReport", "Evaluation", "FoldAccuracy",
           "ModulePopularity", "OptionPair", "OptionShare", "OptionVolatility",
           "PartAdvice", "Periods", "PostponementReport", "Recommendation", "Sale",
           "SalesHistory", "SessionFilter", "Weights", "demand_report", "evaluate",
           "history_of_records", "load_sales", "periods_of", "postponement",
           "read_folds", "read_sales"]
