"""`bto order`, `bto supply` and `bto orders`: the order book through the command line, on
SQLite and on PostgreSQL.

The product is tests/data/ledger/ (see tests/test_ledger.py): a cart whose MOTOR comes from
stock (2 free), from PO-1 (2 units, due Wednesday 2026-12-02) or from a 20-working-day
purchase, built in one shift on the plant's single assembly station.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

import configurator._cli_orders as cli_orders
from configurator.cli import cli
from configurator.ledger import MILESTONES, STATUSES, Ledger
from configurator.quoting.calendar import WorkCalendar
from tests import ledger_db
from tests.strategies import ledger_operations

postgres_base, ledger_urls, ledger_url = (ledger_db.postgres_base, ledger_db.ledger_urls,
                                          ledger_db.ledger_url)
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "ledger"
CATALOG = str(DATA / "catalog.yaml")


class Bto:
    """Runs `bto` on one ledger; returns (exit code, stdout, stderr)."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __call__(self, *args: str, ledger: bool = True) -> tuple[int, str, str]:
        argv = [*args, "--ledger", self.target] if ledger else list(args)
        result = CliRunner().invoke(cli, argv, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    def json(self, *args: str) -> Any:
        code, out, err = self(*args, "--format", "json")
        assert code in (0, 1), err
        return json.loads(out)


def place(bto: Bto, at: str, *more: str) -> tuple[int, str, str]:
    return bto("order", "place", CATALOG, "--at", at, *more)


def _lines_of(out: str, order: str) -> list[str]:
    return [line for line in out.splitlines() if line.split()[:1] == [order]]


# --- the whole story -----------------------------------------------------------------------

def test_the_order_book_story(ledger_url: str) -> None:
    bto = Bto(ledger_url)
    # Two orders take the 2 free motors; the next two wait for PO-1, the last is refused.
    first = bto.json("order", "place", CATALOG, "--at", "2026-11-23T09:00",
                     "--customer", "Ada Lovelace")
    assert first["ok"] and first["order"]["status"] == "confirmed"
    second = bto.json("order", "place", CATALOG, "--at", "2026-11-23T09:05")
    third = bto.json("order", "place", CATALOG, "--at", "2026-11-23T09:10")
    assert third["ok"]
    assert third["order"]["promised"] > second["order"]["promised"]  # the later date
    on_po = [r for r in third["order"]["reservations"] if r["part"] == "MOTOR"]
    assert on_po and on_po[0]["po"] == "PO-1"
    fourth = bto.json("order", "place", CATALOG, "--at", "2026-11-23T09:15")
    assert fourth["order"]["reservations"][0]["po"] == "PO-1"
    # A customer who holds an earlier date is refused, with the reason, exit 1.
    code, out, _ = place(bto, "2026-11-23T09:20", "--promised", third["order"]["promised"])
    assert code == 1
    assert "refused" in out and "MOTOR" in out and "O-1, O-2" in out
    # The PO slips: who slips, by how much, escalated to whom.
    code, out, _ = bto("supply", "delay", "PO-1", "2026-12-16", "--at", "2026-11-24T08:00",
                       "--cause", "ship lost a week")
    assert code == 0, out
    assert "ship lost a week" in out.splitlines()[0]
    ledger = Ledger.open(ledger_url)
    try:
        changes = {c.order: c for c in ledger.changes()}
    finally:
        ledger.close()
    assert set(changes) == {"O-3", "O-4"}
    for order, change in changes.items():
        (line,) = _lines_of(out, order)
        assert change.old.isoformat() in line and change.new.isoformat() in line
        assert f"+{change.slip_days}" in line and (change.escalated_to or "-") in line
    assert "kept: O-1, O-2" in out
    # Re-promising again moves nothing.
    repromise = bto.json("orders", "repromise", "--at", "2026-11-24T09:00")
    assert repromise["changes"] == [] and set(repromise["kept"]) == {"O-1", "O-2", "O-3",
                                                                     "O-4"}
    # The PO arrives early after all: its reservations become stock, nobody moves.
    received = bto.json("supply", "receive", "PO-1", "--at", "2026-11-25T10:00")
    assert received["event"]["kind"] == "received" and received["repromise"]["changes"] == []
    o3 = bto.json("order", "show", "O-3")
    assert [r["po"] for r in o3["reservations"] if r["part"] == "MOTOR"] == [None]
    # O-1 goes through its milestones to delivered.
    for milestone, at in (("assembly_start", "2026-11-23T09:00"),
                          ("assembly_end", "2026-11-24T09:00"),
                          ("shipped", "2026-11-24T17:00"), ("delivered", "2026-11-25T11:00")):
        code, out, err = bto("order", "advance", "O-1", milestone, "--at", at)
        assert code == 0, err
        assert out.startswith(f"O-1 {'in_assembly' if 'assembly' in milestone else milestone}")
    shown = bto.json("order", "show", "O-1")
    assert shown["status"] == "delivered" and shown["reservations"] == []
    delivered = [m for m in shown["milestones"] if m["name"] == "delivered"]
    assert delivered[0]["actual"] == "2026-11-25T10:00:00+00:00"  # 11:00 plant time
    # Cancel O-2; a second cancel is a problem (exit 1), not a traceback.
    code, out, _ = bto("order", "cancel", "O-2", "--reason", "customer withdrew",
                       "--at", "2026-11-25T12:00")
    assert code == 0 and "customer withdrew" in out
    code, _, err = bto("order", "cancel", "O-2")
    assert code == 1 and "cancelled" in err
    # A change that breaks a rule is refused and recorded; with the brake it goes through.
    code, out, _ = bto("order", "change", "O-4", "-s", "motor=strong", "-s", "brake=none_brake",
                       "--at", "2026-11-25T13:00")
    assert code == 1 and "strong-needs-disc" in out
    code, out, err = bto("order", "change", "O-4", "-s", "motor=strong", "-s", "brake=disc",
                         "--at", "2026-11-25T13:00")
    assert code == 0, err
    changed = bto.json("order", "show", "O-4")
    assert changed["configuration"] == {"motor": "strong", "brake": "disc", "wheels": 4}
    assert "motor=strong" in out
    # list: text and JSON agree with each other and the statuses.
    listed = bto.json("order", "list")
    assert [o["status"] for o in listed] == ["delivered", "cancelled", "confirmed",
                                            "confirmed", "refused"]
    code, out, _ = bto("order", "list", "--status", "confirmed")
    assert code == 0 and [line.split()[0] for line in out.splitlines()[2:]] == ["O-3", "O-4"]
    code, out, _ = bto("order", "show", "O-3")
    assert code == 0 and "order O-3: confirmed" in out and "milestones" in out
    code, out, _ = bto("orders", "check")
    assert code == 0 and "the ledger is sound" in out


def test_supply_lead_time_and_capacity_lost_print_who_slips(ledger_url: str) -> None:
    bto = Bto(ledger_url)
    strong = bto.json("order", "place", CATALOG, "-s", "motor=strong", "-s", "brake=disc",
                      "--at", "2026-11-23T09:00")
    assert strong["ok"]
    stocked = bto.json("order", "place", CATALOG, "--at", "2026-11-23T09:05")
    event = bto.json("supply", "lead-time", "MOTOR-XL", "30", "--at", "2026-11-24T09:00")
    assert [c["order"] for c in event["repromise"]["changes"]] == ["O-1"]
    assert event["repromise"]["changes"][0]["escalated_to"] == "purchasing"
    booking = stocked["order"]["bookings"][0]
    code, out, err = bto("supply", "capacity-lost", "assembly", booking["start"],
                         booking["end"], "--at", "2026-11-24T10:00", "--cause", "robot down")
    assert code == 0, err
    assert "robot down" in out and len(_lines_of(out, "O-2")) == 1
    code, _, err = bto("supply", "lead-time", "MOTOR-XL", "soon")
    assert code == 1 and "lead time" in err


def test_a_quote_is_recorded_then_confirmed_or_refused(tmp_path: Path) -> None:
    bto = Bto(str(tmp_path / "orders.db"))
    code, out, _ = bto("order", "quote", CATALOG, "--at", "2026-11-23T09:00",
                       "--customer", "Ada", "--id", "Q-7")
    assert code == 0 and out.startswith("Q-7 quoted: offered")
    quoted = bto.json("order", "show", "Q-7")
    assert quoted["status"] == "quoted" and quoted["reservations"] == []
    confirmed = bto.json("order", "confirm", "Q-7", "--at", "2026-11-23T10:00")
    assert confirmed["ok"] and confirmed["order"]["status"] == "confirmed"
    assert confirmed["order"]["reservations"]
    # A second quote, confirmed for a date that is gone by then: refused, exit 1.
    assert bto("order", "quote", CATALOG, "--at", "2026-11-23T09:30")[0] == 0
    code, out, _ = bto("order", "confirm", "O-1", "--promised", "2026-11-24",
                       "--at", "2026-11-23T11:00")
    assert code == 1 and out.startswith("O-1 refused:")
    assert bto.json("order", "show", "O-1")["status"] == "refused"
    code, _, err = bto("order", "confirm", "Q-7")
    assert code == 1 and "only a quoted order" in err


# --- the files the ledger finds again ---------------------------------------------------------

def _copy_data(folder: Path) -> str:
    folder.mkdir()
    for name in ("catalog.yaml", "plant.yaml", "supply.yaml"):
        shutil.copy(DATA / name, folder / name)
    return str(folder / "catalog.yaml")


def test_the_ledger_finds_the_files_again_and_names_one_that_is_gone(tmp_path: Path) -> None:
    bto = Bto(str(tmp_path / "orders.db"))
    catalog = _copy_data(tmp_path / "data")
    assert bto("order", "place", catalog, "--at", "2026-11-23T09:00")[0] == 0
    with Ledger.open(tmp_path / "orders.db") as ledger:
        recorded = {(s.kind, s.id): s.path for s in ledger.sources()}
    assert recorded == {("catalog", "cart"): catalog,
                        ("plant", "werkstatt"): str(tmp_path / "data" / "plant.yaml"),
                        ("supply", "cart-supply"): str(tmp_path / "data" / "supply.yaml")}
    assert bto("orders", "repromise", "--at", "2026-11-24T09:00")[0] == 0
    supply = tmp_path / "data" / "supply.yaml"
    text = supply.read_text(encoding="utf-8")
    supply.write_text(text.replace("id: cart-supply", "id: renamed"), encoding="utf-8")
    code, _, err = bto("supply", "delay", "PO-1", "2026-12-16")
    assert code == 1 and str(supply) in err and "'renamed'" in err
    supply.unlink()
    code, _, err = bto("orders", "repromise")
    assert code == 1 and "Traceback" not in err
    assert str(tmp_path / "data") in err
    # Reading does not need the files: list and show still work, with a warning.
    code, out, err = bto("order", "list")
    assert code == 0 and "O-1" in out and "warning:" in err


def test_a_file_only_finished_orders_used_is_a_warning(tmp_path: Path) -> None:
    bto = Bto(str(tmp_path / "orders.db"))
    old = _copy_data(tmp_path / "old")
    assert bto("order", "place", old, "--at", "2026-11-23T09:00")[0] == 0
    assert bto("order", "cancel", "O-1")[0] == 0
    shutil.rmtree(tmp_path / "old")
    with Ledger.open(tmp_path / "orders.db") as ledger:
        warnings = ledger.load_sources()
    assert warnings and all("gone" in w or "no longer loads" in w for w in warnings)
    code, _, err = bto("orders", "repromise", "--at", "2026-11-24T09:00")
    assert code == 2 and "time zone is not known" in err  # no plant file left to tell
    code, out, err = bto("orders", "repromise", "--at", "2026-11-24T09:00+01:00")
    assert code == 0 and "0 confirmed orders checked" in out and "warning:" in err


# --- bad input ---------------------------------------------------------------------------------

def test_bad_input_has_clear_errors_and_exit_codes(tmp_path: Path) -> None:
    target = str(tmp_path / "orders.db")
    bto = Bto(target)
    # A read on a missing ledger is an error and creates nothing.
    code, _, err = bto("order", "list")
    assert code == 1 and "no ledger at" in err and not Path(target).exists()
    code, _, err = place(bto, "2026-11-23T09:00")
    assert code == 0 and f"created a new ledger {target}" in err
    code, _, err = place(bto, "2026-11-23T09:05")
    assert "created" not in err
    # An unknown order or PO: exit 1 with a did-you-mean.
    code, _, err = bto("order", "show", "O-3")
    assert code == 1 and "no order O-3" in err and "did you mean 'O-" in err
    code, _, err = bto("supply", "receive", "PO-7")
    assert code == 1 and "PO-7" in err and "did you mean 'PO-1'" in err
    # Usage errors: exit 2.
    for args in (("supply", "delay", "PO-1", "2026-12-32"),
                 ("order", "place", CATALOG, "--promised", "soon"),
                 ("order", "advance", "O-1", "teleported"),
                 ("order", "cancel", "O-1", "--at", "yesterday"),
                 ("order", "list", "--status", "lost"),
                 ("order", "change", "O-1", "-s", "motor=diesel"),
                 ("order", "change", "O-1")):
        code, _, err = bto(*args)
        assert code == 2, (args, err)
        assert "Traceback" not in err
    # A bad file: its problems as file:line:col, exit 1.
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: bto-catalog/1\nid: [\n", encoding="utf-8")
    code, _, err = bto("order", "place", str(broken))
    assert code == 1 and f"{broken}:" in err
    # Ledgers that cannot be opened: exit 1.
    for bad in ("mysql://localhost/orders", str(tmp_path / "missing" / "orders.db"),
                str(tmp_path)):
        code, _, err = Bto(bad)("order", "place", CATALOG, "--at", "2026-11-23T09:00")
        assert code == 1 and err.strip().splitlines()[-1].startswith("error:"), err
    code, out, _ = Bto("mysql://localhost/orders")("order", "list", "--format", "json")
    assert code == 1 and "SQLite or PostgreSQL" in json.loads(out)["error"]


def test_the_ledger_comes_from_bto_ledger_or_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = Bto("")(*("order", "place", CATALOG, "--at", "2026-11-23T09:00"),
                           ledger=False)
    assert code == 0 and (tmp_path / cli_orders.DEFAULT_LEDGER).exists()
    monkeypatch.setenv("BTO_LEDGER", str(tmp_path / "env.db"))
    code, out, err = Bto("")("order", "list", ledger=False)
    assert code == 1 and "env.db" in err


def test_times_without_an_offset_are_plant_time(tmp_path: Path) -> None:
    bto = Bto(str(tmp_path / "orders.db"))
    local = bto.json("order", "place", CATALOG, "--at", "2026-11-23T09:00")
    utc = bto.json("order", "place", CATALOG, "--at", "2026-11-23T08:00+00:00")
    assert local["order"]["placed"] == utc["order"]["placed"] == "2026-11-23T08:00:00+00:00"


def test_the_commands_name_what_the_library_takes() -> None:
    assert cli_orders.MILESTONE_NAMES == MILESTONES
    assert cli_orders.STATUS_NAMES == STATUSES


# --- properties --------------------------------------------------------------------------------

@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(operations=ledger_operations(max_size=6))
def test_any_sequence_of_commands_leaves_a_sound_ledger_the_list_shows(
        tmp_path_factory: pytest.TempPathFactory, operations: list[Any]) -> None:
    target = str(tmp_path_factory.mktemp("cli") / "orders.db")
    bto = Bto(target)
    start = dt.datetime(2026, 11, 23, 9)
    for step, (kind, arg) in enumerate(operations):
        at = (start + dt.timedelta(hours=step)).isoformat()
        if kind == "place":
            configuration, promised = arg
            selects = [f"-s{k}={v}" for k, v in configuration.items()]
            more = ["--promised", promised.isoformat()] if promised else []
            code, out, _ = place(bto, at, *selects, *more)
            assert code in (0, 1) and ("refused" in out) == (code == 1)
        elif kind == "cancel" and Path(target).exists():
            open_orders = bto.json("order", "list", "--status", "confirmed")
            if open_orders:
                code, _, err = bto("order", "cancel", open_orders[arg % len(open_orders)]["id"],
                                   "--at", at)
                assert code == 0, err
        elif kind in ("receive", "delay") and Path(target).exists():
            args = (("supply", "receive", "PO-1", "--qty", str(arg)) if kind == "receive" else
                    ("supply", "delay", "PO-1", (dt.date(2026, 12, 2)
                                                 + dt.timedelta(days=arg)).isoformat()))
            code, _, err = bto(*args, "--at", at)
            assert code == 0 or (code == 1 and "PO-1" in err), err  # once it is all in
    if not Path(target).exists():
        return
    assert bto("orders", "check")[0] == 0
    with Ledger.open(target) as ledger:
        expected = [o.to_dict() for o in ledger.orders()]
        calendar_ok = all(c.slip_days >= 0 for c in ledger.changes())
    assert bto.json("order", "list") == expected and calendar_ok


def test_slips_are_counted_on_the_plant_calendar(tmp_path: Path) -> None:
    bto = Bto(str(tmp_path / "orders.db"))
    for minute in range(4):
        assert place(bto, f"2026-11-23T09:0{minute}")[0] == 0
    result = bto.json("supply", "delay", "PO-1", "2027-01-04", "--at", "2026-11-24T08:00")
    from configurator import load_plant

    calendar = WorkCalendar.of(load_plant(DATA / "plant.yaml"))
    assert result["repromise"]["changes"]
    for change in result["repromise"]["changes"]:
        old, new = (dt.date.fromisoformat(change[k]) for k in ("old", "new"))
        assert change["slip_days"] == calendar.working_days_between(old, new) > 0



# --- the documentation -------------------------------------------------------------------------

def test_the_transcript_in_docs_ledger_md_is_what_the_commands_print(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    import shlex

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "ledger.md").read_text(encoding="utf-8")
    block = re.search(r"## Command line\n.*?```console\n(.*?)```", text, flags=re.S)
    assert block is not None
    steps: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    assert len(steps) >= 10
    monkeypatch.chdir(ROOT)
    runner = CliRunner(env={"BTO_LEDGER": str(tmp_path / "bto-ledger.db")})
    for command, expected in steps:
        argv = shlex.split(command)
        assert argv[0] == "bto"
        result = runner.invoke(cli, argv[1:], catch_exceptions=False)
        shown = result.stdout if result.stdout.strip() else result.stderr
        assert shown.rstrip("\n").splitlines() == expected, command
        assert result.exit_code in (0, 1)


# --- bto kpi on the ledger -----------------------------------------------------------------

def test_kpi_reads_the_ledger_with_the_customization_error_rate(ledger_url: str) -> None:
    bto = Bto(ledger_url)
    placed = [bto.json("order", "place", CATALOG, "--at", f"2026-11-23T09:0{i}")
              for i in range(3)]
    assert all(p["ok"] for p in placed)
    first, second = placed[0]["order"], placed[1]["order"]
    late = dt.date.fromisoformat(first["promised"]) + dt.timedelta(days=7)
    bto("order", "advance", first["id"], "delivered", "--at", f"{late}T10:00")
    bto("order", "advance", second["id"], "delivered", "--at", f"{second['promised']}T10:00")
    code, _, _ = bto("order", "change", placed[2]["order"]["id"], "-s", "brake=disc",
                     "--at", "2026-11-24T09:00")
    assert code == 0
    code, out, err = bto("kpi", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    overall = next(g for g in report["groups"] if g["segment"] == "all" and g["month"] == "all")
    assert (overall["orders"], overall["delivered"], overall["open"]) == (3, 2, 1)
    assert float(overall["on_time_percent"]) == 50.0
    custom = report["customization"]
    assert (custom["confirmed"], custom["changed"], custom["rejected"]) == (3, 1, 0)
    assert custom["orders"] == [placed[2]["order"]["id"]] and custom["rate"] == "0.3333"
    code, out, _ = bto("kpi")
    assert "customization errors: 1 of 3 confirmed orders" in out
    code, _, err = bto("kpi", str(DATA / "catalog.yaml"))  # a history file and a ledger
    assert code == 2 and "one of them" in err


def test_demand_reads_the_ledger(ledger_url: str) -> None:
    bto = Bto(ledger_url)
    for i, motor in enumerate(("standard", "standard", "manual")):
        code, _, err = place(bto, f"2026-11-23T09:0{i}", "-s", f"motor={motor}")
        assert code == 0, err
    code, out, err = bto("demand", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ledger"] == ledger_url
    motor = next(m for m in report["report"]["popularity"] if m["module"] == "motor")
    shares = {o["option"]: o["units"] for o in motor["options"]}
    assert shares == {"standard": 2, "manual": 1}


def test_a_quote_against_the_ledger_gives_the_date_placing_gives(ledger_url: str) -> None:
    bto = Bto(ledger_url)
    place(bto, "2026-11-23T08:00")  # the ledger exists, and one motor is held
    for minute in range(1, 5):  # the motors in stock run out, then PO-1's
        at = f"2026-11-23T09:0{minute}"
        code, out, err = bto("quote", CATALOG, "--at", at, "--format", "json")
        assert code == 0, err
        quoted = json.loads(out)["promised"]
        placed = bto.json("order", "place", CATALOG, "--at", at)
        assert placed["ok"] and placed["order"]["promised"] == quoted
    code, _, err = bto("quote", CATALOG, "--orders", str(ROOT / "rules" / "orders-ebike.yaml"))
    assert code == 2 and "not both" in err


def test_reading_a_database_without_a_ledger_is_an_error_not_a_new_ledger(
        ledger_url: str) -> None:
    bto = Bto(ledger_url)
    code, _, err = bto("order", "list")
    assert code == 1 and "no ledger at" in err
    code, _, err = bto("kpi")
    assert code == 1 and "no ledger at" in err
    assert place(bto, "2026-11-23T09:00")[0] == 0  # placing creates it
    assert bto("order", "list")[0] == 0


def test_a_change_moves_the_fewest_other_modules_the_rules_require(tmp_path: Path) -> None:
    bto = Bto(str(tmp_path / "ledger.db"))
    assert place(bto, "2026-11-23T09:00", "-s", "wheels=6")[0] == 0
    code, out, err = bto("order", "change", "O-1", "-s", "motor=strong",
                         "--at", "2026-11-23T10:00")
    assert code == 0, err
    # strong-needs-disc: the brake follows; the customer's six wheels stay
    changed = bto.json("order", "show", "O-1")["configuration"]
    assert changed == {"motor": "strong", "brake": "disc", "wheels": 6}


def test_times_out_of_range_or_out_of_order_are_clear_errors(tmp_path: Path) -> None:
    bto = Bto(str(tmp_path / "ledger.db"))
    code, _, err = place(bto, "0001-01-01T00:00")
    assert code == 2 and "out of range" in err
    code, _, err = bto("quote", CATALOG, "--at", "0001-01-01T00:00", ledger=False)
    assert code == 2 and "out of range" in err
    assert place(bto, "2026-11-23T09:00")[0] == 0
    code, _, err = place(bto, "2026-11-20T09:00")  # before the last order: no queue jump
    assert code == 1 and "cannot be dated before" in err
    code, _, err = bto("order", "advance", "O-1", "delivered", "--at", "2026-11-20T10:00")
    assert code == 1 and "cannot come before" in err
    code, _, err = bto("order", "advance", "O-1", "shipped", "--at",
                       "0001-01-01T00:30+05:00")
    assert code == 2 and "out of range" in err


def test_the_ledger_s_history_counts_the_plant_s_days(tmp_path: Path) -> None:
    target = tmp_path / "ledger.db"
    bto = Bto(str(target))
    assert place(bto, "2026-12-01T00:30")[0] == 0  # plant time: 23:30 UTC the day before
    assert bto("order", "advance", "O-1", "delivered", "--at", "2026-12-04T00:15")[0] == 0
    with Ledger.open(target) as ledger:
        ledger.load_sources()
        record = ledger.history()[0]
    assert record.ordered.date() == dt.date(2026, 12, 1)
    assert record.delivered == dt.date(2026, 12, 4)


def test_events_a_typo_would_make_unplannable_are_refused(tmp_path: Path) -> None:
    bto = Bto(str(tmp_path / "ledger.db"))
    assert place(bto, "2026-11-23T09:00")[0] == 0
    for args, message in ((("supply", "lead-time", "MOTOR", "1e30"), "a typo?"),
                          (("supply", "delay", "PO-1", "0001-01-01"), "cannot arrive on"),
                          (("supply", "receive", "PO-1", "--qty", "1e999999999"), "a typo?")):
        code, _, err = bto(*args, "--at", "2026-11-24T08:00")
        assert code == 1 and message in err, (args, err)
    code, out, _ = bto("orders", "repromise", "--at", "2026-11-24T09:00")
    assert code == 0 and "could not re-plan" not in out
