"""Golden quotes: dates computed by hand for stock, purchase-order, supplier and
capacity-bound cases (tests/data/quote: one 08:00-16:00 shift Mon-Fri, cut-off 14:00, no public
holidays, winter closure 24-31 Dec 2026; December 2026 starts on a Tuesday)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from configurator import load_catalog, load_orders, load_plant, load_supply
from configurator.quoting.atp import SupplyError
from configurator.quoting.quote import InvalidConfiguration, quote

DATA = Path(__file__).parent / "data" / "quote"
CATALOG = load_catalog(DATA / "catalog.yaml")
PLANT = load_plant(DATA / "plant.yaml")
SUPPLY = load_supply(DATA / "supply.yaml")
ORDERS = load_orders(DATA / "orders.yaml")
BERLIN = PLANT.zone


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def q(motor: str = "stock_motor", wheels: int = 2, when: dt.datetime | None = None, **kw):  # type: ignore[no-untyped-def]
    return quote(CATALOG, {"motor": motor, "wheels": wheels}, plant=PLANT, supply=SUPPLY,
                 at=when or at(2, 10), **kw)


def milestone(result, kind: str) -> dt.datetime:  # type: ignore[no-untyped-def]
    return next(m.at for m in result.milestones if m.kind == kind)


def test_from_stock() -> None:
    # Wed 2 Dec 10:00, before the 14:00 cut-off: accepted at once. Motor A from stock.
    # Assembly 10:00-14:00, the zero-minute test at 14:00, ready 14:00, parcel pick-up 16:00
    # the same day, two transit days: Fri 4 Dec.
    result = q()
    assert result.accepted == at(2, 10)
    assert milestone(result, "assembly_start") == at(2, 10)
    assert milestone(result, "ready_to_ship") == at(2, 14)
    assert milestone(result, "shipped") == at(2, 16)
    assert result.plan.delivered == dt.date(2026, 12, 4)
    assert result.promised == dt.date(2026, 12, 4)
    assert result.gate.kind == "work"
    motor = next(m for m in result.materials if m.part == "MOT-A")
    assert [a.kind for a in motor.allocations] == ["stock"]


def test_from_purchase_order() -> None:
    # Motor B only on PO-4711, ETA Mon 7 Dec: usable at the 08:00 shift start, assembly
    # 08:00-12:00, pick-up 16:00, delivered Wed 9 Dec. The PO gates the date.
    result = q("po_motor")
    assert milestone(result, "assembly_start") == at(7, 8)
    assert result.plan.delivered == dt.date(2026, 12, 9)
    assert result.gate.kind == "part" and result.gate.ref == "MOT-B"
    assert "PO PO-4711" in result.gate.text
    ready = next(m for m in result.milestones if m.kind == "material_ready" and m.part == "MOT-B")
    assert ready.source == "PO PO-4711" and ready.at == at(7, 8)


def test_from_supplier_lead_time() -> None:
    # Motor C is bought: 2 response + 10 lead = 12 working days after Wed 2 Dec: Fri 18 Dec.
    # Assembly Fri 08:00-12:00, pick-up 16:00, two transit days: Tue 22 Dec.
    result = q("buy_motor")
    line = next(m for m in result.materials if m.part == "MOT-C")
    assert line.day == dt.date(2026, 12, 18)
    assert line.allocations[0].ordered_qty == 5  # the MOQ
    assert result.plan.delivered == dt.date(2026, 12, 22)
    assert result.gate.ref == "MOT-C" and "ACME Motors" in result.gate.text
    # the lead time spreads 3 days: the promise for the custom segment's 80% lies later
    assert result.segment == "custom"
    assert result.confidence.target == Decimal("0.8")
    assert result.promised > result.plan.delivered
    assert result.confidence.probability >= Decimal("0.8")
    assert result.confidence.planned_probability < Decimal("0.8")


def test_capacity_bound_and_work_ending_at_shift_end() -> None:
    # The order book holds the one assembly station Wed 08:00 - Thu 12:00. Assembly runs Thu
    # 12:00-16:00, ending exactly at shift end; the 16:00 pick-up that day still takes it
    # (a pick-up at the ready time counts). Thu + 2 transit days: Mon 7 Dec.
    result = q(orders=ORDERS)
    assert milestone(result, "assembly_start") == at(3, 12)
    assert milestone(result, "assembly_end") == at(3, 16)
    assert milestone(result, "shipped") == at(3, 16)
    assert result.plan.delivered == dt.date(2026, 12, 7)
    assert result.gate.kind == "capacity" and result.gate.ref == "assembly"


def test_reserved_stock_is_not_promised_twice() -> None:
    # 3 on hand, 1 safety stock, 1 reserved by SO-1: one motor A is free. Two trailers need
    # two; there is no other supply of motor A, so the quote says what is missing.
    assert q(orders=ORDERS).materials[0].allocations[0].kind == "stock"
    with pytest.raises(SupplyError, match="MOT-A"):
        q(orders=ORDERS, qty=2)


def test_cut_off() -> None:
    # Wed 14:01 is after the cut-off: accepted Thu 08:00, assembled 08:00-12:00, picked up
    # Thu 16:00, delivered Mon 7 Dec. At 13:59 the order is accepted on Wednesday and work
    # starts at once: 121 minutes on Wednesday, 119 on Thursday, ready Thu 09:59.
    late = q(when=at(2, 14, 1))
    assert late.accepted == at(3, 8)
    assert milestone(late, "ready_to_ship") == at(3, 12)
    assert late.plan.delivered == dt.date(2026, 12, 7)
    early = q(when=at(2, 13, 59))
    assert early.accepted == at(2, 13, 59)
    assert milestone(early, "ready_to_ship") == at(3, 9, 59)
    # on a Saturday the order is accepted Monday at the shift start
    assert q(when=at(5, 9)).accepted == at(7, 8)


def test_quantity_competes_for_stock_and_purchase_orders() -> None:
    # Four wheels per trailer x 3 trailers = 12 wheels: 36 free in stock. Two motors B from
    # PO-4711 (4 on order): both ready Mon 7 Dec. Assembly of three units back to back on one
    # station, 4 h each: Mon 08-12, 12-16, Tue 08-12. Pick-up Tue 16:00, delivered Thu 10 Dec.
    result = q("po_motor", wheels=4, qty=3)
    wheels = next(m for m in result.materials if m.part == "WHEEL")
    assert wheels.qty == 12 and wheels.allocations[0].kind == "stock"
    assert milestone(result, "assembly_end") == at(8, 12)
    assert result.plan.delivered == dt.date(2026, 12, 10)
    # five motors B: four from the PO, the fifth bought (20 + 2 working days after Wed 2 Dec
    # is Fri 1 Jan ... but 24-31 Dec is closed: the supplier's days count on the plant
    # calendar, so Mon 11 Jan 2027)
    five = q("po_motor", qty=5)
    motor = next(m for m in five.materials if m.part == "MOT-B")
    assert [a.kind for a in motor.allocations] == ["po", "purchase"]
    assert motor.day == dt.date(2027, 1, 11)


def test_service_level_flag_and_tradeoffs() -> None:
    result = q("buy_motor", tradeoffs=True)
    assert not result.service.ok and "BREAKS" in result.service.text
    faster = [t for t in result.tradeoffs if t.kind == "option" and t.module == "motor"]
    by_value = {t.value: t for t in faster}
    # stock motor: delivered Fri 4 Dec instead of Tue 22 Dec: 12 working days earlier
    assert by_value["stock_motor"].days == 12
    assert by_value["stock_motor"].price_delta == Decimal(-20)
    assert "12 working days earlier" in by_value["stock_motor"].text
    carriers = {t.value: t for t in result.tradeoffs if t.kind == "carrier"}
    assert carriers["express"].days == 1  # one transit day instead of two


def test_invalid_or_malformed_configuration() -> None:
    with pytest.raises(ValueError, match="did you mean 'wheels'"):
        quote(CATALOG, {"motor": "stock_motor", "wheel": 2}, plant=PLANT, supply=SUPPLY,
              at=at(2, 10))
    with pytest.raises(ValueError, match="time zone"):
        q(when=dt.datetime(2026, 12, 2, 10))
    assert issubclass(InvalidConfiguration, ValueError)


def test_to_dict_is_json() -> None:
    data = json.loads(json.dumps(q("buy_motor", tradeoffs=True).to_dict()))
    assert data["promised"] >= "2026-12-22"
    assert data["price"]["total"] == "1120.00"
    assert data["gate"]["ref"] == "MOT-C"
    assert [m["kind"] for m in data["milestones"]][0] == "order_accepted"


def test_reproducible() -> None:
    a, b = q("buy_motor"), q("buy_motor")
    assert a.confidence == b.confidence
    assert q("buy_motor", seed=1).confidence.seed == 1


def test_fastest_completion_of_the_pump_skid() -> None:
    # The default pump skid waits for the IE3 15 kW motor on PO-4711 (delivered Wed 9 Dec);
    # the fastest completion picks the 7.5 kW motor instead, and then the frame profile on
    # PO-4714 gates: delivered Fri 4 Dec.
    from configurator.quoting.fastest import fastest_configuration
    from configurator.session import Session

    root = Path(__file__).resolve().parent.parent
    catalog = load_catalog(root / "catalogs" / "pump-skid.yaml")
    plant, supply = load_plant(catalog.plant), load_supply(catalog.supply)
    when = dt.datetime(2026, 11, 25, 10, tzinfo=plant.zone)
    with Session(catalog) as session:
        default = session.complete("default")
        fastest = fastest_configuration(session, plant, supply, at=when)
    assert fastest.objective == "fastest"
    assert default.values["motor"] == "m15" and fastest.values["motor"] == "m7_5"

    def planned(configuration):  # type: ignore[no-untyped-def]
        return quote(catalog, configuration, plant=plant, supply=supply, at=when).plan.delivered

    assert planned(default) == dt.date(2026, 12, 9)
    assert planned(fastest) == dt.date(2026, 12, 4)


def test_session_complete_fastest_uses_the_catalogs_plant_and_supply() -> None:
    from configurator.session import SelectionError, Session

    root = Path(__file__).resolve().parent.parent
    catalog = load_catalog(root / "catalogs" / "pump-skid.yaml")
    with Session(catalog) as session:
        session.select("motor", "m15")
        configuration = session.complete("fastest")
    assert configuration.objective == "fastest"
    assert configuration.values["motor"] == "m15" and "motor" in configuration.chosen
    bare = load_catalog(root / "tests" / "data" / "quote" / "catalog.yaml")
    assert bare.plant is not None
    import dataclasses

    with Session(dataclasses.replace(bare, plant=None)) as session, \
            pytest.raises(SelectionError, match="plant"):
        session.complete("fastest")


def test_requested_date_repair_gives_up_the_fewest_choices() -> None:
    # The customer chose motor C (bought, Tue 22 Dec) and 4 wheels, and asks for Thu 10 Dec.
    # Keeping the wheels (the later choice) and giving up motor C meets it: motor A from
    # stock, delivered Fri 4 Dec.
    from configurator.session import Session

    with Session(CATALOG) as session:
        session.select("motor", "buy_motor")
        session.select("wheels", 4)
        configuration = session.complete("default")
    result = quote(CATALOG, configuration, plant=PLANT, supply=SUPPLY, at=at(2, 10),
                   requested=dt.date(2026, 12, 10))
    check = result.requested
    assert check is not None and not check.met
    assert check.probability == 0
    assert [str(c) for c in check.repair.give_up] == ["motor=buy_motor"]
    assert check.repair.configuration.values["wheels"] == 4
    assert check.repair.delivered == dt.date(2026, 12, 4)
    assert "give up motor=buy_motor" in check.text
    # a date that can be met needs no repair
    easy = quote(CATALOG, configuration, plant=PLANT, supply=SUPPLY, at=at(2, 10),
                 requested=dt.date(2027, 2, 1))
    assert easy.requested is not None and easy.requested.met and easy.requested.repair is None


def test_a_partial_selection_is_completed_first() -> None:
    result = quote(CATALOG, {"motor": "buy_motor"}, plant=PLANT, supply=SUPPLY, at=at(2, 10),
                   requested=dt.date(2026, 12, 10))
    assert result.configuration["wheels"] == 2  # the catalog default
    assert result.requested is not None and result.requested.repair is not None
    fastest = quote(CATALOG, {}, plant=PLANT, supply=SUPPLY, at=at(2, 10), objective="fastest")
    assert fastest.configuration["motor"] == "stock_motor"
    with pytest.raises(ValueError, match="not a value of module 'wheels'"):
        quote(CATALOG, {"motor": "buy_motor", "wheels": 3}, plant=PLANT, supply=SUPPLY,
              at=at(2, 10))


def test_configurations_that_break_rules_are_refused() -> None:
    from configurator.session import Session

    root = Path(__file__).resolve().parent.parent
    ebike = load_catalog(root / "catalogs" / "ebike.yaml")
    plant, supply = load_plant(ebike.plant), load_supply(ebike.supply)
    with Session(ebike) as session:
        values = dict(session.complete("default").values)
    values["frame"] = "longjohn"  # a cargo frame with the city bike's wheels and motor
    with pytest.raises(InvalidConfiguration) as raised:
        quote(ebike, values, plant=plant, supply=supply, at=at(2, 10))
    assert raised.value.rules and all("ebike.yaml:" in r for r in raised.value.rules)
    with pytest.raises(InvalidConfiguration):
        quote(ebike, {"frame": "longjohn", "motor": "hub_front_40"}, plant=plant,
              supply=supply, at=at(2, 10))


def test_tradeoffs_adjust_other_modules_but_keep_the_customers_choices() -> None:
    # A long-john with the Shimano EP8 waits for the frame from the supplier. Other frames
    # need other wheels (the rules say so): they are offered with the wheels adjusted, and
    # the motor the customer chose stays.
    from configurator.session import Session

    root = Path(__file__).resolve().parent.parent
    ebike = load_catalog(root / "catalogs" / "ebike.yaml")
    plant, supply = load_plant(ebike.plant), load_supply(ebike.supply)
    with Session(ebike) as session:
        session.select("frame", "longjohn")
        session.select("motor", "mid_ep8")
        configuration = session.complete("default")
    result = quote(ebike, configuration, plant=plant, supply=supply,
                   at=dt.datetime(2026, 11, 25, 10, tzinfo=plant.zone), tradeoffs=True)
    frames = {t.value: t for t in result.tradeoffs if t.module == "frame"}
    assert frames["longtail"].days > 0 and "wheels" in frames["longtail"].also
    assert all("motor" not in t.also and "frame" not in t.also for t in result.tradeoffs)
    assert all(t.days != 0 or t.price_delta != 0 for t in result.tradeoffs)


def test_shipping_rules_choose_the_carrier() -> None:
    # The e-bike catalog ships cargo bikes by pallet freight or for collection only.
    from configurator.quoting.shipping import carriers_for

    root = Path(__file__).resolve().parent.parent
    ebike = load_catalog(root / "catalogs" / "ebike.yaml")
    plant, supply = load_plant(ebike.plant), load_supply(ebike.supply)
    when = dt.datetime(2026, 11, 25, 10, tzinfo=plant.zone)
    cargo = quote(ebike, {"frame": "longtail"}, plant=plant, supply=supply, at=when,
                  tradeoffs=True)
    assert cargo.carrier.id == "dachser-pallet"
    assert {t.value for t in cargo.tradeoffs if t.kind == "carrier"} <= {"collect"}
    city = quote(ebike, {"frame": "trapeze"}, plant=plant, supply=supply, at=when)
    assert city.carrier.id == plant.default_carrier.id == "dpd-bike"
    allowed, rule = carriers_for(ebike, city.configuration, plant)
    assert rule is None and len(allowed) == len(plant.carriers)
    with pytest.raises(ValueError, match="may not ship"):
        quote(ebike, {"frame": "longtail"}, plant=plant, supply=supply, at=when,
              carrier="dpd-bike")


def test_a_busy_stretch_ending_between_microseconds_is_passed() -> None:
    # Busy profiles are float seconds; an end that rounds back onto the candidate start must
    # not trap slot insertion (found by the simulator).
    from configurator.quoting.calendar import WorkCalendar
    from configurator.quoting.capacity import Scheduler
    from configurator.quoting.providers import BusyProfile

    start = at(2, 8)
    end = at(2, 9).timestamp() + 0.4e-6  # rounds to 09:00:00.000000 as a datetime

    class Busy:
        def capacity(self, work_centre: str) -> int:
            return 1

        def spread(self, work_centre: str) -> Decimal:
            return Decimal(0)

        def busy(self, work_centre: str) -> BusyProfile:
            return BusyProfile.of(1, [(start.timestamp(), end)])

    begin, finish = Scheduler(WorkCalendar.of(PLANT), Busy()).place("assembly", at(2, 9),
                                                                     Decimal(30))
    assert begin.timestamp() >= end and finish - begin == dt.timedelta(minutes=30)


def test_a_calibrated_buffer_sets_the_promise() -> None:
    # Plan: Tue 22 Dec; 6 working days later, over the 24-31 Dec closure: Thu 7 Jan 2027.
    result = q("buy_motor", buffer_days={"custom": 6, "standard": 2})
    assert result.plan.delivered == dt.date(2026, 12, 22)
    assert result.promised == dt.date(2027, 1, 7)
    assert result.confidence.buffer_days == 6
    assert result.confidence.probability > result.confidence.planned_probability
    assert "calibrated buffer of 6" in result.to_dict()["confidence"]["method"]
    stocked = q(buffer_days={"standard": 0})
    assert stocked.promised == stocked.plan.delivered
