"""The order-book ledger, on SQLite and on PostgreSQL (every test runs on both).

The product is tests/data/ledger/: a cart whose MOTOR comes from stock (2 free above safety
stock), from PO-1 (2 units, due Wednesday 2026-12-02) or from a 20-working-day purchase, built
in one 480-minute job on the plant's single assembly station (one full shift).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from configurator import load_catalog, load_plant, load_supply, quote
from configurator.catalog.model import Catalog
from configurator.kpi import kpi_report
from configurator.ledger import Ledger, LedgerError, schema
from configurator.plant import Plant
from configurator.quoting.calendar import WorkCalendar
from configurator.supply import Supply
from tests import ledger_db
from tests.strategies import ledger_operations

# The database fixtures: every test runs on SQLite and on PostgreSQL.
postgres_base, ledger_urls, ledger_url = (ledger_db.postgres_base, ledger_db.ledger_urls,
                                          ledger_db.ledger_url)
DATA = Path(__file__).resolve().parent / "data" / "ledger"
STANDARD = {"motor": "standard"}


@dataclasses.dataclass(frozen=True)
class World:
    catalog: Catalog
    plant: Plant
    supply: Supply

    def at(self, day: int, hour: int = 9) -> dt.datetime:
        """A moment in November/December 2026, plant time (day 23 is a Monday)."""
        base = dt.datetime(2026, 11, 1, hour, tzinfo=self.plant.zone)
        return base + dt.timedelta(days=day - 1)

    def quote(self, configuration: Any, at: dt.datetime, orders: Any = None) -> Any:
        return quote(self.catalog, configuration, plant=self.plant, supply=self.supply,
                     orders=orders, at=at)


@pytest.fixture(scope="module")
def world() -> World:
    catalog = load_catalog(DATA / "catalog.yaml")
    assert catalog.plant is not None and catalog.supply is not None
    return World(catalog, load_plant(catalog.plant), load_supply(catalog.supply))


@pytest.fixture
def ledger(ledger_url: str, world: World) -> Any:
    with Ledger.open(ledger_url, catalogs=[world.catalog], plants=[world.plant],
                     supplies=[world.supply]) as opened:
        yield opened


def place(ledger: Ledger, world: World, at: dt.datetime, configuration: Any = None,
          **options: Any) -> Any:
    return ledger.place(world.catalog, configuration or STANDARD, plant=world.plant,
                        supply=world.supply, at=at, **options)


def stock_of(detail: Any, part: str) -> Decimal:
    return sum((r.qty for r in detail.reservations if r.part == part and r.po is None),
               Decimal(0))


# --- placing -------------------------------------------------------------------------------

def test_place_reserves_what_the_plan_uses(ledger: Ledger, world: World) -> None:
    at = world.at(23)
    expected = world.quote(STANDARD, at)
    outcome = place(ledger, world, at, customer="Ada")
    assert outcome.ok and outcome.reason is None
    order = outcome.order.order
    assert (order.status, order.customer, order.segment) == ("confirmed", "Ada", "standard")
    assert order.promised == order.original_promised == expected.promised
    assert order.price == expected.price.total
    stock = {m.part: sum(a.qty for a in m.allocations if a.kind == "stock")
             for m in expected.materials}
    assert {r.part: r.qty for r in outcome.order.reservations} == stock
    slots = [s for s in expected.slots if s.end > s.start]
    assert [(b.work_centre, b.start, b.end) for b in outcome.order.bookings] == [
        (s.work_centre, s.start, s.end) for s in slots]
    assert {m.name for m in outcome.order.milestones} == {m.kind for m in expected.milestones}
    # JSON-ready: money as a string, dates ISO
    data = json.loads(json.dumps(outcome.to_dict()))
    assert data["order"]["price"] == str(expected.price.total)
    assert data["order"]["promised"] == expected.promised.isoformat()
    assert ledger.orders("confirmed")[0].id == order.id


def test_the_next_quote_sees_only_what_is_left(ledger: Ledger, world: World) -> None:
    at = world.at(23)
    for _ in range(2):
        assert place(ledger, world, at).ok
    book = ledger.order_book()
    assert book.reserved_stock("MOTOR") == 2
    alone, after = world.quote(STANDARD, at), world.quote(STANDARD, at, book)
    assert after.promised > alone.promised
    gate_parts = {a.kind for m in after.materials if m.part == "MOTOR" for a in m.allocations}
    assert "stock" not in gate_parts  # the 2 free motors are taken


def test_a_date_that_is_gone_refuses_the_order_and_says_why(ledger: Ledger,
                                                             world: World) -> None:
    at = world.at(23)
    first = place(ledger, world, at)
    second = place(ledger, world, at)
    promised = world.quote(STANDARD, at).promised  # what the customer was quoted earlier
    third = place(ledger, world, at, promised=promised, customer="late")
    assert not third.ok
    order = third.order.order
    assert order.status == "refused" and order.reason == third.reason
    assert third.reason is not None
    assert "the last 2 units of part MOTOR in stock are reserved for " \
        f"{first.order.order.id}, {second.order.order.id}" in third.reason
    assert third.earliest is not None and third.earliest > promised
    assert third.reason.endswith(f"earliest date now {third.earliest.isoformat()}")
    assert third.order.reservations == () and third.order.bookings == ()
    assert ledger.order_book().reserved_stock("MOTOR") == 2
    assert len(ledger.orders()) == 3  # nothing is lost


def test_a_configuration_that_breaks_a_rule_is_refused_not_raised(ledger: Ledger,
                                                                  world: World) -> None:
    outcome = place(ledger, world, world.at(23),
                    {"motor": "strong", "brake": "none_brake", "wheels": 4})
    assert not outcome.ok and outcome.reason is not None
    assert "strong-needs-disc" in outcome.reason
    assert outcome.order.order.status == "refused"
    assert ledger.order(outcome.order.order.id).order.configuration["motor"] == "strong"


def test_quote_then_confirm_and_a_confirmation_that_comes_too_late(ledger: Ledger,
                                                                   world: World) -> None:
    at = world.at(23)
    quoted = ledger.quote_order(world.catalog, STANDARD, plant=world.plant,
                                supply=world.supply, at=at)
    assert quoted.ok and quoted.order.order.status == "quoted"
    assert quoted.order.reservations == ()
    offered = quoted.order.order.promised
    # two other customers take the motors and the station first
    place(ledger, world, at)
    place(ledger, world, at)
    refused = ledger.confirm(quoted.order.order.id, at)
    assert not refused.ok and refused.order.order.status == "refused"
    assert refused.earliest is not None and offered is not None and refused.earliest > offered
    again = ledger.quote_order(world.catalog, STANDARD, plant=world.plant,
                               supply=world.supply, at=at)
    confirmed = ledger.confirm(again.order.order.id, at)
    assert confirmed.ok and confirmed.order.order.promised == again.order.order.promised
    with pytest.raises(LedgerError, match="only a quoted order"):
        ledger.confirm(again.order.order.id, at)


def test_order_ids_given_or_numbered(ledger: Ledger, world: World) -> None:
    assert place(ledger, world, world.at(23), order_id="WEB-1").order.order.id == "WEB-1"
    with pytest.raises(LedgerError, match="already exists"):
        place(ledger, world, world.at(23), order_id="WEB-1")
    numbered = [place(ledger, world, world.at(23)).order.order.id for _ in range(2)]
    assert len(set(numbered)) == 2 and "WEB-1" not in numbered


def test_bad_arguments_are_ledger_errors(ledger: Ledger, world: World) -> None:
    with pytest.raises(LedgerError, match="time zone"):
        place(ledger, world, dt.datetime(2026, 11, 23, 9))
    with pytest.raises(LedgerError, match="no order"):
        ledger.order("O-404")
    with pytest.raises(LedgerError, match="unknown status"):
        ledger.orders("lost")
    with pytest.raises(LedgerError, match="unknown milestone"):
        ledger.advance("O-1", "painted", world.at(23))
    with pytest.raises(LedgerError, match="purchase order PO-404"):
        ledger.delay("PO-404", dt.date(2027, 1, 4), world.at(23))


# --- cancel, advance, change ---------------------------------------------------------------

def test_cancel_releases_and_cannot_be_repeated(ledger: Ledger, world: World) -> None:
    at = world.at(23)
    order = place(ledger, world, at).order.order
    cancelled = ledger.cancel(order.id, at, "customer withdrew")
    assert cancelled.order.status == "cancelled"
    assert cancelled.order.reason == "customer withdrew"
    assert cancelled.reservations == () and cancelled.bookings == ()
    assert ledger.order_book().reserved_stock("MOTOR") == 0
    with pytest.raises(LedgerError, match="cancelled"):
        ledger.cancel(order.id, at)


def test_advance_moves_the_status_and_shipping_consumes_the_stock(ledger: Ledger,
                                                                  world: World) -> None:
    at = world.at(23)
    first = place(ledger, world, at).order.order
    started = ledger.advance(first.id, "assembly_start", world.at(23, 10))
    assert started.order.status == "in_assembly"
    assert [m.actual for m in started.milestones if m.name == "assembly_start"] == [
        world.at(23, 10)]
    before = world.quote(STANDARD, at, ledger.order_book())
    shipped = ledger.advance(first.id, "shipped", world.at(24, 17))
    assert shipped.order.status == "shipped" and shipped.reservations == ()
    # the motor left the shelf with the order: the next customer sees no more stock than
    # before it shipped
    after = world.quote(STANDARD, at, ledger.order_book())
    took = {m.part: sum(a.qty for a in m.allocations if a.kind == "stock")
            for m in after.materials}
    had = {m.part: sum(a.qty for a in m.allocations if a.kind == "stock")
           for m in before.materials}
    assert took["MOTOR"] == had["MOTOR"]
    assert ledger.events("consumed")[0].order == first.id
    delivered = ledger.advance(first.id, "delivered", world.at(25, 11))
    assert delivered.order.status == "delivered"
    with pytest.raises(LedgerError, match="delivered"):
        ledger.advance(first.id, "shipped", world.at(26))
    assert ledger.check() == ()


def test_change_after_confirmation_counts_as_a_customization_error(ledger: Ledger,
                                                                   world: World) -> None:
    at = world.at(23)
    a = place(ledger, world, at).order.order
    b = place(ledger, world, at).order.order
    place(ledger, world, at)
    changed = ledger.change(a.id, {"motor": "strong", "brake": "disc", "wheels": 4},
                            world.at(23, 11))
    assert changed.ok
    detail = changed.order
    assert detail.order.configuration["motor"] == "strong"
    assert detail.order.segment == "custom"
    assert stock_of(detail, "MOTOR") == 0  # its motor is free again
    # the strong motor is bought: the date moves later, a recorded change
    assert detail.order.promised is not None and a.promised is not None
    assert detail.order.promised > a.promised
    assert [c.cause for c in detail.changes] == ["configuration changed by the customer"]
    rejected = ledger.change(b.id, {"motor": "strong", "brake": "none_brake", "wheels": 4},
                             world.at(23, 11))
    assert not rejected.ok and rejected.reason and "strong-needs-disc" in rejected.reason
    assert ledger.order(b.id).order.configuration["motor"] == "standard"  # unchanged
    errors = ledger.customization()
    assert (errors.confirmed, errors.changed, errors.rejected) == (3, 1, 1)
    assert errors.rate == Decimal(2) / Decimal(3)
    assert json.loads(json.dumps(errors.to_dict()))["orders"] == sorted([a.id, b.id])


# --- supply and plant events ---------------------------------------------------------------

def _fill_stock_then_po(ledger: Ledger, world: World) -> list[Any]:
    """Four orders on Monday: two take the free motors, two the motors of PO-1."""
    return [place(ledger, world, world.at(23)).order for _ in range(4)]


def test_delay_moves_only_the_orders_on_that_po_and_escalates(ledger: Ledger,
                                                              world: World) -> None:
    orders = _fill_stock_then_po(ledger, world)
    on_po = [d.order.id for d in orders if any(r.po == "PO-1" for r in d.reservations)]
    assert len(on_po) == 2
    result = ledger.delay("PO-1", dt.date(2026, 12, 16), world.at(24), "ship lost a week")
    moved = {c.order: c for c in result.changes}
    assert set(moved) == set(on_po)
    calendar = WorkCalendar.of(world.plant)
    level = world.plant.service_levels["standard"]
    for detail in orders:
        now = ledger.order(detail.order.id)
        if detail.order.id not in moved:
            assert now.order.promised == detail.order.promised  # no churn
            continue
        change = moved[detail.order.id]
        assert (change.old, change.new) == (detail.order.promised, now.order.promised)
        assert change.new > change.old and change.cause == "ship lost a week"
        assert change.slip_days == calendar.working_days_between(change.old, change.new)
        assert change.escalated_to == (level.escalate_to if change.slip_days >
                                       (level.escalation_after_days or 0) else None)
        assert now.changes == (change,)
    assert ledger.changes() == tuple(sorted(result.changes, key=lambda c: c.id))
    assert ledger.events("delayed")[0].cause == "ship lost a week"
    assert ledger.check() == ()


def test_receive_turns_po_reservations_into_stock(ledger: Ledger, world: World) -> None:
    orders = _fill_stock_then_po(ledger, world)
    result = ledger.receive("PO-1", world.at(24))
    assert result.changes == ()  # arriving early breaks no promise
    book = ledger.order_book()
    assert book.reserved_on("PO-1") == 0 and book.reserved_stock("MOTOR") == 4
    for detail in orders:
        assert stock_of(ledger.order(detail.order.id), "MOTOR") == 1
    assert ledger.check() == ()
    with pytest.raises(LedgerError, match="PO-1"):
        ledger.receive("PO-1", world.at(24))  # it is closed now


def test_a_partial_receipt_keeps_the_rest_on_the_po(ledger: Ledger, world: World) -> None:
    _fill_stock_then_po(ledger, world)
    ledger.receive("PO-1", world.at(24), qty=1)
    book = ledger.order_book()
    assert book.reserved_stock("MOTOR") == 3 and book.reserved_on("PO-1") == 1
    assert ledger.check() == ()


def test_lead_time_changed_moves_orders_that_buy_the_part(ledger: Ledger,
                                                          world: World) -> None:
    strong = {"motor": "strong", "brake": "disc", "wheels": 4}
    bought = place(ledger, world, world.at(23), strong).order.order
    stocked = place(ledger, world, world.at(23)).order.order
    result = ledger.lead_time_changed("MOTOR-XL", 30, world.at(24))
    assert [c.order for c in result.changes] == [bought.id]
    assert result.changes[0].escalated_to is not None  # 15 more working days > 5
    assert ledger.order(stocked.id).order.promised == stocked.promised
    with pytest.raises(LedgerError, match="not in any supply file"):
        ledger.lead_time_changed("NOPE", 3, world.at(24))
    with pytest.raises(LedgerError, match="unknown supplier"):
        ledger.lead_time_changed("MOTOR", 3, world.at(24), supplier="nobody")


def test_capacity_lost_replans_the_order_in_that_time(ledger: Ledger, world: World) -> None:
    first = place(ledger, world, world.at(23)).order
    slot = first.bookings[0]
    result = ledger.capacity_lost("assembly", slot.start, slot.end, 1, world.at(23, 10),
                                  "station broken")
    assert [c.order for c in result.changes] == [first.order.id]
    moved = ledger.order(first.order.id)
    assert all(b.start >= slot.end for b in moved.bookings)
    assert ledger.check() == ()
    with pytest.raises(LedgerError, match="stations"):
        ledger.capacity_lost("assembly", slot.start, slot.end, 2, world.at(23, 10))


def test_repromise_without_an_event_changes_nothing(ledger: Ledger, world: World) -> None:
    orders = _fill_stock_then_po(ledger, world)
    ledger.cancel(orders[1].order.id, world.at(23, 10))
    result = ledger.repromise(world.at(25), "weekly check")
    assert result.changes == () and result.unplanned == ()
    assert set(result.kept) == {d.order.id for d in orders} - {orders[1].order.id}
    for detail in orders:
        if detail.order.id != orders[1].order.id:
            assert ledger.order(detail.order.id).order.promised == detail.order.promised


def test_an_order_of_an_unknown_catalog_is_reported_not_replanned(
        ledger_url: str, world: World) -> None:
    with Ledger.open(ledger_url) as first:
        placed = place(first, world, world.at(23)).order.order
    with Ledger.open(ledger_url) as bare:
        result = bare.repromise(world.at(24))
        assert result.unplanned and result.unplanned[0][0] == placed.id
        assert "catalog 'cart'" in result.unplanned[0][1]


# --- queries, KPI ---------------------------------------------------------------------------

def test_history_feeds_the_kpi_report(ledger: Ledger, world: World) -> None:
    orders = _fill_stock_then_po(ledger, world)
    ledger.cancel(orders[3].order.id, world.at(23, 12))
    first = orders[0].order
    assert first.promised is not None
    ledger.advance(first.id, "shipped", world.at(24, 17))
    ledger.advance(first.id, "delivered", dt.datetime.combine(
        first.promised + dt.timedelta(days=1), dt.time(10), world.plant.zone))
    records = ledger.history()
    assert [r.order for r in records] == [d.order.id for d in orders[:3]]
    assert records[0].delivered == first.promised + dt.timedelta(days=1)
    assert "motor=standard" in records[0].options and records[0].segment == "standard"
    report = kpi_report(records, calendar=WorkCalendar.of(world.plant))
    group = report.group()
    assert group is not None and group.to_dict()["delivered"] == 1


def test_events_are_recorded_in_order(ledger: Ledger, world: World) -> None:
    order = place(ledger, world, world.at(23)).order.order
    ledger.cancel(order.id, world.at(23, 10), "changed mind")
    kinds = [e.kind for e in ledger.events()]
    assert kinds == ["confirmed", "cancelled"]
    assert json.loads(json.dumps([e.to_dict() for e in ledger.events()]))[1]["cause"] == \
        "changed mind"


# --- opening, migrations ------------------------------------------------------------------

def test_bad_targets_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="directory"):
        Ledger.open(tmp_path)
    with pytest.raises(LedgerError, match="does not exist"):
        Ledger.open(tmp_path / "missing" / "orders.db")
    with pytest.raises(LedgerError, match="SQLite or PostgreSQL"):
        Ledger.open("mysql://localhost/orders")
    for bad in ("://orders", "postgresql+psycopg://me@host:port/db"):
        with pytest.raises(LedgerError, match="not a database URL"):
            Ledger.open(bad)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError, match="not a database"):
        Ledger.open(junk)
    with pytest.raises(LedgerError, match="cannot open|ledger"):
        Ledger.open("postgresql+psycopg://nobody@/x?host=/nonexistent-socket-dir&port=1")


def test_an_older_ledger_is_migrated(ledger_url: str, world: World) -> None:
    store_url = ledger_url if "://" in ledger_url else f"sqlite:///{ledger_url}"
    engine = sa.create_engine(store_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        schema.migrate(conn, upto=1)
        assert schema.current_version(conn) == 1
        assert "reason" not in {c["name"] for c in sa.inspect(conn).get_columns("orders")}
    engine.dispose()
    with Ledger.open(ledger_url, catalogs=[world.catalog]) as ledger:
        outcome = place(ledger, world, world.at(23), {"motor": "strong"},
                        promised=dt.date(2026, 11, 24))
        assert not outcome.ok and ledger.order(outcome.order.order.id).order.reason
    engine = sa.create_engine(store_url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        assert schema.current_version(conn) == schema.SCHEMA_VERSION
    engine.dispose()


def test_a_newer_ledger_is_refused(ledger_url: str) -> None:
    Ledger.open(ledger_url).close()
    store_url = ledger_url if "://" in ledger_url else f"sqlite:///{ledger_url}"
    engine = sa.create_engine(store_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(schema.schema_version.update().values(version=schema.SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(LedgerError, match="newer than this bto"):
        Ledger.open(ledger_url)


def test_sqlite_ledgers_use_wal(tmp_path: Path) -> None:
    Ledger.open(tmp_path / "orders.db").close()
    with sqlite3.connect(tmp_path / "orders.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- properties -----------------------------------------------------------------------------

@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(operations=ledger_operations())
def test_random_operations_never_overbook_and_promises_never_move_earlier(
        ledger_urls: Callable[[], str], world: World, operations: list[Any]) -> None:
    with Ledger.open(ledger_urls(), catalogs=[world.catalog], plants=[world.plant],
                     supplies=[world.supply]) as ledger:
        promised: dict[str, dt.date] = {}
        at = world.at(23)
        for step, (kind, arg) in enumerate(operations):
            at = world.at(23) + dt.timedelta(hours=step)
            if kind == "place":
                configuration, customer_date = arg
                outcome = place(ledger, world, at, configuration, promised=customer_date)
                assert outcome.ok or outcome.reason
                if outcome.ok:
                    assert customer_date is None or \
                        outcome.order.order.promised == customer_date
            elif kind == "cancel":
                open_orders = ledger.orders(("confirmed", "in_assembly"))
                if open_orders:
                    ledger.cancel(open_orders[arg % len(open_orders)].id, at)
            elif kind == "receive":
                if any(p.id == "PO-1" for p in _state(ledger, world).purchase_orders):
                    ledger.receive("PO-1", at, qty=arg)
            elif kind == "delay":
                ledger.delay("PO-1", dt.date(2026, 12, 2) + dt.timedelta(days=arg), at) \
                    if any(p.id == "PO-1" for p in _state(ledger, world).purchase_orders) \
                    else None
            assert ledger.check() == ()
            for order in ledger.orders(("confirmed", "in_assembly")):
                assert order.promised is not None
                if order.id in promised:
                    assert order.promised >= promised[order.id]
                promised[order.id] = order.promised
        for change in ledger.changes():
            assert change.new > change.old
        again = ledger.repromise(at, "nothing happened")
        assert again.changes == ()


def _state(ledger: Ledger, world: World) -> Supply:
    from configurator.ledger.state import effective_supply

    return effective_supply(world.supply, ledger.events())


# --- the files the orders were placed with ------------------------------------------------

def test_the_files_of_each_order_are_recorded_and_loaded_again(ledger_url: str, world: World,
                                                               tmp_path: Path) -> None:
    with Ledger.open(ledger_url) as first:
        placed = place(first, world, world.at(23)).order.order
        sources = first.sources()
    assert {(s.kind, s.id) for s in sources} == {("catalog", "cart"), ("plant", "werkstatt"),
                                                 ("supply", "cart-supply")}
    assert all(Path(s.path).is_absolute() and Path(s.path).is_file() for s in sources)
    assert json.loads(json.dumps([s.to_dict() for s in sources]))[0]["kind"] == "catalog"
    with Ledger.open(ledger_url) as bare:
        assert bare.load_sources() == ()
        assert bare.catalogs["cart"] == world.catalog
        result = bare.delay("PO-1", dt.date(2026, 12, 16), world.at(24))
        assert placed.id in result.repromise.checked and result.repromise.unplanned == ()


def test_a_recorded_file_that_is_gone_or_renamed_is_named(ledger_url: str, world: World,
                                                          tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(DATA, folder)
    catalog = load_catalog(folder / "catalog.yaml")
    assert catalog.plant is not None and catalog.supply is not None
    plant, supply = load_plant(catalog.plant), load_supply(catalog.supply)
    with Ledger.open(ledger_url) as ledger:
        ledger.place(catalog, STANDARD, plant=plant, supply=supply, at=world.at(23))
    text = (folder / "plant.yaml").read_text(encoding="utf-8")
    (folder / "plant.yaml").write_text(text.replace("id: werkstatt", "id: halle"),
                                       encoding="utf-8")
    with Ledger.open(ledger_url) as ledger, pytest.raises(LedgerError) as error:
        ledger.load_sources()
    assert str(folder / "plant.yaml") in str(error.value) and "'halle'" in str(error.value)
    (folder / "plant.yaml").unlink()
    with Ledger.open(ledger_url) as ledger, pytest.raises(LedgerError, match="gone"):
        ledger.load_sources()


def test_unknown_orders_and_purchase_orders_suggest_the_nearest(ledger: Ledger,
                                                                world: World) -> None:
    place(ledger, world, world.at(23), order_id="WEB-1001")
    with pytest.raises(LedgerError, match="no order WEB-1010; did you mean 'WEB-1001'"):
        ledger.order("WEB-1010")
    with pytest.raises(LedgerError, match="did you mean 'PO-1'"):
        ledger.receive("PO-11", world.at(24))
    with pytest.raises(LedgerError) as error:
        ledger.order("zzz")
    assert "did you mean" not in str(error.value)


def test_a_version_2_ledger_gets_the_sources_table(ledger_url: str, world: World) -> None:
    store_url = ledger_url if "://" in ledger_url else f"sqlite:///{ledger_url}"
    engine = sa.create_engine(store_url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        schema.migrate(conn, upto=2)
        assert not sa.inspect(conn).has_table("sources")
    engine.dispose()
    with Ledger.open(ledger_url) as ledger:
        assert ledger.sources() == ()
        place(ledger, world, world.at(23))
        assert len(ledger.sources()) == 3


def test_a_repromise_keeping_its_holdings_in_memory_equals_one_reading_them_each_time(
        tmp_path: Path, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def story(target: Path) -> tuple[Any, ...]:
        with Ledger.open(target, catalogs=[world.catalog], plants=[world.plant],
                         supplies=[world.supply]) as ledger:
            _fill_stock_then_po(ledger, world)
            place(ledger, world, world.at(23, 11), {"motor": "strong", "brake": "disc"})
            delayed = ledger.delay("PO-1", dt.date(2026, 12, 16), world.at(24), "late ship")
            lost = ledger.capacity_lost("assembly", world.at(25, 8), world.at(25, 17), 1,
                                        world.at(24, 12))
            return (delayed.changes, lost.changes, ledger.order_book(),
                    [ledger.order(o.id) for o in ledger.orders()])

    kept = story(tmp_path / "kept.db")
    original = Ledger._try

    def reading(self: Ledger, *args: Any, known: Any = None, **kwargs: Any) -> Any:
        return original(self, *args, **kwargs)  # the holdings read from the database

    monkeypatch.setattr(Ledger, "_try", reading)
    assert story(tmp_path / "read.db") == kept
    assert kept[0] and kept[1] is not None  # the delay moved promises


def test_a_library_change_of_one_module_keeps_the_rest_as_far_as_the_rules_allow(
        ledger: Ledger, world: World) -> None:
    placed = place(ledger, world, world.at(23), {"motor": "standard", "wheels": 6})
    changed = ledger.change(placed.order.order.id, {"motor": "strong"}, world.at(23, 10))
    assert changed.ok
    assert dict(changed.order.order.configuration) == {"motor": "strong", "brake": "disc",
                                                       "wheels": 6}
