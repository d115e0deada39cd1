"""Importing XCSP 2.1 and DIMACS models: real figures, semantics, and hostile input."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from configurator import load_catalog
from configurator.cli import cli
from configurator.engine import CspEngine, SatEngine, compile_model
from configurator.importers import ImportError_, import_dimacs, import_xcsp, write_catalog

from .conftest import DATA, write


def imported(tmp_path: Path, kind: str, name: str, text: str):
    source = write(tmp_path, name, text)
    result = (import_xcsp if kind == "xcsp" else import_dimacs)(source)
    return load_catalog(write_catalog(result, tmp_path / "out")), result


def test_berkeleydb_has_its_published_32_configurations(tmp_path):
    result = import_dimacs(DATA / "real" / "berkeleydb.dimacs")
    catalog = load_catalog(write_catalog(result, tmp_path / "bdb"))
    assert (len(catalog.modules), len(catalog.rules)) == (117, 417)
    model = compile_model(catalog)
    assert sum(1 for _ in itertools.islice(CspEngine(model).solutions(), 100)) == 32
    sat = SatEngine(model)
    assert sum(1 for _ in itertools.islice(sat.solutions(), 100)) == 32
    sat.close()


XCSP = """<?xml version="1.0" encoding="UTF-8"?>
<instance>
<presentation format="XCSP 2.1" type="CSP"/>
<domains nbDomains="3">
<domain name="D0" nbValues="3">0..2</domain>
<domain name="D1" nbValues="3">0 2 5</domain>
<domain name="D2" nbValues="2">-1 0</domain>
</domains>
<variables nbVariables="3">
<variable domain="D0" name="1"/>
<variable domain="D1" name="speed"/>
<variable domain="D2" name="opt"/>
</variables>
<relations nbRelations="3">
<relation arity="2" name="R0" nbTuples="4" semantics="supports">0 0|1 2|2 5|2 2</relation>
<relation arity="2" name="R1" nbTuples="1" semantics="conflicts">5 -1</relation>
<relation arity="2" name="R2" nbTuples="0" semantics="conflicts"/>
</relations>
<constraints nbConstraints="3">
<constraint arity="2" name="C0" reference="R0" scope="1 speed"/>
<constraint arity="2" name="C1" reference="R1" scope="speed opt"/>
<constraint arity="2" name="C2" reference="R2" scope="1 opt"/>
</constraints>
</instance>
"""


def test_xcsp_semantics_match_the_tuples(tmp_path):
    catalog, result = imported(tmp_path, "xcsp", "small.xml", XCSP)
    x1, speed, opt = catalog.modules
    assert (x1.id, x1.kind, x1.min, x1.max) == ("x1", "integer", 0, 2)
    assert (speed.kind, speed.option_ids) == ("single", ("v0", "v2", "v5"))
    assert (opt.kind, opt.min, opt.max) == ("integer", -1, 0)  # -1..0 is contiguous
    assert [t.kind for t in catalog.tables] == ["allow", "deny"]
    assert result.notes == ("constraint C2: an empty conflicts relation allows everything; "
                            "left out",)
    found = {(s["x1"], s["speed"], s["opt"])
             for s in CspEngine(compile_model(catalog)).solutions()}
    allowed = {(0, 0), (1, 2), (2, 5), (2, 2)}
    expected = {(a, f"v{b}", c) for a, b in allowed for c in (-1, 0) if (b, c) != (5, -1)}
    assert found == expected


def test_dimacs_names_are_made_usable(tmp_path):
    text = ("c 1 and\nc 2 has.dot\nc 3 has-dash\nc 4 has_dot\nc 5 9lives\n"
            "p cnf 6 3\n1 -2 0\n3 4 5 6 0\n-1 0\n")
    catalog, _ = imported(tmp_path, "dimacs", "names.dimacs", text)
    assert [m.id for m in catalog.modules] == ["f_and", "has_dot", "has_dash", "has_dot_2",
                                               "f_9lives", "v6"]
    assert [str(m.label) for m in catalog.modules][:2] == ["and", "has.dot"]
    assert catalog.rules[0].then.text == "f_and or not has_dot"
    solutions = list(CspEngine(compile_model(catalog)).solutions())
    assert solutions and all(s["f_and"] is None and s["has_dot"] is None for s in solutions)


def test_a_long_clause_stays_within_the_rule_language_limits(tmp_path):
    n = 300
    text = f"p cnf {n} 1\n" + " ".join(str(-i if i % 2 else i) for i in range(1, n + 1)) + " 0\n"
    catalog, _ = imported(tmp_path, "dimacs", "long.dimacs", text)
    assert len(catalog.rules) == 1 and len(catalog.modules) == n


@pytest.mark.parametrize("text, message", [
    ("1 2 0\n", "clause before the 'p cnf' line"),
    ("p cnf 2 1\n1 3 0\n", "beyond the 2 variables"),
    ("p cnf 2 1\n1 x 0\n", "'x' is not a literal"),
    ("p dnf 2 1\n", "bad problem line"),
    ("c only comments\n", "no 'p cnf' line"),
])
def test_bad_dimacs(tmp_path, text, message):
    with pytest.raises(ImportError_, match=message):
        import_dimacs(write(tmp_path, "bad.dimacs", text))


@pytest.mark.parametrize("text, message", [
    ('<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><instance>&a;</instance>',
     "DOCTYPE"),
    ("<instance><domains>", "not well-formed XML"),
    ("<csp/>", "not an XCSP 2.1 instance"),
    (XCSP.replace('domain="D0" name="1"', 'domain="D9" name="1"'), "unknown domain D9"),
    (XCSP.replace("2 5|2 2", "2 7|2 2"), "7 is not in the domain"),
    (XCSP.replace('reference="R0"', 'reference="P0"'), "not a table constraint"),
])
def test_bad_xcsp(tmp_path, text, message):
    with pytest.raises(ImportError_, match=message):
        import_xcsp(write(tmp_path, "bad.xml", text))


def test_write_catalog_never_leaves_half_a_catalog(tmp_path):
    result = import_dimacs(DATA / "real" / "berkeleydb.dimacs")
    target = tmp_path / "out"
    (target / "keep.txt").parent.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(ImportError_, match="not an empty folder"):
        write_catalog(result, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]


def test_cli_import(tmp_path):
    runner = CliRunner()
    out = tmp_path / "bdb"
    result = runner.invoke(cli, ["import", "dimacs", str(DATA / "real" / "berkeleydb.dimacs"),
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "117 modules, 417 rules" in result.stdout
    assert runner.invoke(cli, ["lint", "--no-semantic", str(out)]).exit_code == 0
    # The real model has dead and core features and redundant clauses: warnings, not errors.
    semantic = runner.invoke(cli, ["lint", "--format", "json", str(out)])
    assert semantic.exit_code == 1
    found = json.loads(semantic.stdout)
    assert {p["severity"] for p in found} == {"warning"}
    assert {"L702", "L703", "L705"} <= {p["code"] for p in found}
    again = runner.invoke(cli, ["import", "dimacs", str(DATA / "real" / "berkeleydb.dimacs"),
                                "-o", str(out)])
    assert again.exit_code == 1 and "not an empty folder" in again.stderr
    bad = write(tmp_path, "bad.xml", "<instance><domains>")
    result = runner.invoke(cli, ["import", "xcsp", str(bad), "-o", str(tmp_path / "x")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert runner.invoke(cli, ["import", "xcsp", str(bad)]).exit_code == 2  # no -o


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(tmp_path):
    blocker = write(tmp_path, "file.txt", "a file, not a folder")
    result = CliRunner().invoke(cli, ["import", "dimacs", str(DATA / "real" / "berkeleydb.dimacs"),
                                      "-o", str(blocker / "out")])
    assert result.exit_code == 1 and "cannot create it" in result.stderr
    assert "Traceback" not in result.output


def test_dimacs_features_named_like_yaml_booleans_load(tmp_path):
    source = write(tmp_path, "tf.dimacs", "c 1 TRUE\nc 2 YES\nc 3 off\np cnf 3 2\n1 -2 0\n2 3 0\n")
    path = write_catalog(import_dimacs(source), tmp_path / "out")
    from configurator.session import Session

    with Session(load_catalog(path)) as session:
        assert session.count() == 4  # (1 or not 2) and (2 or 3) over three variables
        assert [m.id for m in session.catalog.modules] == ["TRUE", "YES", "off"]
