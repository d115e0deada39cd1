"""The backlog's projected schedule, for CTP quotes in the simulation.

The shop's own rule played forward from the state at the quote's time with no new orders,
as if from then on every operation took its planned minutes and every purchase arrived on its
nominal date; see docs/simulation.md ("Policies").
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING

from ..plant import Plant
from ..quoting.providers import BusyProfile, FileCapacity
from .shopfloor import EPS, Node

if TYPE_CHECKING:
    from .bto import _Run

__all__ = ["Projected", "Projection", "stock_expected"]


class Projected(FileCapacity):
    """The backlog's projected first-come-first-served schedule as busy stations, exact until
    ``until`` (days; a plant with no order book has every station free: the capacity an ATP
    quote assumes)."""

    def __init__(self, plant: Plant, profiles: dict[str, BusyProfile], until: float,
                 free: FileCapacity | None = None) -> None:
        # Not FileCapacity.__init__: the free plant (``free``, made once per run when given)
        # answers for the work centres the backlog leaves free.
        self.plant = plant
        self._free = FileCapacity(plant) if free is None else free
        self._projected = profiles
        self.until = until

    def busy(self, work_centre: str) -> BusyProfile:
        return self._projected.get(work_centre) or self._free.busy(work_centre)


class Projection:
    """The backlog's schedule if from now on every operation takes its planned minutes and
    every purchase arrives on its nominal date: the shop's own rule (each work centre serves
    operations in the order they become ready) played forward with no new orders, as far as
    :meth:`advance` is asked to. Times are working minutes of one station."""

    def __init__(self, run: _Run) -> None:
        self.now = now_w = run.clock.work(run.now)
        work = run.clock.work
        #: per work centre: a heap of (free from, station), and each station's busy stretch
        self.free: dict[str, list[tuple[float, int]]] = {}
        self.stretch: dict[str, list[list[float]]] = {}
        self.closed: dict[str, list[tuple[float, float]]] = {wc: [] for wc in run.centres}
        #: operations ready to start: (time, tie, node, chain, operation index)
        self.ready: list[tuple[float, int, Node, int, int]] = []
        self.tie = 0
        self.left: dict[int, int] = {}  # node uid -> chains (unreleased: inputs) to go
        self.finish: dict[int, float] = {}  # node uid -> projected release, then completion
        running: dict[tuple[int, int], float] = {}
        for wc, centre in run.centres.items():
            slots: list[tuple[float, int]] = []
            runs: list[list[float]] = []
            for key, (start, planned) in centre.running.items():
                end = running[key] = max(start + planned, now_w)
                runs.append([start, end])
                slots.append((end, len(slots)))
            for _ in range(centre.stations - len(slots)):
                runs.append([now_w, now_w])
                slots.append((now_w, len(slots)))
            heapq.heapify(slots)
            self.free[wc], self.stretch[wc] = slots, runs
        # negative ties: queued operations go first, each work centre's in its queue's order
        waiting = [(node.uid, c) for centre in run.centres.values()
                   for _, _, node, c in sorted(centre.queue)]
        queued = {key: i - len(waiting) for i, key in enumerate(waiting)}
        self.edd = run.model.scenario.dispatch == "edd"
        #: earliest due date: each work centre's waiting operations, (due, tie, ready, node,
        #: chain, operation index)
        self._queues: dict[str, list[tuple[float, int, float, Node, int, int]]] = {}
        self._oldest: dict[str, float] = {}  # when the longest-waiting of them became ready
        expected = stock_expected(run)
        pending: list[Node] = []
        # Built as a list and heapified once: its entries are distinct, so the heap pops them
        # in the same order as one built by pushes.
        ready = self.ready
        finish, left = self.finish, self.left
        tie = 0
        for order in run.open.values():
            stack = [run.roots[order.id]]
            while stack:
                node = stack.pop()
                if node.done is not None:
                    continue
                uid = node.uid
                if node.released:
                    chains = 0
                    progress = node.progress
                    for c, chain in enumerate(node.chains):
                        k = progress[c]
                        if k >= len(chain):
                            continue
                        chains += 1
                        held = running.get((uid, c))
                        if held is not None:  # its station is held until then
                            tie += 1
                            ready.append((held, tie, node, c, k + 1))
                        else:  # in its work centre's queue, in the queue's order
                            ready.append((now_w, queued[(uid, c)], node, c, k))
                    finish[uid], left[uid] = now_w, chains
                    continue
                at = now_w
                for line in node.lines:
                    if not line.ready:
                        day = expected.get(id(line))
                        if day is None:  # the line's nominal date, in working minutes once
                            w = line.nominal_work
                            if w is None:
                                w = line.nominal_work = work(line.nominal)
                        else:
                            w = work(day)
                        if w > at:
                            at = w
                finish[uid] = at
                inputs = 0
                for child in node.children:
                    if child.done is None:
                        inputs += 1
                left[uid] = inputs
                pending.append(node)
                stack.extend(node.children)
        heapq.heapify(ready)
        self.tie = tie
        for node in pending:
            if self.left[node.uid] == 0:
                self._release(node, self.finish[node.uid])

    def _push(self, at: float, node: Node, chain: int, k: int) -> None:
        self.tie += 1
        heapq.heappush(self.ready, (at, self.tie, node, chain, k))

    def _release(self, node: Node, at: float) -> None:
        self.finish[node.uid] = at
        self.left[node.uid] = len(node.chains)
        if not node.chains:
            self._complete(node, at)
        for c in range(len(node.chains)):
            self._push(at, node, c, 0)

    def _complete(self, node: Node, at: float) -> None:
        # _release inlined, and the walk up through parts with no operations a loop: this
        # runs for every made part of the backlog on every arrival
        finish, left = self.finish, self.left
        parent = node.parent
        while parent is not None and parent.uid in left:
            uid = parent.uid
            done = finish[uid]
            if at > done:
                done = finish[uid] = at
            left[uid] -= 1
            if left[uid]:
                return
            chains = parent.chains
            left[uid] = len(chains)  # released at ``done``
            if chains:
                for c in range(len(chains)):
                    self._push(done, parent, c, 0)
                return
            parent, at = parent.parent, done

    def _place(self, wc: str, station: int, start: float, end: float) -> None:
        """Record an operation on a station: one busy stretch per run of back-to-back work."""
        run = self.stretch[wc][station]
        if run[1] < start:  # the station idled: close its stretch
            if run[1] > run[0]:
                self.closed[wc].append((run[0], run[1]))
            run[0] = start
        run[1] = end

    def _chain_done(self, node: Node, at: float) -> None:
        finish, left, uid = self.finish, self.left, node.uid
        done = finish[uid]
        if at > done:
            done = finish[uid] = at
        left[uid] -= 1
        if left[uid] == 0:
            self._complete(node, done)

    def _spans(self) -> dict[str, list[tuple[float, float]]]:
        return {wc: [*closed, *((a, b) for a, b in self.stretch[wc] if b > a)]
                for wc, closed in self.closed.items()}

    def advance(self, until: float) -> dict[str, list[tuple[float, float]]]:
        """Place every operation ready by ``until``; each work centre's busy stretches so
        far (exact up to ``until``: an operation ready later starts later)."""
        if self.edd:
            return self._advance_by_due(until)
        ready, free, stretch, closed = self.ready, self.free, self.stretch, self.closed
        heapreplace = heapq.heapreplace
        # _push and _place inlined: this loop places every operation of the backlog on every
        # arrival. Every heap entry is distinct (ties and stations are unique), so replacing
        # the least entry pops and pushes the same entries in the same order as heappop
        # followed by heappush.
        tie = self.tie
        while ready and ready[0][0] <= until:
            at, _, node, c, k = ready[0]
            chain = node.chains[c]
            if k == len(chain):
                heapq.heappop(ready)
                self.tie = tie
                self._chain_done(node, at)
                tie = self.tie
                continue
            wc, planned, _ = chain[k]
            slots = free[wc]
            station_free, station = slots[0]
            start = at if at >= station_free else station_free
            end = start + planned
            heapreplace(slots, (end, station))
            run = stretch[wc][station]
            if run[1] < start:  # the station idled: close its stretch
                if run[1] > run[0]:
                    closed[wc].append((run[0], run[1]))
                run[0] = start
            run[1] = end
            tie += 1
            heapreplace(ready, (end, tie, node, c, k + 1))
        self.tie = tie
        return self._spans()

    def _advance_by_due(self, until: float) -> dict[str, list[tuple[float, float]]]:
        """:meth:`advance` when each work centre serves its waiting operations earliest due
        date first: operations join their work centre's queue as they become ready, and a
        freed station takes the queued one due first."""
        heappush, heappop = heapq.heappush, heapq.heappop
        ready, free, queues, oldest = self.ready, self.free, self._queues, self._oldest
        while True:
            # the work centre that can start something soonest, and when: a station is free
            # and an operation is waiting
            when, chosen = math.inf, ""
            for wc, queue in queues.items():
                if queue:
                    at = max(free[wc][0][0], oldest[wc])
                    if at < when:
                        when, chosen = at, wc
            next_ready = ready[0][0] if ready else math.inf
            if min(when, next_ready) > until or (when == next_ready == math.inf):
                break
            if next_ready <= when:
                at, tie, node, c, k = heappop(ready)
                chain = node.chains[c]
                if k < len(chain):
                    wc = chain[k][0]
                    heappush(queues.setdefault(wc, []), (node.order.due, tie, at, node, c, k))
                    oldest[wc] = min(oldest.get(wc, math.inf), at)
                else:
                    self._chain_done(node, at)
                continue
            queue = queues[chosen]
            _, _, entered, node, c, k = heappop(queue)
            if entered <= oldest[chosen]:
                oldest[chosen] = min((item[2] for item in queue), default=math.inf)
            planned = node.chains[c][k][1]
            _, station = heappop(free[chosen])
            end = when + planned
            heappush(free[chosen], (end, station))
            self._place(chosen, station, when, end)
            self._push(end, node, c, k + 1)
        return self._spans()


def stock_expected(run: _Run) -> dict[int, float]:
    """When each line waiting for a stocked part gets it (days), if replenishments arrive on
    their nominal dates: the waiting lines are served first come first served from the stock
    on hand, then from the replenishments in the order of their dates."""
    out: dict[int, float] = {}
    for part, queue in run.waiting.items():
        if not queue:
            continue
        left = run.stock[part]
        orders = iter(run.pos[part].values())  # placed in the order of their nominal dates
        day = run.now
        for line in queue:
            need = line.qty - left
            while need > EPS:
                po = next(orders, None)
                if po is None:  # nothing more is on order: as the line's own replenishment
                    day = max(day, line.nominal)
                    break
                day = max(day, run._usable(po.eta, run.now))
                need -= po.qty
            left = -need
            out[id(line)] = day
    return out
