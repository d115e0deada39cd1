"""Small immutable value types shared by the catalog, plant and supply models."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["FrozenMap", "Label"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only, hashable mapping that keeps insertion order.

    Loaded catalogs are shared between threads, so nothing reachable from them may change.
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, items: Mapping[K, V] | Any = ()) -> None:
        self._data: dict[K, V] = dict(items)
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


@dataclass(frozen=True, slots=True)
class Label:
    """Text in one or more languages; the first language is the default."""

    texts: tuple[tuple[str, str], ...]

    def text(self, language: str | None = None) -> str:
        """The text in ``language``, else in the default language."""
        if language is not None:
            for lang, text in self.texts:
                if lang == language:
                    return text
        return self.texts[0][1] if self.texts else ""

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.texts)

    def __str__(self) -> str:
        return self.text()

    def to_dict(self) -> dict[str, str]:
        return dict(self.texts)
