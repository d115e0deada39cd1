"""Problem records: every issue found in a user's file, with its exact position.

Loading and linting never stop at the first problem. They collect :class:`Problem` records
(code, severity, message, file, line, column, suggestion), in the spirit of jsonschema's
``iter_errors``. Raising is left to the API that wants one error: :class:`LoadError` carries
every problem found.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "CODES",
    "codes_markdown",
    "LoadError",
    "Position",
    "Problem",
    "Severity",
    "did_you_mean",
    "format_problem",
]


class Severity(StrEnum):
    """How bad a problem is. Errors stop a file from loading; warnings do not."""

    ERROR = "error"
    WARNING = "warning"


# code -> (default severity, one-line title). docs/problem-codes.md is generated from this
# table (tests check that it is up to date), so a code is documented the moment it exists.
CODES: dict[str, tuple[Severity, str]] = {
    # Y1xx: the file and its YAML
    "Y100": (Severity.ERROR, "file cannot be read (missing, not UTF-8, or not a regular file)"),
    "Y101": (Severity.ERROR, "YAML syntax error"),
    "Y102": (Severity.ERROR, "duplicate key"),
    "Y103": (Severity.ERROR, "plain scalar that YAML 1.1 reads as another type; quote it"),
    "Y104": (Severity.ERROR, "file too large"),
    "Y105": (Severity.ERROR, "nesting too deep"),
    "Y106": (Severity.ERROR, "aliases expand to too many nodes (alias bomb)"),
    "Y107": (Severity.ERROR, "the file must hold exactly one YAML document, a mapping"),
    "Y108": (Severity.WARNING, "yes/no/on/off used as a boolean; write true or false"),
    "Y109": (Severity.ERROR, "unsupported YAML tag or merge key"),
    # S2xx: structure (what the JSON Schema also says)
    "S200": (Severity.ERROR, "missing or unknown format"),
    "S201": (Severity.ERROR, "unknown key"),
    "S202": (Severity.ERROR, "missing required key"),
    "S203": (Severity.ERROR, "wrong type"),
    "S204": (Severity.ERROR, "invalid value"),
    "S205": (Severity.ERROR, "duplicate id"),
    "S206": (Severity.ERROR, "conflicting or missing alternative keys"),
    "S207": (Severity.ERROR, "invalid identifier"),
    "S208": (Severity.WARNING, "label lacks a language the catalog lists"),
    # R3xx: references between things
    "R301": (Severity.ERROR, "unknown module"),
    "R302": (Severity.ERROR, "unknown option"),
    "R303": (Severity.ERROR, "unknown attribute"),
    "R304": (Severity.ERROR, "unknown part"),
    "R305": (Severity.ERROR, "unknown work centre"),
    "R306": (Severity.ERROR, "unknown rule or table"),
    "R307": (Severity.ERROR, "unknown supplier"),
    "R308": (Severity.ERROR, "referenced file is missing or outside the catalog's tree"),
    "R309": (Severity.ERROR, "cyclic sub-assembly"),
    "R310": (Severity.WARNING, "purchased part has no sourcing in the supply data"),
    "R311": (Severity.WARNING, "supply data names a part no catalog uses"),
    "R312": (Severity.ERROR, "unknown purchase order, or one of another part"),
    "R313": (Severity.WARNING, "open orders hold more than there is"),
    "R314": (Severity.ERROR, "unknown carrier"),
    # X4xx: the rule language
    "X401": (Severity.ERROR, "rule expression syntax error"),
    "X402": (Severity.ERROR, "rule expression type error"),
    "X403": (Severity.ERROR, "invalid use of a module in an expression"),
    # T5xx: variant tables and CSV files
    "T501": (Severity.ERROR, "CSV header does not match the table's columns"),
    "T502": (Severity.ERROR, "table cell is not a value of its column's module"),
    "T503": (Severity.ERROR, "table row has the wrong number of cells"),
    "T504": (Severity.ERROR, "malformed or oversized CSV file"),
    "T505": (Severity.ERROR, "table column is not a single-select or integer module"),
    "T506": (Severity.WARNING, "duplicate table row"),
    # C6xx: consistency of a catalog's parts
    "C601": (Severity.ERROR, "more defaults than the module allows"),
    "C602": (Severity.ERROR, "inconsistent bounds"),
    "C603": (Severity.ERROR, "default is not a value of the module"),
    "C604": (Severity.ERROR, "BOM or routing not allowed for this part type"),
    "C605": (Severity.ERROR, "test selection is not well-formed"),
    # L7xx: logic: what the rules and tables mean together (found by solving the catalog)
    "L701": (Severity.ERROR, "the catalog has no valid configuration"),
    "L702": (Severity.WARNING, "option or value can never be selected (dead)"),
    "L703": (Severity.WARNING, "option or value is in every configuration (forced)"),
    "L704": (Severity.WARNING, "rule never applies: its condition cannot hold"),
    "L705": (Severity.WARNING, "rule is implied by the other rules and tables (redundant)"),
    "L706": (Severity.WARNING, "variant-table row can never be used"),
    "L707": (Severity.WARNING, "deny-table row is ruled out anyway (redundant)"),
}


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a file: 1-based line and column, as editors and compilers print them."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a file. JSON-serializable through :meth:`to_dict`."""

    code: str
    message: str
    file: str
    line: int
    column: int
    severity: Severity = Severity.ERROR
    suggestion: str | None = None

    @classmethod
    def at(
        cls,
        code: str,
        message: str,
        pos: Position,
        *,
        suggestion: str | None = None,
        severity: Severity | None = None,
    ) -> Problem:
        """Build a problem at ``pos`` with the code's default severity."""
        if code not in CODES:
            raise KeyError(f"unregistered problem code {code}")
        return cls(
            code=code,
            message=message,
            file=pos.file,
            line=pos.line,
            column=pos.column,
            severity=severity or CODES[code][0],
            suggestion=suggestion,
        )

    @property
    def position(self) -> Position:
        return Position(self.file, self.line, self.column)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "suggestion": self.suggestion,
        }


def printable(text: str) -> str:
    """User text made safe for one line of a terminal: control characters escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def format_problem(problem: Problem) -> str:
    """``file:line:col: CODE message`` as yamllint and ruff print it, plus the suggestion.

    Messages quote the user's file, so control characters are escaped: a key with a newline
    or a terminal escape sequence cannot break the one-problem-per-line output.
    """
    kind = "warning: " if problem.severity is Severity.WARNING else ""
    text = f"{printable(str(problem.position))}: {problem.code} {kind}{printable(problem.message)}"
    if problem.suggestion:
        text += f"; {printable(problem.suggestion)}"
    return text


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """``did you mean 'x'?`` for the closest candidate, or None when nothing is close."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            matches = [lowered[name.lower()]]
    return f"did you mean '{matches[0]}'?" if matches else None


class LoadError(Exception):
    """Raised by the loading API when a file has errors. ``problems`` holds all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        errors = [p for p in self.problems if p.is_error]
        shown = errors or list(self.problems)
        if not shown:
            return "load failed"
        head = format_problem(shown[0])
        more = len(shown) - 1
        return head + (f" (and {more} more)" if more else "")


_GROUPS = {
    "Y": "The file and its YAML",
    "S": "Structure (what the JSON Schemas also check)",
    "R": "References between things",
    "X": "The rule language",
    "T": "Variant tables and CSV files",
    "C": "Consistency within a catalog",
    "L": "Logic: what the rules and tables mean together (`bto lint` solves each catalog)",
}


def codes_markdown() -> str:
    """docs/problem-codes.md, generated from :data:`CODES`."""
    lines = [
        "# Problem codes",
        "",
        "Every problem `bto lint` reports has a code, a severity and a position. Errors stop a",
        "file from loading; warnings do not, but lint still exits with status 1.",
        "This page is generated from `configurator/problems.py`; a test keeps it current.",
        "Regenerate it with:",
        "",
        "```sh",
        "python -c 'from configurator.problems import codes_markdown as m; "
        "print(m(), end=\"\")' > docs/problem-codes.md",
        "```",
    ]
    for prefix, title in _GROUPS.items():
        lines += ["", f"## {prefix}: {title}", "", "| code | severity | meaning |", "|---|---|---|"]
        for code, (severity, text) in CODES.items():
            if code.startswith(prefix):
                lines.append(f"| {code} | {severity.value} | {text} |")
    return "\n".join(lines) + "\n"
