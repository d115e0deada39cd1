"""The demand report of a sales history: option popularity, co-occurrence (lift),
volatility per option, and recommended defaults.

Counts are in units sold (a sale's quantity). Every figure is a pure function of a
:class:`~configurator.demand.sales.SalesHistory`; a catalog, when given, only restricts the
recommended defaults to values that are possible.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .recommend import NONE, DemandModel, Recommendation, SessionFilter
from .sales import SalesHistory

if TYPE_CHECKING:
    from ..catalog.model import Catalog

__all__ = ["DefaultAdvice", "DemandReport", "ModulePopularity", "OptionPair", "OptionShare",
           "OptionVolatility", "Periods", "demand_report", "periods_of"]

PERIODS = ("week", "month")


@dataclass(frozen=True, slots=True)
class OptionShare:
    """An option's units sold and its share of the module's units."""

    option: str
    units: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"option": self.option, "units": self.units, "share": round(self.share, 6)}


@dataclass(frozen=True, slots=True)
class ModulePopularity:
    """A module's options by units sold, most popular first; shares add up to 1 (an empty
    option id counts the sales that chose nothing)."""

    module: str
    units: int
    options: tuple[OptionShare, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"module": self.module, "units": self.units,
                "options": [o.to_dict() for o in self.options]}


@dataclass(frozen=True, slots=True)
class OptionPair:
    """Two options of different modules bought together: the units with both, the support
    (their share of all units) and the lift ``P(a and b) / (P(a) P(b))``: above 1 they go
    together more often than chance, below 1 less."""

    a: str
    b: str
    units: int
    support: float
    lift: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"a": self.a, "b": self.b, "units": self.units,
                "support": round(self.support, 6), "lift": round(self.lift, 6)}


@dataclass(frozen=True, slots=True)
class Periods:
    """How sales were put into periods: ``kind`` is week, month or rows (no dates: the rows
    split into ``len(labels)`` equal runs, assuming row order is time order)."""

    kind: str
    labels: tuple[str, ...]
    assumption: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"kind": self.kind, "labels": list(self.labels), "assumption": self.assumption}


@dataclass(frozen=True, slots=True)
class OptionVolatility:
    """Units of an option (``module=option``) per period, their mean and standard deviation
    (sample, over every period including those with no sale) and coefficient of variation
    (sd / mean)."""

    option: str
    demand: tuple[int, ...]
    mean: float
    sd: float
    cv: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"option": self.option, "demand": list(self.demand), "mean": round(self.mean, 6),
                "sd": round(self.sd, 6), "cv": round(self.cv, 6)}


@dataclass(frozen=True, slots=True)
class DefaultAdvice:
    """The recommended default of a module with nothing else chosen, and the catalog's own
    default when a catalog was given (``differs`` when they are not the same)."""

    recommendation: Recommendation
    catalog_default: str | None = None

    @property
    def differs(self) -> bool:
        """Whether the catalog's default is not the recommended one."""
        return self.catalog_default is not None and \
            self.catalog_default != self.recommendation.value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**self.recommendation.to_dict(), "catalog_default": self.catalog_default,
                "differs": self.differs}


@dataclass(frozen=True, slots=True)
class DemandReport:
    """The demand report of one sales history. ``volatility`` ranks, by coefficient of
    variation, the options selling at least ``min_mean`` units per period on average (a cv
    of an option sold once or twice says nothing); ``low_volume`` holds the others, by units
    sold."""

    source: str
    format: str
    sales: int
    units: int
    popularity: tuple[ModulePopularity, ...]
    pairs: tuple[OptionPair, ...]
    periods: Periods | None
    volatility: tuple[OptionVolatility, ...]
    defaults: tuple[DefaultAdvice, ...]
    notes: tuple[str, ...] = ()
    min_mean: float = 1.0
    low_volume: tuple[OptionVolatility, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"source": self.source, "format": self.format, "sales": self.sales,
                "units": self.units, "popularity": [p.to_dict() for p in self.popularity],
                "pairs": [p.to_dict() for p in self.pairs],
                "periods": None if self.periods is None else self.periods.to_dict(),
                "min_mean": self.min_mean,
                "volatility": [v.to_dict() for v in self.volatility],
                "low_volume": [v.to_dict() for v in self.low_volume],
                "defaults": [d.to_dict() for d in self.defaults], "notes": list(self.notes)}


def _label(day: dt.date, kind: str) -> str:
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return f"{day.year:04d}-{day.month:02d}"


def periods_of(history: SalesHistory, period: str = "month", count: int | None = None
               ) -> tuple[Periods, tuple[int, ...]]:
    """The periods of a history and the period index of each sale: calendar weeks or months
    of the order dates (every period from the first to the last, empty ones included), or,
    with ``count``, ``count`` consecutive runs of rows of (almost) equal size. Raises
    ValueError when the history has no dates and no ``count`` is given."""
    n = len(history.sales)
    if count is not None:
        if not 1 <= count <= max(n, 1):
            raise ValueError(f"periods must be between 1 and the number of sales ({n}), "
                             f"not {count}")
        labels = tuple(f"P{k + 1}" for k in range(count))
        index = tuple(i * count // n for i in range(n))
        return Periods("rows", labels, f"row order taken as time order: {n} rows split into "
                       f"{count} consecutive periods of about {n / count:.0f} rows"), index
    if period not in PERIODS:
        raise ValueError(f"period must be week or month, not '{period}'")
    days = [s.ordered_day for s in history.sales]
    if not days or any(d is None for d in days):
        raise ValueError("the sales have no order dates: give a number of periods to split "
                         "the rows into")
    dated = [d for d in days if d is not None]
    step = dt.timedelta(days=7 if period == "week" else 1)
    labels_list: list[str] = []
    day = min(dated)
    while day <= max(dated):
        label = _label(day, period)
        if not labels_list or labels_list[-1] != label:
            labels_list.append(label)
        day += step
    if _label(max(dated), period) != labels_list[-1]:
        labels_list.append(_label(max(dated), period))
    where = {label: k for k, label in enumerate(labels_list)}
    return Periods(period, tuple(labels_list)), tuple(where[_label(d, period)] for d in dated)


def _popularity(history: SalesHistory) -> tuple[ModulePopularity, ...]:
    out = []
    for module in history.modules:
        units: dict[str, int] = {}
        for sale in history.sales:
            for option in sale.options(module) or (NONE,):
                units[option] = units.get(option, 0) + sale.quantity
        total = sum(units.values())
        ranked = sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(ModulePopularity(module, total, tuple(
            OptionShare(o, u, u / total) for o, u in ranked)))
    return tuple(out)


def _option_matrix(history: SalesHistory) -> tuple[list[str], list[str], np.ndarray]:
    """The chosen options as ``module=option`` columns, their modules, and a 0/1 matrix of
    sales by options."""
    names: dict[str, int] = {}
    modules: list[str] = []
    cells: list[tuple[int, int]] = []
    for row, sale in enumerate(history.sales):
        for module in history.modules:
            for option in sale.options(module):
                name = f"{module}={option}"
                if name not in names:
                    names[name] = len(names)
                    modules.append(module)
                cells.append((row, names[name]))
    matrix = np.zeros((len(history.sales), len(names)))
    if cells:
        rows, cols = zip(*cells, strict=True)
        matrix[list(rows), list(cols)] = 1.0
    return list(names), modules, matrix


def _pairs(history: SalesHistory, top: int, min_support: float) -> tuple[OptionPair, ...]:
    names, modules, matrix = _option_matrix(history)
    weights = np.array([s.quantity for s in history.sales], dtype=float)
    total = float(weights.sum())
    if not names or total == 0:
        return ()
    joint = matrix.T @ (matrix * weights[:, None])
    single = np.diag(joint).copy()
    out = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            both = joint[i, j]
            if modules[i] == modules[j] or both <= 0 or both / total < min_support:
                continue
            lift = both * total / (single[i] * single[j])
            a, b = sorted((names[i], names[j]))
            out.append(OptionPair(a, b, int(both), float(both / total), float(lift)))
    out.sort(key=lambda p: (-p.lift, -p.units, p.a, p.b))
    return tuple(out[:top])


def _volatility(history: SalesHistory, index: Sequence[int], count: int, min_mean: float
                ) -> tuple[tuple[OptionVolatility, ...], tuple[OptionVolatility, ...]]:
    demand: dict[str, list[int]] = {}
    for sale, k in zip(history.sales, index, strict=True):
        for module in history.modules:
            for option in sale.options(module):
                demand.setdefault(f"{module}={option}", [0] * count)[k] += sale.quantity
    out = []
    for option, series in demand.items():
        mean = statistics.fmean(series)
        sd = statistics.stdev(series) if len(series) > 1 else 0.0
        out.append(OptionVolatility(option, tuple(series), mean, sd, sd / mean))
    ranked = sorted((v for v in out if v.mean >= min_mean), key=lambda v: (-v.cv, v.option))
    low = sorted((v for v in out if v.mean < min_mean), key=lambda v: (-sum(v.demand), v.option))
    return tuple(ranked), tuple(low)


def _defaults(history: SalesHistory, model: DemandModel, catalog: Catalog | None
              ) -> tuple[DefaultAdvice, ...]:
    candidates = SessionFilter(catalog) if catalog is not None else None
    out = []
    try:
        context = model.context()
        for module in history.modules:
            possible = None if candidates is None else candidates.possible(module)
            found = None if catalog is None else catalog.get_module(module)
            default = None
            if found is not None and found.kind == "single":
                default = next((o.id for o in found.options if o.default), None)
            elif found is not None and found.kind == "integer" and \
                    found.default_value is not None:
                default = str(found.default_value)
            out.append(DefaultAdvice(context.recommend(module, possible), default))
    finally:
        if candidates is not None:
            candidates.close()
    return tuple(out)


def demand_report(history: SalesHistory, *, catalog: Catalog | None = None,
                  period: str = "month", periods: int | None = None, top: int = 10,
                  min_support: float = 0.01, alpha: float = 1.0,
                  min_mean: float = 1.0) -> DemandReport:
    """The demand report: popularity per module, the ``top`` option pairs by lift (with at
    least ``min_support`` of the units), volatility per option per ``period`` (week or month
    of the order dates, or ``periods`` runs of rows; ranked among the options selling at
    least ``min_mean`` units per period on average), and each module's recommended default
    (restricted to possible values when ``catalog`` is given)."""
    if top < 1:
        raise ValueError(f"top must be at least 1, not {top}")
    if not 0 <= min_support <= 1:
        raise ValueError(f"min_support must be between 0 and 1, not {min_support}")
    if not min_mean >= 0:
        raise ValueError(f"min_mean must be 0 or more, not {min_mean}")
    notes: list[str] = []
    span: Periods | None = None
    volatility: tuple[OptionVolatility, ...] = ()
    low: tuple[OptionVolatility, ...] = ()
    if periods is not None or history.dated:
        span, index = periods_of(history, period, periods)
        volatility, low = _volatility(history, index, len(span.labels), min_mean)
        if span.assumption:
            notes.append(span.assumption)
    else:
        notes.append("no order dates: volatility needs a number of periods to split the rows "
                     "into (periods=N)")
    model = DemandModel(history.sales, history.modules, alpha=alpha)
    return DemandReport(
        history.source, history.format, len(history.sales),
        sum(s.quantity for s in history.sales), _popularity(history),
        _pairs(history, top, min_support), span, volatility,
        _defaults(history, model, catalog), tuple(notes), min_mean, low)

