"""Loading the catalog, plant and supply formats into immutable objects."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from configurator import LoadError, load_catalog, load_plant, load_supply, read_catalog
from configurator.catalog.model import WILDCARD
from configurator.values import FrozenMap, Label

from .conftest import GOOD, write


@pytest.fixture(scope="module")
def mini():
    return load_catalog(GOOD / "catalogs" / "mini.yaml")


def test_catalog_header(mini):
    assert mini.id == "mini-desk"
    assert mini.name.text("de") == "Stehpult"
    assert mini.name.text() == "Standing desk"
    assert mini.languages == ("en", "de")
    assert mini.currency == "EUR"
    assert mini.version == "1.0"


def test_money_is_read_exactly_from_the_text(mini):
    assert mini.base_price == Decimal("399.90")
    assert str(mini.base_price) == "399.90"
    frame = mini.module("frame")
    assert frame.option("single_motor").price == Decimal("249.5")
    assert mini.module("width_mm").unit_price == Decimal("0.1")


def test_modules_of_every_kind(mini):
    frame, top, extras, width = mini.modules
    assert (frame.kind, frame.required, frame.defaults) == ("single", True, ("manual",))
    assert frame.option("dual_motor").segment == "custom"
    assert (extras.kind, extras.min, extras.max, extras.required) == ("multi", 0, 2, False)
    assert (width.kind, list(width.values()), width.default_value) == (
        "integer", [1200, 1400, 1600, 1800, 2000], 1600)
    assert width.has_value(1400) and not width.has_value(1500)


def test_attributes_have_defaults(mini):
    assert mini.attributes["motorised"].default is False
    assert mini.attributes["load_kg"].default == Decimal(0)
    assert mini.attribute_value("frame", "manual", "max_load_kg") == Decimal(35)
    assert mini.attribute_value("extras", "drawer", "finish") == ""


def test_rules_keep_their_form_and_meaning(mini):
    kinds = {r.id: r.kind for r in mini.rules}
    assert kinds == {"load-limit": "constraint", "wide-needs-motor": "then",
                     "arm-needs-tray": "requires", "no-drawer-on-crank": "excludes"}
    excludes = next(r for r in mini.rules if r.kind == "excludes")
    assert excludes.then.text == "not extras.drawer"
    assert excludes.when is not None and excludes.when.text == "frame.manual"
    assert excludes.source.line > 1


def test_variant_tables_inline_and_csv(mini):
    inline, csv_table = mini.tables
    assert inline.rows[1] == ("single_motor", WILDCARD)
    assert csv_table.file.endswith("widths.csv")
    assert csv_table.rows == (("oak", WILDCARD), ("linoleum", 1200), ("linoleum", 1400),
                              ("linoleum", 1600))


def test_parts_bom_and_routing(mini):
    frame = mini.parts["FRAME-MOTOR"]
    assert frame.type == "made" and frame.routing[0].work_centre == "assembly"
    assert mini.parts["KIT-FIX"].type == "phantom"
    assert mini.bom[0].qty.constant == Decimal(1)
    assert mini.routing[0].minutes.text.strip() == "30 + 10 * count(selected in extras)"
    assert mini.routing[1].minutes.constant == Decimal(15)


def test_surcharges_and_tests(mini):
    amounts = {s.id: (s.amount.text if s.amount else None, s.percent) for s in mini.surcharges}
    assert amounts == {"wide": ("40", None), "per-mm": ("width_mm / 100", None),
                       "custom": (None, Decimal(5))}
    assert [t.expect for t in mini.tests] == ["valid", "valid", "rejected"]
    assert mini.tests[1].select == {"frame": "single_motor", "width_mm": 2000,
                                    "extras": ("monitor_arm", "cable_tray")}
    assert mini.tests[2].by == ("wide-needs-motor",)


def _walk(obj, seen):
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name != "ast":
                yield from _walk(getattr(obj, f.name), seen)
    elif isinstance(obj, (tuple, frozenset)):
        for item in obj:
            yield from _walk(item, seen)
    elif isinstance(obj, FrozenMap):
        for k, v in obj.items():
            yield from _walk(k, seen)
            yield from _walk(v, seen)


def test_a_loaded_catalog_is_deeply_immutable(mini):
    mutable = [o for o in _walk(mini, set()) if isinstance(o, (list, dict, set, bytearray))]
    assert mutable == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        mini.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        mini.parts["X"] = None  # type: ignore[index]
    assert hash(mini) == hash(load_catalog(GOOD / "catalogs" / "mini.yaml"))


def test_loading_in_threads_gives_equal_catalogs():
    results, errors = [], []

    def work():
        try:
            results.append(load_catalog(GOOD / "catalogs" / "mini.yaml"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 6
    assert all(r == results[0] for r in results)


def test_plant():
    plant = load_plant(GOOD / "rules" / "plant.yaml")
    assert plant.timezone == "Europe/Berlin" and plant.zone.key == "Europe/Berlin"
    assert plant.calendar.weekmask == (True,) * 5 + (False,) * 2
    assert plant.calendar.holidays.subdivision == "BY"
    assert plant.calendar.closures[0].end == dt.date(2027, 1, 1)
    early, night = plant.shifts
    assert (early.minutes, night.minutes) == (480, 480)
    assert plant.cutoffs[4] == dt.time(12) and plant.cutoffs[0] == dt.time(14)
    assert plant.default_carrier.id == "parcel"
    assert plant.carriers[0].days == frozenset(range(5))
    assert plant.carriers[1].days == frozenset({0, 2, 4})
    assert plant.work_centres["assembly"].capacity == 2
    assert plant.service_levels["standard"].escalation_after_days == 2
    assert plant.service_levels["custom"].confidence == Decimal("0.9")


def test_supply_from_yaml_and_csv():
    supply = load_supply(GOOD / "rules" / "supply.yaml")
    assert supply.as_of == dt.date(2026, 11, 20)
    assert supply.sourcing["LEG-MOTOR"].lead_time_days == Decimal(20)
    assert supply.sourcing["LEG-MOTOR"].moq == Decimal(10)
    assert supply.sourcing["TOP-OAK"].moq == Decimal(1)  # empty CSV cell: the default
    assert supply.sourcing["TOP-OAK"].source.line == 5
    assert supply.stock["LEG-CRANK"].available == Decimal(10)
    assert supply.purchase_orders[0].eta == dt.date(2026, 12, 3)
    assert "DRAWER" in supply.parts


def test_load_error_carries_every_problem(tmp_path: Path):
    path = write(tmp_path, "c.yaml", "format: bto-catalog/1\nid: x\nname: X\nversion: '1'\n"
                 "currency: euro\nmodules:\n  - {id: a, label: A, optons: []}\n")
    with pytest.raises(LoadError) as info:
        load_catalog(path)
    codes = sorted(p.code for p in info.value.problems)
    assert codes == ["S201", "S202", "S204"]
    assert "c.yaml:5:11: S204" in str(info.value)
    json.dumps([p.to_dict() for p in info.value.problems])


def test_reading_the_wrong_kind_of_file_says_so():
    catalog, problems = read_catalog(GOOD / "rules" / "plant.yaml")
    assert catalog is None
    assert [p.code for p in problems] == ["S200"]
    assert "plant file" in problems[0].message


def test_labels():
    label = Label((("en", "Frame"), ("de", "Rahmen")))
    assert label.text("fr") == "Frame" and label.text("de") == "Rahmen"
    assert label.to_dict() == {"en": "Frame", "de": "Rahmen"}
