"""The build-to-order shop model: the plant, supply and catalog of a scenario, simulated.

- **Demand**: Poisson orders around the clock; each picks one of a pool of configurations
  drawn from the catalog's option mix (:mod:`.demand`). The rate loads the bottleneck work
  centre to the scenario's ``rho``.
- **Material**: a standard part (one with a stock record that standard configurations use)
  is stocked with a base-stock policy: every order takes its quantity from stock (first come,
  first served, waiting when there is not enough) and places a replenishment order of the
  same quantity at once. Any other part is bought to order. A purchase takes the supplier's
  response time plus a lognormal lead time (median ``lead_time_days``, standard deviation
  ``lead_time_spread_days``), rounded up to whole working days after the order is accepted;
  it is usable from the first shift of that day.
- **Assembly**: each made part (sub-assemblies first) and then the product runs its routing,
  unit by unit, on the work centres' parallel stations, first come first served, during
  shifts only; an operation's time is lognormal with mean the planned minutes and the work
  centre's spread as coefficient of variation.
- **Shipping**: the carrier's next pick-up after the last operation, then its transit days
  plus a Poisson number of extra days (mean ``transit_delay_days``).

Time is float days since midnight of the start day in the plant's zone (:mod:`.worktime`);
dates and lead times are read off the plant's calendar, and every lead time is measured in
working days from the day the order is accepted (as the service levels count them).

Because dispatching is first come first served, quotes do not change what the shop does: one
simulated history per seed serves every policy (:meth:`BuildToOrder.run_many`), which is the
strongest form of common random numbers. Each order's random numbers come from its own
generator, derived from ``(seed, order number)``, so the history before an order never
depends on the numbers of orders after it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import math
import statistics
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from ..bom import BomNode
from ..catalog.model import Catalog
from ..loading import load_catalog, load_plant, load_supply
from ..plant import Carrier, Plant
from ..quoting.atp import MaterialLine
from ..quoting.buffers import BufferTable
from ..quoting.calendar import WorkCalendar
from ..quoting.promise import MAX_UNIT_JOBS, plan
from ..quoting.providers import (
    BusyProfile,
    FileCapacity,
    FileSupply,
    OpenPurchaseOrder,
    PartSourcing,
)
from ..scenario import Disruption, Scenario
from ..supply import Supply
from .bto_policies import (
    BtoOrder,
    BufferLearner,
    LearningPolicy,
    SegmentHindsight,
    default_policies,
)
from .demand import Demand, draw_pool, work_content
from .events import Simulator, Streams
from .metrics import Outcomes, PolicySummary, RunMetrics, measure, summarize
from .policies import HindsightPolicy, Policy
from .projection import Projected, Projection
from .shopfloor import EPS, Centre, Line, Node, Replenishment
from .worktime import WorkTime

__all__ = ["SEGMENTS", "BuildToOrder", "SegmentSummary", "ShopComparison", "ShopRun",
           "compare_shop"]

SEGMENTS = ("all", "standard", "custom")
YEAR_DAYS = 365.25
#: The seed of the configurations the arrival rate and the stocked parts are derived from.
CALIBRATION_SEED = 0
#: How far past the ATP plan's ready time (days) the backlog is projected for a CTP quote
#: before projecting all of it.
PROJECTION_DAYS = 7.0


def lognormal_sigma_median(median: float, sd: float) -> float:
    """sigma of a lognormal with this median and standard deviation."""
    if median <= 0 or sd <= 0:
        return 0.0
    r = sd / median
    return math.sqrt(math.log((1 + math.sqrt(1 + 4 * r * r)) / 2))


# --- results ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, eq=False)
class ShopRun:
    """One seed's simulated history and every policy's quotes of its measured orders.

    Lead times and quotes are working days after acceptance; ``arrival`` days since the start.
    ``max_busy`` is the most stations a work centre ran at once, ``min_stock`` the lowest
    stock of any part, ``jobs`` (only when recorded) each work centre's operations as
    (start, end) in working minutes.
    """

    seed: int
    ids: npt.NDArray[np.int64]
    arrival: npt.NDArray[np.float64]
    delivered_day: npt.NDArray[np.float64]
    segments: tuple[str, ...]
    #: which configuration of the seed's pool each order is
    products: npt.NDArray[np.int64]
    lead_time: npt.NDArray[np.float64]
    quoted: dict[str, npt.NDArray[np.float64]]
    atp: npt.NDArray[np.float64]
    ctp: npt.NDArray[np.float64]
    max_busy: dict[str, int]
    capacity: dict[str, int]
    min_stock: float
    jobs: dict[str, list[tuple[float, float]]]
    #: the buffers each learning policy held at the end of the run
    tables: dict[str, BufferTable] = dataclasses.field(default_factory=dict)
    #: each order's acceptance and delivery dates (ordinals), and the seed's configurations
    #: (module -> value) that ``products`` index
    accepted_on: npt.NDArray[np.int64] = dataclasses.field(
        default_factory=lambda: np.zeros(0, dtype=np.int64))
    delivered_on: npt.NDArray[np.int64] = dataclasses.field(
        default_factory=lambda: np.zeros(0, dtype=np.int64))
    pool: tuple[Mapping[str, Any], ...] = ()

    def outcomes(self, policy: str, segment: str = "all") -> Outcomes:
        """The measured orders of one policy (and segment)."""
        mask = np.ones(len(self.ids), dtype=bool) if segment == "all" \
            else np.asarray(self.segments) == segment
        return Outcomes(self.ids[mask], self.arrival[mask], self.quoted[policy][mask],
                        self.lead_time[mask], self.products[mask])


# --- the model -------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class BuildToOrder:
    """A scenario's plant, ready to simulate; see the module docstring.

    Build it with :meth:`of` (from a :class:`Scenario`) or :meth:`load` (from a file).
    """

    scenario: Scenario
    catalog: Catalog
    plant: Plant
    supply: Supply
    calendar: WorkCalendar
    carrier: Carrier
    #: mean planned minutes per order on each work centre (from the calibration sample)
    work: dict[str, float]
    #: one station's working minutes per calendar day over the run
    minutes_per_day: float
    #: orders per calendar day
    arrival_rate: float
    bottleneck: str
    #: parts stocked with a base-stock policy, and their base-stock levels
    stocked: dict[str, float]
    name: ClassVar[str] = "build-to-order"

    @classmethod
    def load(cls, path: str | Path) -> BuildToOrder:
        """The model of a scenario file."""
        from ..scenario import load_scenario

        return cls.of(load_scenario(path))

    @classmethod
    def of(cls, scenario: Scenario) -> BuildToOrder:
        """The model of ``scenario``: loads its files and calibrates the arrival rate."""
        catalog = load_catalog(scenario.catalog)
        plant_path = scenario.plant or (Path(catalog.plant) if catalog.plant else None)
        supply_path = scenario.supply or (Path(catalog.supply) if catalog.supply else None)
        if plant_path is None or supply_path is None:
            raise ValueError(f"scenario {scenario.name}: the catalog names no plant or supply "
                             "file; give 'plant' and 'supply' in the scenario")
        plant, supply = load_plant(plant_path), load_supply(supply_path)
        calendar = WorkCalendar.of(plant)
        carrier = plant.default_carrier if scenario.carrier is None else next(
            (c for c in plant.carriers if c.id == scenario.carrier), None)
        if carrier is None:
            raise ValueError(f"scenario {scenario.name}: plant '{plant.id}' has no carrier "
                             f"'{scenario.carrier or 'default'}'")
        sample = [Demand.of(catalog, c) for c in draw_pool(
            catalog, scenario.pool, Streams(CALIBRATION_SEED).generator("calibration"),
            scenario.option_weights)]
        work = work_content([d.bom for d in sample])
        clock = WorkTime(calendar, _origin(calendar, scenario.start))
        per_day = clock.minutes_per_day(scenario.years * YEAR_DAYS)
        unknown = sorted(set(work) - set(plant.work_centres))
        if unknown:
            raise ValueError(f"the routings use work centres the plant '{plant.id}' does not "
                             f"have: {', '.join(unknown)}")
        rates = {wc: plant.work_centres[wc].capacity * per_day / minutes
                 for wc, minutes in work.items() if minutes > 0}
        if not rates:
            raise ValueError(f"catalog '{catalog.id}': no configuration has any operation, "
                             "so no load can be set")
        bottleneck = min(rates, key=lambda wc: rates[wc])
        used = {n.part for d in sample if d.segment == "standard" for n in d.bom.walk()
                if n.type == "purchased"}
        rate = scenario.rho * rates[bottleneck]
        stocked = {part: float(record.on_hand) for part, record in supply.stock.items()
                   if part in used}
        if scenario.base_stock_service is not None:
            start = scenario.start
            span = int(scenario.years * YEAR_DAYS)
            per_calendar_day = calendar.working_days_between(
                start, start + dt.timedelta(days=span)) / span
            stocked = {part: max(level, _cover(part, sample, supply, rate, per_calendar_day,
                                               scenario.base_stock_service))
                       for part, level in stocked.items()}
        for disruption in scenario.disruptions:
            if disruption.work_centre is not None \
                    and disruption.work_centre not in plant.work_centres:
                raise ValueError(f"scenario {scenario.name}: the plant '{plant.id}' has no work "
                                 f"centre '{disruption.work_centre}' to disrupt")
            if disruption.supplier is not None and disruption.supplier not in supply.suppliers:
                raise ValueError(f"scenario {scenario.name}: the supply '{supply.id}' has no "
                                 f"supplier '{disruption.supplier}' to disrupt")
        missing = sorted({n.part for d in sample for n in d.bom.walk()
                          if n.type == "purchased" and n.part not in supply.sourcing})
        if missing:
            raise ValueError(f"supply '{supply.id}' has no sourcing for {', '.join(missing)}; "
                             "the simulation must be able to buy every part")
        return cls(scenario, catalog, plant, supply, calendar, carrier, work, per_day,
                   rate, bottleneck, stocked)

    @property
    def horizon_days(self) -> float:
        """Arrivals stop after this many days."""
        return self.scenario.years * YEAR_DAYS

    @property
    def warmup_days(self) -> float:
        """Orders arriving before this are not measured."""
        return self.scenario.warmup_years * YEAR_DAYS

    def utilisation(self) -> dict[str, float]:
        """Each work centre's planned load at the arrival rate."""
        return {wc: self.arrival_rate * minutes
                / (self.plant.work_centres[wc].capacity * self.minutes_per_day)
                for wc, minutes in self.work.items()}

    def policies(self) -> tuple[Policy, ...]:
        """The policies compared: fixed catalogue lead time, best fixed per segment in
        hindsight, ATP only, CTP, CTP + buffer."""
        fixed = self.scenario.fixed_lead_time_days or {
            s: level.target_days for s, level in self.plant.service_levels.items()} or {
            "standard": 10, "custom": 30}
        return default_policies(fixed, self.scenario.target)

    def run(self, policy: Policy, seed: int) -> Outcomes:
        """The measured orders of one policy on one seed (the :class:`Model` protocol)."""
        return self.run_many([policy], seed).outcomes(policy.name)

    def run_many(self, policies: Sequence[Policy], seed: int, record: bool = False,
                 horizon_days: float | None = None, warmup_days: float | None = None,
                 dispatch_by: str | None = None) -> ShopRun:
        """One simulated history of ``seed``, every policy quoting each order; hindsight
        policies are settled at the end. ``record`` keeps every operation's slot;
        ``horizon_days`` and ``warmup_days`` override the scenario's (for short runs).

        With earliest-due-date dispatching (the scenario's ``dispatch: edd``) the shop goes by
        the promised dates of the policy named ``dispatch_by`` (default: the first); a policy
        settled in hindsight has no dates during the run, and its orders go first come first
        served. :func:`compare_shop` then runs one history per policy."""
        run = _Run(self, policies, seed, record,
                   self.horizon_days if horizon_days is None else horizon_days,
                   self.warmup_days if warmup_days is None else warmup_days, dispatch_by)
        return run.go()

    def order_generator(self, seed: int, order: int) -> np.random.Generator:
        """The random numbers of one order (work times, lead times, transit)."""
        return np.random.default_rng([seed, zlib.crc32(b"order"), order])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"name": self.name, "scenario": self.scenario.to_dict(),
                "arrival_rate_per_day": self.arrival_rate, "bottleneck": self.bottleneck,
                "utilisation": self.utilisation(),
                "work_minutes_per_order": dict(self.work),
                "station_minutes_per_day": self.minutes_per_day,
                "stocked_parts": len(self.stocked)}


def _cover(part: str, sample: Sequence[Demand], supply: Supply, rate: float,
           working_per_day: float, service: float) -> float:
    """The base-stock level that covers the part's demand over its replenishment lead time
    with probability ``service``: compound-Poisson demand over a lead time of random length,
    normal approximation."""
    qty = np.array([sum(float(n.total) for n in d.bom.walk() if n.part == part)
                    for d in sample])
    source = supply.sourcing.get(part)
    if source is None:
        return 0.0
    supplier = supply.suppliers.get(source.supplier)
    response = float(supplier.response_days) if supplier else 0.0
    lead = (response + float(source.lead_time_days)) / working_per_day
    lead_sd = float(source.lead_time_spread_days) / working_per_day
    mean = rate * lead * float(qty.mean())
    variance = rate * lead * float((qty ** 2).mean()) + (rate * float(qty.mean()) * lead_sd) ** 2
    return math.ceil(mean + statistics.NormalDist().inv_cdf(service) * math.sqrt(variance))


def _origin(calendar: WorkCalendar, start: dt.date) -> dt.datetime:
    return dt.datetime.combine(start, dt.time(0), tzinfo=calendar.zone)


# --- one run ---------------------------------------------------------------------------------

class _SupplyView:
    """The supply as known now: stock net of waiting orders, replenishments with their
    nominal dates (merged per date); bought-to-order parts are never in stock."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self._pos: dict[str, tuple[OpenPurchaseOrder, ...]] = {}

    def free_stock(self, part: str) -> Decimal:
        run = self.run
        if part not in run.stock:
            return Decimal(0)
        return Decimal(repr(max(0.0, run.stock[part] - run.waiting_qty[part])))

    def open_purchase_orders(self, part: str) -> Sequence[OpenPurchaseOrder]:
        found = self._pos.get(part)
        if found is not None:
            return found
        run = self.run
        if part not in run.stock:
            return ()
        short = max(0.0, run.waiting_qty[part] - run.stock[part])
        by_day: dict[dt.date, list[Any]] = {}
        for po in run.pos[part].values():  # placed in order of their nominal dates
            left = po.qty - short
            short = max(0.0, short - po.qty)
            if left > EPS:
                if po.eta in by_day:
                    by_day[po.eta][1] += left
                else:
                    by_day[po.eta] = [po.id, left]
        out = tuple(OpenPurchaseOrder(ref, Decimal(repr(qty)), eta)
                    for eta, (ref, qty) in sorted(by_day.items()))
        self._pos[part] = out
        return out

    def sourcing(self, part: str) -> PartSourcing | None:
        return self.run.sourcing.sourcing(part)


class _Run:
    """One seed's history; it is also the QuoteContext the policies see."""

    def __init__(self, model: BuildToOrder, policies: Sequence[Policy], seed: int,
                 record: bool, horizon: float, warmup: float,
                 dispatch_by: str | None = None) -> None:
        self.model, self.policies, self.seed = model, list(policies), seed
        self.edd = model.scenario.dispatch == "edd"
        #: the policy whose promised dates earliest-due-date dispatching goes by
        self.dispatch_by = dispatch_by or (self.policies[0].name if self.policies else None)
        self.tie = 0
        self.learning = [p for p in self.policies if isinstance(p, LearningPolicy)]
        self.record, self.horizon, self.warmup = record, horizon, warmup
        scenario = model.scenario
        self.sim = Simulator()
        self.clock = WorkTime(model.calendar, _origin(model.calendar, scenario.start))
        self.calendar = model.calendar
        streams = Streams(seed)
        gap = 1 / model.arrival_rate
        self.gap = streams.draws("arrivals", lambda g, n: g.exponential(gap, n))
        pool = [Demand.of(model.catalog, c) for c in draw_pool(
            model.catalog, scenario.pool, streams.generator("configurations"),
            scenario.option_weights)]
        self.pool = pool
        self.pick = streams.draws("mix", lambda g, n: g.integers(0, len(pool), n))
        self.centres = {wc.id: Centre(wc.id, wc.capacity)
                        for wc in model.plant.work_centres.values()}
        spread = scenario.work_time_spread
        self.cv = {wc.id: float(wc.spread) if spread is None else (
            spread if isinstance(spread, float | int) else spread.get(wc.id, float(wc.spread)))
            for wc in model.plant.work_centres.values()}
        #: per work centre: the lognormal sigma of its operation times, and sigma^2 / 2
        self._spread = {wc: (sigma, sigma * sigma / 2) for wc, cv in self.cv.items()
                        for sigma in (math.sqrt(math.log1p(cv * cv)),)}
        self.stock = dict(model.stocked)
        self.min_stock = min(self.stock.values(), default=0.0)
        self.waiting: dict[str, deque[Line]] = {p: deque() for p in self.stock}
        self.waiting_qty = dict.fromkeys(self.stock, 0.0)
        self.pos: dict[str, dict[str, Replenishment]] = {p: {} for p in self.stock}
        self.sourcing = FileSupply(model.supply)
        self.open: dict[int, BtoOrder] = {}
        self.roots: dict[int, Node] = {}
        self.count = self.uid = self.po_count = 0
        self.measured: list[BtoOrder] = []
        self._projection: tuple[float, Projection, Projected | None] | None = None
        #: order, ATP, ready (days), the ATP plan's material lines
        self._atp_ready: tuple[int, int, float, tuple[MaterialLine, ...]] | None = None
        self._supply_view: tuple[float, _SupplyView] | None = None
        self._free = FileCapacity(model.plant)
        self._terms_of: dict[str, tuple[float, float, float, int, str]] = {}
        self._usable_from: dict[dt.date, float] = {}
        self._surges = [d for d in scenario.disruptions if d.kind == "demand_surge"]
        self._outages: dict[str, list[Disruption]] = {}
        for d in scenario.disruptions:
            if d.kind == "supplier_outage" and d.supplier is not None:
                self._outages.setdefault(d.supplier, []).append(d)

    # --- QuoteContext ---------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.sim.now

    @property
    def in_system(self) -> int:
        return len(self.open)

    def _days(self, order: BtoOrder, delivered: dt.date) -> int:
        assert order.accepted is not None
        return self.calendar.working_days_between(order.accepted, delivered)

    def atp(self, order: BtoOrder) -> int:
        return self._atp_plan(order)[0]

    def _atp_plan(self, order: BtoOrder) -> tuple[int, float, tuple[MaterialLine, ...]]:
        """The ATP quote, when its plan is ready to ship (days), and its material lines."""
        found = self._atp_ready
        if found is None or found[0] != order.id:
            assert order.demand is not None
            planned = plan(order.demand.bom, self.calendar, self._supply(), self._free,
                           self.clock.moment(self.now), self.model.carrier)
            order.atp = self._days(order, planned.delivered)
            found = self._atp_ready = (order.id, order.atp, self.clock.day(planned.ready),
                                       planned.materials)
        return found[1:]

    def ctp(self, order: BtoOrder) -> int:
        if order.ctp is None:
            assert order.demand is not None
            moment = self.clock.moment(self.now)
            # A CTP plan is ready no earlier than the ATP plan: project the backlog to a week
            # after that first, and further only when the plan runs past (the projected
            # schedule up to its horizon is exact). Its material lines are the ATP plan's:
            # the same supply at the same time.
            _, ready, materials = self._atp_plan(order)
            for until in (ready + PROJECTION_DAYS, math.inf):
                capacity = self._capacity(until)
                planned = plan(order.demand.bom, self.calendar, self._supply(), capacity,
                               moment, self.model.carrier, materials=materials)
                if self.clock.day(planned.ready) <= capacity.until:
                    break
            order.ctp = self._days(order, planned.delivered)
        return order.ctp

    def _supply(self) -> _SupplyView:
        if self._supply_view is None or self._supply_view[0] != self.now:
            self._supply_view = (self.now, _SupplyView(self))
        return self._supply_view[1]

    # --- the backlog's projected schedule ---------------------------------------------------
    def _capacity(self, until: float) -> Projected:
        """The backlog's projected schedule, exact at least up to ``until`` (days)."""
        cached = self._projection
        if cached is None or cached[0] != self.now:
            cached = self._projection = (self.now, Projection(self), None)
        now, projection, shown = cached
        if shown is None or shown.until < until:
            clock = self.clock
            until_w = clock.work(until) if until < math.inf else math.inf
            spans = {wc: found for wc, found in projection.advance(until_w).items() if found}
            # Whole seconds: the Scheduler moves past a busy stretch via a datetime, which
            # keeps only microseconds; an end between two microseconds would never be passed.
            seconds = clock.timestamps([x for found in spans.values() for ab in found
                                        for x in ab])
            starts = np.floor(seconds[0::2]).astype(np.int64).tolist()
            ends = np.ceil(seconds[1::2]).astype(np.int64).tolist()
            profiles = {}
            i = 0
            for wc, found in spans.items():
                j = i + len(found)
                profiles[wc] = BusyProfile.of(self.centres[wc].stations,
                                              list(zip(starts[i:j], ends[i:j], strict=True)))
                i = j
            shown = Projected(self.model.plant, profiles, until, self._free)
            self._projection = (now, projection, shown)
        return shown

    # --- the run ----------------------------------------------------------------------------
    def go(self) -> ShopRun:
        for policy in self.learning:
            policy.reset()
        for disruption in self.model.scenario.disruptions:
            if disruption.kind in ("capacity_loss", "shutdown"):
                hit = [self.centres[disruption.work_centre]] if disruption.work_centre \
                    else list(self.centres.values())
                lose = (disruption.stations, hit)
                self.sim.schedule(max(0.0, self._window(disruption)[0]), self._lose, lose)
                self.sim.schedule(max(0.0, self._window(disruption)[1]), self._restore, lose)
        self.sim.schedule(self.gap() / self._demand_factor(0.0), self._arrive)
        self.sim.run()
        return self._result()

    def _arrive(self, _: object) -> None:
        now = self.sim.now
        product = int(self.pick())
        order = BtoOrder(self.count, now, 0.0, demand=self.pool[product], product=product)
        self.count += 1
        accepted_at = self.calendar.order_accepted(self.clock.moment(now))
        order.accepted = accepted_at.date()
        for policy in self.policies:
            order.quotes[policy.name] = policy.quote(self, order)
        if self.edd and self.dispatch_by is not None:
            quoted = order.quotes[self.dispatch_by]
            if math.isfinite(quoted):
                order.due = float(self.calendar.add_working_days(
                    order.accepted, max(0, math.ceil(quoted - EPS))).toordinal())
        self._start(order, max(now, self.clock.day(accepted_at)))
        following = now + self.gap() / self._demand_factor(now)
        if following < self.horizon:
            self.sim.schedule(following, self._arrive)

    # --- disruptions --------------------------------------------------------------------
    def _window(self, disruption: Disruption) -> tuple[float, float]:
        """A disruption's window in days since the start of the run."""
        zone = self.calendar.zone
        return (self.clock.day(dt.datetime.combine(disruption.start, dt.time(0), tzinfo=zone)),
                self.clock.day(dt.datetime.combine(disruption.start, dt.time(0), tzinfo=zone))
                + disruption.days)

    def _demand_factor(self, t: float) -> float:
        factor = 1.0
        for disruption in self._surges:
            start, end = self._window(disruption)
            if start <= t < end:
                factor *= disruption.factor
        return factor

    def _lose(self, lose: tuple[int | None, list[Centre]]) -> None:
        stations, hit = lose
        for centre in hit:
            centre.lost += centre.stations if stations is None else stations
            centre.capacity = max(0, centre.stations - centre.lost)

    def _restore(self, lose: tuple[int | None, list[Centre]]) -> None:
        stations, hit = lose
        for centre in hit:
            centre.lost -= centre.stations if stations is None else stations
            centre.capacity = max(0, centre.stations - centre.lost)
            while centre.queue and centre.busy < centre.capacity:
                self._begin(centre, *heapq.heappop(centre.queue)[2:])

    def _start(self, order: BtoOrder, accepted: float) -> None:
        """Reserve material, buy, and queue the order's work."""
        assert order.demand is not None
        bom = order.demand.bom
        rng = self.model.order_generator(self.seed, order.id)
        nodes: list[Node] = []

        def node_of(part: str | None, parent: Node | None, children: Sequence[BomNode],
                    operations: Sequence[Any], units: Decimal) -> Node:
            self.uid += 1
            node = Node(self.uid, order, part, parent)
            nodes.append(node)
            for child in children:
                if child.type == "made":
                    node.children.append(node_of(child.part, node, child.children,
                                                 child.operations, child.total))
                elif child.type == "purchased":
                    node.lines.append(Line(node, child.part, float(child.total)))
            if operations:
                whole = units == units.to_integral_value() and 0 < units <= MAX_UNIT_JOBS
                per = [(op.work_centre, float(op.minutes if whole else op.minutes * units))
                       for op in operations]
                count = int(units) if whole else (1 if units > 0 else 0)
                for _ in range(count):
                    node.chains.append([(wc, m, m) for wc, m in per])
            node.progress = [0] * len(node.chains)
            node.waiting += len(node.lines) + len(node.children)
            return node

        root = node_of(None, None, bom.nodes, bom.operations, Decimal(bom.qty))
        draws_ops = sum(len(chain) for n in nodes for chain in n.chains)
        draws_lines = sum(len(n.lines) for n in nodes)
        # as Python floats: the same doubles, without numpy's scalar arithmetic
        normal = rng.standard_normal(draws_ops + draws_lines).tolist()
        extra = int(rng.poisson(self.model.scenario.transit_delay_days)) \
            if self.model.scenario.transit_delay_days > 0 else 0
        order.extra_transit = extra
        i = 0
        spread = self._spread
        for node in nodes:
            for chain in node.chains:
                for k, (wc, planned, _) in enumerate(chain):
                    sigma, half = spread[wc]
                    chain[k] = (wc, planned, planned * math.exp(sigma * normal[i] - half))
                    i += 1
        self.open[order.id] = order
        self.roots[order.id] = root
        for node in nodes:
            for line in node.lines:
                self._material(line, accepted, normal[i])
                i += 1
        self.sim.schedule(accepted, self._accepted, nodes)

    def _terms(self, part: str) -> tuple[float, float, float, int, str]:
        """A part's purchase terms as the simulation draws them: response days, median lead
        time, lognormal sigma, nominal days, supplier (read once per run and part)."""
        found = self._terms_of.get(part)
        if found is None:
            source = self.model.supply.sourcing[part]
            supplier = self.model.supply.suppliers.get(source.supplier)
            response = float(supplier.response_days) if supplier else 0.0
            median = float(source.lead_time_days)
            spread = self.model.scenario.lead_time_spread_days
            sd = float(source.lead_time_spread_days) if spread is None else spread
            found = self._terms_of[part] = (response, median,
                                            lognormal_sigma_median(median, sd),
                                            math.ceil(response + median), source.supplier)
        return found

    def _purchase(self, part: str, accepted_day: dt.date, z: float) -> tuple[dt.date, dt.date]:
        """The nominal and the actual day a purchase placed on ``accepted_day`` arrives."""
        response, median, sigma, nominal, supplier = self._terms(part)
        actual = response + median * math.exp(sigma * z)
        add = self.calendar.add_working_days
        arrives = add(accepted_day, max(0, math.ceil(actual - EPS)))
        for outage in self._outages.get(supplier, ()):
            if outage.start <= arrives < outage.end:  # delivered once the supplier is back
                arrives = self.calendar.next_working_day(outage.end)
        return add(accepted_day, nominal), arrives

    def _usable(self, day: dt.date, accepted: float) -> float:
        # when material arriving on a day is usable depends on the day alone: asked for
        # every purchased line, so read off the calendar once per day
        found = self._usable_from.get(day)
        if found is None:
            found = self._usable_from[day] = self.clock.day(
                self.calendar.material_available(day))
        return found if found > accepted else accepted

    def _material(self, line: Line, accepted: float, z: float) -> None:
        accepted_day = line.node.order.accepted
        assert accepted_day is not None
        nominal, actual = self._purchase(line.part, accepted_day, z)
        if line.part not in self.stock:  # bought to order
            line.nominal = self._usable(nominal, accepted)
            self.sim.schedule(self._usable(actual, accepted), self._line_ready, line)
            return
        self.po_count += 1
        po = Replenishment(f"R{self.po_count}", line.part, line.qty, nominal)
        self.pos[line.part][po.id] = po
        self.sim.schedule(max(self.sim.now, self._usable(actual, self.sim.now)),
                          self._receive, po)
        line.nominal = self._usable(nominal, accepted)  # if it must wait for stock
        self.waiting[line.part].append(line)
        self.waiting_qty[line.part] += line.qty
        self._serve(line.part)

    def _serve(self, part: str) -> None:
        queue = self.waiting[part]
        while queue and self.stock[part] >= queue[0].qty - EPS:
            line = queue.popleft()
            self.stock[part] = max(0.0, self.stock[part] - line.qty)  # no -1e-13 from rounding
            self.waiting_qty[part] -= line.qty
            self.min_stock = min(self.min_stock, self.stock[part])
            self._line_ready(line)

    def _receive(self, po: Replenishment) -> None:
        del self.pos[po.part][po.id]
        self.stock[po.part] += po.qty
        self._serve(po.part)

    def _line_ready(self, line: Line) -> None:
        line.ready = True
        self._count_down(line.node)

    def _accepted(self, nodes: list[Node]) -> None:
        for node in nodes:
            self._count_down(node)

    def _count_down(self, node: Node) -> None:
        node.waiting -= 1
        if node.waiting == 0:
            node.released = True
            if not node.chains:
                self._node_done(node)
            for c, chain in enumerate(node.chains):
                self._submit(node, c, chain[0][0])

    def _submit(self, node: Node, chain: int, wc: str) -> None:
        centre = self.centres[wc]
        if centre.busy < centre.capacity:
            self._begin(centre, node, chain)
        else:
            self.tie += 1
            heapq.heappush(centre.queue, (node.order.due if self.edd else self.sim.now,
                                          self.tie, node, chain))

    def _begin(self, centre: Centre, node: Node, c: int) -> None:
        centre.busy += 1
        centre.max_busy = max(centre.max_busy, centre.busy)
        _, planned, actual = node.chains[c][node.progress[c]]
        start = self.clock.work(self.sim.now)
        centre.running[(node.uid, c)] = (start, planned)
        end = self.clock.time(start + actual) if actual > 0 else self.sim.now
        if self.record:  # as the clock reads them, so that a next start meets this end
            centre.jobs.append((start, self.clock.work(max(end, self.sim.now))))
        self.sim.schedule(max(end, self.sim.now), self._end, (centre, node, c))

    def _end(self, job: tuple[Centre, Node, int]) -> None:
        centre, node, c = job
        centre.busy -= 1
        del centre.running[(node.uid, c)]
        if centre.queue and centre.busy < centre.capacity:
            self._begin(centre, *heapq.heappop(centre.queue)[2:])
        node.progress[c] += 1
        chain = node.chains[c]
        if node.progress[c] < len(chain):
            self._submit(node, c, chain[node.progress[c]][0])
        elif all(p == len(ch) for p, ch in zip(node.progress, node.chains, strict=True)):
            self._node_done(node)

    def _node_done(self, node: Node) -> None:
        node.done = self.sim.now
        if node.parent is not None:
            self._count_down(node.parent)
            return
        order = node.order
        del self.open[order.id]
        del self.roots[order.id]
        carrier = self.model.carrier
        if order.extra_transit:
            carrier = dataclasses.replace(carrier, transit_days=carrier.transit_days
                                          + order.extra_transit)
        shipped = self.calendar.next_pickup(carrier, self.clock.moment(self.sim.now))
        order.delivered = self.calendar.delivered_on(carrier, shipped)
        order.lead_days = self._days(order, order.delivered)
        known = self.clock.day(dt.datetime.combine(
            order.delivered + dt.timedelta(days=1), dt.time(0), tzinfo=self.calendar.zone))
        order.done = known
        self.sim.schedule(max(known, self.sim.now), self._delivered, order)

    def _delivered(self, order: BtoOrder) -> None:
        for policy in self.learning:
            policy.observe(order)
        if self.warmup <= order.arrival < self.horizon:
            self.measured.append(order)

    def _result(self) -> ShopRun:
        orders = sorted(self.measured, key=lambda o: o.id)
        lead = np.array([float(o.lead_days or 0) for o in orders])
        segments = tuple(o.segment for o in orders)
        quoted = {}
        for policy in self.policies:
            quotes = np.array([o.quotes[policy.name] for o in orders])
            if isinstance(policy, SegmentHindsight):
                quotes = policy.settle_segments(lead, segments) if orders else quotes
            elif isinstance(policy, HindsightPolicy):
                quotes = policy.settle(lead) if orders else quotes
            quoted[policy.name] = quotes

        def known(values: Iterable[int | None]) -> npt.NDArray[np.float64]:
            return np.array([math.nan if v is None else float(v) for v in values])

        return ShopRun(
            self.seed, np.array([o.id for o in orders], dtype=np.int64),
            np.array([o.arrival for o in orders]), np.array([o.done or 0.0 for o in orders]),
            segments, np.array([o.product for o in orders], dtype=np.int64), lead, quoted,
            known(o.atp for o in orders), known(o.ctp for o in orders),
            {wc: c.max_busy for wc, c in self.centres.items()},
            {wc: c.stations for wc, c in self.centres.items()}, self.min_stock,
            {wc: c.jobs for wc, c in self.centres.items()} if self.record else {},
            {p.name: p.table() for p in self.policies if isinstance(p, BufferLearner)},
            np.array([o.accepted.toordinal() if o.accepted else 0 for o in orders],
                     dtype=np.int64),
            np.array([o.delivered.toordinal() if o.delivered else 0 for o in orders],
                     dtype=np.int64),
            tuple(d.configuration.values for d in self.pool))


# --- comparing policies per segment --------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SegmentSummary:
    """One policy on one segment (``all``, ``standard`` or ``custom``) across seeds."""

    policy: str
    segment: str
    summary: PolicySummary

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"policy": self.policy, "segment": self.segment, **self.summary.to_dict()}


@dataclass(frozen=True, slots=True)
class ShopComparison:
    """Policies compared on a build-to-order model: summaries per policy and segment, in
    working days, with 95% intervals across seeds; and every run's metrics."""

    model: dict[str, Any]
    summaries: tuple[SegmentSummary, ...]
    runs: tuple[tuple[str, RunMetrics], ...]
    #: per learning policy, the buffers it held at the end of each seed's run
    tables: dict[str, tuple[BufferTable, ...]] = dataclasses.field(default_factory=dict)
    #: the policies settled after the run, which no plant can use to quote
    hindsight: tuple[str, ...] = ()

    def recommended(self, target: float, tolerance: float = 0.01) -> str | None:
        """The policy a plant can use (not settled in hindsight) with the shortest mean
        quote among those on time at least ``target`` - ``tolerance`` overall and at least
        ``target`` - 2 x ``tolerance`` in every segment; None when no policy is."""
        best: tuple[float, str] | None = None
        for found in self.summaries:
            name = found.policy
            if found.segment != "all" or name in self.hindsight:
                continue
            rates = [s.summary.on_time_rate.mean for s in self.summaries
                     if s.policy == name and s.segment != "all"]
            if found.summary.on_time_rate.mean < target - tolerance - 1e-12 \
                    or any(r < target - 2 * tolerance - 1e-12 for r in rates):
                continue
            quote = found.summary.quoted_mean.mean
            if best is None or quote < best[0]:
                best = (quote, name)
        return None if best is None else best[1]

    def get(self, policy: str, segment: str = "all") -> PolicySummary:
        """The summary of one policy on one segment."""
        for found in self.summaries:
            if found.policy == policy and found.segment == segment:
                return found.summary
        raise KeyError(f"no summary for policy {policy!r}, segment {segment!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"model": self.model, "summaries": [s.to_dict() for s in self.summaries],
                "runs": [{"segment": s, **r.to_dict()} for s, r in self.runs],
                "buffers": {name: [t.to_dict() for t in found]
                            for name, found in self.tables.items()},
                "hindsight": list(self.hindsight)}


def compare_shop(model: BuildToOrder, policies: Sequence[Policy] | None = None,
                 seeds: Iterable[int] | None = None,
                 progress: Callable[[int], None] | None = None,
                 horizon_days: float | None = None, warmup_days: float | None = None,
                 workers: int = 1,
                 keep: Callable[[int, Mapping[str, ShopRun]], None] | None = None
                 ) -> ShopComparison:
    """Every policy on every seed, on one history per seed; ``progress(seed)`` after each
    seed; ``keep(seed, runs)`` receives each seed's histories (policy name -> run) at the end.
    Defaults: the model's policies and the scenario's seeds.

    ``workers`` > 1 runs seeds in that many processes, each with its own copy of the model
    (built from the scenario); the results are the same as in one process, seed for seed.
    """
    chosen = list(model.policies() if policies is None else policies)
    names = [p.name for p in chosen]
    if not chosen or len(set(names)) != len(names):
        raise ValueError(f"policies need distinct names: {', '.join(names)}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    order = list(range(model.scenario.seeds) if seeds is None else seeds)
    histories: dict[int, dict[str, ShopRun]] = {}
    if workers == 1 or len(order) < 2:
        for seed in order:
            histories[seed] = _seed_runs(model, chosen, seed, horizon_days, warmup_days)
            if progress is not None:
                progress(seed)
    else:
        import multiprocessing
        import threading
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # fork shares the loaded model for free, but a forked copy of a process running
        # other threads may hang: then spawn, which builds the model again from the scenario
        # (and, like every spawn, needs the calling script guarded by __name__ == "__main__")
        forking = "fork" in multiprocessing.get_all_start_methods() \
            and threading.active_count() == 1
        with ProcessPoolExecutor(min(workers, len(order)),
                                 mp_context=multiprocessing.get_context(
                                     "fork" if forking else "spawn"),
                                 initializer=_worker_start,
                                 initargs=(model if forking else model.scenario,)) as pool:
            futures = {pool.submit(_worker_run, chosen, seed, horizon_days, warmup_days): seed
                       for seed in order}
            for future in as_completed(futures):
                histories[futures[future]] = future.result()
                if progress is not None:
                    progress(futures[future])
    runs: list[tuple[str, RunMetrics]] = []
    for seed in order:
        if keep is not None:
            keep(seed, histories[seed])
        for name in names:
            for segment in SEGMENTS:
                outcomes = histories[seed][name].outcomes(name, segment)
                if len(outcomes.ids):
                    runs.append((segment, measure(name, seed, outcomes)))
    summaries = tuple(
        SegmentSummary(name, segment, summarize(found))
        for name in names for segment in SEGMENTS
        if (found := [r for s, r in runs if s == segment and r.policy == name]))
    tables = {name: tuple(histories[seed][name].tables[name] for seed in order)
              for name in names if order and name in histories[order[0]][name].tables}
    hindsight = tuple(p.name for p in chosen
                      if isinstance(p, SegmentHindsight | HindsightPolicy))
    return ShopComparison(model.to_dict(), summaries, tuple(runs), tables, hindsight)


_WORKER_MODEL: list[BuildToOrder] = []


def _worker_start(model: BuildToOrder | Scenario) -> None:
    _WORKER_MODEL[:] = [model if isinstance(model, BuildToOrder) else BuildToOrder.of(model)]


def _worker_run(policies: Sequence[Policy], seed: int, horizon_days: float | None,
                warmup_days: float | None) -> dict[str, ShopRun]:
    return _seed_runs(_WORKER_MODEL[0], policies, seed, horizon_days, warmup_days)


def _seed_runs(model: BuildToOrder, policies: Sequence[Policy], seed: int,
               horizon_days: float | None, warmup_days: float | None) -> dict[str, ShopRun]:
    """Each policy's history of ``seed``: one shared by all when quotes do not change what
    the shop does (first come first served); one per policy when the shop dispatches by the
    promised dates."""
    if model.scenario.dispatch == "edd":
        return {p.name: model.run_many([p], seed, horizon_days=horizon_days,
                                       warmup_days=warmup_days) for p in policies}
    shared = model.run_many(policies, seed, horizon_days=horizon_days, warmup_days=warmup_days)
    return dict.fromkeys((p.name for p in policies), shared)
