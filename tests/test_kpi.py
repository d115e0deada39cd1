"""``bto kpi`` (issue 5): delivery KPIs of a history of orders, read from a bto-history CSV.

Expected figures are worked out here from the fixture's dates by plain weekday counting and
the statistics module, not copied from the program's output.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import statistics
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from configurator import load_catalog, load_plant
from configurator._cli_kpi import chart_points, kpi_command
from configurator.kpi import (
    ALL,
    HistoryRecord,
    kpi_report,
    load_history,
    parse_configuration,
    read_history,
)
from configurator.problems import LoadError
from configurator.quoting.calendar import WorkCalendar

from .conftest import ROOT, write
from .strategies import history_records

DATA = Path(__file__).resolve().parent / "data" / "kpi"
SMALL = DATA / "small.csv"
PLANT_CSV = DATA / "plant.csv"
EBIKE = ROOT / "catalogs" / "ebike.yaml"
STUTTGART = ROOT / "rules" / "plant-stuttgart.yaml"
EXAMPLE = ROOT / "rules" / "history-ebike.csv"
HEADER = "order,ordered,promised,delivered,segment,configuration,quantity"
SVG = "{http://www.w3.org/2000/svg}"


def weekdays(start: dt.date, end: dt.date) -> int:
    """Mondays to Fridays in [start, end); minus those in (end, start] when end < start."""
    if end < start:
        return -weekdays(end + dt.timedelta(days=1), start + dt.timedelta(days=1))
    return sum((start + dt.timedelta(days=i)).weekday() < 5 for i in range((end - start).days))


def p95(values: Sequence[float]) -> float:
    """The linearly interpolated 95th percentile (numpy's default method)."""
    return values[0] if len(values) == 1 else statistics.quantiles(values, n=20,
                                                                   method="inclusive")[-1]


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def expected(rows: list[dict[str, str]], as_of: dt.date) -> dict[str, Any]:
    """The figures of a group of fixture rows, from first principles."""
    done = [r for r in rows if r["delivered"]]
    day = {k: [dt.date.fromisoformat(r[k][:10]) for r in done] for k in
           ("ordered", "promised", "delivered")}
    leads = [weekdays(o, d) for o, d in zip(day["ordered"], day["delivered"], strict=True)]
    errors = [weekdays(p, d) for p, d in zip(day["promised"], day["delivered"], strict=True)]
    late = [e for e in errors if e > 0]
    return {
        "orders": len(rows), "delivered": len(done), "open": len(rows) - len(done),
        "open_late": sum(1 for r in rows if not r["delivered"]
                         and dt.date.fromisoformat(r["promised"]) < as_of),
        "units": sum(int(r["quantity"]) for r in rows),
        "on_time": sum(d <= p for d, p in zip(day["delivered"], day["promised"], strict=True)),
        "mean": statistics.fmean(leads), "p50": statistics.median(leads), "p95": p95(leads),
        "sd": statistics.stdev(leads) if len(leads) > 1 else None,
        "error_mean": statistics.fmean(errors),
        "error_abs": statistics.fmean(abs(e) for e in errors),
        "late_p95": p95(late) if late else None,
        "tardiness": sum(late) / len(errors),
    }


# --- exact figures ---------------------------------------------------------------------------
def test_small_fixture_every_group_exact() -> None:
    rows = rows_of(SMALL)
    report = kpi_report(load_history(SMALL))
    as_of = max(dt.date.fromisoformat(r[k][:10]) for r in rows for k in ("ordered", "delivered")
                if r[k])
    assert report.as_of == as_of == dt.date(2026, 10, 30)
    assert report.calendar.startswith("Monday-Friday")
    assert report.segments == ("standard", "custom")
    assert report.months == ("2026-09", "2026-10")
    assert len(report.groups) == 1 + 2 + 2 * 3
    for group in report.groups:
        chosen = [r for r in rows if group.segment in (ALL, r["segment"])
                  and group.month in (ALL, r["ordered"][:7])]
        want = expected(chosen, as_of)
        assert (group.orders, group.delivered, group.open, group.open_late, group.units,
                group.on_time) == (want["orders"], want["delivered"], want["open"],
                                   want["open_late"], want["units"], want["on_time"]), group
        assert group.on_time_percent == pytest.approx(100 * want["on_time"] / want["delivered"])
        lead, error = group.lead_time, group.promise_error
        assert lead is not None and error is not None
        assert lead.mean == pytest.approx(want["mean"])
        assert lead.p50 == pytest.approx(want["p50"])
        assert lead.p95 == pytest.approx(want["p95"])
        if want["sd"] is None:
            assert lead.sd is None and lead.cv is None
        else:
            assert lead.sd == pytest.approx(want["sd"])
            assert lead.cv == pytest.approx(want["sd"] / want["mean"])
        assert error.mean == pytest.approx(want["error_mean"])
        assert error.mean_abs == pytest.approx(want["error_abs"])
        assert error.tardiness_mean == pytest.approx(want["tardiness"])
        assert error.late_p95 == (None if want["late_p95"] is None
                                  else pytest.approx(want["late_p95"]))


def test_small_fixture_spot_values() -> None:
    """A few figures worked out by hand, to check the helper above as well."""
    report = kpi_report(load_history(SMALL))
    overall = report.group()
    assert overall is not None
    # A1: Tue 1 Sep -> Thu 10 Sep is 7 working days; A2 Wed 2 Sep -> Wed 16 Sep is 10.
    assert weekdays(dt.date(2026, 9, 1), dt.date(2026, 9, 10)) == 7
    assert weekdays(dt.date(2026, 9, 2), dt.date(2026, 9, 16)) == 10
    # 8 delivered, late: A2 (+2), A4 (+5), A6 (+5), A10 (+2) -> on time 4 of 8.
    assert (overall.delivered, overall.on_time, overall.open) == (8, 4, 2)
    assert overall.on_time_percent == 50.0
    assert overall.promise_error is not None
    assert overall.promise_error.late == 4
    assert overall.promise_error.tardiness_mean == pytest.approx((2 + 5 + 5 + 2) / 8)
    october = report.group("standard", "2026-10")
    assert october is not None and october.open_late == 1  # A8, promised 20 Oct


def test_as_of_decides_which_open_orders_are_late() -> None:
    records = load_history(SMALL)
    assert kpi_report(records, as_of=dt.date(2026, 10, 20)).group().open_late == 0  # type: ignore[union-attr]
    assert kpi_report(records, as_of=dt.date(2026, 10, 21)).group().open_late == 1  # type: ignore[union-attr]
    assert kpi_report(records, as_of=dt.date(2026, 11, 21)).group().open_late == 2  # type: ignore[union-attr]


def test_plant_calendar_cut_offs_extra_days_and_closures() -> None:
    """Stuttgart: Friday cut-off 11:00; Saturday 19 Dec 2026 is an extra working day; the
    plant is closed 24 Dec to 6 Jan."""
    calendar = WorkCalendar.of(load_plant(STUTTGART))
    records = load_history(PLANT_CSV)
    report = kpi_report(records, calendar=calendar)
    assert report.calendar == "plant stuttgart (Europe/Berlin)"

    def one(order: str) -> Any:
        record = next(r for r in records if r.order == order)
        return kpi_report([record], calendar=calendar).group()

    # P1 after the cut-off: accepted Sat 19 Dec; 19, 21, 22, 23 Dec and 7 Jan: 5 days, on time.
    # P2 at 10:59: accepted Fri 18 Dec, so 6 days; promised 7 Jan, delivered 8 Jan: 1 late.
    # P3 (no offset: plant time) 18 -> 23 Dec: 18, 19, 21, 22 Dec: 4 days.
    # P4 (a date) 18 Dec -> 11 Jan: 18, 19, 21, 22, 23 Dec, 7, 8 Jan: 7 days; 1 early.
    for order, lead, error in (("P1", 5, 0), ("P2", 6, 1), ("P3", 4, 0), ("P4", 7, -1)):
        group = one(order)
        assert group.lead_time.mean == lead, order
        assert group.promise_error.mean == error, order
    assert report.group().on_time == 3  # type: ignore[union-attr]
    weekday_report = kpi_report(records[:1])  # Mon-Fri: 18 Dec .. 7 Jan, 15 weekdays
    assert weekday_report.group().lead_time.mean == 15  # type: ignore[union-attr]


def test_option_ranking_per_segment_and_month() -> None:
    rows = rows_of(SMALL)
    report = kpi_report(load_history(SMALL), top=2, min_orders=2)
    ranking = next(r for r in report.rankings if (r.segment, r.month) == ("standard", ALL))
    done = [r for r in rows if r["segment"] == "standard" and r["delivered"]]
    leads = {r["order"]: weekdays(dt.date.fromisoformat(r["ordered"][:10]),
                                  dt.date.fromisoformat(r["delivered"])) for r in done}
    mean = statistics.fmean(leads.values())
    by_option: dict[str, list[int]] = {}
    for r in done:
        for item in ("frame=trapeze", "frame=diamond", "colour=white", "colour=sage",
                     "accessories=rack", "accessories=lights"):
            module, option = item.split("=")
            if option in r["configuration"] and module in r["configuration"]:
                by_option.setdefault(item, []).append(leads[r["order"]])
    # longest first; ties: more orders first, then by name
    longer = sorted((-statistics.fmean(v), -len(v), k) for k, v in by_option.items()
                    if len(v) >= 2 and statistics.fmean(v) > mean)
    assert ranking.lead_time_mean == pytest.approx(mean)
    assert [o.option for o in ranking.options] == [k for *_, k in longer][:2]
    for found in ranking.options:
        assert found.lead_time_mean == pytest.approx(statistics.fmean(by_option[found.option]))
        assert found.longer_by == pytest.approx(found.lead_time_mean - mean)
        assert found.orders == len(by_option[found.option])
    assert ranking.skipped == sum(1 for v in by_option.values() if len(v) < 2)
    assert all(len(r.options) <= 2 for r in report.rankings)
    assert all(r.segment != ALL for r in report.rankings)


def test_configuration_cells() -> None:
    assert parse_configuration("frame=trapeze colour=sage") == (("frame=trapeze",
                                                                 "colour=sage"), None)
    assert parse_configuration("accessories=rack,-lights,none;accessories=lock")[0] == (
        "accessories=rack", "accessories=lock")
    catalog = load_catalog(EBIKE)
    options, segment = parse_configuration("frame=longjohn;accessories=rack,lights", catalog)
    assert options == ("frame=longjohn", "accessories=rack", "accessories=lights")
    assert segment == "custom"
    assert parse_configuration("frame=trapeze;stem_mm=90", catalog) == (
        ("frame=trapeze", "stem_mm=90"), "standard")


def test_segment_comes_from_the_catalog_when_the_file_has_none(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "order,ordered,promised,configuration\n"
                 "X1,2026-09-01,2026-09-10,frame=longjohn\nX2,2026-09-01,2026-09-10,\n")
    records = load_history(path, load_catalog(EBIKE))
    assert [r.segment for r in records] == ["custom", "standard"]
    assert [r.segment for r in load_history(path)] == [None, None]
    assert kpi_report(load_history(path)).segments == ("unknown",)


def test_example_history_loads_against_its_catalog() -> None:
    catalog = load_catalog(EBIKE)
    records, problems = read_history(EXAMPLE, catalog)
    assert problems == [] and records is not None
    assert 60 <= len(records) <= 120
    months = {r.ordered_day.strftime("%Y-%m") for r in records}
    assert 3 <= len(months) <= 4
    assert {r.segment for r in records} == {"standard", "custom"}
    assert catalog.plant is not None
    calendar = WorkCalendar.of(load_plant(catalog.plant))
    assert all(calendar.is_working_day(r.delivered) for r in records if r.delivered)
    report = kpi_report(records, calendar=calendar)
    assert report.group("custom") is not None and report.group("standard") is not None


def test_bad_arguments_to_the_library() -> None:
    record = HistoryRecord("X", dt.date(2026, 9, 2), dt.date(2026, 9, 9), dt.date(2026, 9, 1))
    with pytest.raises(ValueError, match="before it was ordered"):
        kpi_report([record])
    with pytest.raises(ValueError, match="at least 1"):
        kpi_report([], top=0)
    empty = kpi_report([])
    assert empty.groups == () and empty.as_of is None and empty.group() is None
    json.dumps(empty.to_dict())


# --- problems, each with its code and position -----------------------------------------------
def _col(line: str, cell: str) -> int:
    return line.index(cell) + 1


GOOD = "A1,2026-09-01,2026-09-11,2026-09-10,standard,frame=trapeze,1"
BAD_ROWS = [
    # (second row, the cell that is wrong, code)
    ("A1,2026-09-01,2026-09-31,2026-09-10,standard,frame=trapeze,1", "2026-09-31", "S203"),
    ("A1,yesterday,2026-09-11,2026-09-10,standard,frame=trapeze,1", "yesterday", "S203"),
    ("A1,2026-09-01T25:00,2026-09-11,,standard,frame=trapeze,1", "2026-09-01T25:00", "S203"),
    ("A1,2026-09-05,2026-09-11,2026-09-04,standard,frame=trapeze,1", "2026-09-04", "S204"),
    ("A1,2026-09-05,2026-09-01,,standard,frame=trapeze,1", "2026-09-01", "S204"),
    ("A1,2026-09-01,2026-09-11,,premium,frame=trapeze,1", "premium", "S204"),
    ("A1,2026-09-01,2026-09-11,,standard,frame,1", "frame", "S204"),
    ("A1,2026-09-01,2026-09-11,,standard,=HYPERLINK(x),1", "=HYPERLINK", "S204"),
    ("A1,2026-09-01,2026-09-11,,standard,frame=trapeze,1.5", "1.5", "S203"),
    ("A1,2026-09-01,2026-09-11,,standard,frame=trapeze,0", ",0", "S204"),
    ("A1,2026-09-01,2026-09-11,,standard,frame=trapeze,lots", "lots", "S203"),
]


@pytest.mark.parametrize(("row", "cell", "code"), BAD_ROWS)
def test_bad_cell_is_reported_at_its_position(tmp_path: Path, row: str, cell: str,
                                              code: str) -> None:
    path = write(tmp_path, "h.csv", f"{HEADER}\n{GOOD.replace('A1', 'A0')}\n{row}\n")
    records, problems = read_history(path, filename="h.csv")
    assert records is None
    column = _col(row, cell) + (1 if cell.startswith(",") else 0)
    assert [(p.code, p.file, p.line, p.column) for p in problems] == [(code, "h.csv", 3,
                                                                       column)]


@pytest.mark.parametrize(("row", "cell", "code"), [
    ("A1,2026-09-01,2026-09-11,,standard,frme=trapeze,1", "frme", "R301"),
    ("A1,2026-09-01,2026-09-11,,standard,frame=penny,1", "frame=penny", "R302"),
    ("A1,2026-09-01,2026-09-11,,standard,stem_mm=long,1", "stem_mm", "C605"),
])
def test_configuration_checked_against_the_catalog(tmp_path: Path, row: str, cell: str,
                                                   code: str) -> None:
    path = write(tmp_path, "h.csv", f"{HEADER}\n{row}\n")
    records, problems = read_history(path, load_catalog(EBIKE), filename="h.csv")
    assert records is None
    assert [(p.code, p.line, p.column) for p in problems] == [(code, 2, _col(row, cell))]


@pytest.mark.parametrize(("text", "code", "line", "column"), [
    ("order,ordered,promised,delivred\n", "S201", 1, 24),
    ("order,ordered,delivered\n", "S202", 1, 1),
    ("order,order,ordered,promised\n", "S205", 1, 7),
    (f"{HEADER}\n{GOOD}\nA1,2026-09-02,2026-09-11,,standard,frame=trapeze,1\n", "S205", 3, 1),
    (f"{HEADER}\nA1,2026-09-01\n", "T503", 2, 1),
    (f'{HEADER}\nA1,2026-09-01,2026-09-11,,standard,"frame=trapeze,1\n', "T504", 2, 1),
    ("order;ordered;promised\nA1;2026-09-01;2026-09-11\n", "T504", 1, 1),
    ("", "T504", 1, 1),
    (f"{HEADER}\n{'x' * 200_000},2026-09-01,2026-09-11,,,,1\n", "T504", 2, 1),
    (f"{HEADER}\n,2026-09-01,2026-09-11,,,,1\n", "S202", 2, 1),
])
def test_bad_file_is_reported_at_its_position(tmp_path: Path, text: str, code: str, line: int,
                                              column: int) -> None:
    path = write(tmp_path, "h.csv", text)
    records, problems = read_history(path, filename="h.csv")
    assert records is None
    assert (problems[0].code, problems[0].line, problems[0].column) == (code, line, column)


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", f"{HEADER}\n{BAD_ROWS[0][0]}\n"
                 f"{BAD_ROWS[5][0].replace('A1', 'A2')}\n")
    with pytest.raises(LoadError) as caught:
        load_history(path)
    assert [(p.code, p.line) for p in caught.value.problems] == [("S203", 2), ("S204", 3)]


def test_encoding_bom_and_formula_looking_ids(tmp_path: Path) -> None:
    latin = write(tmp_path, "latin.csv", f"{HEADER}\n{GOOD},café".encode("latin-1"))
    assert [p.code for p in read_history(latin)[1]] == ["Y100"]
    bom = write(tmp_path, "bom.csv", f"\ufeff{HEADER}\n=cmd|'/c calc'!A1,2026-09-01,"
                "2026-09-11,2026-09-10,standard,frame=trapeze,1\n")
    records, problems = read_history(bom)
    assert problems == [] and records is not None
    assert records[0].order == "=cmd|'/c calc'!A1"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: f"{HEADER}\n{t}"))
def test_hostile_content_gives_problems_never_an_exception(tmp_path_factory: Any,
                                                           content: bytes | str) -> None:
    path = write(tmp_path_factory.mktemp("h"), "h.csv", content)
    records, problems = read_history(path)
    assert (records is None) == any(p.is_error for p in problems)
    if records is not None:
        json.dumps(kpi_report(records).to_dict())


# --- properties ------------------------------------------------------------------------------
@settings(max_examples=80, deadline=None)
@given(history_records())
def test_rates_and_counts_are_consistent(records: list[HistoryRecord]) -> None:
    report = kpi_report(records)
    for group in report.groups:
        assert group.delivered + group.open == group.orders
        assert 0 <= group.open_late <= group.open
        assert 0 <= group.on_time <= group.delivered
        if group.on_time_percent is not None:
            assert 0 <= group.on_time_percent <= 100
        if group.lead_time is not None:
            assert 0 <= group.lead_time.p50 <= group.lead_time.p95
            assert group.lead_time.sd is None or group.lead_time.sd >= 0
        if group.promise_error is not None:
            assert group.promise_error.mean_abs >= abs(group.promise_error.mean) - 1e-9
            assert group.promise_error.tardiness_mean >= 0
    overall = report.group()
    if records:
        assert overall is not None and overall.orders == len(records)
        assert sum(g.orders for g in report.groups if g.month == ALL and g.segment != ALL) == \
            len(records)
        assert sum(g.orders for g in report.groups if g.segment == ALL and g.month != ALL) == \
            len(records)
    json.dumps(report.to_dict())


@settings(max_examples=80, deadline=None)
@given(history_records(), st.data())
def test_an_earlier_delivery_never_lowers_on_time(records: list[HistoryRecord],
                                                  data: st.DataObject) -> None:
    delivered = [i for i, r in enumerate(records) if r.delivered is not None]
    if not delivered:
        return
    i = data.draw(st.sampled_from(delivered))
    record = records[i]
    assert record.delivered is not None
    days = (record.delivered - record.ordered_day).days
    earlier = record.delivered - dt.timedelta(days=data.draw(st.integers(0, days)))
    changed = [*records[:i], HistoryRecord(record.order, record.ordered, record.promised,
                                           earlier, record.segment, record.options),
               *records[i + 1:]]
    before, after = kpi_report(records).group(), kpi_report(changed).group()
    assert before is not None and after is not None
    assert after.on_time_percent >= before.on_time_percent  # type: ignore[operator]


@settings(max_examples=80, deadline=None)
@given(history_records(), st.integers(-3, 10))
def test_shifting_every_delivery_shifts_the_promise_error(records: list[HistoryRecord],
                                                          k: int) -> None:
    import numpy as np

    def moved(day: dt.date) -> dt.date:
        return dt.date.fromisoformat(str(np.busday_offset(day, k, roll="forward")))

    if any(r.delivered is not None and moved(r.delivered) < r.ordered_day for r in records):
        return
    shifted = [HistoryRecord(r.order, r.ordered, r.promised,
                             None if r.delivered is None else moved(r.delivered), r.segment,
                             r.options) for r in records]
    before, after = kpi_report(records), kpi_report(shifted)
    for old, new in zip(before.groups, after.groups, strict=True):
        if old.promise_error is None or new.promise_error is None:
            continue
        assert new.promise_error.mean == pytest.approx(old.promise_error.mean + k)


# --- the command line ------------------------------------------------------------------------
def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(kpi_command, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                     SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def test_cli_text_table() -> None:
    code, out, err = _run(str(SMALL))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("small.csv: 10 orders, as of 2026-10-30; working days of "
                               "Monday-Friday")
    assert lines[1].split()[:4] == ["segment", "month", "orders", "delivered"]
    overall = lines[3].split()
    assert overall[:7] == ["all", "all", "10", "8", "2", "1", "50.0"]  # A8 is open, late
    assert "options with the longest lead times" in out
    assert "chart:" not in out


def test_cli_json_with_plant_and_catalog(tmp_path: Path) -> None:
    code, out, err = _run(str(EXAMPLE), "--catalog", str(EBIKE), "--format", "json",
                          "--as-of", "2026-11-24", "--top", "3")
    assert code == 0, err
    data = json.loads(out)
    assert data["calendar"] == "plant stuttgart (Europe/Berlin)"
    assert data["as_of"] == "2026-11-24" and data["top"] == 3 and data["chart"] is None
    assert {g["segment"] for g in data["groups"]} == {"all", "standard", "custom"}
    assert all(len(r["options"]) <= 3 for r in data["rankings"])
    code, out, _ = _run(str(SMALL), "--plant", str(STUTTGART), "--format", "json")
    assert code == 0 and json.loads(out)["calendar"].startswith("plant stuttgart")


def test_cli_chart_one_point_per_segment_and_month(tmp_path: Path) -> None:
    chart = tmp_path / "kpi.svg"
    code, out, err = _run(str(SMALL), "--chart", str(chart))
    assert code == 0, err
    assert out.splitlines()[-1] == f"chart: {chart}"
    root = ET.fromstring(chart.read_text(encoding="utf-8"))
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    report = kpi_report(load_history(SMALL))
    points = chart_points(report)
    # every segment and month with a delivered order: standard Sep, Oct; custom Sep, Oct
    assert len(titles) == len(points) == 4
    assert {p.series for p in points} == {"standard", "custom"}
    september = report.group("standard", "2026-09")
    assert september is not None and september.lead_time is not None
    assert any(p.x == september.lead_time.mean and p.y == september.on_time_percent
               and p.label == "2026-09 n=3" for p in points)
    promised = chart_points(report, "promised")
    assert sorted(p.x for p in promised) == sorted(
        g.promised_mean for g in report.groups if ALL not in (g.segment, g.month)
        and g.promised_mean is not None)
    leftovers = [p for p in os.listdir(tmp_path) if p != "kpi.svg"]
    assert leftovers == []  # written whole: no temporary file left


def test_cli_problems_exit_1_and_write_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", f"{HEADER}\n{BAD_ROWS[3][0]}\n")
    chart = tmp_path / "kpi.svg"
    code, out, err = _run(str(path), "--chart", str(chart))
    assert code == 1 and out == "" and not chart.exists()
    line = BAD_ROWS[3][0]
    assert err.strip() == (f"{path}:2:{_col(line, '2026-09-04')}: S204 delivered 2026-09-04 "
                           "is before the order date 2026-09-05; check the dates of this order")
    code, out, _ = _run(str(path), "--format", "json")
    assert code == 1 and json.loads(out)["history"] is None
    code, _, err = _run(str(path), "--catalog", str(ROOT / "tests" / "data" / "kpi" /
                                                    "small.csv"))
    assert code == 1


def test_cli_nothing_to_chart_is_exit_1(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", f"{HEADER}\nA1,2026-09-01,2026-09-11,,standard,,1\n")
    code, _, err = _run(str(path), "--chart", str(tmp_path / "k.svg"))
    assert code == 1 and "nothing to chart" in err
    assert not (tmp_path / "k.svg").exists()


@pytest.mark.parametrize("args", [
    ["--top", "0"], ["--min-orders", "-1"], ["--as-of", "soon"], ["--chart-x", "both"],
    ["--chart", "/no/such/folder/k.svg"], ["--format", "xml"],
])
def test_cli_usage_errors_exit_2(args: list[str]) -> None:
    code, out, _ = _run(str(SMALL), *args)
    assert code == 2 and out == ""


def test_cli_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    assert _run(str(tmp_path / "none.csv"))[0] == 2


def test_dates_at_the_ends_of_the_calendar(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "order,ordered,promised,delivered\n"
                 "E1,0001-01-01,0001-01-02,0001-01-03\n"
                 "E2,9999-12-31T23:59-12:00,9999-12-31,9999-12-31\n")
    code, out, err = _run(str(path), "--format", "json")
    assert code == 0, err
    assert {g["month"] for g in json.loads(out)["groups"]} == {"all", "0001-01", "9999-12"}
    code, out, err = _run(str(path), "--plant", str(STUTTGART))
    assert code == 1 and out == ""
    assert err.strip() == "error: order E2: its dates are out of the calendar's range"


def test_a_history_with_no_orders(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", f"\n{HEADER}\n\n")
    code, out, err = _run(str(path))
    assert code == 0, err
    assert out.splitlines() == ["h.csv: 0 orders; working days of Monday-Friday (no holidays)",
                                "no orders"]
    code, out, _ = _run(str(path), "--format", "json")
    assert code == 0 and json.loads(out)["groups"] == []


def test_the_python_example_in_the_docs_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "kpi.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "kpi.md", "exec"), {"print": lambda *a, **k: None})  # noqa: S102
