"""Where each variant-table row was written: ``VariantTable.row_source``.

Generated CSV files mix plain grids (the loader's fast path) with quoted cells, blank lines
and CRLF line ends (the record-by-record path); inline rows come in flow and block style.
Every row must point at the line (and, inline, the column) where it was written.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_catalog
from configurator.catalog.model import WILDCARD, Cell

from .conftest import write

HEAD = """format: bto-catalog/1
id: rows
name: Rows
version: "1"
currency: EUR
modules:
  - id: frame
    label: Frame
    options: [{id: a, label: A}, {id: b, label: B}, {id: c, label: C}, {id: d, label: D}]
  - id: size
    label: Size
    type: integer
    min: 1
    max: 6
tables:
  - id: t
    message: m
    columns: [frame, size]
"""

CELLS = [(f, s) for f in "abcd" for s in ["*", *map(str, range(1, 7))]]
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def csv_tables(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]], list[int]]:
    """A CSV text, its rows, and the line each row is on."""
    rows = draw(st.lists(st.sampled_from(CELLS), min_size=1, max_size=12, unique=True))
    quoted = draw(st.booleans())
    blank = draw(st.booleans())
    newline = "\r\n" if draw(st.booleans()) else "\n"
    lines = ["frame,size"]
    at = []
    for frame, size in rows:
        if blank and draw(st.booleans()):
            lines.append("")
        cell = f'"{frame}"' if quoted and draw(st.booleans()) else frame
        lines.append(f"{cell},{size}")
        at.append(len(lines))
    return newline.join(lines) + newline, rows, at


def value(text: str) -> Cell:
    if text == "*":
        return WILDCARD
    return int(text) if text.isdigit() else text


@SETTINGS
@given(case=csv_tables())
def test_each_csv_row_points_at_its_line(tmp_path, case):
    text, rows, lines = case
    write(tmp_path, "tables/t.csv", text.encode("utf-8"))
    catalog = load_catalog(write(tmp_path, "c.yaml", HEAD + "    file: tables/t.csv\n"))
    table = catalog.tables[0]
    assert table.rows == tuple(tuple(map(value, row)) for row in rows)
    for index in range(len(rows)):
        where = table.row_source(index)
        assert where is not None
        assert (where.file, where.line, where.column) == (table.file, lines[index], 1)
    assert table.row_source(len(rows)) is None


@SETTINGS
@given(rows=st.lists(st.sampled_from(CELLS), min_size=1, max_size=8, unique=True),
       block=st.booleans(), indent=st.integers(0, 3))
def test_each_inline_row_points_at_its_line_and_column(tmp_path, rows, block, indent):
    out = ["    rows:"]
    starts = []
    for frame, size in rows:
        cell = f'"{size}"' if size == "*" else size
        if block:
            out += [f"      - {' ' * indent}- {frame}", f"        {' ' * indent}- {cell}"]
            starts.append((len(out) - 1, 9 + indent))
        else:
            out.append(f"      - {' ' * indent}[{frame}, {cell}]")
            starts.append((len(out), 9 + indent))
    text = HEAD + "\n".join(out) + "\n"
    catalog = load_catalog(write(tmp_path, "c.yaml", text))
    table = catalog.tables[0]
    first = HEAD.count("\n")
    assert len(table.rows) == len(rows)
    for index, (line, column) in enumerate(starts):
        where = table.row_source(index)
        assert where is not None and where.file == catalog.tables[0].source.file
        assert (where.line, where.column) == (first + line, column)
        assert table.rows[index] == tuple(map(value, rows[index]))
