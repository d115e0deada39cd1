"""Reduced ordered decision diagrams, and their CNF with every node literal defined.

A diagram tests positions ``0 .. k-1`` in order; position ``j`` takes ``domains[j]`` values
(indices ``0 .. domains[j]-1``). Node ids 0 and 1 are the FALSE and TRUE terminals; every other
node tests one position and has one child per value. Diagrams are *reduced*: no two nodes have
the same position and children, and a node whose children are all the same is replaced by that
child. Three ways to build one:

- :func:`from_rows`: the set of given tuples (``accept=False``: its complement), vectorised
  with numpy, one pass per position from the last;
- :func:`from_patterns`: the same, for tuples with wildcard cells (``-1``: any value);
- :func:`from_table`: a full truth table, an array with one axis per position.

:func:`encode` writes a diagram as clauses over literals chosen by the caller, a literal per
(position, value) or a group of literals per value; the groups of one position must be
exclusive and exhaustive (exactly one is true in every assignment), which makes each node
literal *functionally determined*: it is true exactly when the assignment's path from that
node reaches TRUE. Nothing is left for a model counter to guess.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["FALSE", "TRUE", "Diagram", "encode", "from_patterns", "from_rows", "from_table"]

FALSE, TRUE = 0, 1
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Level:
    """The nodes testing one position: their ids and their children (one row per node)."""

    position: int
    ids: IntArray
    children: IntArray


@dataclass(frozen=True, slots=True)
class Diagram:
    """A reduced diagram: its levels (each node's children come in later levels) and root."""

    levels: tuple[Level, ...]
    root: int

    @property
    def size(self) -> int:
        """The number of internal nodes."""
        return sum(len(level.ids) for level in self.levels)


class _Builder:
    """Levels built from the last position up, with fresh node ids from 2."""

    def __init__(self) -> None:
        self.next_id = 2
        self.levels: list[Level] = []

    def reduce(self, position: int, matrix: IntArray) -> IntArray:
        """Node ids for the rows of ``matrix`` (children per value): equal rows share a node,
        and a row whose children are all equal is that child."""
        ids = np.empty(len(matrix), dtype=np.int64)
        same = _constant_rows(matrix)
        ids[same] = matrix[same, 0]
        rest = matrix[~same]
        if len(rest):
            first, inverse = _distinct_rows(rest)
            ids[~same] = self.next_id + inverse
            node_ids = np.arange(self.next_id, self.next_id + len(first), dtype=np.int64)
            self.levels.append(Level(position, node_ids, rest[first]))
            self.next_id += len(first)
        return ids

    def diagram(self, root: int) -> Diagram:
        # Built bottom-up; the encoder wants parents first only for readability, not need.
        return Diagram(tuple(reversed(self.levels)), int(root))


def _constant_rows(matrix: IntArray) -> npt.NDArray[np.bool_]:
    """Which rows have all cells equal."""
    if matrix.shape[1] > 8:
        out: npt.NDArray[np.bool_] = (matrix == matrix[:, :1]).all(axis=1)
        return out
    # numpy reduces a short axis slowly: column by column is ten times as fast.
    first = matrix[:, 0]
    same = np.ones(len(matrix), dtype=bool)
    for column in range(1, matrix.shape[1]):
        same &= matrix[:, column] == first
    return same


def _distinct_rows(matrix: IntArray) -> tuple[IntArray, IntArray]:
    """The first occurrence of each distinct row, and each row's index among them.

    Rows are grouped by a random linear hash (mod 2**64) and every row is then compared with
    its group's first row, so the answer is exact; on a collision, rows are sorted instead.
    """
    weights = _HASH_WEIGHTS[: matrix.shape[1]]
    if len(weights) < matrix.shape[1]:
        weights = _weights(matrix.shape[1])
    with np.errstate(over="ignore"):
        keys = matrix.astype(np.uint64) @ weights
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if (matrix == matrix[first[inverse]]).all():
        return first.astype(np.int64), inverse.astype(np.int64)
    order = np.lexsort(matrix.T[::-1])
    ordered = matrix[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    group = np.cumsum(starts) - 1
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = group
    return order[starts].astype(np.int64), inverse


def _weights(count: int) -> npt.NDArray[np.uint64]:
    return np.random.default_rng(20260401).integers(1, 2**63, count, dtype=np.uint64)


_HASH_WEIGHTS = _weights(64)


def from_table(table: npt.NDArray[np.bool_]) -> Diagram:
    """The reduced diagram of a truth table (one axis per position)."""
    builder = _Builder()
    codes: IntArray = table.astype(np.int64)
    for position in range(table.ndim - 1, -1, -1):
        shape = codes.shape
        ids = builder.reduce(position, codes.reshape(-1, shape[-1]))
        codes = ids.reshape(shape[:-1])
    return builder.diagram(int(codes))


def from_rows(domains: Sequence[int], rows: IntArray, accept: bool = True) -> Diagram:
    """The reduced diagram accepting exactly these rows (``accept=False``: all but these).

    ``rows`` is an array of shape (n, k) of value indices, without wildcards; duplicates are
    fine.
    """
    leaf, default = (TRUE, FALSE) if accept else (FALSE, TRUE)
    k = len(domains)
    if len(rows) == 0:
        return Diagram((), default)
    if k == 0:
        return Diagram((), leaf)
    rows = _sorted_distinct(domains, rows.reshape(-1, k))
    n = len(rows)
    # first[i]: the first position where row i+1 differs from row i.
    first = np.argmax(rows[1:] != rows[:-1], axis=1) if n > 1 else np.empty(0, np.int64)
    builder = _Builder()
    child = np.full(n, leaf, dtype=np.int64)  # one per distinct prefix of length j+1
    rep = np.arange(n)  # the first row of each such prefix
    for j in range(k - 1, -1, -1):
        starts = np.ones(len(rep), dtype=bool)
        starts[1:] = first[rep[1:] - 1] < j
        parent = np.cumsum(starts) - 1
        matrix = np.full((int(parent[-1]) + 1, domains[j]), default, dtype=np.int64)
        matrix[parent, rows[rep, j]] = child
        child = builder.reduce(j, matrix)
        rep = rep[starts]
    return builder.diagram(int(child[0]))


def _sorted_distinct(domains: Sequence[int], rows: IntArray) -> IntArray:
    """The distinct rows, in lexicographic order.

    Each row is read as one number (its cells as mixed-radix digits) when they fit in 63 bits,
    which sorts and compares three times as fast as sorting the rows themselves.
    """
    k = len(domains)
    if math.prod(domains) >= 2**63:
        rows = rows[np.lexsort(rows.T[::-1])]
        if len(rows) > 1:
            rows = rows[np.concatenate(([True], (rows[1:] != rows[:-1]).any(axis=1)))]
        return rows
    strides = [math.prod(domains[j + 1:]) for j in range(k)]
    keys = rows[:, 0] * strides[0]
    for j in range(1, k):
        keys += rows[:, j] * strides[j]
    keys.sort()
    if len(keys) > 1:
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    out = np.empty((len(keys), k), dtype=np.int64)
    for j in range(k):
        out[:, j] = keys // strides[j] % domains[j]
    return out


def from_patterns(domains: Sequence[int], rows: Sequence[Sequence[int]],
                  accept: bool = True) -> Diagram:
    """Like :func:`from_rows`, for rows whose cells may be -1 (any value)."""
    leaf, default = (TRUE, FALSE) if accept else (FALSE, TRUE)
    k = len(domains)
    unique: dict[tuple[int, tuple[int, ...]], int] = {}
    memo: dict[tuple[int, tuple[int, ...]], int] = {}
    nodes: dict[int, list[tuple[int, tuple[int, ...]]]] = {j: [] for j in range(k)}
    next_id = [2]

    def build(j: int, chosen: tuple[int, ...]) -> int:
        if not chosen:
            return default
        if j == k:
            return leaf
        key = (j, chosen)
        found = memo.get(key)
        if found is not None:
            return found
        parts: list[list[int]] = [[] for _ in range(domains[j])]
        for i in chosen:
            cell = rows[i][j]
            if cell < 0:
                for part in parts:
                    part.append(i)
            else:
                parts[cell].append(i)
        children = tuple(build(j + 1, tuple(part)) for part in parts)
        if all(c == children[0] for c in children):
            node = children[0]
        else:
            node = unique.get((j, children), -1)
            if node < 0:
                node = unique[(j, children)] = next_id[0]
                next_id[0] += 1
                nodes[j].append((node, children))
        memo[key] = node
        return node

    root = build(0, tuple(range(len(rows))))
    levels = tuple(Level(j, np.array([n for n, _ in nodes[j]], dtype=np.int64),
                         np.array([c for _, c in nodes[j]], dtype=np.int64).reshape(
                             len(nodes[j]), domains[j]))
                   for j in range(k) if nodes[j])
    return Diagram(levels, root)


def encode(diagram: Diagram, groups: Sequence[Sequence[Sequence[int]]], true: int,
           new_var: Callable[[], int], clauses: list[list[int]]) -> int:
    """Append clauses defining a literal for every node; return the root's literal.

    ``groups[position][value]`` lists literals, exactly one of which (over all values of the
    position) is true in every assignment; the value is taken when one of its literals is.
    Each node ``n`` testing position ``p`` gets ``n <-> OR_v (group(p, v) and child_v)``,
    written per literal ``x`` of value ``v`` as ``x -> (n <-> child_v)``, with the clauses of
    a constant child folded: ``x -> n`` or ``x -> not n``. When many values lead to FALSE,
    ``n -> (some value with another child)`` replaces one clause per such literal.
    """
    lit_of: dict[int, int] = {FALSE: -true, TRUE: true}
    for level in diagram.levels:
        for node in level.ids.tolist():
            lit_of[node] = new_var()
    for level in diagram.levels:
        position_groups = groups[level.position]
        for node, children in zip(level.ids.tolist(), level.children.tolist(), strict=True):
            n = lit_of[node]
            false_lits: list[int] = []
            other_lits: list[int] = []
            for value, child in enumerate(children):
                group = position_groups[value]
                if child == FALSE:
                    false_lits.extend(group)
                    continue
                other_lits.extend(group)
                if child == TRUE:
                    clauses.extend([-x, n] for x in group)
                else:
                    c = lit_of[child]
                    for x in group:
                        clauses.append([-x, -n, c])
                        clauses.append([-x, n, -c])
            if len(false_lits) > 1 and len(other_lits) < 2 * len(false_lits):
                clauses.append([-n, *other_lits])
            else:
                clauses.extend([-x, -n] for x in false_lits)
    return lit_of[diagram.root]
