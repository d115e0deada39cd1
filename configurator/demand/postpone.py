"""Postponement: which purchased parts to stock and which to buy to order.

Option demand becomes part demand through the BOM (each sold configuration exploded with
:func:`configurator.bom.explode`). Per purchased part the rule is (``docs/demand.md``):

1. *exposure* = purchase lead time (the sourcing's median lead time plus the supplier's
   response days) + assembly time after the part arrives (the configuration's routing minutes
   at one 8-hour working day per 480 minutes, rounded up; the longest over the sales that use
   the part);
2. *target* = the shortest promise target (plant service level, or the ``target_days``
   argument) over the segments of the sales that use the part;
3. exposure > target: the part **must be stocked**; its safety stock is
   ``z * sd * sqrt(lead time in periods)`` (z from the service level's confidence), held at
   ``holding_rate`` of its unit cost per year;
4. otherwise it can be **bought to order** (postponed), unless it is steady (coefficient of
   variation at most ``steady_cv``) and cheap to hold (that safety stock costs at most
   ``cheap_holding`` a year): then stocking it costs little and shortens every promise.

Every figure behind a decision is in the result, so a planner can check it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from .recommend import SessionFilter, value_key
from .report import Periods, periods_of
from .sales import Sale, SalesHistory

if TYPE_CHECKING:
    from ..catalog.model import Catalog
    from ..plant import Plant
    from ..supply import Supply

__all__ = ["PartAdvice", "PostponementReport", "postponement"]

#: Working days in a period, for lead times in periods.
PERIOD_DAYS = {"week": 5, "month": 21}
#: Assembly minutes per working day (one 8-hour shift).
MINUTES_PER_DAY = 480
_CENT = Decimal("0.01")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(_CENT, ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class PartAdvice:
    """The decision for one purchased part and the numbers behind it.

    ``decision`` is ``stock``, ``buy-to-order`` or ``unknown`` (no sourcing). Demand figures
    are units per period; lead times are working days.
    """

    part: str
    decision: str
    reason: str
    units: Decimal
    mean: float
    sd: float
    cv: float | None
    lead_time_days: Decimal | None
    assembly_days: int
    exposure_days: Decimal | None
    target_days: int | None
    segment: str
    z: float
    safety_stock: int
    unit_cost: Decimal | None
    holding_cost: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: money and quantities as strings."""
        return {"part": self.part, "decision": self.decision, "reason": self.reason,
                "units": str(self.units), "mean": round(self.mean, 6),
                "sd": round(self.sd, 6), "cv": None if self.cv is None else round(self.cv, 6),
                "lead_time_days": None if self.lead_time_days is None
                else str(self.lead_time_days),
                "assembly_days": self.assembly_days,
                "exposure_days": None if self.exposure_days is None
                else str(self.exposure_days),
                "target_days": self.target_days, "segment": self.segment,
                "z": round(self.z, 4), "safety_stock": self.safety_stock,
                "unit_cost": _money(self.unit_cost), "holding_cost": _money(self.holding_cost)}


@dataclass(frozen=True, slots=True)
class PostponementReport:
    """Stock or buy to order, per purchased part; ``skipped`` lists the sales that could not
    be exploded (order or row, reason); ``uncosted`` the parts with safety stock but no unit
    cost, whose holding cost is therefore blank (the supply format carries no part cost)."""

    periods: Periods
    period_days: int
    holding_rate: Decimal
    steady_cv: float
    cheap_holding: Decimal
    parts: tuple[PartAdvice, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    uncosted: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"periods": self.periods.to_dict(), "period_days": self.period_days,
                "holding_rate": str(self.holding_rate), "steady_cv": self.steady_cv,
                "cheap_holding": _money(self.cheap_holding),
                "parts": [p.to_dict() for p in self.parts],
                "skipped": [{"sale": s, "reason": r} for s, r in self.skipped],
                "uncosted": list(self.uncosted)}


@dataclass
class _Use:
    demand: list[Decimal]
    segments: set[str]
    assembly_days: int


def _explode_sales(history: SalesHistory, catalog: Catalog, count: int,
                   index: tuple[int, ...]) -> tuple[dict[str, _Use], list[tuple[str, str]]]:
    from ..bom import explode
    from ..quoting.quote import segment_of
    from ..session import ConflictError

    uses: dict[str, _Use] = {}
    skipped: list[tuple[str, str]] = []
    cache: dict[tuple[str, ...], Any] = {}
    candidates = SessionFilter(catalog)
    try:
        for row, (sale, k) in enumerate(zip(history.sales, index, strict=True)):
            key = tuple(value_key(sale.configuration.get(m)) for m in history.modules)
            if key not in cache:
                cache[key] = _one(sale, history, catalog, candidates, explode, segment_of,
                                  ConflictError)
            found = cache[key]
            if isinstance(found, str):
                skipped.append((sale.order or f"row {row + 1}", found))
                continue
            bom, segment = found
            days = math.ceil(sum(o.total_minutes for o in bom.operations_in_order())
                             / MINUTES_PER_DAY)
            for need in bom.purchased:
                use = uses.setdefault(need.part, _Use([Decimal(0)] * count, set(), 0))
                use.demand[k] += need.total * sale.quantity
                use.segments.add(segment)
                use.assembly_days = max(use.assembly_days, days)
    finally:
        candidates.close()
    return uses, skipped


def _one(sale: Sale, history: SalesHistory, catalog: Catalog, candidates: SessionFilter,
         explode: Any, segment_of: Any, conflict: type[Exception]) -> Any:
    """The BOM of one unit of a sale's configuration (completed with the catalog's defaults
    where the sale names no value) and its segment, or why there is none."""
    candidates.start()
    for module in history.modules:
        value = value_key(sale.configuration.get(module))
        why = candidates.unknown(module, value)
        if why is not None:
            return why
        candidates.choose(module, value)
    try:
        configuration = candidates.session.complete("default")
        return explode(catalog, configuration), segment_of(catalog, configuration.values)
    except (conflict, ValueError) as exc:
        return str(exc)


def _target(segments: set[str], plant: Plant | None,
            target_days: int | Mapping[str, int] | None) -> int | None:
    found = []
    for segment in segments:
        if isinstance(target_days, int):
            found.append(target_days)
        elif target_days is not None and segment in target_days:
            found.append(target_days[segment])
        elif plant is not None and segment in plant.service_levels:
            found.append(plant.service_levels[segment].target_days)
    return min(found) if found else None


def _z(segments: set[str], plant: Plant | None, service_level: float | None) -> float:
    if service_level is None:
        levels = [float(plant.service_levels[s].confidence) for s in segments
                  if plant is not None and s in plant.service_levels]
        service_level = max(levels) if levels else 0.95
    return statistics.NormalDist().inv_cdf(service_level)


def postponement(history: SalesHistory, catalog: Catalog, supply: Supply,
                 plant: Plant | None = None, *, period: str = "month",
                 periods: int | None = None, period_days: int | None = None,
                 target_days: int | Mapping[str, int] | None = None,
                 holding_rate: Decimal = Decimal("0.25"),
                 unit_costs: Mapping[str, Decimal] | None = None,
                 service_level: float | None = None, steady_cv: float = 0.5,
                 cheap_holding: Decimal = Decimal(100)) -> PostponementReport:
    """Stock or buy to order, per purchased part of the sold configurations (see the module
    documentation for the rule). ``target_days`` (one number, or per segment) overrides the
    plant's service levels; ``unit_costs`` (part -> cost per unit) prices the safety stock;
    ``period_days`` is the working days of a period (default 5 for a week, 21 for a month
    or a run of rows)."""
    if not 0 < holding_rate <= 10:
        raise ValueError(f"holding rate must be a yearly fraction above 0, not {holding_rate}")
    if service_level is not None and not 0.5 <= service_level < 1:
        raise ValueError(f"service level must be at least 0.5 and below 1, not "
                         f"{service_level}")
    span, index = periods_of(history, period, periods)
    days = period_days or PERIOD_DAYS.get(span.kind, PERIOD_DAYS["month"])
    uses, skipped = _explode_sales(history, catalog, len(span.labels), index)
    costs = unit_costs or {}
    out = []
    for part, use in sorted(uses.items()):
        series = [float(d) for d in use.demand]
        mean = statistics.fmean(series)
        sd = statistics.stdev(series) if len(series) > 1 else 0.0
        cv = sd / mean if mean > 0 else None
        segment = "standard" if "standard" in use.segments else sorted(use.segments)[0]
        sourcing = supply.sourcing.get(part)
        target = _target(use.segments, plant, target_days)
        z = _z(use.segments, plant, service_level)
        cost = costs.get(part)
        if sourcing is None:
            out.append(PartAdvice(part, "unknown", "no sourcing in the supply data",
                                  sum(use.demand, Decimal(0)), mean, sd, cv, None,
                                  use.assembly_days, None, target, segment, z, 0, cost, None))
            continue
        supplier = supply.suppliers.get(sourcing.supplier)
        lead = sourcing.lead_time_days + (supplier.response_days if supplier else Decimal(0))
        exposure = lead + use.assembly_days
        safety = math.ceil(z * sd * math.sqrt(float(lead) / days) - 1e-9) if sd > 0 else 0
        holding = None if cost is None else (Decimal(safety) * cost * holding_rate)
        if target is None:
            decision, reason = "unknown", "no target lead time for its segments"
        elif exposure > target:
            decision = "stock"
            reason = (f"lead time {lead} + assembly {use.assembly_days} = {exposure} working "
                      f"days > target {target}")
        elif cv is not None and cv <= steady_cv and holding is not None and \
                holding <= cheap_holding:
            decision = "stock"
            reason = (f"fits the target ({exposure} <= {target} days) but steady (cv "
                      f"{cv:.2f} <= {steady_cv}) and cheap to hold ({_money(holding)} a year)")
        else:
            decision = "buy-to-order"
            reason = f"lead time {lead} + assembly {use.assembly_days} = {exposure} <= " \
                     f"target {target} working days"
        out.append(PartAdvice(part, decision, reason, sum(use.demand, Decimal(0)), mean, sd,
                              cv, lead, use.assembly_days, exposure, target, segment, z,
                              safety, cost, holding))
    order = {"stock": 0, "buy-to-order": 1, "unknown": 2}
    out.sort(key=lambda a: (order[a.decision], a.part))
    uncosted = tuple(a.part for a in out if a.safety_stock > 0 and a.unit_cost is None)
    return PostponementReport(span, days, holding_rate, steady_cv, cheap_holding, tuple(out),
                              tuple(skipped), uncosted)
