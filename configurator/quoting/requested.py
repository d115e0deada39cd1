"""Can we deliver by date D? If not, the fewest of the customer's choices to give up.

This is the engine's repair machinery with "delivered by D" as the consistency check: FastDiag
over the customer's choices (the most recent kept longest), where a set of choices "fits" when
its fastest completion (:func:`~configurator.quoting.fastest.fastest_configuration`) is planned
to arrive by D. The repair names the choices to give up and the configuration that then meets
the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..catalog.model import Catalog
from ..choices import Choice
from ..engine.explain import fastdiag
from ..engine.model import Model
from ..plant import Plant
from ..supply import Supply
from .providers import SupplyProvider

__all__ = ["DateRepair", "choices_of", "date_repair"]


@dataclass(frozen=True, slots=True)
class DateRepair:
    """Choices to give up so the date can be met, and the configuration that meets it."""

    give_up: tuple[Choice, ...]
    configuration: Any  # a session Configuration
    delivered: dt.date  # its planned delivery
    price_delta: Decimal

    def text(self, before: Any, currency: str) -> str:
        changes = []
        for module in dict.fromkeys(c.module for c in self.give_up):
            value = self.configuration.values[module]
            shown = ",".join(value) if isinstance(value, tuple) else str(value)
            old = before[module]
            was = ",".join(old) if isinstance(old, tuple) else str(old)
            changes.append(f"{module} {shown or 'none'} instead of {was or 'none'}")
        others = [m for m, v in self.configuration.values.items()
                  if v != before[m] and m not in {c.module for c in self.give_up}]
        sign = "+" if self.price_delta >= 0 else "-"
        out = (f"give up {', '.join(str(c) for c in self.give_up)}: "
               f"{'; '.join(changes)}")
        if others:
            out += f" (and then {', '.join(others)} change too)"
        return (out + f"; planned delivery {self.delivered.isoformat()}, "
                f"{sign}{currency} {abs(self.price_delta)}")

    def to_dict(self) -> dict[str, Any]:
        return {"give_up": [c.to_dict() for c in self.give_up],
                "configuration": self.configuration.to_dict(),
                "delivered": self.delivered.isoformat(),
                "price_delta": str(self.price_delta)}


def choices_of(catalog: Catalog, configuration: Any) -> tuple[Choice, ...]:
    """The customer's own choices in a configuration (its ``chosen`` modules), in order."""
    out: list[Choice] = []
    for module_id in getattr(configuration, "chosen", ()):
        module = catalog.module(module_id)
        value = configuration.values[module_id]
        if module.kind == "multi":
            chosen = value if isinstance(value, tuple) else ()
            out.extend(Choice(module_id, o) for o in chosen)
            out.extend(Choice(module_id, o.id, excluded=True) for o in module.options
                       if o.id not in chosen)
        else:
            out.append(Choice(module_id, value))
    return tuple(out)


def date_repair(catalog: Catalog, choices: Sequence[Choice], requested: dt.date, *,
                plant: Plant, supply: Supply | SupplyProvider, orders: Any = None,
                at: dt.datetime, qty: int = 1, model: Model | None = None,
                base_price: Decimal | None = None) -> DateRepair | None:
    """The preferred fewest ``choices`` to give up so that the rest can be delivered by
    ``requested``; None when even giving up every choice does not meet it (or nothing needs
    giving up)."""
    from ..bom import explode
    from ..engine.model import compile_model
    from ..pricing import price
    from ..session import pooled_session
    from .calendar import WorkCalendar
    from .fastest import fastest_configuration
    from .promise import plan
    from .providers import FileCapacity, FileSupply
    from .shipping import pick_carrier

    model = model or compile_model(catalog)
    calendar = WorkCalendar.of(plant)
    provider = FileSupply(supply, orders) if isinstance(supply, Supply) else supply
    capacity = FileCapacity(plant, orders)
    found: dict[frozenset[Choice], tuple[Any, dt.date] | None] = {}

    def fastest(kept: Sequence[Choice]) -> tuple[Any, dt.date] | None:
        key = frozenset(kept)
        if key not in found:
            with pooled_session(catalog, model=model) as session:
                session.select_all(kept)
                if not session.consistent():
                    found[key] = None
                else:
                    configuration = fastest_configuration(session, plant, supply,
                                                          orders=orders, at=at, qty=qty)
                    delivered = plan(explode(catalog, configuration, qty), calendar, provider,
                                     capacity, at, pick_carrier(catalog, configuration.values,
                                                                plant)).delivered
                    found[key] = (configuration, delivered)
        return found[key]

    def meets(kept: Sequence[Any]) -> bool:
        result = fastest(kept)
        return result is not None and result[1] <= requested

    diagnosis = fastdiag(list(choices), [], meets)
    if not diagnosis:
        return None
    kept = [c for c in choices if c not in diagnosis]
    result = fastest(kept)
    assert result is not None
    configuration, delivered = result
    delta = price(catalog, configuration, qty).total - (base_price or Decimal(0))
    return DateRepair(diagnosis, configuration, delivered, delta)
