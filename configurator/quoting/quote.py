"""The quote: price, BOM, the promised date with milestones, what gates it, how sure it is,
the service-level check, and what would make it faster.

This is the library entry point for quoting (``configurator.quote``). Everything the quote
needs from the outside world comes in as arguments: a plant (calendar, shifts, work centres,
carriers, service levels), a supply provider (stock, purchase orders, sourcing), an order book
or capacity provider (what open orders hold), and the moment the order is placed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .._cache import DerivedCache
from ..bom import Bom, configuration_values, explode
from ..catalog.model import Catalog
from ..choices import SelectionValue
from ..engine.model import Model, compile_model
from ..orders import OrderBook
from ..plant import Carrier, Plant
from ..pricing import Price, price
from ..supply import Supply
from ..values import FrozenMap
from .atp import MaterialLine
from .buffers import BufferTable
from .calendar import WorkCalendar
from .capacity import Slot
from .promise import (
    Confidence,
    Gate,
    Milestone,
    Plan,
    ServiceCheck,
    plan,
    promise,
    service_check,
)
from .providers import CapacityProvider, FileCapacity, FileSupply, SupplyProvider
from .shipping import pick_carrier

__all__ = ["InvalidConfiguration", "Quote", "RequestedDate", "TradeOff", "quote", "segment_of"]


class InvalidConfiguration(ValueError):
    """The configuration breaks catalog rules; ``rules`` names them."""

    def __init__(self, rules: tuple[str, ...]) -> None:
        self.rules = rules
        super().__init__("the configuration breaks " + "; ".join(rules))


@dataclass(frozen=True, slots=True)
class TradeOff:
    """Another choice and what it does to the date and the price."""

    kind: str  # "option" | "carrier" | "split"
    module: str | None
    value: Any
    instead_of: Any
    days: int  # working days earlier (negative: later) than the quote
    delivered: dt.date
    price_delta: Decimal
    text: str
    #: other modules that change with it, to keep the configuration valid
    also: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        instead = list(self.instead_of) if isinstance(self.instead_of, tuple) \
            else self.instead_of
        return {"kind": self.kind, "module": self.module, "value": value,
                "instead_of": instead, "days_earlier": self.days,
                "delivered": self.delivered.isoformat(), "price_delta": str(self.price_delta),
                "also_changes": list(self.also), "text": self.text}


@dataclass(frozen=True, slots=True)
class RequestedDate:
    """Whether the order can be delivered by the customer's date, and what would do it."""

    day: dt.date
    met: bool  # the promised date is on or before it
    probability: Decimal  # that it is met as configured
    changes: tuple[TradeOff, ...] = ()  # single changes whose planned date meets it
    repair: Any = None  # a DateRepair: the customer's choices to give up to meet it
    repair_text: str | None = None

    @property
    def text(self) -> str:
        if self.met:
            return (f"{self.day.isoformat()} can be promised (on-time probability "
                    f"{self.probability * 100:.0f}%)")
        out = (f"{self.day.isoformat()} cannot be promised as configured (on-time probability "
               f"{self.probability * 100:.0f}%)")
        if self.changes:
            out += "; it can with: " + "; ".join(t.text for t in self.changes)
        if self.repair_text:
            out += ("; " if self.changes else "; it can if you ") + self.repair_text
        if not self.changes and not self.repair_text:
            out += "; no change of options or carrier meets it"
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "met": self.met,
                "probability": str(self.probability),
                "changes": [t.to_dict() for t in self.changes],
                "repair": self.repair.to_dict() if self.repair else None, "text": self.text}


@dataclass(frozen=True, slots=True)
class Quote:
    """A priced, dated configuration. Frozen; ``to_dict`` is JSON-ready."""

    catalog: str
    plant: str
    configuration: FrozenMap[str, SelectionValue]
    qty: int
    placed: dt.datetime
    segment: str
    price: Price
    bom: Bom
    plan: Plan = field(repr=False)
    confidence: Confidence
    service: ServiceCheck
    tradeoffs: tuple[TradeOff, ...] = ()
    requested: RequestedDate | None = None
    #: the modules the customer chose (the rest were completed); trade-offs keep them
    chosen: tuple[str, ...] = ()

    @property
    def accepted(self) -> dt.datetime:
        return self.plan.accepted

    @property
    def promised(self) -> dt.date:
        """The promised delivery date (met with the target confidence)."""
        return self.confidence.promised

    @property
    def milestones(self) -> tuple[Milestone, ...]:
        return self.plan.milestones()

    @property
    def gate(self) -> Gate:
        return self.plan.gate

    @property
    def materials(self) -> tuple[MaterialLine, ...]:
        return self.plan.materials

    @property
    def slots(self) -> tuple[Slot, ...]:
        return self.plan.slots

    @property
    def carrier(self) -> Carrier:
        return self.plan.carrier

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "bto-quote/1", "catalog": self.catalog, "plant": self.plant,
            "configuration": {k: list(v) if isinstance(v, tuple) else v
                              for k, v in self.configuration.items()},
            "chosen": list(self.chosen), "qty": self.qty, "placed": self.placed.isoformat(),
            "accepted": self.accepted.isoformat(), "segment": self.segment,
            "promised": self.promised.isoformat(), "carrier": self.carrier.id,
            "price": self.price.to_dict(),
            "milestones": [m.to_dict() for m in self.milestones],
            "gate": self.gate.to_dict(), "confidence": self.confidence.to_dict(),
            "service": self.service.to_dict(),
            "materials": [m.to_dict() for m in self.materials],
            "operations": [s.to_dict() for s in self.slots],
            "tradeoffs": [t.to_dict() for t in self.tradeoffs],
            "requested": self.requested.to_dict() if self.requested else None,
            "bom": self.bom.to_dict(),
        }


#: The compiled model of a catalog, kept for the catalogs quoted last.
_model: DerivedCache[Model] = DerivedCache(compile_model)


def broken_rules(catalog: Catalog, values: Mapping[str, SelectionValue],
                 model: Model | None = None) -> tuple[str, ...]:
    """The rules and tables a complete configuration breaks, as ``id (file:line)``."""
    from ..neighbours import broken

    return tuple(f"{c.id} ({c.source})" if c.source else c.id
                 for c in broken(model or _model(catalog), values))


def segment_of(catalog: Catalog, values: Mapping[str, SelectionValue]) -> str:
    """``custom`` when any chosen option is built or bought to order, else ``standard``."""
    for module in catalog.modules:
        value = values.get(module.id)
        chosen = value if isinstance(value, tuple) else (value,)
        for option_id in chosen:
            option = module.option(option_id) if isinstance(option_id, str) else None
            if option is not None and option.segment == "custom":
                return "custom"
    return "standard"


def quote(catalog: Catalog, configuration: Any, *, plant: Plant,
          supply: Supply | SupplyProvider, orders: OrderBook | None = None,
          capacity: CapacityProvider | None = None, at: dt.datetime | None = None,
          qty: int = 1, carrier: str | None = None, target: Decimal | float | None = None,
          seed: int = 0, tradeoffs: bool = False, requested: dt.date | None = None,
          objective: str = "default",
          buffer_days: Mapping[str, int] | BufferTable | None = None) -> Quote:
    """Quote a configuration, or a selection completed first.

    ``configuration`` is a :class:`~configurator.session.Configuration`, a complete mapping
    module -> value, or a partial selection mapping (as in a selection file: option ids, lists
    for multi-select modules with ``-id`` to exclude, integers, None), which is completed with
    ``objective`` (``default``, ``cheapest`` or ``fastest``); its modules count as the
    customer's choices for the requested-date repair.

    ``supply`` is a loaded supply file or any :class:`SupplyProvider`;
    ``orders`` (an order-book file) takes stock, purchase-order quantities and work-centre time
    already promised away; ``capacity`` replaces the plant's work centres with any
    :class:`CapacityProvider`. ``at`` (timezone-aware) is when the order is placed; default
    now. ``target`` is the confidence the promised date is met with (default: the segment's
    service level, else 0.9). ``tradeoffs`` adds the alternatives that change date or price.
    ``buffer_days`` (working days per segment, or a :class:`BufferTable` per segment and by
    the plan's length, e.g. a calibration file's, learned by ``bto simulate``) makes the
    promise the plan's delivery plus that many working days, instead of the Monte Carlo
    quantile; the quote still states its on-time probability.
    ``requested`` checks a delivery date the customer asks for, and which single changes
    (an option, a carrier) would meet it.

    Raises :class:`InvalidConfiguration` when the configuration breaks rules,
    ``SelectionError`` when it is malformed, ``BomError``/``PriceError``/``SupplyError``/
    ``CapacityError`` when it cannot be built, ValueError for a bad argument.
    """
    calendar = WorkCalendar.of(plant)
    if at is None:
        at = dt.datetime.now(calendar.zone)
    elif at.tzinfo is None:
        raise ValueError("the order time must have a time zone (e.g. +01:00)")
    if isinstance(configuration, Mapping) and set(configuration) != set(catalog.module_map):
        configuration = _completed(catalog, configuration, objective, plant, supply, orders,
                                   at, qty)
    values = configuration_values(catalog, configuration)
    broken = broken_rules(catalog, values)
    if broken:
        raise InvalidConfiguration(broken)
    provider = FileSupply(supply, orders) if isinstance(supply, Supply) else supply
    stations = capacity or FileCapacity(plant, orders)
    chosen = pick_carrier(catalog, values, plant, carrier)
    bom = explode(catalog, values, qty)
    the_price = price(catalog, values, qty)
    the_plan = plan(bom, calendar, provider, stations, at, chosen)
    segment = segment_of(catalog, values)
    level = plant.service_levels.get(segment)
    goal = Decimal(str(target)) if target is not None else (
        level.confidence if level else Decimal("0.9"))
    if not Decimal("0.5") <= goal < 1:
        raise ValueError(f"the target confidence must be from 0.5 to below 1, not {goal}")
    buffer = None
    if isinstance(buffer_days, BufferTable):
        if segment in buffer_days.days:
            buffer = buffer_days.buffer(segment, calendar.working_days_between(
                the_plan.accepted.date(), the_plan.delivered))
    elif buffer_days is not None:
        buffer = buffer_days.get(segment)
    calibrated = calendar.add_working_days(the_plan.delivered, int(buffer)) \
        if buffer is not None else None
    confidence, probabilities = promise(
        the_plan, calendar, stations, goal, seed,
        also=(*((requested,) if requested else ()), *((calibrated,) if calibrated else ())))
    if calibrated is not None:  # a backtested buffer sets the date; the Monte Carlo rates it
        confidence = dataclasses.replace(confidence, promised=calibrated,
                                         probability=probabilities[-1], buffer_days=buffer)
    service = service_check(plant, segment, the_plan.accepted.date(), confidence.promised,
                            calendar)
    customer_choices = tuple(getattr(configuration, "chosen", ()))
    result = Quote(catalog.id, plant.id, values, qty, at, segment, the_price, bom, the_plan,
                   confidence, service, chosen=customer_choices)
    offs: tuple[TradeOff, ...] = ()
    if tradeoffs or (requested is not None and confidence.promised > requested):
        from .tradeoffs import trade_offs

        offs = trade_offs(catalog, result, calendar, provider, stations)
    check = None
    if requested is not None:
        met = confidence.promised <= requested
        changes = () if met else tuple(t for t in offs if t.delivered <= requested)
        repair = None if met else _date_repair(catalog, configuration, requested, plant,
                                               supply, orders, at, qty, the_price)
        check = RequestedDate(requested, met, probabilities[0], changes, repair,
                              repair.text(values, catalog.currency) if repair else None)
    return Quote(catalog.id, plant.id, values, qty, at, segment, the_price, bom, the_plan,
                 confidence, service, offs if tradeoffs else (), check, customer_choices)


def _completed(catalog: Catalog, selection: Mapping[str, Any], objective: str, plant: Plant,
               supply: Supply | SupplyProvider, orders: OrderBook | None, at: dt.datetime,
               qty: int) -> Any:
    """A partial selection completed with ``objective``."""
    from ..choices import choices_of
    from ..session import pooled_session
    from .fastest import fastest_configuration

    with pooled_session(catalog, model=_model(catalog)) as session:
        session.select_all(choices_of(catalog.module_map, selection))
        if not session.consistent():
            conflict = session.validate()
            raise InvalidConfiguration(tuple(
                [str(c) for c in conflict.choices] + [str(r) for r in conflict.rules]))
        if objective == "fastest":
            return fastest_configuration(session, plant, supply, orders=orders, at=at, qty=qty)
        return session.complete(objective)


def _date_repair(catalog: Catalog, configuration: Any, requested: dt.date, plant: Plant,
                 supply: Supply | SupplyProvider, orders: OrderBook | None, at: dt.datetime,
                 qty: int, the_price: Price) -> Any:
    """The customer's choices to give up to meet ``requested``; None without any choices
    (a plain mapping) or when nothing helps."""
    from .requested import choices_of, date_repair

    choices = choices_of(catalog, configuration)
    if not choices:
        return None
    return date_repair(catalog, choices, requested, plant=plant, supply=supply, orders=orders,
                       at=at, qty=qty, model=_model(catalog), base_price=the_price.total)
