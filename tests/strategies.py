"""Hypothesis strategies shared by the property tests.

For now: hostile file contents (arbitrary bytes, and real files with random edits). The engine
issue adds generated catalogs, selections and supply situations here.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


def example_files() -> list[Path]:
    """Every valid bto YAML file in the repository: the examples and the test fixtures."""
    found = [*ROOT.glob("catalogs/*.yaml"), *ROOT.glob("rules/*.yaml"),
             *ROOT.glob("tests/data/good/**/*.yaml")]
    return sorted(found)


# Fragments that are likely to break a catalog in interesting ways.
_FRAGMENTS = ["no", "yes", "1:30", "010", "&a", "*a", "<<: *a", "!!python/object:os.system",
              "- ", ": ", "{", "}", "[", "]", '"', "'", "#", "\t", "\x00", "\ufeff", "~", "null",
              "requires", "sum(", ")", "option.", " and ", "*", "==", "2026-02-30", "---",
              "format: bto-plant/1", "\n", "  ", "1e999", "-1", "é"]


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few random edits: deletions, insertions, duplicated or swapped lines."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = [""]
        kind = draw(st.sampled_from(["delete", "insert", "dup", "swap", "chars", "indent"]))
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "    "])) + lines[i].lstrip()
        else:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            cut = draw(st.integers(0, 3))
            piece = draw(st.sampled_from(_FRAGMENTS) | st.text(max_size=3))
            if kind == "insert":
                lines[i] = line[:at] + piece + line[at:]
            else:
                lines[i] = line[:at] + piece + line[at + cut:]
    return "\n".join(lines)
