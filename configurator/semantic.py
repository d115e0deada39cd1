"""Semantic lint: what a catalog's rules and variant tables mean together.

Loading checks each rule on its own. These checks solve the whole catalog with the SAT engine
and find what no single rule shows:

- **L701** the catalog has no configuration at all: the minimal set of rules and tables that
  contradict each other. The other checks are skipped, since everything is dead then.
- **L702** a *dead* option or integer value: no configuration can have it. The message names a
  minimal set of rules and tables that exclude it.
- **L703** a *forced* option or value: every configuration has it (and an optional module that
  can never be left empty). Modules whose own definition leaves one choice are not reported.
- **L704** a rule that never applies: its ``when`` cannot hold in any configuration that the
  *other* rules and tables allow, so the rule does nothing.
- **L705** a rule implied by the others: no configuration they allow violates it, so removing it
  changes nothing (for a warning rule: the warning is never shown).
- **L706** a row of an allow table that no configuration matches.
- **L707** a row of a deny table that the other rules and tables rule out anyway.

Both point at the row itself (an inline row's line and column in the catalog, a CSV row's line
in its file) and name it by its number and cells.

L704 and L705 are decided one rule at a time, from the last rule to the first, and a rule found
to do nothing no longer counts for the rules before it: when two rules say the same, only the
later one is reported, and removing every rule reported leaves the same configurations.

How: one ``supported({})`` call finds the dead and forced values; the engine's ``conflict``
explains each. A rule's questions (can its condition hold? can it be violated?) are *probe
constraints*: synthetic rules built from the rule's own bound AST, added to a probe model, so
one engine answers all of them through ``solve`` with explicit lists of constraints;
QuickXplain on the same engine explains the answers. Two things keep this fast on big
catalogs. Most questions have a positive answer, and most of those are settled without the
solver: a configuration found earlier, changed on the few variables the question is about
(and repaired a few steps deep), is a witness once every constraint reading the changed
variables holds. And a contradiction is usually local: the constraints near the rule are asked
first, which is cheap, and they also make a short explanation.

Rows that contain a dead value are not reported again as unusable (the dead value's finding says
why). Tables with more rows than ``max_table_rows`` are not checked row by row.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import expr as _expr
from .catalog.model import WILDCARD, Catalog, Expression, Module, Rule, VariantTable
from .engine import Constraint, Model, SatEngine, compile_model
from .engine.explain import quickxplain
from .problems import Position, Problem

__all__ = ["Finding", "SemanticReport", "analyse", "semantic_problems"]

#: Tables with more rows than this are not checked row by row (up to one solver call a row).
MAX_TABLE_ROWS = 5_000
#: At most this many findings of each code get an explanation (a minimal conflict each).
EXPLAIN_LIMIT = 100

_PROBE = "\x00probe"  # prefix of probe constraint ids: no catalog id can contain it
_POOL = 16  # configurations kept as starting points for witnesses
_TRIES = 6  # of them tried per question
_CHANGES = 8  # ways of making a condition true tried per starting point
_FIXES = 3  # ways of repairing a broken constraint tried per step
_DEPTH = 5  # repair steps
_BUDGET = 2000  # constraint evaluations per question before asking the solver
_ROWS = 200  # table rows looked at for a repair
_FLIPS = 12  # variables (and values of each) tried when changing one variable at a time
_RADIUS = 2  # steps of neighbourhood tried before asking about every constraint
_NEAR = 300  # most constraints in a neighbourhood

Values = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Finding:
    """One semantic finding: its code, where it points, its message, and its causes as data.

    ``because`` is the minimal set of constraints behind the finding (empty when none was
    computed). ``variable``/``values`` name the dead or forced values of a model variable;
    ``rule`` a rule id; ``table``/``row`` a variant table and the 0-based index of its row.
    """

    code: str
    message: str
    position: Position
    because: tuple[Constraint, ...] = ()
    variable: str | None = None
    values: tuple[Any, ...] = ()
    rule: str | None = None
    table: str | None = None
    row: int | None = None
    suggestion: str | None = None

    def problem(self) -> Problem:
        """This finding as a lint problem record."""
        return Problem.at(self.code, self.message, self.position, suggestion=self.suggestion)


@dataclass(frozen=True, slots=True)
class SemanticReport:
    """Every semantic finding of one catalog."""

    findings: tuple[Finding, ...]

    @property
    def satisfiable(self) -> bool:
        return not any(f.code == "L701" for f in self.findings)

    def dead(self) -> dict[str, frozenset[Any]]:
        """The dead values of each model variable that has any (for a multi-select option's
        variable ``M.o``: ``{True}``)."""
        out: dict[str, set[Any]] = {}
        for f in self.findings:
            if f.code == "L702" and f.variable is not None:
                out.setdefault(f.variable, set()).update(f.values)
        return {name: frozenset(values) for name, values in out.items()}

    def problems(self) -> list[Problem]:
        return [f.problem() for f in self.findings]


def semantic_problems(catalog: Catalog, *, max_table_rows: int = MAX_TABLE_ROWS,
                      explain_limit: int = EXPLAIN_LIMIT) -> list[Problem]:
    """The semantic findings of a catalog that loaded without errors, as lint problems."""
    return analyse(catalog, max_table_rows=max_table_rows,
                   explain_limit=explain_limit).problems()


def analyse(catalog: Catalog, *, max_table_rows: int = MAX_TABLE_ROWS,
            explain_limit: int = EXPLAIN_LIMIT) -> SemanticReport:
    """Run every semantic check on a catalog (see the module's documentation)."""
    analysis = _Analysis(catalog, max_table_rows, explain_limit)
    try:
        analysis.run()
    finally:
        analysis.close()
    return SemanticReport(tuple(analysis.findings))


# -- wording ----------------------------------------------------------------------------------

def _where(pos: Position | None) -> str:
    return f" ({pos.file}:{pos.line})" if pos is not None else ""


def _describe(c: Constraint) -> str:
    if c.kind == "table":
        return f"table {c.id}{_where(c.source)}"
    if c.kind == "cardinality":
        module = c.module
        assert module is not None
        return (f"the limit of {module.min} to {module.max} options in '{module.id}'"
                f"{_where(c.source)}")
    return f"rule {c.id}{_where(c.source)}"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _causes(because: Sequence[Constraint], one: str, many: str) -> str:
    """``rule a (f:1) excludes it`` / ``rule a (f:1) and table b (f:9) exclude it``."""
    if not because:
        return ""
    return f"{_join([_describe(c) for c in because])} {one if len(because) == 1 else many}"


def _cell_text(cell: Any) -> str:
    if cell is WILDCARD:
        return "*"
    return "none" if cell is None else str(cell)


def _value_ranges(values: Sequence[int], step: int) -> str:
    """``4, 12..20`` for the values 4, 12, 16, 20 with step 4."""
    parts: list[str] = []
    start = prev = values[0]
    for v in [*values[1:], None]:
        if v is not None and v == prev + step:
            prev = v
            continue
        if start == prev:
            parts.append(str(start))
        elif prev == start + step:
            parts.append(f"{start}, {prev}")
        else:
            parts.append(f"{start}..{prev}")
        if v is not None:
            start = prev = v
    return ", ".join(parts)


# -- probes -----------------------------------------------------------------------------------

def _probe(constraint: Constraint, kind: str, ast: Any, text: str) -> Constraint:
    """A hard constraint over the rule's variables that holds exactly when ``ast`` does."""
    rule = constraint.rule
    assert rule is not None
    source = rule.source or Position("?", 1, 1)
    probe_rule = Rule(id=f"{_PROBE}:{kind}:{rule.id}", message=rule.message, kind="constraint",
                      then=Expression(text, ast, source), severity="error", source=rule.source)
    return dataclasses.replace(constraint, id=probe_rule.id, rule=probe_rule, hard=True)


def _violation(rule: Rule) -> tuple[Any, str]:
    """The rule's violation as a bound AST, and as text."""
    broken: Any = _expr.BoolNot(rule.then.ast)
    text = f"not ({rule.then.text})"
    if rule.when is not None:
        broken = _expr.And(rule.when.ast, broken)
        text = f"({rule.when.text}) and {text}"
    return broken, text


def _witnessed(node: Any, catalog: Catalog, supported: Mapping[str, frozenset[Any]]) -> bool:
    """Whether the supported values alone prove that ``node`` holds in some configuration.

    Exact for conditions on one module (an option, ``in``, a module being used) and their
    ``or``; False means "not proven", never "impossible".
    """
    match node:
        case _expr.Const(value=value):
            return bool(value)
        case _expr.Or(left=left, right=right):
            return _witnessed(left, catalog, supported) or _witnessed(right, catalog, supported)
        case _expr.OptionSelected(module=module, option=option):
            return _possible(catalog, supported, module, (option,), negated=False)
        case _expr.AnySelected(module=module):
            return _possible(catalog, supported, module, catalog.module(module).option_ids,
                             negated=False)
        case _expr.OptionIn(module=module, options=options, negated=negated):
            return _possible(catalog, supported, module, options, negated)
    return False


def _possible(catalog: Catalog, supported: Mapping[str, frozenset[Any]], module_id: str,
              options: Sequence[str], negated: bool) -> bool:
    module = catalog.module(module_id)
    if module.kind == "multi":
        if negated:
            return False  # needs all of them unselected at once: not a per-value question
        return any(True in supported[f"{module_id}.{o}"] for o in options)
    values = supported[module_id]
    if negated:
        return any(v not in options for v in values)
    return any(o in values for o in options)


# -- witnesses by local change ----------------------------------------------------------------

class _Changes:
    """Small changes to a configuration that make a condition true or false.

    Only for conditions built from options (``M.o``, ``M in [...]``, a module being used) with
    ``not``/``and``/``or``/``implies``; None for anything else. Each change is a mapping of
    variables to new values; a few per condition, never all of them.
    """

    def __init__(self, model: Model) -> None:
        self.catalog = model.catalog
        self.domains = {v.name: v.domain for v in model.variables}

    def make(self, node: Any, truth: bool, base: Values) -> list[dict[str, Any]] | None:
        match node:
            case _expr.Const(value=value):
                return [{}] if bool(value) == truth else []
            case _expr.BoolNot(operand=operand):
                return self.make(operand, not truth, base)
            case _expr.And(left=left, right=right):
                return self.both(left, right, truth, base) if truth else \
                    self.either(left, right, False, base)
            case _expr.Or(left=left, right=right):
                return self.either(left, right, True, base) if truth else \
                    self.both(left, right, False, base)
            case _expr.Implies(left=left, right=right):
                if truth:
                    return self.either(_expr.BoolNot(left), right, True, base)
                return self.both(left, _expr.BoolNot(right), True, base)
            case _expr.OptionSelected(module=module, option=option):
                return self.options(module, (option,), truth, base)
            case _expr.OptionIn(module=module, options=options, negated=negated):
                return self.options(module, options, truth != negated, base)
            case _expr.AnySelected(module=module):
                return self.options(module, self.catalog.module(module).option_ids, truth, base)
        return None

    def both(self, left: Any, right: Any, truth: bool, base: Values
             ) -> list[dict[str, Any]] | None:
        a, b = self.make(left, truth, base), self.make(right, truth, base)
        if a is None or b is None:
            return None
        out = []
        for x, y in itertools.product(a, b):
            if all(y.get(k, v) == v for k, v in x.items()):
                out.append({**x, **y})
                if len(out) >= _CHANGES:
                    break
        return out

    def either(self, left: Any, right: Any, truth: bool, base: Values
               ) -> list[dict[str, Any]] | None:
        a, b = self.make(left, truth, base), self.make(right, truth, base)
        if a is None or b is None:
            return None
        return (a + b)[:_CHANGES]

    def options(self, module_id: str, options: Sequence[str], selected: bool, base: Values
                ) -> list[dict[str, Any]]:
        """Changes that select one of ``options`` (or none of them) in the module."""
        module = self.catalog.module(module_id)
        if module.kind == "multi":
            names = [f"{module_id}.{o}" for o in options]
            if selected:
                return [{} if base[n] else {n: True} for n in names][:_CHANGES]
            return [{n: False for n in names if base[n]}]
        current = base[module_id]
        if (current in options) == selected:
            return [{}]
        return [{module_id: v} for v in self.domains[module_id]
                if (v in options) == selected][:_CHANGES]


class _Witnesses:
    """Configurations found so far, and witnesses made from them by local change."""

    def __init__(self, model: Model, constraints: Iterable[Constraint]) -> None:
        self.model = model
        self.changes = _Changes(model)
        self.reading: dict[str, list[Constraint]] = {}
        for c in constraints:
            for name in c.variables:
                self.reading.setdefault(name, []).append(c)
        self.pool: list[Values] = []
        self.turn = 0
        self.budget = 0

    def add(self, solution: Values) -> None:
        self.pool.append(solution)
        if len(self.pool) > _POOL:
            del self.pool[0]

    def bases(self) -> list[Values]:
        """A few configurations to start from, a different few each time."""
        if len(self.pool) <= _TRIES:
            return list(self.pool)
        self.turn = (self.turn + 1) % len(self.pool)
        return [self.pool[(self.turn + i) % len(self.pool)] for i in range(_TRIES)]

    def failing(self, values: Values, change: Mapping[str, Any], skip: str | None,
                active: Mapping[str, Constraint] | None) -> Constraint | None:
        """The first constraint reading a changed variable (but ``skip``, and only those in
        ``active`` when given) that does not hold in ``values``."""
        seen: set[str] = set()
        for name in change:
            for c in self.reading.get(name, ()):
                if c.id in seen or c.id == skip or (active is not None and c.id not in active):
                    continue
                seen.add(c.id)
                self.budget -= _cost(c)
                if not self.model.holds(c, values):
                    return c
        return None

    def find(self, condition: Constraint | None, *, fixed: Mapping[str, Any] | None = None,
             skip: str | None = None, active: Mapping[str, Constraint] | None = None
             ) -> Values | None:
        """A configuration in which ``condition`` (a probe) holds, ``fixed`` is set, and
        every constraint but ``skip`` (of ``active``, if given) holds, made by a small change
        to a known one and repaired a few steps deep; or None when none was found within a
        small budget of constraint evaluations."""
        self.budget = _BUDGET
        for base in self.bases():
            if fixed is not None:
                starts: list[dict[str, Any]] | None = [dict(fixed)]
            else:
                assert condition is not None and condition.rule is not None
                starts = self.changes.make(condition.rule.then.ast, True, base)
                if starts is None:
                    starts = self.flips(condition, base, frozenset())
            for start in starts or ():
                change = {k: v for k, v in start.items() if base[k] != v}
                found = self.repair(base, change, frozenset(start), condition, skip, active,
                                    _DEPTH)
                if found is not None:
                    return found
                if self.budget <= 0:
                    return None
        return None

    def repair(self, base: Values, change: dict[str, Any], locked: frozenset[str],
               condition: Constraint | None, skip: str | None,
               active: Mapping[str, Constraint] | None, depth: int) -> Values | None:
        values = _overlay(base, change)
        if condition is not None and not self.model.holds(condition, values):
            return None
        broken = self.failing(values, change, skip, active)
        if broken is None:
            return values
        if depth == 0 or self.budget <= 0:
            return None
        for fix in self.fixes(broken, values, locked):
            if any(k in locked and values[k] != v for k, v in fix.items()):
                continue
            merged = {k: v for k, v in {**change, **fix}.items() if base[k] != v}
            found = self.repair(base, merged, locked | fix.keys(), condition, skip, active,
                                depth - 1)
            if found is not None:
                return found
            if self.budget <= 0:
                return None
        return None

    def flips(self, c: Constraint, values: Values, locked: frozenset[str]
              ) -> list[dict[str, Any]]:
        """Changes of one variable (not a locked one) each, that make ``c`` hold."""
        out: list[dict[str, Any]] = []
        for name in [n for n in c.variables if n not in locked][:_FLIPS]:
            domain = self.changes.domains[name]
            for value in domain[::max(1, len(domain) // _FLIPS)]:
                if value == values[name]:
                    continue
                self.budget -= _cost(c)
                if self.model.holds(c, ChainMap({name: value}, values)):  # type: ignore[arg-type]
                    out.append({name: value})
                    break
            if len(out) >= _FIXES or self.budget <= 0:
                break
        return out

    def fixes(self, c: Constraint, values: Values, locked: frozenset[str]
              ) -> list[dict[str, Any]]:
        """A few changes that would make ``c`` hold again."""
        if c.kind == "rule":
            rule = c.rule
            assert rule is not None
            then = self.changes.make(rule.then.ast, True, values)
            unless = [] if rule.when is None else self.changes.make(rule.when.ast, False, values)
            if then is None or unless is None:
                return self.flips(c, values, locked)
            return (then + unless)[:_FIXES]
        if c.kind == "cardinality":
            selected = [n for n in c.variables if values[n]]
            module = c.module
            assert module is not None
            if len(selected) > module.max:
                return [{n: False} for n in selected][:_FIXES]
            return [{n: True} for n in c.variables if not values[n]][:_FIXES]
        table = c.table
        assert table is not None
        current = [values[n] for n in c.variables]
        if table.kind == "allow":  # the rows closest to the current values
            rows = sorted(table.rows[:_ROWS], key=lambda row: sum(
                cell is not WILDCARD and cell != v for cell, v in zip(row, current, strict=True)))
            return [{n: cell for n, cell in zip(c.variables, row, strict=True)
                     if cell is not WILDCARD} for row in rows[:_FIXES]]
        out = []
        for name in c.variables:  # change one of the denied combination's values
            out += [{name: v} for v in self.changes.domains[name] if v != values[name]][:1]
        return out[:_FIXES]


def _cost(c: Constraint) -> int:
    """What evaluating a constraint costs, in units of the witness search's budget."""
    return 1 + len(c.variables) // 32


def _overlay(base: Values, change: dict[str, Any]) -> Values:
    """``base`` with ``change`` applied, sharing the base; never more than two levels deep."""
    if isinstance(base, ChainMap):
        return ChainMap({**base.maps[0], **change}, base.maps[1])
    return ChainMap(change, base)  # type: ignore[arg-type]


# -- the analysis -----------------------------------------------------------------------------

class _Analysis:
    def __init__(self, catalog: Catalog, max_table_rows: int, explain_limit: int) -> None:
        self.catalog = catalog
        self.max_table_rows = max_table_rows
        self.explain_limit = explain_limit
        self.explained: dict[str, int] = {}
        self.findings: list[Finding] = []
        self.model = compile_model(catalog)
        self.hard = self.model.hard_constraints
        self.by_id = {c.id: c for c in self.model.constraints}
        self.engine = SatEngine(self.model)
        self._probe_engine: SatEngine | None = None
        self.probes: list[Constraint] = []
        self.witnesses = _Witnesses(self.model, self.hard)
        self.supported: dict[str, frozenset[Any]] = {}
        self.dead: dict[str, frozenset[Any]] = {}
        # How often near constraints alone settled a question (see refuting()).
        self.local_hits = 0
        self.local_tries = 0

    def close(self) -> None:
        self.engine.close()
        if self._probe_engine is not None:
            self._probe_engine.close()

    def fallback_position(self) -> Position:
        if self.catalog.source is not None:
            return self.catalog.source
        return Position(str(self.catalog.path or "?"), 1, 1)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def may_explain(self, code: str) -> bool:
        count = self.explained.get(code, 0)
        self.explained[code] = count + 1
        return count < self.explain_limit

    def run(self) -> None:
        first = self.engine.solve({})
        if first is None:
            self.unsatisfiable()
            return
        self.witnesses.add(first)
        self.values()
        self.allow_tables()
        active = self.rules()
        self.deny_tables(active)

    # -- L701 --------------------------------------------------------------------------------
    def unsatisfiable(self) -> None:
        conflict = self.engine.conflict({})
        pos = next((c.source for c in conflict if c.source is not None),
                   self.fallback_position())
        if len(conflict) == 1:
            detail = f": {_describe(conflict[0])} can never be satisfied"
        elif conflict:
            detail = f": {_join([_describe(c) for c in conflict])} contradict each other"
        else:
            detail = ""
        self.add(Finding("L701", f"the catalog has no valid configuration{detail}", pos,
                         because=conflict, suggestion="relax one of these rules or tables"))

    # -- L702, L703 --------------------------------------------------------------------------
    def values(self) -> None:
        self.supported = self.engine.supported({})
        for variable in self.model.variables:
            values = self.supported[variable.name]
            dead = tuple(v for v in variable.domain if v not in values)
            if dead:
                self.dead[variable.name] = frozenset(dead)
            module = self.catalog.module(variable.module)
            if module.kind == "single":
                self.single(module, values, dead)
            elif module.kind == "multi":
                assert variable.option is not None
                self.multi(module, variable.name, variable.option, values)
            else:
                self.integer(module, values, dead)

    def why(self, code: str, fixed: Mapping[str, Any]) -> tuple[Constraint, ...]:
        return self.engine.conflict(fixed) if self.may_explain(code) else ()

    def option_position(self, module: Module, option_id: str) -> Position:
        option = module.option(option_id)
        pos = option.source if option is not None else None
        return pos or module.source or self.fallback_position()

    def dead_option(self, module: Module, option_id: str, variable: str, value: Any) -> None:
        because = self.why("L702", {variable: value})
        tail = _causes(because, "excludes it", "exclude it")
        self.add(Finding(
            "L702", f"option '{module.id}.{option_id}' can never be selected"
            + (f": {tail}" if tail else ""), self.option_position(module, option_id), because,
            variable=variable, values=(value,),
            suggestion="remove the option, or relax the rules that exclude it"))

    def forced_option(self, module: Module, option_id: str, variable: str, value: Any,
                      because: tuple[Constraint, ...], reason: str) -> None:
        self.add(Finding(
            "L703", f"option '{module.id}.{option_id}' is in every configuration: {reason}",
            self.option_position(module, option_id), because, variable=variable,
            values=(value,),
            suggestion="check the rules that force it, or make it part of the base product"))

    def single(self, module: Module, values: frozenset[Any], dead: tuple[Any, ...]) -> None:
        for value in dead:
            if value is not None:
                self.dead_option(module, value, module.id, value)
        if len(values) == 1 and len(module.options) + (not module.required) > 1:
            (value,) = values
            if value is not None:  # never selected at all: every option is reported dead
                self.forced_option(module, value, module.id, value, (),
                                   f"no other option of '{module.id}' can be selected")
            return
        if None in dead:
            because = self.why("L703", {module.id: None})
            tail = _causes(because, "requires a choice", "require a choice")
            self.add(Finding(
                "L703", f"optional module '{module.id}' can never be left empty"
                + (f": {tail}" if tail else ""), module.source or self.fallback_position(),
                because, variable=module.id, values=(None,),
                suggestion="make the module required, or relax the rules that require it"))

    def multi(self, module: Module, variable: str, option: str, values: frozenset[Any]) -> None:
        if values == frozenset({False}):
            self.dead_option(module, option, variable, True)
        elif values == frozenset({True}) and module.min < len(module.options):
            because = self.why("L703", {variable: False})
            self.forced_option(module, option, variable, True, because,
                               _causes(because, "requires it", "require it")
                               or "it can never be left out")

    def integer(self, module: Module, values: frozenset[Any], dead: tuple[Any, ...]) -> None:
        pos = module.source or self.fallback_position()
        if dead:
            because = self.why("L702", {module.id: dead[0]})
            tail = _causes(because, "excludes it", "exclude it")
            if len(dead) == 1:
                text = f"value {dead[0]} of '{module.id}' can never be chosen"
                text += f": {tail}" if tail else ""
            else:
                text = (f"values {_value_ranges(dead, module.step)} of '{module.id}' can "
                        "never be chosen")
                text += f"; for {dead[0]}, {tail}" if tail else ""
            self.add(Finding("L702", text, pos, because, variable=module.id, values=dead,
                             suggestion="narrow the module's range or step, or relax the "
                             "rules that exclude these values"))
        if len(values) == 1 and module.min != module.max:
            (value,) = values
            self.add(Finding(
                "L703", f"'{module.id}' is {value} in every configuration: no other value "
                "can be chosen", pos, variable=module.id, values=(value,),
                suggestion="check the rules that force it, or make it a fixed value"))

    # -- L706, L707 --------------------------------------------------------------------------
    def row_has_dead_value(self, table: VariantTable, row: tuple[Any, ...]) -> bool:
        return any(cell is not WILDCARD and cell in self.dead.get(column, ())
                   for column, cell in zip(table.columns, row, strict=True))

    def row_text(self, table: VariantTable, index: int) -> str:
        cells = ", ".join(f"{column}={_cell_text(cell)}"
                          for column, cell in zip(table.columns, table.rows[index], strict=True))
        return f"row {index + 1} of table '{table.id}' ({cells})"

    def row_position(self, table: VariantTable, index: int) -> Position:
        """The row itself (a CSV row: its line in the CSV file), else the table."""
        return table.row_source(index) or table.source or self.fallback_position()

    def checked_tables(self, kind: str) -> list[VariantTable]:
        return [t for t in self.catalog.tables
                if t.kind == kind and len(t.rows) <= self.max_table_rows]

    def allow_tables(self) -> None:
        allow = self.checked_tables("allow")
        used: dict[str, set[int]] = {t.id: set() for t in allow}
        matchers = {t.id: _RowMatcher(t) for t in allow}

        def record(solution: Values) -> None:
            for t in allow:
                used[t.id].update(matchers[t.id].matches(solution))

        for known in self.witnesses.pool:
            record(known)
        for table in allow:
            for index, row in enumerate(table.rows):
                if index in used[table.id] or self.row_has_dead_value(table, row):
                    continue
                fixed = _row_fixed(table, row)
                solution = self.witnesses.find(None, fixed=fixed) or self.engine.solve(fixed)
                if solution is not None:
                    self.witnesses.add(solution)
                    record(solution)
                    continue
                because = self.why("L706", fixed)
                tail = _causes(because, "excludes it", "exclude it")
                self.add(Finding(
                    "L706", f"{self.row_text(table, index)} can never be used"
                    + (f": {tail}" if tail else ""),
                    self.row_position(table, index), because, table=table.id,
                    row=index, suggestion="remove the row, or relax the rules that exclude it"))

    def deny_tables(self, active: Mapping[str, Constraint]) -> None:
        """Rows of deny tables that the constraints still in force (after the rules found to
        do nothing are gone) rule out anyway."""
        for table in self.checked_tables("deny"):
            matcher = _RowMatcher(table)
            matched: set[int] = set()
            for index, row in enumerate(table.rows):
                if index in matched:
                    continue
                fixed = _row_fixed(table, row)
                solve = self.solve_with(fixed)
                solution = self.witnesses.find(None, fixed=fixed, skip=table.id, active=active)
                if solution is not None:
                    matched.update(matcher.matches(solution))
                    continue
                refuting = self.refuting(solve, None, fixed, active, table.id)
                if refuting is None:
                    continue
                because: tuple[Constraint, ...] = ()
                if self.may_explain("L707"):
                    because = quickxplain([], refuting, self.solvable_with(fixed)) or ()
                tail = _causes(because, "already excludes it", "already exclude it")
                self.add(Finding(
                    "L707", f"{self.row_text(table, index)} is redundant: "
                    + (tail or "it is impossible anyway"),
                    self.row_position(table, index), because, table=table.id,
                    row=index, suggestion="remove the row"))

    # -- L704, L705 --------------------------------------------------------------------------
    @property
    def probe_engine(self) -> SatEngine:
        """One engine for every probe: the model's constraints and every probe, built the
        first time a question needs the solver."""
        if self._probe_engine is None:
            model = Model(self.catalog, self.model.variables,
                          (*self.model.constraints, *self.probes))
            self._probe_engine = SatEngine(model)
        return self._probe_engine

    def rules(self) -> dict[str, Constraint]:
        """Check every rule; return the constraints still in force afterwards."""
        # First without the solver: a witness found against every other hard constraint
        # stays one when rules are dropped later. A violation also shows the rule applies.
        open_: list[tuple[Rule, Constraint | None, Constraint]] = []
        for rule in self.catalog.rules:
            constraint = self.by_id[rule.id]
            violated = _probe(constraint, "violated", *_violation(rule))
            if self.witnessed(violated, rule.id, pool=not constraint.hard):
                continue
            fires = None
            if rule.when is not None:
                fires = _probe(constraint, "fires", rule.when.ast, rule.when.text)
                if _witnessed(rule.when.ast, self.catalog, self.supported) \
                        or self.witnessed(fires, rule.id, pool=True):
                    fires = None
            open_.append((rule, fires, violated))
        active = {c.id: c for c in self.hard}
        if not open_:
            return active
        self.probes = [p for _, fires, violated in open_ for p in (fires, violated)
                       if p is not None]
        # Then the solver, from the last rule to the first, on the constraints still in force.
        for rule, fires, violated in reversed(open_):
            variables = self.by_id[rule.id].variables
            if fires is not None:
                refuting = self.refuting(self.solve, fires, variables, active, rule.id)
                if refuting is not None:
                    self.never_fires(rule, fires, refuting)
                    active.pop(rule.id, None)
                    continue
            refuting = self.refuting(self.solve, violated, variables, active, rule.id)
            if refuting is not None:
                self.implied(rule, violated, refuting)
                active.pop(rule.id, None)
        return active

    def refuting(self, solve: Callable[[Sequence[Constraint]], Values | None],
                 probe: Constraint | None, variables: Iterable[str],
                 active: Mapping[str, Constraint], skip: str) -> list[Constraint] | None:
        """Constraints of ``active`` (but ``skip``) that have no solution together with the
        probe: the nearest ones when they suffice, else all of them; None when all of them
        have a solution.

        Near constraints first read the given variables, then one step further. A
        contradiction is usually local, and a query on a few constraints is cheap, so while
        most questions end in a contradiction the near ones are asked first; otherwise every
        constraint is asked first, and the near ones only to narrow a contradiction down.
        The answer is the same either way.
        """
        extra = [] if probe is None else [probe]
        everything: list[Constraint] | None = None
        local_first = self.local_hits * 2 >= self.local_tries
        if not local_first:
            everything = [c for cid, c in active.items() if cid != skip]
            if solve([*everything, *extra]) is not None:
                return None
        self.local_tries += 1
        for near in self.neighbourhoods(variables, active, skip):
            found = solve([*near, *extra])
            if found is None:
                self.local_hits += 1
                return near
        if everything is None:
            everything = [c for cid, c in active.items() if cid != skip]
            if solve([*everything, *extra]) is not None:
                return None
        return everything

    def neighbourhoods(self, variables: Iterable[str], active: Mapping[str, Constraint],
                       skip: str) -> Iterator[list[Constraint]]:
        """The constraints of ``active`` (but ``skip``) that read the variables, then also
        those that read theirs, and so on, while they are few and still growing."""
        reached: dict[str, Constraint] = {}
        names = set(variables)
        frontier = set(names)
        for _ in range(_RADIUS):
            grown = {}
            for name in frontier:
                for c in self.witnesses.reading.get(name, ()):
                    if c.id != skip and c.id in active and c.id not in reached:
                        grown[c.id] = c
            if not grown or len(reached) + len(grown) > _NEAR:
                return
            reached.update(grown)
            yield list(reached.values())
            frontier = {n for c in grown.values() for n in c.variables} - names
            names |= frontier

    def witnessed(self, probe: Constraint, rule_id: str, pool: bool) -> bool:
        """Whether a configuration known, or made by a small change to one, satisfies the
        probe and every hard constraint but the rule."""
        if pool and any(self.model.holds(probe, s) for s in self.witnesses.pool):
            return True
        return self.witnesses.find(probe, skip=rule_id) is not None

    def solve(self, constraints: Sequence[Constraint]) -> Values | None:
        return self.probe_engine.solve({}, constraints)

    def solvable(self, constraints: Sequence[Constraint]) -> bool:
        return self.solve(constraints) is not None

    def solve_with(self, fixed: Mapping[str, Any]
                   ) -> Callable[[Sequence[Constraint]], Values | None]:
        def solve(constraints: Sequence[Constraint]) -> Values | None:
            return self.engine.solve(fixed, constraints)
        return solve

    def solvable_with(self, fixed: Mapping[str, Any]) -> Callable[[Sequence[Constraint]], bool]:
        def solvable(constraints: Sequence[Constraint]) -> bool:
            return self.engine.solve(fixed, constraints) is not None
        return solvable

    def explain_probe(self, code: str, probe: Constraint, candidates: list[Constraint]
                      ) -> tuple[Constraint, ...]:
        if not self.may_explain(code):
            return ()
        found = quickxplain([probe], candidates, self.solvable)
        return tuple(found or ())

    def never_fires(self, rule: Rule, probe: Constraint, refuting: list[Constraint]) -> None:
        assert rule.when is not None
        because = self.explain_probe("L704", probe, refuting)
        tail = _causes(because, "rules it out", "rule it out")
        self.add(Finding(
            "L704", f"rule '{rule.id}' never applies: its condition '{rule.when.text}' cannot "
            "hold in any valid configuration" + (f" ({tail})" if tail else ""),
            rule.source or self.fallback_position(), because, rule=rule.id,
            suggestion="remove the rule, or correct its condition"))

    def implied(self, rule: Rule, probe: Constraint, refuting: list[Constraint]) -> None:
        because = self.explain_probe("L705", probe, refuting)
        if rule.severity == "error":
            head = f"rule '{rule.id}' is redundant"
            tail = _causes(because, "already ensures it", "already ensure it")
        else:
            head = f"warning rule '{rule.id}' is never shown"
            tail = _causes(because, "already prevents it", "already prevent it")
        self.add(Finding(
            "L705", f"{head}: {tail or 'it always holds'}",
            rule.source or self.fallback_position(), because, rule=rule.id,
            suggestion="remove the rule" if rule.severity == "error" else
            "remove the warning, or correct its condition"))


def _row_fixed(table: VariantTable, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column: cell for column, cell in zip(table.columns, row, strict=True)
            if cell is not WILDCARD}


class _RowMatcher:
    """Which rows of a table a full assignment matches: exact rows by lookup, wildcard rows
    one by one."""

    def __init__(self, table: VariantTable) -> None:
        self.columns = table.columns
        self.exact: dict[tuple[Any, ...], int] = {}
        self.patterns: list[tuple[int, tuple[Any, ...]]] = []
        for index, row in enumerate(table.rows):
            if WILDCARD in row:
                self.patterns.append((index, row))
            else:
                self.exact.setdefault(row, index)

    def matches(self, solution: Values) -> list[int]:
        values = tuple(solution[c] for c in self.columns)
        found = [i for i, row in self.patterns
                 if all(cell is WILDCARD or cell == v
                        for cell, v in zip(row, values, strict=True))]
        exact = self.exact.get(values)
        if exact is not None:
            found.append(exact)
        return found
