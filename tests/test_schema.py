"""The published JSON Schemas in configurator/schemas/ (used by editors via yaml-language-server).

Checks that each schema is a valid draft-07 schema, that it is written the way editors need it
(descriptions everywhere, closed objects, working snippets), that every example file and every
sample in tests/data/schema-samples/ validates, and that typical mistakes are rejected.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings

from configurator import expr
from configurator.loading import read_file

from .strategies import (
    CALIBRATION_VALUES,
    DISRUPTION_KIND_VALUES,
    DISRUPTION_VALUES,
    Values,
    calibration_documents,
    scenario_documents,
    scenario_values,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "configurator" / "schemas"
SAMPLES = ROOT / "tests" / "data" / "schema-samples"
DOC = ROOT / "docs" / "catalog-format.md"

KINDS = ("catalog", "plant", "supply", "orders", "scenario", "calibration")
FORMATS = {"bto-catalog/1": "catalog", "bto-plant/1": "plant", "bto-supply/1": "supply",
           "bto-orders/1": "orders", "bto-scenario/1": "scenario",
           "bto-calibration/1": "calibration"}
# The words of the rule language; module, option and attribute ids must not be one of them.
KEYWORDS = {"and", "or", "not", "implies", "in", "true", "false", "sum", "count"}
KEYWORDS |= {"selected", "option", "for", "none", "min", "max", "abs"}


def load_schema(kind: str) -> dict[str, Any]:
    with open(SCHEMA_DIR / f"{kind}.schema.json", encoding="utf-8") as f:
        return json.load(f)


SCHEMAS = {kind: load_schema(kind) for kind in KINDS}


def validator(kind: str) -> Any:
    return jsonschema.Draft7Validator(
        SCHEMAS[kind], format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def yaml12(value: Any) -> Any:
    """PyYAML reads YAML 1.1; editors read YAML 1.2, where a date is a plain string."""
    if isinstance(value, dict):
        return {yaml12(k): yaml12(v) for k, v in value.items()}
    if isinstance(value, list):
        return [yaml12(v) for v in value]
    if isinstance(value, datetime.date):  # also datetime.datetime
        return value.isoformat()
    return value


def load_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return yaml12(yaml.safe_load(f))


def error_text(kind: str, doc: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator(kind).iter_errors(doc)
    ]


def walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every subschema with its path, skipping `if` conditions (they only test, never show)."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in ("if", "enum", "const", "defaultSnippets", "required", "examples"):
                continue
            if key in ("properties", "definitions"):
                for name, sub in value.items():
                    yield from walk(sub, (*path, key, name))
            elif isinstance(value, dict):
                yield from walk(value, (*path, key))
            elif isinstance(value, list):
                for i, sub in enumerate(value):
                    yield from walk(sub, (*path, key, str(i)))


# ------------------------------------------------------------------ the schemas themselves


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft7(kind: str) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMAS[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_schema_header(kind: str) -> None:
    schema = SCHEMAS[kind]
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["$id"] == f"https://bto-configurator.invalid/schemas/{kind}.schema.json"
    assert schema["title"] and schema["description"]
    fmt = schema["properties"]["format"]["const"]
    assert FORMATS[fmt] == kind
    assert "format" in schema["required"]


@pytest.mark.parametrize("kind", KINDS)
def test_objects_are_closed_and_documented(kind: str) -> None:
    """Unknown keys are errors in bto, so every object schema is closed, and every property
    has a description for hover."""
    problems = []
    for path, node in walk(SCHEMAS[kind]):
        where = "/".join(path) or "<root>"
        if node.get("type") == "object":
            if "properties" in node:
                if node.get("additionalProperties") is not False:
                    problems.append(f"{where}: additionalProperties is not false")
                if not node.get("required"):
                    problems.append(f"{where}: no required list")
                for name in node.get("required", []):
                    if name not in node["properties"]:
                        problems.append(f"{where}: required {name!r} is not a property")
                for name, prop in node["properties"].items():
                    if not (isinstance(prop, dict) and prop.get("description")):
                        problems.append(f"{where}/properties/{name}: no description")
            elif not ("additionalProperties" in node or "allOf" in node):
                problems.append(f"{where}: object without properties or additionalProperties")
        if len(path) == 2 and path[0] == "definitions" and not node.get("description"):
            problems.append(f"{where}: definition without description")
    assert not problems, "\n".join(problems)


def test_shared_definitions_are_identical() -> None:
    """text, label, id and date are copied into each schema that uses them (editors load one
    file); keep them equal."""
    for name in ("text", "label", "languageCode", "id", "date"):
        first = SCHEMAS["catalog"]["definitions"][name]
        for kind in ("plant", "supply"):
            assert SCHEMAS[kind]["definitions"][name] == first, (kind, name)
        for kind in ("orders", "scenario", "calibration"):
            assert SCHEMAS[kind]["definitions"].get(name, first) == first, (kind, name)
    assert set(SCHEMAS["scenario"]["definitions"]) >= {"text", "id", "date"}
    assert set(SCHEMAS["calibration"]["definitions"]) >= {"text", "date"}


def test_keywords_match_the_doc_and_the_rule_language() -> None:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"must not be a keyword of it \(`([^`]+)`\)", text)
    assert match, "the keyword list moved in docs/catalog-format.md; update this test"
    assert set(match.group(1).split()) == KEYWORDS
    assert set(expr.KEYWORDS) == KEYWORDS, "the rule language and the doc disagree"
    identifier = SCHEMAS["catalog"]["definitions"]["identifier"]
    assert set(identifier["not"]["enum"]) == KEYWORDS
    assert identifier["pattern"] == "^[A-Za-z_][A-Za-z0-9_]*$"
    assert SCHEMAS["catalog"]["definitions"]["id"]["pattern"] == "^[A-Za-z0-9_][A-Za-z0-9_.-]*$"


# ------------------------------------------------------------------ defaultSnippets

SNIPPET_PLACEHOLDER = re.compile(r"\$\{\d+:([^}]*)\}|\$\d+")


def snippet_value(value: Any) -> Any:
    """What bto reads after yaml-language-server inserts a snippet body and the user accepts the
    placeholders: strings are written raw (a leading ^ is dropped; only "true"/"false" get
    quotes), so each scalar is re-read as YAML 1.1, like bto does."""
    if isinstance(value, dict):
        return {snippet_value(k): snippet_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snippet_value(v) for v in value]
    if isinstance(value, str):
        if value.startswith("^"):
            text = value[1:]
        elif value in ("true", "false"):
            text = f'"{value}"'
        else:
            text = value
        return yaml12(yaml.safe_load(SNIPPET_PLACEHOLDER.sub(r"\1", text)))
    return value


def snippets() -> Iterator[Any]:
    for kind in KINDS:
        for path, node in walk(SCHEMAS[kind]):
            for snippet in node.get("defaultSnippets", []):
                yield pytest.param(kind, path, snippet, id=f"{kind}:{snippet['label']}")


@pytest.mark.parametrize(("kind", "path", "snippet"), list(snippets()))
def test_snippet_body_validates(kind: str, path: tuple[str, ...], snippet: dict[str, Any]) -> None:
    assert snippet["label"] and snippet["description"]
    body = snippet_value(snippet["body"])
    sub = validator(kind).evolve(schema={"$ref": "#/" + "/".join(path)})
    errors = [e.message for e in sub.iter_errors(body)]
    assert not errors, (body, errors)


def test_required_snippets_exist() -> None:
    def labels(kind: str, definition: str) -> list[str]:
        node = SCHEMAS[kind]["definitions"][definition]
        return [s["label"] for s in node.get("defaultSnippets", [])]

    assert len(labels("catalog", "module")) == 3
    assert len(labels("catalog", "rule")) == 4
    assert len(labels("scenario", "disruption")) == 4  # one per kind
    for kind, definition in [
        ("catalog", "table"),
        ("catalog", "bomLine"),
        ("catalog", "operation"),
        ("catalog", "surcharge"),
        ("catalog", "test"),
        ("plant", "shift"),
        ("plant", "workCentre"),
        ("plant", "carrier"),
        ("supply", "sourcing"),
    ]:
        assert labels(kind, definition), (kind, definition)


# ------------------------------------------------------------------ example files and samples


def documents() -> list[Any]:
    paths = []
    for pattern in (
        "catalogs/*.yaml",
        "catalogs/*.yml",
        "catalogs/scenarios/*.yaml",
        "rules/*.yaml",
        "rules/*.yml",
        "tests/data/schema-samples/*.yaml",
    ):
        paths += sorted(ROOT.glob(pattern))
    return [pytest.param(p, id=str(p.relative_to(ROOT))) for p in paths]


def test_samples_exist() -> None:
    kinds = {FORMATS[load_yaml(p)["format"]] for p in SAMPLES.glob("*.yaml")}
    assert kinds == set(KINDS)


@pytest.mark.parametrize("path", documents())
def test_document_validates(path: Path) -> None:
    doc = load_yaml(path)
    assert isinstance(doc, dict), "a bto file is a mapping"
    kind = FORMATS.get(doc.get("format"))
    assert kind, f"unknown format {doc.get('format')!r}"
    folder = "/".join(path.relative_to(ROOT).parts[:-1])
    if folder == "catalogs/scenarios":
        assert kind == "scenario"
    elif folder == "catalogs":
        assert kind == "catalog"
    elif folder == "rules":
        assert kind in ("plant", "supply", "orders")
    errors = error_text(kind, doc)
    assert not errors, "\n".join(errors)


# ------------------------------------------------------------------ invalid documents

CATALOG: dict[str, Any] = {
    "format": "bto-catalog/1",
    "id": "ebike",
    "name": {"en": "E-bike", "de": "E-Bike"},
    "version": "1.0",
    "currency": "EUR",
    "base_price": 100,
    "plant": "../rules/plant.yaml",
    "attributes": {"weight_kg": {"type": "number", "default": 0}},
    "modules": [
        {
            "id": "frame",
            "label": "Frame",
            "options": [
                {"id": "trapeze", "label": "Trapeze", "price": 0, "default": True},
                {"id": "cargo", "label": {"en": "Cargo"}, "price": 900},
            ],
        },
        {
            "id": "accessories",
            "label": "Accessories",
            "type": "multi",
            "min": 0,
            "max": 1,
            "options": [{"id": "rack", "label": "Rack"}],
        },
        {
            "id": "length_mm",
            "label": "Length",
            "type": "integer",
            "min": 1200,
            "max": 3000,
            "step": 100,
        },
    ],
    "rules": [{"id": "r1", "message": "m", "when": "frame.cargo", "requires": "accessories.rack"}],
    "tables": [{"id": "t1", "message": "m", "columns": ["frame"], "rows": [["trapeze"]]}],
    "parts": [{"id": "P-1"}, {"id": "W-1", "type": "made", "bom": [{"part": "P-1"}]}],
    "bom": [{"part": "W-1", "qty": 2}],
    "routing": [{"id": "op", "work_centre": "assembly", "minutes": 10}],
    "surcharges": [{"id": "s1", "label": "Fee", "amount": 10}],
    "tests": [
        {"name": "ok", "select": {"frame": "trapeze"}, "expect": "valid"},
        {"name": "no", "select": {"frame": "cargo"}, "expect": "rejected", "by": "r1"},
    ],
}

PLANT: dict[str, Any] = {
    "format": "bto-plant/1",
    "id": "plant",
    "name": "Plant",
    "timezone": "Europe/Berlin",
    "calendar": {
        "weekmask": ["mon", "tue", "wed", "thu", "fri"],
        "holidays": {"country": "DE"},
        "closures": [{"from": "2026-12-24", "to": "2027-01-06"}],
    },
    "shifts": [{"id": "early", "days": ["mon"], "start": "06:00", "end": "14:00"}],
    "cutoffs": {"default": "14:00", "fri": "12:00"},
    "work_centres": [{"id": "assembly", "capacity": 3}],
    "carriers": [{"id": "parcel", "transit_days": 2, "pickup": "16:00"}],
    "service_levels": [{"segment": "standard", "target_days": 10, "confidence": 0.9}],
}

SUPPLY: dict[str, Any] = {
    "format": "bto-supply/1",
    "id": "supply",
    "as_of": "2026-11-20",
    "suppliers": [{"id": "bafang", "name": "Bafang"}],
    "sourcing": [{"part": "MOT-1", "supplier": "bafang", "lead_time_days": 25}],
    "stock": {"file": "stock.csv"},
    "purchase_orders": [{"id": "PO-1", "part": "MOT-1", "qty": 20, "eta": "2026-12-03"}],
}

ORDERS: dict[str, Any] = {
    "format": "bto-orders/1",
    "id": "open-orders",
    "bookings": [{"order": "SO-1", "work_centre": "assembly", "start": "2026-12-02T08:00",
                  "end": "2026-12-02T10:30"}],
    "reservations": [{"order": "SO-1", "part": "MOT-1", "qty": 2, "po": "PO-1"}],
}

# Paths are relative to the folder of the loader_dir fixture below.
SCENARIO: dict[str, Any] = {
    "format": "bto-scenario/1",
    "name": "ebike-085",
    "catalog": "../catalogs/ebike.yaml",
    "plant": "../rules/plant.yaml",
    "start": "2027-01-04",
    "rho": 0.85,
    "years": 3,
    "warmup_years": 1,
    "seeds": 10,
    "target": 0.95,
    "pool": 200,
    "option_weights": {"frame": {"trapeze": 4, "cargo": 1}, "accessories": {"rack": 0.6}},
    "fixed_lead_time_days": {"standard": 12, "custom": 35},
    "work_time_spread": 0.25,
    "transit_delay_days": 0.2,
    "carrier": "parcel",
    "base_stock_service": 0.98,
    "dispatch": "edd",
    "disruptions": [
        {"kind": "supplier_outage", "supplier": "bafang", "start": "2027-03-01", "days": 10},
        {"kind": "capacity_loss", "work_centre": "assembly", "stations": 1,
         "start": "2027-04-05", "days": 2.5},
        {"kind": "shutdown", "start": "2027-08-02", "days": 14},
        {"kind": "demand_surge", "factor": 1.5, "start": "2027-09-06", "days": 20},
    ],
}

CALIBRATION: dict[str, Any] = {
    "format": "bto-calibration/1",
    "scenario": "ebike-085",
    "created": "2026-11-25",
    "policy": "CTP + buffer",
    "target": 0.95,
    "seeds": 10,
    "bands": [4, 8, 16],
    "buffer_days": {"standard": 2, "custom": [3, 4, 5, 9]},
}

BASE = {"catalog": CATALOG, "plant": PLANT, "supply": SUPPLY, "orders": ORDERS,
        "scenario": SCENARIO, "calibration": CALIBRATION}


def change(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set (or, with value DELETE, remove) the item at a /-separated path."""

    def apply(doc: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("/")]
        node: Any = doc
        for p in parents:
            node = node[p]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value

    return apply


DELETE = object()

# (kind, what is wrong, where the error is reported ("" = the root), how to break the base document)
INVALID: list[tuple[str, str, str, list[Callable[[dict[str, Any]], None]]]] = [
    # catalog
    ("catalog", "missing format", "", [change("format", DELETE)]),
    ("catalog", "other format", "format", [change("format", "bto-plant/1")]),
    ("catalog", "unknown top-level key", "", [change("colour", "red")]),
    (
        "catalog",
        "unknown option key",
        "modules/0/options/0",
        [change("modules/0/options/0/prise", 10)],
    ),
    ("catalog", "version is a number", "version", [change("version", 2026.2)]),
    (
        "catalog",
        "price is text",
        "modules/0/options/1/price",
        [change("modules/0/options/1/price", "900")],
    ),
    ("catalog", "label with a non-text value", "name", [change("name", {"en": 1})]),
    ("catalog", "bad currency", "currency", [change("currency", "euro")]),
    (
        "catalog",
        "module id starts with a digit",
        "modules/0/id",
        [change("modules/0/id", "2frame")],
    ),
    (
        "catalog",
        "option id with a hyphen",
        "modules/0/options/0/id",
        [change("modules/0/options/0/id", "trap-eze")],
    ),
    ("catalog", "module id is a keyword", "modules/0/id", [change("modules/0/id", "selected")]),
    (
        "catalog",
        "attribute id is a keyword",
        "attributes",
        [change("attributes/sum", {"type": "number"})],
    ),
    ("catalog", "rule id starts with a hyphen", "rules/0/id", [change("rules/0/id", "-r1")]),
    (
        "catalog",
        "requires without module",
        "rules/0/requires",
        [change("rules/0/requires", "rack")],
    ),
    ("catalog", "two rule forms", "rules/0", [change("rules/0/excludes", "frame.cargo")]),
    ("catalog", "no rule form", "rules/0", [change("rules/0/requires", DELETE)]),
    (
        "catalog",
        "constraint with when",
        "rules/0",
        [change("rules/0/requires", DELETE), change("rules/0/constraint", "length_mm < 2000")],
    ),
    ("catalog", "rule without message", "rules/0", [change("rules/0/message", DELETE)]),
    ("catalog", "bad severity", "rules/0/severity", [change("rules/0/severity", "fatal")]),
    ("catalog", "table with rows and file", "tables/0", [change("tables/0/file", "t.csv")]),
    ("catalog", "table with neither rows nor file", "tables/0", [change("tables/0/rows", DELETE)]),
    ("catalog", "bad table kind", "tables/0/kind", [change("tables/0/kind", "block")]),
    (
        "catalog",
        "integer module with options",
        "modules/2",
        [change("modules/2/options", [{"id": "a"}])],
    ),
    ("catalog", "integer module without max", "modules/2", [change("modules/2/max", DELETE)]),
    ("catalog", "integer module with step 0", "modules/2/step", [change("modules/2/step", 0)]),
    ("catalog", "multi module with required", "modules/1", [change("modules/1/required", False)]),
    ("catalog", "single module with max", "modules/0", [change("modules/0/max", 1)]),
    (
        "catalog",
        "single module without options",
        "modules/0",
        [change("modules/0/options", DELETE)],
    ),
    (
        "catalog",
        "module with empty options",
        "modules/0/options",
        [change("modules/0/options", [])],
    ),
    ("catalog", "unknown module type", "modules/0/type", [change("modules/0/type", "double")]),
    (
        "catalog",
        "bad segment",
        "modules/0/options/0/segment",
        [change("modules/0/options/0/segment", "premium")],
    ),
    (
        "catalog",
        "attribute type int",
        "attributes/weight_kg/type",
        [change("attributes/weight_kg/type", "int")],
    ),
    (
        "catalog",
        "attribute default of wrong type",
        "attributes/weight_kg/default",
        [change("attributes/weight_kg/default", "0")],
    ),
    ("catalog", "purchased part with bom", "parts/0", [change("parts/0/bom", [{"part": "X"}])]),
    ("catalog", "made part without bom", "parts/1", [change("parts/1/bom", DELETE)]),
    (
        "catalog",
        "phantom part with routing",
        "parts/1",
        [
            change("parts/1/type", "phantom"),
            change("parts/1/routing", [{"id": "op", "work_centre": "a", "minutes": 1}]),
        ],
    ),
    ("catalog", "bom qty is a list", "bom/0/qty", [change("bom/0/qty", [2])]),
    ("catalog", "negative bom qty", "bom/0/qty", [change("bom/0/qty", -1)]),
    ("catalog", "operation without minutes", "routing/0", [change("routing/0/minutes", DELETE)]),
    (
        "catalog",
        "surcharge with amount and percent",
        "surcharges/0",
        [change("surcharges/0/percent", 5)],
    ),
    ("catalog", "surcharge with neither", "surcharges/0", [change("surcharges/0/amount", DELETE)]),
    ("catalog", "expect rejected without by", "tests/1", [change("tests/1/by", DELETE)]),
    ("catalog", "expect valid with by", "tests/0", [change("tests/0/by", "r1")]),
    ("catalog", "bad expect", "tests/0/expect", [change("tests/0/expect", "invalid")]),
    (
        "catalog",
        "test selection value is a mapping",
        "tests/0/select/frame",
        [change("tests/0/select/frame", {"a": 1})],
    ),
    ("catalog", "module without label", "modules/0", [change("modules/0/label", DELETE)]),
    (
        "catalog",
        "option without label",
        "modules/1/options/0",
        [change("modules/1/options/0/label", DELETE)],
    ),
    ("catalog", "surcharge without label", "surcharges/0", [change("surcharges/0/label", DELETE)]),
    ("catalog", "negative base price", "base_price", [change("base_price", -1)]),
    (
        "catalog",
        "percent below -100",
        "surcharges/0/percent",
        [change("surcharges/0/amount", DELETE), change("surcharges/0/percent", -150)],
    ),
    ("catalog", "plant file is not YAML", "plant", [change("plant", "../rules/plant.json")]),
    ("catalog", "absolute plant path", "plant", [change("plant", "/etc/plant.yaml")]),
    (
        "catalog",
        "table file is not CSV",
        "tables/0/file",
        [change("tables/0/rows", DELETE), change("tables/0/file", "t.xlsx")],
    ),
    ("catalog", "table without rows", "tables/0/rows", [change("tables/0/rows", [])]),
    ("catalog", "upper-case language code", "name", [change("name", {"EN": "E-bike"})]),
    ("catalog", "label split at a comma", "name", [change("name", {"en": "Bike", "size M": None})]),
    ("catalog", "empty label", "name", [change("name", " ")]),
    (
        "catalog",
        "option id is a function name",
        "modules/0/options/0/id",
        [change("modules/0/options/0/id", "max")],
    ),
    ("catalog", "blank condition", "rules/0/when", [change("rules/0/when", "")]),
    # plant
    ("plant", "missing format", "", [change("format", DELETE)]),
    ("plant", "unknown key", "", [change("timezones", "UTC")]),
    ("plant", "bad time 6:00", "shifts/0/start", [change("shifts/0/start", "6:00")]),
    ("plant", "bad time 24:00", "cutoffs/default", [change("cutoffs/default", "24:00")]),
    (
        "plant",
        "unquoted time read as a number",
        "carriers/0/pickup",
        [change("carriers/0/pickup", 960)],
    ),
    (
        "plant",
        "bad weekday in weekmask",
        "calendar/weekmask/0",
        [change("calendar/weekmask/0", "monday")],
    ),
    (
        "plant",
        "capitalised weekday in a shift",
        "shifts/0/days/0",
        [change("shifts/0/days", ["Mon"])],
    ),
    ("plant", "unknown cutoff weekday", "cutoffs", [change("cutoffs/friday", "12:00")]),
    ("plant", "cutoffs without default", "cutoffs", [change("cutoffs/default", DELETE)]),
    (
        "plant",
        "bad closure date",
        "calendar/closures/0/from",
        [change("calendar/closures/0/from", "24.12.2026")],
    ),
    (
        "plant",
        "impossible date",
        "calendar/closures/0/to",
        [change("calendar/closures/0/to", "2027-02-30")],
    ),
    (
        "plant",
        "bad country",
        "calendar/holidays/country",
        [change("calendar/holidays/country", "Germany")],
    ),
    ("plant", "capacity 0", "work_centres/0/capacity", [change("work_centres/0/capacity", 0)]),
    (
        "plant",
        "fractional capacity",
        "work_centres/0/capacity",
        [change("work_centres/0/capacity", 1.5)],
    ),
    (
        "plant",
        "negative transit days",
        "carriers/0/transit_days",
        [change("carriers/0/transit_days", -1)],
    ),
    (
        "plant",
        "confidence above 1",
        "service_levels/0/confidence",
        [change("service_levels/0/confidence", 1.5)],
    ),
    (
        "plant",
        "bad segment",
        "service_levels/0/segment",
        [change("service_levels/0/segment", "premium")],
    ),
    ("plant", "timezone is a number", "timezone", [change("timezone", 5)]),
    (
        "plant",
        "work centre id with a space",
        "work_centres/0/id",
        [change("work_centres/0/id", "final assembly")],
    ),
    ("plant", "carrier without pickup", "carriers/0", [change("carriers/0/pickup", DELETE)]),
    (
        "plant",
        "fractional transit days",
        "carriers/0/transit_days",
        [change("carriers/0/transit_days", 1.5)],
    ),
    (
        "plant",
        "confidence below 0.5",
        "service_levels/0/confidence",
        [change("service_levels/0/confidence", 0.3)],
    ),
    (
        "plant",
        "service level without target",
        "service_levels/0",
        [change("service_levels/0/target_days", DELETE)],
    ),
    ("plant", "empty weekmask", "calendar/weekmask", [change("calendar/weekmask", [])]),
    ("plant", "calendar without weekmask", "calendar", [change("calendar/weekmask", DELETE)]),
    # supply
    ("supply", "missing format", "", [change("format", DELETE)]),
    ("supply", "unknown key", "", [change("stocks", [])]),
    (
        "supply",
        "unknown key in a record",
        "suppliers",
        [change("suppliers/0/email", "a@b.invalid")],
    ),
    (
        "supply",
        "section file with another key",
        "stock",
        [change("stock", {"file": "s.csv", "sheet": 1})],
    ),
    ("supply", "section as a bare file name", "stock", [change("stock", "stock.csv")]),
    ("supply", "negative quantity", "purchase_orders", [change("purchase_orders/0/qty", -5)]),
    ("supply", "bad eta", "purchase_orders", [change("purchase_orders/0/eta", "next week")]),
    (
        "supply",
        "sourcing without lead time",
        "sourcing",
        [change("sourcing/0/lead_time_days", DELETE)],
    ),
    ("supply", "bad supplier id", "suppliers", [change("suppliers/0/id", "-bafang")]),
    ("supply", "zero minimum order quantity", "sourcing", [change("sourcing/0/moq", 0)]),
    ("supply", "section file is not CSV", "stock", [change("stock/file", "stock.xlsx")]),
    (
        "supply",
        "supplier name per language",
        "suppliers",
        [change("suppliers/0/name", {"en": "B"})],
    ),
    ("supply", "bad as_of", "as_of", [change("as_of", "2026-13-01")]),
    # a section is an inline list or {file: ...}: its errors are reported at the section
    ("orders", "booking time without a clock time", "bookings",
     [change("bookings/0/start", "2026-12-02")]),
    ("orders", "reserved nothing", "reservations", [change("reservations/0/qty", 0)]),
    ("orders", "booking without an order", "bookings", [change("bookings/0/order", DELETE)]),
    # scenario
    ("scenario", "missing format", "", [change("format", DELETE)]),
    ("scenario", "missing catalog", "", [change("catalog", DELETE)]),
    ("scenario", "unknown key", "", [change("seed", 3)]),
    ("scenario", "catalog is not YAML", "catalog", [change("catalog", "../catalogs/ebike.json")]),
    ("scenario", "absolute plant path", "plant", [change("plant", "/etc/plant.yaml")]),
    ("scenario", "empty name", "name", [change("name", " ")]),
    ("scenario", "bad start", "start", [change("start", "04.01.2027")]),
    ("scenario", "rho of 1", "rho", [change("rho", 1)]),
    ("scenario", "rho as text", "rho", [change("rho", "0.85")]),
    ("scenario", "a run of 0 years", "years", [change("years", 0), change("warmup_years", DELETE)]),
    ("scenario", "negative warm-up", "warmup_years", [change("warmup_years", -0.5)]),
    ("scenario", "no seeds", "seeds", [change("seeds", 0)]),
    ("scenario", "fractional pool", "pool", [change("pool", 2.5)]),
    ("scenario", "target of 0", "target", [change("target", 0)]),
    ("scenario", "base stock service above 1", "base_stock_service",
     [change("base_stock_service", 1.5)]),
    ("scenario", "negative option weight", "option_weights/frame/trapeze",
     [change("option_weights/frame/trapeze", -1)]),
    ("scenario", "option weights of a module as a number", "option_weights/frame",
     [change("option_weights/frame", 3)]),
    # one value or a mapping: the error is reported at the key
    ("scenario", "fractional fixed lead time", "fixed_lead_time_days",
     [change("fixed_lead_time_days", 12.5)]),
    ("scenario", "negative fixed lead time of a segment", "fixed_lead_time_days",
     [change("fixed_lead_time_days/custom", -1)]),
    ("scenario", "negative work time spread", "work_time_spread",
     [change("work_time_spread", {"assembly": -0.1})]),
    ("scenario", "negative transit delay", "transit_delay_days",
     [change("transit_delay_days", -1)]),
    ("scenario", "carrier id with a space", "carrier", [change("carrier", "dhl express")]),
    ("scenario", "unknown dispatch rule", "dispatch", [change("dispatch", "lifo")]),
    ("scenario", "disruptions as a mapping", "disruptions",
     [change("disruptions", {"kind": "shutdown"})]),
    ("scenario", "unknown disruption kind", "disruptions/2/kind",
     [change("disruptions/2/kind", "flood")]),
    ("scenario", "disruption without kind", "disruptions/2",
     [change("disruptions/2/kind", DELETE)]),
    ("scenario", "disruption without start", "disruptions/0",
     [change("disruptions/0/start", DELETE)]),
    ("scenario", "disruption starting at a time", "disruptions/2/start",
     [change("disruptions/2/start", "2027-08-02T08:00")]),
    ("scenario", "disruption of 0 days", "disruptions/2/days", [change("disruptions/2/days", 0)]),
    ("scenario", "supplier outage without supplier", "disruptions/0",
     [change("disruptions/0/supplier", DELETE)]),
    ("scenario", "capacity loss without work centre", "disruptions/1",
     [change("disruptions/1/work_centre", DELETE)]),
    ("scenario", "capacity loss of 0 stations", "disruptions/1/stations",
     [change("disruptions/1/stations", 0)]),
    ("scenario", "capacity loss naming a supplier", "disruptions/1",
     [change("disruptions/1/supplier", "bafang")]),
    ("scenario", "shutdown with a factor", "disruptions/2", [change("disruptions/2/factor", 2)]),
    ("scenario", "demand surge without factor", "disruptions/3",
     [change("disruptions/3/factor", DELETE)]),
    ("scenario", "demand surge of factor 0", "disruptions/3/factor",
     [change("disruptions/3/factor", 0)]),
    # calibration
    ("calibration", "missing format", "", [change("format", DELETE)]),
    ("calibration", "unknown key", "", [change("buffers", {"standard": 2})]),
    ("calibration", "missing scenario", "", [change("scenario", DELETE)]),
    ("calibration", "missing created", "", [change("created", DELETE)]),
    ("calibration", "missing buffer_days", "", [change("buffer_days", DELETE)]),
    ("calibration", "empty scenario", "scenario", [change("scenario", "")]),
    ("calibration", "empty policy", "policy", [change("policy", " ")]),
    ("calibration", "created is not a date", "created", [change("created", "25.11.2026")]),
    ("calibration", "target of 1", "target", [change("target", 1)]),
    ("calibration", "no seeds", "seeds", [change("seeds", 0)]),
    ("calibration", "band edge 0", "bands/0", [change("bands/0", 0)]),
    ("calibration", "band edge beyond a working year", "bands/2", [change("bands/2", 261)]),
    ("calibration", "repeated band edge", "bands", [change("bands", [4, 4, 16])]),
    ("calibration", "bands as a number", "bands", [change("bands", 4)]),
    ("calibration", "buffer beyond a working year", "buffer_days/standard",
     [change("buffer_days/standard", 261)]),
    ("calibration", "fractional buffer", "buffer_days/standard",
     [change("buffer_days/standard", 1.5)]),
    ("calibration", "empty buffer list", "buffer_days/custom", [change("buffer_days/custom", [])]),
    ("calibration", "buffer list with text", "buffer_days/custom",
     [change("buffer_days/custom/1", "x")]),
    ("calibration", "buffer_days as a list", "buffer_days", [change("buffer_days", [2])]),
]

# (kind, what is wrong) of INVALID -> a known loader bug: the loader test is a strict xfail.
LOADER_BUGS: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("kind", KINDS)
def test_base_documents_are_valid(kind: str) -> None:
    assert error_text(kind, BASE[kind]) == []


@pytest.mark.parametrize(
    ("kind", "where", "changes"),
    [
        pytest.param(kind, where, changes, id=f"{kind}: {name}")
        for kind, name, where, changes in INVALID
    ],
)
def test_invalid_document_is_rejected(
    kind: str, where: str, changes: list[Callable[[dict[str, Any]], None]]
) -> None:
    doc = copy.deepcopy(BASE[kind])
    for apply in changes:
        apply(doc)
    errors = list(validator(kind).iter_errors(doc))
    assert errors, "the schema accepted an invalid document"
    places = {"/".join(map(str, e.absolute_path)) for e in errors}
    assert where in places, [e.message for e in errors]


# ------------------------------------------------------------------ the loader agrees
# The schema is what editors check while typing; `bto lint` is what really counts. They must not
# disagree: a document one accepts and the other rejects confuses users.


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_samples_load_without_problems(path: Path) -> None:
    _, problems = read_file(path)
    assert [str(p.to_dict()) for p in problems] == []


@pytest.fixture(scope="module")
def loader_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the test documents, with the files the base documents refer to."""
    root = tmp_path_factory.mktemp("agree")
    (root / "rules").mkdir()
    (root / "rules" / "plant.yaml").write_text(yaml.safe_dump(PLANT), encoding="utf-8")
    (root / "rules" / "supply.yaml").write_text(yaml.safe_dump(SUPPLY), encoding="utf-8")
    (root / "catalogs").mkdir()
    (root / "catalogs" / "ebike.yaml").write_text(yaml.safe_dump(CATALOG), encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "stock.csv").write_text("part,on_hand\nMOT-1,3\n", encoding="utf-8")
    return root / "docs"


def loader_errors(folder: Path, doc: dict[str, Any]) -> list[str]:
    path = folder / "doc.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _, problems = read_file(path)
    return [f"{p.code} {p.message}" for p in problems if p.is_error]


@pytest.mark.parametrize("kind", KINDS)
def test_loader_accepts_the_base_documents(kind: str, loader_dir: Path) -> None:
    assert loader_errors(loader_dir, BASE[kind]) == []


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        pytest.param(
            kind, changes, id=f"{kind}: {name}",
            marks=[pytest.mark.xfail(strict=True, reason=LOADER_BUGS[kind, name])]
            if (kind, name) in LOADER_BUGS else [],
        )
        for kind, name, _, changes in INVALID
    ],
)
def test_loader_rejects_the_invalid_documents(
    kind: str, changes: list[Callable[[dict[str, Any]], None]], loader_dir: Path
) -> None:
    doc = copy.deepcopy(BASE[kind])
    for apply in changes:
        apply(doc)
    assert loader_errors(loader_dir, doc), "bto accepts what the schema rejects"


# Scenario and calibration documents with each key absent, good or bad (the values are in
# tests/strategies.py): the schema and the loader must both come to the intended verdict.
FILES = ["../catalogs/ebike.yaml", "../rules/plant.yaml", "../rules/supply.yaml"]


def agree(kind: str, folder: Path, doc: dict[str, Any], valid: bool) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    schema_errors = error_text(kind, yaml12(yaml.safe_load(text)))
    errors = loader_errors(folder, doc)
    assert (not schema_errors, not errors) == (valid, valid), (text, schema_errors, errors)


def one_change(kind: str, prefix: str, table: dict[str, Values], base: dict[str, Any],
               fixed: tuple[str, ...] = ()) -> Iterator[Any]:
    """Each good and bad value of each key set alone in ``base`` (at ``prefix``), and each key
    removed; keys in ``fixed`` are only made bad (another good value, or none, may not fit the
    other keys)."""
    for key, (good, bad, required) in table.items():
        path = prefix + key
        changes = [(v, False) for v in bad] + [(v, True) for v in good if key not in fixed]
        if key in base and (required or key not in fixed):
            changes.append((DELETE, not required))
        for value, valid in changes:
            shown = "removed" if value is DELETE else repr(value)
            yield pytest.param(kind, path, value, valid, id=f"{kind}: {path} {shown}")


def single_changes() -> Iterator[Any]:
    yield from one_change("scenario", "", scenario_values(FILES), SCENARIO)
    yield from one_change("calibration", "", CALIBRATION_VALUES, CALIBRATION, fixed=("bands",))
    for i, entry in enumerate(SCENARIO["disruptions"]):
        table = {**DISRUPTION_VALUES, **DISRUPTION_KIND_VALUES[entry["kind"]]}
        yield from one_change("scenario", f"disruptions/{i}/", table, entry, fixed=("kind",))


@pytest.mark.parametrize(("kind", "path", "value", "valid"), list(single_changes()))
def test_schema_and_loader_agree_on_each_value(
    kind: str, path: str, value: Any, valid: bool, loader_dir: Path
) -> None:
    doc = copy.deepcopy(BASE[kind])
    change(path, value)(doc)
    agree(kind, loader_dir, doc, valid)


GENERATED = settings(max_examples=150, deadline=None)


@GENERATED
@given(case=scenario_documents(FILES))
def test_schema_and_loader_agree_on_generated_scenarios(
    case: tuple[dict[str, Any], bool], loader_dir: Path
) -> None:
    agree("scenario", loader_dir, *case)


@GENERATED
@given(case=calibration_documents())
def test_schema_and_loader_agree_on_generated_calibrations(
    case: tuple[dict[str, Any], bool], loader_dir: Path
) -> None:
    agree("calibration", loader_dir, *case)


# --- the schemas against the bad-file corpus --------------------------------------------------
BAD = Path(__file__).resolve().parent / "data" / "bad"
# Problems a JSON Schema can see: structure, types, identifiers, alternatives, value ranges.
STRUCTURAL = {"S201", "S202", "S203", "S206", "S207"}
FORMAT_KINDS = {f"bto-{kind}/1": kind for kind in KINDS}


def structural_bad_files() -> list[Path]:
    out = []
    for path in sorted(BAD.glob("*.yaml")):
        head = path.read_bytes()[:2000].decode("utf-8", "replace")
        codes = set(re.findall(r"#\s*expect:\s*([A-Z]\d{3})", head))
        elsewhere = re.search(r"#\s*expect:\s*[A-Z]\d{3}\s+\S+:\d+:\d+", head)
        if codes and codes <= STRUCTURAL and not elsewhere:  # a CSV's problems are not seen
            try:
                doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError:
                continue
            if isinstance(doc, dict) and doc.get("format") in FORMAT_KINDS:
                out.append(path)
    return out


STRUCTURAL_BAD = structural_bad_files()


def test_a_sample_of_bad_files_is_structural() -> None:
    assert len(STRUCTURAL_BAD) >= 15


@pytest.mark.parametrize("path", STRUCTURAL_BAD, ids=lambda p: p.name)
def test_schema_rejects_structural_bad_files(path: Path) -> None:
    doc = yaml12(load_yaml(path))
    assert error_text(FORMAT_KINDS[doc["format"]], doc), f"{path.name} passed the schema"
