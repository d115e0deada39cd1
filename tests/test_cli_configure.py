"""The configuring commands: options, validate, explain, complete, count, test."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from configurator.cli import cli

from .conftest import ROOT, write


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(params=["sat", "csp"])
def engine(request):
    return request.param


def test_options_lists_available_and_explains_the_rest(mini_path, engine):
    result = run("options", str(mini_path), "-s", "frame=manual", "--engine", engine)
    assert result.exit_code == 0, result.output
    assert "top (single): oak\n" in result.stdout
    assert "x drawer: by frame=manual; no-drawer-on-crank (" in result.stdout
    assert "mini.yaml:62:5): The crank collides with the drawer." in result.stdout
    data = json.loads(run("options", str(mini_path), "-s", "frame=manual", "--engine", engine,
                          "--format", "json").stdout)
    top = next(m for m in data["modules"] if m["module"] == "top")
    assert top["available"] == ["oak"] and top["forced"] == ["oak"]
    assert top["why"]["linoleum"]["rules"][0]["id"] == "tops-per-frame"


def test_validate_exit_codes_and_violations(mini_path, engine):
    ok = run("validate", str(mini_path), "-s", "frame=manual", "--engine", engine)
    assert ok.exit_code == 0 and ok.stdout.startswith("valid (3 module(s) still open")
    bad = run("validate", str(mini_path), "-s", "top=linoleum", "-s", "frame=manual",
              "--engine", engine)
    assert bad.exit_code == 1
    assert "your choices: top=linoleum, frame=manual" in bad.stdout
    assert "rule tops-per-frame (" in bad.stdout and "mini.yaml:67:5)" in bad.stdout
    assert "drop top=linoleum (then e.g. top=oak)" in bad.stdout
    data = json.loads(run("validate", str(mini_path), "-s", "top=linoleum", "-s",
                          "frame=manual", "--format", "json").stdout)
    assert data["valid"] is False and data["repairs"][0]["remove"] == [
        {"module": "top", "value": "linoleum", "excluded": False}]


def test_explain_target_must_be_one_choice(mini_path):
    for target, message in (("extras", "'extras' is not MODULE=VALUE"),
                            ("extras=drawer,cable_tray", "names several options")):
        result = run("explain", str(mini_path), target)
        assert result.exit_code == 2 and message in result.stderr


def test_explain(mini_path, engine):
    result = run("explain", str(mini_path), "extras=drawer", "-s", "frame=manual",
                 "--engine", engine)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == ["extras=drawer is not possible because of",
                                              "  your choices: frame=manual"]
    possible = run("explain", str(mini_path), "extras=drawer")
    assert "is possible" in possible.stdout


def test_complete_round_trips_through_a_selection_file(mini_path, tmp_path, engine):
    result = run("complete", str(mini_path), "-s", "width_mm=2000", "--format", "json",
                 "--engine", engine)
    assert result.exit_code == 0
    saved = json.loads(result.stdout)
    assert saved["format"] == "bto-selection/1" and saved["select"]["width_mm"] == 2000
    assert saved["select"]["frame"] == "single_motor"  # wide desks need a motor
    path = write(tmp_path, "saved.json", result.stdout)
    again = run("validate", str(mini_path), "--selection", str(path))
    assert again.exit_code == 0
    cheapest = run("complete", str(mini_path), "--objective", "cheapest")
    assert "width_mm: 1200  (completed)" in cheapest.stdout


def test_complete_of_a_conflict_exits_1(mini_path):
    result = run("complete", str(mini_path), "-s", "top=linoleum", "-s", "frame=manual")
    assert result.exit_code == 1 and "the choices conflict" in result.stdout


def test_count(mini_path, engine):
    assert run("count", str(mini_path), "--engine", engine).stdout.strip() == "88"
    data = json.loads(run("count", str(mini_path), "-s", "frame=manual", "--format",
                          "json").stdout)
    assert data["count"] < 88


def test_catalog_tests_pass_and_fail(mini_path, tmp_path):
    result = run("test", str(mini_path))
    assert result.exit_code == 0 and "3 passed, 0 failed" in result.stderr
    text = mini_path.read_text(encoding="utf-8").replace(
        "expect: rejected\n    by: wide-needs-motor", "expect: valid")
    assert text != mini_path.read_text(encoding="utf-8")
    broken = write(tmp_path / "catalogs", "mini.yaml", text)
    for name in ("rules/plant.yaml", "rules/supply.yaml", "rules/sourcing.csv",
                 "catalogs/tables/widths.csv"):
        write(tmp_path, name, (mini_path.parent.parent / name).read_text(encoding="utf-8"))
    failed = run("test", str(broken))
    assert failed.exit_code == 1
    assert "FAIL mini-desk: " in failed.stdout and "wide-needs-motor" in failed.stdout


@pytest.mark.parametrize("args, message", [
    (["-s", "fram=manual"], "unknown module 'fram' (did you mean 'frame'?)"),
    (["-s", "frame=manul"], "did you mean 'manual'?"),
    (["-s", "frame"], "'frame' is not MODULE=VALUE"),
    (["-s", "frame=zzz"], "(options: manual, single_motor, dual_motor)"),
    (["-s", "width_mm=wide"], "takes an integer"),
    (["-s", "width_mm=1300"], "is not a value of module 'width_mm'"),
])
def test_bad_choices_are_usage_errors(mini_path, args, message):
    result = run("validate", str(mini_path), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text, where", [
    ("select: {frame: manul}\n", "1:17: R302 unknown option 'manul'"),
    ("select: {fram: manual}\n", "1:10: R301 unknown module 'fram'"),
    ("format: bto-selection/1\ncatalog: ebike\nselect: {}\n", "2:10: S204"),
    ("selct: {}\n", "1:1: S201 unknown key 'selct'"),
    ("select: {width_mm: 1300}\n", "1:20: C605"),
    ("select: {frame: [manual, dual_motor]}\n", "1:17: C605 single-select module 'frame' "
     "takes one option"),
    ("select: {width_mm: [1200, 1400]}\n", "1:20: C605 integer module 'width_mm' takes one"),
    ("select: {frame: null}\n", "1:17: C605 module 'frame' requires an option"),
    ("select: [1, 2\n", "Y101"),
])
def test_bad_selection_files_name_the_place(mini_path, tmp_path, text, where):
    path = write(tmp_path, "sel.yaml", text)
    result = run("validate", str(mini_path), "--selection", str(path))
    assert result.exit_code == 1
    assert f"{path}:{where}" in result.stderr if where[0].isdigit() else where in result.stderr
    assert "Traceback" not in result.output


def test_a_selection_file_can_choose_nothing_in_an_optional_module(tmp_path):
    catalog = ROOT / "catalogs" / "ebike.yaml"
    path = write(tmp_path, "sel.yaml", "select: {range_extender: null, frame: longtail}\n")
    result = run("complete", str(catalog), "--selection", str(path))
    assert result.exit_code == 0, result.output
    assert "range_extender: none\n" in result.stdout  # chosen, not "(completed)"


def test_example_catalog_tests_pass():
    result = run("test", *(str(ROOT / "catalogs" / f"{name}.yaml")
                           for name in ("ebike", "workstation", "pump-skid")))
    assert result.exit_code == 0, result.stdout
    assert "60 passed, 0 failed" in result.stderr


EBIKE = str(ROOT / "catalogs" / "ebike.yaml")


def test_options_offers_other_values_of_a_chosen_module_as_replacements():
    # frame=longtail is chosen: the other frames are not dead ends but replacements; a hub
    # motor stays excluded, with the cargo rule as the reason
    result = run("options", EBIKE, "-s", "frame=longtail", "-s", "motor=mid_ep8")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    frame = next(line for line in lines if line.startswith("frame "))
    assert "(instead: trapeze, diamond, suv, longjohn)" in frame
    assert not any(line.startswith("  x trapeze") for line in lines)
    assert any(line.startswith("  x hub_front_40") and "cargo-needs-mid-drive" in line
               for line in lines)
    data = json.loads(run("options", EBIKE, "-s", "frame=longtail", "--format", "json").stdout)
    by_module = {m["module"]: m for m in data["modules"]}
    assert by_module["frame"]["instead"] == ["trapeze", "diamond", "suv", "longjohn"]
    assert by_module["motor"]["instead"] == []
