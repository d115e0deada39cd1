"""Exact model counting on the Model itself: variable elimination over sparse factors.

The model becomes a set of *factors*, each a relation over a few variables stored sparsely as
the rows (tuples of value codes) it allows, with a count per row. Counting sums the product of
all factors over every variable, one variable at a time (bucket elimination): the factors that
mention the variable are joined, the variable is summed out, and the result goes back into the
pool. Rows are never enumerated densely, which suits variant tables: a table of 30,000 rows
over eight columns is 30,000 rows, not the 10^8 cells of its columns' product.

The next variable to go is one that appears in a single factor, else the one whose result has
the smallest upper bound on its rows (the rows of factors covering its neighbours, times the
values of neighbours no factor covers): a bound by rows follows sparse tables where one by
values alone would not, and an upper bound never mistakes a wide join for a narrow one.

Everything is exact. Counts are int64 while they are safe (each join and sum checks the largest
count against 2**62 first) and Python integers after that. The rule language is never
approximated: every value comes from its own evaluator, through the tools the SAT encoder uses
(:mod:`._arith`, :mod:`._mdd`, and the encoder's linear forms).

Factors (besides the model's variables there are *auxiliary* ones, each a function of the
model's variables, so they never change the count):

- a multi-select module with few allowed subsets of options is one auxiliary *subset* variable
  over them, tied to its options' variables by one factor (which also holds its cardinality);
  every other factor reads it instead of the options;
- a variant table is its rows, when it allows rows without wildcards; its truth table, when
  its columns have few joint values; else its reduced decision diagram read as a *chain*: an
  auxiliary layer variable holds the node reached before each position, and one factor per
  position relates a layer, the column's value and the next layer;
- a rule is split at ``and`` (``when ... then a and b`` into a rule per conjunct); a part over
  few joint values is its truth table; a comparison of linear forms is the interval-reduced
  diagram of :func:`._arith.interval_diagram` over its terms (the options of one module summed
  into one term), read as a chain; anything else relates its operands' values, each operand a
  *term*: a variable whose every value maps to the operand's value (an auxiliary one for an
  operand over several variables: its grid, partial sums of a linear form, or its own
  operands' values related);
- a cardinality of a module without a subset variable, and a test whether any of some options
  is selected, are the interval diagram over how many options are selected.

A selection fixes values: the rows disagreeing with it are dropped before elimination.
:class:`Counter` first plans the elimination on bounds alone and declines a model whose joins
might grow past 2**:data:`WIDTH_LIMIT` rows; a count whose join exceeds :data:`ROW_LIMIT` rows
stops. Either way it answers None, and the caller counts another way (the SAT engine: Ganak).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .. import expr as _expr
from ..catalog.model import Module
from . import _mdd
from ._arith import (
    Grids,
    Linear,
    Pieces,
    Term,
    apply,
    constant,
    from_int,
    interval_diagram,
    operands,
    sum_layers,
    to_int,
)
from .model import Constraint, Model
from .sat import _codes, _Encoder, _int_codes, _pieces

__all__ = ["ROW_LIMIT", "Counter"]

IntArray = npt.NDArray[np.int64]
#: A rule part over at most this many joint assignments becomes one factor (its truth table).
GRID_LIMIT = 1 << 12
#: A value over several variables with at most this many joint assignments gets its grid.
CELL_LIMIT = 1 << 10
#: A table with wildcards or a deny table is built densely up to this many cells.
DENSE_LIMIT = 1 << 16
#: A multi-select module with at most this many allowed subsets is counted as one variable.
SUBSET_LIMIT = 1 << 10
#: A term read from a variable with this many times more values gets a variable of its own.
NARROW = 4
#: Planning gives up when a join might have more than 2**WIDTH_LIMIT rows.
WIDTH_LIMIT = 30
#: The most rows one factor may have, in building or counting; beyond it counting gives up.
ROW_LIMIT = 1 << 22
#: Counts stay int64 while every product and sum stays below this.
_SAFE = 1 << 62


class _TooWide(Exception):
    """A factor would exceed :data:`ROW_LIMIT` rows."""


@dataclass(frozen=True, slots=True)
class _Factor:
    """Rows of value codes over ``scope`` (one column per variable), each with a count."""

    scope: tuple[int, ...]
    rows: IntArray
    counts: npt.NDArray[Any]


def _relation(scope: Sequence[int], rows: Any) -> _Factor:
    """A factor allowing these rows, each once."""
    array = np.asarray(rows, dtype=np.int64)
    array = array.reshape(-1, len(scope)) if scope else array.reshape(len(array), 0)
    if len(array) > ROW_LIMIT:
        raise _TooWide
    return _Factor(tuple(scope), array, np.ones(len(array), dtype=np.int64))


def _all_codes(sizes: Sequence[int]) -> IntArray:
    """Every tuple of codes for variables of these sizes, in row-major order."""
    return np.indices(tuple(sizes), dtype=np.int64).reshape(len(sizes), -1).T


# -- the model as factors -----------------------------------------------------------------------
class _Builder(_Encoder):
    """Factors for a model's hard constraints.

    It reuses the SAT encoder's linear forms (:meth:`_Encoder.linear`, ``structured``,
    ``split``, ``difference``, ``fn_term``) with *slots* for literals: slot ``lits[v][k]``
    stands for variable ``v`` taking its ``k``-th value, so a :class:`._arith.Term` names a
    variable and which of its values give each of the term's values. It overrides only
    :meth:`term`, the value of a node, which here is a variable rather than literals.

    A multi-select module with few allowed subsets of options (:data:`SUBSET_LIMIT`) gets an
    auxiliary *subset* variable over them, defined by one factor with its options' variables;
    every other factor reads the subset variable instead of the options, and a sum over its
    options is one term. So rules that read the same module's options are not tied together
    option by option, which would make the graph wide.
    """

    def __init__(self, model: Model) -> None:  # the encoder's clauses are not wanted here
        self.model = model
        self.catalog = model.catalog
        self.grids = Grids(model)
        self.index = self.grids.index
        self.sizes: list[int] = []
        self.lits: list[list[int]] = []
        self.slot_var: list[int] = []
        self.factors: list[_Factor] = []
        self._term: dict[Any, Term] = {}
        self._linear: dict[Any, Linear | None] = {}
        self._narrowed: dict[tuple[int, tuple[int, ...]], int] = {}
        for v in model.variables:
            self.variable(len(v.domain))
        # An option's variable -> its module's subset variable and its bit; per subset
        # variable, its subsets as bit masks and its defining factor.
        self.bit_of: dict[int, tuple[int, int]] = {}
        self.masks: dict[int, list[int]] = {}
        self.definitions: dict[int, _Factor] = {}
        grouped = {m.id for m in self.catalog.modules if m.kind == "multi" and self.subsets(m)}
        for c in model.hard_constraints:
            if not (c.kind == "cardinality" and c.module is not None and c.module.id in grouped):
                self.constraint_factors(c)

    def subsets(self, module: Module) -> bool:
        """A subset variable for a multi-select module, when it has at least two options and
        at most :data:`SUBSET_LIMIT` allowed subsets; whether it got one."""
        members = [self.index[f"{module.id}.{o.id}"] for o in module.options]
        allowed = range(module.min, min(module.max, len(members)) + 1)
        if not 2 <= len(members) < 63 or \
                sum(math.comb(len(members), k) for k in allowed) > SUBSET_LIMIT:
            return False
        masks = sorted(sum(1 << bit for bit in chosen) for k in allowed
                       for chosen in itertools.combinations(range(len(members)), k))
        var = self.variable(len(masks))
        bits = (np.array(masks, dtype=np.int64).reshape(-1, 1) >> np.arange(len(members))) & 1
        definition = _relation((var, *members), np.column_stack([np.arange(len(masks)), bits]))
        self.factors.append(definition)
        self.definitions[var] = definition
        self.masks[var] = masks
        for bit, member in enumerate(members):
            self.bit_of[member] = (var, bit)
        return True

    def variable(self, size: int) -> int:
        """A new variable with ``size`` values."""
        var = len(self.sizes)
        start = len(self.slot_var)
        self.sizes.append(size)
        self.lits.append(list(range(start, start + size)))
        self.slot_var.extend([var] * size)
        return var

    def add(self, scope: Sequence[int], rows: Any) -> None:
        """A factor allowing these rows, over subset variables instead of options."""
        factor = _relation(scope, rows)
        for subset in dict.fromkeys(self.bit_of[v][0] for v in scope if v in self.bit_of):
            joined = _join(factor, self.definitions[subset], self.sizes)
            keep = [k for k, v in enumerate(joined.scope)
                    if v not in self.bit_of or self.bit_of[v][0] != subset]
            factor = _Factor(tuple(joined.scope[k] for k in keep), joined.rows[:, keep],
                             joined.counts)
        self.factors.append(factor)

    def axis(self, term: Term) -> tuple[int, list[int]]:
        """The variable of a term, and for each of its values the index of the term's value."""
        var = self.slot_var[term.groups[0][0]]
        start = self.lits[var][0]
        index = [0] * self.sizes[var]
        for i, group in enumerate(term.groups):
            for slot in group:
                index[slot - start] = i
        return var, index

    def on(self, var: int, values: Sequence[Any]) -> Term:
        """The term taking ``values[k]`` when ``var`` takes its ``k``-th value."""
        return self.fn_term(var, values)

    def summands(self, terms: Sequence[Term], values: Sequence[Sequence[int]]
                 ) -> tuple[list[tuple[int, list[int]]], list[list[int]]]:
        """Terms of a sum, with integer values (``values[i][j]``: term i's j-th value), as
        each one's variable and value index per value of it (see :meth:`axis`), and its values;
        the terms of one module's options are added up into one term of its subset variable."""
        axes: list[tuple[int, list[int]]] = []
        out: list[list[int]] = []
        merged: dict[int, int] = {}
        for term, numbers in zip(terms, values, strict=True):
            var, index = self.axis(term)
            if var not in self.bit_of:
                axes.append((var, index))
                out.append(list(numbers))
                continue
            subset, bit = self.bit_of[var]
            per = [numbers[index[(mask >> bit) & 1]] for mask in self.masks[subset]]
            k = merged.setdefault(subset, len(out))
            if k == len(out):
                axes.append((subset, []))
                out.append(per)
            else:
                out[k] = [a + b for a, b in zip(out[k], per, strict=True)]
        for subset, k in merged.items():
            distinct = sorted(set(out[k]))
            position = {v: i for i, v in enumerate(distinct)}
            axes[k] = self.narrow(subset, [position[v] for v in out[k]], len(distinct))
            out[k] = distinct
        return axes, out

    def narrow(self, var: int, index: list[int], count: int) -> tuple[int, list[int]]:
        """A variable for the ``count`` values a term takes by ``index`` from ``var``'s:
        ``var`` itself, or an auxiliary over the term's values when it has far fewer, so
        that a chain's factors relate its layers to the few values, not to ``var``'s many."""
        if count * NARROW > self.sizes[var]:
            return var, index
        key = (var, tuple(index))
        found = self._narrowed.get(key)
        if found is None:
            found = self._narrowed[key] = self.variable(count)
            self.add((var, found), list(enumerate(index)))
        return found, list(range(count))

    # -- constraints ---------------------------------------------------------------------------
    def constraint_factors(self, c: Constraint) -> None:
        """Factors that hold exactly when the constraint does."""
        if c.kind == "cardinality":
            module = c.module
            assert module is not None
            pieces: list[tuple[float, bool]] = []
            if module.min > 0:
                pieces.append((module.min - 1, False))
            pieces += [(module.max, True), (math.inf, False)]
            self.chain(*self.counted([self.index[n] for n in c.variables], pieces), _mdd.TRUE)
        elif c.kind == "table":
            self.variant_table(c)
        else:
            rule = c.rule
            assert rule is not None
            if rule.when is None:
                self.require(rule.then.ast)
            else:
                self.require(_expr.Implies(rule.when.ast, rule.then.ast))

    def variant_table(self, c: Constraint) -> None:
        """A table's factors: its rows, its truth table, or its decision diagram's chain."""
        table = c.table
        assert table is not None
        axes = [self.index[name] for name in c.variables]
        domains = [self.model.variables[a].domain for a in axes]
        sizes = [len(d) for d in domains]
        codes = _int_codes(table.rows, domains)
        if codes is None:
            codes = _codes(table.rows, domains)
        codes = codes[(codes != -2).all(axis=1)]  # a cell outside its domain never matches
        wild = bool((codes == -1).any())
        accept = table.kind == "allow"
        if accept and not wild:
            self.add(axes, np.unique(codes, axis=0) if len(codes) else codes)
        elif math.prod(sizes) <= DENSE_LIMIT:
            dense = np.zeros(sizes, dtype=bool)
            for row in codes.tolist():
                dense[tuple(slice(None) if x < 0 else x for x in row)] = True
            self.add(axes, np.argwhere(dense if accept else ~dense))
        else:
            diagram = (_mdd.from_patterns(sizes, codes.tolist(), accept) if wild
                       else _mdd.from_rows(sizes, codes, accept))
            self.chain(diagram, [(a, list(range(s))) for a, s in zip(axes, sizes, strict=True)],
                       _mdd.TRUE)

    def require(self, node: Any, value: bool = True) -> None:
        """Factors that hold exactly when the boolean ``node`` has this value."""
        axes = self.grids.support(node)
        if not axes:
            if bool(constant(node)) != value:
                self.add((), np.empty((0, 0), dtype=np.int64))
            return
        if len(axes) == 1 or self.grids.size(axes) <= GRID_LIMIT:
            grid = self.grids.grid(node)
            table = grid.table()
            self.add(grid.axes, np.argwhere(table if value else ~table))
            return
        match node:
            case _expr.BoolNot(operand=operand):
                return self.require(operand, not value)
            case _expr.And(left=left, right=right) if value:
                self.require(left)
                return self.require(right)
            case _expr.Or(left=left, right=right) if not value:
                self.require(left, False)
                return self.require(right, False)
            case _expr.Implies(left=left, right=right) if not value:
                self.require(left)
                return self.require(right, False)
            case _expr.Implies(left=left, right=_expr.And(left=a, right=b)) if value:
                self.require(_expr.Implies(left, a))
                return self.require(_expr.Implies(left, b))
            case _expr.AnySelected() | _expr.OptionIn():
                self.chain(*self.any_of(node), _mdd.TRUE if value else _mdd.FALSE)
                return None
            case _expr.Cmp() if node.left.type == "number":
                found = self.comparison(node)
                if found is not None:
                    self.chain(*found, _mdd.TRUE if value else _mdd.FALSE)
                    return None
        self.relate(node, value)
        return None

    # -- terms ---------------------------------------------------------------------------------
    def term(self, node: Any) -> Term:
        """The node's value as a term over one variable (auxiliary when it reads several)."""
        found = self._term.get(node)
        if found is not None:
            return found
        axes = self.grids.support(node)
        out: Term | None = None
        if len(axes) == 0:
            out = self.on(self.variable(1), (constant(node),))
        elif len(axes) == 1:
            out = self.on(axes[0], self.grids.on_one(node, axes[0]))
        elif self.grids.size(axes) <= CELL_LIMIT:
            grid = self.grids.grid(node)
            var = self.variable(len(grid.values))
            cells = _all_codes([self.sizes[a] for a in grid.axes])
            self.add((*grid.axes, var), np.column_stack([cells, grid.codes.reshape(-1)]))
            out = self.on(var, grid.values)
        elif isinstance(node, _expr.AnySelected | _expr.OptionIn):
            out = self.chain(*self.any_of(node), None)
        elif isinstance(node, _expr.Cmp) and node.left.type == "number":
            compared = self.comparison(node)
            if compared is not None:
                out = self.chain(*compared, None)
        elif node.type == "number" and (form := self.structured(node)) is not None:
            out = self.partial_sums(form)
        if out is None:
            out = self.relate(node)
        self._term[node] = out
        return out

    def relate(self, node: Any, value: bool | None = None) -> Term:
        """The node's value from its operands' terms, one row per combination of their
        variables' values; with ``value``, only the rows where the node has it, and no term
        (an empty one is returned)."""
        terms = [self.term(child) for child in operands(node)]
        if not terms:
            raise _TooWide  # an aggregate the evaluator would round: not a linear form
        children = [self.axis(t) for t in terms]
        scope = list(dict.fromkeys(var for var, _ in children))
        sizes = [self.sizes[v] for v in scope]
        if math.prod(sizes) > ROW_LIMIT:
            raise _TooWide
        cells = _all_codes(sizes)
        # Each operand's value index per row, and the node's value per combination of them.
        picks = tuple(np.asarray(index, dtype=np.int64)[cells[:, scope.index(var)]]
                      for var, index in children)
        results: list[Any] = []
        lookup: dict[tuple[type, Any], int] = {}
        table = np.empty([len(t.values) for t in terms], dtype=np.int64)
        for combo in np.ndindex(*table.shape):
            result = apply(node, [t.values[k] for t, k in zip(terms, combo, strict=True)])
            if value is not None:
                table[combo] = int(bool(result) == value)
            else:
                table[combo] = lookup.setdefault((type(result), result), len(results))
                if table[combo] == len(results):
                    results.append(result)
        codes = table[picks]
        if value is not None:
            self.add(scope, cells[codes == 1])
            return Term((), ())
        var = self.variable(len(results))
        self.add((*scope, var), np.column_stack([cells, codes]))
        return self.on(var, results)

    def partial_sums(self, form: Linear) -> Term:
        """The value of an exact linear form as the last of a chain of auxiliary variables,
        each the partial sum after one more term."""
        const, terms = self.split(form)
        places = Linear(const, {}, terms).scale()
        axes, values = self.summands(terms, [[to_int(v, places) for v in t.values]
                                             for t in terms])
        layers = sum_layers(values)
        previous: int | None = None
        for i, (var, index) in enumerate(axes):
            position = {s: k for k, s in enumerate(layers[i + 1])}
            following = self.variable(len(layers[i + 1]))
            rows = [(a, code, position[s + values[i][index[code]]])
                    for a, s in enumerate(layers[i]) for code in range(self.sizes[var])]
            if previous is None:
                self.add((var, following), [row[1:] for row in rows])
            else:
                self.add((previous, var, following), rows)
            previous = following
        total = to_int(const, places)
        last = previous if previous is not None else self.variable(1)
        return self.on(last, [from_int(total + s, places) for s in layers[-1]])

    def counted(self, variables: Sequence[int], pieces: Pieces
                ) -> tuple[_mdd.Diagram, list[tuple[int, list[int]]]]:
        """The test ``pieces`` on how many of these boolean variables are true, as a diagram
        and the variable each of its positions reads."""
        axes, values = self.summands([self.on(v, (0, 1)) for v in variables],
                                     [[0, 1]] * len(variables))
        return interval_diagram(values, pieces), axes

    def any_of(self, node: _expr.AnySelected | _expr.OptionIn
               ) -> tuple[_mdd.Diagram, list[tuple[int, list[int]]]]:
        """Whether any of a multi-select module's options (of these options, for ``in``) is
        selected, as a diagram over how many are."""
        negated = isinstance(node, _expr.OptionIn) and node.negated
        return self.counted(self.grids.support(node), [(0, negated), (math.inf, not negated)])

    def comparison(self, node: _expr.Cmp
                   ) -> tuple[_mdd.Diagram, list[tuple[int, list[int]]]] | None:
        """``left <op> right`` as the interval diagram of ``left - right <op> 0`` over the
        terms of the difference, with the variable each position reads; None when the
        difference is not an exact linear form."""
        found = self.difference(node)
        if found is None:
            return None
        const, terms, numbers = found
        axes, values = self.summands(terms, numbers)
        order = sorted(range(len(axes)), key=lambda i: min(values[i]) - max(values[i]))
        diagram = interval_diagram([values[i] for i in order], _pieces(node.op, const))
        return diagram, [axes[i] for i in order]

    def chain(self, diagram: _mdd.Diagram, axes: Sequence[tuple[int, Sequence[int]]],
              want: int | None) -> Term:
        """Factors reading a diagram along its positions: position ``j`` reads variable
        ``axes[j][0]``, whose ``k``-th value is the diagram's value ``axes[j][1][k]``.

        An auxiliary layer variable holds the node reached before each position that some
        node tests (a layer with one node needs none). With ``want`` (a terminal) the paths
        must end there and an empty term is returned; else the term is whether the path ends
        at TRUE.
        """
        tests: dict[int, tuple[int, list[int]]] = {}
        for level in diagram.levels:
            for node, children in zip(level.ids.tolist(), level.children.tolist(),
                                      strict=True):
                tests[node] = (level.position, children)
        state = [diagram.root]
        layer: int | None = None
        for j, (var, index) in enumerate(axes):
            if not any(tests.get(n, (-1,))[0] == j for n in state):
                continue
            following: dict[int, int] = {}
            rows: list[tuple[int, int, int]] = []
            for a, node in enumerate(state):
                test = tests.get(node)
                for code in range(self.sizes[var]):
                    child = test[1][index[code]] if test is not None and test[0] == j else node
                    if want is not None and child in (_mdd.FALSE, _mdd.TRUE) and child != want:
                        continue
                    rows.append((a, code, following.setdefault(child, len(following))))
            new = self.variable(len(following)) if len(following) > 1 else None
            scope, columns = [var], [1]
            if layer is not None:
                scope, columns = [layer, var], [0, 1]
            if new is not None:
                scope, columns = [*scope, new], [*columns, 2]
            self.add(scope, np.array(rows, dtype=np.int64).reshape(-1, 3)[:, columns])
            state, layer = list(following), new
        if want is not None:
            if state != [want]:
                self.add((), np.empty((0, 0), dtype=np.int64))  # no path ends there
            return Term((), ())
        values = [node == _mdd.TRUE for node in state]
        return self.on(layer if layer is not None else self.variable(1), values)


# -- counting -----------------------------------------------------------------------------------
def _ranks(columns: IntArray, sizes: Sequence[int]) -> IntArray:
    """A key per row, equal exactly when the rows are equal (mixed radix, compressed to
    ranks whenever the radix would overflow)."""
    key = np.zeros(len(columns), dtype=np.int64)
    bound = 1
    for j, size in enumerate(sizes):
        if bound * size >= _SAFE:
            unique, key = np.unique(key, return_inverse=True)
            key = key.reshape(-1)
            bound = len(unique)
        key = key * size + columns[:, j]
        bound *= size
    return key


def _join(a: _Factor, b: _Factor, sizes: Sequence[int]) -> _Factor:
    """The product of two factors: rows that agree on the shared variables."""
    shared = [v for v in a.scope if v in b.scope]
    keys = _ranks(np.concatenate([a.rows[:, [a.scope.index(v) for v in shared]],
                                  b.rows[:, [b.scope.index(v) for v in shared]]]),
                  [sizes[v] for v in shared])
    key_a, key_b = keys[:len(a.rows)], keys[len(a.rows):]
    order = np.argsort(key_b, kind="stable")
    sorted_b = key_b[order]
    low = np.searchsorted(sorted_b, key_a, "left")
    per = np.searchsorted(sorted_b, key_a, "right") - low
    total = int(per.sum())
    if total > ROW_LIMIT:
        raise _TooWide
    from_a = np.repeat(np.arange(len(key_a)), per)
    starts = np.cumsum(per) - per
    from_b = order[np.arange(total) - np.repeat(starts - low, per)]
    extra = [k for k, v in enumerate(b.scope) if v not in a.scope]
    rows = np.concatenate([a.rows[from_a], b.rows[from_b][:, extra]], axis=1)
    ca, cb = a.counts, b.counts
    if ca.dtype != object and cb.dtype != object and \
            int(ca.max(initial=0)) * int(cb.max(initial=0)) >= _SAFE:
        ca, cb = ca.astype(object), cb.astype(object)
    return _Factor(a.scope + tuple(b.scope[k] for k in extra), rows, ca[from_a] * cb[from_b])


def _sum_out(f: _Factor, var: int, sizes: Sequence[int]) -> _Factor:
    """The factor with ``var`` summed out."""
    keep = [k for k, v in enumerate(f.scope) if v != var]
    scope = tuple(f.scope[k] for k in keep)
    if not len(f.rows):
        return _Factor(scope, f.rows[:, keep], f.counts)
    counts = f.counts
    if counts.dtype != object and int(counts.max(initial=0)) * len(counts) >= _SAFE:
        counts = counts.astype(object)
    key = _ranks(f.rows[:, keep], [sizes[f.scope[k]] for k in keep])
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    sums = np.add.reduceat(counts[order], starts)
    return _Factor(scope, f.rows[order[starts]][:, keep], sums)


def _restrict(factors: list[_Factor], allowed: list[npt.NDArray[np.bool_]]
              ) -> list[_Factor] | None:
    """The factors without the rows that use a value not allowed; None when one is left
    without rows."""
    out = []
    for f in factors:
        ok = np.ones(len(f.rows), dtype=bool)
        for k, var in enumerate(f.scope):
            ok &= allowed[var][f.rows[:, k]]
        if not ok.any():
            return None
        out.append(f if ok.all() else _Factor(f.scope, f.rows[ok], f.counts[ok]))
    return out


def _bound(target: set[int], scopes: Sequence[tuple[set[int], float]],
           weights: Sequence[float]) -> float:
    """log2 of an upper bound on the rows of any factor over ``target`` that is a projection of
    the join of factors with these scopes and log2 row counts: the rows of the factors a
    greedy cover picks, times the values of the variables no picked factor covers."""
    target = set(target)
    bound = 0.0
    while target:
        gain, best = max(((sum(weights[u] for u in scope & target) - rows, k)
                          for k, (scope, rows) in enumerate(scopes)), default=(0.0, -1))
        if gain <= 0:
            break
        bound += scopes[best][1]
        target -= scopes[best][0]
    return bound + sum(weights[u] for u in target)


@dataclass(frozen=True, slots=True)
class _Shape:
    """What planning knows of a factor: its scope and log2 of a bound on its rows."""

    scope: tuple[int, ...]
    log_rows: float


_F = TypeVar("_F", _Factor, _Shape)


def _log_rows(f: _Factor | _Shape) -> float:
    return f.log_rows if isinstance(f, _Shape) else math.log2(max(1, len(f.rows)))


def _eliminate(factors: Sequence[_F], weights: Sequence[float],
               step: Callable[[list[_F], int], _F]) -> list[_F]:
    """Every variable summed out, one at a time: ``step`` turns the factors that mention a
    variable into one without it. Returns the factors left over no variable.

    A variable in one factor only goes first (summing it out only shrinks the factor); else
    the one whose summed-out factor has the smallest upper bound (:func:`_bound`): a bound by
    the factors' rows, not only by the variables' values, follows sparse tables, and an upper
    bound never mistakes a wide join for a narrow one.
    """
    live = dict(enumerate(factors))
    done = [f for f in factors if not f.scope]
    bucket: dict[int, set[int]] = {}
    for i, f in live.items():
        for v in f.scope:
            bucket.setdefault(v, set()).add(i)

    def cost(v: int) -> float:
        if len(bucket[v]) == 1:
            return -1.0
        scopes = [(set(live[i].scope), _log_rows(live[i])) for i in bucket[v]]
        return _bound(set().union(*(scope for scope, _ in scopes)) - {v}, scopes, weights)

    current = {v: cost(v) for v in bucket}
    heap = [(c, v) for v, c in current.items()]
    heapq.heapify(heap)
    next_id = len(factors)
    while heap:
        c, v = heapq.heappop(heap)
        if current.get(v) != c:
            continue  # a stale entry: the variable was costed again, or is gone
        del current[v]
        ids = sorted(bucket.pop(v), key=lambda i: _log_rows(live[i]))
        chosen = [live.pop(i) for i in ids]
        for i, f in zip(ids, chosen, strict=True):
            for u in f.scope:
                if u != v:
                    bucket[u].discard(i)
        reduced = step(chosen, v)
        if not reduced.scope:
            done.append(reduced)
            continue
        live[next_id] = reduced
        for u in reduced.scope:
            bucket[u].add(next_id)
        next_id += 1
        for u in reduced.scope:
            current[u] = cost(u)
            heapq.heappush(heap, (current[u], u))
    return done


class Counter:
    """Counts a model's solutions exactly by variable elimination over sparse factors.

    Built once per model; each :meth:`count` works on its own copies of the factors, so one
    counter serves many counts. ``usable`` is False when the factors would be too large to
    build, or when planning the elimination (on bounds of the factors' rows, before any join)
    finds a join that might exceed 2**:data:`WIDTH_LIMIT` rows: then a count would most
    likely stop at :data:`ROW_LIMIT` after much work, and the caller had better count another
    way at once. Fixing values only removes rows, so a usable counter stays usable under any
    selection.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self._codes = [{value: k for k, value in enumerate(v.domain)} for v in model.variables]
        self._index = {v.name: i for i, v in enumerate(model.variables)}
        self._sizes: list[int] = []
        self._factors: list[_Factor] = []
        try:
            builder = _Builder(model)
            weights = [math.log2(max(1, size)) for size in builder.sizes]

            def plan(shapes: list[_Shape], var: int) -> _Shape:
                scopes = [(set(s.scope), s.log_rows) for s in shapes]
                union = set().union(*(scope for scope, _ in scopes))
                joined = _bound(union, scopes, weights)
                if joined > WIDTH_LIMIT:
                    raise _TooWide
                rest = union - {var}
                return _Shape(tuple(sorted(rest)), min(joined, _bound(rest, scopes, weights)))

            _eliminate([_Shape(f.scope, _log_rows(f)) for f in builder.factors], weights, plan)
        except _TooWide:
            self.usable = False
            return
        self.usable = True
        self._sizes = builder.sizes
        self._factors = builder.factors

    def count(self, fixed: Mapping[str, Any]) -> int | None:
        """The number of solutions extending ``fixed`` (variable name -> value), or None
        when the counter is not usable or a join would exceed :data:`ROW_LIMIT` rows."""
        if not self.usable:
            return None
        allowed = [np.ones(size, dtype=bool) for size in self._sizes]
        for name, value in fixed.items():
            var = self._index[name]
            code = self._codes[var].get(value)
            if code is None:
                return 0
            allowed[var][:] = False
            allowed[var][code] = True
        factors = _restrict(self._factors, allowed) if fixed else self._factors
        if factors is None:
            return 0
        counted = {v for f in factors for v in f.scope}
        total = math.prod(int(allowed[v].sum()) for v in range(len(allowed)) if v not in counted)
        weights = [math.log2(max(1, int(mask.sum()))) for mask in allowed]

        def step(chosen: list[_Factor], var: int) -> _Factor:
            joined = chosen[0]
            for f in chosen[1:]:
                joined = _join(joined, f, self._sizes)
            return _sum_out(joined, var, self._sizes)

        try:
            for f in _eliminate(factors, weights, step):
                total *= int(f.counts.sum()) if len(f.counts) else 0
        except _TooWide:
            return None
        return total
