"""The configurator page's state: options with their state, reasons and deltas, the price and
quote of the completed configuration, conflicts with one-click repairs."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_catalog, load_orders, load_plant, load_supply
from configurator.choices import SelectionError
from configurator.page import PageState, page_state, selection_choices
from configurator.quoting.calendar import WorkCalendar
from configurator.quoting.quote import quote
from configurator.session import Session

from .conftest import DATA, ROOT

EBIKE = load_catalog(ROOT / "catalogs" / "ebike.yaml")
EBIKE_PLANT = load_plant(EBIKE.plant)  # type: ignore[arg-type]
EBIKE_SUPPLY = load_supply(EBIKE.supply)  # type: ignore[arg-type]
TRAILER = load_catalog(DATA / "quote" / "catalog.yaml")
PLANT = load_plant(DATA / "quote" / "plant.yaml")
SUPPLY = load_supply(DATA / "quote" / "supply.yaml")
ORDERS = load_orders(DATA / "quote" / "orders.yaml")
AT = dt.datetime(2026, 12, 2, 10, 0, tzinfo=PLANT.zone)
EBIKE_AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=EBIKE_PLANT.zone)
FILE_LINE = re.compile(r"\.yaml:\d+(:\d+)?$")


def ebike(selection: dict[str, Any], **kw: Any) -> PageState:
    return page_state(EBIKE, selection, plant=EBIKE_PLANT, supply=EBIKE_SUPPLY, at=EBIKE_AT,
                      **kw)


def trailer(selection: dict[str, Any], **kw: Any) -> PageState:
    return page_state(TRAILER, selection, plant=PLANT, supply=SUPPLY, at=AT, **kw)


def option(state: PageState, module: str, value: Any) -> Any:
    found = next(m for m in state.modules if m.id == module)
    return next(o for o in found.options if o.value == value)


# -- exact facts ---------------------------------------------------------------------------
def test_modules_in_catalog_order_with_labels_and_kinds() -> None:
    state = trailer({})
    assert [(m.id, m.label, m.kind) for m in state.modules] == [
        ("motor", "Motor", "single"), ("wheels", "Wheels", "integer")]
    assert [o.value for o in state.modules[1].options] == [2, 4]
    assert option(state, "motor", "po_motor").label == "Motor B (on order)"


def test_trailer_deltas_match_the_quotes_of_the_alternatives() -> None:
    state = trailer({})
    base = quote(TRAILER, {"motor": "stock_motor", "wheels": 2}, plant=PLANT, supply=SUPPLY,
                 at=AT)
    other = quote(TRAILER, {"motor": "po_motor", "wheels": 2}, plant=PLANT, supply=SUPPLY,
                  at=AT)
    assert state.quote is not None and state.quote.promised == base.promised
    assert state.quote.price.total == base.price.total == Decimal("1100.00")
    delta = option(state, "motor", "po_motor").delta
    assert delta is not None
    assert delta.price == Decimal(50)  # Motor B 150 instead of Motor A 100
    days = WorkCalendar.of(PLANT).working_days_between(base.promised, other.promised)
    assert delta.days == days
    assert delta.text == f"+EUR 50.00, {days:+d} wd"
    assert option(state, "motor", "stock_motor").delta is None  # the current one
    assert option(state, "motor", "stock_motor").in_configuration
    assert option(state, "motor", "stock_motor").state == "available"


def test_chosen_module_keeps_the_other_values_clickable() -> None:
    state = trailer({"motor": "po_motor"})
    assert option(state, "motor", "po_motor").state == "chosen"
    assert option(state, "motor", "stock_motor").state == "available"
    delta = option(state, "motor", "stock_motor").delta
    assert delta is not None and delta.price == Decimal(-50)
    assert delta.text.startswith("-EUR 50.00, ")


def test_order_book_changes_the_dates_not_the_prices() -> None:
    free = trailer({})
    booked = page_state(TRAILER, {}, plant=PLANT, supply=SUPPLY, orders=ORDERS, at=AT)
    assert free.quote is not None and booked.quote is not None
    assert booked.quote.promised >= free.quote.promised
    assert booked.quote.price.total == free.quote.price.total


def test_ebike_unavailable_options_name_the_rule_and_its_line() -> None:
    state = ebike({"frame": "longtail"}, deltas=False)
    motor = option(state, "motor", "hub_rear_50")
    assert motor.state == "unavailable" and motor.reason is not None
    assert [r.id for r in motor.reason.rules] == ["cargo-needs-mid-drive"]
    source = motor.reason.to_dict()["rules"][0]["source"]
    assert source.endswith("ebike.yaml:453:5")
    assert motor.reason.text.endswith(
        "(with your choice of Frame: Longtail cargo frame with integrated rear rack)")
    assert "mid-drive" in motor.reason.text and motor.reason.short == motor.reason.text


def test_the_short_reason_gives_the_rule_on_the_option_s_own_module() -> None:
    state = ebike({"frame": "longtail", "child_seats": 2}, deltas=False)
    size = option(state, "frame_size", "xs").reason
    assert size is not None and len(size.rules) == 2
    sizes = next(r for r in size.rules if r.kind == "table" or "size" in r.message)
    assert size.short.startswith(sizes.message) and "(and 1 more rule)" in size.short
    assert all(r.message in size.text for r in size.rules)
    assert "Child seats in the cargo area: 2 seats" in size.short
    # the other frames stay clickable: switching keeps every other choice valid
    assert option(state, "frame", "longjohn").state == "available"
    assert option(state, "frame", "longtail").state == "chosen"


def test_ebike_deltas_predict_the_next_page() -> None:
    state = ebike({"frame": "longtail"}, tradeoffs=False)
    ep8 = option(state, "motor", "mid_ep8")
    assert ep8.state == "available" and ep8.delta is not None
    after = ebike({"frame": "longtail", "motor": "mid_ep8"}, deltas=False, tradeoffs=False)
    assert state.quote is not None and after.quote is not None
    assert ep8.delta.price == after.quote.price.total - state.quote.price.total
    calendar = WorkCalendar.of(EBIKE_PLANT)
    assert ep8.delta.days == calendar.working_days_between(state.quote.promised,
                                                           after.quote.promised)


def test_multi_select_options_toggle() -> None:
    state = ebike({"frame": "longtail", "accessories": ["lock", "-lights"]}, deltas=["accessories"])
    assert option(state, "accessories", "lock").state == "chosen"
    assert option(state, "accessories", "lights").state == "excluded"
    assert state.configuration is not None
    assert "lock" in state.configuration["accessories"]  # type: ignore[operator]
    gps = option(state, "accessories", "gps_tracker")
    assert gps.delta is not None and gps.delta.price > 0  # adding costs money
    lock = option(state, "accessories", "lock")
    assert lock.delta is not None and lock.delta.price < 0  # dropping it saves
    assert option(state, "motor", "mid_ep8").delta is None  # not asked for


def test_quote_and_price_in_the_page() -> None:
    state = ebike({"frame": "longtail"}, deltas=False)
    data = state.to_dict()
    json.dumps(data)
    assert data["valid"] is True and data["problem"] is None
    assert data["price"]["total"] == str(state.quote.price.total)  # type: ignore[union-attr]
    moments = [dt.datetime.fromisoformat(m["at"]) for m in data["quote"]["milestones"]]
    assert len(moments) >= 3 and moments == sorted(moments)
    assert dt.date.fromisoformat(data["quote"]["promised"]) >= EBIKE_AT.date()
    assert data["quote"]["tradeoffs"], "trade-off hints are part of the page"
    assert Decimal(data["quote"]["confidence"]["probability"]) > 0
    assert data["configuration"]["accessories"] == {"exactly": ["lights", "mudguards"]}
    assert data["conflict"] is None and data["repairs"] == []


def test_conflict_offers_repairs_that_resolve_it() -> None:
    state = ebike({"frame": "longtail", "motor": "hub_rear_50"})
    assert not state.valid and state.quote is None and state.configuration is None
    assert [r.id for r in state.conflict_rules] == ["cargo-needs-mid-drive"]
    assert {str(c) for c in state.conflict_choices} == {"frame=longtail", "motor=hub_rear_50"}
    assert len(state.repairs) >= 2
    for repair in state.to_dict()["repairs"]:
        assert ebike(repair["selection"], deltas=False, tradeoffs=False).valid
    data = state.to_dict()
    json.dumps(data)
    assert data["conflict"]["rules"][0]["source"].endswith("ebike.yaml:453:5")


def test_supply_problem_is_a_message_not_an_exception() -> None:
    # two trailers need two motor A; the order book leaves one free and nothing else comes
    state = page_state(TRAILER, {}, plant=PLANT, supply=SUPPLY, orders=ORDERS, at=AT, qty=2)
    assert state.valid and state.quote is None
    assert state.problem is not None and "MOT-A" in state.problem
    assert state.to_dict()["quote"] is None


@pytest.mark.parametrize(("selection", "message", "hint"), [
    ({"motr": "po_motor"}, "unknown module 'motr'", "did you mean 'motor'?"),
    ({"motor": "po_motr"}, "unknown option 'po_motr'", "did you mean 'po_motor'?"),
    ({"wheels": 3}, "3 is not a value of module 'wheels'", None),
    ({"wheels": "two"}, "takes an integer", None),
    ({"motor": ["po_motor"]}, "takes one option", None),
])
def test_bad_selections_raise_with_suggestions(selection: dict[str, Any], message: str,
                                               hint: str | None) -> None:
    with pytest.raises(SelectionError) as info:
        trailer(selection)
    assert message in info.value.message
    if hint:
        assert info.value.suggestion == hint


def test_exactly_and_bad_multi_values() -> None:
    choices = selection_choices(EBIKE, {"accessories": {"exactly": ["lock"]}})
    assert [str(c) for c in choices][0] == "accessories=lock"
    assert len(choices) == len(EBIKE.module("accessories").options)
    for bad in ({"accessories": {"exactly": ["lok"]}}, {"accessories": {"all": []}},
                {"accessories": 3}):
        with pytest.raises(SelectionError):
            selection_choices(EBIKE, bad)


def test_time_needs_a_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        page_state(TRAILER, {}, plant=PLANT, supply=SUPPLY, at=dt.datetime(2026, 12, 2, 10))


def test_language() -> None:
    state = ebike({}, lang="de", deltas=False, tradeoffs=False)
    assert state.language == "de"
    assert next(m for m in state.modules if m.id == "frame").label == "Rahmen"
    assert ebike({}, lang="xx", deltas=False, tradeoffs=False).language == EBIKE.languages[0]


# -- properties ----------------------------------------------------------------------------
@st.composite
def clicked_selections(draw: st.DrawFn) -> dict[str, Any]:
    """A selection reached by clicking available options, as a person on the page would."""
    selection: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 5))):
        state = ebike(selection, deltas=False, tradeoffs=False)
        clickable = [(m, o) for m in state.modules for o in m.options
                     if o.state == "available" and not (m.kind == "multi" and o.forced)]
        if not clickable:
            break
        module, picked = draw(st.sampled_from(clickable))
        if module.kind == "multi":
            items = [i for i in selection.get(module.id, []) if i.lstrip("-") != picked.value]
            items.append(f"-{picked.value}" if picked.in_configuration else picked.value)
            selection[module.id] = items
        else:
            selection[module.id] = picked.value
    return selection


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clicked_selections())
def test_no_dead_ends_and_every_unavailable_option_has_a_located_reason(
        selection: dict[str, Any]) -> None:
    state = ebike(selection, deltas=False, tradeoffs=False)
    assert state.valid, "clicking available options never leads to a conflict"
    with Session(EBIKE) as session:
        for module in state.modules:
            own = [c for c in selection_choices(EBIKE, selection) if c.module != module.id
                   or module.kind == "multi"]
            for shown in module.options:
                if shown.state == "available" and not (module.kind == "multi"
                                                       and shown.forced):
                    session.clear()
                    session.select_all(own)
                    if module.kind == "multi":
                        if shown.in_configuration:
                            session.exclude(module.id, str(shown.value))
                        else:
                            session.select(module.id, shown.value)
                    else:
                        session.select(module.id, shown.value)
                    assert session.consistent(), (module.id, shown.value)
                elif shown.state == "unavailable":
                    assert shown.reason is not None and shown.reason.rules
                    assert all(r.source is not None and FILE_LINE.search(str(r.source))
                               for r in shown.reason.rules)
