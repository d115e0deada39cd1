"""Trade-offs: what another choice does to the date and the price.

For every module, each alternative (another option; adding or dropping one option of a
multi-select module; the neighbouring values of an integer module) is planned again with the
same supply and capacity. When the change alone breaks a rule, the other modules adjust: the
nearest valid configuration (fewest other modules changed, catalog defaults breaking ties),
and the trade-off says what else changes.
Also: other carriers, and, for more than one unit, shipping part of the order earlier.
Dates compare the plans (median lead times), so a trade-off is "N working days earlier".
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..bom import BomError, explode
from ..catalog.model import Catalog, Module
from ..choices import SelectionValue
from ..engine.base import Costs
from ..engine.model import Model
from ..neighbours import alternatives, broken, broken_after
from ..pricing import PriceError, price
from ..values import FrozenMap
from .atp import SupplyError
from .calendar import WorkCalendar
from .capacity import CapacityError
from .promise import plan
from .providers import CapacityProvider, SupplyProvider
from .shipping import carriers_for, pick_carrier

if TYPE_CHECKING:
    from .quote import Quote, TradeOff

__all__ = ["nearest_configuration", "trade_offs"]

#: Alternatives that need more than one other module to change are completed by MaxSAT (the
#: nearest valid configuration); at most this many per analysis, as each costs a solver run.
MAX_SOLVER_ADJUSTMENTS = 4
#: At most this many part-shipment sizes are tried for a split.
MAX_SPLIT_TRIES = 20


@dataclass(frozen=True)
class _Nearest:
    """Complete to the configuration closest to ``values``: fewest variables changed."""

    values: Mapping[str, SelectionValue]
    name: str = field(default="nearest")

    def costs(self, model: Model) -> Costs:
        from ..session import DEFAULT, _scaled

        changed: dict[str, dict[Any, int]] = {}
        for variable in model.variables:
            current = self.values[variable.module]
            if variable.option is not None:  # an option of a multi-select module
                chosen = isinstance(current, tuple) and variable.option in current
                changed[variable.name] = {chosen: 0, not chosen: 1}
            else:
                changed[variable.name] = {v: int(v != current) for v in variable.domain}
        defaults = DEFAULT.costs(model)
        worst = sum(max(v.values()) for v in defaults.values()) + 1
        return _scaled(changed, worst, defaults)


def _one_more_change(catalog: Catalog, values: Mapping[str, SelectionValue], changed: str,
                     keep: Mapping[str, Any]) -> Mapping[str, SelectionValue] | None:
    """The first valid configuration that also changes one other module (not the customer's),
    in catalog order; None when one more change is not enough."""
    from .quote import _model

    model = _model(catalog)
    before = broken(model, values)
    for module in catalog.modules:
        if module.id == changed or module.id in keep:
            continue
        for value in alternatives(module, values[module.id]):
            if not broken_after(model, values, before, module.id, value):
                return FrozenMap({**values, module.id: value})
    return None


def _adjusted(session: Any, nearest: _Nearest, module: Module, value: SelectionValue,
              before: SelectionValue, keep: Mapping[str, SelectionValue]
              ) -> Mapping[str, SelectionValue] | None:
    """The nearest valid configuration with ``module`` changed to ``value`` and the modules in
    ``keep`` (the customer's choices) as they are."""
    from ..choices import choices_of
    from ..session import ConflictError

    session.clear()
    session.select_all(choices_of(session.catalog.module_map,
                                  {m: v for m, v in keep.items() if m != module.id}))
    if module.kind == "multi":
        now = value if isinstance(value, tuple) else ()
        was = before if isinstance(before, tuple) else ()
        for option in now:
            session.select(module.id, option)
        for option in was:
            if option not in now:
                session.exclude(module.id, option)
    else:
        session.select(module.id, value)
    try:
        return session.complete(nearest).values  # type: ignore[no-any-return]
    except ConflictError:
        return None


def nearest_configuration(catalog: Catalog, values: Mapping[str, SelectionValue],
                          selection: Mapping[str, Any]) -> FrozenMap[str, SelectionValue] | None:
    """The valid configuration nearest to ``values`` (fewest modules changed, then catalog
    defaults) that keeps ``selection`` (the selection-file form, e.g. a customer's change to
    an order); None when the selection itself cannot be kept."""
    from ..choices import choices_of
    from ..session import ConflictError, pooled_session
    from .quote import _model

    with pooled_session(catalog, model=_model(catalog)) as session:
        session.select_all(choices_of(catalog.module_map, selection))
        try:
            return session.complete(_Nearest(values)).values
        except ConflictError:
            return None


def _pinned(module: Module, value: SelectionValue) -> Any:
    """A value as a selection that fixes the module exactly."""
    if module.kind == "multi":
        chosen = value if isinstance(value, tuple) else ()
        return [*chosen, *(f"-{o.id}" for o in module.options if o.id not in chosen)]
    return value


def _describe(module: Module, value: SelectionValue, before: SelectionValue,
              language: str) -> str:
    """A change as a customer reads it: the module's and options' labels."""
    def shown(v: SelectionValue) -> str:
        if v is None:
            return "none"
        if isinstance(v, int):
            return module.quantity_text(v)
        option = module.option(str(v))
        return option.label.text(language) if option else str(v)

    name = module.label.text(language)
    if module.kind == "multi":
        now = value if isinstance(value, tuple) else ()
        was = before if isinstance(before, tuple) else ()
        added = [o for o in now if o not in was]
        if added:
            return f"{name}: add {shown(added[0])}"
        return f"{name}: drop {shown([o for o in was if o not in now][0])}"
    return f"{name}: {shown(value)} instead of {shown(before)}"


def trade_offs(catalog: Catalog, base: Quote, calendar: WorkCalendar, supply: SupplyProvider,
               capacity: CapacityProvider) -> tuple[TradeOff, ...]:
    """Every trade-off of ``base``: faster first, then cheaper."""
    from .quote import TradeOff, broken_rules

    at, qty = base.placed, base.qty
    planned = base.plan.delivered
    total = base.price.total
    currency = catalog.currency
    language = catalog.languages[0]
    out: list[TradeOff] = []

    def days_earlier(delivered: Any) -> int:
        return int(calendar.working_days_between(delivered, planned))

    def describe(change: str, days: int, delta: Decimal) -> str:
        when = (f"ships {days} working day{'s' * (days != 1)} earlier" if days > 0 else
                f"ships {-days} working day{'s' * (days != -1)} later" if days < 0 else
                "same date")
        money = f"{'+' if delta >= 0 else '-'}{currency} {abs(delta):,}"
        return f"{change}: {money}, {when}"

    session: Any = None
    solver_calls = 0
    nearest = _Nearest(base.configuration)
    keep = {m: _pinned(catalog.module(m), base.configuration[m]) for m in base.chosen}
    with contextlib.ExitStack() as stack:
        for module in catalog.modules:
            current = base.configuration[module.id]
            for value in alternatives(module, current):
                values: Mapping[str, SelectionValue] | None = FrozenMap(
                    {**base.configuration, module.id: value})
                assert values is not None
                also = ""
                others: list[str] = []
                if broken_rules(catalog, values):
                    values = _one_more_change(catalog, values, module.id, keep)
                    if values is None and solver_calls < MAX_SOLVER_ADJUSTMENTS:
                        solver_calls += 1
                        if session is None:
                            from ..session import pooled_session
                            from .quote import _model

                            session = stack.enter_context(
                                pooled_session(catalog, model=_model(catalog)))
                        values = _adjusted(session, nearest, module, value, current, keep)
                    if values is None:
                        continue
                    others = [m for m, v in values.items()
                              if m != module.id and v != base.configuration[m]]
                    also = (" (also changes " + ", ".join(
                        catalog.module(m).label.text(language) for m in others) + ")"
                            if others else "")
                try:
                    other = plan(explode(catalog, values, qty), calendar, supply, capacity, at,
                                 pick_carrier(catalog, values, calendar.plant,
                                              base.plan.carrier))
                    delta = price(catalog, values, qty).total - total
                except (BomError, PriceError, SupplyError, CapacityError):
                    continue
                days = days_earlier(other.delivered)
                if days == 0 and delta == 0:
                    continue
                change = _describe(module, value, current, language) + also
                out.append(TradeOff("option", module.id, value, current, days,
                                    other.delivered, delta, describe(change, days, delta),
                                    tuple(others)))
    # no price change, written to the currency's minor unit like every other amount
    unchanged = base.price.total - base.price.total
    for carrier in carriers_for(catalog, base.configuration, calendar.plant)[0]:
        if carrier.id == base.plan.carrier.id:
            continue
        shipped = calendar.next_pickup(carrier, base.plan.ready)
        delivered = calendar.delivered_on(carrier, shipped)
        days = days_earlier(delivered)
        if days != 0:
            out.append(TradeOff("carrier", None, carrier.id, base.plan.carrier.id, days,
                                delivered, unchanged,
                                describe(f"ship with {carrier.name.text(language)} instead of "
                                         f"{base.plan.carrier.name.text(language)}", days,
                                         unchanged)))
    for part_qty in range(qty - 1, max(0, qty - 1 - MAX_SPLIT_TRIES), -1):
        try:
            first = plan(explode(catalog, base.configuration, part_qty), calendar, supply,
                         capacity, at, base.plan.carrier)
        except (BomError, SupplyError, CapacityError):
            break
        days = days_earlier(first.delivered)
        if days > 0:
            out.append(TradeOff(
                "split", None, part_qty, qty, days, first.delivered, unchanged,
                f"split the order: {part_qty} of {qty} ship {days} working day"
                f"{'s' * (days != 1)} earlier ({first.delivered.isoformat()}), the other "
                f"{qty - part_qty} on {planned.isoformat()}"))
            break
    out.sort(key=lambda t: (-t.days, t.price_delta))
    return tuple(out)
