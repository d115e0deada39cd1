"""CSV reading that keeps the line and column of every cell, for exact error positions."""

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
    text, problems = read_text(path, filename, limit=MAX_CSV_BYTES)
    reader.problems.extend(problems)
    if text is None:
        return None
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
            rows.append(CsvRow(start, tuple(c.strip() for c in cells), raw))
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
