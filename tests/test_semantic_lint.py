"""Semantic lint: dead and forced options, rules that never apply or are redundant, unusable
table rows and catalogs without any configuration, as ``bto lint`` reports them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from configurator import load_catalog
from configurator.cli import cli
from configurator.engine import CspEngine, compile_model
from configurator.lint import lint_paths
from configurator.problems import Problem, Severity
from configurator.semantic import analyse

from .conftest import GOOD, ROOT, write
from .strategies import catalog_texts

HEAD = """format: bto-catalog/1
id: ebike-urban
name: Urban e-bike
version: "2026.2"
currency: EUR
"""

FRAMES_AND_FORKS = HEAD + """modules:
  - id: frame
    label: Frame
    options:
      - {id: trapeze_m, label: Trapeze M, default: true}
      - {id: carbon_s, label: Carbon S, price: 1200}
      - {id: cargo_long, label: Cargo frame, price: 900}
  - id: fork
    label: Fork
    options:
      - {id: rigid, label: Rigid fork, default: true}
      - {id: suspension, label: Suspension fork, price: 249}
"""


def at(text: str, needle: str) -> tuple[int, int]:
    """The 1-based line and column where ``needle`` first occurs in ``text``."""
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def lint(tmp_path: Path, text: str, name: str = "c.yaml") -> tuple[Path, list[Problem]]:
    path = write(tmp_path, name, text)
    return path, list(lint_paths([str(path)]).problems)


def only(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


def where(p: Problem) -> tuple[int, int]:
    return p.line, p.column


# -- L702, L703 --------------------------------------------------------------------------------

def test_a_dead_option_names_the_rules_that_exclude_it(tmp_path):
    text = FRAMES_AND_FORKS + """rules:
  - id: carbon-needs-suspension
    message: Carbon frames come with the suspension fork.
    when: frame.carbon_s
    requires: fork.suspension
  - id: no-suspension-on-carbon
    message: The suspension fork does not fit carbon frames.
    when: fork.suspension
    excludes: frame.carbon_s
"""
    path, problems = lint(tmp_path, text)
    (dead,) = only(problems, "L702")
    assert where(dead) == at(text, "{id: carbon_s")
    assert dead.severity is Severity.WARNING
    first, second = at(text, "id: carbon-needs"), at(text, "id: no-suspension")
    assert dead.message == (
        f"option 'frame.carbon_s' can never be selected: rule carbon-needs-suspension "
        f"({path}:{first[0]}) and rule no-suspension-on-carbon ({path}:{second[0]}) exclude it")
    assert dead.suggestion and "relax" in dead.suggestion
    assert [p.code for p in problems] == ["L702"]  # the other options stay possible


def test_dead_integer_values_are_reported_once_per_module(tmp_path):
    text = HEAD + """attributes:
  mem_channels: {type: number, default: 4}
modules:
  - id: cpu
    label: Processor
    options:
      - {id: w5, label: 4-channel Xeon, attributes: {mem_channels: 4}}
      - {id: w7, label: 8-channel Xeon, attributes: {mem_channels: 8}}
  - id: dimm_count
    label: DIMMs
    type: integer
    min: 4
    max: 16
    step: 4
  - id: gpus
    label: GPUs
    type: integer
    min: 0
    max: 8
rules:
  - id: memory-balanced
    message: Populate every channel equally, with one or two DIMMs per channel.
    constraint: dimm_count == cpu.mem_channels or dimm_count == 2 * cpu.mem_channels
  - id: gpu-slots
    message: At most four GPUs fit.
    constraint: gpus <= 4 and gpus != 3
"""
    path, problems = lint(tmp_path, text)
    dimms, gpus = only(problems, "L702")
    assert where(dimms) == at(text, "id: dimm_count")
    assert dimms.message == (f"value 12 of 'dimm_count' can never be chosen: rule "
                             f"memory-balanced ({path}:{at(text, 'id: memory-balanced')[0]}) "
                             "excludes it")
    assert where(gpus) == at(text, "id: gpus")
    assert gpus.message.startswith("values 3, 5..8 of 'gpus' can never be chosen; for 3, rule "
                                   "gpu-slots")


def test_forced_options_and_modules_that_are_never_empty(tmp_path):
    text = HEAD + """modules:
  - id: frame
    label: Frame
    options:
      - {id: trapeze_m, label: Trapeze M}
  - id: lights
    label: Lights
    required: false
    options:
      - {id: battery, label: Battery lights}
      - {id: dynamo, label: Hub dynamo}
  - id: accessories
    label: Accessories
    type: multi
    options:
      - {id: rack, label: Rear rack, price: 59}
      - {id: bell, label: Bell, price: 9}
  - id: paint
    label: Paint
    type: multi
    min: 1
    options:
      - {id: primer, label: Primer}
rules:
  - id: road-legal
    message: Every bike leaves the shop road-legal, with lights and a bell.
    requires: [accessories.bell, lights.battery]
"""
    path, problems = lint(tmp_path, text)
    rule_line = at(text, "id: road-legal")[0]
    found = {where(p): p.message for p in only(problems, "L703")}
    assert found == {
        at(text, "{id: battery"): "option 'lights.battery' is in every configuration: no other "
                                  "option of 'lights' can be selected",
        at(text, "{id: bell"): "option 'accessories.bell' is in every configuration: rule "
                               f"road-legal ({path}:{rule_line}) requires it",
    }  # one-option modules (frame, paint) are forced by their own definition: not reported
    assert where(only(problems, "L702")[0]) == at(text, "{id: dynamo")

    text = text.replace("requires: [accessories.bell, lights.battery]", "then: lights")
    _, problems = lint(tmp_path, text)
    (never_empty,) = only(problems, "L703")
    assert where(never_empty) == at(text, "id: lights")
    assert never_empty.message.startswith("optional module 'lights' can never be left empty: "
                                          "rule road-legal")


# -- L701 --------------------------------------------------------------------------------------

def test_a_catalog_without_configurations_reports_the_conflict_and_nothing_else(tmp_path):
    text = FRAMES_AND_FORKS + """rules:
  - id: rigid-only
    message: Only rigid forks this season.
    constraint: fork.rigid
  - id: carbon-needs-suspension
    message: Carbon frames come with the suspension fork.
    when: frame.carbon_s
    requires: fork.suspension
  - id: suspension-only
    message: Only suspension forks this season.
    constraint: fork.suspension
"""
    path, problems = lint(tmp_path, text)
    (problem,) = problems
    assert problem.code == "L701" and problem.severity is Severity.ERROR
    assert where(problem) == at(text, "id: rigid-only")
    assert problem.message == (
        f"the catalog has no valid configuration: rule rigid-only ({path}:"
        f"{at(text, 'id: rigid-only')[0]}) and rule suspension-only ({path}:"
        f"{at(text, 'id: suspension-only')[0]}) contradict each other")


def test_catalogs_that_do_not_load_are_not_solved(tmp_path):
    text = FRAMES_AND_FORKS + """rules:
  - {id: a, message: m, constraint: fork.rigid}
  - {id: b, message: m, constraint: fork.suspension}
  - {id: c, message: m, constraint: fork.unknown}
"""
    _, problems = lint(tmp_path, text)
    assert [p.code for p in problems] == ["R302"]


# -- L704, L705 --------------------------------------------------------------------------------

def test_a_rule_that_never_applies(tmp_path):
    text = FRAMES_AND_FORKS + """rules:
  - id: cargo-rigid
    message: Cargo frames have a rigid fork.
    when: frame.cargo_long
    requires: fork.rigid
  - id: no-cargo
    message: Cargo frames are sold out.
    constraint: not frame.cargo_long
  - id: cargo-rack
    message: Cargo frames need the suspension fork.
    when: frame.cargo_long and fork.rigid
    then: false
"""
    path, problems = lint(tmp_path, text)
    never = only(problems, "L704")
    assert [where(p) for p in never] == [at(text, "id: cargo-rigid"), at(text, "id: cargo-rack")]
    assert never[1].message == (
        "rule 'cargo-rack' never applies: its condition 'frame.cargo_long and fork.rigid' cannot "
        f"hold in any valid configuration (rule no-cargo ({path}:{at(text, 'id: no-cargo')[0]}) "
        "rules it out)")
    assert only(problems, "L702")  # cargo_long itself is dead
    assert not only(problems, "L705")


def test_of_two_rules_that_say_the_same_the_later_is_reported(tmp_path):
    text = FRAMES_AND_FORKS + """rules:
  - id: cargo-needs-suspension
    message: Cargo frames need the suspension fork.
    when: frame.cargo_long
    requires: fork.suspension
  - id: no-rigid-cargo
    message: The rigid fork does not fit cargo frames.
    when: fork.rigid
    excludes: frame.cargo_long
  - id: comfort
    severity: warning
    message: Cargo riders like suspension.
    when: frame.cargo_long
    then: fork.suspension
  - id: carbon-rigid
    severity: warning
    message: Carbon frames ride best with the rigid fork.
    when: frame.carbon_s
    then: fork.rigid
"""
    path, problems = lint(tmp_path, text)
    first = at(text, "id: cargo-needs-suspension")[0]
    assert {where(p): p.message for p in only(problems, "L705")} == {
        at(text, "id: no-rigid-cargo"): "rule 'no-rigid-cargo' is redundant: rule "
                                        f"cargo-needs-suspension ({path}:{first}) already "
                                        "ensures it",
        at(text, "id: comfort"): "warning rule 'comfort' is never shown: rule "
                                 f"cargo-needs-suspension ({path}:{first}) already prevents it",
    }
    assert [p.code for p in problems] == ["L705", "L705"]


def test_a_rule_that_always_holds(tmp_path):
    text = FRAMES_AND_FORKS + """rules:
  - {id: tautology, message: m, constraint: "fork.rigid or not fork.rigid"}
"""
    _, problems = lint(tmp_path, text)
    (problem,) = problems
    assert problem.code == "L705"
    assert problem.message == "rule 'tautology' is redundant: it always holds"


# -- L706, L707 --------------------------------------------------------------------------------

TABLE_RULE = """rules:
  - id: no-suspension-on-carbon
    message: The suspension fork does not fit carbon frames.
    when: fork.suspension
    excludes: frame.carbon_s
"""


def test_an_allow_row_no_configuration_uses(tmp_path):
    text = FRAMES_AND_FORKS + TABLE_RULE + """tables:
  - id: released-forks
    message: This fork is not released for this frame.
    columns: [frame, fork]
    rows:
      - [trapeze_m, "*"]
      - [carbon_s, rigid]
      - [carbon_s, suspension]
      - [cargo_long, suspension]
"""
    path, problems = lint(tmp_path, text)
    (row,) = problems
    assert row.code == "L706" and where(row) == at(text, "[carbon_s, suspension]")
    assert row.message == (
        "row 3 of table 'released-forks' (frame=carbon_s, fork=suspension) can never be used: "
        f"rule no-suspension-on-carbon ({path}:{at(text, 'id: no-suspension')[0]}) excludes it")


def test_rows_of_a_csv_table_name_the_file_and_rows_with_dead_values_are_not_repeated(
        tmp_path):
    text = FRAMES_AND_FORKS + TABLE_RULE + """  - id: no-cargo
    message: Sold out.
    constraint: not frame.cargo_long
tables:
  - id: released-forks
    message: This fork is not released for this frame.
    columns: [frame, fork]
    file: tables/forks.csv
"""
    write(tmp_path, "tables/forks.csv", "frame,fork\ntrapeze_m,*\ncarbon_s,suspension\n"
          "carbon_s,rigid\ncargo_long,rigid\n")
    _, problems = lint(tmp_path, text)
    assert [p.code for p in problems] == ["L702", "L706"]  # cargo_long, then the carbon row
    row = problems[1]
    assert (row.file, row.line, row.column) == (str(tmp_path / "tables" / "forks.csv"), 3, 1)
    assert row.message.startswith(
        "row 2 of table 'released-forks' (frame=carbon_s, fork=suspension) can never be used")


def test_a_deny_row_the_rules_already_forbid(tmp_path):
    text = FRAMES_AND_FORKS + """rules:
  - id: suspension-for-trapeze-only
    message: The suspension fork only fits the trapeze frame.
    when: fork.suspension
    requires: frame.trapeze_m
tables:
  - id: forbidden-forks
    message: This fork is not released for this frame.
    kind: deny
    columns: [frame, fork]
    rows:
      - [cargo_long, rigid]
      - [carbon_s, suspension]
"""
    path, problems = lint(tmp_path, text)
    assert [p.code for p in problems] == ["L702", "L707"]  # cargo_long has no fork left
    row = problems[1]
    assert where(row) == at(text, "[carbon_s, suspension]")
    assert row.message == (
        "row 2 of table 'forbidden-forks' (frame=carbon_s, fork=suspension) is redundant: rule "
        f"suspension-for-trapeze-only ({path}:{at(text, 'id: suspension-for')[0]}) already "
        "excludes it")


def test_a_rule_and_a_deny_row_that_say_the_same_are_not_both_reported(tmp_path):
    text = FRAMES_AND_FORKS + TABLE_RULE + """tables:
  - id: forbidden-forks
    message: This fork is not released for this frame.
    kind: deny
    columns: [frame, fork]
    rows: [[carbon_s, suspension]]
"""
    _, problems = lint(tmp_path, text)
    assert [(p.code, where(p)) for p in problems] == [
        ("L705", at(text, "id: no-suspension-on-carbon"))]


# -- options, the CLI, the examples ------------------------------------------------------------

def test_explanations_can_be_capped_and_semantic_checks_skipped(tmp_path):
    text = FRAMES_AND_FORKS + """rules:
  - {id: no-carbon, message: Sold out., constraint: not frame.carbon_s}
"""
    path = write(tmp_path, "c.yaml", text)
    report = analyse(load_catalog(path), explain_limit=0)
    assert [f.message for f in report.findings] == [
        "option 'frame.carbon_s' can never be selected"]
    assert report.findings[0].because == ()
    assert report.dead() == {"frame": frozenset({"carbon_s"})}
    assert lint_paths([str(path)], semantic=False).clean


def test_big_tables_are_not_checked_row_by_row(tmp_path):
    text = FRAMES_AND_FORKS + TABLE_RULE + """tables:
  - id: released-forks
    message: m
    columns: [frame, fork]
    rows: [[trapeze_m, rigid], [carbon_s, suspension], [carbon_s, rigid], [cargo_long, "*"]]
"""
    catalog = load_catalog(write(tmp_path, "c.yaml", text))
    assert [f.code for f in analyse(catalog).findings] == ["L706"]
    assert analyse(catalog, max_table_rows=2).findings == ()


def test_cli_text_and_json(tmp_path):
    text = FRAMES_AND_FORKS + """rules:
  - {id: no-carbon, message: Sold out., constraint: not frame.carbon_s}
"""
    path = write(tmp_path, "c.yaml", text)
    line, column = at(text, "{id: carbon_s")
    result = CliRunner().invoke(cli, ["lint", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:{line}:{column}: L702 warning: option 'frame.carbon_s' can never be selected: "
        f"rule no-carbon ({path}:{at(text, 'id: no-carbon')[0]}) excludes it; remove the "
        "option, or relax the rules that exclude it"]
    assert "0 error(s), 1 warning(s)" in result.stderr
    result = CliRunner().invoke(cli, ["lint", "--format", "json", str(path)])
    assert result.exit_code == 1
    (record,) = json.loads(result.stdout)
    assert record["code"] == "L702" and record["severity"] == "warning"
    assert (record["file"], record["line"], record["column"]) == (str(path), line, column)
    assert re.match(r"option 'frame.carbon_s' can never be selected: rule no-carbon \(",
                    record["message"])


def test_the_examples_have_no_semantic_findings():
    assert lint_paths([ROOT / "catalogs", ROOT / "rules"]).problems == ()
    assert lint_paths([GOOD]).problems == ()


# -- the property ------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=catalog_texts())
def test_dead_means_no_configuration_has_it(tmp_path_factory, text):
    """Every option reported dead has no configuration (by the csp reference engine), and every
    option not reported dead has one."""
    path = tmp_path_factory.mktemp("gen") / "c.yaml"
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog(path)
    model = compile_model(catalog)
    report = analyse(catalog)
    csp = CspEngine(model)
    if csp.solve({}) is None:
        assert [f.code for f in report.findings] == ["L701"]
        return
    dead = report.dead()
    for variable in model.variables:
        # Options: a single-select module's option ids; a multi-select option selected.
        values = [True] if variable.option is not None else \
            [v for v in variable.domain if v is not None]
        for value in values:
            possible = csp.solve({variable.name: value}) is not None
            assert possible == (value not in dead.get(variable.name, ())), \
                (variable.name, value, text)
