"""The build-to-order shop model (issue 5, step 2): short seeded runs checked for invariants."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from configurator.quoting.buffers import BufferTable
from configurator.quoting.calendar import WorkCalendar
from configurator.scenario import Disruption
from configurator.simulation import (
    SEGMENTS,
    BestFixedPerSegment,
    BtoOrder,
    BufferedCtpQuote,
    BuildToOrder,
    ControlledCtpQuote,
    CtpQuote,
    FixedPerSegment,
    ScenarioError,
    ShopRun,
    WorkTime,
    compare_shop,
    load_scenario,
)
from configurator.simulation.calibration import (
    Calibration,
    CalibrationError,
    load_calibration,
    mean_buffers,
    save_calibration,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "catalogs" / "scenarios" / "ebike-085.yaml"
HORIZON, WARMUP = 45.0, 10.0  # days: a short run of a few hundred orders


@pytest.fixture(scope="module")
def model() -> BuildToOrder:
    """The e-bike scenario with a small configuration pool, to keep the tests quick."""
    return BuildToOrder.of(dataclasses.replace(load_scenario(SCENARIO), pool=30))


@pytest.fixture(scope="module")
def history(model: BuildToOrder) -> ShopRun:
    return model.run_many(model.policies(), seed=3, record=True, horizon_days=HORIZON,
                          warmup_days=WARMUP)


def test_scenario_file_reads_back(model: BuildToOrder) -> None:
    scenario = model.scenario
    assert scenario.rho == 0.85 and scenario.target == 0.95
    assert scenario.catalog.name == "ebike.yaml"
    json.dumps(model.to_dict())


def test_the_bottleneck_is_loaded_to_rho(model: BuildToOrder) -> None:
    load = model.utilisation()
    assert load[model.bottleneck] == pytest.approx(model.scenario.rho)
    assert max(load.values()) == pytest.approx(model.scenario.rho)


def test_every_order_is_delivered_after_it_arrives(history: ShopRun) -> None:
    assert len(history.ids) > 50
    assert np.all(history.delivered_day > history.arrival)
    assert np.all(history.lead_time >= 0)
    assert np.all((history.arrival >= WARMUP) & (history.arrival < HORIZON))


def _most_at_once(jobs: list[tuple[float, float]]) -> int:
    events = sorted([(a, 1) for a, b in jobs if b > a] + [(b, -1) for a, b in jobs if b > a])
    busy = most = 0
    for _, step in events:  # an end sorts before a start at the same moment
        busy += step
        most = max(most, busy)
    return most


def test_no_work_centre_runs_more_jobs_than_stations(history: ShopRun) -> None:
    assert sum(len(j) for j in history.jobs.values()) > 100
    for wc, jobs in history.jobs.items():
        assert _most_at_once(jobs) <= history.capacity[wc], wc
        assert history.max_busy[wc] <= history.capacity[wc]


def test_stock_never_goes_negative(history: ShopRun) -> None:
    assert history.min_stock >= 0


def test_ctp_is_never_shorter_than_atp(history: ShopRun) -> None:
    quoted = ~np.isnan(history.ctp)
    assert quoted.sum() == len(history.ids)
    assert np.all(history.ctp >= history.atp)


def test_same_seed_same_history(model: BuildToOrder, history: ShopRun) -> None:
    again = model.run_many(model.policies(), seed=3, record=True, horizon_days=HORIZON,
                           warmup_days=WARMUP)
    assert np.array_equal(again.ids, history.ids)
    assert np.array_equal(again.lead_time, history.lead_time)
    assert np.array_equal(again.delivered_day, history.delivered_day)
    for name, quotes in history.quoted.items():
        assert np.array_equal(again.quoted[name], quotes), name


def test_another_seed_another_history(model: BuildToOrder, history: ShopRun) -> None:
    other = model.run_many(model.policies()[:1], seed=4, horizon_days=HORIZON,
                           warmup_days=WARMUP)
    assert not np.array_equal(other.arrival[:20], history.arrival[:20])


def test_policies_share_one_history(model: BuildToOrder, history: ShopRun) -> None:
    """Common random numbers: the shop does the same whichever policies quote."""
    alone = model.run_many([FixedPerSegment({"standard": 1, "custom": 2})], seed=3,
                           horizon_days=HORIZON, warmup_days=WARMUP)
    assert np.array_equal(alone.lead_time, history.lead_time)
    assert np.all(np.isnan(alone.ctp))  # nobody asked for a CTP plan


@pytest.mark.parametrize("seed", [1, 11])
def test_ctp_is_exact_when_nothing_varies(model: BuildToOrder, seed: int) -> None:
    """With every operation taking its planned minutes, every purchase arriving on its nominal
    date and no transit delay, the backlog's projection is what happens: the CTP quote of
    the last order (which no later order can delay) is its lead time to the day."""
    exact = BuildToOrder.of(dataclasses.replace(
        model.scenario, lead_time_spread_days=0.0, work_time_spread=0.0,
        transit_delay_days=0.0))
    history = exact.run_many([CtpQuote()], seed, horizon_days=20.0 + seed, warmup_days=0.0)
    last = int(history.ids.argmax())
    assert history.ctp[last] == history.lead_time[last]


def test_no_look_ahead(model: BuildToOrder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing the random numbers of orders from the k-th on changes no quote given before
    the k-th order arrived (nor the k-th's own), but does change what happens after."""
    base = model.run_many(model.policies(), seed=5, horizon_days=30, warmup_days=0)
    k = int(base.ids[len(base.ids) // 2])
    original = BuildToOrder.order_generator

    def other_numbers(self: BuildToOrder, seed: int, order: int) -> np.random.Generator:
        return original(self, seed + 1000 if order >= k else seed, order)

    monkeypatch.setattr(BuildToOrder, "order_generator", other_numbers)
    changed = model.run_many(model.policies(), seed=5, horizon_days=30, warmup_days=0)
    assert np.array_equal(changed.ids, base.ids)  # arrivals come from their own stream
    before = base.ids <= k
    for name, quotes in base.quoted.items():
        if name != "best fixed (hindsight)":  # settled from all lead times, by design
            assert np.array_equal(changed.quoted[name][before], quotes[before]), name
    assert not np.array_equal(changed.lead_time[~before], base.lead_time[~before])


def test_compare_shop_summarises_every_policy_and_segment(model: BuildToOrder) -> None:
    seen: list[int] = []
    result = compare_shop(model, seeds=[1], progress=seen.append, horizon_days=30,
                          warmup_days=5)
    assert seen == [1]
    names = [p.name for p in model.policies()]
    for name in names:
        summary = result.get(name)
        assert 0 <= summary.on_time_rate.mean <= 1
        assert summary.quoted_p50.mean <= summary.quoted_p95.mean
    assert {s.segment for s in result.summaries} <= set(SEGMENTS)
    hindsight = result.get("best fixed (hindsight)")
    assert hindsight.on_time_rate.mean >= model.scenario.target
    json.dumps(result.to_dict())


def test_option_weight_zero_never_drawn(model: BuildToOrder) -> None:
    scenario = dataclasses.replace(model.scenario, pool=25, option_weights={
        "frame": {"longjohn": 0, "trapeze": 1}, "colour": {"custom_ral": 0, "white": 1}})
    again = BuildToOrder.of(scenario)
    run = again.run_many([FixedPerSegment({"standard": 5})], seed=1, horizon_days=3,
                         warmup_days=0)
    assert len(run.ids) > 0
    from configurator.simulation.demand import draw_pool

    pool = draw_pool(again.catalog, 25, np.random.default_rng(1), scenario.option_weights)
    assert all(c.values["frame"] == "trapeze" and c.values["colour"] == "white" for c in pool)


# --- the parts, one at a time ---------------------------------------------------------------

@pytest.fixture(scope="module")
def clock(model: BuildToOrder) -> WorkTime:
    return WorkTime(model.calendar, dt.datetime(2027, 1, 4, tzinfo=model.calendar.zone))


@settings(max_examples=60, deadline=None)
@given(t=st.floats(0, 400), minutes=st.floats(0.01, 5000))
def test_work_time_agrees_with_the_calendar(clock: WorkTime, t: float, minutes: float
                                            ) -> None:
    calendar: WorkCalendar = clock.calendar
    expected = calendar.add_work_minutes(clock.moment(t), minutes)
    got = clock.moment(clock.after(t, minutes))
    assert abs((got - expected).total_seconds()) < 0.01


def _order(segment: str, ctp: int, lead: int) -> BtoOrder:
    order = BtoOrder(0, 0.0, 0.0, ctp=ctp, lead_days=lead)
    object.__setattr__(order, "demand", _Segment(segment))
    return order


@dataclasses.dataclass
class _Segment:
    segment: str


@settings(max_examples=80, deadline=None)
@given(lateness=st.lists(st.integers(-5, 30), min_size=1, max_size=200),
       target=st.sampled_from([0.5, 0.8, 0.9, 0.95]))
def test_buffer_is_the_smallest_meeting_the_target(lateness: list[int], target: float) -> None:
    policy = BufferedCtpQuote(target, bands=(), window=None)  # the plain running quantile
    for late in lateness:
        policy.observe(_order("custom", 10, 10 + late))
    buffer = policy.buffer("custom")
    values = np.array(lateness)
    assert np.mean(values <= buffer) >= target
    assert np.mean(values <= buffer - 1) < target or buffer == values.min()
    assert policy.buffer("standard") == 0  # another segment learns on its own
    policy.reset()
    assert policy.buffer("custom") == 0


def _quantile(values: list[int], target: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, int(np.ceil(target * len(ordered) - 1e-9))) - 1] if values else 0


@settings(max_examples=60, deadline=None)
@given(deliveries=st.lists(st.tuples(st.integers(0, 30), st.integers(-5, 15)), max_size=150),
       window=st.integers(1, 40), min_orders=st.integers(1, 10), ctp=st.integers(0, 30))
def test_buffer_of_a_band_is_its_recent_quantile(deliveries: list[tuple[int, int]],
                                                 window: int, min_orders: int, ctp: int
                                                 ) -> None:
    bands = (4, 8, 16)
    policy = BufferedCtpQuote(0.9, bands=bands, window=window, min_orders=min_orders)
    for quoted, late in deliveries:
        policy.observe(_order("standard", quoted, quoted + late))

    def band(days: int) -> int:
        return sum(days >= edge for edge in bands)

    same = [late for quoted, late in deliveries if band(quoted) == band(ctp)][-window:]
    if len(same) < min_orders:  # too few: the segment's recent deliveries of any band
        same = [late for _, late in deliveries][-window:]
    assert policy.buffer("standard", ctp) == _quantile(same, 0.9)
    table = policy.table()
    assert table.bands == bands
    if deliveries:
        assert table.buffer("standard", ctp) == policy.buffer("standard", ctp)


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.tuples(st.sampled_from(["standard", "custom"]), st.integers(0, 60)),
                     min_size=1, max_size=150))
def test_best_fixed_per_segment_meets_the_target_in_each(data: list[tuple[str, int]]) -> None:
    segments = [s for s, _ in data]
    lead = np.array([float(x) for _, x in data])
    quotes = BestFixedPerSegment(0.9).settle_segments(lead, segments)
    for segment in set(segments):
        mask = np.asarray(segments) == segment
        assert len(set(quotes[mask])) == 1
        assert np.mean(lead[mask] <= quotes[mask]) >= 0.9
        assert np.mean(lead[mask] <= quotes[mask][0] - 1) < 0.9


# --- scenario files -------------------------------------------------------------------------

def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    (tmp_path / "x.yaml").write_text("format: bto-catalog/1\n", encoding="utf-8")
    path = folder / "s.scenario"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "format: bto-scenario/1\ncatalog: ../x.yaml\n"


@pytest.mark.parametrize(("text", "message", "line"), [
    ("format: bto-scenario/2\ncatalog: ../x.yaml\n", "not bto-scenario/1", 1),
    ("format: bto-scenario/1\n", "required key 'catalog'", 1),
    (GOOD + "rho: 1.2\n", "rho must be between 0 and 1", 3),
    (GOOD + "rho: high\n", "rho", 3),
    (GOOD + "years: 1\nwarmup_years: 2\n", "warmup_years (2) must be shorter", 4),
    (GOOD + "seeds: 2.5\n", "seeds must be a whole number", 3),
    (GOOD + "speed: 3\n", "unknown key 'speed'", 3),
    (GOOD + "option_weights: {frame: {a: -1}}\n", "option_weights.frame.a", 3),
    (GOOD + "fixed_lead_time_days: soon\n", "fixed_lead_time_days", 3),
    (GOOD + "start: someday\n", "start must be a date", 3),
    (GOOD + "dispatch: lifo\n", "dispatch 'lifo' is not one of fcfs, edd", 3),
    (GOOD + "disruptions:\n  - {kind: strike, start: 2027-01-04, days: 3}\n",
     "disruption kind 'strike' is not one of", 4),
    (GOOD + "disruptions:\n  - {kind: supplier_outage, start: 2027-01-04, days: 3}\n",
     "a supplier_outage needs 'supplier'", 4),
    (GOOD + "disruptions:\n  - {kind: shutdown, start: 2027-01-04, days: 3, factor: 2}\n",
     "a shutdown has no 'factor'", 4),
    (GOOD + "disruptions:\n  - {kind: shutdown, start: 2027-01-04, days: 0}\n",
     "disruption days must be more than 0", 4),
    (GOOD + "disruptions:\n  - {kind: demand_surge, start: 2027-01-04, days: 3, factor: 0}\n",
     "factor must be more than 0", 4),
    (GOOD + "disruptions:\n  - {kind: capacity_loss, work_centre: a, stations: 0, "
     "start: 2027-01-04, days: 3}\n", "stations must be at least 1", 4),
    ("format: bto-scenario/1\ncatalog: ../missing.yaml\n", "does not exist", 2),
    ("format: [\n", "", 2),
])
def test_bad_scenarios_say_what_and_where(tmp_path: Path, text: str, message: str, line: int
                                          ) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    found = [p for p in info.value.problems if message in p.message]
    assert found, [p.message for p in info.value.problems]
    assert (found[0].file, found[0].line) == (str(path), line)
    assert str(path) in str(info.value)


def test_a_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "none.scenario")


def test_scenario_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, GOOD + "fixed_lead_time_days: 9\n"
                                    "option_weights: {frame: {none: 2, a: 1}}\n"
                                    "work_time_spread: {paint: 0.2}\n"))
    assert scenario.catalog == tmp_path / "x.yaml"
    assert scenario.fixed_lead_time_days == {"standard": 9, "custom": 9}
    assert scenario.option_weights == {"frame": {"none": 2.0, "a": 1.0}}
    assert scenario.work_time_spread == {"paint": 0.2}
    assert (scenario.rho, scenario.years, scenario.seeds) == (0.85, 3.0, 10)


# --- step 3: the adaptive controller and the calibration file ----------------------------

def _delivered(lead: int, quoted: float, ctp: int, name: str) -> BtoOrder:
    """A delivered order of the standard segment (an order without a demand is standard)."""
    order = BtoOrder(0, 0.0, 0.0, ctp=ctp, lead_days=lead)
    order.quotes[name] = quoted
    return order


@given(st.lists(st.booleans(), min_size=1, max_size=300),
       st.floats(0.5, 0.99), st.floats(0.01, 1.0))
def test_controller_integral_moves_against_the_gap(late: list[bool], target: float,
                                                   gain: float) -> None:
    policy = ControlledCtpQuote(target, gain=gain, proportional=0.0)
    for was_late in late:
        before = policy.buffer("standard")
        policy.observe(_delivered(5 if was_late else 3, 4.0, 3, policy.name))
        after = policy.buffer("standard")
        # a late order raises the buffer, an order on time lowers it
        assert (after > before) if was_late else (after < before)
    expected = gain * (sum(late) - (1 - target) * len(late))
    assert policy.buffer("standard") == pytest.approx(expected, abs=1e-9)
    assert policy.buffer("custom") == 0.0
    policy.reset()
    assert policy.buffer("standard") == 0.0


@given(st.lists(st.integers(-5, 20), min_size=1, max_size=60), st.integers(1, 30))
def test_controller_feed_forward_is_the_windowed_quantile(lateness: list[int], window: int
                                                         ) -> None:
    policy = ControlledCtpQuote(0.9, gain=0.0, proportional=0.0, feed_forward=True, bands=(),
                                band_window=window, min_orders=1)
    for late_by in lateness:
        policy.observe(_delivered(10 + late_by, 100.0, 10, policy.name))
    assert policy.buffer("standard") == _quantile(lateness[-window:], 0.9)


@given(st.lists(st.booleans(), min_size=1, max_size=300), st.floats(-3, 0), st.floats(0, 3))
def test_controller_integral_stays_within_its_limits(late: list[bool], low: float,
                                                     high: float) -> None:
    policy = ControlledCtpQuote(0.9, gain=0.5, proportional=0.0, limits=(low, high))
    for was_late in late:
        policy.observe(_delivered(5 if was_late else 3, 4.0, 3, policy.name))
        assert low - 1e-9 <= policy.correction("standard") <= high + 1e-9


def test_controller_starts_from_its_initial_buffers() -> None:
    policy = ControlledCtpQuote(0.95, initial={"custom": 4.0})
    assert (policy.buffer("custom"), policy.buffer("standard")) == (4.0, 0.0)
    with pytest.raises(ValueError, match="controller"):
        ControlledCtpQuote(1.5)


def test_controller_steers_a_run_toward_the_target(history: ShopRun) -> None:
    ctp, controlled = (history.outcomes(name) for name in ("CTP", "CTP + controller"))
    rate = [float(np.mean(o.lead_time <= o.quoted)) for o in (ctp, controlled)]
    assert rate[0] < 0.9  # CTP alone runs late; the controller learns to add to it
    assert rate[1] > rate[0]
    assert np.all(controlled.quoted >= 0)


@st.composite
def _tables(draw: st.DrawFn) -> BufferTable:
    bands = tuple(sorted(draw(st.sets(st.integers(1, 60), max_size=5))))
    days = draw(st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.one_of(st.tuples(st.integers(-260, 260)),
                  st.lists(st.integers(-260, 260), min_size=len(bands) + 1,
                           max_size=len(bands) + 1).map(tuple)), max_size=4))
    return BufferTable(bands, days)


@given(st.text(min_size=1, max_size=20).filter(str.strip), st.dates(), st.floats(0.01, 0.99),
       _tables(), st.integers(1, 50))
def test_calibration_round_trips(name: str, created: dt.date, target: float,
                                 buffers: BufferTable, seeds: int) -> None:
    import tempfile

    calibration = Calibration(name, created, buffers, "CTP + buffer", target, seeds)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.yaml"
        save_calibration(path, calibration)
        assert load_calibration(path) == calibration
        assert [p.name for p in Path(folder).iterdir()] == ["c.yaml"]  # no temporary left
    json.dumps(calibration.to_dict())


def test_a_calibration_names_its_scenario() -> None:
    with pytest.raises(ValueError, match="names its scenario"):
        Calibration(" \x85", dt.date(2026, 11, 25))


@pytest.mark.parametrize(("text", "message", "line"), [
    ("format: bto-calibration/2\n", "not bto-calibration/1", 1),
    ("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\n", "buffer_days", 1),
    ("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\nbuffer_days: {a: 1.5}\n",
     "buffer_days.a must be a whole number", 4),
    ("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\nbuffer_days:\n  a: 999\n",
     "at most 260", 5),
    ("format: bto-calibration/1\nscenario: s\ncreated: soon\nbuffer_days: {}\n",
     "created must be a date", 3),
    ("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\nbuffer_days: {}\n"
     "target: 2\n", "target must be between 0 and 1", 5),
    ("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\nbands: [8, 4]\n"
     "buffer_days: {}\n", "bands must be ascending", 4),
    ("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\nbands: [4, 8]\n"
     "buffer_days: {a: [1, 2]}\n", "one per band (3 for 2 band edges), not 2", 5),
    ("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\nbands: 4\n"
     "buffer_days: {}\n", "bands must be a list", 4),
])
def test_bad_calibrations_say_what_and_where(tmp_path: Path, text: str, message: str,
                                             line: int) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalibrationError) as info:
        load_calibration(path)
    found = [p for p in info.value.problems if message in p.message]
    assert found, [p.message for p in info.value.problems]
    assert (found[0].file, found[0].line) == (str(path), line)


@given(st.lists(st.dictionaries(st.sampled_from(["standard", "custom"]),
                                st.lists(st.integers(-20, 50), min_size=3, max_size=3)),
                min_size=1, max_size=5))
def test_mean_buffers_round_up_the_mean(learned: list[dict[str, list[int]]]) -> None:
    tables = [BufferTable((4, 8), {s: tuple(d) for s, d in found.items()})
              for found in learned]
    found = mean_buffers(tables)
    for segment in found.days:
        for edge in (0, 4, 8):
            values = [t.buffer(segment, edge) for t in tables if segment in t.days]
            mean = sum(values) / len(values)
            days = found.buffer(segment, edge)
            assert days - 1 < mean + 1e-9 and mean <= days + 1e-9
    assert set(found.days) == {s for b in learned for s in b}


@given(st.floats(-3, 10))
def test_dithered_quotes_round_the_buffer_up_for_its_fraction_of_orders(buffer: float
                                                                        ) -> None:
    from configurator.simulation.policies import ShopState

    class Context:
        now, in_system = 0.0, 0

        def atp(self, order: BtoOrder) -> int:
            return 3

        def ctp(self, order: BtoOrder) -> int:
            return 20

    policy = ControlledCtpQuote(0.95, dither=True, initial={"standard": buffer})
    state: ShopState = Context()  # type: ignore[assignment]
    quotes = [policy.quote(state, BtoOrder(i, 0.0, 0.0)) for i in range(1024)]
    low = 20 + np.floor(buffer)
    assert set(quotes) <= {low, low + 1}
    assert abs(float(np.mean(quotes)) - (20 + buffer)) <= 2 / 1024 + 1e-9


# --- disruptions ----------------------------------------------------------------------------

def _disrupted(model: BuildToOrder, *disruptions: Disruption) -> BuildToOrder:
    return BuildToOrder.of(dataclasses.replace(model.scenario, disruptions=disruptions))


def _working_minutes(model: BuildToOrder, start: dt.date, days: int) -> tuple[float, float]:
    """The window of ``days`` days from ``start`` in the run's working minutes."""
    zone = model.calendar.zone
    clock = WorkTime(model.calendar, dt.datetime.combine(model.scenario.start, dt.time(0),
                                                         tzinfo=zone))
    return tuple(clock.work(clock.day(dt.datetime.combine(day, dt.time(0), tzinfo=zone)))
                 for day in (start, start + dt.timedelta(days=days)))  # type: ignore[return-value]


def test_a_shutdown_starts_no_operation(model: BuildToOrder) -> None:
    start = model.scenario.start + dt.timedelta(days=14)
    shut = _disrupted(model, Disruption("shutdown", start, 7))
    history = shut.run_many(shut.policies()[:1], 0, record=True, horizon_days=35,
                            warmup_days=0)
    low, high = _working_minutes(shut, start, 7)
    starts = [a for jobs in history.jobs.values() for a, _ in jobs]
    assert any(a < low for a in starts) and any(a >= high for a in starts)
    assert not [a for a in starts if low <= a < high]
    # and the same seed without it does work in that week
    plain = model.run_many(model.policies()[:1], 0, record=True, horizon_days=35,
                           warmup_days=0)
    assert [a for jobs in plain.jobs.values() for a, _ in jobs if low <= a < high]


def test_a_capacity_loss_leaves_fewer_stations(model: BuildToOrder) -> None:
    start = model.scenario.start + dt.timedelta(days=7)
    lost = _disrupted(model, Disruption("capacity_loss", start, 21, work_centre="assembly",
                                        stations=5))
    history = lost.run_many(lost.policies()[:1], 0, record=True, horizon_days=35,
                            warmup_days=0)
    low, high = _working_minutes(lost, start, 21)
    jobs = history.jobs["assembly"]
    # once the jobs under way at the start have ended, at most one station works at a time
    settled = max((b for a, b in jobs if a < low), default=low)
    inside = sorted((a, b) for a, b in jobs if settled <= a < high)
    assert inside
    assert all(b1 <= a2 + 1e-6 for (_, b1), (a2, _) in zip(inside, inside[1:], strict=False))


def test_a_supplier_outage_delays_its_deliveries_past_the_window(model: BuildToOrder) -> None:
    from configurator.simulation.bto import _Run

    supply = model.supply
    part, source = next((p, s) for p, s in supply.sourcing.items()
                        if s.supplier == "rahmenwerk")
    start = model.scenario.start + dt.timedelta(days=20)
    outage = Disruption("supplier_outage", start, 15, supplier="rahmenwerk")
    run = _Run(_disrupted(model, outage), [], 0, False, 10.0, 0.0)
    for offset in range(0, 40, 3):
        for z in (-2.0, -0.5, 0.0, 0.7, 2.5):
            _, arrives = run._purchase(part, model.scenario.start + dt.timedelta(days=offset), z)
            assert not outage.start <= arrives < outage.end
            assert model.calendar.is_working_day(arrives)


def test_a_demand_surge_brings_more_orders_in_its_window(model: BuildToOrder) -> None:
    start = model.scenario.start + dt.timedelta(days=10)
    surge = _disrupted(model, Disruption("demand_surge", start, 10, factor=2.0))
    plain = model.run_many([], 0, horizon_days=40, warmup_days=0)
    busy = surge.run_many([], 0, horizon_days=40, warmup_days=0)
    low = (start - model.scenario.start).days

    def within(run: ShopRun) -> int:
        return int(np.count_nonzero((run.arrival >= low) & (run.arrival < low + 10)))

    assert within(busy) > 1.6 * within(plain)
    assert np.count_nonzero(busy.arrival < low) == np.count_nonzero(plain.arrival < low)


def test_a_disruption_must_name_what_the_plant_has(model: BuildToOrder) -> None:
    start = model.scenario.start
    with pytest.raises(ValueError, match="no work centre 'kiln'"):
        _disrupted(model, Disruption("capacity_loss", start, 3, work_centre="kiln"))
    with pytest.raises(ValueError, match="no supplier 'acme'"):
        _disrupted(model, Disruption("supplier_outage", start, 3, supplier="acme"))


# --- earliest due date dispatching -----------------------------------------------------------

@pytest.fixture(scope="module")
def edd(model: BuildToOrder) -> BuildToOrder:
    return BuildToOrder.of(dataclasses.replace(model.scenario, dispatch="edd"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_edd_keeps_the_last_promise_when_nothing_varies(edd: BuildToOrder, seed: int) -> None:
    """Dispatching by the promised dates, with no randomness, the last order (which no later
    order can delay) is delivered no later than its CTP quote, and most promises hold."""
    exact = BuildToOrder.of(dataclasses.replace(
        edd.scenario, lead_time_spread_days=0.0, work_time_spread=0.0, transit_delay_days=0.0))
    history = exact.run_many([CtpQuote()], seed, horizon_days=20.0 + seed, warmup_days=0.0)
    last = int(history.ids.argmax())
    assert history.lead_time[last] <= history.ctp[last]
    fcfs = BuildToOrder.of(dataclasses.replace(exact.scenario, dispatch="fcfs"))
    plain = fcfs.run_many([CtpQuote()], seed, horizon_days=20.0 + seed, warmup_days=0.0)
    assert np.mean(history.lead_time <= history.ctp) > np.mean(plain.lead_time <= plain.ctp)


def test_edd_runs_one_history_per_policy(edd: BuildToOrder) -> None:
    fixed, ctp = FixedPerSegment({"standard": 12, "custom": 35}), CtpQuote()
    both = compare_shop(edd, [fixed, ctp], seeds=[4], horizon_days=30, warmup_days=5)
    alone = compare_shop(edd, [ctp], seeds=[4], horizon_days=30, warmup_days=5)
    # a policy's outcomes do not depend on which other policies are compared with it
    assert both.get("CTP").to_dict() == alone.get("CTP").to_dict()
    # and the shop works to each policy's own dates: the histories differ
    assert both.get("CTP").lead_time_mean.mean != both.get("fixed catalogue").lead_time_mean.mean


def test_seeds_in_processes_give_the_same_results(model: BuildToOrder) -> None:
    policies = model.policies()
    one = compare_shop(model, policies, seeds=[0, 1], horizon_days=25, warmup_days=5)
    two = compare_shop(model, policies, seeds=[0, 1], horizon_days=25, warmup_days=5,
                       workers=2)
    assert one.to_dict() == two.to_dict()
    with pytest.raises(ValueError, match="workers"):
        compare_shop(model, policies, seeds=[0], workers=0)


@pytest.mark.parametrize("target", [0.3, 0.6, 0.9, 0.99])
def test_recommended_policy_is_the_shortest_that_keeps_the_target(model: BuildToOrder,
                                                                  target: float) -> None:
    result = compare_shop(model, seeds=[2], horizon_days=30, warmup_days=5)
    assert "best fixed (hindsight)" in result.hindsight

    def keeps(name: str) -> bool:
        overall = result.get(name).on_time_rate.mean >= target - 0.01
        return overall and all(s.summary.on_time_rate.mean >= target - 0.02
                               for s in result.summaries
                               if s.policy == name and s.segment != "all")

    usable = [s.policy for s in result.summaries
              if s.segment == "all" and s.policy not in result.hindsight and keeps(s.policy)]
    chosen = result.recommended(target)
    if not usable:
        assert chosen is None
    else:
        assert chosen in usable
        assert result.get(chosen).quoted_mean.mean == min(
            result.get(name).quoted_mean.mean for name in usable)
