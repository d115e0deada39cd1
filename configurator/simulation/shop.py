"""What flows through a simulated plant: orders, and stations that work on them.

An :class:`Order` is a mutable record the simulation fills in as it goes (arrival, quote,
completion); results are built from it afterwards as frozen values.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .events import Simulator

__all__ = ["Order", "Station"]


@dataclass(slots=True)
class Order:
    """One customer order inside a run. Times are in days since the start of the run."""

    id: int
    arrival: float
    work: float
    #: the quoted lead time (days after arrival); set by the policy at arrival
    quoted: float = 0.0
    #: when the last of its work is done; set by the model
    done: float | None = None

    @property
    def due(self) -> float:
        """The promised completion time."""
        return self.arrival + self.quoted

    @property
    def lead_time(self) -> float:
        """Realised days from arrival to completion (only once the order is done)."""
        if self.done is None:
            raise ValueError(f"order {self.id} is not done")
        return self.done - self.arrival


class Station:
    """A work centre of ``servers`` parallel stations serving its queue first come, first
    served. ``finished(order)`` is called when an order's work here is done."""

    __slots__ = ("_finished", "_queue", "_sim", "busy", "name", "servers")

    def __init__(self, sim: Simulator, name: str, servers: int = 1,
                 finished: Callable[[Order], None] | None = None) -> None:
        if servers < 1:
            raise ValueError(f"station {name!r} needs at least one server, not {servers}")
        self._sim = sim
        self.name = name
        self.servers = servers
        self.busy = 0
        self._queue: deque[tuple[Order, float]] = deque()
        self._finished = finished

    @property
    def in_system(self) -> int:
        """Orders here: waiting or being worked on."""
        return self.busy + len(self._queue)

    def submit(self, order: Order, work: float) -> None:
        """Queue ``work`` days of this order's work; it starts when a station is free."""
        if self.busy < self.servers:
            self._start(order, work)
        else:
            self._queue.append((order, work))

    def _start(self, order: Order, work: float) -> None:
        self.busy += 1
        self._sim.schedule(self._sim.now + work, self._end, order)

    def _end(self, order: Order) -> None:
        self.busy -= 1
        if self._queue:
            self._start(*self._queue.popleft())
        if self._finished is not None:
            self._finished(order)
