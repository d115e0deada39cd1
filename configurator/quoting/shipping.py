"""Which carriers may ship a configuration (the catalog's ``shipping:`` rules)."""

from __future__ import annotations

from collections.abc import Mapping

from ..bom import ValuesView, evaluate_formula
from ..catalog.model import Catalog, ShippingRule
from ..choices import SelectionValue
from ..plant import Carrier, Plant
from ..problems import did_you_mean

__all__ = ["carriers_for", "pick_carrier"]


def carriers_for(catalog: Catalog, values: Mapping[str, SelectionValue], plant: Plant
                 ) -> tuple[tuple[Carrier, ...], ShippingRule | None]:
    """The carriers that may ship ``values``, the one to quote first, and the rule that says
    so (None: no rule matched, so every carrier of the plant, its default first)."""
    by_id = {c.id: c for c in plant.carriers}
    view = ValuesView(catalog, values)
    for rule in catalog.shipping:
        if rule.when is None or evaluate_formula(rule.when, view, "bool"):
            return tuple(by_id[c] for c in rule.carriers if c in by_id), rule
    default = plant.default_carrier
    rest = tuple(c for c in plant.carriers if c is not default)
    return ((default, *rest) if default else rest), None


def pick_carrier(catalog: Catalog, values: Mapping[str, SelectionValue], plant: Plant,
                 wanted: str | Carrier | None = None) -> Carrier:
    """The carrier to quote: ``wanted`` when it may ship the configuration, else the first
    allowed one. Raises ValueError when ``wanted`` may not, or none of the rule's carriers is
    in the plant."""
    allowed, rule = carriers_for(catalog, values, plant)
    if wanted is not None:
        wanted_id = wanted if isinstance(wanted, str) else wanted.id
        for carrier in allowed:
            if carrier.id == wanted_id:
                return carrier
        known = [c.id for c in plant.carriers]
        if isinstance(wanted, Carrier):  # a preference carried over: fall back quietly
            wanted = None
        elif wanted_id not in known:
            hint = did_you_mean(wanted_id, known)
            raise ValueError(f"plant '{plant.id}' has no carrier '{wanted_id}'"
                             + (f"; {hint}" if hint else f"; use one of {', '.join(known)}"))
        else:
            where = f" (shipping rule at {rule.source})" if rule and rule.source else ""
            raise ValueError(f"carrier '{wanted_id}' may not ship this configuration{where}; "
                             f"use one of {', '.join(c.id for c in allowed) or 'none'}")
    if not allowed:
        where = f" at {rule.source}" if rule and rule.source else ""
        raise ValueError(f"no carrier of plant '{plant.id}' may ship this configuration"
                         f"{where}; check the catalog's shipping rules and the plant's carriers")
    return allowed[0]
