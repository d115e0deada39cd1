"""A small cache of values derived from immutable objects, keyed by the object itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["DerivedCache"]

V = TypeVar("V")


class DerivedCache(Generic[V]):
    """``make(obj)`` for the ``size`` objects used last, shared by every thread.

    Entries are keyed by identity and keep their object alive, so an id is never mistaken for
    a later object's. Two threads may both make a missing value; one of them is kept - which
    is harmless for values that depend only on the object.
    """

    def __init__(self, make: Callable[[Any], V], size: int = 16) -> None:
        self._make = make
        self._size = size
        self._entries: dict[int, tuple[Any, V]] = {}
        self._lock = threading.Lock()

    def __call__(self, obj: Any) -> V:
        with self._lock:
            found = self._entries.get(id(obj))
            if found is not None and found[0] is obj:
                return found[1]
        value = self._make(obj)
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[id(obj)] = (obj, value)
        return value
