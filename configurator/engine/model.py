"""Compiling a catalog into a Model: finite-domain variables and tagged constraints.

Variables:
- a single-select module ``M`` is one variable ``M`` over its option ids, plus ``None`` when
  the module is optional (nothing selected);
- a multi-select module ``M`` is one boolean variable ``M.o`` per option ``o``;
- an integer module ``M`` is one variable ``M`` over its values.

Constraints carry the id, message and source position of what they come from (a rule, a
variant table, or a multi-select module's cardinality), so every answer an engine gives can
point at the catalog's file:line. Constraints are checked by evaluating the rule language's
bound AST on an assignment: no string is ever evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .. import expr as _expr
from ..catalog.model import WILDCARD, Catalog, Module, Rule, VariantTable
from ..problems import Position
from ..values import FrozenMap, Label

__all__ = [
    "Assignment",
    "Constraint",
    "Model",
    "Variable",
    "compile_model",
    "fixed_values",
    "shrink_conflict",
]

#: Values of variables by name: an option id or None, a bool, or an int.
Assignment = Mapping[str, Any]
SelectionValue = str | tuple[str, ...] | int | None


@dataclass(frozen=True, slots=True)
class Variable:
    """A finite-domain variable and the module (and option, for multi-select) it stands for."""

    name: str
    module: str
    option: str | None
    domain: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Constraint:
    """A constraint over some variables, tagged with where it comes from."""

    id: str
    kind: Literal["rule", "table", "cardinality"]
    variables: tuple[str, ...]
    message: Label | None = None
    source: Position | None = field(default=None, compare=False)
    hard: bool = True  # warning-severity rules are reported but never block
    rule: Rule | None = field(default=None, compare=False, repr=False)
    table: VariantTable | None = field(default=None, compare=False, repr=False)
    module: Module | None = field(default=None, compare=False, repr=False)
    # A table's rows split for holds(), made on first use: every session compiles a model,
    # and a set of a big table's rows costs more than all the rest of compiling it.
    _rows: tuple[frozenset[tuple[Any, ...]], tuple[tuple[Any, ...], ...]] | None = field(
        default=None, init=False, compare=False, repr=False)

    def _split_rows(self) -> tuple[frozenset[tuple[Any, ...]], tuple[tuple[Any, ...], ...]]:
        rows = self._rows
        if rows is None:
            table_rows = self.table.rows if self.table is not None else ()
            rows = (frozenset(r for r in table_rows if WILDCARD not in r),
                    tuple(r for r in table_rows if WILDCARD in r))
            object.__setattr__(self, "_rows", rows)  # the same value in every thread
        return rows

    @property
    def exact_rows(self) -> frozenset[tuple[Any, ...]]:
        """A table's rows without wildcards, as a set for lookup (empty for other kinds)."""
        return self._split_rows()[0]

    @property
    def pattern_rows(self) -> tuple[tuple[Any, ...], ...]:
        """A table's rows with wildcards (empty for other kinds)."""
        return self._split_rows()[1]


class _View:
    """An assignment seen as a configuration by the rule language's evaluator."""

    __slots__ = ("catalog", "values")

    def __init__(self, catalog: Catalog, values: Assignment) -> None:
        self.catalog = catalog
        self.values = values

    def selected(self, module: str) -> frozenset[str]:
        found = self.catalog.module(module)
        if found.kind == "multi":
            # A constraint sees only its own variables; the options it does not read are
            # absent, and reading them as unselected cannot change its answer.
            get = self.values.get
            return frozenset(o.id for o in found.options if get(f"{module}.{o.id}"))
        value = self.values[module]
        return frozenset() if value is None else frozenset((value,))

    def value(self, module: str) -> int:
        return int(self.values[module])

    def attribute(self, module: str, option: str, attribute: str) -> Any:
        return self.catalog.attribute_value(module, option, attribute)

    def attribute_default(self, attribute: str) -> Any:
        return self.catalog.attributes[attribute].default

    def module_ids(self) -> Any:
        return self.catalog.module_ids()


@dataclass(frozen=True, slots=True)
class Model:
    """A catalog as variables and constraints. Immutable; shared by every engine."""

    catalog: Catalog
    variables: tuple[Variable, ...]
    constraints: tuple[Constraint, ...]
    _by_name: FrozenMap[str, Variable] = field(default_factory=FrozenMap, repr=False,
                                               compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", FrozenMap((v.name, v) for v in self.variables))

    def variable(self, name: str) -> Variable:
        return self._by_name[name]

    @property
    def hard_constraints(self) -> tuple[Constraint, ...]:
        return tuple(c for c in self.constraints if c.hard)

    def holds(self, constraint: Constraint, values: Assignment) -> bool:
        """Whether ``constraint`` holds when its variables have these values."""
        if constraint.kind == "cardinality":
            module = constraint.module
            assert module is not None
            count = sum(1 for name in constraint.variables if values[name])
            return module.min <= count <= module.max
        if constraint.kind == "table":
            table = constraint.table
            assert table is not None
            row = tuple(values[name] for name in constraint.variables)
            matched = row in constraint.exact_rows or any(
                all(cell is WILDCARD or cell == value for cell, value in zip(r, row, strict=True))
                for r in constraint.pattern_rows)
            return matched if table.kind == "allow" else not matched
        rule = constraint.rule
        assert rule is not None
        view = _View(self.catalog, values)
        if rule.when is not None and not _expr.evaluate(rule.when.ast, view):
            return True
        return bool(_expr.evaluate(rule.then.ast, view))


def _variables_of(catalog: Catalog, module_id: str, option: str | None) -> tuple[str, ...]:
    module = catalog.module(module_id)
    if module.kind != "multi":
        return (module_id,)
    if option is not None and module.option(option) is not None:
        return (f"{module_id}.{option}",)
    return tuple(f"{module_id}.{o.id}" for o in module.options)


def _rule_variables(catalog: Catalog, rule: Rule) -> tuple[str, ...]:
    names: set[tuple[str, str | None]] = set(_expr.names_used(rule.then.ast))
    if rule.when is not None:
        names |= _expr.names_used(rule.when.ast)
    out: dict[str, None] = {}
    for module, option in sorted(names, key=lambda n: (n[0], n[1] or "")):
        for name in _variables_of(catalog, module, option):
            out[name] = None
    return tuple(out)


def compile_model(catalog: Catalog) -> Model:
    """The Model of a catalog: one variable per decision, one constraint per rule or table."""
    variables: list[Variable] = []
    constraints: list[Constraint] = []
    for module in catalog.modules:
        if module.kind == "single":
            domain: tuple[Any, ...] = module.option_ids + (() if module.required else (None,))
            variables.append(Variable(module.id, module.id, None, domain))
        elif module.kind == "integer":
            variables.append(Variable(module.id, module.id, None, tuple(module.values())))
        else:
            names = []
            for option in module.options:
                name = f"{module.id}.{option.id}"
                names.append(name)
                variables.append(Variable(name, module.id, option.id, (False, True)))
            if module.min > 0 or module.max < len(module.options):
                constraints.append(Constraint(
                    id=f"{module.id}:count", kind="cardinality", variables=tuple(names),
                    message=Label((("en", f"choose {module.min} to {module.max} options in "
                                          f"{module.label}"),)),
                    source=module.source, module=module))
    for rule in catalog.rules:
        constraints.append(Constraint(
            id=rule.id, kind="rule", variables=_rule_variables(catalog, rule),
            message=rule.message, source=rule.source, hard=rule.severity == "error", rule=rule))
    for table in catalog.tables:
        constraints.append(Constraint(
            id=table.id, kind="table", variables=table.columns, message=table.message,
            source=table.source, table=table))
    return Model(catalog, tuple(variables), tuple(constraints))


def shrink_conflict(candidates: Iterable[Constraint],
                    conflicts: Callable[[list[Constraint]], bool],
                    keep_last: Sequence[str] = ()) -> tuple[Constraint, ...]:
    """A minimal subset of ``candidates`` that still ``conflicts``, by deletion.

    Each constraint is dropped in turn and stays out while the rest still conflict; those named
    in ``keep_last`` are tried last, so they stay whenever some conflict allows. The result
    keeps the candidates' order. Engines differ only in how they test ``conflicts``.
    """
    kept = list(candidates)
    for c in sorted(kept, key=lambda k: k.id in keep_last):
        trial = [k for k in kept if k is not c]
        if conflicts(trial):
            kept = trial
    return tuple(kept)


def fixed_values(model: Model, selection: Mapping[str, SelectionValue]) -> dict[str, Any]:
    """The variable values a selection fixes (module -> option, options, value or None).

    A multi-select module's listed options are fixed as selected; its other options stay
    open. The selection must already be checked against the catalog.
    """
    out: dict[str, Any] = {}
    for module_id, value in selection.items():
        module = model.catalog.module(module_id)
        if module.kind == "multi":
            if isinstance(value, int):
                raise TypeError(f"multi-select module {module_id} takes option ids")
            chosen = (value,) if isinstance(value, str) else tuple(value or ())
            for option in chosen:
                out[f"{module_id}.{option}"] = True
        else:
            out[module_id] = value
    return out
