"""What a configurator front end shows for a selection: the page's state.

:func:`page_state` answers, for one selection, everything a web page or a terminal front end
draws: per module its options, each chosen, excluded, available or unavailable (with the
catalog rules that exclude it, and their ``file:line``), what choosing an available option
would do to the price and the delivery date, the completed configuration's price and quote,
and, when the choices conflict, the broken rules and one-click repairs.

It adds no configuration logic of its own: every answer comes from the session API
(:class:`~configurator.session.Session`) and :func:`~configurator.quoting.quote.quote`.
Pure and stateless: the selection comes in, a frozen :class:`PageState` goes out, so any
number of processes give the same answers.

Availability is what a click can reach. In a module the customer already chose in, the other
values count as available when switching to them keeps every *other* choice valid, and their
reasons leave the module's own choice out: "frame: longjohn" is not unavailable merely because
"longtail" is chosen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .bom import DerivationError
from .catalog.model import Catalog, Module
from .choices import Choice, SelectionError, SelectionValue, choices_of, exactly
from .neighbours import touching
from .orders import OrderBook
from .plant import Plant
from .problems import did_you_mean
from .quoting.atp import SupplyError
from .quoting.calendar import WorkCalendar
from .quoting.capacity import CapacityError
from .quoting.providers import SupplyProvider
from .quoting.quote import InvalidConfiguration, Quote, _model, quote
from .session import Explanation, ModuleOptions, RuleRef, Session, pooled_session, selection_json
from .supply import Supply
from .values import FrozenMap

__all__ = [
    "MAX_DELTA_VALUES",
    "Delta",
    "ModuleState",
    "OptionState",
    "PageState",
    "Reason",
    "RepairChoice",
    "page_state",
    "selection_choices",
]

#: Integer modules with more values than this get no per-value deltas (one quote each).
MAX_DELTA_VALUES = 12

_QUOTE_ERRORS = (DerivationError, SupplyError, CapacityError, InvalidConfiguration)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an option is unavailable: the catalog rules (with ``file:line:col``) and the
    customer's choices that together exclude it (a minimal set, from ``Session.explain``).

    ``text`` has every rule's message; ``short`` only one, for a line under the option: the
    first rule on the option's own module (the rules lead from the customer's choices to the
    option; the last link is what the customer asks about). Both name the choices by their
    labels."""

    text: str
    choices: tuple[Choice, ...] = ()
    rules: tuple[RuleRef, ...] = ()
    short: str = ""

    @classmethod
    def of(cls, explanation: Explanation, label: Callable[[Choice], str] = str,
           near: Collection[str] = ()) -> Reason:
        """The reason of an explanation; ``label`` names a choice (default ``module=value``),
        ``near`` are the ids of the rules on the option's module."""
        rules = sorted(explanation.rules, key=lambda r: r.id not in near)
        messages = [r.message for r in rules]
        mine = ", ".join(label(c) for c in explanation.choices)

        def said(parts: Sequence[str]) -> str:
            text = " ".join(parts)
            if mine:
                return f"{text} (with your choice of {mine})" if text else \
                    f"your choice of {mine}"
            return text

        more = len(messages) - 1
        short = said(messages[:1] + ([f"(and {more} more rule{'s' * (more > 1)})"]
                                     if more > 0 else []))
        return cls(said([r.message for r in explanation.rules]), explanation.choices,
                   explanation.rules, short)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "short": self.short or self.text,
                "choices": [str(c) for c in self.choices],
                "rules": [r.to_dict() for r in self.rules]}


@dataclass(frozen=True, slots=True)
class Delta:
    """What choosing an option instead does against the current configuration: the price
    (``price``, in the catalog's currency) and the promised date (``days``: working days
    later, negative when earlier). ``also`` names other modules the completion changes."""

    price: Decimal
    days: int
    currency: str
    also: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """E.g. ``+EUR 120.00, +6 wd``."""
        sign = "+" if self.price >= 0 else "-"
        return f"{sign}{self.currency} {abs(self.price):,}, {self.days:+d} wd"

    def to_dict(self) -> dict[str, Any]:
        return {"price": str(self.price), "days": self.days, "also_changes": list(self.also),
                "text": self.text}


@dataclass(frozen=True, slots=True)
class OptionState:
    """One value of a module as the page shows it.

    ``state`` is ``chosen`` (by the customer), ``excluded`` (left out by the customer, in a
    multi-select module), ``available`` or ``unavailable``. ``value`` is the option id, an
    integer module's value, or None for "nothing" in an optional module. ``in_configuration``
    says whether the completed configuration has it; ``forced`` whether every configuration
    left has it. ``reason`` is set for unavailable values (not while the choices conflict) and
    for forced multi-select options (why they cannot be left out),
    ``delta`` for available values a click would change to (see :class:`Delta`).
    """

    value: str | int | None
    label: str
    state: str
    in_configuration: bool = False
    forced: bool = False
    reason: Reason | None = None
    delta: Delta | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "state": self.state,
                "in_configuration": self.in_configuration, "forced": self.forced,
                "reason": self.reason.to_dict() if self.reason else None,
                "delta": self.delta.to_dict() if self.delta else None}


@dataclass(frozen=True, slots=True)
class ModuleState:
    """One module: its label, kind (``single``, ``multi``, ``integer``) and values in catalog
    order. ``has_choice`` says whether the customer chose in it, and ``chosen`` is that part of
    the selection (None: nothing, in an optional module)."""

    id: str
    label: str
    kind: str
    required: bool
    options: tuple[OptionState, ...]
    chosen: SelectionValue = None
    unit: str | None = None
    has_choice: bool = False

    def to_dict(self) -> dict[str, Any]:
        chosen = list(self.chosen) if isinstance(self.chosen, tuple) else self.chosen
        return {"id": self.id, "label": self.label, "kind": self.kind,
                "required": self.required, "unit": self.unit,
                "has_choice": self.has_choice, "chosen": chosen,
                "options": [o.to_dict() for o in self.options]}


@dataclass(frozen=True, slots=True)
class RepairChoice:
    """A one-click repair: the choices given up, and the selection that remains."""

    remove: tuple[Choice, ...]
    selection: FrozenMap[str, SelectionValue]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"remove": [str(c) for c in self.remove], "text": self.text,
                "selection": selection_json(self.selection)}


@dataclass(frozen=True, slots=True)
class PageState:
    """Everything a configurator front end shows for one selection. Frozen; ``to_dict`` is
    JSON-ready (money as strings, dates ISO 8601).

    ``valid`` is False when the choices conflict: ``conflict_rules`` and ``conflict_choices``
    are then a minimal conflict and ``repairs`` the ways out, best first. Otherwise
    ``configuration`` is the default completion and ``quote`` its quote (with trade-offs),
    unless it cannot be built from the supply data: ``problem`` then says why.
    """

    catalog: str
    name: str
    currency: str
    language: str
    placed: dt.datetime
    selection: FrozenMap[str, SelectionValue]
    valid: bool
    modules: tuple[ModuleState, ...]
    configuration: FrozenMap[str, SelectionValue] | None = None
    quote: Quote | None = None
    problem: str | None = None
    conflict_rules: tuple[RuleRef, ...] = ()
    conflict_choices: tuple[Choice, ...] = ()
    repairs: tuple[RepairChoice, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        q = self.quote
        return {
            "format": "bto-page/1",
            "catalog": {"id": self.catalog, "name": self.name, "currency": self.currency,
                        "language": self.language},
            "placed": self.placed.isoformat(),
            "selection": selection_json(self.selection),
            "valid": self.valid,
            "modules": [m.to_dict() for m in self.modules],
            "configuration": None if self.configuration is None else {
                k: {"exactly": list(v)} if isinstance(v, tuple) else v
                for k, v in self.configuration.items()},
            "price": q.price.to_dict() if q else None,
            "quote": None if q is None else {
                "promised": q.promised.isoformat(), "accepted": q.accepted.isoformat(),
                "segment": q.segment, "carrier": q.carrier.id,
                "milestones": [m.to_dict() for m in q.milestones],
                "gate": q.gate.to_dict(), "confidence": q.confidence.to_dict(),
                "service": q.service.to_dict(),
                "tradeoffs": [t.to_dict() for t in q.tradeoffs]},
            "problem": self.problem,
            "conflict": None if self.valid else {
                "choices": [str(c) for c in self.conflict_choices],
                "rules": [r.to_dict() for r in self.conflict_rules]},
            "repairs": [r.to_dict() for r in self.repairs],
        }


def selection_choices(catalog: Catalog, selection: Mapping[str, Any]) -> list[Choice]:
    """The choices of a selection in the selection-file form (module -> option id, None,
    integer, a multi-select module's list of items with ``-id`` to exclude, or
    ``{"exactly": [...]}``), checked strictly. Raises :class:`SelectionError` with a
    did-you-mean suggestion."""
    if not isinstance(selection, Mapping):
        raise SelectionError("a selection maps module ids to values",
                             'e.g. {"frame": "longtail"}')
    plain: dict[str, Any] = {}
    for module_id, value in selection.items():
        module = catalog.get_module(module_id) if isinstance(module_id, str) else None
        if module is None:
            raise SelectionError(f"unknown module '{module_id}'",
                                 did_you_mean(str(module_id), catalog.module_ids()), "R301")
        plain[module_id] = _plain_value(module, value)
    return choices_of(catalog.module_map, plain)


def _plain_value(module: Module, value: Any) -> Any:
    """A module's value with ``{"exactly": [...]}`` spelled out; wrong shapes rejected."""
    if module.kind == "multi":
        if isinstance(value, Mapping):
            items = value.get("exactly")
            if set(value) != {"exactly"} or not isinstance(items, list) or not all(
                    isinstance(i, str) for i in items):
                raise SelectionError(f"multi-select module '{module.id}' takes a list of "
                                     'option ids or {"exactly": [...]}')
            for item in items:
                if module.option(item) is None:
                    raise SelectionError(f"unknown option '{item}' in module '{module.id}'",
                                         did_you_mean(item, module.option_ids), "R302")
            return exactly(module, items)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(i, str) for i in value):
            return value
        raise SelectionError(f"multi-select module '{module.id}' takes a list of option ids")
    if isinstance(value, list | tuple | Mapping):
        what = "one option" if module.kind == "single" else "one value"
        raise SelectionError(f"module '{module.id}' takes {what}")
    return value


def page_state(catalog: Catalog, selection: Mapping[str, Any], *, plant: Plant,
               supply: Supply | SupplyProvider, orders: OrderBook | None = None,
               at: dt.datetime, lang: str | None = None,
               qty: int = 1, deltas: bool | Collection[str] = True, tradeoffs: bool = True
               ) -> PageState:
    """The page's state for ``selection`` (the selection-file form, see
    :func:`selection_choices`), for ``qty`` products ordered ``at`` (timezone-aware).

    ``deltas`` computes each available option's :class:`Delta` (one quote of the
    alternative's default completion per option; integer modules with more than
    :data:`MAX_DELTA_VALUES` values get none): True for every module, False for none, or the
    module ids to compute them for. ``tradeoffs`` adds the quote's trade-off hints. Raises
    :class:`SelectionError` for unknown modules, options or values, ValueError for a time
    without a zone.
    """
    if at.tzinfo is None:
        raise ValueError("the order time must have a time zone (e.g. +01:00)")
    language = lang if lang in catalog.languages else catalog.languages[0]
    choices = selection_choices(catalog, selection)
    with pooled_session(catalog, model=_model(catalog), language=language) as session:
        session.select_all(choices)
        choices = list(session.choices)
        valid = session.valid_options()
        builder = _Builder(catalog, session, choices, language)
        if not valid.consistent:
            conflict = session.validate()
            repairs = tuple(RepairChoice(r.remove, r.selection, str(r))
                            for r in session.repairs())
            modules = tuple(builder.module(m, valid.module(m.id), None, {})
                            for m in catalog.modules)
            return PageState(catalog.id, catalog.name.text(language), catalog.currency,
                             language, at, session.selection, False, modules,
                             conflict_rules=conflict.rules, conflict_choices=conflict.choices,
                             repairs=repairs)
        selection_now = session.selection
        configuration = session.complete("default")
        values = configuration.values
        problem = None
        base: Quote | None = None
        try:
            base = quote(catalog, configuration, plant=plant, supply=supply, orders=orders,
                         at=at, qty=qty, tradeoffs=tradeoffs)
        except _QUOTE_ERRORS as exc:
            problem = str(exc)
        pricing = _Deltas(catalog, session, choices, base, plant, supply, orders, at, qty)
        wanted = _wanted(catalog, deltas) if base is not None else set()
        modules = tuple(
            builder.module(m, valid.module(m.id), values,
                           pricing.per_module(m, values) if m.id in wanted else {})
            for m in catalog.modules)
    return PageState(catalog.id, catalog.name.text(language), catalog.currency, language,
                     at, selection_now, True, modules, values, base, problem)


def _wanted(catalog: Catalog, deltas: bool | Collection[str]) -> set[str]:
    if deltas is True:
        return set(catalog.module_map)
    if deltas is False:
        return set()
    return set(deltas)


class _Builder:
    """Module and option states, from one session whose choices it may change and restore."""

    def __init__(self, catalog: Catalog, session: Session, choices: Sequence[Choice],
                 language: str) -> None:
        self.catalog = catalog
        self.session = session
        self.choices = list(choices)
        self.language = language

    def _choice_label(self, choice: Choice) -> str:
        """A choice as a customer reads it: ``Motor: Bosch Performance Line``; a multi-select
        option left out: ``Accessories: without Lights``."""
        module = self.catalog.module(choice.module)
        value = _label(module, choice.value, self.language)
        if choice.excluded:
            value = f"without {value}"
        return f"{module.label.text(self.language)}: {value}"

    def _near(self, module_id: str) -> set[str]:
        return {c.id for c in touching(self.session.model)[module_id][0]}

    def _reset(self, choices: Sequence[Choice]) -> None:
        self.session.clear()
        self.session.select_all(choices)

    def module(self, module: Module, options: ModuleOptions,
               values: Mapping[str, SelectionValue] | None,
               deltas: Mapping[Any, Delta]) -> ModuleState:
        """A module's state; ``values`` is the completed configuration (None: conflict).
        A single choice in the module is set aside for its values' availability and reasons:
        that is what a click can reach."""
        own = [c for c in self.choices if c.module == module.id]
        aside = values is not None and module.kind != "multi" and bool(own)
        if aside:
            self._reset([c for c in self.choices if c.module != module.id])
            options = self.session.valid_options().module(module.id)
        try:
            states = tuple(self._option(module, v, options, values, deltas, own)
                           for v in _values(module))
        finally:
            if aside:
                self._reset(self.choices)
        chosen = self.session.selection.get(module.id) if own else None
        return ModuleState(module.id, module.label.text(self.language), module.kind,
                           module.required, states, chosen, module.unit, bool(own))

    def _option(self, module: Module, value: str | int | None, options: ModuleOptions,
                values: Mapping[str, SelectionValue] | None, deltas: Mapping[Any, Delta],
                own: Sequence[Choice]) -> OptionState:
        label = _label(module, value, self.language)
        current = None if values is None else values.get(module.id)
        if module.kind == "multi":
            in_config = isinstance(current, tuple) and value in current
        else:
            in_config = values is not None and current == value
        mine = [c for c in own if c.value == value]
        if mine and mine[-1].excluded:
            state = "excluded"
        elif mine:
            state = "chosen"
        elif values is not None and value in options.available:
            state = "available"
        else:
            state = "unavailable"
        forced = value in options.forced
        reason = None
        if state == "unavailable" and values is not None:
            reason = Reason.of(self.session.explain(module.id, value), self._choice_label,
                               self._near(module.id))
        elif state == "available" and forced and module.kind == "multi":
            # a click would leave it out: say why that is not possible
            reason = Reason.of(self.session.explain(module.id, value, excluded=True),
                               self._choice_label, self._near(module.id))
        return OptionState(value, label, state, in_config, forced, reason,
                           deltas.get(value))


class _Deltas:
    """Each available option's effect on price and date: its default completion, quoted;
    the quotes are kept per configuration for this call."""

    def __init__(self, catalog: Catalog, session: Session, choices: Sequence[Choice],
                 base: Quote | None, plant: Plant, supply: Supply | SupplyProvider,
                 orders: OrderBook | None, at: dt.datetime, qty: int) -> None:
        self.catalog, self.session, self.choices, self.base = catalog, session, choices, base
        self.plant, self.supply, self.orders, self.at, self.qty = plant, supply, orders, at, qty
        self.calendar = WorkCalendar.of(plant)
        self.quotes: dict[tuple[Any, ...], Quote | None] = {}

    def per_module(self, module: Module, values: Mapping[str, SelectionValue]
                   ) -> dict[Any, Delta]:
        """The deltas of the values a click in ``module`` would change to."""
        if module.kind == "integer" and len(module.values()) > MAX_DELTA_VALUES:
            return {}
        current = values.get(module.id)
        out: dict[Any, Delta] = {}
        for value in _values(module):
            if module.kind == "multi":
                assert isinstance(value, str)
                inside = isinstance(current, tuple) and value in current
                change = Choice(module.id, value, excluded=inside)
            elif value == current:
                continue
            else:
                change = Choice(module.id, value)
            found = self._delta(change, values)
            if found is not None:
                out[value] = found
        return out

    def _delta(self, change: Choice, values: Mapping[str, SelectionValue]) -> Delta | None:
        self.session.clear()
        self.session.select_all([*self.choices, change])
        try:
            if not self.session.consistent():
                return None
            other = self.session.complete("default")
        finally:
            self.session.clear()
            self.session.select_all(self.choices)
        key = tuple(other.values.items())
        if key not in self.quotes:
            try:
                self.quotes[key] = quote(self.catalog, other, plant=self.plant,
                                         supply=self.supply, orders=self.orders, at=self.at,
                                         qty=self.qty)
            except _QUOTE_ERRORS:
                self.quotes[key] = None
        found = self.quotes[key]
        if found is None or self.base is None:
            return None
        also = tuple(m for m, v in other.values.items()
                     if m != change.module and values.get(m) != v)
        days = self.calendar.working_days_between(self.base.promised, found.promised)
        return Delta(found.price.total - self.base.price.total, days, self.catalog.currency,
                     also)


def _values(module: Module) -> tuple[str | int | None, ...]:
    """A module's values in catalog order; None ("nothing") last in an optional module."""
    if module.kind == "integer":
        return tuple(module.values())
    nothing: tuple[None, ...] = (None,) if module.kind == "single" and not module.required \
        else ()
    return (*module.option_ids, *nothing)


def _label(module: Module, value: str | int | None, language: str) -> str:
    if value is None:
        return "none"
    if isinstance(value, int):
        return module.quantity_text(value)
    option = module.option(value)
    return option.label.text(language) if option else value

