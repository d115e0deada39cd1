"""The bill of materials: hand-checked explosions of a small catalog and of the e-bike, errors
that name the BOM line, and properties on generated catalogs (quantities scale with N)."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from decimal import Context, Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from configurator import load_catalog
from configurator.bom import Bom, BomError, configuration_values, decimal_text, explode
from configurator.catalog.model import Catalog, Expression
from configurator.choices import SelectionError
from configurator.expr import Arith, Const
from configurator.problems import Position
from configurator.session import Session

from .conftest import ROOT, write
from .strategies import bom_catalogs

# A bicycle trailer: a made frame (with a phantom fixing kit), made wheels holding a made hub
# only on the pro model (a `when` on a sub-assembly line), the same kit at the top level, and
# BOLT on three lines at three depths.
TRAILER = """\
format: bto-catalog/1
id: trailer
name: Trailer
version: "1"
currency: EUR
base_price: 100
attributes:
  bolts: {type: number, default: 0}
modules:
  - id: model
    label: Model
    options:
      - {id: basic, label: Basic, price: 0, attributes: {bolts: 4}, default: true}
      - {id: pro, label: Pro, price: 50, attributes: {bolts: 6}}
  - id: wheels
    label: Wheels
    type: integer
    min: 2
    max: 4
  - id: extras
    label: Extras
    type: multi
    options:
      - {id: rack, label: Rack, price: 20}
      - {id: lamp, label: Lamp, price: 15}
  - id: length_mm
    label: Length
    type: integer
    min: 1000
    max: 2000
    step: 500
parts:
  - {id: TUBE, name: Tube, uom: m}
  - {id: BOLT, name: Bolt M6}
  - {id: NUT, name: Nut M6}
  - {id: PAINT, name: Paint, uom: kg}
  - {id: RIM, name: Rim}
  - {id: SPOKE, name: Spoke}
  - {id: BEARING, name: Bearing}
  - {id: RACK, name: Rack}
  - {id: LAMP, name: Lamp}
  - {id: SPARE, name: Spare wheel clip}
  - id: FRAME
    name: Welded frame
    type: made
    bom:
      - {part: TUBE, qty: "length_mm / 500"}
      - {part: KIT-FIX, qty: 2}
      - {part: PAINT, qty: 0.25}
    routing:
      - {id: weld, work_centre: weld-shop, minutes: 30}
      - {id: paint, work_centre: paint-shop, minutes: "10 + length_mm / 100"}
  - id: KIT-FIX
    name: Fixing kit
    type: phantom
    bom:
      - {part: BOLT, qty: model.bolts}
      - {part: NUT, qty: 4}
  - id: WHEEL
    name: Wheel
    type: made
    bom:
      - {part: RIM}
      - {part: SPOKE, qty: 32, note: cut to length}
      - {part: HUB, when: model.pro}
    routing:
      - {id: lace, work_centre: wheel-shop, minutes: 20}
  - id: HUB
    name: Sealed hub
    type: made
    bom:
      - {part: BEARING, qty: 2}
      - {part: BOLT}
    routing:
      - {id: press, work_centre: wheel-shop, minutes: 5}
bom:
  - {part: FRAME}
  - {part: WHEEL, qty: wheels}
  - {part: KIT-FIX}
  - {part: RACK, when: extras.rack}
  - {part: LAMP, when: extras.lamp}
  - {part: SPARE, qty: "wheels - 2"}
routing:
  - {id: assemble, work_centre: assembly, minutes: "20 + 5 * count(selected in extras)"}
  - {id: pack, work_centre: packing, minutes: 10}
"""

PRO = {"model": "pro", "wheels": 3, "extras": ("rack",), "length_mm": 1500}
BASIC = {"model": "basic", "wheels": 2, "extras": (), "length_mm": 1000}

# The fully equipped long-john of the e-bike catalog's own tests (a complete configuration).
LONGJOHN = {"frame": "longjohn", "frame_size": "one", "wheels": "w20_26", "tyres": "pick_up",
            "motor": "mid_m560", "battery": "bat_900", "range_extender": "ext_540",
            "drivetrain": "belt_enviolo", "brakes": "hyd_cme5", "charger": "chg_6a",
            "accessories": ("lights", "kickstand_dual", "rain_cover", "mudguards", "lock"),
            "child_seats": 2, "stem_mm": 70, "colour": "custom_ral"}


def load_text(tmp_path_factory, text: str, name: str = "c.yaml") -> Catalog:
    """A catalog text, loaded from a file of its own."""
    return load_catalog(write(tmp_path_factory.mktemp("catalog"), name, text))


@pytest.fixture(scope="module")
def trailer(tmp_path_factory) -> Catalog:
    return load_text(tmp_path_factory, TRAILER, "trailer.yaml")


@functools.cache
def example(name: str) -> Catalog:
    """An example catalog from catalogs/, loaded once."""
    return load_catalog(ROOT / "catalogs" / f"{name}.yaml")


@pytest.fixture
def ebike() -> Catalog:
    return example("ebike")


def totals(bom: Bom) -> dict[str, Decimal]:
    return {p.part: p.total for p in bom.parts}


def tree(bom: Bom) -> list[tuple[int, str, str, str]]:
    return [(n.level, n.part, decimal_text(n.qty), decimal_text(n.total)) for n in bom.walk()]


# -- a small catalog, by hand -----------------------------------------------------------------
def test_multi_level_tree_with_phantoms_and_formulas(trailer):
    bom = explode(trailer, PRO)
    assert tree(bom) == [
        (1, "FRAME", "1", "1"),
        (2, "TUBE", "3", "3"),            # 1500 / 500
        (2, "BOLT", "12", "12"),          # kit twice, 6 bolts on the pro model
        (2, "NUT", "8", "8"),
        (2, "PAINT", "0.25", "0.25"),
        (1, "WHEEL", "3", "3"),           # qty: wheels
        (2, "RIM", "1", "3"),
        (2, "SPOKE", "32", "96"),
        (2, "HUB", "1", "3"),             # only on the pro model
        (3, "BEARING", "2", "6"),
        (3, "BOLT", "1", "3"),
        (1, "BOLT", "6", "6"),            # the kit at the top level
        (1, "NUT", "4", "4"),
        (1, "RACK", "1", "1"),
        (1, "SPARE", "1", "1"),           # wheels - 2
    ]
    frame = bom.nodes[0]
    assert frame.children[1].via == "KIT-FIX" and frame.children[1].path == (
        "FRAME", "KIT-FIX", "BOLT")
    assert frame.children[0].via is None and frame.children[0].uom == "m"
    assert bom.nodes[1].children[1].note == "cut to length"
    assert "KIT-FIX" not in totals(bom)  # a phantom is never a part of the order


def test_parts_are_aggregated_in_first_seen_order(trailer):
    bom = explode(trailer, PRO)
    assert [p.part for p in bom.parts] == ["FRAME", "TUBE", "BOLT", "NUT", "PAINT", "WHEEL",
                                           "RIM", "SPOKE", "HUB", "BEARING", "RACK", "SPARE"]
    bolt = bom.part("BOLT")
    assert bolt is not None and bolt.total == 12 + 3 + 6
    assert [n.path for n in bolt.lines] == [("FRAME", "KIT-FIX", "BOLT"),
                                            ("WHEEL", "HUB", "BOLT"), ("KIT-FIX", "BOLT")]
    assert all(str(n.source).startswith(str(trailer.path)) for n in bolt.lines)
    assert [p.part for p in bom.purchased] == ["TUBE", "BOLT", "NUT", "PAINT", "RIM", "SPOKE",
                                               "BEARING", "RACK", "SPARE"]
    assert bom.part("LAMP") is None


def test_when_on_a_sub_assembly_and_zero_quantities_drop_lines(trailer):
    bom = explode(trailer, BASIC)
    parts = totals(bom)
    assert "HUB" not in parts and "BEARING" not in parts   # the hub line's when is false
    assert "SPARE" not in parts                             # wheels - 2 == 0
    assert parts["BOLT"] == 4 * 2 + 4                       # basic model: 4 bolts per kit
    assert parts["TUBE"] == 2


def test_operations_sub_assemblies_first_final_assembly_last(trailer):
    bom = explode(trailer, PRO, qty=2)
    steps = [(o.part, o.id, decimal_text(o.minutes), decimal_text(o.units),
              decimal_text(o.total_minutes), o.work_centre) for o in bom.operations_in_order()]
    assert steps == [
        ("FRAME", "weld", "30", "2", "60", "weld-shop"),
        ("FRAME", "paint", "25", "2", "50", "paint-shop"),  # 10 + 1500 / 100
        ("HUB", "press", "5", "6", "30", "wheel-shop"),     # 3 hubs per trailer
        ("WHEEL", "lace", "20", "6", "120", "wheel-shop"),
        (None, "assemble", "25", "2", "50", "assembly"),    # 20 + 5 * one extra
        (None, "pack", "10", "2", "20", "packing"),
    ]
    assert [o.id for o in bom.operations] == ["assemble", "pack"]
    assert [o.id for o in bom.nodes[0].operations] == ["weld", "paint"]


def test_qty_multiplies_every_total(trailer):
    one, five = explode(trailer, PRO), explode(trailer, PRO, qty=5)
    assert five.qty == 5
    assert totals(five) == {part: 5 * total for part, total in totals(one).items()}
    assert [n.qty for n in five.walk()] == [n.qty for n in one.walk()]  # per parent: unchanged


def test_to_dict_is_json_with_decimal_strings(trailer):
    data = json.loads(json.dumps(explode(trailer, PRO, qty=2).to_dict()))
    assert data["qty"] == 2 and data["configuration"]["extras"] == ["rack"]
    frame = data["nodes"][0]
    assert frame["part"] == "FRAME" and frame["name"] == {"en": "Welded frame"}
    assert frame["children"][3] == {**frame["children"][3], "qty": "0.25", "total": "0.5",
                                    "uom": "kg", "level": 2, "via": None}
    assert frame["operations"][1]["total_minutes"] == "50"
    bolt = next(p for p in data["parts"] if p["part"] == "BOLT")
    assert bolt["total"] == "42" and len(bolt["lines"]) == 3
    assert data["operations"][0]["part"] is None


# -- errors -----------------------------------------------------------------------------------
def test_a_negative_quantity_names_the_line_and_part(tmp_path):
    text = TRAILER.replace('qty: "wheels - 2"', 'qty: "wheels - 3"')
    catalog = load_catalog(write(tmp_path, "neg.yaml", text))
    line = next(line for line in catalog.bom if line.part == "SPARE")
    with pytest.raises(BomError) as caught:
        explode(catalog, BASIC)
    assert caught.value.part == "SPARE" and caught.value.source == line.source
    message = str(caught.value)
    assert message.startswith(f"{line.source}: BOM line of part 'SPARE': ")
    assert "negative (-1)" in message and isinstance(caught.value, ValueError)
    assert totals(explode(catalog, {**BASIC, "wheels": 4}))["SPARE"] == 1


def _with_spare_qty(catalog: Catalog, ast: object) -> Catalog:
    where = Position("made-up.yaml", 7, 5)
    bom = tuple(replace(line, qty=Expression("bad", ast, where), source=where)
                if line.part == "SPARE" else line for line in catalog.bom)
    return replace(catalog, bom=bom)


@pytest.mark.parametrize(("ast", "reason"), [
    (Const("many", "string"), "not a number"),
    (Arith("/", Const(Decimal(1), "number"), Const(Decimal(0), "number"), "number"),
     "divides by zero"),
])
def test_formula_errors_name_the_line(trailer, ast, reason):
    catalog = _with_spare_qty(trailer, ast)
    with pytest.raises(BomError, match=rf"^made-up\.yaml:7:5: BOM line of part 'SPARE': .*"
                                       rf"{reason}"):
        explode(catalog, PRO)


def test_negative_minutes_name_the_operation(tmp_path):
    text = TRAILER.replace('minutes: "10 + length_mm / 100"', 'minutes: "10 - length_mm / 100"')
    catalog = load_catalog(write(tmp_path, "minutes.yaml", text))
    with pytest.raises(BomError, match=r"minutes\.yaml:\d+:\d+: operation 'paint' of part "
                                       r"'FRAME': the minutes .* negative \(-5\)"):
        explode(catalog, PRO)


@pytest.mark.parametrize(("values", "message"), [
    ({**PRO, "colour": "red"}, "unknown module 'colour'"),
    ({k: v for k, v in PRO.items() if k != "wheels"}, "no value for module 'wheels'"),
    ({**PRO, "model": "ultra"}, "unknown option 'ultra'"),
    ({**PRO, "extras": "rack"}, "takes a list of options"),
    ({**PRO, "wheels": 7}, "7 is not a value of module 'wheels'"),
])
def test_a_malformed_configuration_is_a_selection_error(trailer, values, message):
    with pytest.raises(SelectionError, match=message):
        explode(trailer, values)


@pytest.mark.parametrize("qty", [0, -1, True, 1.5])
def test_qty_must_be_a_positive_integer(trailer, qty):
    with pytest.raises(ValueError, match="positive integer"):
        explode(trailer, PRO, qty=qty)


def test_a_configuration_for_another_catalog_is_refused(trailer, ebike):
    with Session(ebike) as session:
        configuration = session.complete()
    with pytest.raises(SelectionError, match="for catalog 'ebike-neckar', not 'trailer'"):
        explode(trailer, configuration)


def test_multi_select_values_come_back_in_catalog_order(trailer):
    values = configuration_values(trailer, {**PRO, "extras": ["lamp", "rack", "lamp"]})
    assert values["extras"] == ("rack", "lamp")
    assert configuration_values(trailer, {**PRO, "extras": ["-rack", "lamp"]})["extras"] == (
        "lamp",)  # an exclusion is no selection
    assert configuration_values(trailer, {**PRO, "extras": None})["extras"] == ()


# -- the e-bike ------------------------------------------------------------------------------
def test_ebike_long_john(ebike):
    bom = explode(ebike, LONGJOHN, qty=3)
    parts = totals(bom)
    frame = bom.nodes[0]
    assert frame.part == "ASM-FRAME" and frame.type == "made"
    assert [c.part for c in frame.children][:2] == ["FRS-LONGJOHN", "POWDER-RAL-CUSTOM"]
    assert frame.children[1].qty == Decimal("1.10")          # frame.powder_kg of the long-john
    assert parts["POWDER-RAL-CUSTOM"] == Decimal("3.30")
    assert parts["LOCK-CYL-ABUS"] == 2 * 3                   # main battery + range extender
    assert parts["CELL-SAM-50E"] == (50 + 30) * 3            # 10S5P main + 10S3P extender
    assert parts["NICKEL-STRIP-015"] == Decimal("0.06") * 80 * 3
    assert parts["BMS-10S-40A"] == 2 * 3
    assert parts["HOSE-BRAKE-HYD"] == Decimal("4.8") * 3     # frame.hose_m, hydraulic brakes
    kit = [n for n in bom.nodes if n.via == "KIT-CHILD-SEAT"]
    assert [(n.part, n.qty) for n in kit] == [("SEATPAD-CHILD", 2), ("HARNESS-5PT", 2),
                                              ("HW-CHILD-SEAT", 2)]   # qty: child_seats
    assert "KIT-COCKPIT" not in parts and "HBAR-ERGOTEC-640" in parts
    final = {o.id: o for o in bom.operations}
    assert final["assemble"].minutes == 95 + 8 * 5 + 20 * 1
    assert final["cargo-fit-out"].total_minutes == (40 + 20 * 2) * 3
    coat = next(o for o in frame.operations if o.id == "coat")
    assert coat.minutes == 20 + 20 * Decimal("1.10") and coat.units == 3


def test_ebike_two_tone_paint_and_a_single_battery(ebike):
    values = {**LONGJOHN, "range_extender": None, "battery": "bat_720", "motor": "mid_ep8",
              "colour": "two_tone", "child_seats": 0}
    bom = explode(ebike, values)
    parts = totals(bom)
    assert parts["POWDER-RAL-CUSTOM"] == Decimal("1.6") * Decimal("1.10")
    assert parts["LOCK-CYL-ABUS"] == 1
    assert "SEATPAD-CHILD" not in parts and "ASM-BAT-EXT" not in parts
    assert [o.id for o in bom.nodes[0].operations] == ["pretreat", "mask", "coat",
                                                       "second-coat", "cure", "fit-headset"]


@pytest.mark.parametrize("name", ["ebike", "workstation", "pump-skid"])
def test_default_configurations_of_the_examples_explode(name):
    catalog = example(name)
    with Session(catalog) as session:
        bom = explode(catalog, session.complete(), qty=2)
    assert bom.parts and bom.operations_in_order()
    for requirement in bom.parts:
        assert requirement.type != "phantom"
        assert requirement.total == sum(n.total for n in requirement.lines)
    json.dumps(bom.to_dict())


# -- properties -------------------------------------------------------------------------------
# Formulas such as n / 3 give 28 significant digits, and sums of them more: compare exactly.
EXACT = Context(prec=100)
PROPERTIES = settings(max_examples=40, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


@PROPERTIES
@given(case=bom_catalogs())
def test_quantities_scale_linearly_with_the_order(tmp_path_factory, case):
    text, values, n = case
    catalog = load_text(tmp_path_factory, text)
    one, many = explode(catalog, values), explode(catalog, values, qty=n)
    assert [p.part for p in many.parts] == [p.part for p in one.parts]
    for a, b in zip(one.parts, many.parts, strict=True):
        assert b.total == EXACT.multiply(n, a.total), a.part
    for a, b in zip(one.operations_in_order(), many.operations_in_order(), strict=True):
        assert (b.id, b.part, b.total_minutes) == (a.id, a.part,
                                                   EXACT.multiply(n, a.total_minutes))


@PROPERTIES
@given(case=bom_catalogs())
def test_aggregation_adds_up_and_phantoms_dissolve(tmp_path_factory, case):
    text, values, n = case
    catalog = load_text(tmp_path_factory, text)
    bom = explode(catalog, values, qty=n)
    nodes = list(bom.walk())
    assert all(node.type != "phantom" and node.qty > 0 for node in nodes)
    for requirement in bom.parts:
        expected = Decimal(0)
        for x in nodes:
            if x.part == requirement.part:
                expected = EXACT.add(expected, x.total)
        assert requirement.total == expected
    for node in nodes:
        for child in node.children:
            assert child.total == EXACT.multiply(node.total, child.qty)
            assert child.level == node.level + 1
    assert all(node.total == EXACT.multiply(n, node.qty) for node in bom.nodes)
