"""Multi-select modules in selections: selected, excluded and open options, "none of them",
and saved configurations that pin every module exactly.

The same item language serves the session API, ``-s`` arguments, selection files and a
catalog's ``tests:`` section; the property test reads every configuration of generated
catalogs back from its saved form and finds exactly that configuration again.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_catalog
from configurator.catalog_tests import run_catalog_tests
from configurator.choices import Choice, SelectionError
from configurator.cli import cli
from configurator.selection import parse_choice, read_selection_file
from configurator.session import Configuration, Session, _fixed_of, _values_of

from .conftest import GOOD, write
from .strategies import catalog_texts
from .test_engine_csp import all_solutions, generated_model
from .test_session import ENGINES


@pytest.fixture(scope="module")
def mini():
    return load_catalog(GOOD / "catalogs" / "mini.yaml")


def read_back(tmp_path, catalog, text: str, name: str = "sel.yaml"):
    path = write(tmp_path, name, text)
    return read_selection_file(path, catalog)


# -- the command line's items -----------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("extras=cable_tray,-drawer", [("cable_tray", False), ("drawer", True)]),
    ("extras=-drawer", [("drawer", True)]),
    ("extras=none", [("cable_tray", True), ("monitor_arm", True), ("drawer", True)]),
    ("extras=none,cable_tray", [("cable_tray", True), ("monitor_arm", True), ("drawer", True),
                                ("cable_tray", False)]),
])
def test_command_line_items(mini, text, expected):
    assert parse_choice(mini, text) == [Choice("extras", v, x) for v, x in expected]


@pytest.mark.parametrize("text, message", [
    ("extras=cable_tray,-cable_tray", "both selected and excluded"),
    ("extras=-drawr", "unknown option 'drawr' in module 'extras' (did you mean 'drawer'?)"),
    ("frame=-manual", "'frame' is not a multi-select module"),
])
def test_bad_command_line_items(mini, text, message):
    with pytest.raises(SelectionError) as info:
        parse_choice(mini, text)
    assert message in str(info.value)


def test_none_then_an_option_pins_the_module_on_the_command_line(mini):
    with Session(mini) as session:
        session.select_all(parse_choice(mini, "extras=none,cable_tray"))
        assert session.valid_options().module("extras").available == ("cable_tray",)
        assert session.complete().values["extras"] == ("cable_tray",)


# -- selection files --------------------------------------------------------------------------
@pytest.mark.parametrize("value, selected, excluded", [
    ("[cable_tray, -drawer]", {"cable_tray"}, {"drawer"}),
    ("-drawer", set(), {"drawer"}),
    ("[]", set(), {"cable_tray", "monitor_arm", "drawer"}),
    ("null", set(), {"cable_tray", "monitor_arm", "drawer"}),
    ("{exactly: [monitor_arm, cable_tray]}", {"monitor_arm", "cable_tray"}, {"drawer"}),
    ("{exactly: []}", set(), {"cable_tray", "monitor_arm", "drawer"}),
])
def test_selection_file_items(tmp_path, mini, value, selected, excluded):
    choices, problems = read_back(tmp_path, mini, f"select:\n  extras: {value}\n")
    assert problems == [] and choices is not None
    assert {c.value for c in choices if not c.excluded} == selected
    assert {c.value for c in choices if c.excluded} == excluded


@pytest.mark.parametrize("value, where, message", [
    ("[cable_tray, -cable_tray]", "2:24", "C605 option 'cable_tray' of 'extras' is both "
     "selected and excluded"),
    ("[-drawr]", "2:12", "R302 unknown option 'drawr' in module 'extras'"),
    ("{exactly: [-drawer]}", "2:22", "C605 'exactly' lists the options of 'extras' to select"),
    ("{exact: [drawer]}", "2:12", "S201 unknown key 'exact'"),
    ("{exactly: [drawer], and: [cable_tray]}", "2:31", "S201 unknown key 'and'"),
    ("{}", "2:11", "S202 selection of 'extras' lacks required key 'exactly'"),
])
def test_bad_selection_file_items_name_the_place(tmp_path, mini, value, where, message):
    choices, problems = read_back(tmp_path, mini, f"select:\n  extras: {value}\n")
    assert choices is None
    line, column = map(int, where.split(":"))
    assert [(p.line, p.column, f"{p.code} {p.message}"[:len(message)]) for p in problems] == [
        (line, column, message)]


def test_an_exclusion_in_a_single_select_module_is_refused(tmp_path, mini):
    choices, problems = read_back(tmp_path, mini, "select: {frame: -manual}\n")
    assert choices is None
    assert [(p.code, p.column) for p in problems] == [("C605", 17)]
    assert "'frame' is not a multi-select module" in problems[0].message


def test_an_old_saved_configuration_with_an_empty_module_reads_back_as_none(tmp_path, mini):
    text = json.dumps({"format": "bto-selection/1", "catalog": "mini-desk",
                       "objective": "default", "select": {
                           "frame": "manual", "top": "oak", "extras": [], "width_mm": 1600}})
    choices, problems = read_back(tmp_path, mini, text, "old.json")
    assert problems == [] and choices is not None
    with Session(mini) as session:
        session.select_all(choices)
        assert session.count() == 1
        assert session.complete().values["extras"] == ()


def test_cli_saved_configuration_pins_the_multi_select_module(tmp_path, mini_path):
    runner = CliRunner()
    saved = runner.invoke(cli, ["complete", str(mini_path), "-s", "extras=none", "--format",
                                "json"], catch_exceptions=False)
    assert saved.exit_code == 0, saved.output
    assert json.loads(saved.stdout)["select"]["extras"] == {"exactly": []}
    path = write(tmp_path, "saved.json", saved.stdout)
    count = runner.invoke(cli, ["count", str(mini_path), "--selection", str(path)],
                          catch_exceptions=False)
    assert count.exit_code == 0 and count.stdout.strip() == "1"
    # -s applies after the file: the drawer is selected again, the rest stays excluded.
    more = runner.invoke(cli, ["complete", str(mini_path), "--selection", str(path), "-s",
                               "extras=drawer", "--format", "json"], catch_exceptions=False)
    assert more.exit_code == 1  # the crank frame of the saved configuration takes no drawer
    assert json.loads(more.stdout)["valid"] is False


# -- catalog tests ----------------------------------------------------------------------------
def test_catalog_tests_use_the_same_items(tmp_path, mini_path):
    text = mini_path.read_text(encoding="utf-8")
    tests = """  - name: the arm without its tray
    select: {extras: [monitor_arm, -cable_tray]}
    expect: rejected
    by: arm-needs-tray
  - name: nothing at all on the crank frame
    select: {frame: manual, extras: []}
    expect: valid
  - name: exactly the arm means no tray
    select: {extras: {exactly: [monitor_arm]}}
    expect: rejected
    by: arm-needs-tray
"""
    assert "\ntests:\n" in text
    changed = text.replace("\ntests:\n", "\ntests:\n" + tests, 1)
    path = write(tmp_path / "catalogs", "mini.yaml", changed)
    for name in ("rules/plant.yaml", "rules/supply.yaml", "rules/sourcing.csv",
                 "catalogs/tables/widths.csv"):
        write(tmp_path, name, (mini_path.parent.parent / name).read_text(encoding="utf-8"))
    catalog = load_catalog(path)
    assert catalog.tests[2].select["extras"] == ("monitor_arm", "-cable_tray", "-drawer")
    report = run_catalog_tests(catalog)
    assert [o.passed for o in report.outcomes[:3]] == [True, True, True], report.to_dict()
    assert report.passed


# -- every configuration round-trips ----------------------------------------------------------
@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=catalog_texts(), engine=st.sampled_from(ENGINES))
def test_every_saved_configuration_reads_back_as_exactly_itself(tmp_path_factory, text, engine):
    model = generated_model(tmp_path_factory, text)
    catalog = model.catalog
    folder = tmp_path_factory.mktemp("saved")
    with Session(catalog, engine=engine, model=model) as session:
        for i, solution in enumerate(all_solutions(model)):
            configuration = Configuration(catalog.id, _values_of(catalog, solution), "default")
            path = folder / f"{i}.json"
            path.write_text(json.dumps(configuration.to_dict()), encoding="utf-8")
            choices, problems = read_selection_file(path, catalog)
            assert problems == [] and choices is not None
            assert _fixed_of(catalog, choices) == solution
            session.clear()
            session.select_all(choices)
            assert session.count() == 1
            assert session.complete().values == configuration.values
