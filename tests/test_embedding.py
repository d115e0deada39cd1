"""The embedding guide's example web shop (examples/webshop/), driven in-process over WSGI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from configurator import Supply, load_catalog, load_orders, load_plant, load_supply
from configurator.quoting.buffers import BufferTable
from configurator.quoting.calendar import WorkCalendar
from configurator.quoting.providers import FileCapacity, FileSupply
from configurator.quoting.quote import quote
from configurator.session import Session
from configurator.supply import StockRecord
from configurator.values import FrozenMap
from examples.webshop.app import MAX_BODY, Shop, WebShop, main, make_app
from examples.webshop.erp import DemoErp, ErpCapacity, ErpSupply

from .conftest import ROOT

CATALOG = ROOT / "catalogs" / "ebike.yaml"
AT = "2026-11-25T10:00:00+01:00"
FRAMES = ("trapeze", "diamond", "suv", "longtail", "longjohn")
MONEY = re.compile(r"^-?\d+\.\d{2}$")  # EUR: two decimals


@pytest.fixture(scope="module")
def shop() -> Shop:
    return Shop.load(CATALOG)


@pytest.fixture(scope="module")
def app(shop: Shop) -> WebShop:
    return WebShop(shop)


def call(app: Callable[..., Any], path: str, body: Any = None, *, method: str = "POST",
         raw: bytes | None = None, length: str | None = None, validate: bool = True
         ) -> tuple[int, dict[str, str], dict[str, Any]]:
    """One request through the WSGI interface (checked by wsgiref's validator unless a test
    sends what it refuses): status, headers and the JSON body."""
    data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "shop.test",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "SCRIPT_NAME": "",
               "QUERY_STRING": "", "CONTENT_TYPE": "application/json",
               "CONTENT_LENGTH": length if length is not None else str(len(data)),
               "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(data), "wsgi.errors": io.StringIO(),
               "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        seen["status"], seen["headers"] = status, dict(headers)
        return lambda _: None

    result = (validator(app) if validate else app)(environ, start_response)
    try:
        payload = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    assert seen["headers"]["Content-Type"].startswith("application/json")
    assert int(seen["headers"]["Content-Length"]) == len(payload)
    return int(seen["status"][:3]), seen["headers"], json.loads(payload)


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, leaf) in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                yield from walk(item)
            else:
                yield key, item
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def library_quote(shop: Shop, selection: Mapping[str, Any], supply: Any, **kw: Any
                  ) -> dict[str, Any]:
    return quote(shop.catalog, selection, plant=shop.plant, supply=supply,
                 at=dt.datetime.fromisoformat(AT), **kw).to_dict()


# -- the JSON --------------------------------------------------------------------------------
def test_quote_is_json_with_money_as_strings_and_iso_dates(app: WebShop) -> None:
    status, headers, body = call(app, "/quote", {"selection": {"frame": "longtail"}, "at": AT,
                                                 "tradeoffs": True})
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    assert body["format"] == "bto-quote/1" and body["configuration"]["frame"] == "longtail"
    leaves = list(walk(body))
    assert not [v for _, v in leaves if isinstance(v, float)]  # exact values only
    price = body["price"]
    amounts = [price[k] for k in ("configured_unit_price", "surcharges", "unit_price", "total")]
    amounts += [line[k] for line in price["lines"] for k in ("unit_amount", "amount")]
    assert all(isinstance(v, str) and MONEY.match(v) for v in amounts)
    assert Decimal(price["total"]) == sum(Decimal(line["amount"]) for line in price["lines"])
    assert all(Decimal(t["price_delta"]).is_finite() for t in body["tradeoffs"])
    placed = dt.datetime.fromisoformat(body["placed"])
    assert placed.utcoffset() == dt.timedelta(hours=1)
    promised = dt.date.fromisoformat(body["promised"])
    assert promised >= dt.date.fromisoformat(body["confidence"]["planned"]) >= placed.date()
    for milestone in body["milestones"]:
        assert dt.datetime.fromisoformat(milestone["at"]).tzinfo is not None
        assert dt.date.fromisoformat(milestone["date"])
    assert body["tradeoffs"] and all(dt.date.fromisoformat(t["delivered"])
                                     for t in body["tradeoffs"])


def test_an_order_time_without_offset_is_the_plants_local_time(app: WebShop) -> None:
    local = call(app, "/quote", {"selection": {"frame": "suv"}, "at": "2026-11-25T10:00"})[2]
    utc = call(app, "/quote", {"selection": {"frame": "suv"}, "at": "2026-11-25T09:00Z"})[2]
    assert dt.datetime.fromisoformat(local["placed"]) == dt.datetime.fromisoformat(
        utc["placed"])
    assert local["promised"] == utc["promised"]


def test_the_erp_providers_quote_as_the_files_do(shop: Shop) -> None:
    """The demo ERP holds the supply file's data: its providers must give the same quote as
    the file-backed ones, here with the order book's bookings on the work centres."""
    assert shop.catalog.supply is not None
    supply = load_supply(shop.catalog.supply)
    orders = load_orders(ROOT / "rules" / "orders-ebike.yaml")
    erp = DemoErp.from_files(supply, orders, shop.plant)
    for selection in ({"frame": "longjohn"}, {"frame": "longtail", "motor": "mid_ep8"}):
        mine = library_quote(shop, selection, ErpSupply(erp),
                             capacity=ErpCapacity(erp, shop.plant))
        theirs = library_quote(shop, selection, FileSupply(supply),
                               capacity=FileCapacity(shop.plant, orders))
        assert mine == theirs
    booked = library_quote(shop, {"frame": "longjohn"}, ErpSupply(erp),
                           capacity=ErpCapacity(erp, shop.plant))
    free = library_quote(shop, {"frame": "longjohn"}, FileSupply(supply))
    assert booked["operations"] != free["operations"]  # the bookings count


def test_each_request_sees_the_erp_as_it_is_then(shop: Shop) -> None:
    assert shop.catalog.supply is not None
    erp = DemoErp.from_files(load_supply(shop.catalog.supply))
    app = WebShop(dataclasses.replace(shop, erp=erp))
    request = {"selection": {"frame": "longtail", "motor": "mid_ep8"}, "at": AT}
    before = call(app, "/quote", request)[2]
    assert before["gate"]["kind"] == "part" and before["gate"]["ref"] == "MOT-SH-EP8"
    provider = ErpSupply(erp)
    held = provider.free_stock("MOT-SH-EP8")
    erp.set_stock("MOT-SH-EP8", held + 5)  # a goods receipt
    assert provider.free_stock("MOT-SH-EP8") == held  # a request's provider: one state
    after = call(app, "/quote", request)[2]  # the next request sees the receipt
    assert after["promised"] < before["promised"] and after["gate"]["ref"] != "MOT-SH-EP8"


def _with_stock(supply: Supply, stock: Mapping[str, int]) -> Supply:
    records = dict(supply.stock)
    for part, qty in stock.items():
        records[part] = StockRecord(part, Decimal(qty))
    return dataclasses.replace(supply, stock=FrozenMap(records))


@st.composite
def stock_changes(draw: st.DrawFn, parts: tuple[str, ...]) -> dict[str, int]:
    """A few parts' stock set to small levels (0 forces purchase orders or a purchase)."""
    chosen = draw(st.lists(st.sampled_from(parts), min_size=1, max_size=6, unique=True))
    return {part: draw(st.integers(0, 3)) for part in chosen}


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_the_app_quotes_what_the_library_quotes_for_any_stock(shop: Shop, data: st.DataObject
                                                              ) -> None:
    assert shop.catalog.supply is not None
    base = load_supply(shop.catalog.supply)
    supply = _with_stock(base, data.draw(stock_changes(tuple(sorted(base.stock)))))
    selection = {"frame": data.draw(st.sampled_from(FRAMES))}
    app = WebShop(dataclasses.replace(shop, erp=DemoErp.from_files(supply)))
    status, _, body = call(app, "/quote", {"selection": selection, "at": AT})
    assert status == 200
    assert body == library_quote(shop, selection, supply)


# -- options and explanations ----------------------------------------------------------------
def test_options_say_what_is_possible_and_how_to_repair(app: WebShop, shop: Shop) -> None:
    status, _, body = call(app, "/options", {"selection": {"frame": "longtail"}})
    assert status == 200 and body["consistent"]
    motor = next(m for m in body["modules"] if m["module"] == "motor")
    assert "hub_rear_50" in motor["unavailable"] and motor["available"]
    with Session(shop.catalog) as session:
        session.select("frame", "longtail")
        assert body == session.valid_options().to_dict()

    status, _, body = call(app, "/options",
                           {"selection": {"frame": "longtail", "motor": "hub_rear_50"}})
    assert status == 200 and not body["consistent"]
    assert [r["id"] for r in body["conflict"]["rules"]] == ["cargo-needs-mid-drive"]
    removed = [[c["module"] for c in r["remove"]] for r in body["repairs"]]
    assert sorted(removed) == [["frame"], ["motor"]]

    status, _, body = call(app, "/explain", {"selection": {"frame": "longtail"},
                                             "module": "motor", "value": "hub_rear_50"})
    assert status == 200 and body["excluded"]
    assert body["choices"] == [{"module": "frame", "value": "longtail", "excluded": False}]


# -- errors ----------------------------------------------------------------------------------
BAD_REQUESTS: list[tuple[str, Any, bytes | None, int, str]] = [
    ("/quote", None, b"{", 400, "bad_json"),
    ("/quote", None, b"\xff\xfe", 400, "bad_json"),
    ("/quote", None, b"[1, 2]", 400, "bad_json"),
    ("/quote", {"selection": ["frame"]}, None, 400, "bad_request"),
    ("/quote", {"selection": {"frame": {"id": "suv"}}}, None, 400, "bad_request"),
    ("/quote", {"selection": {"frame": True}}, None, 400, "bad_request"),
    ("/quote", {"qty": 0}, None, 400, "bad_request"),
    ("/quote", {"qty": True}, None, 400, "bad_request"),
    ("/quote", {"qty": "2"}, None, 400, "bad_request"),
    ("/quote", {"at": "yesterday"}, None, 400, "bad_request"),
    ("/quote", {"at": 20261125}, None, 400, "bad_request"),
    ("/quote", {"requested": "20th of January"}, None, 400, "bad_request"),
    ("/quote", {"tradeoffs": "yes"}, None, 400, "bad_request"),
    ("/quote", {"objective": "prettiest"}, None, 400, "bad_request"),
    ("/explain", {"selection": {}}, None, 400, "bad_request"),
    ("/explain", {"module": "motor", "value": 1.5}, None, 400, "bad_request"),
    ("/quote", {"selection": {"frme": "suv"}}, None, 422, "selection"),
    ("/options", {"selection": {"frame": "longtale"}}, None, 422, "selection"),
    ("/explain", {"module": "motor", "value": "warp_drive"}, None, 422, "selection"),
    ("/quote", {"selection": {"frame": "<script>alert(1)</script>"}}, None, 422, "selection"),
    ("/quote", {"selection": {"frame": "longtail", "motor": "hub_rear_50"}}, None, 409,
     "conflict"),
]


@pytest.mark.parametrize(("path", "body", "raw", "status", "kind"), BAD_REQUESTS)
def test_bad_requests_get_a_4xx_json_answer(app: WebShop, path: str, body: Any,
                                            raw: bytes | None, status: int, kind: str) -> None:
    got, headers, answer = call(app, path, body, raw=raw)
    assert (got, answer["error"]) == (status, kind)
    assert answer["message"] and "Traceback" not in answer["message"]
    assert headers["X-Content-Type-Options"] == "nosniff"  # never rendered as a page


def test_unknown_names_come_with_a_suggestion(app: WebShop) -> None:
    answer = call(app, "/quote", {"selection": {"frame": "longtale"}})[2]
    assert answer["suggestion"] == "did you mean 'longtail'?"
    answer = call(app, "/quote", {"selection": {"frame": "longtail", "motor": "hub_rear_50"}})[2]
    assert any("cargo-needs-mid-drive" in rule for rule in answer["rules"])


def test_wrong_path_method_and_size(app: WebShop) -> None:
    assert call(app, "/basket")[0] == 404
    assert call(app, "/quote", method="GET")[0] == 405
    status, _, answer = call(app, "/quote", raw=b"{}", length=str(MAX_BODY + 1))
    assert (status, answer["error"]) == (413, "too_large")
    assert call(app, "/quote", raw=b"{}", length="many", validate=False)[0] == 400
    assert call(app, "/quote", raw=b"", length="")[0] == 200  # no body: an empty request


def test_a_part_nobody_delivers_cannot_be_promised(shop: Shop) -> None:
    assert shop.catalog.supply is not None
    supply = load_supply(shop.catalog.supply)
    gone = dataclasses.replace(
        supply, stock=FrozenMap({p: r for p, r in supply.stock.items() if p != "FRS-SUV-M"}),
        sourcing=FrozenMap({p: s for p, s in supply.sourcing.items() if p != "FRS-SUV-M"}),
        purchase_orders=tuple(po for po in supply.purchase_orders if po.part != "FRS-SUV-M"))
    app = WebShop(dataclasses.replace(shop, erp=DemoErp.from_files(gone)))
    status, _, answer = call(app, "/quote", {"selection": {"frame": "suv"}, "at": AT})
    assert (status, answer["error"], answer["part"]) == (422, "cannot_promise", "FRS-SUV-M")
    assert call(app, "/quote", {"selection": {"frame": "diamond"}, "at": AT})[0] == 200


def test_a_bug_is_a_plain_500(shop: Shop) -> None:
    app = WebShop(shop)

    def broken(request: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("internal detail")

    app.routes["/quote"] = broken
    status, _, answer = call(app, "/quote", {})
    assert (status, answer) == (500, {"error": "internal", "message": "internal error"})


# -- calibrated promises ---------------------------------------------------------------------
@pytest.mark.parametrize("days", [0, 2, 5])
def test_calibrated_promises_add_the_buffer(shop: Shop, days: int) -> None:
    app = WebShop(dataclasses.replace(shop, buffers=BufferTable.flat({"standard": days})))
    body = call(app, "/quote", {"selection": {"frame": "trapeze"}, "at": AT})[2]
    assert body["segment"] == "standard" and body["confidence"]["buffer_days"] == days
    planned = dt.date.fromisoformat(body["confidence"]["planned"])
    calendar = WorkCalendar.of(shop.plant)
    assert dt.date.fromisoformat(body["promised"]) == calendar.add_working_days(planned, days)


# -- threads ---------------------------------------------------------------------------------
def _sessions_in_threads(work: Callable[[str], Any], items: list[str], threads: int
                         ) -> list[Any]:
    """``work`` over ``items`` in ``threads`` threads that start together."""
    start = threading.Barrier(threads)

    def run(chunk: list[str]) -> list[Any]:
        start.wait()
        return [work(item) for item in chunk]

    chunks = [items[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(run, chunks))
    out: list[Any] = [None] * len(items)
    for i, chunk_results in enumerate(results):
        out[i::threads] = chunk_results
    return out


def test_threads_with_their_own_sessions_answer_as_one_thread(shop: Shop) -> None:
    """N threads, each with its own Session, against one shared loaded catalog and model."""
    assert shop.catalog.supply is not None
    supply = load_supply(shop.catalog.supply)
    at = dt.datetime.fromisoformat(AT)

    def work(frame: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        with Session(shop.catalog, model=shop.model) as session:
            session.select("frame", frame)
            options = session.valid_options().to_dict()
            configuration = session.complete("cheapest")
        quoted = quote(shop.catalog, configuration, plant=shop.plant, supply=supply, at=at)
        partial = quote(shop.catalog, {"frame": frame}, plant=shop.plant, supply=supply, at=at)
        return options, quoted.to_dict(), partial.to_dict()

    items = [*FRAMES, *FRAMES]
    alone = [work(frame) for frame in items]
    assert len({json.dumps(a[1]["promised"]) for a in alone}) > 1  # the answers differ
    assert _sessions_in_threads(work, items, threads=4) == alone


def test_one_app_serves_many_threads(app: WebShop) -> None:
    def work(frame: str) -> tuple[int, dict[str, Any], int, dict[str, Any]]:
        status, _, quoted = call(app, "/quote", {"selection": {"frame": frame}, "at": AT})
        o_status, _, options = call(app, "/options", {"selection": {"frame": frame}})
        return status, quoted, o_status, options

    items = [*FRAMES, *FRAMES]
    alone = [work(frame) for frame in items]
    assert _sessions_in_threads(work, items, threads=4) == alone


# -- the server's command line -----------------------------------------------------------------
def test_main_refuses_a_broken_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("format: bto-catalog/1\nid: [unclosed\n", encoding="utf-8")
    assert main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert "broken.yaml:" in err and "Traceback" not in err


def test_main_refuses_a_broken_calibration(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "buffers.yaml"
    bad.write_text("format: bto-calibration/1\nbuffer_days: {standard: many}\n",
                   encoding="utf-8")
    assert main([str(CATALOG), "--calibration", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "buffers.yaml:" in err and "Traceback" not in err


def test_main_reports_usage_errors_with_status_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--port", "eighty"])
    assert exc.value.code == 2


def test_make_app_loads_the_catalogs_plant(shop: Shop) -> None:
    app = make_app(CATALOG)
    assert app.shop.catalog == load_catalog(CATALOG)
    assert app.shop.plant == load_plant(shop.catalog.plant or "")
