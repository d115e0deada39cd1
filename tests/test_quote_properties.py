"""Properties of the promise on generated supply situations (tests/strategies.py):
more stock never makes the date later, more open orders never earlier, a later order never
earlier, and the promise is never earlier than the physically earliest date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_catalog, load_plant, load_supply
from configurator.orders import Booking, OrderBook
from configurator.quoting.atp import SupplyError
from configurator.quoting.quote import Quote, quote
from configurator.supply import PurchaseOrder, Sourcing, StockRecord, Supply
from configurator.values import FrozenMap

from .strategies import QUOTE_PARTS, supply_situations

DATA = Path(__file__).parent / "data" / "quote"
CATALOG = load_catalog(DATA / "catalog.yaml")
PLANT = load_plant(DATA / "plant.yaml")
BASE = load_supply(DATA / "supply.yaml")
# every part can be bought, so no situation runs out of supply
SOURCING = FrozenMap({**BASE.sourcing, "MOT-A": Sourcing("MOT-A", "acme", Decimal(5),
                                                          Decimal(2))})
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def supply_of(s: dict[str, Any], extra: dict[str, int] | None = None) -> Supply:
    stock = {p: Decimal(n) for p, n in s["stock"].items()}
    for part, n in (extra or {}).items():
        stock[part] = stock.get(part, Decimal(0)) + n
    return Supply(
        "generated", suppliers=BASE.suppliers, sourcing=SOURCING,
        stock=FrozenMap((p, StockRecord(p, n)) for p, n in stock.items()),
        purchase_orders=tuple(sorted((PurchaseOrder(i, "MOT-B", Decimal(q), eta)
                                      for i, q, eta in s["pos"]), key=lambda o: (o.eta, o.id))))


def book_of(s: dict[str, Any], more: int = 0) -> OrderBook:
    rows = list(s["bookings"])
    return OrderBook("generated", tuple(Booking(o, wc, a, b) for o, wc, a, b in rows[
        :len(rows) - more]))


def quote_of(s: dict[str, Any], *, supply: Supply | None = None, orders: OrderBook | None = None,
             at: dt.datetime | None = None) -> Quote:
    return quote(CATALOG, {"motor": s["motor"], "wheels": s["wheels"]}, plant=PLANT,
                 supply=supply or supply_of(s), orders=orders or book_of(s), at=at or s["at"],
                 qty=s["qty"])


@SETTINGS
@given(supply_situations(), st.sampled_from(QUOTE_PARTS), st.integers(1, 10))
def test_more_stock_never_makes_the_date_later(s: dict[str, Any], part: str, more: int) -> None:
    before = quote_of(s)
    after = quote_of(s, supply=supply_of(s, {part: more}))
    assert after.plan.delivered <= before.plan.delivered
    assert after.promised <= before.promised


@SETTINGS
@given(supply_situations(), st.integers(1, 6))
def test_more_open_orders_never_make_the_date_earlier(s: dict[str, Any], fewer: int) -> None:
    full = quote_of(s)
    less = quote_of(s, orders=book_of(s, more=fewer))
    assert less.plan.delivered <= full.plan.delivered
    assert less.promised <= full.promised


@SETTINGS
@given(supply_situations(), st.integers(1, 60 * 24 * 5))
def test_a_later_order_never_gets_an_earlier_date(s: dict[str, Any], minutes: int) -> None:
    first = quote_of(s)
    later = quote_of(s, at=s["at"] + dt.timedelta(minutes=minutes))
    assert later.plan.delivered >= first.plan.delivered
    assert later.promised >= first.promised


@SETTINGS
@given(supply_situations())
def test_never_earlier_than_physically_possible(s: dict[str, Any]) -> None:
    result = quote_of(s)
    plenty = {**s, "stock": dict.fromkeys(QUOTE_PARTS, 1000), "bookings": []}
    earliest = quote_of(plenty)
    assert earliest.plan.delivered <= result.plan.delivered <= result.promised
    assert all(m.at >= result.accepted for m in result.milestones if m.kind != "order_accepted")
    assert Decimal(0) <= result.confidence.probability <= 1


def test_generated_supply_covers_every_part() -> None:
    # the properties above never meet a SupplyError: every part has a sourcing record
    assert set(QUOTE_PARTS) <= set(SOURCING)
    assert issubclass(SupplyError, ValueError)


@SETTINGS
@given(supply_situations(), st.booleans())
def test_fastest_completion_is_never_later_than_the_default(s: dict[str, Any],
                                                            choose_wheels: bool) -> None:
    from configurator.quoting.fastest import fastest_configuration
    from configurator.session import Session

    supply = supply_of(s)
    with Session(CATALOG) as session:
        if choose_wheels:
            session.select("wheels", s["wheels"])
        default = session.complete("default")
        fastest = fastest_configuration(session, PLANT, supply, orders=book_of(s), at=s["at"],
                                        qty=s["qty"])
    if choose_wheels:
        assert fastest.values["wheels"] == s["wheels"]  # the user's choice is kept

    def delivered(values: Any) -> dt.date:
        return quote(CATALOG, values, plant=PLANT, supply=supply, orders=book_of(s),
                     at=s["at"], qty=s["qty"]).plan.delivered

    assert delivered(fastest) <= delivered(default)
