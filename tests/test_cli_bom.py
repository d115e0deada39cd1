"""The `bto bom` and `bto price` commands: output, completion, conflicts, exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from configurator import pricing
from configurator.cli import cli

from .conftest import ROOT, write
from .test_bom import TRAILER

EBIKE = str(ROOT / "catalogs" / "ebike.yaml")


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def text_of(*args: str):
    """The result of a command that must succeed, and its stdout's lines."""
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result, result.stdout.splitlines()


def test_bom_text_shows_tree_operations_and_parts():
    result, out = text_of("bom", EBIKE, "-s", "frame=longtail", "-s",
                          "range_extender=ext_540", "--qty", "2")
    assert out[0] == "ebike-neckar: bill of materials for 2 product(s)"
    assert out[2].split() == ["level", "part", "qty", "total", "uom", "name"]
    assert out[3].split()[:5] == ["1", "ASM-FRAME", "1", "2", "pcs"]
    powder = next(line for line in out if "POWDER-RAL7016-M" in line)
    assert powder.split()[:5] == ["2", "POWDER-RAL7016-M", "0.7", "1.4", "kg"]
    assert powder.index("POWDER") > out[3].index("ASM-FRAME")  # indented one level
    assert any("HARNESS-DUAL-Y" in line and "(from kit KIT-EXT-MOUNT)" in line for line in out)
    start = out.index("operations, in order:")
    assert out[start + 2].split()[:6] == ["ASM-FRAME", "pretreat", "paint-shop", "15", "2", "30"]
    final = [line for line in out if line.startswith("(final)")]
    assert final[0].split()[1:3] == ["assemble", "assembly"] and final[-1].split()[1] == "crate"
    parts = out[out.index("parts:") + 1:]
    locks = next(line for line in parts if line.startswith("LOCK-CYL-ABUS"))
    assert locks.split()[:4] == ["LOCK-CYL-ABUS", "purchased", "4", "pcs"]  # 2 batteries x 2
    assert "completed (catalog defaults where the rules allow): frame_size=one" in result.stderr
    assert "frame=longtail" not in result.stderr


def test_bom_json_round_trips():
    result = run("bom", EBIKE, "-s", "frame=longtail", "--qty", "3", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["catalog"] == "ebike-neckar" and data["qty"] == 3
    assert data["configuration"]["frame"] == "longtail"
    totals = {p["part"]: p["total"] for p in data["parts"]}
    assert totals["LOCK-CYL-ABUS"] == "3" and totals["POWDER-RAL7016-M"] == "2.1"
    assert data["nodes"][0]["children"][0]["part"] == "FRS-LONGTAIL"


def test_price_text_lines_right_aligned_with_total_and_rule():
    _, out = text_of("price", EBIKE, "-s", "frame=longtail", "-s", "colour=custom_ral",
                     "--qty", "2")
    assert out[0] == "ebike-neckar: price in EUR for 2 product(s)"
    table = out[2:out.index("", 2)]
    assert len({len(line) for line in table}) == 1  # every amount ends in the same column
    assert table[1].startswith("Neckar e-bike") and table[1].split()[-3:] == [
        "2299.00", "2", "4598.00"]
    configured = table.index(next(line for line in table if line.startswith("configured")))
    assert table[configured + 1].startswith("Pallet freight for cargo bikes")
    assert "(3 % of " in table[-2] and table[-1].startswith("total EUR")
    assert out[-1].startswith("rounding: Each line's amount per unit is computed exactly")


def test_price_json_round_trips_and_adds_up():
    result = run("price", EBIKE, "--qty", "2", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["currency"] == "EUR" and data["qty"] == 2
    total = sum(float(line["amount"]) for line in data["lines"])
    assert abs(total - float(data["total"])) < 0.005
    assert data["lines"][0]["kind"] == "base" and data["lines"][0]["unit_amount"] == "2299.00"


@pytest.mark.parametrize("command", ["bom", "price"])
def test_a_conflict_exits_1_with_the_validate_report(command):
    result = run(command, EBIKE, "-s", "frame=longtail", "-s", "motor=hub_rear_50")
    assert result.exit_code == 1
    validate = run("validate", EBIKE, "-s", "frame=longtail", "-s", "motor=hub_rear_50")
    assert result.stdout == validate.stdout
    assert "rule cargo-needs-mid-drive (" in result.stdout and "ebike.yaml:" in result.stdout
    data = json.loads(run(command, EBIKE, "-s", "frame=longtail", "-s", "motor=hub_rear_50",
                          "--format", "json").stdout)
    assert data["valid"] is False and data["repairs"]


@pytest.mark.parametrize("command", ["bom", "price"])
@pytest.mark.parametrize("qty", ["0", "-1", "two", "1.5"])
def test_qty_must_be_a_positive_integer(command, qty):
    result = run(command, EBIKE, "--qty", qty)
    assert result.exit_code == 2 and "--qty" in result.stderr


@pytest.mark.parametrize("command", ["bom", "price"])
def test_an_unknown_choice_is_a_usage_error(command):
    result = run(command, EBIKE, "-s", "frame=tandem")
    assert result.exit_code == 2 and "unknown option 'tandem'" in result.stderr


def test_a_bom_error_exits_1_with_the_line(tmp_path):
    path = write(tmp_path, "trailer.yaml", TRAILER.replace('qty: "wheels - 2"',
                                                           'qty: "wheels - 3"'))
    result = run("bom", str(path), "-s", "wheels=2")
    assert result.exit_code == 1 and result.stdout == ""
    assert "trailer.yaml:" in result.stderr and "BOM line of part 'SPARE'" in result.stderr
    data = json.loads(run("bom", str(path), "-s", "wheels=2", "--format", "json").stdout)
    assert "negative" in data["error"]
    assert run("bom", str(path), "-s", "wheels=4").exit_code == 0


def test_a_price_error_exits_1(monkeypatch):
    def fail(*args: object, **kwargs: object) -> None:
        raise pricing.PriceError("'x' is 'y', not a number", "cargo-freight")

    monkeypatch.setattr(pricing, "price", fail)
    result = run("price", EBIKE)
    assert result.exit_code == 1 and "surcharge 'cargo-freight'" in result.stderr


def test_a_saved_selection_is_used_as_is(tmp_path):
    saved = run("complete", EBIKE, "-s", "frame=diamond", "--format", "json").stdout
    path = write(tmp_path, "bike.json", saved)
    result = run("price", EBIKE, "--selection", str(path), "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""  # nothing left to complete
    select = {module: value["exactly"] if isinstance(value, dict) else value
              for module, value in json.loads(saved)["select"].items()}
    assert json.loads(result.stdout)["configuration"] == select


@pytest.mark.parametrize("command", ["bom", "price"])
def test_both_engines_give_the_same_answer(command, tmp_path):
    # The csp engine is the reference for small catalogs; the e-bike is too big for it.
    path = str(write(tmp_path, "trailer.yaml", TRAILER))
    sat = run(command, path, "-s", "model=pro", "--engine", "sat", "--format", "json")
    csp = run(command, path, "-s", "model=pro", "--engine", "csp", "--format", "json")
    assert sat.exit_code == csp.exit_code == 0 and sat.stdout == csp.stdout
    assert json.loads(sat.stdout)["configuration"]["model"] == "pro"
