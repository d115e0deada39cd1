"""The bill of materials of one configuration: the super-BOM exploded for an order.

:func:`explode` selects the catalog's BOM lines whose ``when`` holds, evaluates their quantity
formulas, explodes ``made`` sub-assemblies to any depth (each with its own BOM and routing),
dissolves ``phantom`` kits into their parent, and multiplies quantities down the tree and by
the number of products ordered. Quantities are exact decimals: every part's total for ``qty``
products is exactly ``qty`` times its total for one.

The result, a frozen :class:`Bom`, holds the tree (:class:`BomNode`), the routing operations
(:class:`OperationLine`; sub-assemblies' operations before their parent's, final assembly last)
and the parts aggregated over every line that uses them (:class:`PartRequirement`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from typing import Any, Literal

from . import expr as _expr
from .catalog.model import BomLine, Catalog, Expression, Operation, PartType
from .choices import SelectionError, SelectionValue, check_choice, multi_choice
from .problems import Position
from .session import Configuration
from .values import FrozenMap, Label

__all__ = [
    "EXACT",
    "Bom",
    "BomError",
    "BomNode",
    "DerivationError",
    "OperationLine",
    "PartRequirement",
    "ValuesView",
    "check_qty",
    "configuration_values",
    "decimal_text",
    "evaluate_formula",
    "explode",
]

#: Exact arithmetic for quantities and money: a result that would need rounding (more than
#: 60 significant digits) raises instead of silently losing the linearity in qty.
EXACT = Context(prec=60, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])


def decimal_text(value: Decimal) -> str:
    """A quantity as plain text without exponent or trailing zeros: ``0.7``, ``36``."""
    text = format(value.normalize(EXACT), "f")
    return "0" if text in ("-0", "0") else text


def _position(source: Position | None) -> str | None:
    return str(source) if source is not None else None


# -- configurations ---------------------------------------------------------------------------
def configuration_values(catalog: Catalog, configuration: Configuration
                         | Mapping[str, SelectionValue]) -> FrozenMap[str, SelectionValue]:
    """A configuration's module values, checked against the catalog and in catalog order.

    ``configuration`` is a :class:`~configurator.session.Configuration` or a complete mapping
    module -> value (an option id or None; the selected option ids of a multi-select module,
    where ``-option`` items, which exclude an option, are ignored; an int for an integer
    module). Raises :class:`SelectionError` for a missing or unknown module or value. The
    catalog's rules are not checked here: a configuration from :meth:`Session.complete`
    satisfies them.
    """
    if isinstance(configuration, Configuration):
        if configuration.catalog != catalog.id:
            raise SelectionError(f"this configuration is for catalog '{configuration.catalog}',"
                                 f" not '{catalog.id}'")
        given: Mapping[str, Any] = configuration.values
    else:
        given = configuration
    modules = catalog.module_map
    for module_id in given:
        if module_id not in modules:
            check_choice(modules, module_id, None)  # raises, with a did-you-mean
    out: dict[str, SelectionValue] = {}
    for module in catalog.modules:
        if module.id not in given:
            raise SelectionError(f"the configuration has no value for module '{module.id}'")
        value = given[module.id]
        if module.kind == "multi":
            if value is None:
                value = ()
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise SelectionError(f"module '{module.id}' takes a list of options, "
                                     f"not {value!r}")
            items = [multi_choice(modules, module.id, v) for v in value]
            chosen = {c.value for c in items if not c.excluded}
            out[module.id] = tuple(o for o in module.option_ids if o in chosen)
        else:
            out[module.id] = check_choice(modules, module.id, value).value
    return FrozenMap(out)


class ValuesView:
    """Complete module values seen as a configuration by the rule language's evaluator
    (the :class:`configurator.expr.ConfigurationView` protocol)."""

    __slots__ = ("catalog", "values")

    def __init__(self, catalog: Catalog, values: Mapping[str, SelectionValue]) -> None:
        self.catalog = catalog
        self.values = values

    def selected(self, module: str) -> frozenset[str]:
        """The options selected in a single- or multi-select module."""
        value = self.values[module]
        if isinstance(value, tuple):
            return frozenset(value)
        return frozenset((value,)) if isinstance(value, str) else frozenset()

    def value(self, module: str) -> int:
        """The value of an integer module."""
        return int(self.values[module])  # type: ignore[arg-type]

    def attribute(self, module: str, option: str, attribute: str) -> _expr.Value:
        """An option's attribute, or the attribute's default."""
        return self.catalog.attribute_value(module, option, attribute)

    def attribute_default(self, attribute: str) -> _expr.Value:
        """The attribute's default."""
        return self.catalog.attributes[attribute].default

    def module_ids(self) -> Iterable[str]:
        """Every module of the catalog."""
        return self.catalog.module_ids()


def evaluate_formula(expression: Expression, view: _expr.ConfigurationView,
                     kind: Literal["number", "bool"] = "number") -> Decimal | bool:
    """A quantity formula's number or a condition's truth. Raises ValueError with the reason
    (not a number, division by zero, a number too large) for the caller to place."""
    try:
        value = _expr.evaluate(expression.ast, view)
    except DivisionByZero:
        raise ValueError(f"'{expression.text}' divides by zero") from None
    except (ArithmeticError, TypeError, KeyError, ValueError) as exc:
        raise ValueError(f"'{expression.text}' cannot be computed ({exc or type(exc).__name__})"
                         ) from None
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"'{expression.text}' is {value!r}, not true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"'{expression.text}' is {value!r}, not a number")
    return value


# -- results ----------------------------------------------------------------------------------
class DerivationError(ValueError):
    """A BOM or price that cannot be computed for a configuration: ``reason`` says why, and
    ``source`` is where the catalog element at fault (:meth:`subject`) is written."""

    def __init__(self, reason: str, source: Position | None = None) -> None:
        self.reason = reason
        self.source = source
        super().__init__(str(self))

    def subject(self) -> str:
        """The catalog element at fault, in words."""
        return "the catalog"

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source is not None else ""
        return f"{where}{self.subject()}: {self.reason}"


class BomError(DerivationError):
    """A BOM line or routing operation that cannot be computed for this configuration: a
    negative quantity or duration, a value that is not a number, an arithmetic error."""

    def __init__(self, reason: str, part: str | None, source: Position | None = None,
                 operation: str | None = None) -> None:
        self.part = part
        self.operation = operation
        super().__init__(reason, source)

    def subject(self) -> str:
        """The BOM line (by its part) or the routing operation."""
        if self.operation is None:
            return f"BOM line of part '{self.part}'"
        if self.part is None:
            return f"final-assembly operation '{self.operation}'"
        return f"operation '{self.operation}' of part '{self.part}'"


@dataclass(frozen=True, slots=True)
class OperationLine:
    """A routing operation of the order: ``minutes`` per unit, run for ``units`` units.

    ``part`` is the made part it builds, or None for final assembly (then ``units`` is the
    number of products ordered).
    """

    id: str
    work_centre: str
    minutes: Decimal
    units: Decimal
    total_minutes: Decimal
    part: str | None
    label: Label | None = None
    source: Position | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; numbers as decimal strings."""
        return {"id": self.id, "work_centre": self.work_centre,
                "minutes": decimal_text(self.minutes), "units": decimal_text(self.units),
                "total_minutes": decimal_text(self.total_minutes), "part": self.part,
                "label": self.label.to_dict() if self.label else None,
                "source": _position(self.source)}


@dataclass(frozen=True, slots=True)
class BomNode:
    """One exploded BOM line: a purchased or made part (never a phantom).

    ``qty`` is per unit of the parent (per product at level 1), ``total`` for the whole
    order. ``path`` lists the part ids from the top down to this part, phantom kits included;
    ``via`` is the phantom kit whose BOM holds this line, if any (the kit is dissolved, so the
    line hangs under the kit's parent). A made part has ``children`` and ``operations``.
    """

    part: str
    name: Label
    type: PartType
    uom: str
    qty: Decimal
    total: Decimal
    level: int
    path: tuple[str, ...]
    children: tuple[BomNode, ...] = ()
    operations: tuple[OperationLine, ...] = ()
    via: str | None = None
    note: str | None = None
    source: Position | None = None

    def walk(self) -> Iterator[BomNode]:
        """This node and every node below it, depth first, in BOM order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; quantities as decimal strings."""
        return {"part": self.part, "name": self.name.to_dict(), "type": self.type,
                "uom": self.uom, "qty": decimal_text(self.qty),
                "total": decimal_text(self.total), "level": self.level,
                "path": list(self.path), "via": self.via, "note": self.note,
                "source": _position(self.source),
                "operations": [o.to_dict() for o in self.operations],
                "children": [c.to_dict() for c in self.children]}


@dataclass(frozen=True, slots=True)
class PartRequirement:
    """A part's total quantity for the order, over every BOM line (``lines``) that uses it."""

    part: str
    name: Label
    type: PartType
    uom: str
    total: Decimal
    lines: tuple[BomNode, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; each line as its path, its total and its source position."""
        return {"part": self.part, "name": self.name.to_dict(), "type": self.type,
                "uom": self.uom, "total": decimal_text(self.total),
                "lines": [{"path": list(n.path), "total": decimal_text(n.total),
                           "source": _position(n.source)} for n in self.lines]}


@dataclass(frozen=True, slots=True)
class Bom:
    """The bill of materials of one configuration for ``qty`` products.

    ``nodes`` are the top-level lines (level 1), ``operations`` the final-assembly routing,
    and ``parts`` every purchased and made part with its total, in first-seen order (depth
    first through the tree).
    """

    catalog: str
    qty: int
    configuration: FrozenMap[str, SelectionValue]
    nodes: tuple[BomNode, ...]
    operations: tuple[OperationLine, ...]
    parts: tuple[PartRequirement, ...]

    def walk(self) -> Iterator[BomNode]:
        """Every node of the tree, depth first, in BOM order."""
        for node in self.nodes:
            yield from node.walk()

    @property
    def purchased(self) -> tuple[PartRequirement, ...]:
        """The purchased parts: what has to come from stock or suppliers."""
        return tuple(p for p in self.parts if p.type == "purchased")

    def part(self, part_id: str) -> PartRequirement | None:
        """The requirement for one part, or None when the order does not use it."""
        return next((p for p in self.parts if p.part == part_id), None)

    def operations_in_order(self) -> tuple[OperationLine, ...]:
        """Every routing operation of the order: each sub-assembly's operations after those of
        the sub-assemblies inside it, in BOM order, and the final-assembly routing last."""

        def below(nodes: tuple[BomNode, ...]) -> Iterator[OperationLine]:
            for node in nodes:
                yield from below(node.children)
                yield from node.operations

        return (*below(self.nodes), *self.operations)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; quantities and minutes as decimal strings."""
        return {"catalog": self.catalog, "qty": self.qty,
                "configuration": {k: list(v) if isinstance(v, tuple) else v
                                  for k, v in self.configuration.items()},
                "nodes": [n.to_dict() for n in self.nodes],
                "operations": [o.to_dict() for o in self.operations],
                "parts": [p.to_dict() for p in self.parts]}


# -- exploding --------------------------------------------------------------------------------
def check_qty(qty: int) -> int:
    """``qty`` if it is a positive integer; ValueError otherwise."""
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise ValueError(f"the quantity ordered must be a positive integer, not {qty!r}")
    return qty


def explode(catalog: Catalog, configuration: Configuration | Mapping[str, SelectionValue],
            qty: int = 1) -> Bom:
    """The BOM of a complete configuration for ``qty`` products.

    Raises :class:`BomError` when a line's condition, quantity or an operation's minutes
    cannot be computed or is negative, :class:`SelectionError` for a malformed configuration
    and ValueError for a ``qty`` that is not a positive integer.
    """
    check_qty(qty)
    values = configuration_values(catalog, configuration)
    exploder = _Exploder(catalog, ValuesView(catalog, values))
    order = Decimal(qty)
    nodes = tuple(exploder.lines(catalog.bom, Decimal(1), order, 1, (), None, None))
    operations = exploder.operations(catalog.routing, order, None)
    return Bom(catalog.id, qty, values, nodes, operations, _aggregate(nodes))


class _Exploder:
    def __init__(self, catalog: Catalog, view: ValuesView) -> None:
        self.catalog = catalog
        self.view = view

    def holds(self, condition: Expression | None, fail: Any) -> bool:
        if condition is None:
            return True
        try:
            return bool(evaluate_formula(condition, self.view, "bool"))
        except ValueError as exc:
            raise fail(str(exc)) from None

    def amount(self, formula: Expression, fail: Any, what: str) -> Decimal:
        try:
            value = evaluate_formula(formula, self.view)
        except ValueError as exc:
            raise fail(str(exc)) from None
        assert isinstance(value, Decimal)
        if value < 0:
            raise fail(f"{what} '{formula.text}' is negative ({decimal_text(value)})")
        return value

    def lines(self, bom: tuple[BomLine, ...], factor: Decimal, parent_total: Decimal,
              level: int, path: tuple[str, ...], via: str | None, owner: str | None
              ) -> Iterator[BomNode]:
        """The nodes of a BOM whose lines count ``factor`` times per unit of the parent (a
        phantom kit's quantity) and whose parent is needed ``parent_total`` times."""
        for line in bom:
            def fail(reason: str, line: BomLine = line) -> BomError:
                return BomError(reason, line.part, line.source)

            if not self.holds(line.when, fail):
                continue
            qty = self.amount(line.qty, fail, "the quantity")
            if qty == 0:
                continue
            part = self.catalog.parts.get(line.part)
            if part is None:
                raise fail("no such part in the catalog")
            if part.id in path:
                raise fail(f"the part contains itself ({' > '.join((*path, part.id))})")
            try:
                per_parent = EXACT.multiply(factor, qty)
                total = EXACT.multiply(parent_total, per_parent)
            except ArithmeticError:
                raise fail("the quantity is too large to compute exactly") from None
            if part.type == "phantom":
                yield from self.lines(part.bom, per_parent, parent_total, level,
                                      (*path, part.id), part.id, owner)
                continue
            here = (*path, part.id)
            children: tuple[BomNode, ...] = ()
            operations: tuple[OperationLine, ...] = ()
            if part.type == "made":
                children = tuple(self.lines(part.bom, Decimal(1), total, level + 1, here, None,
                                            part.id))
                operations = self.operations(part.routing, total, part.id)
            yield BomNode(part.id, part.name, part.type, part.uom, per_parent, total, level,
                          here, children, operations, via, line.note, line.source)

    def operations(self, routing: tuple[Operation, ...], units: Decimal, part: str | None
                   ) -> tuple[OperationLine, ...]:
        out = []
        for op in routing:
            def fail(reason: str, op: Operation = op) -> BomError:
                return BomError(reason, part, op.source, op.id)

            if not self.holds(op.when, fail):
                continue
            minutes = self.amount(op.minutes, fail, "the minutes")
            try:
                total = EXACT.multiply(minutes, units)
            except ArithmeticError:
                raise fail("the minutes are too large to compute exactly") from None
            out.append(OperationLine(op.id, op.work_centre, minutes, units, total, part,
                                     op.label, op.source))
        return tuple(out)


def _aggregate(nodes: tuple[BomNode, ...]) -> tuple[PartRequirement, ...]:
    found: dict[str, list[BomNode]] = {}
    for top in nodes:
        for node in top.walk():
            found.setdefault(node.part, []).append(node)
    out = []
    for lines in found.values():
        first = lines[0]
        total = Decimal(0)
        for node in lines:
            total = EXACT.add(total, node.total)
        out.append(PartRequirement(first.part, first.name, first.type, first.uom, total,
                                   tuple(lines)))
    return tuple(out)
