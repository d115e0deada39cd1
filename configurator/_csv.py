"""CSV reading that keeps the line and column of every cell, for exact error positions.

Two readers give the same cells. :func:`parse_csv` goes through the ``csv`` module record by
record and keeps each record's line, so that any problem can be placed. :func:`plain_grid` is
the fast path for big generated tables: when a text is a plain grid (no quotes, one record per
line, every record as wide as the header) it splits the whole text at newlines and commas at
once and keeps no positions. A caller that finds anything wrong in a grid reads the text again
with :func:`parse_csv` to place and word the problems.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ._fields import Reader
from ._yaml import read_text
from .problems import Position

MAX_ROWS = 1_000_000
MAX_CSV_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One record: its 1-based line, its cells (stripped) and its source text.

    Cell columns are worked out only when a problem needs one: big tables are read for speed.
    """

    line: int
    cells: tuple[str, ...]
    raw: str

    def pos(self, filename: str, index: int) -> Position:
        columns = _cell_columns(self.raw, len(self.cells)) if self.raw else ()
        column = columns[index] if index < len(columns) else 1
        return Position(filename, self.line, column)


def _cell_columns(raw: str, count: int) -> tuple[int, ...]:
    """Start columns of the cells of a one-line record, honouring quotes."""
    starts = [1]
    quoted = False
    for i, ch in enumerate(raw):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            starts.append(i + 2)
    return tuple(starts[:count]) if len(starts) >= count else tuple(starts) + (1,) * (
        count - len(starts)
    )


def read_csv(path: Path, filename: str, reader: Reader) -> tuple[CsvRow, list[CsvRow]] | None:
    """Read a UTF-8, comma-separated file with a header row; problems go to ``reader``."""
    text = read_csv_text(path, filename, reader)
    return None if text is None else parse_csv(text, filename, reader)


def read_csv_text(path: Path, filename: str, reader: Reader) -> str | None:
    """The text of a CSV file, with its size and encoding checked (problems to ``reader``)."""
    text, problems = read_text(path, filename, limit=MAX_CSV_BYTES)
    reader.problems.extend(problems)
    return text


def parse_csv(text: str, filename: str, reader: Reader) -> tuple[CsvRow, list[CsvRow]] | None:
    """The header and the records of a CSV text; blank records are skipped."""
    lines = text.splitlines()
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[CsvRow] = []
    previous = 0
    try:
        for cells in records:
            start = previous + 1
            previous = records.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            raw = lines[start - 1] if start == records.line_num and start <= len(lines) else ""
            rows.append(CsvRow(start, tuple([c.strip() for c in cells]), raw))
            if len(rows) > MAX_ROWS:
                reader.report("T504", f"more than {MAX_ROWS} rows", Position(filename, start, 1))
                return None
    except csv.Error as exc:
        # The record that failed starts right after the last one read: with a runaway quote,
        # that is where the quote was opened, not where the file ended.
        reader.report("T504", f"malformed CSV: {exc}", Position(filename, previous + 1, 1),
                      "close the quote, or double a quote inside a quoted cell")
        return None
    if not rows:
        reader.report("T504", "the CSV file is empty; it needs a header row",
                      Position(filename, 1, 1))
        return None
    return rows[0], rows[1:]


@dataclass(frozen=True, slots=True)
class Grid:
    """A CSV text that is a plain grid: its header (stripped) and its cells, row after row.

    ``cells`` holds ``rows * len(header)`` texts as written, not stripped; column ``i`` is
    ``cells[i::len(header)]``.
    """

    header: tuple[str, ...]
    cells: list[str]
    rows: int


def plain_grid(text: str) -> Grid | None:
    """``text`` as a :class:`Grid` when it is one, else None (then use :func:`parse_csv`).

    A plain grid has no quotes, carriage returns or NULs, a header on its first line that is
    not blank, and then one record per line with exactly one comma fewer than it has cells,
    fewer than :data:`MAX_ROWS` of them, and no cell (in UTF-8 bytes) nor the header line longer
    than the ``csv`` module's field size limit.
    The ``csv`` module reads such a text exactly as splitting it at newlines and commas does.
    (A blank line in a one-column grid is not caught here: it reads as an empty cell, which no
    table accepts.)
    """
    if '"' in text or "\r" in text or "\0" in text:
        return None
    end = text.find("\n")
    if end < 0:
        end = len(text)
    header = tuple([cell.strip() for cell in text[:end].split(",")])
    limit = csv.field_size_limit()  # the csv module refuses longer cells
    if not any(header) or end > limit:
        return None
    body = text[end + 1:]
    if body.endswith("\n"):
        body = body[:-1]
    if not body:
        return Grid(header, [], 0)
    rows = body.count("\n") + 1
    width = len(header)
    if rows >= MAX_ROWS:  # parse_csv counts the header among the MAX_ROWS records
        return None
    # Every line has width - 1 commas when there are as many separators in all and every
    # width-th one is a newline: numpy checks that three times as fast as counting per line.
    import numpy as np  # here, not at the top: most commands never read a CSV table

    data = np.frombuffer(body.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    separators = np.flatnonzero((data == ord(",")) | (data == ord("\n")))
    if len(separators) != rows * width - 1 or \
            not (data[separators[width - 1::width]] == ord("\n")).all():
        return None
    if len(data) > limit and int(np.diff(separators, prepend=-1, append=len(data)).max()) > \
            limit + 1:
        return None
    return Grid(header, body.replace("\n", ",").split(","), rows)
