"""The fast paths of loading read exactly what the careful paths read, and report the same.

- CSV variant tables that are plain grids are split at once and checked column by column;
  anything wrong sends the file through the record-by-record reader, which places problems.
- YAML is parsed by libyaml when PyYAML has it; a syntax error is reported as PyYAML's own
  parser words it.
- Node positions are made when first asked for; the garbage collector is paused while a
  catalog is built.
"""

from __future__ import annotations

import csv
import gc
from pathlib import Path

import pytest
import yaml

from configurator import _yaml
from configurator._csv import MAX_ROWS, Grid, plain_grid
from configurator._yaml import YMap, YScalar, YSeq, gc_paused, load_yaml_text
from configurator.catalog.model import WILDCARD
from configurator.loading import read_catalog
from configurator.problems import Position

from .conftest import write

CATALOG = """\
format: bto-catalog/1
id: grid
name: Grid
version: "1"
currency: EUR
modules:
  - id: body
    label: Body
    options: [{id: sedan, label: Sedan}, {id: estate, label: Estate}]
  - id: towbar
    label: Towbar
    required: false
    options: [{id: fixed, label: Fixed}, {id: detachable, label: Detachable}]
  - id: seats
    label: Seats
    type: integer
    min: 2
    max: 9
tables:
  - id: released
    message: Not released.
    columns: [body, towbar, seats]
    file: t.csv
"""


def read_both(tmp_path: Path, body: str) -> tuple[tuple, tuple]:
    """Read ``body`` (the data rows) as a plain grid and, quoted, through the csv module.

    Returns (rows, problems) of each; problems as (code, line, column, message).
    """
    results = []
    for header in ("body,towbar,seats\n", '"body",towbar,seats\n'):
        folder = tmp_path / ("quoted" if header.startswith('"') else "plain")
        write(folder, "t.csv", header + body)
        path = write(folder, "c.yaml", CATALOG)
        catalog, problems = read_catalog(path, filename="c.yaml")
        rows = catalog.tables[0].rows if catalog else None
        results.append((rows, [(p.code, p.line, p.column, p.message) for p in problems]))
    return results[0], results[1]


@pytest.mark.parametrize("body", [
    "sedan,fixed,2\nestate,none,9\nsedan,*,4\n",
    "sedan,fixed,2\nestate,none,9",  # no newline at the end
    " sedan , fixed ,  3\nestate,detachable,04\n",  # padding; another spelling of 4
    "sedan,fixed,1_0\n",  # int() reads 1_0 as 10: not a value
    "sedan,fixed,2\nsedan,fixed,2\n",  # duplicate row
    "sedan,fixed,2\nsedan,fixed, 2\n",  # duplicate row, spelt differently
    "sedan,fixed,2\nsaloon,fixed,3\nestate,towed,4\n",  # unknown options
    "sedan,fixed,2\nestate,fixed\nestate,fixed,3,4\n",  # short and long rows
    "sedan,fixed,2\n\nestate,fixed,3\n",  # a blank line
    "sedan,fixed,2\n , , \nestate,fixed,3\n",  # a line of blank cells
    "sedan,fixed,2\nestate,,3\n",  # one blank cell
    "sedan,fixed,12\n",  # above max
    "",  # no rows
])
def test_a_plain_grid_reads_as_the_csv_module_reads_it(tmp_path, body):
    plain, quoted = read_both(tmp_path, body)
    assert plain == quoted


def test_grid_values_are_the_modules_own(tmp_path):
    assert plain_grid("body,towbar,seats\nsedan,none,2\nestate,*,9\n") is not None
    (rows, problems), _ = read_both(tmp_path, "sedan,none,2\nestate,*,9\n")
    assert problems == []
    assert rows == (("sedan", None, 2), ("estate", WILDCARD, 9))


def test_a_bad_cell_in_a_big_grid_is_placed_exactly(tmp_path):
    lines = [f"{body},{towbar},{seats}" for body in ("sedan", "estate")
             for towbar in ("fixed", "detachable", "none") for seats in range(2, 10)]
    lines[30] = "estate,fixed,X"  # line 32 of the file
    lines.append(lines[0])  # line 50 repeats line 2
    (rows, problems), quoted = read_both(tmp_path, "\n".join(lines) + "\n")
    assert (rows, problems) == quoted
    assert [(code, line, column) for code, line, column, _ in problems] == [
        ("T502", 32, 14), ("T506", 50, 1)]
    assert "same as line 2" in problems[1][3]


def test_plain_grid_splits_cells_row_after_row():
    grid = plain_grid("a, b\n1,2\n3 ,4\n")
    assert grid == Grid(("a", "b"), ["1", "2", "3 ", "4"], 2)
    assert plain_grid("a,b\n") == Grid(("a", "b"), [], 0)
    assert plain_grid("a") == Grid(("a",), [], 0)


@pytest.mark.parametrize("text", [
    '"a",b\n1,2\n',  # quotes
    "a,b\r\n1,2\r\n",  # carriage returns
    "a,b\n1,2\x00\n",  # NUL
    "\na,b\n1,2\n",  # a blank line before the header
    " , \n1,2\n",  # a blank header
    "a,b\n1,2,3\n",  # a long row
    "a,b\n1\n2,3,4\n",  # rows of the wrong width whose commas add up
    "a,b\n1,2\n\n",  # a blank line at the end besides the last newline
])
def test_anything_else_is_not_a_plain_grid(text):
    assert plain_grid(text) is None


def test_too_many_rows_or_too_long_a_cell_is_not_a_plain_grid():
    assert plain_grid("a\n" + "1\n" * (MAX_ROWS - 1)) is not None
    assert plain_grid("a\n" + "1\n" * MAX_ROWS) is None
    assert plain_grid("a\n" + "x" * (csv.field_size_limit() + 1) + "\n") is None


# -- YAML ---------------------------------------------------------------------------------------
@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")
def test_libyaml_parses_when_pyyaml_has_it():
    assert _yaml._CParser is not None
    assert _yaml._CParser.__module__ == "yaml._yaml"


@pytest.mark.parametrize("text", [
    "a:\n\tb: 1\n",  # a tab: the two parsers word it differently
    "a: {b: 1\n- c\n",
    "a: [1, 2\n",
    "a: 1\n b: 2\n",
    "a: *nope\n",
    "key: value\n\x07\n",
    "x: é😀 : y: z\n",  # columns count characters
])
def test_syntax_errors_are_worded_by_pyyaml_at_the_same_place(text):
    _, problems = load_yaml_text(text, "f.yaml")
    try:
        list(yaml.parse(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        assert mark is not None
        assert problems[0].message.startswith((exc.problem or "").strip()[:20])
        if "alias" not in problems[0].message:
            assert (problems[0].line, problems[0].column) == (mark.line + 1, mark.column + 1)
    except yaml.YAMLError:
        assert problems[0].message.startswith("the control character")
    assert [p.code for p in problems] == ["Y101"]


def dump(node: object) -> object:
    """A node tree as plain data: kinds, positions, values."""
    if isinstance(node, YMap):
        return ("map", node.pos, [(dump(k), dump(v)) for k, v in node.pairs])
    if isinstance(node, YSeq):
        return ("seq", node.pos, [dump(i) for i in node.items])
    if isinstance(node, YScalar):
        return ("scalar", node.pos, node.value, node.raw, node.tag, node.style)
    return node


@pytest.mark.parametrize("text", [
    "a: {b: , c: 1}\n",  # libyaml places the null at the ',', PyYAML after the ':'
    "a: {b: }\n",
    "a: [x, {b: }]\n",
    "a: {b: c?d}\n",  # PyYAML ends a plain scalar at '?' in a flow collection
    "a: {? b}\n",
    "? a\n: b\n",
    "a:\tb\n",  # a tab as a separator
    "a: [b,\tc]\n",
    "a: |#\n  x\n",  # a comment right after a block scalar's header
    "a: {b: !t,c}\n",  # a tag that ends at a ',' for libyaml only
    "a: 1\nb\ufeffc: 2\nd: 3\n",  # PyYAML does not count a byte order mark
    "%YAML 1.2\n---\na: 1\n",
    "when: 'a != b'\nthen: a != c\n",  # no tags: libyaml reads this
    "a: {b: 1}\nc: [d, e]\nf: 'g?'\n",
])
def test_where_libyaml_could_differ_pyyaml_reads(text):
    root, problems = load_yaml_text(text, "f.yaml")
    expected_root, expected = _yaml._load_with_pyyaml(text, "f.yaml")
    assert (dump(root), problems) == (dump(expected_root), expected)


def test_generated_catalogs_take_libyaml():
    assert not _yaml._pyyaml_only("a: {id: x, when: 'a != b', then: c -> d or e >= 2}\n")


def test_text_that_libyaml_cannot_take_still_gets_an_answer():
    _, problems = load_yaml_text("a: \ud800\n", "f.yaml")  # a lone surrogate
    assert [p.code for p in problems] == ["Y101"]


def test_positions_count_characters_not_bytes():
    root, problems = load_yaml_text("é😀: x\nb: [é, 😀, z]\n", "f.yaml")
    assert problems == []
    assert isinstance(root, YMap)
    seq = root.pairs[1][1]
    assert isinstance(seq, YSeq)
    assert [(i.pos.line, i.pos.column) for i in seq.items] == [(2, 5), (2, 8), (2, 11)]
    assert root.pairs[0][1].pos == Position("f.yaml", 1, 5)


def test_repeated_scalars_keep_their_own_tags_and_positions():
    root, problems = load_yaml_text("- no\n- 'no'\n- no\n- 010\n- '010'\n", "f.yaml")
    assert problems == []
    assert isinstance(root, YSeq)
    items = root.items
    assert all(isinstance(i, YScalar) for i in items)
    assert [(i.value, i.style, i.pos.line) for i in items] == [  # type: ignore[attr-defined]
        (False, None, 1), ("no", "'", 2), (False, None, 3), (8, None, 4), ("010", "'", 5)]


def test_nodes_made_by_hand_keep_the_position_given():
    pos = Position("x.csv", 3, 7)
    node = YScalar(pos, value="a", raw="a", tag="str")
    assert node.pos is pos and node.plain
    assert YMap(pos).pairs == [] and YSeq(pos).items == []


def test_duplicate_keys_of_different_types_are_told_apart():
    _, problems = load_yaml_text("1: a\n'1': b\ntrue: c\n1.0: d\n1: e\n", "f.yaml")
    assert [(p.code, p.line) for p in problems] == [("Y102", 5)]


# -- the garbage collector ------------------------------------------------------------------------
def test_gc_pauses_nest_and_restore_the_collector():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_after_an_error(tmp_path):
    with pytest.raises(ZeroDivisionError), gc_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()
    _, problems = read_catalog(write(tmp_path, "bad.yaml", "format: bto-catalog/1\nid: [\n"))
    assert problems and gc.isenabled()
