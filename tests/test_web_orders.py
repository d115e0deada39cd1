"""Ordering from the web configurator into the order-book ledger: `POST
/api/catalogs/{id}/orders`, quotes that see what the ledger holds, hostile input, a server
without a ledger, and `bto serve --ledger` (also with --workers).

The product is tests/data/ledger/: a cart whose MOTOR comes from stock (2 free above safety
stock), from PO-1 (2 units, due 2026-12-02) or from a 20-working-day purchase, built in one
full shift on the plant's single assembly station. Ordering 2 carts takes the last stock.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_catalog, load_plant, load_supply, quote
from configurator._cli_serve import serve_command
from configurator.ledger import Ledger
from configurator.web import MAX_TEXT, SERVE_ENV, app_from_environment, create_app, openapi
from tests import ledger_db

from .conftest import DATA

with warnings.catch_warnings():  # starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

postgres_base, ledger_urls, ledger_url = (ledger_db.postgres_base, ledger_db.ledger_urls,
                                          ledger_db.ledger_url)
CART = DATA / "ledger" / "catalog.yaml"
TRAILER = DATA / "quote" / "catalog.yaml"
#: A Wednesday, plant time: before PO-1 arrives.
AT = "2026-11-25T10:00"
ORDERS = "/api/catalogs/cart/orders"


def client_for(target: str | Path) -> TestClient:
    return TestClient(create_app([CART], ledger=target), raise_server_exceptions=False)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield client_for(tmp_path / "ledger.db")


def promised(client: TestClient, qty: int = 1, **selection: Any) -> str:
    """The date the page shows for ``qty`` carts of ``selection`` ordered at :data:`AT`."""
    response = client.post("/api/catalogs/cart/page", json={
        "selection": selection, "at": AT, "qty": qty, "deltas": False, "tradeoffs": False})
    assert response.status_code == 200, response.text
    day: str = response.json()["quote"]["promised"]
    return day


def order(client: TestClient, day: str, qty: int = 1, customer: str = "Ada Lovelace",
          **selection: Any) -> Any:
    return client.post(ORDERS, json={"selection": selection, "at": AT, "qty": qty,
                                     "customer": customer, "promised": day})


def opened(target: str | Path) -> Ledger:
    catalog = load_catalog(CART)
    assert catalog.plant and catalog.supply
    return Ledger.open(target, catalogs=[catalog], plants=[load_plant(catalog.plant)],
                       supplies=[load_supply(catalog.supply)])


# -- placing and refusing ------------------------------------------------------------------
def test_an_order_reserves_and_the_next_quote_sees_it(ledger_url: str) -> None:
    client = client_for(ledger_url)
    before = promised(client, qty=2)
    response = order(client, before, qty=2, customer="Ada Lovelace")
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    placed = response.json()
    assert placed["ok"] is True and placed["reason"] is None
    data = placed["order"]
    assert data["status"] == "confirmed" and data["customer"] == "Ada Lovelace"
    assert data["promised"] == before and data["qty"] == 2
    # the price and milestones the page showed for the same order
    page = client.post("/api/catalogs/cart/page", json={"at": AT, "qty": 2}).json()
    assert data["price"] == page["price"]["total"] and data["currency"] == "EUR"
    names = [m["name"] for m in data["milestones"]]
    assert names[0] == "order_accepted" and names[-1] == "delivered"
    assert "reservations" not in data and "bookings" not in data  # the shop's business

    with opened(ledger_url) as ledger:
        held = ledger.order(data["id"])
        assert held.order.status == "confirmed" and str(held.order.promised) == before
        assert sum(r.qty for r in held.reservations if r.part == "MOTOR" and r.po is None) == 2
        # the next page's quote is the library's quote against what the ledger holds
        catalog = load_catalog(CART)
        assert catalog.plant and catalog.supply
        plant = load_plant(catalog.plant)
        expected = quote(catalog, {}, plant=plant, supply=load_supply(catalog.supply),
                         orders=ledger.order_book(), at=dt.datetime.fromisoformat(AT)
                         .replace(tzinfo=plant.zone), qty=2)
    after = promised(client, qty=2)
    assert after == expected.promised.isoformat()
    assert after > before  # the stock was the last: the next carts wait for the PO

    # a customer still holding the date that is gone is refused, with the reason
    refused = order(client, before, qty=2, customer="Bob")
    assert refused.status_code == 409, refused.text
    answer = refused.json()
    assert answer["ok"] is False and answer["order"]["status"] == "refused"
    assert "MOTOR" in answer["reason"] and answer["reason"] in answer["error"]
    assert answer["earliest"] == after and after in answer["suggestion"]
    with opened(ledger_url) as ledger:
        assert [o.id for o in ledger.orders("confirmed")] == [data["id"]]
        assert not ledger.order(answer["order"]["id"]).reservations
    assert promised(client, qty=2) == after  # a refusal holds nothing

    # the new date, accepted, is confirmed
    again = order(client, after, qty=2, customer="Bob")
    assert again.status_code == 201 and again.json()["order"]["promised"] == after


def test_a_later_date_the_customer_accepts_is_kept(client: TestClient) -> None:
    day = dt.date.fromisoformat(promised(client)) + dt.timedelta(days=30)
    response = order(client, day.isoformat())
    assert response.status_code == 201
    assert response.json()["order"]["promised"] == day.isoformat()


def test_quotes_see_orders_and_supply_events_of_other_processes(tmp_path: Path) -> None:
    target = tmp_path / "ledger.db"
    client = client_for(target)
    alone = promised(client, qty=2)
    with opened(target) as other:  # another process, e.g. `bto order place`
        catalog = other.catalogs["cart"]
        at = dt.datetime.fromisoformat(AT).replace(tzinfo=other.plants["werkstatt"].zone)
        assert other.place(catalog, {}, plant=other.plants["werkstatt"],
                           supply=other.supplies["cart-supply"], at=at, qty=2).ok
        taken = promised(client, qty=2)
        assert taken > alone
        # the purchase order the next carts wait for slips: the page's date follows it
        other.delay("PO-1", dt.date(2026, 12, 16), at)
        slipped = promised(client, qty=2)
        assert slipped > taken
        # ...and arrives early after all: its motors are stock now
        other.receive("PO-1", at)
        received = promised(client, qty=2)
        assert received < slipped
        inputs = other.quote_inputs(other.supplies["cart-supply"], "werkstatt")
        assert inputs.supply.stock["MOTOR"].on_hand == 5  # 3 on hand and PO-1's 2
        assert received == quote(catalog, {}, plant=other.plants["werkstatt"],
                                 supply=inputs.supply, orders=inputs.orders, at=at,
                                 qty=2).promised.isoformat()


def test_ledger_quote_inputs_are_what_place_sees(ledger_url: str) -> None:
    with opened(ledger_url) as ledger:
        catalog, plant = ledger.catalogs["cart"], ledger.plants["werkstatt"]
        supply = ledger.supplies["cart-supply"]
        at = dt.datetime.fromisoformat(AT).replace(tzinfo=plant.zone)
        empty = ledger.quote_inputs(supply, plant)
        assert empty.revision == ledger.revision() == 0
        assert empty.supply == supply and not empty.orders.reservations
        first = ledger.place(catalog, {}, plant=plant, supply=supply, at=at, qty=2)
        inputs = ledger.quote_inputs(supply, plant)
        assert inputs.revision == ledger.revision() > empty.revision
        assert inputs.orders.reservations == first.order.reservations
        assert inputs.orders.bookings == ledger.order_book("werkstatt").bookings
        assert inputs.orders.reserved_stock("MOTOR") == 2
        # a quote with these inputs gives the date the ledger then promises
        expected = quote(catalog, {}, plant=plant, supply=inputs.supply,
                         orders=inputs.orders, at=at)
        second = ledger.place(catalog, {}, plant=plant, supply=supply, at=at)
        assert second.ok and second.order.order.promised == expected.promised
        ledger.delay("PO-1", dt.date(2026, 12, 9), at)
        moved = ledger.quote_inputs(supply, plant.id)
        assert moved.revision > inputs.revision
        assert [po.eta for po in moved.supply.purchase_orders] == [dt.date(2026, 12, 9)]
        assert moved.to_dict()["revision"] == moved.revision
        json.dumps(moved.to_dict())


# -- hostile input -------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "status", "words"), [
    (b"{not json", 400, "malformed JSON"),
    (b"[1, 2]", 400, "JSON object"),
    (b'{"customer": "Ada", "promised": "2026-12-01", "price": "0.01"}', 400,
     "unknown field 'price'"),
    (b'{"selection": {"motr": "standard"}, "customer": "Ada", "promised": "2026-12-01"}', 422,
     "unknown module 'motr'"),
    (b'{"selection": {"motor": "turbo"}, "customer": "Ada", "promised": "2026-12-01"}', 422,
     "unknown option 'turbo'"),
    (json.dumps({"selection": {f"m{i}": "x" for i in range(50)}, "customer": "Ada",
                 "promised": "2026-12-01"}).encode(), 413, "the selection has 50 modules"),
    (json.dumps({"customer": "A" * 70_000}).encode(), 413, "larger than"),
    (b'{"promised": "2026-12-01"}', 422, "needs the customer's name"),
    (b'{"customer": "   ", "promised": "2026-12-01"}', 422, "needs the customer's name"),
    (json.dumps({"customer": "A" * (MAX_TEXT + 1), "promised": "2026-12-01"}).encode(), 400,
     f"at most {MAX_TEXT}"),
    (b'{"customer": 42, "promised": "2026-12-01"}', 400, "'customer' must be a text"),
    (b'{"customer": "Ada\\u0000Lovelace", "promised": "2026-12-01"}', 422, "control"),
    (b'{"customer": "Ada"}', 422, "'promised' is missing"),
    (b'{"customer": "Ada", "promised": "next week"}', 422, "not an ISO date"),
    (b'{"customer": "Ada", "promised": "2026-12-01T10:00"}', 422, "not an ISO date"),
    (b'{"customer": "Ada", "promised": "2026-12-01", "qty": 0}', 422, "'qty'"),
    (b'{"customer": "Ada", "promised": "2026-12-01", "at": "soon"}', 422, "'at'"),
    (b'{"selection": {"motor": "strong", "brake": "none_brake"}, "customer": "Ada", '
     b'"promised": "2026-12-01"}', 409, "the selection conflicts"),
])
def test_hostile_bodies_get_a_clear_4xx_and_record_nothing(
        tmp_path: Path, body: bytes, status: int, words: str) -> None:
    target = tmp_path / "ledger.db"
    client = client_for(target)
    response = client.post(ORDERS, content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert words in answer["error"] and set(answer) == {"error", "suggestion"}
    with opened(target) as ledger:
        assert ledger.orders() == ()


def test_unknown_catalog_and_method(client: TestClient) -> None:
    response = client.post("/api/catalogs/kart/orders",
                           json={"customer": "Ada", "promised": "2026-12-01"})
    assert response.status_code == 404 and "did you mean 'cart'" in response.json()["suggestion"]
    assert client.get(ORDERS).status_code == 405


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(max_size=MAX_TEXT + 5))
def test_any_name_is_stored_as_text_or_refused_clearly(name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        client = client_for(Path(folder) / "ledger.db")
        day = promised(client)
        response = order(client, day, customer=name)
        assert response.headers["content-type"].startswith("application/json")
        if response.status_code == 201:
            stored = response.json()["order"]["customer"]
            assert stored == name.strip() and stored
            with opened(Path(folder) / "ledger.db") as ledger:
                assert ledger.orders()[0].customer == stored  # verbatim, markup and all
        else:
            assert response.status_code in (400, 422), response.text
            assert response.json()["error"]


def test_markup_in_the_name_is_data_not_html(client: TestClient) -> None:
    name = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    response = order(client, promised(client), customer=name)
    assert response.status_code == 201
    assert response.json()["order"]["customer"] == name  # JSON, shown with textContent
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"
    page = client.get("/c/cart").text
    assert "<script>alert" not in page and "onerror" not in page


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qtys=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4),
       motors=st.lists(st.sampled_from(["standard", "manual"]), min_size=4, max_size=4))
def test_the_date_the_page_shows_is_the_date_the_order_gets(qtys: list[int],
                                                             motors: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        client = client_for(Path(folder) / "ledger.db")
        for qty, motor in zip(qtys, motors, strict=False):
            shown = promised(client, qty, motor=motor)
            response = order(client, shown, qty, motor=motor)
            assert response.status_code == 201, response.text
            assert response.json()["order"]["promised"] == shown


# -- the page, the API document, a server without a ledger ---------------------------------
def test_the_page_offers_ordering_only_with_a_ledger(client: TestClient) -> None:
    html = client.get("/c/cart").text
    assert 'data-ordering="true"' in html and 'id="order"' in html
    plain = TestClient(create_app([CART])).get("/c/cart").text
    assert 'data-ordering="false"' in plain and 'id="order"' not in plain
    script = client.get("/static/app.js").text
    assert "innerHTML" not in script and "/orders" in script


def test_without_a_ledger_the_endpoint_says_so() -> None:
    client = TestClient(create_app([CART]), raise_server_exceptions=False)
    response = client.post(ORDERS, json={"customer": "Ada", "promised": "2026-12-01"})
    assert response.status_code == 404
    answer = response.json()
    assert "no order book" in answer["error"] and "bto serve --ledger" in answer["suggestion"]


def test_orders_and_ledger_exclude_each_other(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        create_app([TRAILER], orders=DATA / "quote" / "orders.yaml",
                   ledger=tmp_path / "ledger.db")


def test_openapi_documents_ordering() -> None:
    document = openapi(["cart"])
    post = document["paths"]["/api/catalogs/{catalog}/orders"]["post"]
    assert post["requestBody"]["required"] is True
    assert {"201", "409", "404", "422"} <= set(post["responses"])
    request = document["components"]["schemas"]["OrderRequest"]
    assert set(request["required"]) == {"customer", "promised"}
    assert set(request["properties"]) == {"selection", "at", "qty", "customer", "promised"}
    text = json.dumps(document)
    assert set(re.findall(r'"#/components/schemas/(\w+)"', text)) <= set(
        document["components"]["schemas"])


def test_a_ledger_that_fails_is_a_503_without_details(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from configurator.ledger import LedgerUnavailable

    ledger = opened(tmp_path / "ledger.db")
    client = TestClient(create_app([CART], ledger=ledger), raise_server_exceptions=False)
    day = promised(client)

    def down(*_: Any, **__: Any) -> Any:
        raise LedgerUnavailable("ledger sqlite:////secret/ledger.db: disk I/O error")

    monkeypatch.setattr(ledger, "place", down)
    response = order(client, day)
    assert response.status_code == 503 and "secret" not in response.text
    assert response.json()["error"] == "the order book cannot be reached just now"
    monkeypatch.setattr(ledger, "revision", down)
    page = client.post("/api/catalogs/cart/page", json={"at": AT})
    assert page.status_code == 503 and "secret" not in page.text
    assert "secret/ledger.db" in caplog.text  # the log has it, the client does not
    ledger.close()


# -- bto serve --ledger --------------------------------------------------------------------
def test_serve_refuses_orders_and_ledger_together(tmp_path: Path) -> None:
    result = CliRunner().invoke(serve_command, [
        str(TRAILER), "--orders", str(DATA / "quote" / "orders.yaml"),
        "--ledger", str(tmp_path / "ledger.db")])
    assert result.exit_code == 2 and "--orders and --ledger" in result.output


def test_serve_a_ledger_that_cannot_be_opened_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(serve_command, [
        str(CART), "--ledger", str(tmp_path / "no-such-folder" / "ledger.db")])
    assert result.exit_code == 1 and "no-such-folder" in result.output
    result = CliRunner().invoke(serve_command, [str(CART), "--ledger", "mysql://x@y/z"])
    assert result.exit_code == 1 and "SQLite or PostgreSQL" in result.output


def test_workers_read_the_ledger_from_the_environment(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "ledger.db"
    monkeypatch.setenv(SERVE_ENV, json.dumps({"catalogs": [str(CART)],
                                              "ledger": str(target)}))
    client = TestClient(app_from_environment())
    day = promised(client, qty=2)
    assert order(client, day, qty=2).status_code == 201
    with opened(target) as ledger:
        assert len(ledger.orders("confirmed")) == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_with_a_ledger_takes_orders(tmp_path: Path, workers: int) -> None:
    import httpx

    target = tmp_path / "ledger.db"
    code = "from configurator.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", str(CART), "--port", "0", "--workers",
         str(workers), "--ledger", str(target)], stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        lines = [process.stderr.readline() for _ in range(2)]
        assert lines[0].startswith(f"created a new ledger {target}")
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", lines[1])
        assert found, lines
        base = f"http://127.0.0.1:{found.group(1)}"
        for _ in range(100):
            try:
                httpx.get(base + "/api/catalogs", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        body = {"at": AT, "qty": 2, "deltas": False, "tradeoffs": False}
        day = httpx.post(base + "/api/catalogs/cart/page", json=body,
                         timeout=30).json()["quote"]["promised"]
        placed = httpx.post(base + ORDERS, timeout=30, json={
            "at": AT, "qty": 2, "customer": "Ada", "promised": day})
        assert placed.status_code == 201, placed.text
        # whichever process answers, it sees the reservation
        after = {httpx.post(base + "/api/catalogs/cart/page", json=body,
                            timeout=30).json()["quote"]["promised"] for _ in range(4)}
        assert len(after) == 1 and after.pop() > day
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_an_order_dated_before_the_last_one_is_a_422_not_a_queue_jump(
        client: TestClient) -> None:
    day = promised(client)
    assert order(client, day).status_code == 201
    earlier = client.post(ORDERS, json={"selection": {}, "at": "2026-11-02T10:00",
                                        "qty": 1, "customer": "Mallory", "promised": day})
    assert earlier.status_code == 422 and "cannot be dated before" in earlier.json()["error"]
