"""bto lint cross-checks a scenario against the catalog, plant and supply it names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from configurator.lint import lint_paths

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A copy of the example catalogs and rules, so a scenario may sit beside them."""
    shutil.copytree(ROOT / "catalogs", tmp_path / "catalogs")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path


SCENARIO = """format: bto-scenario/1
catalog: ../ebike.yaml
carrier: dachser-palet
option_weights:
  frame: {trapeze: 4, trapez: 1}
  colours: {white: 1}
  accessories: {rack: 0.5, none: 0.1}
  range_extender: {none: 3}
disruptions:
  - {kind: supplier_outage, supplier: rahmenwerck, start: 2028-03-06, days: 21}
  - {kind: capacity_loss, work_centre: battery-shp, start: 2028-05-08, days: 14}
"""


def test_a_scenario_is_checked_against_its_catalog_plant_and_supply(tree: Path) -> None:
    path = tree / "catalogs" / "scenarios" / "bad.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    result = lint_paths([path])
    found = sorted((p.code, p.line, p.column, p.suggestion or "") for p in result.problems
                   if p.file == str(path))
    lines = SCENARIO.splitlines()

    def at(token: str, line: int) -> tuple[int, int]:
        """Where ``token`` starts on 1-based ``line`` of the scenario."""
        return line, lines[line - 1].index(token) + 1

    assert found == [
        ("R301", *at("colours", 6), "did you mean 'colour'?"),
        ("R302", *at("trapez:", 5), "did you mean 'trapeze'?"),
        ("R302", *at("none", 7), ""),  # a multi-select module has no 'none': weigh each option
        ("R305", *at("battery-shp", 11), "did you mean 'battery-shop'?"),
        ("R307", *at("rahmenwerck", 10), "did you mean 'rahmenwerk'?"),
        ("R314", *at("dachser-palet", 3), "did you mean 'dachser-pallet'?"),
    ]


def test_the_example_scenarios_are_clean() -> None:
    result = lint_paths([ROOT / "catalogs" / "scenarios"])
    assert [p for p in result.problems if "scenarios" in p.file] == []
