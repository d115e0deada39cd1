"""``bto lint`` on calibration files (``format: bto-calibration/1``): every problem with its code
and position, exit status 1, and files written by ``save_calibration`` lint clean."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from configurator.cli import cli
from configurator.lint import lint_paths
from configurator.loading import read_file
from configurator.quoting.buffers import MAX_BUFFER_DAYS, BufferTable
from configurator.simulation.calibration import Calibration, save_calibration

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "data" / "schema-samples"

GOOD = """\
format: bto-calibration/1
scenario: "ebike-085"
created: 2026-11-25
policy: "CTP + buffer"
target: 0.95
seeds: 10
bands: [4, 8]
buffer_days:
  standard: 2
  custom: [3, 4, 6]
"""

# (what is wrong, the text, the problems as (code, line, column))
BAD: list[tuple[str, str, list[tuple[str, int, int]]]] = [
    ("target of 1", GOOD.replace("target: 0.95", "target: 1"), [("S204", 5, 9)]),
    ("band edge 0", GOOD.replace("[4, 8]", "[0, 8]"), [("S204", 7, 9)]),
    ("bands not ascending", GOOD.replace("[4, 8]", "[8, 4]"), [("S204", 7, 8)]),
    ("buffer beyond a working year", GOOD.replace("standard: 2", "standard: 261"),
     [("S204", 9, 13)]),
    ("fractional buffer", GOOD.replace("[3, 4, 6]", "[3, 4.5, 6]"), [("S203", 10, 15)]),
    ("one buffer too many", GOOD.replace("[3, 4, 6]", "[3, 4, 6, 9]"), [("S204", 10, 11)]),
    ("created is a timestamp", GOOD.replace("2026-11-25", "2026-11-25 10:00:00"),
     [("S203", 3, 10)]),
    ("misspelt key", GOOD.replace("seeds:", "seed:"), [("S201", 6, 1)]),
    ("no buffers", GOOD.split("buffer_days:")[0], [("S202", 1, 1)]),
    ("empty scenario", GOOD.replace('"ebike-085"', '" "'), [("S204", 2, 11)]),
    ("buffer_days as a list", GOOD.split("buffer_days:")[0] + "buffer_days: [2]\n",
     [("S203", 8, 14)]),
]

# case -> a bug of the calibration reader (configurator/simulation/calibration.py); the case
# states the right answer and is a strict xfail until the bug is fixed.
READER_BUGS: dict[str, str] = {}


def write(tmp_path: Path, text: str, name: str = "buffers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def found(problems: object) -> list[tuple[str, int, int]]:
    return [(p.code, p.line, p.column) for p in problems]  # type: ignore[attr-defined]


def test_a_good_calibration_lints_clean(tmp_path: Path) -> None:
    result = lint_paths([write(tmp_path, GOOD)])
    assert result.clean
    assert len(result.files) == 1


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(t, e, id=n, marks=[pytest.mark.xfail(strict=True, reason=READER_BUGS[n])]
                 if n in READER_BUGS else [])
    for n, t, e in BAD
])
def test_lint_reports_each_problem_with_its_position(
    tmp_path: Path, text: str, expected: list[tuple[str, int, int]]
) -> None:
    result = lint_paths([write(tmp_path, text)])
    assert found(result.problems) == expected
    assert all(p.is_error and p.file.endswith("buffers.yaml") for p in result.problems)


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    text = (GOOD.replace("target: 0.95", "target: 1.5").replace("seeds: 10", "seeds: 0")
            + "colour: red\n")
    result = lint_paths([write(tmp_path, text)])
    assert found(result.problems) == [("S204", 5, 9), ("S204", 6, 8), ("S201", 11, 1)]


def test_cli_prints_problems_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("standard: 2", "standard: 261"))
    run = CliRunner().invoke(cli, ["lint", str(path)])
    assert run.exit_code == 1, run.output
    assert run.stdout.splitlines() == [
        f"{path}:9:13: S204 buffer_days.standard must be at most {MAX_BUFFER_DAYS}, not 261"]
    assert "1 error(s)" in run.stderr


def test_cli_json_names_code_and_position(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("seeds:", "seed:"))
    run = CliRunner().invoke(cli, ["lint", "--format", "json", str(path)])
    assert run.exit_code == 1
    [problem] = json.loads(run.stdout)
    assert (problem["code"], problem["line"], problem["column"]) == ("S201", 6, 1)
    assert problem["suggestion"] == "did you mean 'seeds'?"


def test_cli_finds_calibrations_in_a_folder(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "good.yaml")
    write(tmp_path, GOOD.replace("seeds: 10", "seeds: 0"), "bad.yaml")
    run = CliRunner().invoke(cli, ["lint", str(tmp_path)])
    assert run.exit_code == 1
    assert [line.split(": ")[0] for line in run.stdout.splitlines()] == [
        f"{tmp_path / 'bad.yaml'}:6:8"]
    assert "2 file(s) checked" in run.stderr


def test_sample_and_misspelt_format(tmp_path: Path) -> None:
    assert lint_paths([SAMPLES / "calibration-full.yaml"]).clean
    result = lint_paths([write(tmp_path, GOOD.replace("bto-calibration/1", "bto-calibraton/1"))])
    [problem] = result.problems
    assert (problem.code, problem.line, problem.column) == ("S200", 1, 9)
    assert problem.suggestion is not None and "bto-calibration/1" in problem.suggestion


def test_read_file_returns_the_calibration(tmp_path: Path) -> None:
    doc, problems = read_file(write(tmp_path, GOOD))
    assert problems == []
    assert isinstance(doc, Calibration)
    assert doc.buffers == BufferTable((4, 8), {"standard": (2,), "custom": (3, 4, 6)})
    assert (doc.scenario, doc.created, doc.seeds) == ("ebike-085", dt.date(2026, 11, 25), 10)


def test_importing_the_cli_does_not_import_numpy() -> None:
    """A calibration's reader lives in configurator.simulation, which needs numpy: loading
    imports it only when it reads a calibration, so `bto --help` stays fast."""
    code = "import sys, configurator.cli; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@st.composite
def calibrations(draw: st.DrawFn) -> Calibration:
    bands = tuple(sorted(draw(st.sets(st.integers(1, MAX_BUFFER_DAYS), max_size=6))))
    day = st.integers(-MAX_BUFFER_DAYS, MAX_BUFFER_DAYS)
    per_segment = st.one_of(st.tuples(day), st.lists(day, min_size=len(bands) + 1,
                                                     max_size=len(bands) + 1).map(tuple))
    segment = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                      min_size=1, max_size=12)
    days = draw(st.dictionaries(segment, per_segment, max_size=3))
    name = segment.filter(lambda s: bool(s.strip()))
    return Calibration(
        scenario=draw(name), created=draw(st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1))),
        buffers=BufferTable(bands, days), policy=draw(name),
        target=draw(st.floats(0.01, 0.99)), seeds=draw(st.integers(1, 100)))


@settings(max_examples=60, deadline=None)
@given(calibration=calibrations())
def test_saved_calibrations_lint_clean_and_read_back(
    tmp_path_factory: pytest.TempPathFactory, calibration: Calibration
) -> None:
    path = tmp_path_factory.mktemp("saved") / "buffers.yaml"
    save_calibration(path, calibration)
    result = lint_paths([path])
    assert result.clean, [p.to_dict() for p in result.problems]
    doc, _ = read_file(path)
    assert doc == calibration
