"""Aligned text tables for the command line's reports (``bto kpi``, ``bto demand``)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["table"]


def table(rows: Sequence[Sequence[str]], text_columns: int = 1, indent: str = "") -> list[str]:
    """The lines of ``rows`` (the first is the heading) in aligned columns: the first
    ``text_columns`` left-aligned, the rest (numbers) right-aligned, a rule of ``-`` under the
    heading, every line prefixed with ``indent`` and without trailing spaces."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i < text_columns else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    return [indent + line for line in (lines[:1] + ["-" * len(lines[0])] + lines[1:])]
