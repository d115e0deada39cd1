"""What runs through the simulated shop: an order's made parts (nodes) with their purchased
lines and unit-by-unit operation chains, the work centres with their stations and queues, and
the replenishments of stocked parts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .bto_policies import BtoOrder

__all__ = ["EPS", "Centre", "Line", "Node", "Replenishment"]

#: Quantities and times closer than this are equal.
EPS = 1e-9


class Line:
    """A purchased BOM line of one order's node."""

    __slots__ = ("nominal", "nominal_work", "node", "part", "qty", "ready")

    def __init__(self, node: Node, part: str, qty: float) -> None:
        self.node, self.part, self.qty = node, part, qty
        self.ready = False
        self.nominal = 0.0  # when it is planned to be usable (days)
        #: ``nominal`` in working minutes (the projection's clock), once asked for
        self.nominal_work: float | None = None


class Node:
    """A made part of one order, or the order's final assembly (``part`` None)."""

    __slots__ = ("chains", "children", "done", "lines", "order", "parent", "part", "progress",
                 "released", "uid", "waiting")

    def __init__(self, uid: int, order: BtoOrder, part: str | None, parent: Node | None
                 ) -> None:
        self.uid, self.order, self.part, self.parent = uid, order, part, parent
        self.lines: list[Line] = []
        self.children: list[Node] = []
        #: per unit: the operations as (work centre, planned minutes, actual minutes)
        self.chains: list[list[tuple[str, float, float]]] = []
        self.progress: list[int] = []
        self.waiting = 1  # the acceptance, the lines and the children
        self.released = False
        self.done: float | None = None


class Centre:
    """A work centre's parallel stations and its queue (first come first served, or earliest
    due date first)."""

    __slots__ = ("busy", "capacity", "id", "jobs", "lost", "max_busy", "queue", "running",
                 "stations")

    def __init__(self, wc: str, capacity: int) -> None:
        #: the plant file's stations, and those working now (fewer during a capacity loss)
        self.id, self.stations, self.capacity = wc, capacity, capacity
        self.lost = 0
        self.busy = self.max_busy = 0
        #: waiting operations: (priority, tie, node, chain); the least goes first
        self.queue: list[tuple[float, int, Node, int]] = []
        #: (node uid, chain) -> (start in working minutes, planned minutes)
        self.running: dict[tuple[int, int], tuple[float, float]] = {}
        self.jobs: list[tuple[float, float]] = []  # (start, end) in working minutes


@dataclass(slots=True)
class Replenishment:
    id: str
    part: str
    qty: float
    eta: dt.date  # the nominal date
