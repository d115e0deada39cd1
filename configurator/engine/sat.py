"""The ``sat`` engine: the model encoded as CNF for CaDiCaL (python-sat), queried with
assumptions on one incremental solver.

Encoding (exact, never approximated):
- every variable value has a literal; each variable takes exactly one value;
- a multi-select cardinality is a cardinality constraint over its option literals;
- a variant table is a disjunction of its rows (one auxiliary literal per row), a deny table
  one clause per row;
- a rule's bound AST is encoded bottom-up. A boolean node becomes one literal (Tseitin); any
  other node becomes a *value map*: for each value it can take, a literal that is true exactly
  when it takes that value. A node over value maps is encoded by evaluating the node itself
  (through the rule language's own evaluator, on constant children) for every combination of
  its children's values, so the encoding computes exactly what ``Model.holds`` computes.

Every constraint is guarded by a selector literal, assumed true when solving: dropping a
constraint from a query is leaving its selector out, and an unsatisfiable query's core names
the constraints that conflict.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pysat.card import CardEnc, EncType
from pysat.formula import IDPool
from pysat.solvers import Solver

from .. import expr as _expr
from ..catalog.model import WILDCARD
from .model import Constraint, Model, shrink_conflict

__all__ = ["SatEngine"]

ValueMap = dict[Any, int]  # value -> literal


class _Encoder:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.catalog = model.catalog
        self.pool = IDPool()
        self.clauses: list[list[int]] = []
        self.true: int = int(self.pool.id(("true",)))
        self.clauses.append([self.true])
        self.value_lits: dict[str, dict[Any, int]] = {}
        for v in model.variables:
            lits = {value: int(self.pool.id(("var", v.name, repr(value))))
                    for value in v.domain}
            self.value_lits[v.name] = lits
            self.exactly_one(list(lits.values()))

    # -- plumbing ------------------------------------------------------------------------------
    def new(self) -> int:
        return int(self.pool.id(("aux", len(self.pool.obj2id))))

    def exactly_one(self, lits: list[int]) -> None:
        card = CardEnc.equals(lits=lits, bound=1, vpool=self.pool, encoding=EncType.seqcounter)
        self.clauses.extend(card.clauses)

    def conj(self, lits: Iterable[int]) -> int:
        items = [x for x in dict.fromkeys(lits) if x != self.true]
        if not items:
            return self.true
        if -self.true in items:
            return -self.true
        if len(items) == 1:
            return items[0]
        out = self.new()
        self.clauses.extend([-out, x] for x in items)
        self.clauses.append([out, *(-x for x in items)])
        return out

    def disj(self, lits: Iterable[int]) -> int:
        return -self.conj(-x for x in lits)

    def guarded(self, selector: int, clause: Sequence[int]) -> None:
        self.clauses.append([-selector, *clause])

    # -- constraints ---------------------------------------------------------------------------
    def constraint(self, c: Constraint, selector: int) -> None:
        if c.kind == "cardinality":
            module = c.module
            assert module is not None
            lits = [self.value_lits[name][True] for name in c.variables]
            for enc in (CardEnc.atleast(lits, bound=module.min, vpool=self.pool,
                                        encoding=EncType.seqcounter),
                        CardEnc.atmost(lits, bound=module.max, vpool=self.pool,
                                       encoding=EncType.seqcounter)):
                for clause in enc.clauses:
                    self.guarded(selector, clause)
        elif c.kind == "table":
            table = c.table
            assert table is not None
            rows = [self.conj(self.value_lits[name][cell]
                              for name, cell in zip(c.variables, row, strict=True)
                              if cell is not WILDCARD)
                    for row in table.rows]
            if table.kind == "allow":
                self.guarded(selector, rows)
            else:
                for row_lit in rows:
                    self.guarded(selector, [-row_lit])
        else:
            rule = c.rule
            assert rule is not None
            then = self.boolean(rule.then.ast)
            clause = [then] if rule.when is None else [-self.boolean(rule.when.ast), then]
            self.guarded(selector, clause)

    # -- the rule language ---------------------------------------------------------------------
    def option_lit(self, module: str, option: str) -> int:
        if self.catalog.module(module).kind == "multi":
            return self.value_lits[f"{module}.{option}"][True]
        return self.value_lits[module][option]

    def selected_lits(self, module: str) -> list[tuple[str, int]]:
        return [(o.id, self.option_lit(module, o.id)) for o in self.catalog.module(module).options]

    def boolean(self, node: Any) -> int:
        match node:
            case _expr.Const(value=value):
                return self.true if value else -self.true
            case _expr.OptionSelected(module=module, option=option):
                return self.option_lit(module, option)
            case _expr.AnySelected(module=module):
                return self.disj(lit for _, lit in self.selected_lits(module))
            case _expr.OptionIn(module=module, options=options, negated=negated):
                lit = self.disj(self.option_lit(module, o) for o in options)
                return -lit if negated else lit
            case _expr.And(left=left, right=right):
                return self.conj([self.boolean(left), self.boolean(right)])
            case _expr.Or(left=left, right=right):
                return self.disj([self.boolean(left), self.boolean(right)])
            case _expr.Implies(left=left, right=right):
                return self.disj([-self.boolean(left), self.boolean(right)])
            case _expr.BoolNot(operand=operand):
                return -self.boolean(operand)
            case _expr.AttributeOf():
                values = self.values(node)
            case _:  # comparisons and membership
                values = self.combine(node)
        return self.disj(lit for value, lit in values.items() if value is True)

    def values(self, node: Any) -> ValueMap:
        """The value map of any node."""
        match node:
            case _expr.Const(value=value):
                return {value: self.true}
            case _expr.ModuleValue(module=module):
                return {Decimal(v): lit for v, lit in self.value_lits[module].items()}
            case _expr.AttributeOf(module=module, attribute=attribute):
                groups: dict[Any, list[int]] = {}
                for option, lit in self.value_lits[module].items():
                    value = (self.catalog.attributes[attribute].default if option is None
                             else self.catalog.attribute_value(module, option, attribute))
                    if node.type == "number":
                        value = Decimal(value)
                    groups.setdefault(value, []).append(lit)
                return {v: self.disj(lits) for v, lits in groups.items()}
            case _expr.SumOf(attribute=attribute, modules=modules):
                return self.total(
                    (lit, Decimal(self.catalog.attribute_value(m, o, attribute)))
                    for m in modules for o, lit in self.selected_lits(m))
            case _expr.CountOf(modules=modules):
                return self.total((lit, Decimal(1)) for m in modules
                                  for _, lit in self.selected_lits(m))
        if node.type == "bool":
            lit = self.boolean(node)
            return {True: lit, False: -lit}
        return self.combine(node)

    def total(self, terms: Iterable[tuple[int, Decimal]]) -> ValueMap:
        """The value map of a sum of ``weight if literal``."""
        acc: ValueMap = {Decimal(0): self.true}
        for lit, weight in terms:
            if weight == 0:
                continue
            acc = self.merge({Decimal(weight): lit, Decimal(0): -lit}, acc,
                             lambda a, b: a + b)
        return acc

    def merge(self, left: ValueMap, right: ValueMap, fn: Any) -> ValueMap:
        groups: dict[Any, list[int]] = {}
        for (a, la), (b, lb) in itertools.product(left.items(), right.items()):
            groups.setdefault(fn(a, b), []).append(self.conj([la, lb]))
        return {v: self.disj(lits) for v, lits in groups.items()}

    def combine(self, node: Any) -> ValueMap:
        """Encode a node by evaluating it on every combination of its children's values."""
        match node:
            case _expr.Arith() | _expr.Cmp():
                names, children = ["left", "right"], [node.left, node.right]
            case _expr.Neg():
                names, children = ["operand"], [node.operand]
            case _expr.ValueIn():
                names, children = ["subject"], [node.subject]
            case _expr.Func():
                names, children = [], list(node.args)
            case _:
                raise TypeError(f"cannot encode {type(node).__name__}")
        child_maps = [self.values(child) for child in children]
        groups: dict[Any, list[int]] = {}
        for combo in itertools.product(*(m.items() for m in child_maps)):
            consts = [_expr.Const(value, _type_of(value)) for value, _ in combo]
            if isinstance(node, _expr.Func):
                constant = dataclasses.replace(node, args=tuple(consts))
            else:
                constant = dataclasses.replace(node, **dict(zip(names, consts, strict=True)))
            value = _expr.evaluate(constant, _NO_VIEW)
            groups.setdefault(value, []).append(self.conj(lit for _, lit in combo))
        return {v: self.disj(lits) for v, lits in groups.items()}


def _type_of(value: Any) -> _expr.Type:
    if isinstance(value, bool):
        return "bool"
    return "string" if isinstance(value, str) else "number"


class _NoView:
    """Evaluation of constant-only nodes never asks the configuration anything."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"constant evaluation asked for {name}")


_NO_VIEW: Any = _NoView()


class SatEngine:
    """Answers questions on a model with one incremental CaDiCaL solver."""

    name = "sat"

    def __init__(self, model: Model) -> None:
        self.model = model
        encoder = _Encoder(model)
        self._lits = encoder.value_lits
        self._selectors: dict[str, int] = {}
        self._constraints = {c.id: c for c in model.hard_constraints}
        for c in model.hard_constraints:
            selector = encoder.pool.id(("select", c.id))
            self._selectors[c.id] = selector
            encoder.constraint(c, selector)
        self._clauses = encoder.clauses
        self._solver = Solver(name="cadical195", bootstrap_with=self._clauses)
        self._decode = {lit: (name, value) for name, lits in self._lits.items()
                        for value, lit in lits.items()}

    def close(self) -> None:
        self._solver.delete()

    def _assumptions(self, fixed: Mapping[str, Any],
                     constraints: Iterable[Constraint] | None) -> list[int] | None:
        out = []
        for name, value in fixed.items():
            lit = self._lits[name].get(value)
            if lit is None:
                return None
            out.append(lit)
        chosen = self._constraints.values() if constraints is None else constraints
        out.extend(self._selectors[c.id] for c in chosen if c.id in self._selectors)
        return out

    def solve(self, fixed: Mapping[str, Any],
              constraints: Iterable[Constraint] | None = None) -> dict[str, Any] | None:
        """A full assignment extending ``fixed`` that satisfies ``constraints`` (default: every
        hard constraint), or None."""
        assumptions = self._assumptions(fixed, constraints)
        if assumptions is None or not self._solver.solve(assumptions=assumptions):
            return None
        model = self._solver.get_model() or []
        return dict(self._decode[lit] for lit in model if lit in self._decode)

    def consistent(self, fixed: Mapping[str, Any]) -> bool:
        return self.solve(fixed) is not None

    def conflict(self, fixed: Mapping[str, Any], keep_last: Sequence[str] = ()
                 ) -> tuple[Constraint, ...]:
        """A minimal set of hard constraints that, with ``fixed``, has no solution; empty
        when there is none or ``fixed`` alone is impossible. Starts from the solver's core and
        shrinks it by deletion, trying ``keep_last`` constraints last."""
        assumptions = self._assumptions(fixed, None)
        if assumptions is None or self._solver.solve(assumptions=assumptions):
            return ()
        core = set(self._solver.get_core() or [])  # read it before the next solve replaces it
        if self.solve(fixed, []) is None:
            return ()
        # The core, in model order, then shrunk to a minimal conflict.
        in_core = [c for cid, c in self._constraints.items() if self._selectors[cid] in core]
        return shrink_conflict(in_core, lambda cs: self.solve(fixed, cs) is None, keep_last)

    def solutions(self, fixed: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every solution extending ``fixed``, by blocking each one found."""
        solver = Solver(name="cadical195", bootstrap_with=[])
        try:
            # A private solver, so blocking clauses do not touch the shared one.
            solver.append_formula(self._clauses)
            assumptions = self._assumptions(fixed or {}, None)
            if assumptions is None:
                return
            var_lits = [lit for lits in self._lits.values() for lit in lits.values()]
            while solver.solve(assumptions=assumptions):
                model = set(solver.get_model() or [])
                chosen = [lit for lit in var_lits if lit in model]
                yield dict(self._decode[lit] for lit in chosen)
                solver.add_clause([-lit for lit in chosen])
        finally:
            solver.delete()
