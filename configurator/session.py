"""The configuration session: the interactive API under the CLI, the web page and web shops.

A :class:`Session` holds one customer's choices on one catalog and answers, at every step:

- :meth:`Session.valid_options`: which options remain possible. Complete and backtrack-free:
  every option offered extends to a valid configuration, and every option that does is offered.
- :meth:`Session.explain`: why an option is not possible, as a minimal set of the user's
  choices and catalog rules (QuickXplain): drop any one of them and the option is possible.
- :meth:`Session.validate` and :meth:`Session.repairs`: whether the choices fit together, and
  if not, preferred minimal sets of choices to change (FastDiag), keeping the most recent
  choices longest.
- :meth:`Session.complete`: a full valid configuration that keeps the choices, by catalog
  defaults, lowest price, or any :class:`Objective`.
- :meth:`Session.count`: the exact number of valid configurations left.

Results are frozen dataclasses with ``to_dict()``. A session owns one engine (one incremental
solver); a session, like its engine, must not be shared between threads. The catalog and
model it reads are immutable and may be shared freely.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from .catalog.model import Catalog, Module
from .choices import EXCLUDE, Choice, SelectionError, SelectionValue, check_choice
from .engine import CspEngine, SatEngine
from .engine.base import Costs, Engine
from .engine.explain import fastdiag, quickxplain
from .engine.model import Constraint, Model, compile_model
from .problems import Position, did_you_mean
from .values import FrozenMap

__all__ = [
    "CHEAPEST",
    "DEFAULT",
    "Choice",
    "Configuration",
    "ConflictError",
    "Explanation",
    "ModuleOptions",
    "Objective",
    "Repair",
    "RuleRef",
    "SelectionError",
    "Session",
    "ValidOptions",
    "pooled_session",
    "Validation",
    "check_choice",
    "make_engine",
    "selection_json",
    "selection_of",
]

Value = str | int | None
ENGINES = ("sat", "csp")


class ConflictError(ValueError):
    """The choices cannot be completed; :meth:`Session.validate` says why."""


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RuleRef:
    """A catalog rule, variant table or module cardinality, with where it is written."""

    id: str
    kind: str
    message: str
    source: Position | None = None

    @classmethod
    def of(cls, constraint: Constraint, language: str | None = None) -> RuleRef:
        message = constraint.message.text(language) if constraint.message else constraint.id
        return cls(constraint.id, constraint.kind, message, constraint.source)

    def __str__(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"{self.id}{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "message": self.message,
                "source": str(self.source) if self.source else None}


@dataclass(frozen=True, slots=True)
class ModuleOptions:
    """A module's values under the current choices.

    ``available`` lists what can still be chosen (for an optional single-select module,
    None stands for "nothing"); ``unavailable`` the rest. ``forced`` lists the values every
    valid configuration has (for a multi-select module, options that must be selected).
    ``chosen`` is what the user chose, and ``excluded`` the multi-select options the user
    excluded.
    """

    module: str
    kind: str
    available: tuple[Value, ...]
    unavailable: tuple[Value, ...]
    forced: tuple[Value, ...]
    chosen: tuple[Value, ...]
    excluded: tuple[Value, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"module": self.module, "kind": self.kind, "available": list(self.available),
                "unavailable": list(self.unavailable), "forced": list(self.forced),
                "chosen": list(self.chosen), "excluded": list(self.excluded)}


@dataclass(frozen=True, slots=True)
class ValidOptions:
    """Every module's available and unavailable values; all unavailable when the choices
    conflict (``consistent`` is False)."""

    consistent: bool
    modules: tuple[ModuleOptions, ...]

    def module(self, module_id: str) -> ModuleOptions:
        for m in self.modules:
            if m.module == module_id:
                return m
        raise KeyError(module_id)

    def is_available(self, module_id: str, value: Value) -> bool:
        return value in self.module(module_id).available

    def to_dict(self) -> dict[str, Any]:
        return {"consistent": self.consistent, "modules": [m.to_dict() for m in self.modules]}


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a value is unavailable: a minimal set of the user's choices and catalog rules that
    together exclude it. Dropping any one of them makes the value possible again. When
    ``excluded`` is False the value is possible and both sets are empty. With ``exclusion``
    the question is why a multi-select option cannot be left out (``module=-option``)."""

    module: str
    value: Value
    excluded: bool
    choices: tuple[Choice, ...] = ()
    rules: tuple[RuleRef, ...] = ()
    exclusion: bool = False

    def __str__(self) -> str:
        target = str(Choice(self.module, self.value, self.exclusion))
        if not self.excluded:
            return f"{target} is possible"
        parts = []
        if self.choices:
            parts.append("your choice of " + ", ".join(str(c) for c in self.choices))
        if self.rules:
            parts.append("; ".join(str(r) for r in self.rules))
        return f"{target} is excluded by " + " and ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"module": self.module, "value": self.value, "exclusion": self.exclusion,
                "excluded": self.excluded, "choices": [c.to_dict() for c in self.choices],
                "rules": [r.to_dict() for r in self.rules]}


@dataclass(frozen=True, slots=True)
class Validation:
    """Whether the choices extend to a valid configuration. When they do not, ``choices`` and
    ``rules`` are a minimal conflict. ``open_modules`` lists modules with no choice yet."""

    valid: bool
    choices: tuple[Choice, ...] = ()
    rules: tuple[RuleRef, ...] = ()
    open_modules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "conflict": {
                    "choices": [c.to_dict() for c in self.choices],
                    "rules": [r.to_dict() for r in self.rules]},
                "open_modules": list(self.open_modules)}


@dataclass(frozen=True, slots=True)
class Repair:
    """Choices to give up so the rest fit together. ``selection`` is what remains, and
    ``suggested`` the values a default completion would then take in the modules given up."""

    remove: tuple[Choice, ...]
    selection: FrozenMap[str, SelectionValue]
    suggested: tuple[Choice, ...] = ()

    def __str__(self) -> str:
        text = "drop " + ", ".join(str(c) for c in self.remove)
        if self.suggested:
            text += " (then e.g. " + ", ".join(str(c) for c in self.suggested) + ")"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"remove": [c.to_dict() for c in self.remove],
                "selection": selection_json(self.selection),
                "suggested": [c.to_dict() for c in self.suggested]}


@dataclass(frozen=True, slots=True)
class Configuration:
    """A complete valid configuration: a value for every module (a tuple of the selected
    options for a multi-select module). ``to_dict`` is a selection file that reads back as
    exactly this configuration: each multi-select module as ``{"exactly": [...]}``."""

    catalog: str
    values: FrozenMap[str, SelectionValue]
    objective: str
    chosen: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"format": "bto-selection/1", "catalog": self.catalog,
                "objective": self.objective,
                "select": {k: {"exactly": list(v)} if isinstance(v, tuple) else v
                           for k, v in self.values.items()}}


def selection_json(selection: Mapping[str, SelectionValue]) -> dict[str, Any]:
    """A selection in the selection-file form, JSON-ready (multi-select modules as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in selection.items()}


# -- objectives -------------------------------------------------------------------------------
class Objective(Protocol):
    """What :meth:`Session.complete` minimises: a non-negative integer cost per variable value.
    The quoting layer plugs in "fastest" through this protocol."""

    @property
    def name(self) -> str: ...

    def costs(self, model: Model) -> Costs: ...


def _preference(model: Model) -> dict[str, dict[Any, int]]:
    """Each value's distance from what the catalog prefers: 0 for the default, else 1 plus its
    rank (option order, or distance from an integer module's default value)."""
    out: dict[str, dict[Any, int]] = {}
    catalog = model.catalog
    for variable in model.variables:
        module = catalog.module(variable.module)
        if module.kind == "multi":
            option = module.option(variable.option or "")
            wanted = bool(option and option.default)
            out[variable.name] = {wanted: 0, not wanted: 1}
        elif module.kind == "integer":
            start = module.default_value if module.default_value is not None else module.min
            out[variable.name] = {v: 0 if v == start else 1 + abs(v - start) // module.step
                                  for v in variable.domain}
        else:
            domain = list(variable.domain)
            preferred = (module.defaults[0] if module.defaults
                         else None if not module.required else domain[0])
            domain.remove(preferred)
            out[variable.name] = {v: rank for rank, v in enumerate([preferred, *domain])}
    return out


def _scaled(costs: Mapping[str, Mapping[Any, int]], factor: int,
            then: Mapping[str, Mapping[Any, int]]) -> dict[str, dict[Any, int]]:
    """``costs`` weighted to dominate ``then`` (a lexicographic objective as one sum)."""
    return {name: {value: costs.get(name, {}).get(value, 0) * factor + tie
                   for value, tie in by_value.items()}
            for name, by_value in then.items()}


@dataclass(frozen=True, slots=True)
class _Defaults:
    name: str = "default"

    def costs(self, model: Model) -> Costs:
        """Catalog defaults first; elsewhere the first option or the default value."""
        preference = _preference(model)
        worst = sum(max(v.values()) for v in preference.values()) + 1
        # Count of non-default values dominates; option order breaks ties.
        counts = {name: {value: 0 if cost == 0 else 1 for value, cost in by_value.items()}
                  for name, by_value in preference.items()}
        return _scaled(counts, worst, preference)


@dataclass(frozen=True, slots=True)
class _Cheapest:
    name: str = "cheapest"

    def costs(self, model: Model) -> Costs:
        """The sum of option prices and integer unit prices, in the currency's smallest unit;
        catalog defaults break ties. Surcharges count in :meth:`Session.complete`, which
        improves this completion by the full price."""
        catalog = model.catalog
        raw: dict[str, dict[Any, Decimal]] = {}
        for variable in model.variables:
            module = catalog.module(variable.module)
            if module.kind == "multi":
                option = module.option(variable.option or "")
                price = option.price if option else Decimal(0)
                raw[variable.name] = {True: price, False: Decimal(0)}
            elif module.kind == "integer":
                raw[variable.name] = {v: module.unit_price * v for v in variable.domain}
            else:
                raw[variable.name] = {v: _option_price(module, v) for v in variable.domain}
        exponent = min((p.as_tuple().exponent for by in raw.values() for p in by.values()
                        if isinstance(p.as_tuple().exponent, int)), default=0)
        scale = Decimal(10) ** max(0, -int(exponent))
        prices = {}
        for name, by_value in raw.items():
            low = min(by_value.values())
            prices[name] = {v: int((p - low) * scale) for v, p in by_value.items()}
        defaults = _Defaults().costs(model)
        worst = sum(max(v.values()) for v in defaults.values()) + 1
        return _scaled(prices, worst, defaults)


def _option_price(module: Module, value: Any) -> Decimal:
    option = module.option(value) if isinstance(value, str) else None
    return option.price if option else Decimal(0)


DEFAULT: Objective = _Defaults()
CHEAPEST: Objective = _Cheapest()
OBJECTIVES: dict[str, Objective] = {"default": DEFAULT, "cheapest": CHEAPEST}


def make_engine(model: Model, engine: str = "sat") -> Engine:
    """A new engine of the named kind on ``model``."""
    if engine == "sat":
        return SatEngine(model)
    if engine == "csp":
        return CspEngine(model)
    raise ValueError(f"unknown engine '{engine}'; choose from {', '.join(ENGINES)}")


# -- the session ------------------------------------------------------------------------------
class Session:
    """One user's choices on one catalog, with answers that are always exact."""

    def __init__(self, catalog: Catalog, *, engine: str | Engine = "sat",
                 model: Model | None = None, language: str | None = None) -> None:
        self.catalog = catalog
        if isinstance(engine, str):
            self.model = model or compile_model(catalog)
            self.engine: Engine = make_engine(self.model, engine)
        else:
            self.model = engine.model
            self.engine = engine
        self.language = language
        self._costs: dict[int, tuple[Objective, Costs]] = {}  # per objective, for this model
        self._choices: list[Choice] = []
        self._valid: ValidOptions | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- choices -----------------------------------------------------------------------------
    @property
    def choices(self) -> tuple[Choice, ...]:
        """The choices in the order they were made (a changed choice counts as new)."""
        return tuple(self._choices)

    @property
    def selection(self) -> FrozenMap[str, SelectionValue]:
        """The choices per module, in catalog order."""
        return selection_of(self.catalog, self._choices)

    def select(self, module: str, value: Value) -> None:
        """Choose ``value`` in ``module``; it replaces an earlier choice in a single-select or
        integer module, and adds to a multi-select module's options (replacing an exclusion
        of the same option). None chooses nothing: in a multi-select module it excludes every
        option. A choice that conflicts with earlier ones is kept: :meth:`validate` and
        :meth:`repairs` say what to do."""
        found = self.catalog.get_module(module)
        if found is not None and found.kind == "multi" and value is None:
            for option in found.option_ids:
                self._add(Choice(module, option, excluded=True))
            return
        self._add(check_choice(self.catalog.module_map, module, value))

    def exclude(self, module: str, option: str) -> None:
        """Leave ``option`` out of multi-select ``module`` (replacing a choice of it)."""
        self._add(check_choice(self.catalog.module_map, module, option, excluded=True))

    def select_all(self, choices: Iterable[Choice]) -> None:
        """Make these choices in order, each as :meth:`select` or :meth:`exclude` would."""
        for choice in choices:
            self._add(check_choice(self.catalog.module_map, choice.module, choice.value,
                                   choice.excluded))

    def _add(self, choice: Choice) -> None:
        variable = self._variable(choice)
        self._choices = [c for c in self._choices if self._variable(c) != variable]
        self._choices.append(choice)
        self._valid = None

    def deselect(self, module: str, option: str | None = None) -> None:
        """Withdraw the choice in ``module``: in a multi-select module, the choice (selected or
        excluded) of ``option`` only, or of all of its options when ``option`` is None."""
        if self.catalog.get_module(module) is None:
            raise SelectionError(f"unknown module '{module}'",
                                 did_you_mean(module, self.catalog.module_ids()))
        self._choices = [c for c in self._choices if not (
            c.module == module and (option is None or not self._single(c) and c.value == option))]
        self._valid = None

    def clear(self) -> None:
        self._choices = []
        self._valid = None

    def _single(self, choice: Choice) -> bool:
        return self.catalog.module(choice.module).kind != "multi"

    def _variable(self, choice: Choice) -> str:
        """The model variable a choice fixes; two choices on one variable replace each other."""
        return choice.module if self._single(choice) else f"{choice.module}.{choice.value}"

    def _fixed(self, choices: Iterable[Choice]) -> dict[str, Any]:
        return _fixed_of(self.catalog, choices)

    # -- questions ---------------------------------------------------------------------------
    def consistent(self) -> bool:
        """Whether the choices extend to a valid configuration."""
        return self.engine.consistent(self._fixed(self._choices))

    def valid_options(self) -> ValidOptions:
        """Every module's available values: exactly those that extend, with the current
        choices, to a valid configuration."""
        if self._valid is None:
            supported = self.engine.supported(self._fixed(self._choices))
            consistent = any(supported.values())
            by_module: dict[str, list[Choice]] = {}
            for c in self._choices:  # grouped once: catalogs have thousands of modules
                by_module.setdefault(c.module, []).append(c)
            self._valid = ValidOptions(consistent, tuple(
                self._module_options(m, supported, by_module.get(m.id, ()))
                for m in self.catalog.modules))
        return self._valid

    def _module_options(self, module: Module, supported: Mapping[str, frozenset[Any]],
                        choices: Sequence[Choice] = ()) -> ModuleOptions:
        chosen = tuple(c.value for c in choices if not c.excluded)
        if module.kind == "multi":
            excluded = tuple(c.value for c in choices if c.excluded)
            available: list[Value] = []
            unavailable: list[Value] = []
            forced: list[Value] = []
            for option in module.options:
                values = supported.get(f"{module.id}.{option.id}", frozenset())
                (available if True in values else unavailable).append(option.id)
                if values == {True}:
                    forced.append(option.id)
            return ModuleOptions(module.id, module.kind, tuple(available), tuple(unavailable),
                                 tuple(forced), chosen, excluded)
        values = supported.get(module.id, frozenset())
        domain = self.model.variable(module.id).domain
        return ModuleOptions(
            module.id, module.kind, tuple(v for v in domain if v in values),
            tuple(v for v in domain if v not in values),
            tuple(values) if len(values) == 1 else (), chosen)

    def explain(self, module: str, value: Value, excluded: bool = False) -> Explanation:
        """A minimal set of choices and rules that excludes ``value`` from ``module`` (with
        ``excluded``: that keeps multi-select option ``value`` from being left out).

        The user's own other choice of the same thing (in the same single-select or integer
        module; of the same multi-select option) is part of the explanation only when nothing
        else excludes the value.
        """
        target = check_choice(self.catalog.module_map, module, value, excluded)
        target_fixed = self._fixed([target])
        variable = self._variable(target)
        others = [c for c in self._choices if self._variable(c) != variable]
        hard = list(self.model.hard_constraints)
        # Catalog rules come first, so a value the catalog excludes on its own is explained
        # by rules alone; then the user's choices, the most recent first.
        found = quickxplain([target_fixed], [*hard, *reversed(others)], self.fits)
        if found is None:
            own = [c for c in self._choices if self._variable(c) == variable and c != target]
            if own:
                return Explanation(module, value, True, tuple(own), (), excluded)
            return Explanation(module, value, False, exclusion=excluded)
        return Explanation(module, value, True, *self._split(found), exclusion=excluded)

    def fits(self, items: Sequence[Any]) -> bool:
        """Whether these choices, constraints and fixed-value mappings have a common
        solution (only the constraints given count)."""
        fixed: dict[str, Any] = {}
        constraints: list[Constraint] = []
        for item in items:
            if isinstance(item, Constraint):
                constraints.append(item)
            else:
                more = item if isinstance(item, dict) else self._fixed([item])
                for name, v in more.items():
                    if fixed.setdefault(name, v) != v:
                        return False
        return self.engine.solve(fixed, constraints) is not None

    def _split(self, items: Iterable[Any]) -> tuple[tuple[Choice, ...], tuple[RuleRef, ...]]:
        items = list(items)
        named = {i for i in items if isinstance(i, Choice)}
        choices = tuple(c for c in self._choices if c in named)
        rules = tuple(RuleRef.of(i, self.language) for i in items if isinstance(i, Constraint))
        return choices, rules

    def validate(self) -> Validation:
        """Whether the choices fit together; if not, a minimal conflict among them and the
        catalog's rules."""
        chosen = {c.module for c in self._choices}
        open_modules = tuple(m.id for m in self.catalog.modules if m.id not in chosen)
        found = quickxplain([], [*self.model.hard_constraints, *reversed(self._choices)],
                            self.fits)
        if found is None:
            return Validation(True, open_modules=open_modules)
        return Validation(False, *self._split(found), open_modules=open_modules)

    def repairs(self, limit: int = 3) -> tuple[Repair, ...]:
        """Up to ``limit`` preferred minimal sets of choices to give up, best first.

        The first keeps the most recent choices longest (FastDiag over the choices, oldest
        first). Further ones keep, in turn, a choice the earlier repairs give up. Empty when
        the choices already fit together.
        """
        hard = list(self.model.hard_constraints)
        out: list[tuple[Choice, ...]] = []
        pending: list[tuple[Choice, ...]] = [()]  # choices that must be kept
        seen: set[frozenset[Choice]] = set()
        while pending and len(out) < limit:
            kept = pending.pop(0)
            rest = [c for c in self._choices if c not in kept]
            diagnosis = fastdiag(rest, [*hard, *kept], self.fits)
            if not diagnosis or frozenset(diagnosis) in seen:
                continue
            seen.add(frozenset(diagnosis))
            out.append(diagnosis)
            pending.extend((*kept, c) for c in reversed(diagnosis))
        return tuple(self._repair(d) for d in out)

    def _repair(self, remove: tuple[Choice, ...]) -> Repair:
        remaining = [c for c in self._choices if c not in remove]
        suggested: list[Choice] = []
        completion = self.engine.optimum(self._fixed(remaining), self._costs_of(DEFAULT))
        if completion is not None:
            values = _values_of(self.catalog, completion)
            for choice in remove:
                if self._single(choice):
                    suggested.append(Choice(choice.module, values[choice.module]))  # type: ignore[arg-type]
        return Repair(remove, selection_of(self.catalog, remaining), tuple(suggested))

    def complete(self, objective: str | Objective = "default") -> Configuration:
        """A full valid configuration keeping every choice, least in ``objective``'s cost.

        ``"fastest"`` completes to the configuration delivered soonest, from the plant and
        supply files the catalog names, for an order placed now (for other providers, an order
        book or another time, call :func:`configurator.quoting.fastest.fastest_configuration`).
        Raises :class:`ConflictError` when the choices do not fit together."""
        if objective == "fastest":
            return self._fastest()
        if isinstance(objective, str):
            if objective not in OBJECTIVES:
                raise SelectionError(f"unknown objective '{objective}'",
                                     did_you_mean(objective, OBJECTIVES))
            objective = OBJECTIVES[objective]
        found = self.engine.optimum(self._fixed(self._choices), self._costs_of(objective))
        if found is None:
            raise ConflictError("the choices cannot be completed to a valid configuration")
        chosen = tuple(dict.fromkeys(c.module for c in self._choices))
        values = _values_of(self.catalog, found)
        if objective is CHEAPEST and self.catalog.surcharges:
            # without surcharges the MaxSAT costs are the whole price: nothing to improve
            values = self._cheaper(values, chosen)
        return Configuration(self.catalog.id, values, objective.name, chosen)

    def _cheaper(self, values: FrozenMap[str, SelectionValue], chosen: Sequence[str]
                 ) -> FrozenMap[str, SelectionValue]:
        """The cheapest completion by the full price: MaxSAT minimises option prices; then
        surcharges (fixed, formula or percentage) count too, by moving to cheaper valid
        neighbours outside the user's modules while there is one."""
        from .neighbours import improve
        from .pricing import PriceError, price

        def total(candidate: Mapping[str, SelectionValue]) -> Decimal | None:
            try:
                return price(self.catalog, candidate).total
            except PriceError:
                return None

        better, _ = improve(self.model, values, total, lambda a, b: a < b, keep=chosen)
        return FrozenMap(better)

    def _fastest(self) -> Configuration:
        from .loading import load_plant, load_supply
        from .quoting.fastest import fastest_configuration

        catalog = self.catalog
        if catalog.plant is None or catalog.supply is None:
            raise SelectionError("the fastest completion needs the catalog's 'plant' and "
                                 "'supply' files", "name them in the catalog, or call "
                                 "configurator.quoting.fastest.fastest_configuration")
        if not self.consistent():
            raise ConflictError("the choices cannot be completed to a valid configuration")
        configuration: Configuration = fastest_configuration(
            self, load_plant(catalog.plant), load_supply(catalog.supply))
        return configuration

    def _costs_of(self, objective: Objective) -> Costs:
        """An objective's costs on this session's model, computed once."""
        cached = self._costs.get(id(objective))
        if cached is None or cached[0] is not objective:
            cached = self._costs[id(objective)] = (objective, objective.costs(self.model))
        return cached[1]

    def count(self) -> int:
        """The exact number of valid configurations that keep every choice."""
        return self.engine.count(self._fixed(self._choices))


# -- engines kept between sessions ---------------------------------------------------------
#: Spare engines kept per model (and models kept): a web server answers a request with a
#: session, and building its engine costs 0.1-0.3 s on the bigger example catalogs.
SPARE_ENGINES = 4
SPARE_MODELS = 8
_SPARE: dict[int, tuple[Model, list[Engine]]] = {}
_SPARE_LOCK = threading.Lock()


@contextmanager
def pooled_session(catalog: Catalog, *, model: Model, language: str | None = None
                   ) -> Iterator[Session]:
    """A new session (no choices) on a SAT engine for ``model`` kept from an earlier pooled
    session that has ended, or on a new one.

    Every engine is used by one session at a time: it is taken from the pool when the session
    starts and given back when the ``with`` block ends (closed instead when the block raised,
    or when enough are kept). Answers do not depend on an engine's past: they are exact, and a
    completion is the solver's unique least-cost one or RC2's on a fresh solver.
    """
    engine: Engine | None = None
    with _SPARE_LOCK:
        kept = _SPARE.get(id(model))
        if kept is not None and kept[0] is model and kept[1]:
            engine = kept[1].pop()
    if engine is None:
        engine = make_engine(model)
    try:
        yield Session(catalog, engine=engine, language=language)
    except BaseException:
        engine.close()
        raise
    with _SPARE_LOCK:
        kept = _SPARE.get(id(model))
        if kept is None or kept[0] is not model:
            if len(_SPARE) >= SPARE_MODELS:
                for old in _SPARE.pop(next(iter(_SPARE)))[1]:
                    old.close()
            kept = _SPARE[id(model)] = (model, [])
        if len(kept[1]) < SPARE_ENGINES:
            kept[1].append(engine)
            engine = None
    if engine is not None:
        engine.close()


# -- helpers -------------------------------------------------------------------------------
def _fixed_of(catalog: Catalog, choices: Iterable[Choice]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in choices:
        if catalog.module(c.module).kind == "multi":
            out[f"{c.module}.{c.value}"] = not c.excluded
        else:
            out[c.module] = c.value
    return out


def selection_of(catalog: Catalog, choices: Sequence[Choice]) -> FrozenMap[str, SelectionValue]:
    """The selection a list of choices makes, per module in catalog order (a multi-select
    module as its items, ``-id`` for an excluded option)."""
    out: dict[str, SelectionValue] = {}
    for module in catalog.modules:
        mine = [c for c in choices if c.module == module.id]
        if not mine:
            continue
        if module.kind == "multi":
            out[module.id] = tuple(f"{EXCLUDE if c.excluded else ''}{c.value}" for c in mine)
        else:
            out[module.id] = mine[-1].value
    return FrozenMap(out)


def _values_of(catalog: Catalog, assignment: Mapping[str, Any]) -> FrozenMap[str, SelectionValue]:
    """A full assignment of the model's variables as module values."""
    out: dict[str, SelectionValue] = {}
    for module in catalog.modules:
        if module.kind == "multi":
            out[module.id] = tuple(o.id for o in module.options
                                   if assignment.get(f"{module.id}.{o.id}"))
        else:
            out[module.id] = assignment[module.id]
    return FrozenMap(out)
