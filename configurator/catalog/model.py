"""The catalog: an immutable description of one configurable product.

Everything here is a frozen dataclass holding tuples and :class:`FrozenMap`, so a loaded
catalog can be shared between threads (a web shop loads it once per process). Each element that
a message may point to keeps its ``source`` position.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from .. import expr as _expr
from ..problems import Position
from ..values import FrozenMap, Label

__all__ = [
    "Attribute",
    "AttributeValue",
    "BomLine",
    "Catalog",
    "CatalogTest",
    "Expression",
    "Module",
    "ModuleKind",
    "Operation",
    "Option",
    "Part",
    "Rule",
    "ShippingRule",
    "Surcharge",
    "VariantTable",
    "WILDCARD",
]

ModuleKind = Literal["single", "multi", "integer"]
AttributeType = Literal["number", "string", "bool"]
AttributeValue = Decimal | str | bool
Segment = Literal["standard", "custom"]
PartType = Literal["purchased", "made", "phantom"]


class _Wildcard:
    """The ``*`` cell of a variant table: any value."""

    _instance: _Wildcard | None = None

    def __new__(cls) -> _Wildcard:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "WILDCARD"

    def __reduce__(self) -> str:
        return "WILDCARD"


WILDCARD = _Wildcard()
#: A variant-table cell: an option id, an integer value, None for "nothing selected", or "*".
Cell = str | int | None | _Wildcard


@dataclass(frozen=True, slots=True)
class Expression:
    """A rule-language expression: its text, its checked AST, and where it was written."""

    text: str
    ast: Any = field(compare=False)  # an expr.Bound node
    source: Position = field(compare=False)

    @property
    def constant(self) -> Decimal | None:
        """The value, when the expression is a plain number."""
        value = getattr(self.ast, "value", None)
        return value if isinstance(value, Decimal) and type(self.ast).__name__ == "Const" else None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Attribute:
    """A typed property that options carry, declared once per catalog."""

    id: str
    type: AttributeType
    default: AttributeValue
    unit: str | None = None
    label: Label | None = None
    description: Label | None = None
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Option:
    """One choice within a module."""

    id: str
    label: Label
    price: Decimal = Decimal(0)
    default: bool = False
    segment: Segment = "standard"
    attributes: FrozenMap[str, AttributeValue] = field(default_factory=FrozenMap)
    description: Label | None = None
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Module:
    """One decision: pick one option, several options, or an integer value."""

    id: str
    label: Label
    kind: ModuleKind = "single"
    required: bool = True
    options: tuple[Option, ...] = ()
    min: int = 0
    max: int = 0
    step: int = 1
    unit: str | None = None
    unit_one: str | None = None  # the unit after the value 1, e.g. seat when unit is seats
    default_value: int | None = None
    unit_price: Decimal = Decimal(0)
    description: Label | None = None
    source: Position | None = field(default=None, compare=False)

    def option(self, option_id: str) -> Option | None:
        for option in self.options:
            if option.id == option_id:
                return option
        return None

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    @property
    def defaults(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options if o.default)

    def values(self) -> range:
        """The values of an integer module."""
        return range(self.min, self.max + 1, self.step)

    def quantity_text(self, value: int) -> str:
        """An integer module's value with its unit: ``2 seats``, ``1 seat`` (``unit_one``)."""
        unit = self.unit_one if value == 1 and self.unit_one else self.unit
        return f"{value} {unit}" if unit else str(value)

    def has_value(self, value: int) -> bool:
        return self.min <= value <= self.max and (value - self.min) % self.step == 0


@dataclass(frozen=True, slots=True)
class Rule:
    """A compatibility rule: when ``when`` holds (always, if None), ``then`` must hold.

    ``kind`` keeps the form it was written in; ``then`` is its meaning as an expression
    (``requires: [a.x, b.y]`` becomes ``a.x and b.y``).
    """

    id: str
    message: Label
    kind: Literal["requires", "excludes", "then", "constraint"]
    then: Expression
    when: Expression | None = None
    severity: Literal["error", "warning"] = "error"
    description: Label | None = None
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class VariantTable:
    """Allowed (or, with ``kind='deny'``, forbidden) combinations of some modules.

    Where each row was written is kept compactly: ``row_lines[i]`` is the line of ``rows[i]``
    (in ``file`` for a CSV table, else in the catalog) and, for rows written inline,
    ``row_columns[i]`` its column. A CSV table's lines are usually a ``range``.
    """

    id: str
    message: Label
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    kind: Literal["allow", "deny"] = "allow"
    file: str | None = None
    source: Position | None = field(default=None, compare=False)
    row_lines: Sequence[int] = field(default=(), compare=False, repr=False)
    row_columns: Sequence[int] = field(default=(), compare=False, repr=False)

    def row_source(self, index: int) -> Position | None:
        """Where row ``index`` was written (a CSV row: its line, column 1), if known."""
        if not 0 <= index < len(self.row_lines):
            return None
        filename = self.file if self.file is not None else (
            self.source.file if self.source is not None else None)
        if filename is None:
            return None
        column = self.row_columns[index] if index < len(self.row_columns) else 1
        return Position(filename, self.row_lines[index], column)


@dataclass(frozen=True, slots=True)
class BomLine:
    """A line of a (super-)BOM: a part, a quantity formula and a selection condition."""

    part: str
    qty: Expression
    when: Expression | None = None
    note: str | None = None
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Operation:
    """A routing step on a work centre."""

    id: str
    work_centre: str
    minutes: Expression
    when: Expression | None = None
    label: Label | None = None
    source: Position | None = field(default=None, compare=False)
    work_centre_source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Part:
    """A purchased part, a made sub-assembly (own BOM and routing) or a phantom kit."""

    id: str
    name: Label
    type: PartType = "purchased"
    uom: str = "pcs"
    bom: tuple[BomLine, ...] = ()
    routing: tuple[Operation, ...] = ()
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Surcharge:
    """A price addition: a fixed or formula ``amount``, or a ``percent`` of the price."""

    id: str
    label: Label
    when: Expression | None = None
    amount: Expression | None = None
    percent: Decimal | None = None
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ShippingRule:
    """Which carriers may ship a configuration: the first rule whose ``when`` holds (always,
    if None) lists them, the first being the one quoted; with no rule matching, any of the
    plant's carriers, its default quoted."""

    carriers: tuple[str, ...]
    when: Expression | None = None
    note: str | None = None
    source: Position | None = field(default=None, compare=False)
    carrier_sources: tuple[Position, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class CatalogTest:
    """A selection the catalog promises to accept, or to reject by the named rules."""

    name: str
    select: FrozenMap[str, str | tuple[str, ...] | int | None]  # None: nothing chosen
    expect: Literal["valid", "rejected"]
    by: tuple[str, ...] = ()
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Catalog:
    """A loaded, checked catalog. Immutable and safe to share between threads."""

    id: str
    name: Label
    version: str
    currency: str
    languages: tuple[str, ...] = ("en",)
    description: Label | None = None
    base_price: Decimal = Decimal(0)
    attributes: FrozenMap[str, Attribute] = field(default_factory=FrozenMap)
    modules: tuple[Module, ...] = ()
    rules: tuple[Rule, ...] = ()
    tables: tuple[VariantTable, ...] = ()
    parts: FrozenMap[str, Part] = field(default_factory=FrozenMap)
    bom: tuple[BomLine, ...] = ()
    routing: tuple[Operation, ...] = ()
    surcharges: tuple[Surcharge, ...] = ()
    shipping: tuple[ShippingRule, ...] = ()
    tests: tuple[CatalogTest, ...] = ()
    plant: Path | None = None
    supply: Path | None = None
    path: Path | None = None
    source: Position | None = field(default=None, compare=False)
    #: Where each top-level key's value was written, for messages about it.
    sources: FrozenMap[str, Position] = field(default_factory=FrozenMap, compare=False)
    _modules: FrozenMap[str, Module] = field(default_factory=FrozenMap, repr=False,
                                             compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_modules", FrozenMap((m.id, m) for m in self.modules))

    def module(self, module_id: str) -> Module:
        """The module with this id; KeyError if there is none."""
        return self._modules[module_id]

    @property
    def module_map(self) -> FrozenMap[str, Module]:
        """The modules by id."""
        return self._modules

    def get_module(self, module_id: str) -> Module | None:
        return self._modules.get(module_id)

    def rule(self, rule_id: str) -> Rule | VariantTable | None:
        """The rule or variant table with this id."""
        items: tuple[Rule | VariantTable, ...] = (*self.rules, *self.tables)
        for item in items:
            if item.id == rule_id:
                return item
        return None

    def attribute_value(self, module_id: str, option_id: str, attribute: str) -> AttributeValue:
        """An option's attribute, or the attribute's default."""
        option = self._modules[module_id].option(option_id)
        if option is not None and attribute in option.attributes:
            return option.attributes[attribute]
        return self.attributes[attribute].default

    @property
    def option_count(self) -> int:
        return sum(len(m.options) for m in self.modules)

    # -- the expr.Scope protocol, so expressions can be checked against this catalog ----------
    def module_kind(self, module: str) -> ModuleKind | None:
        found = self._modules.get(module)
        return found.kind if found else None

    def module_ids(self) -> Iterable[str]:
        return self._modules.keys()

    def option_ids(self, module: str) -> Iterable[str]:
        found = self._modules.get(module)
        return found.option_ids if found else ()

    def attribute_type(self, name: str) -> AttributeType | None:
        found = self.attributes.get(name)
        return found.type if found else None

    def attribute_ids(self) -> Iterable[str]:
        return self.attributes.keys()


def scope_of(modules: Iterable[Module], attributes: FrozenMap[str, Attribute]) -> _expr.Scope:
    """An expression scope over modules and attributes, before the catalog is built."""
    return _expr.SimpleScope(
        modules={m.id: (m.kind, m.option_ids) for m in modules},
        attributes={a.id: a.type for a in attributes.values()},
    )
