"""A neutral sales history, read from a ``bto-history`` CSV file or a whitespace sales table.

Two formats are read, told apart by their content:

- a ``bto-history`` CSV file (``docs/kpi.md``): one order per row, its configuration as
  ``module=option`` choices and its order date;
- a *sales table*, the format of the Renault sales histories: a header line of variable
  names, then one configuration per line, the values separated by whitespace. No dates; a
  fold file (one fold number per row) may split it for cross-validation.

Every bad line is a :class:`~configurator.problems.Problem` with ``file:line:col``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._yaml import read_text
from ..kpi.history import COLUMNS
from ..problems import LoadError, Position, Problem

if TYPE_CHECKING:
    from ..kpi.report import HistoryRecord

#: A fold number: ASCII digits only (``str.isdigit`` takes '²'), at most nine of them.
_FOLD = re.compile(r"[0-9]{1,9}")

__all__ = ["Sale", "SalesHistory", "history_of_records", "load_sales", "read_folds",
           "read_sales"]

#: What a sale chose in a module: one option id, or the option ids of a multi-select module.
ChoiceValue = str | tuple[str, ...]

#: The columns every bto-history file has.
_HISTORY_COLUMNS = frozenset(column for column, _, required, _ in COLUMNS if required)
_TOKEN = re.compile(r"\S+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_VALUE = re.compile(r"-?[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
#: Larger sales tables than this are refused (the Renault one is 0.7 MB).
MAX_TABLE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Sale:
    """One sold configuration: its order id and date when known, the chosen option (or
    options) per module, and how many were sold."""

    order: str | None
    ordered: dt.date | dt.datetime | None
    configuration: Mapping[str, ChoiceValue]
    quantity: int = 1

    @property
    def ordered_day(self) -> dt.date | None:
        """The day of ordering, or None."""
        if isinstance(self.ordered, dt.datetime):
            return self.ordered.date()
        return self.ordered

    def options(self, module: str) -> tuple[str, ...]:
        """The options chosen in ``module`` (none when the sale has no value there)."""
        value = self.configuration.get(module)
        if value is None:
            return ()
        return value if isinstance(value, tuple) else (value,)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the date ISO 8601, multi-select values as lists."""
        return {"order": self.order,
                "ordered": None if self.ordered is None else self.ordered.isoformat(),
                "configuration": {k: list(v) if isinstance(v, tuple) else v
                                  for k, v in self.configuration.items()},
                "quantity": self.quantity}


@dataclass(frozen=True, slots=True)
class SalesHistory:
    """Sales in file order, the modules they name (in order of first appearance or of the
    table's header), the file they came from and its format (``bto-history`` or
    ``sales-table``)."""

    sales: tuple[Sale, ...]
    modules: tuple[str, ...]
    source: str
    format: str

    @property
    def dated(self) -> bool:
        """Whether every sale has an order date."""
        return bool(self.sales) and all(s.ordered is not None for s in self.sales)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (not the sales themselves, which can be many)."""
        return {"source": self.source, "format": self.format, "sales": len(self.sales),
                "units": sum(s.quantity for s in self.sales), "modules": list(self.modules),
                "dated": self.dated}


def _from_history(path: Path, name: str, catalog: Any
                  ) -> tuple[SalesHistory | None, list[Problem]]:
    from ..kpi.history import read_history

    records, problems = read_history(path, catalog, filename=name)
    if records is None:
        return None, problems
    return history_of_records(records, catalog, name), problems


def history_of_records(records: Iterable[HistoryRecord], catalog: Any = None,
                       source: str = "orders") -> SalesHistory:
    """The sales of order-history records (a ``bto-history`` file's, or the ledger's
    ``Ledger.history()``); ``catalog`` tells which modules are multi-select."""
    modules: dict[str, None] = {}
    sales = []
    for record in records:
        chosen: dict[str, list[str]] = {}
        for item in record.options:
            module, _, option = item.partition("=")
            chosen.setdefault(module, []).append(option)
            modules.setdefault(module)
        multi = {m.id for m in catalog.modules if m.kind == "multi"} if catalog else set()
        configuration = {m: tuple(v) if len(v) > 1 or m in multi else v[0]
                         for m, v in chosen.items()}
        sales.append(Sale(record.order, record.ordered, configuration, record.quantity))
    return SalesHistory(tuple(sales), tuple(modules), source, "bto-history")


def _table(text: str, name: str) -> tuple[SalesHistory | None, list[Problem]]:
    problems: list[Problem] = []
    lines = text.splitlines()
    head = next((i for i, line in enumerate(lines) if line.strip()), None)
    if head is None:
        return None, [Problem.at("T504", "the sales table is empty", Position(name, 1, 1),
                                 suggestion="write a header line of variable names, then one "
                                            "configuration per line")]
    header = [(m.group(), m.start() + 1) for m in _TOKEN.finditer(lines[head])]
    seen: dict[str, int] = {}
    for variable, col in header:
        if not _NAME.match(variable):
            problems.append(Problem.at("S207", f"'{variable}' is not a variable name",
                                       Position(name, head + 1, col),
                                       suggestion="use letters, digits, '_', '.' or '-', "
                                                  "starting with a letter"))
        elif variable in seen:
            problems.append(Problem.at("S205", f"variable '{variable}' appears twice in the "
                                       f"header (first in column {seen[variable]})",
                                       Position(name, head + 1, col)))
        seen.setdefault(variable, col)
    names = tuple(v for v, _ in header)
    sales = []
    for number in range(head + 2, len(lines) + 1):
        line = lines[number - 1]
        if not line.strip():
            continue
        cells = [(m.group(), m.start() + 1) for m in _TOKEN.finditer(line)]
        if len(cells) != len(names):
            col = cells[len(names)][1] if len(cells) > len(names) else len(line) + 1
            problems.append(Problem.at("T503", f"row has {len(cells)} values, the header "
                                       f"names {len(names)} variables",
                                       Position(name, number, col),
                                       suggestion="one value per variable, separated by "
                                                  "spaces"))
            continue
        bad = next(((v, c) for v, c in cells if not _VALUE.match(v)), None)
        if bad is not None:
            problems.append(Problem.at("S204", f"'{bad[0]}' is not a value",
                                       Position(name, number, bad[1]),
                                       suggestion="values are ids or integers, e.g. 3 or -1"))
            continue
        sales.append(Sale(None, None, dict(zip(names, (v for v, _ in cells), strict=True))))
    if not sales and not problems:
        problems.append(Problem.at("T504", "the sales table has a header but no rows",
                                   Position(name, head + 1, 1)))
    if problems:
        return None, problems
    return SalesHistory(tuple(sales), names, name, "sales-table"), problems


def read_sales(path: str | os.PathLike[str], catalog: Any = None, filename: str | None = None
               ) -> tuple[SalesHistory | None, list[Problem]]:
    """The sales of a ``bto-history`` CSV file or a sales table (None when the file has an
    error) and every problem found. The format is told by the first line: a CSV header that
    starts with ``order,`` or whitespace-separated variable names. ``catalog`` checks a
    ``bto-history`` file's configurations."""
    name = os.fspath(path) if filename is None else filename
    text, problems = read_text(Path(path), name, limit=MAX_TABLE_BYTES)
    if text is None:
        return None, problems
    first = next((line for line in text.splitlines() if line.strip()), "")
    # A CSV header with the bto-history columns, in any order, is a bto-history file; a
    # sales table's header is names separated by white space.
    if {c.strip().lower() for c in first.split(",")} >= _HISTORY_COLUMNS:
        return _from_history(Path(path), name, catalog)
    if "," in first or ";" in first or not any(_NAME.match(t) for t in first.split()):
        return None, [Problem.at(
            "T504", "neither a bto-history CSV file nor a sales table",
            Position(name, 1, 1),
            suggestion="a bto-history CSV starts with the header order,ordered,promised,...; "
                       "a sales table with a line of variable names separated by spaces")]
    return _table(text, name)


def load_sales(path: str | os.PathLike[str], catalog: Any = None) -> SalesHistory:
    """The sales of a file; raises :class:`LoadError` with every problem when it has
    errors."""
    history, problems = read_sales(path, catalog)
    if history is None:
        raise LoadError(problems)
    return history


def read_folds(path: str | os.PathLike[str], rows: int, filename: str | None = None
               ) -> tuple[tuple[int, ...] | None, list[Problem]]:
    """The fold of each sales row, from a file of one non-negative integer per line (blank
    lines skipped); None with problems when a line is not a fold number or the file does not
    have exactly ``rows`` of them."""
    name = os.fspath(path) if filename is None else filename
    text, problems = read_text(Path(path), name, limit=MAX_TABLE_BYTES)
    if text is None:
        return None, problems
    folds: list[int] = []
    last = 0
    for number, line in enumerate(text.splitlines(), start=1):
        cell = line.strip()
        if not cell:
            continue
        last = number
        col = len(line) - len(line.lstrip()) + 1
        if not _FOLD.fullmatch(cell):
            problems.append(Problem.at("S203", f"fold must be a whole number of 0 or more, "
                                       f"not '{cell}'", Position(name, number, col)))
            continue
        folds.append(int(cell))
    if not problems and len(folds) != rows:
        problems.append(Problem.at("T503", f"the fold file has {len(folds)} folds, the sales "
                                   f"have {rows} rows", Position(name, max(last, 1), 1),
                                   suggestion="give one fold number per sales row, in the "
                                              "same order"))
    if not problems and len(set(folds)) < 2:
        problems.append(Problem.at("S204", "the fold file names only one fold",
                                   Position(name, 1, 1),
                                   suggestion="cross-validation needs at least two folds"))
    return (None if problems else tuple(folds)), problems
