"""The discrete-event core: a seeded clock with a heap of events, and named random streams.

Time is a float in days. Events at the same moment run in the order they were scheduled, so a
run is a pure function of its seed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

import numpy as np

from .._random import stream

__all__ = ["Draws", "Simulator", "Streams"]

#: Numbers drawn from a stream at a time: one numpy call per chunk instead of one per event.
CHUNK = 4096


class Simulator:
    """A discrete-event loop: ``schedule`` an action at a time, ``run`` them in time order."""

    __slots__ = ("_heap", "_seq", "now")

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._heap: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self._seq = 0

    def schedule(self, at: float, action: Callable[[Any], None], payload: Any = None) -> None:
        """Call ``action(payload)`` at time ``at`` (never before now)."""
        if at < self.now:
            raise ValueError(f"cannot schedule at {at} before now ({self.now})")
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, action, payload))

    def run(self, until: float | None = None) -> None:
        """Run events in time order until none is left, or the next one is after ``until``."""
        heap, pop = self._heap, heapq.heappop
        while heap:
            if until is not None and heap[0][0] > until:
                self.now = until
                return
            at, _, action, payload = pop(heap)
            self.now = at
            action(payload)

    @property
    def pending(self) -> int:
        """How many events are scheduled and not yet run."""
        return len(self._heap)


class Streams:
    """Independent random streams, one per source of randomness, each derived from
    ``(seed, name)``.

    Common random numbers: two runs with the same seed draw the same arrivals and the same
    work times whatever their policies do, because no source borrows another's stream.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._made: dict[str, np.random.Generator] = {}

    def generator(self, name: str) -> np.random.Generator:
        """The stream named ``name`` (the same object on every call)."""
        if name not in self._made:
            self._made[name] = stream(self.seed, name)
        return self._made[name]

    def draws(self, name: str, sample: Callable[[np.random.Generator, int], np.ndarray]
              ) -> Draws:
        """The numbers of stream ``name``, one at a time; ``sample(generator, n)`` draws n."""
        return Draws(self.generator(name), sample)


class Draws:
    """Numbers from one stream, handed out one at a time and drawn a chunk at a time.

    The i-th number is the same in every run with the same seed, however the run interleaves
    its streams.
    """

    __slots__ = ("_buffer", "_generator", "_next", "_sample")

    def __init__(self, generator: np.random.Generator,
                 sample: Callable[[np.random.Generator, int], np.ndarray]) -> None:
        self._generator = generator
        self._sample = sample
        self._buffer: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        """The next number."""
        if self._next == len(self._buffer):
            self._buffer = self._sample(self._generator, CHUNK).tolist()
            self._next = 0
        value = self._buffer[self._next]
        self._next += 1
        return value
