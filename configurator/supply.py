"""Supply data: stock on hand, open purchase orders, suppliers and their lead times.

Each section of a ``bto-supply/1`` file is an inline list or a CSV file (what a spreadsheet or
ERP export gives). Both are read through the same field specs, so a CSV cell and a YAML value
get the same checks and the same kind of position in a problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._csv import read_csv
from ._fields import Reader
from ._yaml import YMap, YNode, YScalar
from .problems import Position, did_you_mean
from .values import FrozenMap

__all__ = ["PurchaseOrder", "Sourcing", "StockRecord", "Supplier", "Supply"]

FORMAT = "bto-supply/1"
SUPPLY_KEYS = ("format", "id", "as_of", "suppliers", "sourcing", "stock", "purchase_orders")


@dataclass(frozen=True, slots=True)
class Supplier:
    """A supplier; ``response_days`` is how long it takes to confirm an order."""

    id: str
    name: str
    response_days: Decimal = Decimal(0)
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Sourcing:
    """How a purchased part is bought: supplier, lead time (median and spread), MOQ."""

    part: str
    supplier: str
    lead_time_days: Decimal
    lead_time_spread_days: Decimal = Decimal(0)
    moq: Decimal = Decimal(1)
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class StockRecord:
    """Stock on hand of a part and the safety stock not to be promised."""

    part: str
    on_hand: Decimal
    safety_stock: Decimal = Decimal(0)
    source: Position | None = field(default=None, compare=False)

    @property
    def available(self) -> Decimal:
        return max(Decimal(0), self.on_hand - self.safety_stock)


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """An open purchase order: a quantity of a part expected on ``eta``."""

    id: str
    part: str
    qty: Decimal
    eta: dt.date
    supplier: str | None = None
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Supply:
    """A loaded supply file. Immutable."""

    id: str
    as_of: dt.date | None = None
    suppliers: FrozenMap[str, Supplier] = field(default_factory=FrozenMap)
    sourcing: FrozenMap[str, Sourcing] = field(default_factory=FrozenMap)
    stock: FrozenMap[str, StockRecord] = field(default_factory=FrozenMap)
    purchase_orders: tuple[PurchaseOrder, ...] = ()
    source: Position | None = field(default=None, compare=False)

    @property
    def parts(self) -> frozenset[str]:
        """Every part this file says anything about."""
        return frozenset(self.sourcing) | frozenset(self.stock) | frozenset(
            po.part for po in self.purchase_orders)


# A field: (key, reader kind, required, default). Kinds: id, text, number, positive, date.
_Spec = tuple[tuple[str, str, bool, Any], ...]
SECTIONS: dict[str, _Spec] = {
    "suppliers": (("id", "id", True, None), ("name", "text", False, None),
                  ("response_days", "number", False, Decimal(0))),
    "sourcing": (("part", "id", True, None), ("supplier", "id", True, None),
                 ("lead_time_days", "number", True, None),
                 ("lead_time_spread_days", "number", False, Decimal(0)),
                 ("moq", "positive", False, Decimal(1))),
    "stock": (("part", "id", True, None), ("on_hand", "number", True, None),
              ("safety_stock", "number", False, Decimal(0))),
    "purchase_orders": (("id", "id", True, None), ("part", "id", True, None),
                        ("qty", "positive", True, None), ("eta", "date", True, None),
                        ("supplier", "id", False, None)),
}
_INT_RE = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT_RE = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)\Z")


def _csv_scalar(text: str, pos: Position, kind: str) -> YScalar:
    """A CSV cell as a scalar node, typed by what its column holds.

    Ids and texts stay strings (a part number may be all digits); numbers and dates are
    typed as YAML would type them, so the same readers check both.
    """
    if kind in ("id", "text"):
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


class _SupplyReader(Reader):
    def read(self, root: YNode) -> Supply | None:
        top = self.mapping(root, "the supply data", SUPPLY_KEYS, required=("format", "id"))
        if top is None or not self.check_format(top, FORMAT):
            return None
        supply_id = self.ident(top["id"], "supply id") if "id" in top else None
        as_of = self.date(top["as_of"], "as_of") if "as_of" in top else None
        sections = {name: self.section(top[name], name) if name in top else []
                    for name in SECTIONS}
        suppliers = [Supplier(r["id"], r["name"] or r["id"], r["response_days"], source=pos)
                     for r, pos, _ in sections["suppliers"]]
        sourcing = [Sourcing(r["part"], r["supplier"], r["lead_time_days"],
                             r["lead_time_spread_days"], r["moq"], source=pos)
                    for r, pos, _ in sections["sourcing"]]
        stock = [StockRecord(r["part"], r["on_hand"], r["safety_stock"], source=pos)
                 for r, pos, _ in sections["stock"]]
        orders = [PurchaseOrder(r["id"], r["part"], r["qty"], r["eta"], r["supplier"],
                                source=pos) for r, pos, _ in sections["purchase_orders"]]
        def where(item: Any) -> Position:
            return item.source  # type: ignore[no-any-return]

        self.unique(suppliers, lambda s: s.id, where, "supplier")
        self.unique(sourcing, lambda s: s.part, where, "sourcing of part")
        self.unique(stock, lambda s: s.part, where, "stock record of part")
        self.unique(orders, lambda o: o.id, where, "purchase order")
        known = {s.id for s in suppliers}
        with_supplier: list[tuple[Sourcing | PurchaseOrder, dict[str, Position]]] = [
            *((s, k) for s, (_, _, k) in zip(sourcing, sections["sourcing"], strict=True)),
            *((o, k) for o, (_, _, k) in zip(orders, sections["purchase_orders"], strict=True)),
        ]
        for item, keys in with_supplier:
            if item.supplier is not None and item.supplier not in known:
                self.report("R307", f"unknown supplier '{item.supplier}'",
                            keys.get("supplier", where(item)),
                            did_you_mean(item.supplier, known) or "add it under 'suppliers:'")
        if self.failed or supply_id is None:
            return None
        return Supply(
            id=supply_id, as_of=as_of,
            suppliers=FrozenMap((s.id, s) for s in suppliers),
            sourcing=FrozenMap((s.part, s) for s in sourcing),
            stock=FrozenMap((s.part, s) for s in stock),
            purchase_orders=tuple(sorted(orders, key=lambda o: (o.eta, o.id))),
            source=root.pos,
        )

    def section(self, node: YNode, name: str
                ) -> list[tuple[dict[str, Any], Position, dict[str, Position]]]:
        """Records of a section, from an inline list or ``{file: x.csv}``."""
        spec = SECTIONS[name]
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

    def csv_records(self, ref: tuple[Path, str], name: str, spec: _Spec
                    ) -> list[tuple[dict[str, Any], Position, dict[str, Position]]]:
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

    def record(self, fields: dict[str, YNode], spec: _Spec) -> dict[str, Any] | None:
        readers: dict[str, Callable[[YNode, str], Any]] = {
            "id": self.ident,
            "text": self.string,
            "number": lambda n, w: self.number(n, w, minimum=0),
            "positive": self.positive,
            "date": self.date,
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


def read_supply_node(root: YNode, filename: str, path: Path | None
                     ) -> tuple[Supply | None, list[Any]]:
    """Build supply data from composed nodes; returns it (None on errors) and the problems."""
    reader = _SupplyReader(filename, path)
    return reader.read(root), reader.problems
