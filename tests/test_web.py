"""The web configurator in-process (Starlette's TestClient): the JSON API through a whole
configuration, reasons, price and date, repairs, hostile input, the OpenAPI document, the page
with its static files, and `bto serve`."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import signal
import socket
import subprocess
import sys
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from configurator import load_catalog, load_plant, load_supply
from configurator._cli_serve import serve_command
from configurator.quoting.quote import quote
from configurator.web import MAX_BODY_BYTES, create_app

from .conftest import DATA, ROOT

with warnings.catch_warnings():  # starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

EBIKE = ROOT / "catalogs" / "ebike.yaml"
TRAILER = DATA / "quote" / "catalog.yaml"
AT = "2026-12-02T10:00"
EBIKE_AT = "2026-11-25T10:00"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app([EBIKE, TRAILER]), raise_server_exceptions=False)


def page(client: TestClient, catalog: str = "ebike-neckar", **body: Any) -> Any:
    body.setdefault("at", EBIKE_AT if catalog == "ebike-neckar" else AT)
    response = client.post(f"/api/catalogs/{catalog}/page", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def find(state: Any, module: str, value: Any = ...) -> Any:
    found = next(m for m in state["modules"] if m["id"] == module)
    if value is ...:
        return found
    return next(o for o in found["options"] if o["value"] == value)


# -- the API -------------------------------------------------------------------------------
def test_catalogs(client: TestClient) -> None:
    listed = client.get("/api/catalogs").json()["catalogs"]
    assert [c["id"] for c in listed] == ["ebike-neckar", "trailer"]
    assert listed[0]["page"] == "/c/ebike-neckar" and listed[0]["languages"] == ["en", "de"]


def test_click_through_a_whole_configuration(client: TestClient) -> None:
    selection: dict[str, Any] = {}
    state = page(client, selection=selection, deltas=False, tradeoffs=False)
    clicks = 0
    while True:
        open_modules = [m for m in state["modules"] if not m["has_choice"]]
        if not open_modules:
            break
        module = open_modules[0]
        if module["kind"] == "multi":  # take what the configuration has, exactly
            chosen = [o["value"] for o in module["options"] if o["in_configuration"]]
            selection[module["id"]] = {"exactly": chosen}
        else:  # the last available value: not always the default one
            choices = [o for o in module["options"] if o["state"] == "available"]
            selection[module["id"]] = choices[-1]["value"]
        state = page(client, selection=selection, deltas=False, tradeoffs=False)
        clicks += 1
        assert state["valid"], selection
        assert state["price"] is not None and state["quote"] is not None
    assert clicks == 14
    for module in state["modules"]:
        expected = selection[module["id"]]
        if isinstance(expected, dict):
            assert state["configuration"][module["id"]] == expected
        else:
            assert state["configuration"][module["id"]] == expected
            assert find(state, module["id"], expected)["state"] == "chosen"
    assert Decimal(state["price"]["total"]) == sum(
        Decimal(line["amount"]) for line in state["price"]["lines"])


def test_deltas_predict_the_next_click(client: TestClient) -> None:
    state = page(client, selection={"frame": "longtail"}, deltas=["motor", "brakes"],
                 tradeoffs=False)
    assert all(o["delta"] is None for o in find(state, "tyres")["options"])
    shown = [o for o in find(state, "brakes")["options"] if o["delta"]]
    assert shown
    option = shown[0]
    after = page(client, selection={"frame": "longtail", "brakes": option["value"]},
                 deltas=False, tradeoffs=False)
    assert Decimal(option["delta"]["price"]) == (Decimal(after["price"]["total"])
                                                 - Decimal(state["price"]["total"]))
    assert option["delta"]["text"].endswith(f"{option['delta']['days']:+d} wd")


def test_disabled_options_and_their_reasons(client: TestClient) -> None:
    state = page(client, selection={"frame": "longtail"}, deltas=False)
    motor = find(state, "motor", "hub_rear_50")
    assert motor["state"] == "unavailable"
    rule = motor["reason"]["rules"][0]
    assert rule["id"] == "cargo-needs-mid-drive"
    assert rule["source"].endswith("ebike.yaml:453:5")
    assert "mid-drive" in motor["reason"]["text"]
    assert find(state, "frame", "longjohn")["state"] == "available"


def test_price_and_date_match_the_library(client: TestClient) -> None:
    state = page(client, "trailer", selection={"motor": "po_motor"})
    catalog = load_catalog(TRAILER)
    plant = load_plant(DATA / "quote" / "plant.yaml")
    expected = quote(catalog, {"motor": "po_motor"}, plant=plant,
                     supply=load_supply(DATA / "quote" / "supply.yaml"),
                     at=dt.datetime.fromisoformat(AT).replace(tzinfo=plant.zone))
    assert state["price"]["total"] == str(expected.price.total) == "1150.00"
    assert state["quote"]["promised"] == expected.promised.isoformat()
    assert [m["kind"] for m in state["quote"]["milestones"]] == [
        m.kind for m in expected.milestones]
    assert state["quote"]["confidence"]["probability"] == str(
        expected.confidence.probability)
    assert state["placed"].startswith(AT)
    two = page(client, "trailer", selection={"motor": "po_motor"}, qty=2)
    assert Decimal(two["price"]["total"]) == 2 * Decimal(state["price"]["total"])


def test_repair_flow(client: TestClient) -> None:
    state = page(client, selection={"frame": "longtail", "motor": "hub_rear_50"})
    assert state["valid"] is False and state["quote"] is None
    assert state["conflict"]["rules"][0]["id"] == "cargo-needs-mid-drive"
    assert len(state["repairs"]) >= 2
    for repair in state["repairs"]:
        fixed = page(client, selection=repair["selection"], deltas=False, tradeoffs=False)
        assert fixed["valid"] and fixed["quote"] is not None
        for removed in repair["remove"]:
            module, _, value = removed.partition("=")
            assert fixed["selection"].get(module) != value


def test_quote_document_is_a_download(client: TestClient) -> None:
    response = client.post("/api/catalogs/trailer/quote.html", json={
        "selection": {"motor": "po_motor"}, "at": AT,
        "customer": "<script>alert('x')</script> Ada"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"] == 'attachment; filename="quote-trailer.html"'
    state = page(client, "trailer", selection={"motor": "po_motor"})
    assert state["quote"]["promised"] in response.text
    assert "<script>alert" not in response.text and "&lt;script&gt;" in response.text
    conflict = client.post("/api/catalogs/ebike-neckar/quote.html", json={
        "selection": {"frame": "longtail", "motor": "hub_rear_50"}})
    assert conflict.status_code == 409 and "repair" in conflict.json()["suggestion"]


# -- hostile input -------------------------------------------------------------------------
HOSTILE: list[tuple[str, bytes, int, str]] = [
    ("malformed JSON", b'{"selection": {', 400, "malformed JSON"),
    ("not UTF-8", b"\xff\xfe{}", 400, "malformed JSON"),
    ("not an object", b"[1, 2]", 400, "must be a JSON object"),
    ("unknown field", b'{"selection": {}, "selectoin": 1}', 400, "unknown field"),
    ("selection not an object", b'{"selection": "frame=longtail"}', 400, "'selection'"),
    ("unknown module", b'{"selection": {"frme": "longtail"}}', 422, "unknown module 'frme'"),
    ("unknown option", b'{"selection": {"frame": "longtial"}}', 422, "unknown option"),
    ("script tag", b'{"selection": {"frame": "<script>alert(1)</script>"}}', 422,
     "unknown option"),
    ("list in a single-select module", b'{"selection": {"frame": ["longtail"]}}', 422,
     "takes one option"),
    ("too many modules", json.dumps({"selection": {f"m{i}": "x" for i in range(40)}}).encode(),
     413, "modules"),
    ("long multi list", json.dumps({"selection": {"accessories": ["rack"] * 500}}).encode(),
     413, "longer"),
    ("huge body", b'{"selection": {"frame": "' + b"x" * MAX_BODY_BYTES + b'"}}', 413,
     "larger than"),
    ("bad time", b'{"at": "next tuesday"}', 422, "'at'"),
    ("bad quantity", b'{"qty": 0}', 422, "'qty'"),
    ("boolean quantity", b'{"qty": true}', 422, "'qty'"),
    ("unknown language", b'{"lang": "dee"}', 422, "unknown language"),
    ("bad deltas", b'{"deltas": "all"}', 400, "'deltas'"),
    ("unknown deltas module", b'{"deltas": ["motr"]}', 422, "unknown module"),
    ("bad tradeoffs", b'{"tradeoffs": "yes"}', 400, "'tradeoffs'"),
]


@pytest.mark.parametrize(("body", "status", "message"), [h[1:] for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])
def test_hostile_bodies_get_a_clear_4xx(client: TestClient, body: bytes, status: int,
                                        message: str) -> None:
    response = client.post("/api/catalogs/ebike-neckar/page", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"error", "suggestion"} and message in data["error"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize(("body", "suggestion"), [
    (b'{"selection": {"frme": "longtail"}}', "did you mean 'frame'?"),
    (b'{"selection": {"frame": "longtial"}}', "did you mean 'longtail'?"),
    (b'{"selection": {}, "selectoin": 1}', "did you mean 'selection'?"),
    (b'{"lang": "dee"}', "did you mean 'de'?"),
])
def test_did_you_mean(client: TestClient, body: bytes, suggestion: str) -> None:
    response = client.post("/api/catalogs/ebike-neckar/page", content=body)
    assert response.json()["suggestion"] == suggestion


def test_unknown_catalog_route_and_method(client: TestClient) -> None:
    unknown = client.post("/api/catalogs/ebike-nekar/page", json={})
    assert unknown.status_code == 404
    assert unknown.json()["suggestion"] == "did you mean 'ebike-neckar'?"
    assert client.get("/c/nothing").status_code == 404
    route = client.get("/api/nothing")
    assert route.status_code == 404 and set(route.json()) == {"error", "suggestion"}
    method = client.get("/api/catalogs/trailer/page")
    assert method.status_code == 405 and "POST" in method.json()["suggestion"]
    assert client.get("/static/../web.py").status_code == 404
    assert client.get("/static/page.html.j2").status_code == 404


def test_declared_length_over_the_cap(client: TestClient) -> None:
    response = client.post("/api/catalogs/trailer/page", content=b"{}",
                           headers={"content-length": str(10 * MAX_BODY_BYTES)})
    assert response.status_code == 413


def test_customer_name_is_capped(client: TestClient) -> None:
    response = client.post("/api/catalogs/trailer/quote.html",
                           json={"customer": "x" * 1000, "at": AT})
    assert response.status_code == 400 and "customer" in response.json()["error"]


def test_unexpected_errors_are_a_generic_500(client: TestClient,
                                             monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr("configurator.web.page_state", broken)
    with caplog.at_level(logging.ERROR, logger="configurator.web"):
        response = client.post("/api/catalogs/trailer/page", json={})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error",
                               "suggestion": "the server logged it; try again later"}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "secret detail" in caplog.text  # the log has it, the client does not


# -- the OpenAPI document and the page -----------------------------------------------------
def test_openapi_lists_every_route(client: TestClient) -> None:
    response = client.get("/openapi.json")
    document = json.loads(response.text)
    assert document["openapi"] == "3.1.0"
    served = {route.path for route in client.app.routes}  # type: ignore[attr-defined]
    assert served == set(document["paths"])
    for path, methods in document["paths"].items():
        route = next(r for r in client.app.routes if r.path == path)  # type: ignore[attr-defined]
        assert {m.upper() for m in methods} <= route.methods, path
    refs = re.findall(r'"#/components/schemas/(\w+)"', response.text)
    assert refs and set(refs) <= set(document["components"]["schemas"])
    enum = document["paths"]["/c/{catalog}"]["get"]["parameters"][0]["schema"]["enum"]
    assert enum == ["ebike-neckar", "trailer"]


def test_page_html_and_static_files(client: TestClient) -> None:
    html = client.get("/c/ebike-neckar")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert 'data-catalog="ebike-neckar"' in html.text
    assert '<script src="/static/app.js"' in html.text
    assert 'href="/static/app.css"' in html.text
    assert "default-src 'self'" in html.headers["content-security-policy"]
    script = client.get("/static/app.js")
    style = client.get("/static/app.css")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert style.status_code == 200 and "text/css" in style.headers["content-type"]
    assert "innerHTML" not in script.text  # text goes in as text, never as markup
    for text in (html.text, script.text, style.text):
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), "no network at run time"
        assert "@import" not in text
    index = client.get("/")
    assert 'href="/c/ebike-neckar"' in index.text and 'href="/c/trailer"' in index.text


def test_catalog_text_is_escaped_in_the_page(tmp_path: Path) -> None:
    text = TRAILER.read_text(encoding="utf-8")
    text = text.replace("name: Cargo trailer", 'name: "<script>alert(1)</script>"')
    for name in ("plant.yaml", "supply.yaml"):
        (tmp_path / name).write_bytes((DATA / "quote" / name).read_bytes())
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    hostile = TestClient(create_app([path]))
    for url in ("/", "/c/trailer"):
        body = hostile.get(url).text
        assert "<script>alert" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_plant_and_supply_given(tmp_path: Path) -> None:
    app = create_app([load_catalog(TRAILER)], plant=DATA / "quote" / "plant.yaml",
                     supply=DATA / "quote" / "supply.yaml", orders=DATA / "quote" / "orders.yaml")
    state = TestClient(app).post("/api/catalogs/trailer/page", json={"at": AT, "qty": 2}).json()
    assert state["quote"] is None and "MOT-A" in state["problem"]  # the order book holds one
    with pytest.raises(ValueError, match="two catalogs"):
        create_app([TRAILER, TRAILER])


# -- bto serve -----------------------------------------------------------------------------
def test_serve_bad_catalog_exits_1_with_file_line_col() -> None:
    bad = DATA / "bad" / "c601-two-defaults-single-select.yaml"
    result = CliRunner().invoke(serve_command, [str(bad)])
    assert result.exit_code == 1
    assert re.search(r"c601-two-defaults-single-select\.yaml:12:9: C601", result.output)


def test_serve_port_in_use_exits_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(serve_command, [str(TRAILER), "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.output


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_on_loopback(workers: int) -> None:
    import time

    import httpx

    code = ("import configurator._cli_serve; from configurator.cli import main; main()")
    process = subprocess.Popen([sys.executable, "-c", code, "serve", str(TRAILER), "--port",
                                "0", "--workers", str(workers)], stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        assert ("2 processes" in line) == (workers == 2)
        base = f"http://127.0.0.1:{found.group(1)}"
        for _ in range(100):
            try:
                response = httpx.get(base + "/api/catalogs", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response.json()["catalogs"][0]["id"] == "trailer"
        # whichever process answers, the answer is the same
        answers = {httpx.post(base + "/api/catalogs/trailer/page", timeout=30,
                              json={"at": AT, "deltas": False}).text for _ in range(4)}
        assert len(answers) == 1 and json.loads(answers.pop())["valid"] is True
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_cli_does_not_import_the_web_stack() -> None:
    code = ("import sys, configurator.cli, configurator._cli_serve; "
            "print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
