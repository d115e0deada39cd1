"""The ``fastest`` completion objective: options whose parts are ready soonest.

A configuration's date waits for its slowest part, so "fastest" minimises the slowest lead
time first: each option is ranked by the lead time of the parts it brings into the BOM (the BOM
lines, at any depth, whose condition names it), and one option of a higher rank weighs more than
all options of lower ranks together. Ties go to the catalog defaults. Lead times come from the
same supply rules as the quote (stock, then purchase orders, then the supplier), for one unit,
from the order day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import expr as _expr
from ..catalog.model import BomLine, Catalog
from ..engine.base import Costs
from ..engine.model import Model
from ..plant import Plant
from ..supply import Supply
from .atp import SupplyError, allocate
from .calendar import WorkCalendar
from .providers import FileSupply, SupplyProvider

__all__ = ["Fastest", "fastest_configuration", "option_leads"]




def _lines(catalog: Catalog) -> Iterable[tuple[BomLine, frozenset[str]]]:
    """Every BOM line with the purchased parts it brings (a made or phantom part brings what
    is below it)."""

    def below(part_id: str, seen: frozenset[str]) -> frozenset[str]:
        part = catalog.parts.get(part_id)
        if part is None or part.type == "purchased":
            return frozenset((part_id,))
        if part_id in seen:
            return frozenset()
        out: set[str] = set()
        for line in part.bom:
            out |= below(line.part, seen | {part_id})
        return frozenset(out)

    stack: list[BomLine] = list(catalog.bom)
    for part in catalog.parts.values():
        stack.extend(part.bom)
    for line in stack:
        yield line, below(line.part, frozenset())


def option_leads(catalog: Catalog, supply: SupplyProvider, calendar: WorkCalendar,
                 day: dt.date) -> dict[tuple[str, str], int]:
    """Working days until the parts each ``(module, option)`` brings are ready (one unit)."""
    lead: dict[str, int] = {}

    def of(part: str) -> int:
        if part not in lead:
            try:
                ready = allocate([(part, Decimal(1), None)], supply, calendar, day)[0].day
                lead[part] = calendar.working_days_between(day, ready)
            except SupplyError:
                lead[part] = 10_000  # no supply at all: the slowest of everything
        return lead[part]

    out: dict[tuple[str, str], int] = {}
    for line, parts in _lines(catalog):
        if line.when is None or not parts:
            continue
        slowest = max(of(p) for p in parts)
        for module, option in _expr.names_used(line.when.ast):
            kind = catalog.module_kind(module)
            if kind is None or kind == "integer":
                continue
            # an attribute or a comparison names the module, not the option: any of its
            # options may bring the line
            for name in (option,) if option is not None else catalog.option_ids(module):
                key = (module, name)
                out[key] = max(out.get(key, 0), slowest)
    return out




@dataclass(frozen=True)
class Fastest:
    """An :class:`~configurator.session.Objective`: the slowest part as early as possible."""

    plant: Plant
    supply: Supply | SupplyProvider
    at: dt.datetime | None = None
    name: str = field(default="fastest")

    def costs(self, model: Model) -> Costs:
        from ..session import DEFAULT, _scaled

        calendar = WorkCalendar.of(self.plant)
        at = self.at or dt.datetime.now(calendar.zone)
        provider = FileSupply(self.supply) if isinstance(self.supply, Supply) else self.supply
        leads = option_leads(model.catalog, provider, calendar,
                             calendar.order_accepted(at).date())
        catalog = model.catalog
        raw: dict[str, dict[Any, int]] = {}
        for variable in model.variables:
            module = catalog.module(variable.module)
            if module.kind == "multi":
                raw[variable.name] = {True: leads.get((module.id, variable.option or ""), 0),
                                      False: 0}
            elif module.kind == "single":
                raw[variable.name] = {v: leads.get((module.id, v), 0) if isinstance(v, str)
                                      else 0 for v in variable.domain}
        ranks = {lead: rank for rank, lead in enumerate(sorted(
            {c for by in raw.values() for c in by.values()}))}
        base = len(raw) + 1  # one option of a higher rank outweighs all of lower ranks
        weighted = {name: {v: base ** ranks[c] - 1 for v, c in by.items()}
                    for name, by in raw.items()}
        defaults = DEFAULT.costs(model)
        worst = sum(max(v.values()) for v in defaults.values()) + 1
        return _scaled(weighted, worst, defaults)


def fastest_configuration(session: Any, plant: Plant, supply: Supply | SupplyProvider, *,
                          orders: Any = None, at: dt.datetime | None = None, qty: int = 1
                          ) -> Any:
    """A complete configuration that keeps the session's choices and is delivered soonest.

    Candidates: the catalog defaults, and the completion under :class:`Fastest`. Each is
    planned exactly (supply, capacity, calendar); then the earlier one is improved one module
    at a time (a module the user did not choose), taking the change that brings the planned
    date forward most (the cheaper of equals), until none does. Nothing changes from the
    defaults without making the date earlier, so it is never later than the default
    completion.
    """
    from ..bom import explode
    from ..neighbours import improve
    from ..pricing import price
    from ..session import Configuration
    from ..values import FrozenMap
    from .capacity import CapacityError
    from .promise import plan
    from .providers import FileCapacity
    from .shipping import pick_carrier

    catalog = session.catalog
    calendar = WorkCalendar.of(plant)
    at = at or dt.datetime.now(calendar.zone)
    provider = FileSupply(supply, orders) if isinstance(supply, Supply) else supply
    capacity = FileCapacity(plant, orders)

    def score(values: Any) -> tuple[dt.date, Any] | None:
        try:
            return (plan(explode(catalog, values, qty), calendar, provider, capacity, at,
                         pick_carrier(catalog, values, plant)).delivered,
                    price(catalog, values, qty).total)
        except (SupplyError, CapacityError, ValueError):
            return None

    best = session.complete("default")
    best_score = score(best.values)
    weighted = session.complete(Fastest(plant, supply, at))
    other = score(weighted.values)
    if other is not None and (best_score is None or other[0] < best_score[0]):
        best, best_score = weighted, other
    # only a strictly earlier date counts; among equals, the lower price
    values, _ = improve(session.model, best.values, score, lambda a, b: a[0] < b[0],
                        keep=session.selection)
    return Configuration(catalog.id, FrozenMap(values), "fastest", best.chosen)
