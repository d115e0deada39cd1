"""``bto simulate`` and its SVG chart (issue 5, step 3): tiny runs of the example scenario."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from configurator._cli_simulate import simulate_command
from configurator.simulation.chart import ChartPoint, nice_ticks, scatter_svg

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = str(ROOT / "catalogs" / "scenarios" / "ebike-085.yaml")
#: about 15 simulated days after a 5-day warm-up, 8 configurations: a second or two a seed
TINY = ["--years", "0.055", "--warmup-years", "0.014", "--pool", "8"]
SVG = "{http://www.w3.org/2000/svg}"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(simulate_command, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                     SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def json_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], Path]:
    chart = tmp_path_factory.mktemp("chart") / "loads.svg"
    code, out, err = _run(SCENARIO, *TINY, "--seeds", "2", "--rho", "0.6", "--rho", "0.85",
                          "--policy", "CTP + buffer", "--policy", "fixed catalogue",
                          "--chart", str(chart), "--format", "json")
    assert code == 0, err
    assert "simulating ebike-085" in err  # the progress bar, on stderr
    return json.loads(out), chart


def test_json_has_every_load_policy_and_segment(json_run: tuple[dict[str, object], Path]
                                                ) -> None:
    data, chart = json_run
    assert data["chart"] == str(chart) and data["seeds"] == [0, 1]
    loads = data["loads"]
    assert isinstance(loads, list) and [load["rho"] for load in loads] == [0.6, 0.85]
    for load in loads:
        policies = {s["policy"] for s in load["summaries"]}
        assert policies == {"CTP + buffer", "fixed catalogue"}
        assert load["model"]["scenario"]["rho"] == load["rho"]
        for summary in load["summaries"]:
            assert 0 <= summary["on_time_rate"]["mean"] <= 1
            assert summary["seeds"] == [0, 1]


def test_chart_has_one_point_per_policy_and_load(json_run: tuple[dict[str, object], Path]
                                                 ) -> None:
    _, chart = json_run
    root = ET.parse(chart).getroot()
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert len(titles) == 4
    assert sum(t.startswith("CTP + buffer, rho = ") for t in titles) == 2
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    # a colour per policy, a marker per load level; no label crowds the points
    assert [t.text for t in legend.iter(f"{SVG}text")] == [
        "CTP + buffer", "fixed catalogue", "rho = 0.6", "rho = 0.85"]
    lines = [p for p in root.iter(f"{SVG}polyline") if p.get("class") == "series"]
    assert len(lines) == 2 and all(len(p.get("points", "").split()) == 2 for p in lines)
    outside = [t for t in root.iter(f"{SVG}text") if t.get("font-size") == "11"]
    assert outside == []


def test_text_table_and_chart_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(SCENARIO, *TINY, "--seeds", "1", "--policy", "ctp")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:4] == ["rho", "policy", "segment", "orders"]
    rows = [line for line in lines if line.startswith("0.85")]
    assert rows and all(" CTP " in row for row in rows)
    # CTP alone is never on time 95%: no policy to recommend, said so
    assert lines[-2] == "rho 0.85: no policy a plant can use kept 95% on time"
    assert lines[-1] == "chart: ebike-085.svg"
    assert (tmp_path / "ebike-085.svg").read_text(encoding="utf-8").startswith("<svg")


def test_no_chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(SCENARIO, *TINY, "--seeds", "1", "--policy", "ATP only", "--no-chart")
    assert code == 0 and "chart:" not in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--policy", "psychic"], "no policy 'psychic'"),
    (["--rho", "1.5"], "--rho"),
    (["--seeds", "0"], "--seeds"),
    (["--years", "1", "--warmup-years", "2"], "warmup_years"),
    (["--chart", "/no/such/folder/c.svg"], "no folder"),
    (["--format", "png"], "--format"),
])
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    code, out, err = _run(SCENARIO, *TINY, *args)
    assert code == 2, (out, err)
    assert message in err and "Traceback" not in err


def test_a_missing_scenario_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = _run(str(tmp_path / "none.yaml"))
    assert code == 2 and "does not exist" in err


@pytest.mark.parametrize(("text", "where"), [
    ("format: bto-scenario/1\ncatalog: ../x.yaml\nrho: 3\n", ":3:"),
    ("format: bto-scenario/1\ncatalog: ../x.yaml\nspeed: 1\n", ":3:1:"),
    ("format: [\n", ":2:"),
])
def test_scenario_problems_exit_1_with_their_position(tmp_path: Path, text: str, where: str
                                                      ) -> None:
    (tmp_path / "x.yaml").write_text("format: bto-catalog/1\n", encoding="utf-8")
    (tmp_path / "s").mkdir()
    path = tmp_path / "s" / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    chart = tmp_path / "c.svg"
    code, out, err = _run(str(path), "--chart", str(chart))
    assert code == 1 and out == ""
    assert f"{path}{where}" in err and "Traceback" not in err
    assert not chart.exists()


def test_a_broken_catalog_exits_1(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("format: bto-catalog/1\n", encoding="utf-8")
    (tmp_path / "s").mkdir()
    path = tmp_path / "s" / "ok.yaml"
    path.write_text("format: bto-scenario/1\ncatalog: ../x.yaml\n", encoding="utf-8")
    code, _, err = _run(str(path), "--no-chart")
    assert code == 1 and str(tmp_path / "x.yaml") in err and "Traceback" not in err


# --- the chart -------------------------------------------------------------------------------

@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.integers(1, 10))
def test_ticks_cover_the_range_in_round_steps(a: float, b: float, count: int) -> None:
    ticks = nice_ticks(a, b, count)
    low, high = min(a, b), max(a, b)
    assert len(ticks) >= 2
    step = ticks[1] - ticks[0]
    assert ticks[0] <= low + 1e-9 * step  # covers the range, to a billionth of a step
    assert ticks[-1] >= high - 1e-9 * step
    steps = [y - x for x, y in zip(ticks, ticks[1:], strict=False)]
    assert max(steps) - min(steps) <= 1e-6 * step
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5, 10))
    assert len(ticks) <= 2 * count + 2


def test_ticks_of_a_single_value() -> None:
    ticks = nice_ticks(3.0, 3.0)
    assert ticks[0] < 3.0 < ticks[-1]


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@given(st.lists(st.builds(ChartPoint, st.floats(0, 100), st.floats(0, 100), _TEXT, _TEXT),
                min_size=1, max_size=8), _TEXT)
def test_svg_is_well_formed_whatever_the_names(points: list[ChartPoint], title: str) -> None:
    root = ET.fromstring(scatter_svg(points, title=title, x_label="x <days>", y_label="y & z"))
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert title.strip() == (texts[0] or "").strip() or title == ""
    assert "x <days>" in texts and "y & z" in texts
    groups = list(root.iter(f"{SVG}g"))
    marks = [g for g in groups if g.get("class") == "point"]
    assert [m.findtext(f"{SVG}title", "").rsplit(": (", 1)[0] for m in marks] == [
        p.label for p in points]
    for point in points:
        assert point.label in texts
    series = list(dict.fromkeys(p.series for p in points))
    legend = [g for g in groups if g.get("class") == "legend"]
    if len(series) > 1:
        assert [t.text or "" for t in legend[0].iter(f"{SVG}text")] == series
    else:
        assert legend == []


@given(st.lists(st.builds(ChartPoint, st.floats(0, 100), st.floats(0, 100), _TEXT, _TEXT,
                          _TEXT), min_size=1, max_size=8))
def test_legend_chart_names_every_series_and_marker(points: list[ChartPoint]) -> None:
    root = ET.fromstring(scatter_svg(points, title="t", x_label="x", y_label="y",
                                     labels=False))
    series = list(dict.fromkeys(p.series for p in points))
    kinds = list(dict.fromkeys(p.marker for p in points))
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    expected = (series if len(series) > 1 else []) + (kinds if len(kinds) > 1 else [])
    found = [t.text or "" for t in legend[0].iter(f"{SVG}text")] if legend else []
    assert found == expected
    lines = [p for p in root.iter(f"{SVG}polyline") if p.get("class") == "series"]
    assert len(lines) == sum(1 for s in series if sum(p.series == s for p in points) > 1)


def test_points_are_placed_by_their_values() -> None:
    svg = scatter_svg([ChartPoint(10, 90, "a"), ChartPoint(20, 95, "b")], title="t",
                      x_label="x", y_label="y")
    root = ET.fromstring(svg)
    circles = [(float(c.get("cx", "0")), float(c.get("cy", "0")))
               for c in root.iter(f"{SVG}circle")]
    assert circles[0][0] < circles[1][0]  # larger x is further right
    assert circles[0][1] > circles[1][1]  # larger y is higher up


def test_nothing_to_chart() -> None:
    with pytest.raises(ValueError, match="nothing to chart"):
        scatter_svg([ChartPoint(math.nan, 1, "a")], title="t", x_label="x", y_label="y")


@given(st.lists(st.floats(0, 100), min_size=1, max_size=6))
def test_y_max_caps_the_axis_unless_a_point_is_above(ys: list[float]) -> None:
    root = ET.fromstring(scatter_svg([ChartPoint(i, y, str(i)) for i, y in enumerate(ys)],
                                     title="t", x_label="x", y_label="y", y_max=90))
    ticks = [float(t.text or "") for t in root.iter(f"{SVG}text") if t.get("class") == "y-tick"]
    assert max(ticks) >= max(ys) - 1e-9
    assert max(ticks) <= max(90, max(ys)) + (ticks[1] - ticks[0] if len(ticks) > 1 else 0)


@pytest.mark.parametrize("policy", ["CTP + buffer", "CTP + controller"])
def test_calibration_file_of_the_learned_buffers(tmp_path: Path, policy: str) -> None:
    from configurator.simulation import DEFAULT_BANDS
    from configurator.simulation.calibration import load_calibration

    path = tmp_path / "calibration.yaml"
    code, out, err = _run(SCENARIO, *TINY, "--seeds", "2", "--jobs", "1", "--policy", policy,
                          "--no-chart", "--calibration", str(path), "--format", "json")
    assert code == 0, err
    saved = load_calibration(path)
    assert saved.to_dict() == json.loads(out)["calibration"]
    assert (saved.scenario, saved.policy, saved.seeds) == ("ebike-085", policy, 2)
    assert set(saved.buffers.days) == {"standard", "custom"}
    assert saved.buffers.bands == DEFAULT_BANDS  # both learn per band of the CTP quote
    # the file keeps, per segment and band, the mean of the two seeds' buffers rounded up
    learned = json.loads(out)["loads"][0]["buffers"][policy]
    for segment, days in saved.buffers.days.items():
        for band, kept in enumerate(days if len(days) > 1 else days * (len(DEFAULT_BANDS) + 1)):
            seen = [run["buffer_days"][segment] for run in learned
                    if segment in run["buffer_days"]]
            values = [d[band] if len(d) > 1 else d[0] for d in seen]
            assert kept == -(-sum(values) // len(values))


@pytest.mark.parametrize("args", [
    ["--policy", "CTP", "--calibration", "c.yaml"],
    ["--rho", "0.5", "--rho", "0.6", "--calibration", "c.yaml"],
    ["--calibration", "/no/such/folder/c.yaml"],
])
def test_calibration_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(SCENARIO, *TINY, "--seeds", "1", "--no-chart", *args)
    assert code == 2 and "calibration" in err
    assert list(tmp_path.iterdir()) == []


def test_history_file_reads_back_in_bto_kpi_with_the_same_figures(tmp_path: Path) -> None:
    from configurator._cli_kpi import kpi_command

    history = tmp_path / "history.csv"
    code, out, err = _run(SCENARIO, *TINY, "--seeds", "1", "--jobs", "1", "--policy",
                          "CTP + buffer", "--policy", "CTP", "--no-chart", "--history",
                          str(history), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["history"]["policy"] == "CTP + buffer"
    simulated = next(r for r in data["loads"][0]["runs"]
                     if r["policy"] == "CTP + buffer" and r["segment"] == "all")
    result = CliRunner().invoke(kpi_command, [str(history), "--catalog",
                                              str(ROOT / "catalogs" / "ebike.yaml"),
                                              "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    whole = next(g for g in report["groups"] if g["segment"] == "all" and g["month"] == "all")
    # bto kpi counts, order for order, what the simulation measured
    assert whole["orders"] == whole["delivered"] == simulated["orders"]
    assert whole["on_time"] == round(simulated["on_time_rate"] * simulated["orders"])
    assert whole["lead_time"]["mean"] == pytest.approx(simulated["lead_time_mean"])
    segments = {g["segment"] for g in report["groups"]}
    assert {"standard", "custom"} & segments
