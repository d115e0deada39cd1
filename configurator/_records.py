"""Records of a data file's sections, each an inline YAML list or ``{file: x.csv}``.

Supply data and order books come as spreadsheet or ERP exports as often as YAML. Both ways go
through the same field specs, so a CSV cell and a YAML value get the same checks and the same
kind of position in a problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from ._csv import read_csv
from ._fields import Reader
from ._yaml import YMap, YNode, YScalar
from .problems import Position, did_you_mean

#: A field: (key, reader kind, required, default). Kinds: id, text, number, positive, date,
#: datetime.
Spec = tuple[tuple[str, str, bool, Any], ...]
Record = tuple[dict[str, Any], Position, dict[str, Position]]

_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_INT_RE = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT_RE = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)\Z")


def _csv_scalar(text: str, pos: Position, kind: str) -> YScalar:
    """A CSV cell as a scalar node, typed by what its column holds.

    Ids and texts stay strings (a part number may be all digits); numbers and dates are
    typed as YAML would type them, so the same readers check both.
    """
    if kind in ("id", "text", "datetime"):
        return YScalar(pos, value=text, raw=text, tag="str", style='"')
    if _INT_RE.match(text):
        return YScalar(pos, value=int(text), raw=text, tag="int")
    if _FLOAT_RE.match(text):
        return YScalar(pos, value=float(text), raw=text, tag="float")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return YScalar(pos, value=dt.date.fromisoformat(text), raw=text, tag="timestamp")
        except ValueError:
            pass
    return YScalar(pos, value=text, raw=text, tag="str", style='"')



class RecordReader(Reader):
    """A reader of sectioned record files; ``sections`` maps a section name to its spec."""

    sections: ClassVar[dict[str, Spec]] = {}

    def section(self, node: YNode, name: str
                ) -> list[Record]:
        """Records of a section, from an inline list or ``{file: x.csv}``."""
        spec = self.sections[name]
        keys = tuple(k for k, *_ in spec)
        if isinstance(node, YMap):
            fields = self.mapping(node, name, ("file",), required=("file",))
            if not fields or "file" not in fields:
                return []
            ref = self.reference(fields["file"], f"file of {name}", (".csv",))
            return self.csv_records(ref, name, spec) if ref else []
        out = []
        for item in self.seq(node, name) or []:
            fields = self.mapping(item, f"a record of {name}", keys,
                                  required=tuple(k for k, _, req, _ in spec if req))
            if fields is not None:
                record = self.record(fields, spec)
                if record is not None:
                    out.append((record, item.pos, {k: v.pos for k, v in fields.items()}))
        return out

    def csv_records(self, ref: tuple[Path, str], name: str, spec: Spec
                    ) -> list[Record]:
        path, filename = ref
        data = read_csv(path, filename, self)
        if data is None:
            return []
        header, rows = data
        keys = [k for k, *_ in spec]
        kinds = {k: kind for k, kind, *_ in spec}
        ok = True
        if len(header.cells) == 1 and ";" in header.cells[0]:
            self.report("T504", f"the header of {name} has one column, '{header.cells[0]}'",
                        header.pos(filename, 0), "the file seems to use ';' between cells; "
                        "save it comma-separated")
            return []
        for i, column in enumerate(header.cells):
            if column in header.cells[:i]:
                self.report("S205", f"column '{column}' appears twice in the header of {name}",
                            header.pos(filename, i), "remove one of them")
                ok = False
            elif column not in keys:
                self.report("S201", f"unknown column '{column}' in {name}",
                            header.pos(filename, i), did_you_mean(column, keys)
                            or f"columns: {', '.join(keys)}")
                ok = False
        for key, _, required, _ in spec:
            if required and key not in header.cells:
                self.report("S202", f"{name} lacks required column '{key}'",
                            header.pos(filename, 0))
                ok = False
        if not ok:
            return []
        out = []
        for row in rows:
            if len(row.cells) != len(header.cells):
                self.report("T503", f"row has {len(row.cells)} cells, the header has "
                            f"{len(header.cells)}", row.pos(filename, 0))
                continue
            fields: dict[str, YNode] = {
                column: _csv_scalar(text, row.pos(filename, i), kinds[column])
                for i, (column, text) in enumerate(zip(header.cells, row.cells, strict=True))
                if text != ""
            }
            missing = [k for k, _, req, _ in spec if req and k not in fields]
            if missing:
                self.report("S202", f"row lacks a value for '{missing[0]}'", row.pos(filename, 0))
                continue
            record = self.record(fields, spec)
            if record is not None:
                out.append((record, row.pos(filename, 0),
                            {k: v.pos for k, v in fields.items()}))
        return out

    def record(self, fields: dict[str, YNode], spec: Spec) -> dict[str, Any] | None:
        readers: dict[str, Callable[[YNode, str], Any]] = {
            "id": self.ident,
            "text": self.string,
            "number": lambda n, w: self.number(n, w, minimum=0),
            "positive": self.positive,
            "date": self.date,
            "datetime": self.timestamp,
        }
        out: dict[str, Any] = {}
        ok = True
        for key, kind, required, default in spec:
            if key not in fields:
                if required:
                    return None
                out[key] = default
                continue
            value = readers[kind](fields[key], key.replace("_", " "))
            if value is None:
                ok = False
            out[key] = value
        return out if ok else None

    def positive(self, node: YNode, what: str) -> Decimal | None:
        value = self.number(node, what)
        if value is not None and value <= 0:
            self.report("S204", f"{what} must be more than 0, not {value}", node)
            return None
        return value

    def timestamp(self, node: YNode, what: str) -> dt.datetime | None:
        """A date and time, ISO 8601 (``2026-11-26T06:00``; an offset is optional)."""
        s = self.scalar(node, what)
        if s is None:
            return None
        if isinstance(s.value, dt.datetime):
            return s.value
        if isinstance(s.value, str) and _DATETIME_RE.match(s.value):
            try:
                return dt.datetime.fromisoformat(s.value)
            except ValueError:
                pass
        self.report("S203", f"{what} must be a date and time like 2026-11-26T06:00, not {s.raw}",
                    s, "write it as YYYY-MM-DDTHH:MM, with an offset such as +01:00 if needed")
        return None
