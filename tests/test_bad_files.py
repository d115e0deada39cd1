"""A corpus of bad files: every one must make ``bto lint`` report the right problem, at the
right place, without a traceback.

Each ``tests/data/bad/*.yaml`` file is one case (files in ``tests/data/bad/support/`` are
the valid plant, supply and CSV files the cases refer to, not cases themselves). A case starts
with comment lines that say what lint must report::

    # expect: CODE LINE:COL                 a problem in this same file
    # expect: CODE other/file.csv:LINE:COL  a problem in another file (relative to this folder)

The test checks that every expected (code, file, line, column) is reported, and that lint
reports no error it was not told to expect (warnings may come in addition). It also runs the
CLI on each case, in text and JSON form.

Cases listed in ``LOADER_BUGS``, ``MISSING_CHECKS`` and ``CLI_BUGS`` show a known bug: their
expectations describe the correct behaviour, and the affected tests are strict xfails until the
bug is fixed (then remove the entry). ``test_lint_reports_expected_codes`` still checks that
the expected codes are reported at all, so a case with a wrong position keeps guarding its code.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from configurator.cli import cli
from configurator.lint import lint_paths
from configurator.problems import CODES, Problem, Severity

BAD = Path(__file__).resolve().parent / "data" / "bad"
CASES = sorted(p for p in BAD.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))

# Codes no case file covers, and why. Every other code in CODES needs at least one case.
UNCOVERED = {
    "Y104": "needs a file over 10 MiB; test_oversized_file generates one instead",
}

# case file name -> the loader bug it shows (the library test is a strict xfail).
LOADER_BUGS: dict[str, str] = {}

# case file name -> a check the loader lacks: lint reports nothing today, so every test of the
# case (library, CLI text and CLI JSON) is a strict xfail.
MISSING_CHECKS: dict[str, str] = {}

# case file name -> the CLI bug it shows (the CLI text test is a strict xfail).
CLI_BUGS: dict[str, str] = {}

# Cases whose expected codes are not reported at all today (not merely at a wrong place).
NOT_REPORTED = dict(MISSING_CHECKS)

EXPECT_RE = re.compile(
    r"#\s*expect:\s*(?P<code>[A-Z]\d{3})\s+(?:(?P<file>\S+):)?(?P<line>\d+):(?P<col>\d+)\s*$"
)
TEXT_LINE_RE = re.compile(r"^[^:]+:\d+:\d+: [A-Z]\d{3} ")
JSON_KEYS = {"code", "severity", "message", "file", "line", "column", "suggestion"}


@dataclass(frozen=True)
class Expected:
    code: str
    file: str  # normalized path, as lint names it for the case path we pass
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.code} {self.file}:{self.line}:{self.column}"


def case_name(path: Path) -> str:
    """The name we pass to lint: relative to the working directory when possible."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def expectations(path: Path) -> list[Expected]:
    """The '# expect:' lines at the top of a case (the file may not be valid UTF-8)."""
    name = case_name(path)
    out = []
    for raw in path.read_bytes().decode("utf-8", "replace").splitlines():
        if not raw.startswith("#"):
            break
        if not re.match(r"#\s*expect:", raw):
            continue
        m = EXPECT_RE.match(raw)
        assert m, f"{path.name}: malformed expect line {raw!r}"
        file = name
        if m["file"]:
            file = os.path.join(os.path.dirname(name), m["file"])
        out.append(Expected(m["code"], os.path.normpath(file), int(m["line"]), int(m["col"])))
    return out


def key(p: Problem) -> Expected:
    return Expected(p.code, os.path.normpath(p.file), p.line, p.column)


def show(problems: tuple[Problem, ...] | list[Problem]) -> str:
    return "\n".join(f"  {p.file}:{p.line}:{p.column}: {p.code} [{p.severity.value}] "
                     f"{p.message}" for p in problems) or "  (none)"


def params(bugs: dict[str, str]) -> list[object]:
    out: list[object] = []
    for path in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=bugs[path.name])] \
            if path.name in bugs else []
        out.append(pytest.param(path, id=path.name, marks=marks))
    return out


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Problem file names are relative to the working directory; keep them stable.
    monkeypatch.chdir(BAD.parent.parent.parent)


@pytest.mark.parametrize("path", params(LOADER_BUGS | MISSING_CHECKS))
def test_lint_reports_expected_problems(path: Path) -> None:
    expected = expectations(path)
    assert expected, f"{path.name} declares no '# expect:' line"
    result = lint_paths([case_name(path)])
    reported = {key(p) for p in result.problems}
    missing = [e for e in expected if e not in reported]
    assert not missing, (
        f"{path.name}: not reported: {', '.join(map(str, missing))}\n"
        f"lint reported:\n{show(result.problems)}"
    )
    unexpected = [p for p in result.problems
                  if p.severity is Severity.ERROR and key(p) not in expected]
    assert not unexpected, (
        f"{path.name}: errors that were not expected:\n{show(unexpected)}"
    )


@pytest.mark.parametrize("path", params(NOT_REPORTED))
def test_lint_reports_expected_codes(path: Path) -> None:
    """Each expected code is reported somewhere: guards the codes of the position-bug cases."""
    result = lint_paths([case_name(path)])
    reported = {p.code for p in result.problems}
    missing = sorted({e.code for e in expectations(path)} - reported)
    assert not missing, f"{path.name}: codes not reported: {missing}\n{show(result.problems)}"


@pytest.mark.parametrize("path", params(CLI_BUGS | MISSING_CHECKS))
def test_cli_text_output(path: Path) -> None:
    result = CliRunner().invoke(cli, ["lint", case_name(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    lines = result.stdout.splitlines()
    assert lines, "no problem printed"
    bad = [line for line in lines if not TEXT_LINE_RE.match(line)]
    assert not bad, f"lines not in 'file:line:col: CODE message' form: {bad!r}"


@pytest.mark.parametrize("path", params(MISSING_CHECKS))
def test_cli_json_output(path: Path) -> None:
    result = CliRunner().invoke(cli, ["lint", "--format", "json", case_name(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    records = json.loads(result.stdout)
    assert isinstance(records, list) and records
    for record in records:
        assert isinstance(record, dict) and set(record) == JSON_KEYS, record
        assert record["code"] in CODES
        assert record["severity"] in ("error", "warning")
        assert isinstance(record["line"], int) and record["line"] >= 1
        assert isinstance(record["column"], int) and record["column"] >= 1
        assert isinstance(record["message"], str) and record["message"]
        assert record["suggestion"] is None or isinstance(record["suggestion"], str)


def test_corpus_size() -> None:
    assert len(CASES) >= 30, f"only {len(CASES)} bad files in {BAD}"


def test_every_code_has_a_bad_file() -> None:
    covered = {e.code for path in CASES for e in expectations(path)}
    unknown = covered - set(CODES)
    assert not unknown, f"expect lines name unregistered codes: {sorted(unknown)}"
    stale = set(UNCOVERED) - set(CODES)
    assert not stale, f"UNCOVERED names codes that no longer exist: {sorted(stale)}"
    missing = sorted(set(CODES) - covered - set(UNCOVERED))
    assert not missing, f"add a bad file to {BAD} for: {', '.join(missing)}"


def test_bug_lists_name_existing_cases() -> None:
    names = {p.name for p in CASES}
    assert set(LOADER_BUGS) <= names, sorted(set(LOADER_BUGS) - names)
    assert set(CLI_BUGS) <= names, sorted(set(CLI_BUGS) - names)
    assert set(MISSING_CHECKS) <= names, sorted(set(MISSING_CHECKS) - names)
    assert not set(MISSING_CHECKS) & (set(LOADER_BUGS) | set(CLI_BUGS))
    assert set(NOT_REPORTED) <= names


def test_zero_byte_file(tmp_path: Path) -> None:
    """Y107: a file with no bytes at all (the corpus has a comments-only one)."""
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    result = lint_paths([str(path)])
    assert [(p.code, p.line, p.column) for p in result.problems] == [("Y107", 1, 1)]


def test_oversized_file(tmp_path: Path) -> None:
    """Y104: a file over 10 MiB is refused before YAML parsing (too big for the corpus)."""
    path = tmp_path / "huge.yaml"
    line = "# " + "x" * 1022 + "\n"
    path.write_text("format: bto-catalog/1\n" + line * (10 * 1024 + 1), encoding="utf-8")
    result = lint_paths([str(path)])
    assert [(p.code, p.line, p.column) for p in result.problems] == [("Y104", 1, 1)]
