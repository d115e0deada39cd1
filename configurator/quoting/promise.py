"""The delivery promise: material, slots, milestones, the gating part or step, confidence.

:func:`plan` is the deterministic plan of one configuration (median lead times, planned minutes);
:func:`promise` adds the confidence of the date and the service-level check. See
docs/quoting.md for the rules and their order.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import numpy as np

from ..bom import Bom, BomNode
from ..plant import Carrier, Plant
from .atp import MaterialLine, allocate
from .calendar import WorkCalendar
from .capacity import Scheduler, Slot
from .confidence import SAMPLES, Uncertainty, ready_samples
from .providers import CapacityProvider, SupplyProvider

__all__ = ["Confidence", "Gate", "Milestone", "Plan", "ServiceCheck", "plan", "promise"]

#: Above this many units an operation runs as one batch of ``units x minutes``.
MAX_UNIT_JOBS = 200

MilestoneKind = Literal["order_accepted", "material_ready", "assembly_start", "assembly_end",
                        "ready_to_ship", "shipped", "delivered"]


@dataclass(frozen=True, slots=True)
class Milestone:
    """A dated step of the order, and what its date comes from."""

    kind: MilestoneKind
    at: dt.datetime
    source: str
    part: str | None = None

    @property
    def day(self) -> dt.date:
        return self.at.date()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "at": self.at.isoformat(),
                               "date": self.day.isoformat(), "source": self.source}
        if self.part is not None:
            out["part"] = self.part
        return out


@dataclass(frozen=True, slots=True)
class Gate:
    """What the date waits for: a part, a work centre's free capacity, or the work itself."""

    kind: Literal["part", "capacity", "work"]
    ref: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "text": self.text}


@dataclass(frozen=True, slots=True)
class Plan:
    """The deterministic plan of one order."""

    accepted: dt.datetime
    materials: tuple[MaterialLine, ...]
    slots: tuple[Slot, ...]
    ready: dt.datetime
    carrier: Carrier
    shipped: dt.datetime
    delivered: dt.date
    gate: Gate
    #: when the first operation that uses each material line starts (its float ends)
    first_use: tuple[dt.datetime, ...]
    #: when each material line is usable (never before the order is accepted)
    usable: tuple[dt.datetime, ...] = ()

    def milestones(self) -> tuple[Milestone, ...]:
        calendar_start = self.accepted
        out = [Milestone("order_accepted", calendar_start, "order time and cut-off")]
        by_part: dict[str, tuple[MaterialLine, dt.datetime]] = {}
        for line, usable in zip(self.materials, self.usable, strict=True):
            if line.part not in by_part or usable > by_part[line.part][1]:
                by_part[line.part] = (line, usable)
        for part, (line, usable) in by_part.items():
            out.append(Milestone("material_ready", usable, line.gating.label, part))
        if self.slots:
            first = min(self.slots, key=lambda s: s.start)
            out.append(Milestone("assembly_start", first.start,
                                 f"work centre {first.work_centre} slot ({first.op})"))
            last = max(self.slots, key=lambda s: s.end)
            out.append(Milestone("assembly_end", last.end,
                                 f"work centre {last.work_centre} slot ({last.op})"))
        out.append(Milestone("ready_to_ship", self.ready, "last operation done"
                             if self.slots else "material ready"))
        out.append(Milestone("shipped", self.shipped, f"carrier {self.carrier.id} pick-up"))
        out.append(Milestone("delivered", _day_start(self.delivered, self.shipped),
                             f"carrier {self.carrier.id}, {self.carrier.transit_days} "
                             "transit days"))
        return tuple(out)


def _day_start(day: dt.date, like: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=like.tzinfo)


def _requirements(bom: Bom) -> Iterator[tuple[str, Decimal, str | None]]:
    """Purchased lines in the stated allocation order: depth first, a made part's lines
    before the made part's parent's own lines."""

    def under(nodes: Sequence[BomNode], parent: str | None) -> Iterator[tuple[str, Decimal,
                                                                              str | None]]:
        for node in nodes:
            if node.type == "made":
                yield from under(node.children, node.part)
        for node in nodes:
            if node.type == "purchased":
                yield node.part, node.total, parent

    yield from under(bom.nodes, None)


def _unit_jobs(units: Decimal, minutes: Decimal) -> list[Decimal]:
    if units == units.to_integral_value() and 0 < units <= MAX_UNIT_JOBS:
        return [minutes] * int(units)
    return [minutes * units] if units > 0 else []


@dataclass
class _Done:
    """When a made part (or the product) is complete, and the slot that finished it."""

    at: dt.datetime
    slot: Slot | None
    why: tuple[str, str | None]


def plan(bom: Bom, calendar: WorkCalendar, supply: SupplyProvider, capacity: CapacityProvider,
         at: dt.datetime, carrier: Carrier | None = None, *,
         materials: tuple[MaterialLine, ...] | None = None) -> Plan:
    """The deterministic plan: material per line, operations in free slots, shipping.

    ``materials``: the material lines of another plan of the same BOM, supply and time
    (its :attr:`Plan.materials`), which the allocation would give again; they depend on no
    capacity, so plans of one order on several capacities can share them.
    """
    accepted = calendar.order_accepted(at)
    if materials is None:
        materials = allocate(list(_requirements(bom)), supply, calendar, accepted.date())
    usable = {id(m): max(accepted, calendar.material_available(m.day)) for m in materials}
    by_parent: dict[str | None, list[MaterialLine]] = {}
    for m in materials:
        by_parent.setdefault(m.for_part, []).append(m)
    scheduler = Scheduler(calendar, capacity)
    slots: list[Slot] = []
    first_use: dict[int, dt.datetime] = {}

    def ready_for(parent: str | None, made: Iterable[_Done]) -> _Done:
        best = _Done(accepted, None, ("accepted", None))
        for m in by_parent.get(parent, ()):
            if usable[id(m)] > best.at:
                best = _Done(usable[id(m)], None, ("material", m.part))
        for done in made:
            if done.at > best.at:
                best = _Done(done.at, done.slot, done.why if done.slot is None
                             else ("made", done.slot.part))
        return best

    def run(ops: Sequence[Any], part: str | None, units: Decimal, start: _Done) -> _Done:
        for m in by_parent.get(part, ()):
            first_use.setdefault(id(m), start.at)
        finish = start
        if not ops:
            return start
        counts = [_unit_jobs(units, op.minutes) for op in ops]
        for unit in range(max(len(c) for c in counts)):
            previous: Slot | None = start.slot
            after, t = start.why, start.at
            for op, jobs in zip(ops, counts, strict=True):
                if unit >= len(jobs):
                    continue
                begin, end = scheduler.place(op.work_centre, t, jobs[unit])
                slot = Slot(op.id, op.work_centre, part, unit + 1, jobs[unit], begin, end,
                            calendar.next_work_start(t), _text(op.label), after, previous)
                slots.append(slot)
                previous, after, t = slot, ("previous", op.id), end
            if previous is not None and (finish.slot is None or t > finish.at):
                finish = _Done(t, previous, after)
        return finish

    def build(node: BomNode) -> _Done:
        made = [build(c) for c in node.children if c.type == "made"]
        return run(node.operations, node.part, node.total, ready_for(node.part, made))

    made = [build(n) for n in bom.nodes if n.type == "made"]
    done = run(bom.operations, None, Decimal(bom.qty), ready_for(None, made))
    chosen = carrier or calendar.plant.default_carrier
    if chosen is None:
        raise ValueError(f"plant '{calendar.plant.id}' has no carriers; add one under "
                         "'carriers:'")
    shipped = calendar.next_pickup(chosen, done.at)
    delivered = calendar.delivered_on(chosen, shipped)
    uses = tuple(first_use.get(id(m), usable[id(m)]) for m in materials)
    gate = _gate(done, materials, slots)
    return Plan(accepted, materials, tuple(slots), done.at, chosen, shipped, delivered, gate,
                uses, tuple(usable[id(m)] for m in materials))


def _text(label: Any) -> str | None:
    return str(label) if label is not None else None


def _gate(done: _Done, materials: Sequence[MaterialLine], slots: Sequence[Slot]) -> Gate:
    """Walk back from the last operation to what held it up."""
    slot = done.slot
    why = done.why
    while slot is not None:
        if slot.waited_for_capacity:
            return Gate("capacity", slot.work_centre,
                        f"free capacity at work centre {slot.work_centre} (operation "
                        f"{slot.op} waits until {slot.start:%Y-%m-%d %H:%M})")
        why = slot.after
        if why[0] in ("previous", "made"):
            slot = slot.after_slot
            continue
        break
    if why[0] == "material" and why[1] is not None:
        line = max((m for m in materials if m.part == why[1]), key=lambda m: m.day)
        return Gate("part", line.part, f"part {line.part} ({line.gating.label}, ready "
                                       f"{line.day.isoformat()})")
    if not slots:
        late = max(materials, key=lambda m: m.day, default=None)
        if late is not None:
            return Gate("part", late.part, f"part {late.part} ({late.gating.label})")
    minutes = sum((s.minutes for s in slots), Decimal(0))
    return Gate("work", "routing", f"the work itself ({minutes} minutes of operations; "
                                   "nothing waits for material or capacity)")


class WorkClock:
    """Working minutes of one station since ``start``, for any later moment.

    Walks the calendar's work intervals once, lazily, and answers each question by bisection.
    """

    def __init__(self, calendar: WorkCalendar, start: dt.datetime) -> None:
        self._intervals = calendar.work_intervals(start)
        self._ends: list[float] = []
        self._starts: list[float] = []
        self._before: list[float] = []  # working minutes before each interval
        self._total = 0.0

    def minutes(self, moment: dt.datetime) -> float:
        """Working minutes from the start until ``moment`` (0 before the start)."""
        t = moment.timestamp()
        while not self._ends or self._ends[-1] < t:
            a, b = next(self._intervals)
            self._starts.append(a.timestamp())
            self._ends.append(b.timestamp())
            self._before.append(self._total)
            self._total += (b - a).total_seconds() / 60
        i = bisect.bisect_left(self._ends, t)
        return self._before[i] + max(0.0, t - self._starts[i]) / 60

    def day_table(self, calendar: WorkCalendar, day0: dt.date, accepted: dt.datetime,
                  days: int) -> list[float]:
        """Working minutes until material arriving ``d`` working days after ``day0`` is
        usable, for d = 0 .. days."""
        return [self.minutes(max(accepted, calendar.material_available(
            calendar.add_working_days(day0, d)))) for d in range(days + 1)]


@dataclass(frozen=True, slots=True)
class Confidence:
    """The promised date for the target confidence, and how likely dates are met."""

    target: Decimal
    promised: dt.date
    probability: Decimal  # that the promised date is met
    planned: dt.date  # the date when everything goes to plan
    planned_probability: Decimal
    samples: int
    seed: int
    #: set when a calibrated buffer (working days after the plan) chose the promised date
    buffer_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        method = f"seeded Monte Carlo, {self.samples} draws, seed {self.seed}"
        if self.buffer_days is not None:
            method = (f"plan + calibrated buffer of {self.buffer_days} working days; "
                      f"probability by {method}")
        return {"target": str(self.target), "promised": self.promised.isoformat(),
                "probability": str(self.probability), "planned": self.planned.isoformat(),
                "planned_probability": str(self.planned_probability),
                "buffer_days": self.buffer_days, "method": method}


@dataclass(frozen=True, slots=True)
class ServiceCheck:
    """The promise against the segment's target lead time."""

    segment: str
    target_days: int | None
    quoted_days: int
    ok: bool
    escalate_to: str | None = None
    escalation_after_days: int | None = None

    @property
    def text(self) -> str:
        if self.target_days is None:
            return f"no service level for segment '{self.segment}'"
        if self.ok:
            return (f"within the {self.segment} target of {self.target_days} working days "
                    f"({self.quoted_days})")
        out = (f"BREAKS the {self.segment} target: {self.quoted_days} working days against "
               f"{self.target_days}")
        if self.escalate_to:
            out += (f"; escalate to {self.escalate_to} (rule: slipping more than "
                    f"{self.escalation_after_days} working days)")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"segment": self.segment, "target_days": self.target_days,
                "quoted_days": self.quoted_days, "ok": self.ok,
                "escalate_to": self.escalate_to,
                "escalation_after_days": self.escalation_after_days, "text": self.text}


def promise(the_plan: Plan, calendar: WorkCalendar, capacity: CapacityProvider,
            target: Decimal, seed: int = 0, samples: int = SAMPLES,
            also: Sequence[dt.date] = ()) -> tuple[Confidence, tuple[Decimal, ...]]:
    """The date met with probability ``target``, and its probability, around ``the_plan``;
    plus the on-time probability of each date in ``also``."""
    accepted = the_plan.accepted
    clock = WorkClock(calendar, accepted)
    planned_minutes = clock.minutes(the_plan.ready)
    uncertain = [(line, usable, use, a) for line, usable, use in zip(
        the_plan.materials, the_plan.usable, the_plan.first_use, strict=True)
        for a in line.allocations if a.kind == "purchase" and a.spread_days > 0]
    horizon = max((int(a.lead_days + 6 * a.spread_days) + 5 for *_, a in uncertain), default=0)
    table = clock.day_table(calendar, accepted.date(), accepted, horizon) if uncertain \
        else [0.0]
    supplies = []
    for line, _, use, a in uncertain:
        planned_at = table[min(a.lead_days, horizon)]
        slack = max(0.0, clock.minutes(use) - planned_at)
        if slack < table[-1] - planned_at:  # else even the latest draw cannot delay the order
            supplies.append(Uncertainty(f"{line.part} {a.ref}", a.lead_days, a.median_days,
                                        a.spread_days, slack))
    variance = sum(float(capacity.spread(s.work_centre) * s.minutes) ** 2
                   for s in the_plan.slots)
    ready = ready_samples(planned_minutes, supplies, table, variance ** 0.5, seed, samples)
    promised_minutes = float(np.quantile(ready, float(target), method="higher"))
    ready_at = calendar.add_work_minutes(accepted, max(promised_minutes, planned_minutes))
    carrier = the_plan.carrier
    promised = max(the_plan.delivered,
                   calendar.delivered_on(carrier, calendar.next_pickup(carrier, ready_at)))

    def met(day: dt.date) -> Decimal:
        latest = _latest_ready(calendar, carrier, day, accepted)
        if latest is None:
            return Decimal(0)
        limit = clock.minutes(latest)
        share = float(np.count_nonzero(ready <= limit + 1e-6)) / len(ready)
        return Decimal(str(round(share, 3)))

    return (Confidence(target, promised, met(promised), the_plan.delivered,
                       met(the_plan.delivered), samples, seed), tuple(met(d) for d in also))


def _latest_ready(calendar: WorkCalendar, carrier: Carrier, day: dt.date,
                  not_before: dt.datetime) -> dt.datetime | None:
    """The latest moment an order may be ready and still be delivered by ``day``."""
    zone = calendar.zone
    for back in range(0, 120):
        pickup_day = day - dt.timedelta(days=back)
        if pickup_day < not_before.date():
            return None
        moment = dt.datetime.combine(pickup_day, carrier.pickup, tzinfo=zone)
        if not calendar.is_working_day(pickup_day) or pickup_day.weekday() not in carrier.days:
            continue
        if calendar.delivered_on(carrier, moment) <= day:
            return moment
    return None


def service_check(plant: Plant, segment: str, accepted: dt.date, promised: dt.date,
                  calendar: WorkCalendar) -> ServiceCheck:
    """Whether the promise keeps the segment's target lead time."""
    days = calendar.working_days_between(accepted, promised)
    level = plant.service_levels.get(segment)
    if level is None:
        return ServiceCheck(segment, None, days, True)
    return ServiceCheck(segment, level.target_days, days, days <= level.target_days,
                        level.escalate_to, level.escalation_after_days)
