"""Demand patterns (issue 7): reading sales histories, popularity, co-occurrence, volatility,
recommended defaults, postponement, the held-out evaluation and ``bto demand``.

Expected figures are worked out here from the data by counting, not copied from the
program's output.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import configurator._cli_demand  # noqa: F401  (registers the command until cli.py imports it)
from configurator import load_catalog, load_plant, load_supply
from configurator._cli_table import table
from configurator.cli import cli
from configurator.demand import (
    DemandModel,
    SessionFilter,
    Weights,
    demand_report,
    evaluate,
    load_sales,
    periods_of,
    postponement,
    read_folds,
    read_sales,
)
from configurator.problems import LoadError

from .conftest import ROOT
from .strategies import sales_tables, volatile_histories

REAL = ROOT / "tests" / "data" / "real"
HISTORY = ROOT / "rules" / "history-ebike.csv"
EBIKE = ROOT / "catalogs" / "ebike.yaml"


def _table(tmp_path: Path, names: tuple[str, ...], rows: list[tuple[str, ...]],
           name: str = "sales.txt") -> Path:
    path = tmp_path / name
    path.write_text(" ".join(names) + "\n" + "".join(" ".join(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def ebike() -> object:
    return load_catalog(EBIKE)


@pytest.fixture(scope="module")
def renault() -> object:
    history, problems = read_sales(REAL / "config_medium_filtered.txt")
    assert problems == []
    return history


# -- reading --------------------------------------------------------------------------------
def test_sales_table_reads_every_row_with_its_header(renault: object) -> None:
    lines = (REAL / "config_medium_filtered.txt").read_text().splitlines()
    assert renault.format == "sales-table"
    assert renault.modules == tuple(lines[0].split())
    assert len(renault.sales) == len(lines) - 1 == 8252
    assert dict(renault.sales[3].configuration) == dict(zip(lines[0].split(),
                                                            lines[4].split(), strict=True))
    assert not renault.dated


def test_bto_history_is_detected_and_multi_select_kept(ebike: object) -> None:
    history = load_sales(HISTORY, ebike)
    assert history.format == "bto-history" and history.dated
    rows = HISTORY.read_text().splitlines()[1:]
    assert len(history.sales) == len(rows)
    first = history.sales[0]
    assert first.order == rows[0].split(",")[0]
    assert first.configuration["accessories"] == ("lights", "mudguards")
    assert first.configuration["frame"] == "trapeze"


@pytest.mark.parametrize(("text", "code", "line", "col"), [
    ("a b c\n1 2 3\n1 2\n", "T503", 3, 4),
    ("a b c\n1 2 3\n1 2 3 4\n", "T503", 3, 7),
    ("a b\n1 2\n1 =x\n", "S204", 3, 3),
    ("a b a\n1 2 3\n", "S205", 1, 5),
    ("a 9b\n1 2\n", "S207", 1, 3),
    ("a b\n", "T504", 1, 1),
    ("\n\n", "T504", 1, 1),
    ("id,when,what\n1,2,3\n", "T504", 1, 1),
])
def test_bad_sales_tables_give_positioned_problems(tmp_path: Path, text: str, code: str,
                                                   line: int, col: int) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    history, problems = read_sales(path)
    assert history is None
    assert (problems[0].code, problems[0].line, problems[0].column) == (code, line, col)
    assert problems[0].file == str(path)
    with pytest.raises(LoadError):
        load_sales(path)


def test_bad_bto_history_rows_are_the_kpi_readers_problems(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("order,ordered,promised,configuration\nA,2026-13-01,2026-02-01,x=1\n")
    history, problems = read_sales(path)
    assert history is None and problems and problems[0].line == 2


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    history, problems = read_sales(tmp_path / "nope.txt")
    assert history is None and problems[0].code == "Y100"


@pytest.mark.parametrize(("text", "rows", "code", "line"), [
    ("0\n1\n0\n", 2, "T503", 3),
    ("0\n1\n", 3, "T503", 2),
    ("0\nx\n1\n", 3, "S203", 2),
    ("0\n-1\n", 2, "S203", 2),
    ("4\n4\n", 2, "S204", 1),
])
def test_bad_fold_files(tmp_path: Path, text: str, rows: int, code: str, line: int) -> None:
    path = tmp_path / "folds.txt"
    path.write_text(text)
    folds, problems = read_folds(path, rows)
    assert folds is None and (problems[0].code, problems[0].line) == (code, line)


def test_the_renault_folds_match_the_rows(renault: object) -> None:
    folds, problems = read_folds(REAL / "index_csv_medium.txt", len(renault.sales))
    assert problems == [] and folds is not None
    assert set(folds) == set(range(10))


# -- the report -----------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(sales_tables())
def test_popularity_shares_sum_to_one_and_count_units(table: tuple[tuple[str, ...], list[
        tuple[str, ...]]]) -> None:
    names, rows = table
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        history = load_sales(_table(Path(folder), names, rows))
    report = demand_report(history, periods=1)
    for k, module in enumerate(report.popularity):
        assert math.isclose(sum(o.share for o in module.options), 1.0)
        assert {o.option: o.units for o in module.options} == Counter(r[k] for r in rows)


@settings(max_examples=40, deadline=None)
@given(sales_tables(max_modules=3))
def test_lift_is_counted_from_the_pairs(table: tuple[tuple[str, ...], list[
        tuple[str, ...]]]) -> None:
    names, rows = table
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        history = load_sales(_table(Path(folder), names, rows))
    report = demand_report(history, periods=1, top=1000, min_support=0)
    n = len(rows)
    seen = set()
    for pair in report.pairs:
        (ma, va), (mb, vb) = (p.split("=", 1) for p in (pair.a, pair.b))
        ia, ib = names.index(ma), names.index(mb)
        both = sum(r[ia] == va and r[ib] == vb for r in rows)
        pa = sum(r[ia] == va for r in rows) / n
        pb = sum(r[ib] == vb for r in rows) / n
        assert ma != mb and pair.units == both
        assert math.isclose(pair.lift, both / n / (pa * pb))  # symmetric in a and b
        assert (pair.b, pair.a) not in seen
        seen.add((pair.a, pair.b))
    expected = {frozenset((f"{names[i]}={r[i]}", f"{names[j]}={r[j]}"))
                for r in rows for i in range(len(names)) for j in range(i + 1, len(names))}
    assert {frozenset((p.a, p.b)) for p in report.pairs} == expected


def test_volatility_per_month_includes_empty_months(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("order,ordered,promised,configuration,quantity\n"
                    "A,2026-01-05,2026-02-01,frame=x,2\n"
                    "B,2026-01-20,2026-02-01,frame=y,1\n"
                    "C,2026-03-02,2026-04-01,frame=x,1\n")
    history = load_sales(path)
    span, index = periods_of(history, "month")
    assert span.labels == ("2026-01", "2026-02", "2026-03") and index == (0, 0, 2)
    report = demand_report(history)
    x = next(v for v in report.volatility if v.option == "frame=x")
    assert x.demand == (2, 0, 1)
    assert math.isclose(x.cv, statistics.stdev([2, 0, 1]) / statistics.fmean([2, 0, 1]))
    weeks, _ = periods_of(history, "week")
    assert weeks.labels[0] == "2026-W02" and weeks.labels[-1] == "2026-W10"
    assert len(weeks.labels) == 9


def test_rows_split_into_periods_say_so(renault: object) -> None:
    span, index = periods_of(renault, count=12)
    assert span.kind == "rows" and "row order" in (span.assumption or "")
    sizes = Counter(index)
    assert sorted(sizes) == list(range(12)) and max(sizes.values()) - min(sizes.values()) <= 1
    assert list(index) == sorted(index)
    with pytest.raises(ValueError, match="no order dates"):
        periods_of(renault)
    report = demand_report(renault)
    assert report.volatility == () and any("periods" in n for n in report.notes)


# -- recommendations ------------------------------------------------------------------------
def test_a_copied_module_is_predicted_exactly(tmp_path: Path) -> None:
    rows = [(v, v, str(k % 3)) for k, v in enumerate("aabababbbaab")]
    history = load_sales(_table(tmp_path, ("x", "y", "z"), rows))
    model = DemandModel(history.sales, history.modules)
    for value in "ab":
        assert model.recommend({"x": value}, "y").value == value
        # the exact context is never seen: naive Bayes still reads y from x
        assert model.recommend({"x": value, "z": "7"}, "y").value == value


def test_identical_sales_are_predicted_perfectly(tmp_path: Path) -> None:
    history = load_sales(_table(tmp_path, ("p", "q", "r"), [("1", "b", "-1")] * 12))
    result = evaluate(history, [k % 3 for k in range(12)])
    assert result.unfiltered.accuracy == 1.0 == result.unfiltered.baseline
    assert sum(f.predictions for f in result.unfiltered.folds) == 36


def test_evaluation_beats_the_baseline_when_modules_depend(tmp_path: Path) -> None:
    rows = [(v, v, v) for v in "aaaaaabbbbccd" * 4]
    history = load_sales(_table(tmp_path, ("x", "y", "z"), rows))
    result = evaluate(history, [k % 4 for k in range(len(rows))], seed=3)
    assert result.unfiltered.accuracy > result.unfiltered.baseline
    with pytest.raises(ValueError):
        evaluate(history, [0, 1])


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_recommendations_are_always_possible(ebike: object, data: st.DataObject) -> None:
    history = load_sales(HISTORY, ebike)
    model = DemandModel(history.sales, history.modules)
    candidates = SessionFilter(ebike)
    try:
        modules = data.draw(st.permutations(history.modules))
        sale = data.draw(st.sampled_from(history.sales))
        chosen = modules[:data.draw(st.integers(0, 4))]
        for module in chosen:
            candidates.choose(module, ",".join(sale.options(module)))
        target = next(m for m in modules if m not in chosen
                      and ebike.module_map[m].kind != "multi")
        possible = candidates.possible(target)
        assert possible
        found = model.recommend({m: sale.configuration[m] for m in chosen}, target, possible)
        assert found.value in possible
    finally:
        candidates.close()


def test_defaults_against_the_catalog(ebike: object) -> None:
    history = load_sales(HISTORY, ebike)
    report = demand_report(history, catalog=ebike)
    by_module = {d.recommendation.module: d for d in report.defaults}
    units = Counter()
    for sale in history.sales:
        units[sale.configuration["drivetrain"]] += sale.quantity
    top = units.most_common(1)[0][0]
    advice = by_module["drivetrain"]
    assert advice.recommendation.value == top
    catalog_default = next(o.id for o in ebike.module("drivetrain").options if o.default)
    assert advice.catalog_default == catalog_default
    assert advice.differs == (catalog_default != top)
    json.dumps(report.to_dict())


# -- postponement ---------------------------------------------------------------------------
def test_postponement_rule_and_figures(ebike: object) -> None:
    history = load_sales(HISTORY, ebike)
    supply = load_supply(ebike.supply)
    plant = load_plant(ebike.plant)
    result = postponement(history, ebike, supply, plant, unit_costs={"CELL-SAM-50E":
                                                                     Decimal("2.40")})
    assert result.skipped == () and result.period_days == 21
    standard = plant.service_levels["standard"].target_days
    decisions = {p.part: p for p in result.parts}
    for advice in result.parts:
        if advice.decision == "unknown":
            continue
        sourcing = supply.sourcing[advice.part]
        assert advice.lead_time_days >= sourcing.lead_time_days
        must = advice.exposure_days > advice.target_days
        assert (advice.decision == "stock") == must or advice.decision == "stock" and \
            advice.cv is not None and advice.cv <= result.steady_cv
        if advice.segment == "standard":
            assert advice.target_days == standard
        z = statistics.NormalDist().inv_cdf(float(plant.service_levels["standard"].confidence))
        if advice.segment == "standard" and advice.sd > 0:
            assert advice.safety_stock == math.ceil(
                z * advice.sd * math.sqrt(float(advice.lead_time_days) / 21) - 1e-9)
    cells = decisions["CELL-SAM-50E"]
    assert cells.decision == "stock"
    assert cells.holding_cost == cells.safety_stock * Decimal("2.40") * Decimal("0.25")
    json.dumps(result.to_dict())
    generous = postponement(history, ebike, supply, plant, target_days=1000)
    assert all(p.decision != "stock" for p in generous.parts)


# -- the real history -----------------------------------------------------------------------
def test_renault_recommendations_beat_the_baseline(renault: object) -> None:
    folds, _ = read_folds(REAL / "index_csv_medium.txt", len(renault.sales))
    result = evaluate(renault, folds, only_folds=[0, 5], sample=60, seed=1)
    plain = result.unfiltered
    assert [f.fold for f in plain.folds] == [0, 5]
    assert all(f.tested == 60 and f.predictions == 60 * 44 for f in plain.folds)
    assert all(f.train == len(renault.sales) - folds.count(f.fold) for f in plain.folds)
    assert plain.accuracy > plain.baseline + 0.05
    assert plain.accuracy > 0.85


def test_renault_filtered_by_the_imported_catalog(renault: object, tmp_path: Path) -> None:
    from configurator.importers import import_xcsp, write_catalog

    catalog = load_catalog(write_catalog(import_xcsp(REAL / "medium_domainsorted.xml"),
                                         tmp_path / "medium"))
    candidates = SessionFilter(catalog)
    try:
        for sale in renault.sales[:5]:
            assert all(candidates.unknown(m, v) is None
                       for m, v in sale.configuration.items())
        folds, _ = read_folds(REAL / "index_csv_medium.txt", len(renault.sales))
        result = evaluate(renault, folds, only_folds=[2], sample=4, candidates=candidates)
    finally:
        candidates.close()
    assert result.filtered is not None and result.filtered.folds[0].predictions == 4 * 44
    # the same sales: where the most frequent value was right, it is still the most frequent
    # of the possible ones (the sale's own value is possible)
    assert result.filtered.folds[0].baseline_correct >= \
        result.unfiltered.folds[0].baseline_correct


# -- the command line -----------------------------------------------------------------------
def _run(*args: str) -> object:
    return CliRunner().invoke(cli, ["demand", *args])


def test_cli_text_report_with_postponement_and_chart(tmp_path: Path) -> None:
    chart = tmp_path / "d.svg"
    result = _run(str(HISTORY), "--catalog", str(EBIKE), "--supply",
                  str(ROOT / "rules" / "supply-ebike.yaml"), "--top", "3", "--chart",
                  str(chart), "--unit-cost", "CELL-SAM-50E=2.40")
    assert result.exit_code == 0, result.output
    out = result.output
    for heading in ("popularity", "lift", "volatility per month", "recommended defaults",
                    "postponement"):
        assert heading in out
    assert "CELL-SAM-50E" in out and f"chart: {chart}" in out
    svg = chart.read_text()
    assert svg.startswith("<svg") and svg.count("<polyline") >= 1


def test_cli_json_with_folds(tmp_path: Path) -> None:
    rows = [(v, v) for v in "aaabbbaabb"]
    table = _table(tmp_path, ("x", "y"), rows)
    folds = tmp_path / "f.txt"
    folds.write_text("".join(f"{k % 2}\n" for k in range(len(rows))))
    result = _run(str(table), "--folds", str(folds), "--format", "json", "--periods", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["evaluation"]["unfiltered"]["predictions"] == 2 * len(rows)
    assert data["report"]["periods"]["kind"] == "rows"
    text = _run(str(table), "--folds", str(folds))
    assert "held-out accuracy" in text.output and "most frequent" in text.output


def test_cli_bad_files_exit_1_with_positions(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("a b\n1 2\n3\n")
    result = CliRunner().invoke(cli, ["demand", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3:2: T503" in result.stderr
    good = _table(tmp_path, ("a",), [("1",), ("2",)], "good.txt")
    folds = tmp_path / "f.txt"
    folds.write_text("0\n")
    result = CliRunner().invoke(cli, ["demand", str(good), "--folds",
                                                      str(folds)])
    assert result.exit_code == 1 and f"{folds}:1:1: T503" in result.stderr


@pytest.mark.parametrize("args", [
    ["--supply", "rules/supply-ebike.yaml"],
    ["--unit-cost", "X"],
    ["--chart", "/tmp/x.svg"],
    ["--periods", "0"],
])
def test_cli_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    table = _table(tmp_path, ("a",), [("1",), ("2",)])
    result = _run(str(table), *[str(ROOT / a) if a.startswith("rules/") else a for a in args])
    assert result.exit_code == 2, result.output


# -- tuned recommendations (the inner split) --------------------------------------------------
def _walk_by_hand(model: DemandModel, history: object, rows: list[int], seed: int) -> int:
    import random

    right = 0
    for row in rows:
        sale = history.sales[row]
        order = list(history.modules)
        random.Random(seed * 1_000_003 + row).shuffle(order)
        context = model.context()
        for module in order:
            right += context.recommend(module).value == ",".join(sale.options(module))
            context.choose(module, sale.configuration.get(module))
    return right


@settings(max_examples=25, deadline=None)
@given(sales_tables(max_modules=3, max_rows=24), st.integers(0, 5))
def test_evaluation_counts_what_recommend_answers(table: tuple[tuple[str, ...], list[
        tuple[str, ...]]], seed: int) -> None:
    names, rows = table
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        history = load_sales(_table(Path(folder), names, rows))
    folds = [k % 3 for k in range(len(rows))]
    if len(rows) < 2:
        with pytest.raises(ValueError, match="two folds"):
            evaluate(history, folds, seed=seed)
        return
    result = evaluate(history, folds, seed=seed)
    for fold in result.unfiltered.folds:
        train = [s for s, f in zip(history.sales, folds, strict=True) if f != fold.fold]
        model = DemandModel(train, history.modules, weights=fold.weights)
        tested = [i for i, f in enumerate(folds) if f == fold.fold]
        assert fold.correct == _walk_by_hand(model, history, tested, seed)
        base = DemandModel(train, history.modules)
        counts = Counter()
        for s in train:
            for m in names:
                counts[m, s.configuration[m]] += 1
        assert fold.baseline_correct == sum(
            counts[m, history.sales[i].configuration[m]] == max(
                c for (mm, _), c in counts.items() if mm == m)
            and base.context().recommend(m).value == history.sales[i].configuration[m]
            for i in tested for m in names)


def test_weights_are_chosen_without_the_test_fold(renault: object,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    module = importlib.import_module("configurator.demand.evaluate")

    folds, _ = read_folds(REAL / "index_csv_medium.txt", len(renault.sales))
    learned: list[set[int]] = []
    scored: list[tuple[int, list[int], int]] = []
    real_model, real_score = module._model, module._score

    def model(history: object, folds_: object, left_out: set[int], alpha: float,
              **kw: object) -> object:
        learned.append(set(left_out))
        return real_model(history, folds_, left_out, alpha, **kw)

    def score(model_: object, rows: list[int], walks: object, filtered: bool,
              grid: object) -> object:
        scored.append((len(learned) - 1, list(rows), len(grid)))
        return real_score(model_, rows, walks, filtered, grid)

    monkeypatch.setattr(module, "_model", model)
    monkeypatch.setattr(module, "_score", score)
    result = evaluate(renault, folds, only_folds=[4], sample=20, tune_sample=20)
    tuning = [(learned[m], rows) for m, rows, size in scored if size == len(module.GRID)]
    assert len(tuning) == 3 and result.unfiltered.folds[0].weights in module.GRID
    for left_out, rows in tuning:
        assert 4 in left_out and len(left_out) == 2  # learned without the test fold
        assert all(folds[r] in left_out - {4} for r in rows)  # scored on the other one


@settings(max_examples=30, deadline=None)
@given(sales_tables(max_modules=3))
def test_no_evidence_and_a_strong_prior_is_the_value_sold_most(table: tuple[tuple[str, ...],
                                                                           list[tuple[str, ...]]]
                                                               ) -> None:
    names, rows = table
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        history = load_sales(_table(Path(folder), names, rows))
    model = DemandModel(history.sales, history.modules, weights=Weights(0.0, 1e9))
    first = {m: r[k] for k, m in enumerate(names) for r in rows[:1]}
    for k, module in enumerate(names[1:], start=1):
        counts = Counter(r[k] for r in rows)
        found = model.recommend({names[0]: first[names[0]]}, module)
        assert counts[found.value] == max(counts.values())
        probs, method, _ = model.context({names[0]: first[names[0]]}).distribution(module)
        assert method == "smoothed" and math.isclose(float(probs.sum()), 1.0)


@pytest.mark.parametrize(("evidence", "prior"), [(-0.1, 10), (0.3, 0), (0.3, float("inf"))])
def test_bad_weights_are_refused(evidence: float, prior: float) -> None:
    with pytest.raises(ValueError, match="weights"):
        Weights(evidence, prior)


def test_tempered_evidence_beats_plain_naive_bayes_on_renault(renault: object) -> None:
    folds, _ = read_folds(REAL / "index_csv_medium.txt", len(renault.sales))
    tuned = evaluate(renault, folds, only_folds=[3], sample=40, seed=2, tune_sample=40)
    assert tuned.unfiltered.folds[0].weights.evidence < 1
    plain = DemandModel([s for s, f in zip(renault.sales, folds, strict=True) if f != 3],
                        renault.modules, weights=Weights(1.0, 30.0))
    tested = [i for i, f in enumerate(folds) if f == 3]
    import random

    tested = sorted(random.Random(2 + 3).sample(tested, 40))
    assert tuned.unfiltered.folds[0].correct > _walk_by_hand(plain, renault, tested, 2)


# -- volume, the chart and unit costs -----------------------------------------------------------
def _dated(folder: Path, periods: int, options: list[list[int]]) -> Path:
    """A bto-history file of one module: option ``o0`` sells 1 unit a month, ``o<i>`` the
    given units per month."""
    lines = ["order,ordered,promised,configuration,quantity"]
    for k in range(periods):
        for i, units in enumerate([[1] * periods, *options]):
            if units[k]:
                lines.append(f"O{len(lines)},2026-{k + 1:02d}-10,2026-12-20,m=o{i},{units[k]}")
    path = folder / "h.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@settings(max_examples=30, deadline=None)
@given(volatile_histories(), st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0]))
def test_volatility_ranks_only_options_with_volume(history_units: tuple[int, list[list[int]]],
                                                    min_mean: float) -> None:
    periods, options = history_units
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        history = load_sales(_dated(Path(folder), periods, options))
    report = demand_report(history, min_mean=min_mean)
    means = {f"m=o{i}": statistics.fmean(u) for i, u in enumerate([[1] * periods, *options])}
    assert {v.option for v in report.volatility} == {o for o, m in means.items()
                                                     if m >= min_mean}
    assert {v.option for v in report.low_volume} == {o for o, m in means.items() if m < min_mean}
    assert [v.cv for v in report.volatility] == sorted((v.cv for v in report.volatility),
                                                       reverse=True)
    text = configurator._cli_demand.format_demand(report, "h.csv", 10)
    assert f"at least {min_mean:g} unit" in text
    if report.low_volume:
        assert f"{len(report.low_volume)} option" in text and "left out" in text


def _panels(svg: str) -> list[dict[str, list[float]]]:
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    out = []
    for group in ET.fromstring(svg).iter(f"{ns}g"):
        if group.get("class") != "panel":
            continue
        frame = next(r for r in group.iter(f"{ns}rect") if r.get("fill") == "none")
        x0, y0 = float(frame.get("x")), float(frame.get("y"))
        out.append({"frame": [x0, y0, x0 + float(frame.get("width")),
                              y0 + float(frame.get("height"))],
                    "ticks": [float(t.text) for t in group.iter(f"{ns}text")
                              if t.get("class") == "y-tick"],
                    "cx": [float(c.get("cx")) for c in group.iter(f"{ns}circle")],
                    "cy": [float(c.get("cy")) for c in group.iter(f"{ns}circle")]})
    return out


@settings(max_examples=30, deadline=None)
@given(volatile_histories())
def test_chart_panels_start_at_zero_and_span_the_periods(history_units: tuple[int, list[
        list[int]]]) -> None:
    from configurator._cli_demand import chart_svg

    periods, options = history_units
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        history = load_sales(_dated(Path(folder), periods, options))
    report = demand_report(history, min_mean=0)
    panels = _panels(chart_svg(report, "t"))
    assert len(panels) == min(6, len(report.volatility))
    for panel, v in zip(panels, report.volatility, strict=False):
        left, top, right, bottom = panel["frame"]
        assert min(panel["ticks"]) == 0 and max(panel["ticks"]) >= max(v.demand)
        assert len(panel["cx"]) == periods == len(v.demand)
        assert panel["cx"] == sorted(panel["cx"])
        assert left < panel["cx"][0] < left + 10 and right - 10 < panel["cx"][-1] < right
        for units, y in zip(v.demand, panel["cy"], strict=True):
            assert top - 0.1 <= y <= bottom + 0.1
            assert (units == 0) == (abs(y - bottom) < 0.1)


def test_cli_chart_of_a_dated_history_and_no_volume_is_exit_1(tmp_path: Path) -> None:
    chart = tmp_path / "d.svg"
    result = _run(str(HISTORY), "--catalog", str(EBIKE), "--chart", str(chart))
    assert result.exit_code == 0, result.output
    history = load_sales(HISTORY, load_catalog(EBIKE))
    report = demand_report(history)
    panels = _panels(chart.read_text())
    assert len(panels) == min(6, len(report.volatility)) > 1
    assert all(min(p["ticks"]) == 0 for p in panels)
    assert "left out" in result.output and "at least 1 unit per month" in result.output
    result = _run(str(HISTORY), "--catalog", str(EBIKE), "--chart", str(chart),
                  "--min-mean", "1000")
    assert result.exit_code == 1 and "lower --min-mean" in result.output


def test_postponement_says_when_unit_costs_are_missing(ebike: object) -> None:
    history = load_sales(HISTORY, ebike)
    supply = load_supply(ebike.supply)
    bare = postponement(history, ebike, supply, load_plant(ebike.plant))
    stocked = {p.part for p in bare.parts if p.safety_stock > 0}
    assert set(bare.uncosted) == stocked and stocked
    costs = {part: Decimal("1.50") for part in stocked}
    priced = postponement(history, ebike, supply, load_plant(ebike.plant), unit_costs=costs)
    assert priced.uncosted == ()
    assert all(p.holding_cost == p.safety_stock * Decimal("1.50") * Decimal("0.25")
               for p in priced.parts if p.part in stocked)
    result = _run(str(HISTORY), "--catalog", str(EBIKE), "--supply",
                  str(ROOT / "rules" / "supply-ebike.yaml"))
    assert f"no unit cost for {len(stocked)} parts" in result.output
    assert "carries no part price or cost" in result.output


def test_shared_table_aligns_text_left_and_numbers_right() -> None:
    lines = table([["name", "kind", "n"], ["a", "bb", "7"], ["ccc", "d", "123"]], 2, "  ")
    assert lines == ["  name  kind    n",
                     "  ---------------",
                     "  a     bb      7",
                     "  ccc   d     123"]
    assert table([["x", "y"], ["1", "22"]]) == ["x   y", "-----", "1  22"]


# -- from the review: exact multi-select sales, clear errors --------------------------------
def test_a_sale_s_multi_select_options_are_exact_not_completed_with_defaults(tmp_path):
    from click.testing import CliRunner

    from configurator.cli import cli

    history = tmp_path / "one.csv"
    history.write_text("order,ordered,promised,delivered,segment,configuration,quantity\n"
                       "A1,2026-09-01,2026-09-11,2026-09-10,standard,"
                       "frame=trapeze;accessories=kickstand_dual,1\n", encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    result = CliRunner().invoke(cli, ["demand", str(history), "--catalog",
                                      str(root / "catalogs" / "ebike.yaml"), "--supply",
                                      str(root / "rules" / "supply-ebike.yaml"),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    parts = {p["part"] for p in json.loads(result.stdout)["postponement"]["parts"]}
    assert "STAND-DUAL-LEG" in parts  # the kickstand sold
    assert not parts & {"LIGHT-BM-SET", "MUDGUARD-SKS-65"}  # the default accessories, not


def test_odd_fold_numbers_and_huge_unit_costs_are_clear_errors(tmp_path):
    from click.testing import CliRunner

    from configurator.cli import cli
    from configurator.demand import read_folds

    folds = tmp_path / "folds.txt"
    folds.write_text("1\n²\n" + "9" * 5000 + "\n", encoding="utf-8")
    found, problems = read_folds(folds, 3)
    assert found is None and [p.position.line for p in problems] == [2, 3]
    result = CliRunner().invoke(cli, ["demand", str(folds), "--unit-cost", "X=1e40"])
    assert result.exit_code == 2 and "PART=COST" in result.output


def test_a_history_with_its_columns_in_another_order_is_read(tmp_path):
    from configurator.demand import read_sales

    path = tmp_path / "h.csv"
    path.write_text("promised,order,ordered,configuration\n"
                    "2026-09-11,A1,2026-09-01,frame=trapeze\n", encoding="utf-8")
    history, problems = read_sales(path)
    assert problems == [] and history is not None
    assert history.format == "bto-history" and history.sales[0].configuration == {
        "frame": "trapeze"}
