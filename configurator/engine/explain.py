"""Minimal conflicts and preferred diagnoses: QuickXplain and FastDiag.

Both work on any items (user choices, catalog constraints) through one predicate that an
engine answers, so they serve every engine alike:

- :func:`quickxplain` finds a minimal conflict: a subset of the candidates that, with the
  background, has no solution, while dropping any one of its items gives one (Junker 2004).
  Earlier candidates are preferred: the conflict found is the one whose items come as early in
  the candidates' order as possible.
- :func:`fastdiag` finds a preferred minimal diagnosis: a subset of the candidates whose removal
  makes the rest consistent with the background, while removing any smaller part of it does
  not (Felfernig, Schubert & Zehentner 2012). Later candidates are kept longest: the diagnosis is
  the complement of the lexicographically preferred maximal consistent subset, where the last
  candidate is the most preferred.

Each costs O(k log(n/k)) consistency checks for a result of size k among n candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["fastdiag", "preferred_diagnosis", "quickxplain"]

T = TypeVar("T")
Consistent = Callable[[Sequence[T]], bool]


def quickxplain(background: Sequence[T], candidates: Sequence[T],
                consistent: Callable[[Sequence[T]], bool]) -> tuple[T, ...] | None:
    """A minimal conflict among ``candidates`` given ``background``.

    None when background and candidates together are consistent (nothing to explain); an empty
    tuple when the background alone is inconsistent.
    """
    if consistent([*background, *candidates]):
        return None
    if not candidates or not consistent(list(background)):
        return ()

    def qx(base: list[T], added: bool, items: Sequence[T]) -> list[T]:
        if added and not consistent(base):
            return []
        if len(items) == 1:
            return list(items)
        half = len(items) // 2
        first, second = items[:half], items[half:]
        keep_second = qx(base + list(first), bool(first), second)
        keep_first = qx(base + keep_second, bool(keep_second), first)
        return keep_first + keep_second

    return tuple(qx(list(background), False, candidates))


def fastdiag(candidates: Sequence[T], background: Sequence[Any],
             consistent: Callable[[Sequence[Any]], bool]) -> tuple[T, ...] | None:
    """A preferred minimal diagnosis: candidates to remove so the rest fit the background.

    Candidates are ordered from least to most preferred: the last ones are kept longest. None
    when no removal helps (the background alone is inconsistent); an empty tuple when nothing
    needs removing.
    """
    everything = [*background, *candidates]
    if consistent(everything):
        return ()
    if not consistent(list(background)):
        return None
    ordered = list(candidates)

    def fd(removed_some: bool, items: list[T], rest: list[Any]) -> list[T]:
        if removed_some and consistent(rest):
            return []
        if len(items) == 1:
            return list(items)
        half = len(items) // 2
        first, second = items[:half], items[half:]
        drop_second = fd(bool(first), second, _without(rest, first))
        drop_first = fd(bool(drop_second), first, _without(rest, drop_second))
        return drop_first + drop_second

    found = fd(False, ordered, everything)
    order = {id(c): i for i, c in enumerate(candidates)}
    return tuple(sorted(found, key=lambda c: order[id(c)]))


def preferred_diagnosis(candidates: Sequence[T], background: Sequence[Any],
                        consistent: Callable[[Sequence[Any]], bool]) -> tuple[T, ...] | None:
    """The same diagnosis as :func:`fastdiag`, by the plain linear method: keep each candidate,
    most preferred first, when it fits what is kept so far. One check per candidate; the
    reference :func:`fastdiag` is tested against."""
    if not consistent(list(background)):
        return None
    kept: list[Any] = []
    removed: list[T] = []
    for c in reversed(candidates):
        if consistent([*background, *kept, c]):
            kept.append(c)
        else:
            removed.append(c)
    order = {id(c): i for i, c in enumerate(candidates)}
    return tuple(sorted(removed, key=lambda c: order[id(c)]))


def _without(items: list[Any], drop: Sequence[Any]) -> list[Any]:
    gone = {id(x) for x in drop}
    return [x for x in items if id(x) not in gone]
