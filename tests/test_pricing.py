"""Prices: hand-checked breakdowns, commercial rounding per currency, errors that name the
surcharge, and properties on generated catalogs (the breakdown adds up, N products cost N
times one)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given

from configurator.catalog.model import Catalog, Expression
from configurator.expr import Const
from configurator.pricing import PriceError, minor_units, price, round_money
from configurator.problems import Position
from configurator.session import Session

from .strategies import bom_catalogs
from .test_bom import LONGJOHN, PROPERTIES, example, load_text

# Every amount below is a tie or needs rounding, chosen so that half-up and half-even differ.
SHELF = """\
format: bto-catalog/1
id: shelf
name: {en: Shelf, de: Regal}
version: "1"
currency: EUR
languages: [en, de]
base_price: 10.005
modules:
  - id: finish
    label: {en: Finish, de: Oberfläche}
    options:
      - {id: plain, label: {en: Plain, de: Roh}, price: 0, default: true}
      - {id: lacquer, label: {en: Lacquer, de: Lack}, price: 0.125}
      - {id: scratched, label: {en: Scratched, de: Zerkratzt}, price: -5.005}
  - id: extras
    label: {en: Extras, de: Extras}
    type: multi
    options:
      - {id: doors, label: {en: Doors, de: Türen}, price: 1.36}
      - {id: feet, label: {en: Feet, de: Füße}, price: 0}
  - id: boards
    label: {en: Boards, de: Böden}
    type: integer
    min: 0
    max: 5
    unit: pcs
    unit_price: 0.3333
surcharges:
  - {id: handling, label: Handling, amount: 2.5}
  - {id: per-board, label: Board fixing, amount: "boards * 0.375", when: "boards > 0"}
  - {id: lacquer-care, label: Lacquer care, percent: 5, when: finish.lacquer}
  - {id: feet-discount, label: Feet discount, percent: -10, when: extras.feet}
  - {id: never, label: Never, amount: 99, when: finish.scratched}
"""
SHELF_LACQUERED = {"finish": "lacquer", "extras": ("doors", "feet"), "boards": 3}

YEN = """\
format: bto-catalog/1
id: lamp
name: Lamp
version: "1"
currency: JPY
base_price: 1000
modules:
  - id: shade
    label: Shade
    options:
      - {id: paper, label: Paper, price: 98.5}
      - {id: glass, label: Glass, price: 51}
  - id: cable
    label: Cable
    type: multi
    options:
      - {id: long, label: Long cable, price: 51}
surcharges:
  - {id: service, label: Service, percent: 3}
"""


@pytest.fixture(scope="module")
def shelf(tmp_path_factory) -> Catalog:
    return load_text(tmp_path_factory, SHELF, "shelf.yaml")


@pytest.fixture(scope="module")
def lamp(tmp_path_factory) -> Catalog:
    return load_text(tmp_path_factory, YEN, "lamp.yaml")


def rows(result) -> list[tuple[str, str | None, str, str, str]]:
    return [(line.kind, line.option or line.surcharge or (str(line.value)
             if line.value is not None else None), str(line.unit_amount), str(line.qty),
             str(line.amount)) for line in result.lines]


# -- hand-checked -----------------------------------------------------------------------------
def test_every_line_rounded_half_up_then_multiplied(shelf):
    result = price(shelf, SHELF_LACQUERED, qty=3)
    assert rows(result) == [
        ("base", None, "10.01", "3", "30.03"),           # 10.005: a tie, up
        ("option", "lacquer", "0.13", "3", "0.39"),      # 0.125: a tie, up (half-even: 0.12)
        ("option", "doors", "1.36", "3", "4.08"),
        ("option", "feet", "0.00", "3", "0.00"),         # listed although free
        ("value", "3", "1.00", "3", "3.00"),             # 3 x 0.3333 = 0.9999
        ("surcharge", "handling", "2.50", "3", "7.50"),
        ("surcharge", "per-board", "1.13", "3", "3.39"),  # 3 x 0.375 = 1.125 (half-even: 1.12)
        ("surcharge", "lacquer-care", "0.63", "3", "1.89"),  # 5 % of 12.50 = 0.625
        ("surcharge", "feet-discount", "-1.25", "3", "-3.75"),  # -10 % of 12.50
    ]
    assert result.configured_unit_price == Decimal("12.50")
    assert result.surcharges == Decimal("2.50") + Decimal("1.13") + Decimal("0.63") - \
        Decimal("1.25")
    assert result.unit_price == Decimal("15.51") and result.total == Decimal("46.53")
    assert result.currency == "EUR" and result.qty == 3
    assert "half up" in result.rounding and "2 decimal place(s)" in result.rounding
    assert [line.surcharge for line in result.surcharge_lines] == [
        "handling", "per-board", "lacquer-care", "feet-discount"]


def test_labels_details_and_sources(shelf):
    result = price(shelf, SHELF_LACQUERED)
    base, lacquer, *_ = result.lines
    assert base.label.text() == "Shelf" and lacquer.label.text("de") == "Oberfläche: Lack"
    value = next(line for line in result.lines if line.kind == "value")
    assert value.label.text() == "Boards: 3 pcs" and value.detail == "3 pcs × 0.3333"
    care = next(line for line in result.lines if line.surcharge == "lacquer-care")
    assert care.percent == 5 and care.detail == "5 % of 12.50 EUR"
    assert care.source is not None and care.source.file.endswith("shelf.yaml")
    assert lacquer.source is not None and lacquer.source.line == 13


def test_a_credit_rounds_away_from_zero(shelf):
    result = price(shelf, {"finish": "scratched", "extras": (), "boards": 0})
    assert rows(result) == [("base", None, "10.01", "1", "10.01"),
                            ("option", "scratched", "-5.01", "1", "-5.01"),
                            ("value", "0", "0.00", "1", "0.00"),
                            ("surcharge", "handling", "2.50", "1", "2.50"),
                            ("surcharge", "never", "99.00", "1", "99.00")]
    assert result.configured_unit_price == Decimal("5.00")


def test_yen_has_no_minor_unit(lamp):
    result = price(lamp, {"shade": "paper", "cable": ("long",)}, qty=2)
    assert rows(result) == [("base", None, "1000", "2", "2000"),
                            ("option", "paper", "99", "2", "198"),   # 98.5 up (half-even: 98)
                            ("option", "long", "51", "2", "102"),
                            ("surcharge", "service", "35", "2", "70")]  # 3 % of 1150 = 34.5
    assert str(result.total) == "2370" and "0 decimal place(s) (JPY" in result.rounding


@pytest.mark.parametrize(("currency", "places"), [("EUR", 2), ("JPY", 0), ("KRW", 0),
                                                  ("KWD", 3), ("BHD", 3), ("CLF", 4),
                                                  ("XYZ", 2), ("jpy", 0)])
def test_minor_units(currency, places):
    assert minor_units(currency) == places


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("0.005", "EUR", "0.01"), ("0.0049", "EUR", "0.00"), ("-0.005", "EUR", "-0.01"),
    ("-0.004", "EUR", "0.00"), ("2.5", "JPY", "3"), ("1.2345", "KWD", "1.235"),
    ("7", "EUR", "7.00"),
])
def test_round_money(amount, currency, expected):
    assert str(round_money(Decimal(amount), currency)) == expected


def test_half_up_differs_from_the_bankers_rule():
    # The examples above would pass with ROUND_HALF_EVEN too if they were not real ties.
    tie = Decimal("0.125")
    assert tie.quantize(Decimal("0.01"), ROUND_HALF_EVEN) != round_money(tie, "EUR")


def test_ebike_long_john():
    result = price(example("ebike"), LONGJOHN, qty=2)
    lines = {(line.module, line.option): line.unit_amount for line in result.lines
             if line.kind == "option"}
    assert lines[("frame", "longjohn")] == 2490 and lines[("tyres", "pick_up")] == 59
    assert [line.option for line in result.lines if line.module == "accessories"] == [
        "lights", "mudguards", "lock", "kickstand_dual", "rain_cover"]
    seats = next(line for line in result.lines if line.module == "child_seats")
    assert seats.unit_amount == 2 * 149
    # 2299 base + 2490 + 59 + 890 + 690 + 749 + 849 + 289 + 89 + (129 + 59 + 99 + 79 + 229)
    # + 298 child seats + 390 custom colour
    assert result.configured_unit_price == Decimal("9687.00")
    assert [(line.surcharge, str(line.unit_amount)) for line in result.surcharge_lines] == [
        ("cargo-freight", "149.00"),
        ("battery-transport", "28.80"),          # 0.02 x (900 + 540) Wh
        ("custom-paint-handling", "290.61"),     # 3 % of 9687.00
    ]
    assert result.unit_price == Decimal("10155.41")
    assert result.total == Decimal("20310.82")


def test_ebike_without_range_extender_prices_its_capacity_as_zero():
    result = price(example("ebike"), {**LONGJOHN, "range_extender": None, "colour": "anthracite"})
    transport = next(line for line in result.lines if line.surcharge == "battery-transport")
    assert transport.unit_amount == Decimal("18.00")  # 0.02 x 900 Wh; the default capacity 0
    assert "custom-paint-handling" not in {line.surcharge for line in result.lines}
    assert not any(line.module == "range_extender" for line in result.lines)


def test_to_dict_round_trips_through_json(shelf):
    data = json.loads(json.dumps(price(shelf, SHELF_LACQUERED, qty=3).to_dict()))
    assert data["total"] == "46.53" and data["unit_price"] == "15.51"
    assert data["configured_unit_price"] == "12.50" and data["surcharges"] == "3.01"
    assert data["configuration"] == {"finish": "lacquer", "extras": ["doors", "feet"],
                                     "boards": 3}
    care = data["lines"][7]
    assert care == {**care, "kind": "surcharge", "surcharge": "lacquer-care", "percent": "5",
                    "unit_amount": "0.63", "amount": "1.89", "qty": 3,
                    "label": {"en": "Lacquer care"}}
    assert data["lines"][4]["value"] == 3 and data["lines"][4]["module"] == "boards"


def test_default_configurations_of_the_examples_are_priced():
    for name in ("ebike", "workstation", "pump-skid"):
        catalog = example(name)
        with Session(catalog) as session:
            result = price(catalog, session.complete(), qty=4)
        assert result.total == sum(line.amount for line in result.lines)
        assert result.lines[0].unit_amount == catalog.base_price


# -- errors -----------------------------------------------------------------------------------
def test_a_surcharge_that_is_not_a_number_names_its_source(shelf):
    where = Position("made-up.yaml", 3, 5)
    bad = replace(shelf.surcharges[0], amount=Expression("bad", Const("x", "string"), where),
                  source=where)
    catalog = replace(shelf, surcharges=(bad, *shelf.surcharges[1:]))
    with pytest.raises(PriceError, match=r"^made-up\.yaml:3:5: surcharge 'handling': "
                                         r"'bad' is 'x', not a number$") as caught:
        price(catalog, SHELF_LACQUERED)
    assert caught.value.surcharge == "handling" and isinstance(caught.value, ValueError)


@pytest.mark.parametrize("qty", [0, -2, False])
def test_qty_must_be_positive(shelf, qty):
    with pytest.raises(ValueError, match="positive integer"):
        price(shelf, SHELF_LACQUERED, qty=qty)


# -- properties -------------------------------------------------------------------------------
@PROPERTIES
@given(case=bom_catalogs())
def test_n_products_cost_exactly_n_times_one(tmp_path_factory, case):
    text, values, n = case
    catalog = load_text(tmp_path_factory, text)
    one, many = price(catalog, values), price(catalog, values, qty=n)
    assert many.total == n * one.total
    assert many.unit_price == one.unit_price
    assert [line.unit_amount for line in many.lines] == [line.unit_amount for line in one.lines]


@PROPERTIES
@given(case=bom_catalogs())
def test_the_breakdown_adds_up_exactly(tmp_path_factory, case):
    text, values, n = case
    catalog = load_text(tmp_path_factory, text)
    result = price(catalog, values, qty=n)
    places = minor_units(catalog.currency)
    for line in result.lines:
        assert line.unit_amount.as_tuple().exponent == -places
        assert line.amount == line.unit_amount * n and line.qty == n
    assert result.total == sum(line.amount for line in result.lines)
    assert result.unit_price == sum(line.unit_amount for line in result.lines)
    assert result.configured_unit_price == sum(line.unit_amount for line in result.lines
                                               if line.kind != "surcharge")
    assert result.unit_price == result.configured_unit_price + result.surcharges
    assert result.total == result.unit_price * n
    for line in result.surcharge_lines:
        if line.percent is not None:
            exact = line.percent * result.configured_unit_price / 100
            assert line.unit_amount == round_money(exact, catalog.currency)
            assert abs(line.unit_amount - exact) <= Decimal(1).scaleb(-places) / 2


SEATS = """format: bto-catalog/1
id: bench
name: Bench
version: "1"
currency: EUR
base_price: 100
modules:
  - {id: seats, label: Seats, type: integer, min: 0, max: 3, unit: seats, unit_one: seat,
     unit_price: 10}
  - {id: legs, label: Legs, type: integer, min: 1, max: 4, unit: legs, unit_price: 1}
"""


def test_a_value_of_one_takes_the_unit_for_one(tmp_path_factory) -> None:
    from .test_bom import load_text

    catalog = load_text(tmp_path_factory, SEATS)
    seats, legs = catalog.module("seats"), catalog.module("legs")
    assert [seats.quantity_text(v) for v in (0, 1, 2)] == ["0 seats", "1 seat", "2 seats"]
    assert legs.quantity_text(1) == "1 legs"  # no unit_one: the unit as written
    lines = {line.module: line for line in price(catalog, {"seats": 1, "legs": 2}).lines
             if line.module}
    assert lines["seats"].detail == "1 seat × 10" and "Seats: 1 seat" in str(
        lines["seats"].label.text())
