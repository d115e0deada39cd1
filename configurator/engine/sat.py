"""The ``sat`` engine: the model encoded as CNF for CaDiCaL (python-sat), queried with
assumptions on incremental solvers.

Encoding (exact, never approximated). Every auxiliary literal is *defined*: functionally
determined by the values of the model's variables, so the same clauses serve solving, model
counting (nothing for the counter to guess) and optimisation.

- Every variable value has a literal and each variable takes exactly one value: one literal
  and its negation for two values; for more, at-least-one plus pairwise at-most-one (up to six
  values) or a ladder ``s_i <-> s_(i-1) or x_i``, ``not (s_(i-1) and x_i)``, ``s_(n-1) or x_n``.
- A variant table is a reduced decision diagram over its columns (:mod:`._mdd`): shared
  prefixes and suffixes, one literal per node, a deny table by the complement.
- A rule's boolean structure is written as clauses where it is a disjunction (and conjunctions
  of them), with Tseitin literals (full equivalences) below. A test reading one variable is the
  set of its values that pass. Any other test (a comparison, a membership, ...) is encoded by
  the first of these that applies (:mod:`._arith`):

  1. when its variables have few joint assignments, its truth table is evaluated (by the rule
     language's own evaluator, once per distinct combination of operand values) and encoded as
     a reduced decision diagram;
  2. a comparison of numbers is a comparison of the difference of two *linear forms* with
     zero, encoded as an interval-reduced decision diagram over the terms (sums of attributes,
     counts, integer values, constant multiples; non-linear parts become terms of their own);
  3. otherwise the operands' *value maps* (value -> literal) are combined, evaluating the node
     once per combination of distinct operand values.

- A multi-select cardinality is a decision diagram over the count of selected options.

Two incremental solvers answer with assumptions. The *query* solver has every hard constraint
asserted, for solve(), consistent() and supported(). The *explanation* solver, built on first
use, guards each hard constraint by a selector literal: conflict() assumes them all and reads
the constraints that conflict from the core, and solve() on a subset of constraints assumes
only theirs. count() (on the model, :mod:`._count`; Ganak when that is too wide), optimum()
(RC2) and solutions() work on fresh copies.
"""

from __future__ import annotations

import array
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, Inexact, InvalidOperation, Overflow
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyganak
from pysat.examples.rc2 import RC2
from pysat.formula import WCNF
from pysat.solvers import Solver

from .. import expr as _expr
from ..catalog.model import WILDCARD
from . import _mdd
from ._arith import (
    Grids,
    Linear,
    Pieces,
    Term,
    apply,
    constant,
    exact_inverse,
    from_int,
    interval_diagram,
    operands,
    sum_layers,
    to_int,
)
from .base import Costs
from .model import Constraint, Model, shrink_conflict

if TYPE_CHECKING:
    from ._count import Counter

__all__ = ["SatEngine"]

#: Tests whose variables have at most this many joint assignments are encoded from their
#: truth table.
GRID_LIMIT = 1 << 16
#: A non-linear number over several variables gets one literal per joint assignment up to this.
CELL_LIMIT = 1 << 10
#: Variables with more values than this get a ladder at-most-one instead of pairwise clauses.
PAIRWISE_LIMIT = 6
#: Solutions kept for reuse by supported().
MODEL_CACHE = 256
#: supported() answers kept: a value left out stays out when more values are fixed.
ANSWER_CACHE = 16
#: supported() first assumes this many open values at once; a batch satisfied at once
#: doubles the next one, one that is not halves it, within these bounds ...
BATCH, BATCH_MIN, BATCH_MAX = 8, 2, 256
#: ... and narrows an unsatisfiable batch by its core at most this many times.
BATCH_TRIES = 5


def _pieces(op: str, c: int) -> Pieces:
    """The test ``total + c <op> 0`` as pieces (see :func:`._arith.interval_diagram`)."""
    inf = math.inf
    return {
        "<=": [(-c, True), (inf, False)],
        "<": [(-c - 1, True), (inf, False)],
        ">=": [(-c - 1, False), (inf, True)],
        ">": [(-c, False), (inf, True)],
        "==": [(-c - 1, False), (-c, True), (inf, False)],
        "!=": [(-c - 1, True), (-c, False), (inf, True)],
    }[op]


class _Encoder:
    """Clauses defining literals for the model's values, rules, tables and cardinalities."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.catalog = model.catalog
        self.grids = Grids(model)
        self.top = 1
        self.true = 1
        self.clauses: list[list[int]] = [[self.true]]
        self.lits: list[list[int]] = []  # per variable, per value (domain order)
        for v in model.variables:
            self.lits.append(self.exactly_one(len(v.domain)))
        self.index = self.grids.index
        self._lit: dict[Any, int] = {}
        self._conj: dict[tuple[int, ...], int] = {}
        self._term: dict[Any, Term] = {}
        self._linear: dict[Any, Linear | None] = {}

    # -- plumbing ------------------------------------------------------------------------------
    def new(self) -> int:
        self.top += 1
        return self.top

    def exactly_one(self, size: int) -> list[int]:
        """Fresh literals for ``size`` values, exactly one of them true."""
        if size == 0:
            self.clauses.append([-self.true])
            return []
        if size == 1:
            return [self.true]
        if size == 2:
            x = self.new()
            return [-x, x]
        xs = [self.new() for _ in range(size)]
        if size <= PAIRWISE_LIMIT:
            self.clauses.append(list(xs))
            self.clauses.extend([-a, -b] for i, a in enumerate(xs) for b in xs[i + 1:])
            return xs
        # A ladder: s_i <-> x_1 or ... or x_i, x_(i+1) -> not s_i, and s_(n-1) or x_n. Only
        # neighbours share clauses, so a model counter's tree decompositions stay narrow.
        prev = xs[0]
        for i in range(1, size):
            x = xs[i]
            self.clauses.append([-prev, -x])
            if i < size - 1:
                s = self.new()
                self.clauses.extend([[-prev, s], [-x, s], [-s, prev, x]])
                prev = s
        self.clauses.append([prev, xs[-1]])
        return xs

    def conj(self, lits: Iterable[int]) -> int:
        items = sorted(set(lits))
        if -self.true in items:
            return -self.true
        items = [x for x in items if x != self.true]
        if any(-x in items for x in items if x > 0):
            return -self.true
        if not items:
            return self.true
        if len(items) == 1:
            return items[0]
        key = tuple(items)
        found = self._conj.get(key)
        if found is None:
            found = self._conj[key] = self.new()
            self.clauses.extend([-found, x] for x in items)
            self.clauses.append([found, *(-x for x in items)])
        return found

    def disj(self, lits: Iterable[int]) -> int:
        return -self.conj(-x for x in lits)

    # -- constraints ---------------------------------------------------------------------------
    def constraint(self, c: Constraint) -> list[list[int]]:
        """Clauses (beyond the definitions) that hold exactly when ``c`` holds."""
        if c.kind == "cardinality":
            module = c.module
            assert module is not None
            terms = [(0, 1)] * len(c.variables)
            groups = [[[-x], [x]] for x in (self.lits[self.index[n]][1] for n in c.variables)]
            pieces: list[tuple[float, bool]] = []
            if module.min > 0:
                pieces.append((module.min - 1, False))
            pieces += [(module.max, True), (math.inf, False)]
            diagram = interval_diagram(terms, pieces)
            return [[_mdd.encode(diagram, groups, self.true, self.new, self.clauses)]]
        if c.kind == "table":
            return [[self.table(c)]]
        rule = c.rule
        assert rule is not None
        then = self.cnf(rule.then.ast)
        if rule.when is None:
            return then
        unless = self.clause(rule.when.ast, False)
        return [unless + clause for clause in then]

    def table(self, c: Constraint) -> int:
        table = c.table
        assert table is not None
        axes = [self.index[name] for name in c.variables]
        domains = [len(self.grids.domains[a]) for a in axes]
        codes = _int_codes(table.rows, [self.grids.domains[a] for a in axes])
        if codes is None:
            codes = _codes(table.rows, [self.grids.domains[a] for a in axes])
        if (codes == -2).any():  # a cell outside its domain never matches
            codes = codes[(codes != -2).all(axis=1)]
        wild = bool((codes == -1).any())
        accept = table.kind == "allow"
        if wild:
            diagram = _mdd.from_patterns(domains, codes.tolist(), accept)
        else:
            diagram = _mdd.from_rows(domains, codes, accept)
        groups = [[[x] for x in self.lits[a]] for a in axes]
        return _mdd.encode(diagram, groups, self.true, self.new, self.clauses)

    # -- the rule language: boolean structure --------------------------------------------------
    def cnf(self, node: Any, positive: bool = True) -> list[list[int]]:
        """Clauses whose conjunction is ``node`` (its negation when not ``positive``)."""
        match node:
            case _expr.Const(value=value):
                return [] if bool(value) == positive else [[-self.true]]
            case _expr.BoolNot(operand=operand):
                return self.cnf(operand, not positive)
            case _expr.And(left=left, right=right) if positive:
                return self.cnf(left) + self.cnf(right)
            case _expr.Or(left=left, right=right) if not positive:
                return self.cnf(left, False) + self.cnf(right, False)
            case _expr.Implies(left=left, right=right) if not positive:
                return self.cnf(left) + self.cnf(right, False)
            case _expr.Or(left=left, right=right):
                return self._product(self.cnf(left), self.cnf(right), node, positive)
            case _expr.Implies(left=left, right=right):
                return self._product(self.cnf(left, False), self.cnf(right), node, positive)
            case _expr.And(left=left, right=right):
                return self._product(self.cnf(left, False), self.cnf(right, False), node,
                                     positive)
        return [self.clause(node, positive)]

    def _product(self, a: list[list[int]], b: list[list[int]], node: Any, positive: bool
                 ) -> list[list[int]]:
        """The disjunction of two CNFs, distributed when small."""
        if len(a) * len(b) <= 4:
            return [x + y for x in a for y in b]
        return [self.clause(node, positive)]

    def clause(self, node: Any, positive: bool = True) -> list[int]:
        """Literals whose disjunction is ``node`` (its negation when not ``positive``)."""
        match node:
            case _expr.Const(value=value):
                return [self.true if bool(value) == positive else -self.true]
            case _expr.BoolNot(operand=operand):
                return self.clause(operand, not positive)
            case _expr.Or(left=left, right=right) if positive:
                return self.clause(left) + self.clause(right)
            case _expr.And(left=left, right=right) if not positive:
                return self.clause(left, False) + self.clause(right, False)
            case _expr.Implies(left=left, right=right) if positive:
                return self.clause(left, False) + self.clause(right)
            case _expr.And() | _expr.Or() | _expr.Implies():
                x = self.lit(node)
                return [x if positive else -x]
        axes = self.grids.support(node)
        if len(axes) == 0:
            return [self.true if bool(constant(node)) == positive
                    else -self.true]
        if len(axes) == 1:
            values = self.grids.on_one(node, axes[0])
            lits = self.lits[axes[0]]
            chosen = [x for x, v in zip(lits, values, strict=True) if bool(v) == positive]
            if len(chosen) == len(lits):
                return [self.true]
            return chosen or [-self.true]
        if isinstance(node, _expr.AnySelected | _expr.OptionIn):
            # A multi-select module: any of these options.
            lits = [self.lits[a][1] for a in axes]
            negated = isinstance(node, _expr.OptionIn) and node.negated
            if positive != negated:
                return lits
            return [-self.disj(lits)]
        x = self.lit(node)
        return [x if positive else -x]

    def lit(self, node: Any) -> int:
        """A literal equivalent to a boolean node."""
        found = self._lit.get(node)
        if found is not None:
            return found
        match node:
            case _expr.And(left=left, right=right):
                out = self.conj([self.lit(left), self.lit(right)])
            case _expr.Or(left=left, right=right):
                out = self.disj([self.lit(left), self.lit(right)])
            case _expr.Implies(left=left, right=right):
                out = self.disj([-self.lit(left), self.lit(right)])
            case _expr.BoolNot(operand=operand):
                out = -self.lit(operand)
            case _ if len(self.grids.support(node)) <= 1 or \
                    isinstance(node, _expr.AnySelected | _expr.OptionIn):
                out = self.disj(self.clause(node))
            case _:
                out = self.test(node)
        self._lit[node] = out
        return out

    # -- the rule language: tests over several variables ---------------------------------------
    def test(self, node: Any) -> int:
        """A literal for a non-logical boolean node over several variables."""
        axes = self.grids.support(node)
        if self.grids.size(axes) <= GRID_LIMIT:
            grid = self.grids.grid(node)
            diagram = _mdd.from_table(grid.table())
            groups = [[[x] for x in self.lits[a]] for a in grid.axes]
            return _mdd.encode(diagram, groups, self.true, self.new, self.clauses)
        if isinstance(node, _expr.Cmp) and node.left.type == "number":
            found = self.compare(node)
            if found is not None:
                return found
        term = self.term(node)
        return self.disj(x for value, group in zip(term.values, term.groups, strict=True)
                         if value is True for x in group)

    def compare(self, node: _expr.Cmp) -> int | None:
        """``left <op> right`` as ``left - right <op> 0`` over linear forms."""
        found = self.difference(node)
        if found is None:
            return None
        const, terms, values = found
        order = sorted(range(len(terms)), key=lambda i: min(values[i]) - max(values[i]))
        diagram = interval_diagram([values[i] for i in order], _pieces(node.op, const))
        groups = [[list(g) for g in terms[i].groups] for i in order]
        return _mdd.encode(diagram, groups, self.true, self.new, self.clauses)

    def difference(self, node: _expr.Cmp
                   ) -> tuple[int, tuple[Term, ...], list[list[int]]] | None:
        """``left - right`` as an exact linear form scaled to integers: its constant, its
        terms and each term's values; None when it is not one."""
        try:
            diff = self.linear(node.left).plus(self.linear(node.right).times(Decimal(-1)))
        except (Inexact, InvalidOperation, Overflow):
            return None
        if not diff.exact():
            return None
        const, terms = self.split(diff)
        places = Linear(const, {}, terms).scale()
        return to_int(const, places), terms, [[to_int(v, places) for v in t.values]
                                              for t in terms]

    def split(self, form: Linear) -> tuple[Decimal, tuple[Term, ...]]:
        """A linear form's constant, and its other parts as terms (literal groups)."""
        terms = [self.fn_term(var, values) for var, values in form.fns.items()]
        return Linear(form.const, {}, (*terms, *form.terms)).split()

    def fn_term(self, var: int, values: Sequence[Any]) -> Term:
        groups: dict[tuple[type, Any], tuple[Any, list[int]]] = {}
        for x, value in zip(self.lits[var], values, strict=True):
            groups.setdefault((type(value), value), (value, []))[1].append(x)
        return Term(tuple(v for v, _ in groups.values()),
                    tuple(tuple(g) for _, g in groups.values()))

    # -- the rule language: numbers and other values -------------------------------------------
    def linear(self, node: Any) -> Linear:
        """A number node as a linear form (a single opaque term when it is not linear)."""
        axes = self.grids.support(node)
        if len(axes) == 0:
            return Linear(constant(node))
        if len(axes) == 1:
            return Linear(Decimal(0), {axes[0]: self.grids.on_one(node, axes[0])})
        found = self.structured(node)
        return found if found is not None else Linear(Decimal(0), {}, (self.term(node),))

    def structured(self, node: Any) -> Linear | None:
        """The linear form of a sum, difference, negation or constant multiple, when the
        evaluator computes it exactly; else None."""
        if node in self._linear:
            return self._linear[node]
        out: Linear | None = None
        try:
            match node:
                case _expr.SumOf() | _expr.CountOf():
                    out = Linear(Decimal(0), {var: self._part(node, var)
                                              for var in self.grids.aggregate_vars(node)})
                case _expr.Arith(op="+", left=left, right=right):
                    out = self.linear(left).plus(self.linear(right))
                case _expr.Arith(op="-", left=left, right=right):
                    out = self.linear(left).plus(self.linear(right).times(Decimal(-1)))
                case _expr.Neg(operand=operand):
                    out = self.linear(operand).times(Decimal(-1))
                case _expr.Arith(op="*", left=left, right=right):
                    a, b = self.linear(left), self.linear(right)
                    if b.is_constant:
                        out = a.times(b.constant_value())
                    elif a.is_constant:
                        out = b.times(a.constant_value())
                case _expr.Arith(op="/", left=left, right=_expr.Const(value=value)):
                    inverse = exact_inverse(Decimal(value))
                    if inverse is not None:
                        out = self.linear(left).times(inverse)
        except (Inexact, InvalidOperation, Overflow):
            out = None
        if out is not None and not out.exact():
            out = None
        self._linear[node] = out
        return out

    def _part(self, node: _expr.SumOf | _expr.CountOf, var: int) -> tuple[Any, ...]:
        part = self.grids.part(node, var)
        return tuple(part.values[k] for k in part.codes.tolist())

    def term(self, node: Any) -> Term:
        """The value map of any node: each value it can take, with its literals."""
        found = self._term.get(node)
        if found is not None:
            return found
        axes = self.grids.support(node)
        out: Term
        if len(axes) == 0:
            out = Term((constant(node),), ((self.true,),))
        elif len(axes) == 1:
            out = self.fn_term(axes[0], self.grids.on_one(node, axes[0]))
        elif self.grids.size(axes) <= CELL_LIMIT:
            out = self.cells(node)
        elif node.type == "number" and (form := self.structured(node)) is not None:
            out = self.materialize(form)
        else:
            out = self.combine(node)
        self._term[node] = out
        return out

    def cells(self, node: Any) -> Term:
        """A value map with one literal per joint assignment of the node's variables."""
        grid = self.grids.grid(node)
        groups: list[list[int]] = [[] for _ in grid.values]
        for cell, code in np.ndenumerate(grid.codes):
            groups[int(code)].append(self.conj(self.lits[a][k]
                                               for a, k in zip(grid.axes, cell, strict=True)))
        return Term(grid.values, tuple(tuple(g) for g in groups))

    def combine(self, node: Any) -> Term:
        """A value map by evaluating ``node`` on every combination of its operands' values."""
        children = [self.term(child) for child in operands(node)]
        groups: dict[tuple[type, Any], tuple[Any, list[int]]] = {}
        combos: list[tuple[tuple[Any, ...], tuple[int, ...]]] = [((), ())]
        for child in children:
            combos = [(vs + (v,), ls + (self.disj(g),)) for vs, ls in combos
                      for v, g in zip(child.values, child.groups, strict=True)]
        for values, lits in combos:
            value = apply(node, values)
            groups.setdefault((type(value), value), (value, []))[1].append(self.conj(lits))
        return Term(tuple(v for v, _ in groups.values()),
                    tuple(tuple(g) for _, g in groups.values()))

    def materialize(self, form: Linear) -> Term:
        """The value map of an exact linear form, by layers of partial sums: ``reach(i, s)``
        is defined by ``reach(i, s) and term_i = v -> reach(i+1, s+v)`` and back."""
        const, terms = self.split(form)
        places = Linear(const, {}, terms).scale()
        values = [[to_int(v, places) for v in t.values] for t in terms]
        layers = sum_layers(values)
        reach: dict[int, int] = {0: self.true}
        for i, term in enumerate(terms):
            following = {s: (self.new() if len(layers[i + 1]) > 1 else self.true)
                         for s in layers[i + 1]}
            for v, group in zip(values[i], term.groups, strict=True):
                for x in group:
                    for s, r in reach.items():
                        self.clauses.append([-r, -x, following[s + v]])
                    for s, r in following.items():
                        back = reach.get(s - v)
                        self.clauses.append([-r, -x] if back is None else [-r, -x, back])
            reach = following
        total = to_int(const, places)
        return Term(tuple(from_int(total + s, places) for s in reach),
                    tuple((r,) for r in reach.values()))


class SatEngine:
    """Answers questions on a model with incremental CaDiCaL solvers (see the module notes)."""

    name = "sat"

    def __init__(self, model: Model) -> None:
        self.model = model
        encoder = _Encoder(model)
        self._constraints = {c.id: c for c in model.hard_constraints}
        self._selectors: dict[str, int] = {}
        self._asserted: list[tuple[int, ...]] = []  # every hard constraint's clauses
        self._guards: list[int] = []  # the selector of each of them
        encoded = [(c, [_clean(clause, encoder.true) for clause in encoder.constraint(c)])
                   for c in model.hard_constraints]
        # Literals above the definitions: selectors (in the explanation solver only) and
        # activation literals (in the query solver only) may share numbers.
        self._base = self._top = encoder.top
        for c, clauses in encoded:
            selector = self._selectors[c.id] = encoder.new()
            self._asserted.extend(clauses)
            self._guards.extend([selector] * len(clauses))
        self._true = encoder.true
        self._definitions = list(map(tuple, encoder.clauses))  # tuples: see _clean()
        # One solver with selectors could serve everything, but assuming thousands of them
        # (one per clause of a DIMACS feature model) and reading them back in every model
        # made each model of supported() 3.7 times slower on automotive01.
        self._solver = self._query_solver()
        self._explainer: Any = None
        self._hard: tuple[list[list[int]], int] | None = None  # for optimum(); see there
        # Every (variable, value) is a *slot*; flat arrays read models back fast.
        self._names = [v.name for v in model.variables]
        self._lits = {v.name: dict(zip(v.domain, encoder.lits[i], strict=True))
                      for i, v in enumerate(model.variables)}
        self._slot_lits = np.array([x for lits in encoder.lits for x in lits], dtype=np.int64)
        self._slot_var = [i for i, lits in enumerate(encoder.lits) for _ in lits]
        self._slot_value = [value for v in model.variables for value in v.domain]
        self._slot_of = {(v.name, value): k for k, (v, value) in enumerate(
            (v, value) for v in model.variables for value in v.domain)}
        self._sizes = [len(lits) for lits in encoder.lits]
        self._size_array = np.array(self._sizes, dtype=np.int64)
        self._ends = np.cumsum(self._size_array)
        self._starts = self._ends - self._size_array
        self._slot_vars = np.array(self._slot_var, dtype=np.int64)
        # Phases: a slot of a variable with three or more values has a literal of its own;
        # a 2-valued variable has one literal for both its slots (x and -x, in that order).
        self._many = np.flatnonzero(self._size_array[self._slot_vars] > 2)
        self._pairs = self._starts[self._size_array == 2]
        self._many_lits = self._slot_lits[self._many]
        self._pair_lits = self._slot_lits[self._pairs]
        # Answers share their sets: one per distinct domain and one per distinct value (by
        # type too: 1 and True differ here), so that the collector has few of them to walk.
        shared: dict[Any, frozenset[Any]] = {}
        domains = [shared.setdefault((v.domain, tuple(map(type, v.domain))), frozenset(v.domain))
                   for v in model.variables]
        singles = [shared.setdefault((type(value), value), frozenset((value,)))
                   for value in self._slot_value]
        self._sets: list[frozenset[Any]] = [frozenset(), *singles, *domains]
        self._domain_sets = np.arange(len(domains), dtype=np.int64) + 1 + len(singles)
        self._slot_index = np.abs(self._slot_lits) - 1  # into a solver model
        self._free = np.abs(self._slot_lits) != self._true  # slots not fixed by the encoding
        self._max_index = int(self._slot_index.max(initial=0))
        self._rng = np.random.default_rng(0)
        self._batch_size = BATCH
        self._dead: npt.NDArray[np.bool_] | None = None  # slots in no solution at all
        # Recent solutions, as slots: a ring of rows.
        self._models = np.zeros((MODEL_CACHE, len(self._slot_lits)), dtype=bool)
        self._stored = 0
        # Recent supported() answers: the fixed slots and the slots left out. Fixing more
        # values never makes a value possible again.
        self._answers: list[tuple[frozenset[int], npt.NDArray[np.bool_]]] = []

    def close(self) -> None:
        self._solver.delete()
        if self._explainer is not None:
            self._explainer.delete()

    # -- helpers -------------------------------------------------------------------------------
    def _fixed_lits(self, fixed: Mapping[str, Any]) -> list[int] | None:
        """Literals for the fixed values; None when one is not in its variable's domain."""
        out = []
        for name, value in fixed.items():
            lit = self._lits[name].get(value)
            if lit is None:
                return None
            out.append(lit)
        return out

    def _query_solver(self) -> Any:
        """A fresh query solver; supported() replaces it when its retired activation
        literals outnumber the definitions' (they lengthen every model read back)."""
        self._top = self._base
        return Solver(name="cadical195", bootstrap_with=self._counting_cnf())

    def _explanation_solver(self) -> Any:
        if self._explainer is None:
            guarded = [[-g, *clause] for g, clause in zip(self._guards, self._asserted,
                                                           strict=True)]
            self._explainer = Solver(name="cadical195",
                                     bootstrap_with=self._definitions + guarded)
        return self._explainer

    def _counting_cnf(self) -> list[tuple[int, ...]]:
        """The definitions and every hard constraint, asserted."""
        return self._definitions + self._asserted

    def _slots(self, model: Sequence[int]) -> npt.NDArray[np.bool_]:
        """Which value slots a solver model makes true."""
        index = self._slot_index
        if len(model) > self._max_index:
            values = np.fromiter(model, dtype=np.int64, count=self._max_index + 1)[index]
        else:
            # A variable the solver has not seen (in no clause) is false; any value does.
            given = np.asarray(model, dtype=np.int64)
            padded = np.zeros(len(index) and int(index.max()) + 1, dtype=np.int64)
            padded[np.abs(given[given != 0]) - 1] = given[given != 0]
            values = padded[index]
        out: npt.NDArray[np.bool_] = np.asarray((values > 0) == (self._slot_lits > 0))
        return out

    def _decode(self, slots: npt.NDArray[np.bool_]) -> dict[str, Any]:
        return {self._names[self._slot_var[k]]: self._slot_value[k]
                for k in np.flatnonzero(slots).tolist()}

    def _remember(self, slots: npt.NDArray[np.bool_]) -> None:
        self._models[self._stored % MODEL_CACHE] = slots
        self._stored += 1

    def _agreeing(self, chosen: list[int]) -> npt.NDArray[np.bool_]:
        """The slots true in some remembered solution that has all the ``chosen`` slots."""
        models = self._models[:min(self._stored, MODEL_CACHE)]
        agree = models[:, chosen].all(axis=1) if chosen else np.ones(len(models), dtype=bool)
        out: npt.NDArray[np.bool_] = np.zeros(models.shape[1], dtype=bool)
        if agree.any():
            out = np.asarray(models[agree].any(axis=0))
        return out

    # -- queries -------------------------------------------------------------------------------
    def solve(self, fixed: Mapping[str, Any],
              constraints: Iterable[Constraint] | None = None) -> dict[str, Any] | None:
        """A full assignment extending ``fixed`` that satisfies ``constraints`` (default: every
        hard constraint), or None."""
        lits = self._fixed_lits(fixed)
        if lits is None:
            return None
        if constraints is None:
            if not self._solver.solve(assumptions=lits):
                return None
            slots = self._slots(self._solver.get_model() or [])
            self._remember(slots)
            return self._decode(slots)
        solver = self._explanation_solver()
        chosen = [self._selectors[c.id] for c in constraints if c.id in self._selectors]
        if not solver.solve(assumptions=lits + chosen):
            return None
        return self._decode(self._slots(solver.get_model() or []))

    def consistent(self, fixed: Mapping[str, Any]) -> bool:
        return self.solve(fixed) is not None

    def conflict(self, fixed: Mapping[str, Any], keep_last: Sequence[str] = ()
                 ) -> tuple[Constraint, ...]:
        """A minimal set of hard constraints that, with ``fixed``, has no solution; empty
        when there is none or ``fixed`` alone is impossible. Starts from the solver's core and
        shrinks it by deletion, trying ``keep_last`` constraints last."""
        lits = self._fixed_lits(fixed)
        if lits is None or self.solve(fixed) is not None:
            return ()
        solver = self._explanation_solver()
        if solver.solve(assumptions=lits + list(self._selectors.values())):
            return ()
        core = set(solver.get_core() or [])  # read it before the next solve replaces it
        if self.solve(fixed, []) is None:
            return ()
        # The core, in model order, then shrunk to a minimal conflict.
        in_core = [c for cid, c in self._constraints.items() if self._selectors[cid] in core]
        return shrink_conflict(in_core, lambda cs: self.solve(fixed, cs) is None, keep_last)

    def solutions(self, fixed: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every solution extending ``fixed``, by blocking each one found."""
        assumptions = self._fixed_lits(fixed or {})
        if assumptions is None:
            return
        # A private solver, so blocking clauses do not touch the shared one.
        solver = Solver(name="cadical195", bootstrap_with=self._counting_cnf())
        try:
            while solver.solve(assumptions=assumptions):
                slots = self._slots(solver.get_model() or [])
                yield self._decode(slots)
                block = [-x for x in self._slot_lits[slots].tolist() if abs(x) != self._true]
                if not block:
                    return
                solver.add_clause(block)
        finally:
            solver.delete()

    def supported(self, fixed: Mapping[str, Any]) -> dict[str, frozenset[Any]]:
        """Values each variable takes in some solution extending ``fixed``.

        Exact: a value is reported only from a solution, and left out only when it is in no
        solution at all (found once, with nothing fixed, and kept), unit propagation from the
        fixed values refutes it, or the solver finds no solution taking any value still open.
        """
        base = self._fixed_lits(fixed)
        if base is None:
            return self._answer(np.zeros(len(self._slot_lits), dtype=bool))
        if self._dead is None:
            nothing = np.zeros(len(self._slot_lits), dtype=bool)
            self._dead = nothing
            self._dead = ~self._search([], [], nothing)
        chosen = [self._slot_of[item] for item in fixed.items()]
        out_before = self._refuted(base)
        key = frozenset(chosen)
        for seen, left_out in self._answers:
            if seen <= key:
                out_before |= left_out
        found = self._search(base, chosen, out_before)
        self._answers.append((key, ~found))
        if len(self._answers) > ANSWER_CACHE:
            del self._answers[0]
        return self._answer(found)

    def _answer(self, found: npt.NDArray[np.bool_]) -> dict[str, frozenset[Any]]:
        """Found slots as values per variable; whole domains and single values are shared
        sets made once, so a large answer allocates little."""
        running = np.concatenate(([0], np.cumsum(found)))
        counts = running[self._ends] - running[self._starts]
        where = np.zeros(len(self._names), dtype=np.int64)
        chosen = np.flatnonzero(found)
        where[self._slot_vars[chosen]] = chosen  # the found slot, for one found
        # Into self._sets: the empty set, then each slot's value alone, then each domain.
        index = np.where(counts == self._size_array, self._domain_sets,
                         np.where(counts == 1, where + 1, 0))
        out = dict(zip(self._names, map(self._sets.__getitem__, index.tolist()), strict=True))
        for var in np.flatnonzero((counts > 1) & (counts < self._size_array)).tolist():
            start = int(self._starts[var])
            out[self._names[var]] = frozenset(
                self._slot_value[k] for k in range(start, start + self._sizes[var]) if found[k])
        return out

    def _refuted(self, assumptions: list[int]) -> npt.NDArray[np.bool_]:
        """Slots that unit propagation from the assumptions makes false."""
        ok, implied = self._solver.propagate(assumptions=assumptions)
        if not ok:
            return np.ones(len(self._slot_lits), dtype=bool)
        truth = np.zeros(self._base + 1, dtype=np.int64)
        if implied:
            given = np.asarray(implied, dtype=np.int64)
            given = given[np.abs(given) <= self._base]
            truth[np.abs(given)] = given
        lits = self._slot_lits
        return truth[np.abs(lits)] * lits < 0

    def _search(self, assumptions: list[int], chosen: list[int],
                out_before: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """The slots true in some solution under the assumptions (which fix the ``chosen``
        slots), given slots known to be in none (``out_before``): first from earlier
        solutions that agree, then from one solver call per solution.

        Each call assumes a batch of open values (:meth:`_batch`). Asked only for *some* open
        value (one clause over all of them), the solver mostly finds one or two late in a
        search, though the values still open are rarely exclusive of each other. When a batch
        cannot be satisfied, one call asks for any open value (the last such call,
        unsatisfiable, rules out the rest).

        Phases steer each call towards the open values and away from values already found;
        a 2-valued variable with both values found gets a random phase, which in measurements
        needs far fewer calls than either fixed choice.
        """
        assert self._dead is not None
        if self._top > 2 * self._base + 1000:
            self._solver.delete()
            self._solver = self._query_solver()
        lits = self._slot_lits
        found = self._agreeing(chosen)
        open_ = ~(found | out_before | self._dead)
        while open_.any():
            self._set_phases(open_)
            model = self._batch(assumptions, open_)
            if model is None and open_.any():
                act = self._top = self._top + 1
                self._solver.add_clause([-act, *lits[open_].tolist()])
                sat = self._solver.solve(assumptions=[*assumptions, act])
                model = self._solver.get_model() if sat else None  # read before the next clause
                self._solver.add_clause([-act])
                if model is None:
                    return found
            if model is not None:
                slots = self._slots(model)
                self._remember(slots)
                found |= slots
                open_ &= ~slots
        return found

    def _batch(self, assumptions: list[int], open_: npt.NDArray[np.bool_]) -> list[int] | None:
        """A solver model taking a batch of open values (of different variables, drawn at
        random) at once, or None.

        The batch size adapts (see :data:`BATCH`): in a feature model few open values go
        together, in a catalog of many loosely tied modules hundreds do. An unsatisfiable
        batch is narrowed by its core: a core with one open value proves that value in no
        solution (it is taken out of ``open_``), a core with none proves every open value so
        (all are taken out), and otherwise all but one of the core's values leave the batch;
        after :data:`BATCH_TRIES` such calls, None."""
        lits = self._slot_lits
        size = self._batch_size
        candidates = np.flatnonzero(open_ & self._free)
        if len(candidates) > 2 * size:  # a few draws (repeats are skipped) beat a shuffle
            candidates = candidates[self._rng.integers(0, len(candidates), 2 * size)]
        else:
            candidates = self._rng.permutation(candidates)
        batch: dict[int, int] = {}  # literal -> slot
        variables: set[int] = set()
        slot_var = self._slot_var
        for k in candidates.tolist():
            if slot_var[k] not in variables:
                variables.add(slot_var[k])
                batch[int(lits[k])] = k
                if len(batch) == size:
                    break
        for attempt in range(BATCH_TRIES):
            if not batch:
                return None
            if self._solver.solve(assumptions=[*assumptions, *batch]):
                if attempt == 0 and len(batch) == size:
                    self._batch_size = min(2 * size, BATCH_MAX)
                model: list[int] = self._solver.get_model() or []
                return model
            if attempt == 0:
                self._batch_size = max(size // 2, BATCH_MIN)
            core = set(self._solver.get_core() or ())
            failed = [lit for lit in batch if lit in core]
            if not failed:  # the fixed values alone have no solution
                open_[:] = False
                return None
            if len(failed) == 1:
                open_[batch[failed[0]]] = False
            for lit in failed[1:] if len(failed) > 1 else failed:
                del batch[lit]
        return None

    def _set_phases(self, open_: npt.NDArray[np.bool_]) -> None:
        """Phases towards the open slots and away from the others; a 2-valued variable with
        neither or both values open gets a fresh random phase each call, so models differ."""
        many, first, second = self._many, self._pairs, self._pairs + 1
        lits = self._pair_lits  # the first slot's; the second slot's literal is its negation
        only_first = open_[first] & ~open_[second]
        only_second = open_[second] & ~open_[first]
        coin = self._rng.integers(0, 2, len(first)) * 2 - 1
        pair_phases = np.where(only_first, lits, np.where(only_second, -lits, lits * coin))
        phases = np.concatenate([np.where(open_[many], self._many_lits, -self._many_lits),
                                 pair_phases])
        self._solver.set_phases(phases.tolist())

    #: The model's own counter (:mod:`._count`), built on the first count().
    _counter: Counter | None = None

    def count(self, fixed: Mapping[str, Any] | None = None) -> int:
        """The exact number of solutions extending ``fixed``: by variable elimination on the
        model (:class:`._count.Counter`), or when that would be too wide, by projected model
        counting (Ganak) over the value literals."""
        if self._counter is None:
            from ._count import Counter  # (it builds on this module's encoder)

            self._counter = Counter(self.model)
        found = self._counter.count(fixed or {})
        return found if found is not None else self._ganak_count(fixed or {})

    def _ganak_count(self, fixed: Mapping[str, Any]) -> int:
        """The count by Ganak; every auxiliary literal is defined by the value literals."""
        assumptions = self._fixed_lits(fixed)
        if assumptions is None or self.solve(fixed) is None:
            return 0  # (and Ganak, on an unsatisfiable formula, prints to stdout)
        sampling = sorted({abs(x) for x in self._slot_lits.tolist()} - {self._true})
        if not sampling:
            return 1
        counter = pyganak.Counter()
        counter.add_clauses(self._counting_cnf())
        counter.add_clauses([lit] for lit in assumptions)
        counter.set_sampling_set(sampling)
        return int(counter.count())

    def optimum(self, fixed: Mapping[str, Any], costs: Costs) -> dict[str, Any] | None:
        """A least-cost solution extending ``fixed``, by MaxSAT (RC2)."""
        assumptions = self._fixed_lits(fixed)
        if assumptions is None:
            return None
        found = self.solve(fixed)
        if found is None or len(fixed) == len(self._lits):
            return found  # every variable fixed: the one solution is the least-cost one
        cheapest = self._cheapest_lits(fixed, costs)
        if cheapest is not None and self._solver.solve(assumptions=assumptions + cheapest):
            # Every free variable at its own least cost: no solution costs less, and no other
            # has this cost (each least cost is taken by one value), so RC2 would return it.
            return self._decode(self._slots(self._solver.get_model() or []))
        wcnf = WCNF()
        # The hard clauses as WCNF.extend would list them, made once per engine: listing
        # them was half of every call's time (RC2 reads them, and never changes them).
        if self._hard is None:
            hard = [list(clause) for clause in self._counting_cnf()]
            self._hard = (hard, max((abs(lit) for clause in hard for lit in clause),
                                    default=0))
        wcnf.hard, wcnf.nv = list(self._hard[0]), self._hard[1]
        for lit in assumptions:
            wcnf.append([lit])
        for name, by_value in costs.items():
            for value, cost in by_value.items():
                soft = self._lits[name].get(value)
                if soft is not None and cost > 0:
                    wcnf.append([-soft], weight=cost)
        with RC2(wcnf, solver="cadical195") as rc2:
            model = rc2.compute()
        if model is None:
            return None
        return self._decode(self._slots(model))

    def _cheapest_lits(self, fixed: Mapping[str, Any], costs: Costs) -> list[int] | None:
        """The literal of each free variable's least-cost value, when every free variable has
        costs and exactly one least-cost value in its domain; else None (the answer would
        not be unique, so it could differ from RC2's)."""
        out = []
        for name, lits in self._lits.items():
            if name in fixed:
                continue
            by_value = costs.get(name)
            if not by_value:
                return None
            known = [(cost, value) for value, cost in by_value.items() if value in lits]
            if len(known) != len(lits):
                return None
            low = min(cost for cost, _ in known)
            least = [value for cost, value in known if cost == low]
            if len(least) != 1:
                return None
            out.append(lits[least[0]])
        return out


def _codes(rows: Sequence[Sequence[Any]], domains: Sequence[Sequence[Any]]
           ) -> npt.NDArray[np.int64]:
    """Table cells as value indices: -1 for a wildcard, -2 for a value outside the domain."""
    if not rows:
        return np.empty((0, len(domains)), dtype=np.int64)
    columns = []
    for domain, column in zip(domains, zip(*rows, strict=True), strict=True):
        lookup: dict[Any, int] = {WILDCARD: -1}
        for k, value in enumerate(domain):
            lookup.setdefault(value, k)
        columns.append([lookup.get(cell, -2) for cell in column])
    return np.array(columns, dtype=np.int64).T.reshape(len(rows), len(domains))


def _int_codes(rows: Sequence[Sequence[Any]], domains: Sequence[Sequence[Any]]
               ) -> npt.NDArray[np.int64] | None:
    """:func:`_codes`, vectorised, when every cell is an integer and every domain an
    arithmetic progression of integers (integer modules); else None. Every row has one cell
    per domain, as every row of a table has one per column."""
    progressions = []
    for domain in domains:
        if not domain or not all(type(v) is int for v in domain):
            return None
        step = domain[1] - domain[0] if len(domain) > 1 else 1
        if step <= 0 or any(b - a != step for a, b in zip(domain, domain[1:], strict=False)):
            return None
        progressions.append((domain[0], step, len(domain)))
    flat = list(itertools.chain.from_iterable(rows))
    if len(flat) != len(rows) * len(domains):
        return None
    # bytes() takes integers from 0 to 255 only, array('q') any 64-bit integer: a string,
    # None or a wildcard makes both raise TypeError. Through bytes, small cells reach numpy
    # three times as fast as numpy reads nested rows.
    try:
        try:
            values = np.frombuffer(bytes(flat), dtype=np.uint8).astype(np.int64)
        except ValueError:
            values = np.frombuffer(array.array("q", flat), dtype=np.int64)
    except (TypeError, OverflowError):
        return None
    cells = values.reshape(len(rows), len(domains))
    start, step, size = np.array(progressions, dtype=np.int64).reshape(-1, 3).T
    if not start.any() and (step == 1).all():  # values 0, 1, 2, ...: a value is its index
        codes, outside = cells, (cells < 0) | (cells >= size)
    else:
        offset = cells - start
        codes = offset // step
        outside = (offset % step != 0) | (codes < 0) | (codes >= size)
    if outside.any():
        codes = np.where(outside, -2, codes)
    return codes


def _clean(clause: list[int], true: int) -> tuple[int, ...]:
    """A clause without duplicate or false constant literals (``(-true,)`` when nothing is
    left); a satisfied clause becomes ``(true,)``. A tuple: the collector stops tracking a
    tuple of numbers, so thousands of kept clauses cost it nothing."""
    out = tuple(dict.fromkeys(x for x in clause if x != -true))
    if true in out or any(-x in out for x in out):
        return (true,)
    return out or (-true,)

