"""`bto quote` as a sales engineer runs it: documents, JSON, exit codes, hostile text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from configurator.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EBIKE = str(ROOT / "catalogs" / "ebike.yaml")
TRAILER = str(ROOT / "tests" / "data" / "quote" / "catalog.yaml")
AT = ["--at", "2026-12-02T10:00"]


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_text_quote_of_the_readme() -> None:
    result = run("quote", EBIKE, "-s", "frame=longtail", "--orders",
                 str(ROOT / "rules" / "orders-ebike.yaml"), "--at", "2026-11-25T10:00")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Delivery: 2026-1" in out and "Waiting for:" in out and "Milestones" in out
    assert "Total" in out and "completed" in result.stderr


def test_json_round_trips_and_is_reproducible() -> None:
    first = run("quote", TRAILER, "-s", "motor=buy_motor", *AT, "--format", "json")
    again = run("quote", TRAILER, "-s", "motor=buy_motor", *AT, "--format", "json")
    assert first.exit_code == 0
    assert first.stdout == again.stdout
    data = json.loads(first.stdout)
    assert data["promised"] >= "2026-12-22"
    assert data["gate"]["ref"] == "MOT-C"
    assert data["price"]["total"] == "1120.00"


def test_requested_date() -> None:
    result = run("quote", TRAILER, "-s", "motor=buy_motor", *AT, "--requested-date",
                 "2026-12-10")
    assert result.exit_code == 0
    assert "2026-12-10 cannot be promised" in result.stdout
    assert "motor stock_motor instead of buy_motor" in result.stdout


def test_hostile_customer_is_inert(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script> [x](javascript:alert(1)) \x1b[2J"
    html = run("quote", TRAILER, *AT, "--format", "html", "--customer", evil)
    assert "<script>" not in html.stdout and "&lt;script&gt;" in html.stdout
    markdown = run("quote", TRAILER, *AT, "--format", "markdown", "--customer", evil)
    assert "<script>" not in markdown.stdout and "\\[x\\]" in markdown.stdout
    text = run("quote", TRAILER, *AT, "--customer", evil)
    assert "\x1b" not in text.stdout


def test_output_file_and_own_templates(tmp_path: Path) -> None:
    own = tmp_path / "templates"
    own.mkdir()
    (own / "quote.txt.j2").write_text("Promised {{ promised }} for {{ customer }}\n")
    target = tmp_path / "quote.txt"
    result = run("quote", TRAILER, *AT, "--templates", str(own), "--customer", "Ada",
                 "-o", str(target))
    assert result.exit_code == 0
    assert target.read_text() == "Promised 2026-12-04 for Ada\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bto-")]


def test_usage_errors_exit_2() -> None:
    assert run("quote", TRAILER, "--at", "yesterday").exit_code == 2
    assert run("quote", TRAILER, *AT, "--qty", "0").exit_code == 2
    assert run("quote", TRAILER, *AT, "--carrier", "parcl").exit_code == 2
    assert "did you mean 'parcel'" in run("quote", TRAILER, *AT, "--carrier", "parcl").output
    assert run("quote", TRAILER, *AT, "--confidence", "0.2").exit_code == 2


def test_problems_exit_1(tmp_path: Path) -> None:
    orders = tmp_path / "orders.yaml"
    orders.write_text("format: bto-orders/1\nid: o\nbookings:\n"
                      "  - {order: A, work_centre: assembly, start: '2026-12-02T10:00', "
                      "end: '2026-12-02T09:00'}\n")
    result = run("quote", TRAILER, *AT, "--orders", str(orders))
    assert result.exit_code == 1
    assert "orders.yaml:4" in result.stderr and "must end after it starts" in result.stderr
    short = tmp_path / "reserved.yaml"
    short.write_text("format: bto-orders/1\nid: o\nreservations:\n"
                     "  - {order: A, part: MOT-A, qty: 2}\n")
    result = run("quote", TRAILER, *AT, "--orders", str(short))
    assert result.exit_code == 1 and "MOT-A" in result.stderr


def test_schema_of_the_order_book() -> None:
    result = run("schema", "orders")
    assert result.exit_code == 0 and json.loads(result.stdout)["title"].startswith("bto order")


def test_broken_own_templates_are_reported_not_raised(tmp_path: Path) -> None:
    own = tmp_path / "templates"
    own.mkdir()
    for body, message in [("Hello {{ customer\n", ":1: template error"),
                          ("Hello {{ nosuch }}\n", "'nosuch' is undefined"),
                          ('{{ "".__class__.__mro__ }}\n', "unsafe")]:
        (own / "quote.txt.j2").write_text(body)
        result = run("quote", TRAILER, *AT, "--templates", str(own))
        assert result.exit_code == 1, result.output
        assert message in result.stderr and "Traceback" not in result.output


def test_calibration_file(tmp_path: Path) -> None:
    good = tmp_path / "cal.yaml"
    good.write_text("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\n"
                    "buffer_days: {standard: 1, custom: 6}\n")
    result = run("quote", TRAILER, "-s", "motor=buy_motor", *AT, "--calibration", str(good),
                 "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["promised"] == "2027-01-07"
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\n"
                   "buffer_days: {standard: x}\n")
    result = run("quote", TRAILER, *AT, "--calibration", str(bad))
    assert result.exit_code == 1 and "bad.yaml:4" in result.stderr


def test_banded_calibration_takes_the_buffer_of_the_plans_length(tmp_path: Path) -> None:
    """The buffer comes from the band the plan's working days fall in."""
    plain = json.loads(run("quote", TRAILER, "-s", "motor=buy_motor", *AT, "--format",
                           "json").stdout)
    planned = dt.date.fromisoformat(plain["confidence"]["planned"])
    from configurator.loading import load_plant
    from configurator.quoting.calendar import WorkCalendar

    calendar = WorkCalendar.of(load_plant(ROOT / "tests" / "data" / "quote" / "plant.yaml"))
    accepted = dt.date.fromisoformat(plain["accepted"][:10])
    length = calendar.working_days_between(accepted, planned)
    bands = [length, length + 5]  # the plan falls in the second band: [length, length + 5)
    cal = tmp_path / "cal.yaml"
    cal.write_text("format: bto-calibration/1\nscenario: s\ncreated: 2026-11-25\n"
                   f"bands: {bands}\nbuffer_days: {{custom: [9, 3, 7], standard: [9, 3, 7]}}\n")
    result = run("quote", TRAILER, "-s", "motor=buy_motor", *AT, "--calibration", str(cal),
                 "--format", "json")
    assert result.exit_code == 0, result.output
    confidence = json.loads(result.stdout)["confidence"]
    assert confidence["buffer_days"] == 3
    assert confidence["promised"] == calendar.add_working_days(planned, 3).isoformat()
