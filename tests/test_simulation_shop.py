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

from configurator.quoting.calendar import WorkCalendar
from configurator.simulation import (
    SEGMENTS,
    BestFixedPerSegment,
    BtoOrder,
    BufferedCtpQuote,
    BuildToOrder,
    ControlledCtpQuote,
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
    policy = BufferedCtpQuote(target)
    for late in lateness:
        policy.observe(_order("custom", 10, 10 + late))
    buffer = policy.buffer("custom")
    values = np.array(lateness)
    assert np.mean(values <= buffer) >= target
    assert np.mean(values <= buffer - 1) < target or buffer == values.min()
    assert policy.buffer("standard") == 0  # another segment learns on its own
    policy.reset()
    assert policy.buffer("custom") == 0


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
    policy = ControlledCtpQuote(0.9, gain=0.0, proportional=0.0, quantile_window=window)
    for late_by in lateness:
        policy.observe(_delivered(10 + late_by, 100.0, 10, policy.name))
    recent = sorted(lateness[-window:])
    k = max(1, -(-9 * len(recent) // 10))  # ceil(0.9 n)
    assert policy.buffer("standard") == recent[k - 1]


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


@given(st.text(min_size=1, max_size=20), st.dates(), st.floats(0.01, 0.99),
       st.dictionaries(st.text(min_size=1, max_size=10), st.integers(-260, 260), max_size=4),
       st.integers(1, 50))
def test_calibration_round_trips(name: str, created: dt.date, target: float,
                                 buffers: dict[str, int], seeds: int) -> None:
    import tempfile

    calibration = Calibration(name, created, buffers, "CTP + controller", target, seeds)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.yaml"
        save_calibration(path, calibration)
        assert load_calibration(path) == calibration
        assert [p.name for p in Path(folder).iterdir()] == ["c.yaml"]  # no temporary left
    json.dumps(calibration.to_dict())


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
                                st.floats(-20, 50)), min_size=1, max_size=5))
def test_mean_buffers_round_up_the_mean(learned: list[dict[str, float]]) -> None:
    found = mean_buffers(learned)
    for segment, days in found.items():
        values = [b[segment] for b in learned if segment in b]
        mean = sum(values) / len(values)
        assert days - 1 < mean + 1e-9 and mean <= days + 1e-9
    assert set(found) == {s for b in learned for s in b}


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
