"""Exact arithmetic of the rule language, for encoding: grids, linear forms, threshold diagrams.

Three tools, each exact (never approximate), which the SAT encoder picks between:

- :class:`Grids` evaluates a node on every assignment of the few variables it reads (its
  *support*), as an array with one axis per variable. Every operation is the rule language's
  own evaluator applied to constant operands, once per distinct combination of operand values,
  so a grid holds exactly what :func:`configurator.expr.evaluate` computes.
- :class:`Linear` is a number written as a constant plus a sum of *terms*: functions of one
  variable, or opaque terms with literal groups. Sums, differences, negation and scaling by a
  constant stay linear while Decimal arithmetic at 28 digits is exact on them (checked from
  bounds), so comparing two linear forms is comparing their difference with zero.
- :func:`interval_diagram` builds the reduced decision diagram of ``lower <= sum <= upper``-like
  tests over integer terms, merging partial sums by the intervals in which they behave alike
  (Abío, Nieuwenhuis, Oliveras and Rodríguez-Carbonell, "BDDs for pseudo-Boolean constraints
  revisited", 2011), so diagrams stay small even for large coefficients.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import expr as _expr
from ._mdd import Diagram, Level
from .model import Model, _View

__all__ = [
    "Grid", "Grids", "Linear", "Pieces", "Term", "apply", "constant", "exact_inverse",
    "from_int", "interval_diagram", "operands", "sum_layers", "to_int",
]

IntArray = npt.NDArray[np.int64]
#: For this module's own sums and products: exact or it raises.
_EXACT = Context(prec=200, traps=[Inexact, InvalidOperation, Overflow])
#: The evaluator computes with 28 significant digits; below this, nothing is rounded.
_PRECISION_LIMIT = 10**28


def _type_of(value: Any) -> _expr.Type:
    if isinstance(value, bool):
        return "bool"
    return "string" if isinstance(value, str) else "number"


def _const(value: Any) -> _expr.Const:
    return _expr.Const(value, _type_of(value))


class _NoView:
    """Evaluation of constant-only nodes never asks the configuration anything."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"constant evaluation asked for {name}")


_NO_VIEW: Any = _NoView()


def constant(node: Any) -> Any:
    """The value of a node that reads no variable."""
    return _expr.evaluate(node, _NO_VIEW)


def apply(node: Any, operands: Sequence[Any]) -> Any:
    """The value of ``node`` with its operands replaced by these constants, computed by the
    rule language's evaluator."""
    consts = [_const(v) for v in operands]
    constant: Any
    match node:
        case _expr.Arith() | _expr.Cmp() | _expr.And() | _expr.Or() | _expr.Implies():
            constant = dataclasses.replace(node, left=consts[0], right=consts[1])
        case _expr.Neg() | _expr.BoolNot():
            constant = dataclasses.replace(node, operand=consts[0])
        case _expr.ValueIn():
            constant = dataclasses.replace(node, subject=consts[0])
        case _expr.Func():
            constant = dataclasses.replace(node, args=tuple(consts))
        case _:
            raise TypeError(f"not an operation: {type(node).__name__}")
    return _expr.evaluate(constant, _NO_VIEW)


def operands(node: Any) -> tuple[Any, ...]:
    """The operand nodes of an operation, in the order :func:`apply` takes them."""
    match node:
        case _expr.Arith() | _expr.Cmp() | _expr.And() | _expr.Or() | _expr.Implies():
            return (node.left, node.right)
        case _expr.Neg() | _expr.BoolNot():
            return (node.operand,)
        case _expr.ValueIn():
            return (node.subject,)
        case _expr.Func():
            return tuple(node.args)
    return ()


def _key(value: Any) -> tuple[type, Any]:
    # True == Decimal(1) in Python; the rule language keeps them apart.
    return (type(value), value)


@dataclass(frozen=True, slots=True)
class Grid:
    """A node's value on every assignment of its support.

    ``axes`` are variable indices (ascending); ``codes`` has one axis per variable (its domain
    size) and indexes ``values``, the distinct values.
    """

    axes: tuple[int, ...]
    codes: IntArray
    values: tuple[Any, ...]

    def table(self) -> npt.NDArray[np.bool_]:
        """The truth table of a boolean grid."""
        return np.array([bool(v) for v in self.values], dtype=bool)[self.codes]


class Grids:
    """Supports and grids of rule-language nodes over a model's variables."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.catalog = model.catalog
        self.index = {v.name: i for i, v in enumerate(model.variables)}
        self.domains = [v.domain for v in model.variables]
        self._support: dict[Any, tuple[int, ...]] = {}

    # -- supports ------------------------------------------------------------------------------
    def module_vars(self, module: str, options: Iterable[str] | None = None) -> tuple[int, ...]:
        """The variables of a module (of these options, for a multi-select module)."""
        found = self.catalog.module(module)
        if found.kind != "multi":
            return (self.index[module],)
        chosen = found.option_ids if options is None else options
        return tuple(self.index[f"{module}.{o}"] for o in chosen
                     if f"{module}.{o}" in self.index)

    def support(self, node: Any) -> tuple[int, ...]:
        """The variables a node reads, ascending."""
        found = self._support.get(node)
        if found is not None:
            return found
        out: set[int] = set()
        match node:
            case _expr.Const():
                pass
            case _expr.OptionSelected(module=module, option=option):
                out.update(self.module_vars(module, (option,)))
            case _expr.OptionIn(module=module, options=options):
                out.update(self.module_vars(module, options))
            case _expr.AnySelected(module=module) | _expr.ModuleValue(module=module) | \
                    _expr.AttributeOf(module=module):
                out.update(self.module_vars(module))
            case _expr.SumOf(modules=modules) | _expr.CountOf(modules=modules):
                for m in modules:
                    out.update(self.module_vars(m))
            case _:
                for child in operands(node):
                    out.update(self.support(child))
        result = tuple(sorted(out))
        self._support[node] = result
        return result

    def size(self, axes: Iterable[int]) -> int:
        """The number of assignments of these variables."""
        return math.prod(len(self.domains[a]) for a in axes)

    # -- grids ---------------------------------------------------------------------------------
    def on_one(self, node: Any, var: int) -> tuple[Any, ...]:
        """The node's value for each value of the one variable it reads."""
        name = self.model.variables[var].name
        return tuple(_expr.evaluate(node, _View(self.catalog, {name: value}))
                     for value in self.domains[var])

    def grid(self, node: Any) -> Grid:
        """The node's grid. Costs about the size of its support's assignments."""
        axes = self.support(node)
        if len(axes) == 0:
            return _grid((), np.zeros((), dtype=np.int64), [constant(node)])
        if len(axes) == 1:
            values = self.on_one(node, axes[0])
            return _grid(axes, np.arange(len(values), dtype=np.int64), values)
        match node:
            case _expr.SumOf() | _expr.CountOf():
                # Per variable, in the evaluator's order (modules as listed, options sorted
                # by id); adding zero for an option not selected changes nothing.
                plus = _expr.Arith("+", _const(Decimal(0)), _const(Decimal(0)))
                return self.fold(plus, [self.part(node, var) for var in self.aggregate_vars(node)])
            case _expr.AnySelected() | _expr.OptionIn():
                either = _expr.Or(_const(False), _const(False))
                parts = [self.part(node, var, selected=True) for var in axes]
                found = self.fold(either, parts)
                negated = isinstance(node, _expr.OptionIn) and node.negated
                return self.combine(_expr.BoolNot(_const(False)), [found]) if negated else found
        return self.combine(node, [self.grid(child) for child in operands(node)])

    def aggregate_vars(self, node: _expr.SumOf | _expr.CountOf) -> list[int]:
        """The variables an aggregate reads, in the evaluator's order."""
        out: list[int] = []
        for module in node.modules:
            found = self.catalog.module(module)
            if found.kind == "multi":
                out.extend(self.module_vars(module, sorted(found.option_ids)))
            else:
                out.extend(self.module_vars(module))
        return list(dict.fromkeys(out))

    def part(self, node: Any, var: int, selected: bool = False) -> Grid:
        """A multi-variable aggregate's part on one of its variables: the aggregate itself
        evaluated where only that variable is known (the others read as unselected)."""
        name = self.model.variables[var].name
        module = self.model.variables[var].module
        part: Any
        if selected:
            option = self.model.variables[var].option
            part = _expr.OptionSelected(module, option or "")
        elif isinstance(node, _expr.SumOf):
            part = _expr.SumOf(node.attribute, (module,))
        else:
            part = _expr.CountOf((module,))
        values = tuple(_expr.evaluate(part, _View(self.catalog, {name: value}))
                       for value in self.domains[var])
        return _grid((var,), np.arange(len(values), dtype=np.int64), values)

    def fold(self, node: Any, parts: Sequence[Grid]) -> Grid:
        """``node`` (a binary operation) applied left to right over the parts."""
        acc = parts[0]
        for part in parts[1:]:
            acc = self.combine(node, [acc, part])
        return acc

    def combine(self, node: Any, children: Sequence[Grid]) -> Grid:
        """``node`` applied to its children's grids, once per distinct operand combination."""
        axes = tuple(sorted(set().union(*(c.axes for c in children))))
        combo: IntArray = np.zeros((1,) * len(axes), dtype=np.int64)
        tuples: list[tuple[Any, ...]] = [()]
        for child in children:
            shape = [len(self.domains[a]) if a in child.axes else 1 for a in axes]
            width = len(child.values)
            code = combo * width + child.codes.reshape(shape)
            unique, inverse = np.unique(code, return_inverse=True)
            tuples = [tuples[u // width] + (child.values[u % width],) for u in unique.tolist()]
            combo = inverse.reshape(code.shape)
        results = [apply(node, t) for t in tuples]
        return _grid(axes, combo, results)


def _grid(axes: tuple[int, ...], codes: IntArray, values: Sequence[Any]) -> Grid:
    """A grid with duplicate values merged."""
    index: dict[tuple[type, Any], int] = {}
    distinct: list[Any] = []
    remap = []
    for v in values:
        k = _key(v)
        if k not in index:
            index[k] = len(distinct)
            distinct.append(v)
        remap.append(index[k])
    if len(distinct) < len(values):
        codes = np.array(remap, dtype=np.int64)[codes]
    return Grid(axes, codes, tuple(distinct))


# -- linear forms -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Term:
    """A number that takes ``values[i]`` when one of the literals ``groups[i]`` is true;
    exactly one literal of all the groups is true in every assignment."""

    values: tuple[Any, ...]  # Decimals, for a number
    groups: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class Linear:
    """``const + sum(fns[var][value of var]) + sum(terms)``, all exact."""

    const: Decimal = Decimal(0)
    fns: dict[int, tuple[Decimal, ...]] = field(default_factory=dict)
    terms: tuple[Term, ...] = ()

    @property
    def is_constant(self) -> bool:
        return all(len(set(f)) == 1 for f in self.fns.values()) and \
            all(len(t.values) == 1 for t in self.terms)

    def constant_value(self) -> Decimal:
        """The value of a constant form."""
        return self.split()[0]

    def plus(self, other: Linear) -> Linear:
        fns = dict(self.fns)
        for var, f in other.fns.items():
            mine = fns.get(var)
            fns[var] = f if mine is None else tuple(
                _EXACT.add(a, b) for a, b in zip(mine, f, strict=True))
        return Linear(_EXACT.add(self.const, other.const), fns, self.terms + other.terms)

    def times(self, factor: Decimal) -> Linear:
        if factor == 0:
            return Linear()
        return Linear(_EXACT.multiply(self.const, factor),
                      {var: tuple(_EXACT.multiply(v, factor) for v in f)
                       for var, f in self.fns.items()},
                      tuple(Term(tuple(_EXACT.multiply(v, factor) for v in t.values), t.groups)
                            for t in self.terms))

    def exact(self) -> bool:
        """Whether the evaluator computes every value of this form (and every partial sum of
        its parts) without rounding: magnitude and decimal places fit in 28 digits."""
        numbers = self.numbers()
        if not all(v.is_finite() for v in numbers):
            return False
        bound = abs(self.const) + sum((max(abs(v) for v in f) for f in self.fns.values()),
                                      Decimal(0)) \
            + sum((max(abs(v) for v in t.values) for t in self.terms), Decimal(0))
        return int(_EXACT.multiply(bound, Decimal(10) ** self.scale())) < _PRECISION_LIMIT

    def split(self) -> tuple[Decimal, tuple[Term, ...]]:
        """The constant (with every single-valued part folded in) and the other terms; the
        functions of one variable must all be constant (turn them into terms first)."""
        const = self.const
        for f in self.fns.values():
            if len(set(f)) != 1:
                raise ValueError("split() needs the functions of one variable as terms")
            const = _EXACT.add(const, f[0])
        for t in self.terms:
            if len(t.values) == 1:
                const = _EXACT.add(const, t.values[0])
        return const, tuple(t for t in self.terms if len(t.values) > 1)

    def numbers(self) -> list[Decimal]:
        return [self.const, *(v for f in self.fns.values() for v in f),
                *(v for t in self.terms for v in t.values)]

    def scale(self) -> int:
        """The number of decimal places that make every number here an integer."""
        return max(_places(v) for v in self.numbers())


def _places(value: Decimal) -> int:
    exponent = value.normalize(_EXACT).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def from_int(value: int, places: int) -> Decimal:
    """``value / 10**places``, exactly."""
    return _EXACT.multiply(Decimal(value), Decimal(10) ** -places)


def to_int(value: Decimal, places: int) -> int:
    """``value * 10**places``, which must be an integer."""
    return int(_EXACT.multiply(value, Decimal(10) ** places))


def exact_inverse(value: Decimal) -> Decimal | None:
    """``1 / value`` when it is a finite decimal, else None."""
    try:
        return _EXACT.divide(Decimal(1), value)
    except (Inexact, InvalidOperation):
        return None


# -- diagrams over integer terms ----------------------------------------------------------------
#: A test on a total: sorted (upper bound, outcome) pieces; a total takes the outcome of the
#: first piece whose upper bound is at least the total. The last bound is math.inf.
Pieces = Sequence[tuple[float, bool]]


def interval_diagram(terms: Sequence[Sequence[int]], pieces: Pieces) -> Diagram:
    """The reduced diagram, over the terms in order (term i's k-th value is its value k), of
    the test ``pieces`` applied to the sum of the terms."""
    n = len(terms)
    low = [0] * (n + 1)
    high = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        low[i] = low[i + 1] + min(terms[i])
        high[i] = high[i + 1] + max(terms[i])
    uppers = [p[0] for p in pieces]
    # Per layer: sorted disjoint intervals [lo, hi] (lists of lo, hi, node) for lookup.
    los: list[list[float]] = [[] for _ in range(n + 1)]
    his: list[list[float]] = [[] for _ in range(n + 1)]
    ids: list[list[int]] = [[] for _ in range(n + 1)]
    nodes: dict[int, list[tuple[int, tuple[int, ...]]]] = {i: [] for i in range(n)}
    unique: dict[tuple[int, tuple[int, ...]], int] = {}
    next_id = 2

    def piece(total_low: float, total_high: float) -> tuple[int, float, float] | None:
        """The outcome when every total in the range falls in one piece, with the range of
        totals that piece covers."""
        k = bisect.bisect_left(uppers, total_low)
        if total_high > uppers[k]:
            return None
        below = uppers[k - 1] + 1 if k > 0 else -math.inf
        return (1 if pieces[k][1] else 0), below, uppers[k]

    def lookup(i: int, s: int) -> tuple[int, float, float] | None:
        k = bisect.bisect_right(los[i], s) - 1
        if k >= 0 and his[i][k] >= s:
            return ids[i][k], los[i][k], his[i][k]
        return None

    def remember(i: int, node: int, lo: float, hi: float) -> None:
        k = bisect.bisect_left(los[i], lo)
        los[i].insert(k, lo)
        his[i].insert(k, hi)
        ids[i].insert(k, node)

    def settled(i: int, s: int) -> tuple[int, float, float] | None:
        found = lookup(i, s)
        if found is not None:
            return found
        ends = piece(s + low[i], s + high[i])
        if ends is not None:
            outcome, below, above = ends
            lo, hi = below - low[i], above - high[i]
            remember(i, outcome, lo, hi)
            return outcome, lo, hi
        return None

    # An explicit stack: sums can have thousands of terms.
    root = settled(0, 0)
    stack: list[tuple[int, int, list[tuple[int, float, float]]]] = []
    if root is None:
        stack.append((0, 0, []))
    while stack:
        i, s, done = stack[-1]
        values = terms[i]
        while len(done) < len(values):
            child = settled(i + 1, s + values[len(done)])
            if child is None:
                break
            done.append(child)
        if len(done) < len(values):
            stack.append((i + 1, s + values[len(done)], []))
            continue
        stack.pop()
        lo = max(c[1] - v for c, v in zip(done, values, strict=True))
        hi = min(c[2] - v for c, v in zip(done, values, strict=True))
        children = tuple(c[0] for c in done)
        if all(c == children[0] for c in children):
            node = children[0]
        else:
            node = unique.get((i, children), -1)
            if node < 0:
                node = unique[(i, children)] = next_id
                next_id += 1
                nodes[i].append((node, children))
        remember(i, node, lo, hi)
        if i == 0:
            root = (node, lo, hi)
    assert root is not None
    levels = tuple(Level(i, np.array([m for m, _ in nodes[i]], dtype=np.int64),
                         np.array([c for _, c in nodes[i]], dtype=np.int64).reshape(
                             len(nodes[i]), len(terms[i])))
                   for i in range(n) if nodes[i])
    return Diagram(levels, root[0])


def sum_layers(terms: Sequence[Sequence[int]]) -> list[list[int]]:
    """The distinct partial sums after each prefix of the terms (the first layer is [0])."""
    layers = [[0]]
    for values in terms:
        layers.append(sorted({s + v for s in layers[-1] for v in values}))
    return layers


