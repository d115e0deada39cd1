"""Reading a catalog file into a :class:`Catalog`, collecting every problem on the way."""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from .. import expr as _expr
from .._csv import parse_csv, plain_grid, read_csv_text
from .._fields import Reader
from .._yaml import YMap, YNode, YScalar, YSeq, gc_paused
from ..choices import SelectionValue, read_select
from ..problems import Position, did_you_mean
from ..values import FrozenMap, Label
from .model import (
    WILDCARD,
    Attribute,
    AttributeValue,
    BomLine,
    Catalog,
    CatalogTest,
    Cell,
    Expression,
    Module,
    Operation,
    Option,
    Part,
    Rule,
    ShippingRule,
    Surcharge,
    VariantTable,
    scope_of,
)

FORMAT = "bto-catalog/1"
CATALOG_KEYS = (
    "format", "id", "name", "version", "currency", "languages", "description", "base_price",
    "plant", "supply", "attributes", "modules", "rules", "tables", "parts", "bom", "routing",
    "surcharges", "shipping", "tests",
)
ATTRIBUTE_KEYS = ("type", "default", "unit", "label", "description")
MODULE_KEYS = {
    "single": ("id", "label", "description", "type", "required", "options"),
    "multi": ("id", "label", "description", "type", "min", "max", "options"),
    "integer": ("id", "label", "description", "type", "min", "max", "step", "unit", "unit_one",
                "default", "unit_price"),
}
ALL_MODULE_KEYS = tuple(dict.fromkeys(k for keys in MODULE_KEYS.values() for k in keys))
OPTION_KEYS = ("id", "label", "description", "price", "default", "segment", "attributes")
RULE_FORMS = ("requires", "excludes", "then", "constraint")
RULE_KEYS = ("id", "message", "description", "severity", "when", *RULE_FORMS)
TABLE_KEYS = ("id", "message", "columns", "rows", "file", "kind")
PART_KEYS = ("id", "name", "type", "uom", "bom", "routing")
BOM_KEYS = ("part", "qty", "when", "note")
OPERATION_KEYS = ("id", "work_centre", "minutes", "when", "label")
SURCHARGE_KEYS = ("id", "label", "when", "amount", "percent")
SHIPPING_KEYS = ("carriers", "when", "note")
TEST_KEYS = ("name", "select", "expect", "by")
MAX_INTEGER_VALUES = 100_000
_REF_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\Z")


class _CatalogReader(Reader):
    """One pass over a catalog file. ``read`` returns the catalog, or None on errors."""

    def __init__(self, filename: str, path: Path | None, text: str) -> None:
        super().__init__(filename, path)
        self.text = text
        self._line_starts: list[int] | None = None
        self.lookups: dict[str, _CellLookup] = {}
        self.languages: tuple[str, ...] = ("en",)
        self.scope: _expr.Scope = _expr.SimpleScope(modules={}, attributes={})
        self.modules: dict[str, Module] = {}
        self.attributes: FrozenMap[str, Attribute] = FrozenMap()
        self.part_ids: set[str] = set()

    @property
    def line_starts(self) -> list[int]:
        """The offset of each line's first character; worked out when a problem needs it."""
        if self._line_starts is None:
            starts = [0]
            i = self.text.find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = self.text.find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    # -- expressions -------------------------------------------------------------------------
    def offset_pos(self, node: YScalar, offset: int) -> Position:
        """The file position of character ``offset`` of a scalar's value.

        The value is aligned with its source text greedily: each value character is matched
        to the next source character that can produce it, skipping quotes, indentation, line
        folds and escapes. That follows every scalar style (plain, quoted, literal, folded)
        closely enough to put the caret on the right token.
        """
        if node.pos.line - 1 >= len(self.line_starts):
            return node.pos
        text, value, style = self.text, node.raw, node.style
        j = self.line_starts[node.pos.line - 1] + node.pos.column - 1
        if style in ("|", ">"):
            j = text.find("\n", j) + 1 or len(text)  # the value starts after the header line
        elif style in ("'", '"'):
            j += 1
        offset = max(0, min(offset, len(value)))
        for ch in value[:offset]:
            j = _produce(text, j, ch, style) + 1
            if style == '"' and j - 1 < len(text) and text[j - 1] == "\\":
                j += _escape_length(text, j - 1) - 1
        if offset < len(value):
            j = _produce(text, j, value[offset], style)
        if j >= len(text):
            return node.pos
        row = bisect.bisect_right(self.line_starts, j) - 1
        return Position(self.filename, row + 1, j - self.line_starts[row] + 1)

    def expression(self, node: YNode, what: str, expected: _expr.Type) -> Expression | None:
        s = self.scalar(node, what)
        if s is None:
            return None
        if isinstance(s.value, bool):
            text = "true" if s.value else "false"
        elif isinstance(s.value, (int, float)):
            if not self._numeric(s, what):
                return None
            text = s.raw
        elif isinstance(s.value, str):
            text = s.value
        else:
            self.report("S203", f"{what} must be an expression, not '{s.raw}'", s)
            return None
        return self.compile(text, s, what, expected)

    def compile(self, text: str, node: YScalar, what: str, expected: _expr.Type
                ) -> Expression | None:
        try:
            tree = _expr.parse(text)
        except _expr.ExprSyntaxError as exc:
            self.report("X401", f"{what}: {exc.message}", self.offset_pos(node, exc.offset))
            return None
        bound, issues = _expr.bind(tree, self.scope, expected)
        for issue in issues:
            self.report(issue.code, f"{what}: {issue.message}",
                        self.offset_pos(node, issue.offset), issue.suggestion)
        if bound is None or issues:
            return None
        return Expression(text, bound, node.pos)

    # -- the whole file ----------------------------------------------------------------------
    def read(self, root: YNode) -> Catalog | None:
        top = self.mapping(root, "the catalog", CATALOG_KEYS,
                           required=("format", "id", "name", "version", "currency"))
        if top is None:
            return None
        if not self.check_format(top, FORMAT):
            return None
        if "languages" in top:
            self.languages = self.read_languages(top["languages"])
        catalog_id = self.ident(top["id"], "catalog id") if "id" in top else None
        name = self.label(top["name"], "catalog name", self.languages) if "name" in top else None
        version = self.string(top["version"], "version") if "version" in top else None
        currency = self.read_currency(top["currency"]) if "currency" in top else None
        description = self.opt(top, "description", lambda n: self.label(n, "description",
                                                                         self.languages))
        base_price = self.opt(top, "base_price",
                              lambda n: self.money(n, "base price", minimum=0)) or Decimal(0)
        plant = self.opt(top, "plant", lambda n: self.reference(n, "plant file",
                                                                 (".yaml", ".yml")))
        supply = self.opt(top, "supply", lambda n: self.reference(n, "supply file",
                                                                   (".yaml", ".yml")))
        if "attributes" in top:
            self.attributes = FrozenMap(
                (a.id, a) for a in self.read_attributes(top["attributes"])
            )
        modules = self.records(top["modules"], "modules", self.read_module) \
            if "modules" in top else []
        self.unique(modules, lambda m: m.id, lambda m: cast(Position, m.source), "module id")
        self.modules = {m.id: m for m in modules}
        self.scope = scope_of(modules, self.attributes)
        rules = self.section(top, "rules", self.read_rule)
        tables = self.section(top, "tables", self.read_table)
        self.unique([*rules, *tables], lambda r: r.id, lambda r: cast(Position, r.source),
                    "rule or table id")
        self.part_ids = declared_ids(top.get("parts"))
        parts = self.section(top, "parts", self.read_part)
        self.unique(parts, lambda p: p.id, lambda p: cast(Position, p.source), "part id")
        part_map = {p.id: p for p in parts}
        bom = self.section(top, "bom", self.read_bom_line)
        routing = self.read_routing(top["routing"], "routing") if "routing" in top else []
        self.check_parts(part_map)
        surcharges = self.section(top, "surcharges", self.read_surcharge)
        self.unique(surcharges, lambda s: s.id, lambda s: cast(Position, s.source),
                    "surcharge id")
        shipping = self.section(top, "shipping", self.read_shipping)
        # Ids as written, including rules that failed to load: a test naming a broken rule
        # should not add an "unknown rule" error on top of the rule's own problem.
        rule_ids = declared_ids(top.get("rules")) | declared_ids(top.get("tables")) \
            if "tests" in top else set()
        tests = self.section(top, "tests", lambda n: self.read_test(n, rule_ids))
        if self.failed or catalog_id is None or name is None or version is None \
                or currency is None:
            return None
        return Catalog(
            id=catalog_id, name=name, version=version, currency=currency,
            languages=self.languages, description=description, base_price=base_price,
            attributes=self.attributes, modules=tuple(modules), rules=tuple(rules),
            tables=tuple(tables), parts=FrozenMap(part_map), bom=tuple(bom),
            routing=tuple(routing), surcharges=tuple(surcharges), shipping=tuple(shipping),
            tests=tuple(tests),
            plant=plant[0] if plant else None, supply=supply[0] if supply else None,
            path=self.path, source=root.pos,
            sources=FrozenMap((k, v.pos) for k, v in top.items()),
        )

    def opt(self, fields: dict[str, YNode], key: str, read: Any) -> Any:
        return read(fields[key]) if key in fields else None

    def section(self, top: dict[str, YNode], key: str, read: Any) -> list[Any]:
        return self.records(top[key], key, read) if key in top else []

    def read_languages(self, node: YNode) -> tuple[str, ...]:
        items = self.seq(node, "languages") or []
        langs = [self.language(item) for item in items]
        out = tuple(lang for lang in langs if lang)
        if items and not out:
            return ("en",)
        if not items:
            self.report("S204", "languages must list at least one language code", node)
            return ("en",)
        return out

    def read_currency(self, node: YNode) -> str | None:
        text = self.string(node, "currency")
        if text is not None and not re.fullmatch(r"[A-Z]{3}", text):
            self.report("S204", f"currency '{text}' is not an ISO 4217 code", node,
                        f"try '{text.upper()[:3]}'" if len(text) >= 3 else "e.g. EUR, USD")
            return None
        return text

    # -- attributes and modules --------------------------------------------------------------
    def read_attributes(self, node: YNode) -> list[Attribute]:
        out = []
        for name, key, value in self.each_pair(node, "attributes"):
            if self.name(key, "attribute id") is None:
                continue
            fields = self.mapping(value, f"attribute '{name}'", ATTRIBUTE_KEYS,
                                  required=("type",))
            if fields is None or "type" not in fields:
                continue
            kind = self.choice(fields["type"], "attribute type", ("number", "string", "bool"))
            if kind is None:  # reported; go on as a number so its users do not cascade
                kind = "number"
            defaults: dict[str, AttributeValue] = {"number": Decimal(0), "string": "",
                                                   "bool": False}
            default: AttributeValue | None = defaults[kind]
            if "default" in fields:
                default = self.attribute_value(fields["default"], kind,
                                               f"default of attribute '{name}'")
                if default is None:
                    continue
            assert default is not None
            out.append(Attribute(
                id=name, type=cast(Any, kind), default=default,
                unit=self.opt(fields, "unit", lambda n: self.string(n, "unit")),
                label=self.opt(fields, "label", lambda n: self.label(n, "label",
                                                                     self.languages)),
                description=self.opt(fields, "description",
                                     lambda n: self.label(n, "description", self.languages)),
                source=key.pos,
            ))
        return out

    def attribute_value(self, node: YNode, kind: str, what: str) -> AttributeValue | None:
        if kind == "number":
            return self.number(node, what)
        if kind == "bool":
            return self.boolean(node, what)
        return self.string(node, what, empty=True)

    def read_module(self, node: YNode) -> Module | None:
        kind = "single"
        if isinstance(node, YMap):
            keys = {k.value for k, _ in node.pairs}
            for key, value in node.pairs:
                if key.value == "type":
                    # On a bad type, go on with the likeliest kind: the module still exists
                    # for the rules that use it (the file fails to load all the same).
                    kind = self.choice(value, "module type", tuple(MODULE_KEYS)) or (
                        _closest(getattr(value, "value", None), MODULE_KEYS)
                        or ("integer" if "options" not in keys
                            else "multi" if keys & {"min", "max"} else "single"))
        fields = self.mapping(node, "a module", ALL_MODULE_KEYS, required=("id", "label"))
        if fields is None:
            return None
        module_id = self.name(fields["id"], "module id") if "id" in fields else None
        what = f"module '{module_id}'" if module_id else "module"
        allowed = MODULE_KEYS[kind]
        for present in fields:
            if present not in allowed:
                self.report("S201", f"key '{present}' does not apply to {kind} modules",
                            self.key_node(node, present),
                            f"allowed for {kind} modules: {', '.join(allowed)}")
        label = self.label(fields["label"], f"label of {what}", self.languages) \
            if "label" in fields else None
        description = self.opt(fields, "description",
                               lambda n: self.label(n, f"description of {what}", self.languages))
        if module_id is None or label is None:
            return None
        if kind == "integer":
            return self.read_integer_module(node, fields, module_id, label, description)
        if "options" not in fields:
            self.report("S202", f"{what} lacks required key 'options'", node)
            return None
        options = self.records(fields["options"], f"options of {what}",
                               lambda n: self.read_option(n, what))
        self.unique(options, lambda o: o.id, lambda o: cast(Position, o.source), "option id")
        if not options:
            if isinstance(fields["options"], YSeq) and not fields["options"].items:
                self.report("S204", f"{what} needs at least one option", fields["options"])
            return None
        defaults = [o for o in options if o.default]
        if kind == "single":
            required = self.boolean(fields["required"], "required") \
                if "required" in fields else True
            if len(defaults) > 1:
                self.report("C601", f"single-select {what} has {len(defaults)} default options",
                            cast(Position, defaults[1].source), "mark at most one as default")
            return Module(id=module_id, label=label, kind="single", required=bool(required),
                          options=tuple(options), min=1 if required else 0, max=1,
                          description=description, source=node.pos)
        low = self.integer(fields["min"], "min", minimum=0) if "min" in fields else 0
        high = self.integer(fields["max"], "max", minimum=0) if "max" in fields \
            else len(options)
        if low is None or high is None:
            return None
        if not low <= high <= len(options):
            self.report("C602", f"{what} needs 0 <= min <= max <= {len(options)} options, "
                        f"got min {low} and max {high}", fields.get("max", node))
            return None
        if len(defaults) > high:
            self.report("C601", f"{what} has {len(defaults)} defaults but max is {high}",
                        cast(Position, defaults[high].source))
        return Module(id=module_id, label=label, kind="multi", required=low > 0,
                      options=tuple(options), min=low, max=high, description=description,
                      source=node.pos)

    def key_node(self, node: YNode, key: str) -> YNode:
        if isinstance(node, YMap):
            for k, _ in node.pairs:
                if k.value == key:
                    return k
        return node

    def read_integer_module(self, node: YNode, fields: dict[str, YNode], module_id: str,
                            label: Label, description: Label | None) -> Module | None:
        what = f"module '{module_id}'"
        for key in ("min", "max"):
            if key not in fields:
                self.report("S202", f"integer {what} lacks required key '{key}'", node)
        if "min" not in fields or "max" not in fields:
            return None
        low = self.integer(fields["min"], "min")
        high = self.integer(fields["max"], "max")
        step = self.integer(fields["step"], "step", minimum=1) if "step" in fields else 1
        if low is None or high is None or step is None:
            return None
        if low > high:
            self.report("C602", f"{what} has min {low} above max {high}", fields["max"])
            return None
        if (high - low) % step:
            self.report("C602", f"{what}: max - min ({high - low}) is not a multiple of step "
                        f"{step}", fields["step"] if "step" in fields else fields["max"],
                        f"set max to {high - (high - low) % step}")
            return None
        if (high - low) // step + 1 > MAX_INTEGER_VALUES:
            self.report("C602", f"{what} has more than {MAX_INTEGER_VALUES} values",
                        fields["max"], "use a coarser step")
            return None
        default = low
        if "default" in fields:
            value = self.integer(fields["default"], "default")
            if value is None:
                return None
            if not (low <= value <= high and (value - low) % step == 0):
                self.report("C603", f"default {value} is not a value of {what} "
                            f"({low}..{high} step {step})", fields["default"])
                return None
            default = value
        unit_price = self.opt(fields, "unit_price", lambda n: self.money(n, "unit price"))
        return Module(id=module_id, label=label, kind="integer", required=True, min=low,
                      max=high, step=step,
                      unit=self.opt(fields, "unit", lambda n: self.string(n, "unit")),
                      unit_one=self.opt(fields, "unit_one",
                                        lambda n: self.string(n, "unit for the value 1")),
                      default_value=default, unit_price=unit_price or Decimal(0),
                      description=description, source=node.pos)

    def read_option(self, node: YNode, module: str) -> Option | None:
        fields = self.mapping(node, f"an option of {module}", OPTION_KEYS,
                              required=("id", "label"))
        if fields is None or "id" not in fields or "label" not in fields:
            return None
        option_id = self.name(fields["id"], "option id")
        what = f"option '{option_id}'" if option_id else "option"
        label = self.label(fields["label"], f"label of {what}", self.languages)
        price = self.opt(fields, "price", lambda n: self.money(n, f"price of {what}"))
        default = self.opt(fields, "default", lambda n: self.boolean(n, "default"))
        segment = self.opt(fields, "segment", lambda n: self.choice(n, "segment",
                                                                     ("standard", "custom")))
        attributes: dict[str, AttributeValue] = {}
        if "attributes" in fields:
            for name, key, value in self.each_pair(fields["attributes"], f"attributes of {what}"):
                declared = self.attributes.get(name)
                if declared is None:
                    self.report("R303", f"unknown attribute '{name}' in {what}", key,
                                did_you_mean(name, self.attributes) or
                                "declare it under 'attributes:' at the top of the catalog")
                    continue
                typed = self.attribute_value(value, declared.type, f"attribute '{name}'")
                if typed is not None:
                    attributes[name] = typed
        if option_id is None or label is None:
            return None
        return Option(id=option_id, label=label, price=price or Decimal(0),
                      default=bool(default), segment=segment or "standard",
                      attributes=FrozenMap(attributes),
                      description=self.opt(fields, "description",
                                           lambda n: self.label(n, "description",
                                                                self.languages)),
                      source=node.pos)

    # -- rules and tables --------------------------------------------------------------------
    def read_rule(self, node: YNode) -> Rule | None:
        fields = self.mapping(node, "a rule", RULE_KEYS, required=("id", "message"))
        if fields is None:
            return None
        rule_id = self.ident(fields["id"], "rule id") if "id" in fields else None
        what = f"rule '{rule_id}'" if rule_id else "rule"
        message = self.label(fields["message"], f"message of {what}", self.languages) \
            if "message" in fields else None
        forms = [f for f in RULE_FORMS if f in fields]
        if len(forms) != 1:
            self.report("S206", f"{what} needs exactly one of {', '.join(RULE_FORMS)}"
                        + (f", not {' and '.join(forms)}" if forms else ""), node)
            return None
        form = forms[0]
        if form == "constraint" and "when" in fields:
            self.report("S206", f"{what}: 'when' does not go with 'constraint'",
                        self.key_node(node, "when"), "use 'then' for a conditional rule")
            return None
        severity = self.opt(fields, "severity",
                            lambda n: self.choice(n, "severity", ("error", "warning")))
        when = self.opt(fields, "when", lambda n: self.expression(n, f"'when' of {what}",
                                                                   "bool"))
        if form in ("requires", "excludes"):
            then = self.option_list(fields[form], f"'{form}' of {what}", form == "excludes")
        else:
            then = self.expression(fields[form], f"'{form}' of {what}", "bool")
        if rule_id is None or message is None or then is None:
            return None
        return Rule(id=rule_id, message=message, kind=cast(Any, form), then=then, when=when,
                    severity=severity or "error",
                    description=self.opt(fields, "description",
                                         lambda n: self.label(n, "description",
                                                              self.languages)),
                    source=node.pos)

    def option_ref(self, node: YNode, what: str) -> tuple[str, str] | None:
        """``module.option`` with both names checked."""
        text = self.string(node, what)
        if text is None:
            return None
        m = _REF_RE.match(text.strip())
        if not m:
            self.report("X401", f"{what}: '{text}' is not an option reference 'module.option'",
                        node)
            return None
        module_id, option_id = m.groups()
        module = self.modules.get(module_id)
        if module is None:
            self.report("R301", f"{what}: unknown module '{module_id}'", node,
                        did_you_mean(module_id, self.modules))
            return None
        if module.kind == "integer":
            self.report("X403", f"{what}: module '{module_id}' is an integer parameter and has "
                        "no options", node, "use 'then' with a comparison")
            return None
        if module.option(option_id) is None:
            self.report("R302", f"{what}: unknown option '{option_id}' in module '{module_id}'",
                        node, did_you_mean(option_id, module.option_ids))
            return None
        return module_id, option_id

    def option_list(self, node: YNode, what: str, negate: bool) -> Expression | None:
        refs = [self.option_ref(item, what) for item in self.one_or_many(node)]
        if not refs or any(r is None for r in refs):
            if not refs:
                self.report("S204", f"{what} must name at least one option", node)
            return None
        terms = [f"{m}.{o}" for m, o in cast(list[tuple[str, str]], refs)]
        text = " and ".join(f"not {t}" if negate else t for t in terms)
        anchor = node if isinstance(node, YScalar) else cast(YSeq, node).items[0]
        return self.compile(text, cast(YScalar, anchor), what, "bool")

    def read_table(self, node: YNode) -> VariantTable | None:
        fields = self.mapping(node, "a variant table", TABLE_KEYS,
                              required=("id", "message", "columns"))
        if fields is None:
            return None
        before = len(self.problems)
        table_id = self.ident(fields["id"], "table id") if "id" in fields else None
        what = f"table '{table_id}'" if table_id else "table"
        message = self.label(fields["message"], f"message of {what}", self.languages) \
            if "message" in fields else None
        kind = self.opt(fields, "kind", lambda n: self.choice(n, "table kind", ("allow", "deny")))
        if ("rows" in fields) == ("file" in fields):
            self.report("S206", f"{what} needs exactly one of 'rows' or 'file'", node)
            return None
        columns = self.table_columns(fields["columns"], what) if "columns" in fields else None
        if columns is None or table_id is None or message is None:
            return None
        modules = [self.modules[c] for c in columns]
        rows: list[tuple[Cell, ...]] = []
        lines: Sequence[int] = ()
        inline_lines: list[int] = []  # where each row was written: line and column
        inline_columns: list[int] = []
        file_name = None
        seen: dict[tuple[Cell, ...], int] = {}
        if "rows" in fields:
            lines = inline_lines
            for item in self.seq(fields["rows"], f"rows of {what}") or []:
                cells = self.seq(item, f"a row of {what}")
                if cells is None:
                    continue
                if len(cells) != len(columns):
                    self.report("T503", f"row has {len(cells)} cells, {what} has "
                                f"{len(columns)} columns", item)
                    continue
                row = tuple(self.yaml_cell(c, m) for c, m in zip(cells, modules, strict=True))
                if any(c is _BAD for c in row):
                    continue
                if self.add_row(rows, seen, cast(tuple[Cell, ...], row), item.pos):
                    inline_lines.append(item.pos.line)
                    inline_columns.append(item.pos.column)
        else:
            ref = self.reference(fields["file"], f"file of {what}", (".csv",))
            if ref is None:
                return None
            path, file_name = ref
            lines = self.read_table_csv(path, file_name, columns, modules, rows, seen)
        if not rows and len(self.problems) == before:
            self.report("S204", f"{what} has no rows", node)
        return VariantTable(id=table_id, message=message, columns=columns, rows=tuple(rows),
                            kind=kind or "allow", file=file_name, source=node.pos,
                            row_lines=lines if isinstance(lines, range) else tuple(lines),
                            row_columns=tuple(inline_columns))

    def add_row(self, rows: list[tuple[Cell, ...]], seen: dict[tuple[Cell, ...], int],
                row: tuple[Cell, ...], pos: Position) -> bool:
        """Add ``row`` unless it is a duplicate (reported); whether it was added."""
        if row in seen:
            self.report("T506", f"duplicate row (same as line {seen[row]})", pos)
            return False
        seen[row] = pos.line
        rows.append(row)
        return True

    def table_columns(self, node: YNode, what: str) -> tuple[str, ...] | None:
        items = self.seq(node, f"columns of {what}")
        if not items:
            if items is not None:
                self.report("S204", f"{what} needs at least one column", node)
            return None
        out = []
        for item in items:
            name = self.string(item, "column")
            if name is None:
                return None
            module = self.modules.get(name)
            if module is None:
                self.report("R301", f"unknown module '{name}' in columns of {what}", item,
                            did_you_mean(name, self.modules))
                return None
            if module.kind == "multi":
                self.report("T505", f"column '{name}' of {what} is a multi-select module",
                            item, "use rules for multi-select modules")
                return None
            if name in out:
                self.report("S205", f"column '{name}' appears twice in {what}", item)
                return None
            out.append(name)
        return tuple(out)

    @staticmethod
    def cell(text: str, module: Module) -> Cell | str:
        """Parse one cell; on failure return a message (a str starting with '!')."""
        if text == "*":
            return WILDCARD
        if module.kind == "integer":
            try:
                value = int(text)
            except ValueError:
                return f"!'{text}' is not an integer value of module '{module.id}'"
            if not module.has_value(value):
                return (f"!{value} is not a value of module '{module.id}' "
                        f"({module.min}..{module.max} step {module.step})")
            return value
        if text == "none":
            if module.required:
                return f"!module '{module.id}' is required, so 'none' cannot occur"
            return None
        if module.option(text) is None:
            hint = did_you_mean(text, module.option_ids)
            return f"!unknown option '{text}' of module '{module.id}'" + (
                f"; {hint}" if hint else "")
        return text

    def yaml_cell(self, node: YNode, module: Module) -> Cell | object:
        s = self.scalar(node, "table cell")
        if s is None:
            return _BAD
        if (isinstance(s.value, bool) or s.value is None) and s.plain and s.raw:
            self.report("Y103", f"cell '{s.raw}' is read as {type(s.value).__name__} by "
                        "YAML 1.1", s, f'quote it: "{s.raw}"')
            return _BAD
        text = s.raw if s.plain else str(s.value)
        result = self.cell(text.strip(), module)
        if isinstance(result, str) and result.startswith("!"):
            self.report("T502", result[1:], s)
            return _BAD
        return result

    def read_table_csv(self, path: Path, filename: str, columns: tuple[str, ...],
                       modules: list[Module], rows: list[tuple[Cell, ...]],
                       seen: dict[tuple[Cell, ...], int]) -> Sequence[int]:
        """Read the rows of a CSV table into ``rows``; the line of each row read."""
        text = read_csv_text(path, filename, self)
        if text is None:
            return ()
        lookups = [self.cell_lookup(m) for m in modules]
        grid = plain_grid(text)
        if grid is not None and grid.header == columns:
            # Column by column, each distinct spelling checked once; a table with a problem
            # (a bad cell, a duplicate row) is read again record by record to place it.
            width = len(columns)
            try:
                values = [list(map(lookup.__getitem__, grid.cells[i::width]))
                          for i, lookup in enumerate(lookups)]
            except KeyError:
                pass
            else:
                table = list(zip(*values, strict=True))
                if len(set(table)) == len(table):
                    rows += table
                    return range(2, 2 + len(table))  # a plain grid: one record per line
        data = parse_csv(text, filename, self)
        if data is None:
            return ()
        lines: list[int] = []
        header, records = data
        if header.cells != columns:
            self.report("T501", f"header {', '.join(header.cells)} does not match the table's "
                        f"columns {', '.join(columns)}", header.pos(filename, 0),
                        f"write the header as: {','.join(columns)}")
            return ()
        errors = 0
        for record in records:
            cells = record.cells
            if len(cells) != len(columns):
                self.report("T503", f"row has {len(cells)} cells, the table has "
                            f"{len(columns)} columns", record.pos(filename, 0))
                errors += 1
            else:
                try:
                    row = tuple([lookup[text]
                                 for lookup, text in zip(lookups, cells, strict=True)])
                except KeyError:
                    parsed = self.slow_row(record, filename, modules)
                    if parsed is None:
                        errors += 1
                        if errors >= 100:
                            self.report("T504", "more than 100 bad rows; stopped reading",
                                        record.pos(filename, 0))
                            return lines
                        continue
                    row = parsed
                if row in seen:
                    self.add_row(rows, seen, row, record.pos(filename, 0))
                else:
                    seen[row] = record.line
                    rows.append(row)
                    lines.append(record.line)
        return lines

    def cell_lookup(self, module: Module) -> _CellLookup:
        """The cell texts of ``module``'s columns and their values (one per module)."""
        lookup = self.lookups.get(module.id)
        if lookup is None:
            lookup = self.lookups[module.id] = _CellLookup(module, _CatalogReader.cell)
        return lookup

    def slow_row(self, record: Any, filename: str, modules: list[Module]
                 ) -> tuple[Cell, ...] | None:
        row: list[Cell] = []
        for i, (text, module) in enumerate(zip(record.cells, modules, strict=True)):
            result = self.cell(text, module)
            if isinstance(result, str) and result.startswith("!"):
                self.report("T502", result[1:], record.pos(filename, i))
                return None
            row.append(result)
        return tuple(row)

    # -- parts, BOM, routing -----------------------------------------------------------------
    def read_part(self, node: YNode) -> Part | None:
        fields = self.mapping(node, "a part", PART_KEYS, required=("id",))
        if fields is None or "id" not in fields:
            return None
        part_id = self.ident(fields["id"], "part id")
        what = f"part '{part_id}'" if part_id else "part"
        kind = self.opt(fields, "type", lambda n: self.choice(n, "part type",
                                                               ("purchased", "made", "phantom")))
        kind = kind or "purchased"
        name = self.opt(fields, "name", lambda n: self.label(n, f"name of {what}",
                                                               self.languages))
        uom = self.opt(fields, "uom", lambda n: self.string(n, "unit of measure"))
        if kind == "purchased" and "bom" in fields:
            self.report("C604", f"purchased {what} cannot have a BOM", self.key_node(node, "bom"),
                        "make it type: made or phantom")
        if kind != "made" and "routing" in fields:
            self.report("C604", f"{kind} {what} cannot have a routing",
                        self.key_node(node, "routing"), "only made parts have a routing")
        if kind in ("made", "phantom") and "bom" not in fields:
            self.report("S202", f"{kind} {what} lacks required key 'bom'", node)
        bom = self.records(fields["bom"], f"BOM of {what}", self.read_bom_line) \
            if "bom" in fields and kind != "purchased" else []
        routing = self.read_routing(fields["routing"], f"routing of {what}") \
            if "routing" in fields and kind == "made" else []
        if part_id is None:
            return None
        return Part(id=part_id, name=name or Label((("en", part_id),)), type=cast(Any, kind),
                    uom=uom or "pcs", bom=tuple(bom), routing=tuple(routing), source=node.pos)

    def read_bom_line(self, node: YNode) -> BomLine | None:
        fields = self.mapping(node, "a BOM line", BOM_KEYS, required=("part",))
        if fields is None or "part" not in fields:
            return None
        part = self.ident(fields["part"], "part")
        if part is not None and part not in self.part_ids:
            self.report("R304", f"unknown part '{part}'", fields["part"],
                        did_you_mean(part, self.part_ids) or "declare it under 'parts:'")
            part = None
        qty = self.expression(fields["qty"], "quantity", "number") if "qty" in fields \
            else self.constant_one(node)
        when = self.opt(fields, "when", lambda n: self.expression(n, "condition", "bool"))
        note = self.opt(fields, "note", lambda n: self.string(n, "note"))
        if part is None or qty is None:
            return None
        if qty.constant is not None and qty.constant < 0:
            self.report("S204", f"quantity must not be negative, got {qty.constant}",
                        fields["qty"])
            return None
        return BomLine(part=part, qty=qty, when=when, note=note, source=node.pos)

    def constant_one(self, node: YNode) -> Expression:
        return Expression("1", _expr.bind(_expr.parse("1"), self.scope, "number")[0], node.pos)

    def read_routing(self, node: YNode, what: str) -> list[Operation]:
        ops = self.records(node, what, self.read_operation)
        self.unique(ops, lambda o: o.id, lambda o: cast(Position, o.source),
                    f"operation id in {what}")
        return ops

    def read_operation(self, node: YNode) -> Operation | None:
        fields = self.mapping(node, "an operation", OPERATION_KEYS,
                              required=("id", "work_centre", "minutes"))
        if fields is None or any(k not in fields for k in ("id", "work_centre", "minutes")):
            return None
        op_id = self.ident(fields["id"], "operation id")
        centre = self.ident(fields["work_centre"], "work centre")
        minutes = self.expression(fields["minutes"], "minutes", "number")
        when = self.opt(fields, "when", lambda n: self.expression(n, "condition", "bool"))
        label = self.opt(fields, "label", lambda n: self.label(n, "label", self.languages))
        if op_id is None or centre is None or minutes is None:
            return None
        if minutes.constant is not None and minutes.constant < 0:
            self.report("S204", "minutes must not be negative", fields["minutes"])
            return None
        return Operation(id=op_id, work_centre=centre, minutes=minutes, when=when, label=label,
                         source=node.pos, work_centre_source=fields["work_centre"].pos)

    def check_parts(self, parts: dict[str, Part]) -> None:
        """No made or phantom part contains itself (unknown parts are reported per line)."""
        done: set[str] = set()
        for start in parts:
            if start in done:
                continue
            # Iterative depth-first search; the path is the chain from start to here.
            path = [start]
            iters = [iter(parts[start].bom)]
            on_path = {start}
            while iters:
                line = next(iters[-1], None)
                if line is None:
                    finished = path.pop()
                    on_path.discard(finished)
                    done.add(finished)
                    iters.pop()
                    continue
                child = parts.get(line.part)
                if child is None or child.id in done:
                    continue
                if child.id in on_path:
                    cycle = path[path.index(child.id):] + [child.id]
                    self.report("R309", f"part '{child.id}' contains itself: "
                                f"{' -> '.join(cycle)}", cast(Position, line.source),
                                "remove one of these BOM lines")
                    continue
                path.append(child.id)
                on_path.add(child.id)
                iters.append(iter(child.bom))

    # -- prices, shipping and tests -----------------------------------------------------------
    def read_shipping(self, node: YNode) -> ShippingRule | None:
        fields = self.mapping(node, "a shipping rule", SHIPPING_KEYS, required=("carriers",))
        if fields is None or "carriers" not in fields:
            return None
        items = self.seq(fields["carriers"], "carriers")
        if items is None:
            return None
        if not items:
            self.report("S204", "carriers must list at least one carrier", fields["carriers"])
            return None
        carriers = [self.ident(item, "carrier id") for item in items]
        when = self.opt(fields, "when", lambda n: self.expression(n, "condition", "bool"))
        note = self.opt(fields, "note", lambda n: self.string(n, "note"))
        if None in carriers or ("when" in fields and when is None):
            return None
        return ShippingRule(tuple(c for c in carriers if c is not None), when, note,
                            source=node.pos, carrier_sources=tuple(i.pos for i in items))

    def read_surcharge(self, node: YNode) -> Surcharge | None:
        fields = self.mapping(node, "a surcharge", SURCHARGE_KEYS, required=("id", "label"))
        if fields is None or "id" not in fields or "label" not in fields:
            return None
        sid = self.ident(fields["id"], "surcharge id")
        label = self.label(fields["label"], "label", self.languages)
        when = self.opt(fields, "when", lambda n: self.expression(n, "condition", "bool"))
        if ("amount" in fields) == ("percent" in fields):
            self.report("S206", f"surcharge '{sid}' needs exactly one of 'amount' or 'percent'",
                        node)
            return None
        amount = percent = None
        if "amount" in fields:
            value = fields["amount"]
            is_number = isinstance(value, YScalar) and not isinstance(value.value, str)
            if is_number and self.money(value, "amount") is None:
                return None
            amount = self.expression(value, "amount", "number")
            if amount is None:
                return None
        else:
            percent = self.number(fields["percent"], "percent", minimum=-100, places=4)
            if percent is None:
                return None
        if sid is None or label is None:
            return None
        return Surcharge(id=sid, label=label, when=when, amount=amount, percent=percent,
                         source=node.pos)

    def read_test(self, node: YNode, rule_ids: set[str]) -> CatalogTest | None:
        fields = self.mapping(node, "a test", TEST_KEYS, required=("name", "select", "expect"))
        if fields is None or any(k not in fields for k in ("name", "select", "expect")):
            return None
        name = self.string(fields["name"], "test name")
        expect = self.choice(fields["expect"], "expect", ("valid", "rejected"))
        select = self.read_selection(fields["select"])
        by: list[str] = []
        if expect == "rejected" and "by" not in fields:
            self.report("S202", f"test '{name}' expects a rejection but names no rule in 'by'",
                        node)
        if expect == "valid" and "by" in fields:
            self.report("S206", f"test '{name}': 'by' only goes with 'expect: rejected'",
                        self.key_node(node, "by"))
        if "by" in fields:
            for item in self.one_or_many(fields["by"]):
                rid = self.ident(item, "rule id")
                if rid is None:
                    continue
                if rid not in rule_ids:
                    self.report("R306", f"unknown rule or table '{rid}'", item,
                                did_you_mean(rid, rule_ids))
                    continue
                by.append(rid)
        if name is None or expect is None or select is None:
            return None
        return CatalogTest(name=name, select=select, expect=cast(Any, expect), by=tuple(by),
                           source=node.pos)

    def read_selection(self, node: YNode) -> FrozenMap[str, SelectionValue] | None:
        return read_select(self, node, self.modules)


_BAD = object()


class _CellLookup(dict[str, Cell]):
    """A module's cell texts, as written in CSV files, and their values.

    Each spelling is checked once, on first sight; a text that is not a value of the module
    raises KeyError (every time), and the caller words the problem.
    """

    __slots__ = ("module", "parse")

    def __init__(self, module: Module, parse: Callable[[str, Module], Cell | str]) -> None:
        super().__init__()
        self.module = module
        self.parse = parse

    def __missing__(self, text: str) -> Cell:
        value = self.parse(text.strip(), self.module)
        if isinstance(value, str):
            if value.startswith("!"):
                raise KeyError(text)
            option = self.module.option(value)
            value = option.id if option is not None else value  # the module's own string
        self[text] = value
        return value


def _escape_length(text: str, j: int) -> int:
    """Length of the double-quoted escape sequence starting at ``text[j]`` (a backslash)."""
    kind = text[j + 1: j + 2]
    return {"x": 4, "u": 6, "U": 10}.get(kind, 2)


def _produce(text: str, j: int, ch: str, style: str | None) -> int:
    """Index of the first source character at or after ``j`` that yields value char ``ch``."""
    while j < len(text):
        c = text[j]
        if c == ch or (style == '"' and c == "\\" and ch != "\\"):
            return j
        if ch == " " and c == "\n" and style in (None, ">", "'", '"'):
            return j  # a line fold: the line break becomes a space
        j += 1
    return j


def _closest(text: object, choices: Any) -> str | None:
    if not isinstance(text, str):
        return None
    found = difflib.get_close_matches(text, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def declared_ids(node: YNode | None) -> set[str]:
    """The string ``id`` values of a list of mappings, read leniently."""
    out: set[str] = set()
    if isinstance(node, YSeq):
        for item in node.items:
            if isinstance(item, YMap):
                for key, value in item.pairs:
                    if key.value == "id" and isinstance(getattr(value, "value", None), str):
                        out.add(value.value)  # type: ignore[attr-defined]
    return out


def read_catalog_node(root: YNode, filename: str, path: Path | None, text: str
                      ) -> tuple[Catalog | None, list[Any]]:
    """Build a catalog from composed nodes; returns it (None on errors) and the problems."""
    reader = _CatalogReader(filename, path, text)
    with gc_paused():
        catalog = reader.read(root)
    return catalog, reader.problems
