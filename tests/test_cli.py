"""The command line: exit codes, output streams, formats."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from configurator import __version__
from configurator.cli import cli

from .conftest import GOOD, ROOT, write

LINE = re.compile(r"^[^:]+:\d+:\d+: [A-Z]\d{3} ")


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version_and_help():
    assert run("--version").output.strip() == f"bto, version {__version__}"
    result = run("--help")
    assert result.exit_code == 0
    for command in ("lint", "schema", "show"):
        assert command in result.output
    assert "_BTO_COMPLETE" in result.output


def test_lint_clean_exits_0():
    result = run("lint", str(GOOD))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_lint_problems_exit_1_text_and_json(tmp_path):
    bad = write(tmp_path, "c.yaml", "format: bto-catalog/1\nid: x\nname: X\nversion: '1'\n"
                "currency: EUR\nmodules:\n  - {id: a, label: A, options: [{id: no, label: N}]}\n")
    result = run("lint", str(bad))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(LINE.match(line) for line in lines)
    assert any(":7:38: Y103" in line for line in lines)
    result = run("lint", "--format", "json", str(bad))
    assert result.exit_code == 1
    records = json.loads(result.stdout)
    assert records[0]["code"] == "Y103" and records[0]["line"] == 7


def test_usage_errors_exit_2(tmp_path):
    assert run("lint", str(tmp_path / "missing.yaml")).exit_code == 2
    assert run("lint").exit_code == 2
    assert run("lint", "--format", "xml", str(GOOD)).exit_code == 2
    assert run("schema", "order").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_a_csv_named_directly_is_explained(tmp_path):
    path = write(tmp_path, "t.csv", "a,b\n1,2\n")
    result = run("lint", str(path))
    assert result.exit_code == 1 and "S200" in result.stdout


def test_schema_prints_json():
    for kind in ("catalog", "plant", "supply"):
        schema = json.loads(run("schema", kind).stdout)
        assert schema["properties"]["format"]["const"] == f"bto-{kind}/1"


def test_show_text_and_json(mini_path):
    result = run("show", str(mini_path))
    assert result.exit_code == 0
    assert "Standing desk" in result.stdout and "399.90 EUR" in result.stdout
    data = json.loads(run("show", "--format", "json", str(mini_path)).stdout)
    assert data["base_price"] == "399.90"
    assert data["modules"][0]["options"][1]["price"] == "249.5"
    assert run("show", "--lang", "de", str(mini_path)).stdout.startswith("Stehpult")


def test_show_a_broken_catalog_exits_1_with_problems_on_stderr(tmp_path):
    bad = write(tmp_path, "c.yaml", "format: bto-catalog/1\nid: x\n")
    result = run("show", str(bad))
    assert result.exit_code == 1 and "S202" in result.stderr and result.stdout == ""
    result = run("show", "--format", "json", str(bad))
    assert json.loads(result.stdout)["catalog"] is None


def test_the_checkout_launcher_runs_the_same_group():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"bto, version {__version__}"


def test_shell_completion_as_the_readme_says():
    import os
    import subprocess
    import sys

    def complete(words: str, cword: int) -> str:
        env = {**os.environ, "_BTO_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(cword)}
        return subprocess.run([sys.executable, str(ROOT / "cli.py")], env=env,
                              capture_output=True, text=True, check=True).stdout

    assert "plain,schema" in complete("bto sch", 1)
    assert "plain,plant" in complete("bto schema p", 2)
    env = {**os.environ, "_BTO_COMPLETE": "bash_source"}
    script = subprocess.run([sys.executable, str(ROOT / "cli.py")], env=env,
                            capture_output=True, text=True, check=True).stdout
    assert "_bto_completion" in script


def test_lint_of_a_folder_without_bto_files_is_a_usage_error(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing to lint")
    result = run("lint", str(tmp_path))
    assert result.exit_code == 2 and "no .yaml or .yml files" in result.stderr
