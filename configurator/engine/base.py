"""The Engine protocol: what every engine answers about a Model.

An engine is built once per model (``SatEngine(model)``, ``CspEngine(model)``) and answers
queries under *fixed* values, a mapping of variable name to value (see
:func:`~configurator.engine.model.fixed_values`). Engines keep no query state between calls,
so a query never depends on the ones before it, but an engine object is not thread-safe: give
each thread (each session) its own.

Both engines must agree on every answer they both give; the tests check them against each
other on generated catalogs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from .model import Constraint, Model

__all__ = ["Costs", "Engine"]

#: Cost of each value of each variable, as non-negative integers; a missing entry costs 0.
Costs = Mapping[str, Mapping[Any, int]]


@runtime_checkable
class Engine(Protocol):
    """Consistency, supported values, conflicts, optimisation and counting on one Model."""

    name: str
    model: Model

    def solve(self, fixed: Mapping[str, Any],
              constraints: Iterable[Constraint] | None = None) -> dict[str, Any] | None:
        """A full assignment extending ``fixed`` that satisfies ``constraints`` (default: every
        hard constraint), or None when there is none."""

    def consistent(self, fixed: Mapping[str, Any]) -> bool:
        """Whether ``fixed`` extends to a full assignment satisfying every hard constraint."""

    def supported(self, fixed: Mapping[str, Any]) -> dict[str, frozenset[Any]]:
        """For every variable, the values it takes in at least one full assignment that
        extends ``fixed`` and satisfies every hard constraint. Complete and exact: a value is
        in the answer if and only if such an assignment exists. Every variable maps to an
        empty set when ``fixed`` is inconsistent."""

    def conflict(self, fixed: Mapping[str, Any], keep_last: Sequence[str] = ()
                 ) -> tuple[Constraint, ...]:
        """A minimal set of hard constraints that, with ``fixed``, has no solution: dropping
        any one of them lets ``fixed`` extend. Empty when ``fixed`` is consistent or impossible
        on its own. Constraints whose ids are in ``keep_last`` are dropped last."""

    def optimum(self, fixed: Mapping[str, Any], costs: Costs) -> dict[str, Any] | None:
        """A full assignment extending ``fixed`` that satisfies every hard constraint and has
        the least total cost (the sum of ``costs[var][value]``), or None when there is none.
        Ties are broken the same way on every call."""

    def count(self, fixed: Mapping[str, Any] | None = None) -> int:
        """The exact number of full assignments extending ``fixed`` that satisfy every hard
        constraint."""

    def solutions(self, fixed: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every such full assignment, lazily. Exponential: for small models and tests."""

    def close(self) -> None:
        """Release solver resources; the engine is unusable afterwards."""
