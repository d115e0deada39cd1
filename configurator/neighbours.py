"""Configurations one change away from another, and greedy improvement over them.

A neighbour changes one module: another option of a single-select module (or none, if it is
optional), one option of a multi-select module added or dropped, or the next value up or down
of an integer module. Trade-offs list neighbours; the ``cheapest`` and ``fastest`` completions
improve a first completion by moving to better neighbours while any is better.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, TypeVar

from ._cache import DerivedCache
from .catalog.model import Module
from .choices import SelectionValue
from .engine.model import Constraint, Model

__all__ = ["alternatives", "broken", "broken_after", "improve", "touching"]

K = TypeVar("K")
#: Rounds of improvement at most (each round moves to the best better neighbour).
MAX_ROUNDS = 12


def alternatives(module: Module, value: SelectionValue) -> Iterator[SelectionValue]:
    """The module's values one change away from ``value``."""
    if module.kind == "single":
        if value is not None and not module.required:
            yield None
        for option in module.options:
            if option.id != value:
                yield option.id
    elif module.kind == "multi":
        chosen = tuple(value) if isinstance(value, tuple) else ()
        for option in module.options:
            if option.id in chosen:
                yield tuple(o for o in chosen if o != option.id)
            else:
                yield tuple(o.id for o in module.options if o.id in chosen or o is option)
    elif isinstance(value, int):
        for other in (value - module.step, value + module.step):
            if module.has_value(other):
                yield other


def _assignment(model: Model, values: Mapping[str, SelectionValue],
                only: Collection[str] | None = None) -> dict[str, Any]:
    """The model's variables' values for a complete configuration (of the modules in
    ``only``, when given)."""
    assignment: dict[str, Any] = {}
    for module in model.catalog.modules:
        if only is not None and module.id not in only:
            continue
        value = values[module.id]
        if module.kind == "multi":
            chosen = set(value) if isinstance(value, tuple) else set()
            for option in module.options:
                assignment[f"{module.id}.{option.id}"] = option.id in chosen
        else:
            assignment[module.id] = value
    return assignment


def broken(model: Model, values: Mapping[str, SelectionValue]) -> tuple[Constraint, ...]:
    """The hard constraints (rules, tables, cardinalities) a complete configuration breaks."""
    assignment = _assignment(model, values)
    return tuple(c for c in model.hard_constraints if not model.holds(c, assignment))


#: Per module: the hard constraints on its variables, and the modules those constraints read.
_Touching = dict[str, tuple[tuple[Constraint, ...], frozenset[str]]]
def _index(model: Model) -> _Touching:
    owner = {v.name: v.module for v in model.variables}
    index: dict[str, list[Constraint]] = {m.id: [] for m in model.catalog.modules}
    for constraint in model.hard_constraints:
        for module_id in dict.fromkeys(owner[name] for name in constraint.variables):
            index[module_id].append(constraint)
    return {m: (tuple(cs), frozenset(owner[name] for c in cs for name in c.variables))
            for m, cs in index.items()}


#: The hard constraints on each module's variables, kept for the models used last.
touching: DerivedCache[_Touching] = DerivedCache(_index)


def broken_after(model: Model, values: Mapping[str, SelectionValue],
                 before: Collection[Constraint], module: str, value: SelectionValue) -> bool:
    """Whether ``values`` with ``module`` changed to ``value`` breaks a hard constraint, given
    ``before``, the constraints ``values`` breaks. Only the constraints on the module's
    variables are checked again: the others hold or break as they did."""
    near, involved = touching(model)[module]
    if not set(before) <= set(near):
        return True  # a constraint the change cannot mend stays broken
    assignment = _assignment(model, {**values, module: value}, involved)
    return any(not model.holds(c, assignment) for c in near)


def improve(model: Model, values: Mapping[str, SelectionValue], score: Callable[[Any], K | None],
            better: Callable[[K, K], bool], *, keep: Collection[str] = ()
            ) -> tuple[dict[str, SelectionValue], K | None]:
    """Move to the valid neighbour with the lowest score that is ``better`` than the current
    one, while there is one; modules in ``keep`` never change. ``score`` returns None for a
    configuration it cannot rate."""
    current = dict(values)
    best: Any = score(current)
    for _ in range(MAX_ROUNDS if best is not None else 0):
        found: tuple[Any, dict[str, SelectionValue]] | None = None
        before = broken(model, current)
        for module in model.catalog.modules:
            if module.id in keep:
                continue
            for value in alternatives(module, current[module.id]):
                if broken_after(model, current, before, module.id, value):
                    continue
                trial = {**current, module.id: value}
                rated = score(trial)
                if rated is not None and better(rated, best) and (
                        found is None or rated < found[0]):
                    found = (rated, trial)
        if found is None:
            break
        best, current = found
    return current, best
