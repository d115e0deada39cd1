"""The ``csp`` engine: python-constraint2 backtracking, the reference the SAT engine is checked
against.

Every constraint is a ``FunctionConstraint`` over a Python callable that evaluates the model
(the rule language's bound AST, or a table lookup); python-constraint's string constraints are
never used, since they ``eval`` their text. Solving mutates a ``Problem``, so each call builds a
fresh one. Backtracking is exponential in the worst case: this engine is for small catalogs,
tests and differential checks, not for interactive use on large ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import constraint as _pc

from .base import Costs
from .model import Constraint, Model, shrink_conflict

__all__ = ["CspEngine"]


class CspEngine:
    """Answers consistency and conflict questions on a model by plain backtracking."""

    name = "csp"

    def __init__(self, model: Model) -> None:
        self.model = model

    def solve(self, fixed: Mapping[str, Any],
              constraints: Iterable[Constraint] | None = None) -> dict[str, Any] | None:
        """A full assignment extending ``fixed`` that satisfies ``constraints`` (default: every
        hard constraint), or None when there is none."""
        chosen = self.model.hard_constraints if constraints is None else constraints
        problem = self._problem(fixed, chosen)
        solution = problem.getSolution() if problem is not None else None
        return dict(solution) if solution else None

    def _problem(self, fixed: Mapping[str, Any], constraints: Iterable[Constraint]
                 ) -> Any | None:
        """A fresh python-constraint Problem (solving mutates one); None when a fixed value
        is outside its variable's domain."""
        problem = _pc.Problem(_pc.BacktrackingSolver(forwardcheck=True))
        for variable in self.model.variables:
            if variable.name in fixed:
                value = fixed[variable.name]
                if value not in variable.domain:
                    return None
                problem.addVariable(variable.name, [value])
            else:
                problem.addVariable(variable.name, list(variable.domain))
        for c in constraints:
            if not c.variables:  # a constant rule; python-constraint reads [] as "all"
                if not self.model.holds(c, {}):
                    return None
                continue
            problem.addConstraint(_pc.FunctionConstraint(self._checker(c)), list(c.variables))
        return problem

    def solutions(self, fixed: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every full assignment extending ``fixed`` that satisfies the hard constraints,
        lazily. Exponential: for small or tightly constrained models only."""
        problem = self._problem(fixed or {}, self.model.hard_constraints)
        if problem is None:
            return
        for solution in problem.getSolutionIter():
            yield dict(solution)

    def _checker(self, c: Constraint) -> Any:
        names = c.variables
        holds = self.model.holds

        def check(*values: Any) -> bool:
            return holds(c, dict(zip(names, values, strict=True)))

        return check

    def consistent(self, fixed: Mapping[str, Any]) -> bool:
        """Whether the fixed values can be completed to a configuration."""
        return self.solve(fixed) is not None

    def conflict(self, fixed: Mapping[str, Any], keep_last: Sequence[str] = ()
                 ) -> tuple[Constraint, ...]:
        """A minimal set of hard constraints that, with ``fixed``, has no solution.

        Deletion-based: drop each constraint in turn and keep it out while the rest still
        conflict. Constraints named in ``keep_last`` are tried last, so they stay in the
        conflict whenever some conflict with the others allows. Empty when ``fixed`` is
        consistent, or when ``fixed`` alone is impossible (a value outside its domain).
        """
        hard = list(self.model.hard_constraints)
        if self.solve(fixed, hard) is not None:
            return ()
        if self.solve(fixed, []) is None:
            return ()
        return shrink_conflict(hard, lambda cs: self.solve(fixed, cs) is None, keep_last)

    def supported(self, fixed: Mapping[str, Any]) -> dict[str, frozenset[Any]]:
        """Values each variable takes in some solution: one search per value not yet seen."""
        found: dict[str, set[Any]] = {v.name: set() for v in self.model.variables}
        if not self.consistent(fixed):
            return {name: frozenset() for name in found}
        for variable in self.model.variables:
            for value in variable.domain:
                if value in found[variable.name] or fixed.get(variable.name, value) != value:
                    continue
                solution = self.solve({**fixed, variable.name: value})
                if solution is not None:
                    for name, v in solution.items():
                        found[name].add(v)
        return {name: frozenset(values) for name, values in found.items()}

    def count(self, fixed: Mapping[str, Any] | None = None) -> int:
        """The number of solutions, by enumeration."""
        return sum(1 for _ in self.solutions(fixed))

    def optimum(self, fixed: Mapping[str, Any], costs: Costs) -> dict[str, Any] | None:
        """A least-cost solution, by enumeration; ties go to the first found."""
        best: dict[str, Any] | None = None
        best_cost = 0
        for solution in self.solutions(fixed):
            cost = sum(costs.get(name, {}).get(value, 0) for name, value in solution.items())
            if best is None or cost < best_cost:
                best, best_cost = solution, cost
        return best

    def close(self) -> None:
        """Nothing to release: every call builds its own Problem."""
