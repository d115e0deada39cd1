"""Reading a ``bto-history`` CSV file: one row per order, every problem with its position.

The columns are described in ``docs/kpi.md``. Cells are text: nothing is evaluated, so a cell
that looks like a spreadsheet formula is an id or a bad value like any other.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._records import RecordReader, Spec
from ..problems import LoadError, Position, Problem, did_you_mean
from .report import HistoryRecord

if TYPE_CHECKING:
    from ..catalog.model import Catalog

__all__ = ["COLUMNS", "load_history", "parse_configuration", "read_history"]

#: The columns: (name, kind, required, default).
COLUMNS: Spec = (
    ("order", "text", True, None),
    ("ordered", "text", True, None),
    ("promised", "date", True, None),
    ("delivered", "date", False, None),
    ("segment", "text", False, None),
    ("configuration", "text", False, ""),
    ("quantity", "positive", False, Decimal(1)),
)
SEGMENTS = ("standard", "custom")

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ITEM_SPLIT = re.compile(r"[;\s]+")
_ITEM_RE = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]*)=(-?[A-Za-z0-9_][A-Za-z0-9_.-]*"
                      r"(?:,-?[A-Za-z0-9_][A-Za-z0-9_.-]*)*)\Z")


class ConfigurationError(ValueError):
    """A configuration cell that cannot be read; ``code`` is its problem code."""

    def __init__(self, message: str, code: str = "S204", suggestion: str | None = None
                 ) -> None:
        super().__init__(message)
        self.code = code
        self.suggestion = suggestion


def parse_configuration(text: str, catalog: Catalog | None = None
                        ) -> tuple[tuple[str, ...], str | None]:
    """The chosen options of a configuration cell as ``module=option``, and its segment when
    ``catalog`` is given (else None).

    Choices are ``MODULE=VALUE`` as ``bto quote -s`` takes them, separated by ``;`` or
    spaces; a multi-select module takes ``MODULE=a,b`` or one choice per option. Excluded
    options (``-a``) and ``none`` choose nothing. Raises :class:`ConfigurationError`.
    """
    items = [item for item in _ITEM_SPLIT.split(text.strip()) if item]
    if catalog is None:
        out: list[str] = []
        for item in items:
            found = _ITEM_RE.match(item)
            if found is None:
                raise ConfigurationError(f"configuration item '{item}' is not MODULE=OPTION",
                                         suggestion="separate choices with ';' or spaces, "
                                                    "e.g. frame=longtail;motor=mid_ep8")
            module = found.group(1)
            out += [f"{module}={value}" for value in found.group(2).split(",")
                    if not value.startswith("-") and value != "none"]
        return tuple(dict.fromkeys(out)), None
    from ..choices import SelectionError
    from ..quoting.quote import segment_of
    from ..selection import parse_choice

    values: dict[str, Any] = {}
    chosen: list[str] = []
    for item in items:
        try:
            choices = parse_choice(catalog, item)
        except SelectionError as exc:
            raise ConfigurationError(exc.message, exc.code, exc.suggestion) from None
        for choice in choices:
            if choice.excluded or choice.value is None:
                continue
            chosen.append(str(choice))
            if isinstance(choice.value, str) and catalog.module_map[choice.module].kind == \
                    "multi":
                values[choice.module] = (*values.get(choice.module, ()), choice.value)
            else:
                values[choice.module] = choice.value
    return tuple(dict.fromkeys(chosen)), segment_of(catalog, values)


class _HistoryReader(RecordReader):
    sections = {"history": COLUMNS}

    def __init__(self, filename: str, catalog: Catalog | None) -> None:
        super().__init__(filename)
        self.catalog = catalog

    def ordered(self, text: str, pos: Position) -> dt.date | dt.datetime | None:
        try:
            if _DATE_RE.match(text):
                return dt.date.fromisoformat(text)
            if _DATETIME_RE.match(text):
                return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        self.report("S203", f"ordered must be a date or a date and time, not '{text}'", pos,
                    "write YYYY-MM-DD or YYYY-MM-DDTHH:MM, with an offset such as +01:00 if "
                    "needed")
        return None

    def history(self, path: Path) -> list[HistoryRecord]:
        out: list[HistoryRecord] = []
        first: dict[str, int] = {}
        for fields, row, where in self.csv_records((path, self.filename), "the history",
                                                   COLUMNS):
            record = self.one(fields, where)
            if record is None:
                continue
            line = first.setdefault(record.order, row.line)
            if line != row.line:
                self.report("S205", f"order '{record.order}' appears twice (first on line "
                            f"{line})", where["order"], "give each order one row")
                continue
            out.append(record)
        return out

    def one(self, fields: dict[str, Any], where: dict[str, Position]) -> HistoryRecord | None:
        ordered = self.ordered(fields["ordered"], where["ordered"])
        promised: dt.date = fields["promised"]
        delivered: dt.date | None = fields["delivered"]
        ok = ordered is not None
        day = ordered.date() if isinstance(ordered, dt.datetime) else ordered
        for date, key in ((promised, "promised"), (delivered, "delivered")):
            if day is not None and date is not None and date < day:
                self.report("S204", f"{key} {date} is before the order date {day}", where[key],
                            "check the dates of this order")
                ok = False
        segment: str | None = fields["segment"]
        if segment is not None and segment not in SEGMENTS:
            self.report("S204", f"segment must be standard or custom, not '{segment}'",
                        where["segment"], did_you_mean(segment, SEGMENTS))
            ok = False
        quantity: Decimal = fields["quantity"]
        if quantity != quantity.to_integral_value():
            self.report("S203", f"quantity must be a whole number, not {quantity}",
                        where["quantity"])
            ok = False
        try:
            options, derived = parse_configuration(fields["configuration"], self.catalog)
        except ConfigurationError as exc:
            self.report(exc.code, str(exc), where["configuration"], exc.suggestion)
            return None
        if not ok or ordered is None:
            return None
        return HistoryRecord(fields["order"], ordered, promised, delivered, segment or derived,
                             options, int(quantity))


def read_history(path: str | os.PathLike[str], catalog: Catalog | None = None,
                 filename: str | None = None
                 ) -> tuple[tuple[HistoryRecord, ...] | None, list[Problem]]:
    """The orders of a ``bto-history`` CSV file (None when it has an error) and every
    problem found. With ``catalog``, each configuration's modules and options are checked
    against it, and an order without a segment gets its configuration's."""
    name = os.fspath(path) if filename is None else filename
    reader = _HistoryReader(name, catalog)
    records = reader.history(Path(path))
    return (None if reader.failed else tuple(records)), reader.problems


def load_history(path: str | os.PathLike[str], catalog: Catalog | None = None
                 ) -> tuple[HistoryRecord, ...]:
    """The orders of a ``bto-history`` CSV file; raises :class:`LoadError` with every
    problem when it has errors."""
    records, problems = read_history(path, catalog)
    if records is None:
        raise LoadError(problems)
    return records
