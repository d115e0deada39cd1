"""The web configurator: a small Starlette app over :func:`configurator.page.page_state`.

``create_app`` loads the catalogs (with their plants and supply data) once; they are immutable
and shared read-only by every request. The state lives in the request: the client sends its
whole selection each time, so any number of server processes give the same answers.

Routes (the OpenAPI 3.1 document at ``/openapi.json`` describes the JSON API):

- ``GET /api/catalogs``: the catalogs served;
- ``POST /api/catalogs/{id}/page``: the page's state for a selection;
- ``POST /api/catalogs/{id}/quote.html``: the quote as a downloadable HTML document;
- ``POST /api/catalogs/{id}/orders``: place an order in the order-book ledger (only when the
  app has one: ``create_app(..., ledger=...)``, ``bto serve --ledger``);
- ``GET /`` and ``GET /c/{id}``: the configurator page (HTML, CSS and a little JavaScript
  served from the package: nothing is fetched from the network).

Every problem with a request is a JSON ``{"error": ..., "suggestion": ...}`` with a 4xx
status; anything unexpected is logged and answered with a generic 500 JSON, never a
traceback. All HTML is autoescaped.

With a ledger, every answer is quoted against what the ledger holds at that moment (other
processes place orders too): its supply state and order book, read again whenever the
ledger's revision has moved since the last request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .catalog.model import Catalog
from .choices import SelectionError
from .loading import load_catalog, load_orders, load_plant, load_supply
from .orders import OrderBook
from .page import page_state, selection_choices
from .plant import Plant
from .problems import did_you_mean
from .supply import Supply

if TYPE_CHECKING:
    from .ledger import Ledger, Outcome, QuoteInputs

__all__ = ["MAX_BODY_BYTES", "MAX_QTY", "MAX_TEXT", "SERVE_ENV", "ApiError", "app_from_environment",
           "create_app", "openapi"]

#: Request bodies larger than this are refused (413).
MAX_BODY_BYTES = 64 * 1024
#: The largest quantity a page or quote request may ask for.
MAX_QTY = 999
#: The longest free text (a customer name) accepted.
MAX_TEXT = 200

STATIC = Path(__file__).parent / "web_static"
_ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
_PAGE_KEYS = ("selection", "at", "lang", "qty", "deltas", "tradeoffs")
_QUOTE_KEYS = ("selection", "at", "lang", "qty", "customer")
_ORDER_KEYS = ("selection", "at", "qty", "customer", "promised")
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

log = logging.getLogger("configurator.web")


class ApiError(Exception):
    """A problem with a request: its HTTP status, message and a suggestion to fix it."""

    def __init__(self, status: int, error: str, suggestion: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.suggestion = suggestion

    def response(self) -> JSONResponse:
        """The problem as a JSON response."""
        return JSONResponse({"error": self.error, "suggestion": self.suggestion},
                            status_code=self.status, headers=_SECURITY_HEADERS)


@dataclass(frozen=True, slots=True)
class _Served:
    """One catalog with the plant, supply and order book it is quoted against."""

    catalog: Catalog
    plant: Plant
    supply: Supply
    orders: OrderBook | None


PathOr = str | os.PathLike[str]


def _load(value: Any, load: Any) -> Any:
    return load(value) if isinstance(value, str | os.PathLike) else value


def _served(catalogs: Sequence[PathOr | Catalog], plant: PathOr | Plant | None,
            supply: PathOr | Supply | None, orders: PathOr | OrderBook | None
            ) -> dict[str, _Served]:
    """Every catalog, loaded once, with its plant and supply (given, or the catalog's own)."""
    book = _load(orders, load_orders) if orders is not None else None
    given_plant = _load(plant, load_plant) if plant is not None else None
    given_supply = _load(supply, load_supply) if supply is not None else None
    out: dict[str, _Served] = {}
    for entry in catalogs:
        catalog: Catalog = _load(entry, load_catalog)
        if catalog.id in out:
            raise ValueError(f"two catalogs have the id '{catalog.id}'")
        the_plant = given_plant or (load_plant(catalog.plant) if catalog.plant else None)
        the_supply = given_supply or (load_supply(catalog.supply) if catalog.supply else None)
        if the_plant is None or the_supply is None:
            missing = "plant" if the_plant is None else "supply"
            raise ValueError(f"catalog '{catalog.id}' names no {missing} file; give one")
        out[catalog.id] = _Served(catalog, the_plant, the_supply, book)
    return out


class _Desk:
    """The ledger as the app uses it: what a quote sees now (read again only when the
    ledger's revision moved), and orders placed one at a time in this process (the ledger
    object is not thread-safe; the database keeps other processes in line)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._placing = threading.Lock()
        self._seen: dict[tuple[str, str], QuoteInputs] = {}

    def fresh(self, found: _Served) -> _Served:
        """``found`` with the ledger's current supply state and order book."""
        key = (found.plant.id, found.supply.id)
        with _ledger_errors():
            known = self._seen.get(key)
            if known is None or known.revision != self.ledger.revision():
                known = self._seen[key] = self.ledger.quote_inputs(found.supply, found.plant)
        return dataclasses.replace(found, supply=known.supply, orders=known.orders)

    def place(self, found: _Served, configuration: Any, args: _Arguments, customer: str,
              promised: dt.date) -> Outcome:
        """Place the order (confirmed, or refused with the reason)."""
        with _ledger_errors(), self._placing:
            return self.ledger.place(found.catalog, configuration, plant=found.plant,
                                     supply=found.supply, at=args.at, qty=args.qty,
                                     customer=customer, promised=promised)


@contextmanager
def _ledger_errors() -> Iterator[None]:
    """A ledger that fails (database gone, locked too long) is a 503; the details, which
    name the database, go to the log only. A request the ledger refuses (e.g. an order
    dated before the last one) is a 422 with the ledger's message."""
    from .ledger import LedgerError, LedgerUnavailable

    try:
        yield
    except LedgerUnavailable as exc:
        log.error("order book: %s", exc)
        raise ApiError(503, "the order book cannot be reached just now",
                       "try again in a moment") from None
    except LedgerError as exc:
        raise ApiError(422, str(exc)) from None


def _open_ledger(ledger: PathOr | Ledger, served: Mapping[str, _Served]) -> Ledger:
    """The ledger (opened when given as a path or URL), knowing every served catalog,
    plant and supply."""
    from .ledger import Ledger

    opened = ledger if isinstance(ledger, Ledger) else Ledger.open(ledger)
    for entry in served.values():
        opened.use(entry.catalog, entry.plant, entry.supply)
    return opened


#: The environment variable naming the files ``bto serve --workers N`` serves: JSON with
#: ``catalogs`` (a list of paths) and optional ``plant``, ``supply`` and ``orders`` paths and
#: ``ledger`` (a path or database URL).
SERVE_ENV = "BTO_SERVE_FILES"


def app_from_environment() -> Starlette:
    """The web configurator for the files named in :data:`SERVE_ENV` (the application each
    ``bto serve --workers N`` process loads)."""
    files = json.loads(os.environ[SERVE_ENV])
    return create_app(files["catalogs"], plant=files.get("plant"), supply=files.get("supply"),
                      orders=files.get("orders"), ledger=files.get("ledger"))


def create_app(catalog_paths: Sequence[PathOr | Catalog], plant: PathOr | Plant | None = None,
               supply: PathOr | Supply | None = None,
               orders: PathOr | OrderBook | None = None,
               ledger: PathOr | Ledger | None = None) -> Starlette:
    """The web configurator for these catalogs (files or loaded catalogs). ``plant`` and
    ``supply`` replace each catalog's own files; ``orders`` is an order book for all of them.
    ``ledger`` (a :class:`~configurator.ledger.Ledger`, or its path or URL, opened and
    created if missing) takes orders, and every quote sees what it holds; it excludes
    ``orders``. Raises :class:`~configurator.LoadError` for a bad file, ValueError for two
    catalogs with one id, a catalog without plant or supply data, or both ``orders`` and
    ``ledger``; :class:`~configurator.ledger.LedgerError` for a ledger that cannot be
    opened."""
    if orders is not None and ledger is not None:
        raise ValueError("give an order-book file or a ledger, not both: the ledger is the "
                         "order book")
    served = _served(catalog_paths, plant, supply, orders)
    desk = None if ledger is None else _Desk(_open_ledger(ledger, served))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(STATIC), autoescape=True,
                             undefined=jinja2.StrictUndefined)

    def entry(request: Request) -> _Served:
        catalog_id = request.path_params["catalog"]
        found = served.get(catalog_id)
        if found is None:
            raise ApiError(404, f"unknown catalog '{catalog_id}'",
                           did_you_mean(catalog_id, served) or
                           f"catalogs: {', '.join(served)}")
        return found

    def now(found: _Served) -> _Served:
        """What to quote against: with a ledger, what it holds now."""
        return found if desk is None else desk.fresh(found)

    async def catalogs(request: Request) -> Response:
        return _json({"catalogs": [
            {"id": s.catalog.id, "name": s.catalog.name.text(), "currency": s.catalog.currency,
             "languages": list(s.catalog.languages), "modules": len(s.catalog.modules),
             "page": f"/c/{s.catalog.id}", "api": f"/api/catalogs/{s.catalog.id}/page"}
            for s in served.values()]})

    async def page(request: Request) -> Response:
        found = entry(request)
        body = await _body(request, _PAGE_KEYS)
        args = _arguments(found, body)
        deltas = _deltas(found.catalog, body.get("deltas", True))
        tradeoffs = body.get("tradeoffs", True)
        if not isinstance(tradeoffs, bool):
            raise ApiError(400, "'tradeoffs' must be true or false")
        state = await run_in_threadpool(lambda: _page(now(found), args, deltas, tradeoffs))
        return _json(state.to_dict())

    async def quote_html(request: Request) -> Response:
        from .render import render_quote

        found = entry(request)
        body = await _body(request, _QUOTE_KEYS)
        args = _arguments(found, body)
        customer = _customer(body.get("customer"))

        def document() -> str:
            state = _page(now(found), args, False, True)
            if not state.valid:
                raise ApiError(409, "the selection conflicts; there is nothing to quote",
                               "apply one of the page's repairs first")
            if state.quote is None:
                raise ApiError(409, state.problem or "this configuration cannot be quoted")
            return render_quote(state.quote, found.catalog, "html", customer=customer,
                                language=state.language)

        text = await run_in_threadpool(document)
        name = f"quote-{found.catalog.id}.html"
        return HTMLResponse(text, headers={
            **_SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    async def place(request: Request) -> Response:
        if desk is None:
            raise ApiError(404, "this server has no order book: it quotes, but takes no "
                           "orders", "start it with `bto serve --ledger PATH|URL` to take "
                           "orders")
        found = entry(request)
        body = await _body(request, _ORDER_KEYS)
        args = _arguments(found, body)
        customer = _orderer(body.get("customer"))
        promised = _promised(body.get("promised"))

        def order() -> Outcome:
            configuration = _configuration(found.catalog, args.selection)
            return desk.place(found, configuration, args, customer, promised)

        outcome = await run_in_threadpool(order)
        answer = _order_answer(outcome)
        if outcome.ok:
            return JSONResponse(answer, status_code=201, headers=_SECURITY_HEADERS)
        earliest = f"the earliest date now is {outcome.earliest.isoformat()}" \
            if outcome.earliest else "it cannot be built now"
        return JSONResponse({"error": f"the order is refused: {outcome.reason}",
                             "suggestion": f"{earliest}; quote again and accept the new date",
                             **answer}, status_code=409, headers=_SECURITY_HEADERS)

    async def spec(request: Request) -> Response:
        return _json(openapi(sorted(served)))

    async def index(request: Request) -> Response:
        html = env.get_template("index.html.j2").render(catalogs=[
            (s.catalog.id, s.catalog.name.text()) for s in served.values()])
        return HTMLResponse(html, headers=_SECURITY_HEADERS)

    async def configurator(request: Request) -> Response:
        found = entry(request)
        html = env.get_template("page.html.j2").render(
            catalog_id=found.catalog.id, name=found.catalog.name.text(),
            languages=list(found.catalog.languages), ordering=desk is not None)
        return HTMLResponse(html, headers=_SECURITY_HEADERS)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            raise ApiError(404, f"no static file '{name}'", did_you_mean(name, _ASSETS))
        return Response((STATIC / name).read_bytes(), media_type=_ASSETS[name],
                        headers=_SECURITY_HEADERS)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/c/{catalog}", configurator, methods=["GET"]),
        Route("/static/{name}", asset, methods=["GET"]),
        Route("/openapi.json", spec, methods=["GET"]),
        Route("/api/catalogs", catalogs, methods=["GET"]),
        Route("/api/catalogs/{catalog}/page", page, methods=["POST"]),
        Route("/api/catalogs/{catalog}/quote.html", quote_html, methods=["POST"]),
        Route("/api/catalogs/{catalog}/orders", place, methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={
        ApiError: _api_error, HTTPException: _http_error, Exception: _unexpected})


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    suggestion = None
    if exc.status_code == 404:
        suggestion = "see GET /openapi.json for the routes"
    elif exc.status_code == 405:
        suggestion = f"allowed: {exc.headers.get('Allow', '')}" if exc.headers else None
    return ApiError(exc.status_code, str(exc.detail), suggestion).response()


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return ApiError(500, "internal error", "the server logged it; try again later").response()


def _json(data: Any) -> Response:
    return JSONResponse(data, headers=_SECURITY_HEADERS)


async def _body(request: Request, keys: tuple[str, ...]) -> dict[str, Any]:
    """The request's JSON object, at most :data:`MAX_BODY_BYTES`, with only ``keys``."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise _too_large()
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise _too_large()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"malformed JSON: {exc}",
                       'send a JSON object such as {"selection": {"frame": "longtail"}}'
                       ) from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object",
                       'e.g. {"selection": {"frame": "longtail"}}')
    for key in body:
        if key not in keys:
            raise ApiError(400, f"unknown field '{key}'",
                           did_you_mean(key, keys) or f"fields: {', '.join(keys)}")
    return body


def _customer(value: Any) -> str | None:
    """The name on a quote: a text of at most :data:`MAX_TEXT` characters, or None."""
    if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
        raise ApiError(400, f"'customer' must be a text of at most {MAX_TEXT} characters",
                       'e.g. {"customer": "Ada Lovelace"}')
    return value


def _orderer(value: Any) -> str:
    """The name an order is placed in: as on a quote, but required, on one line and
    without control characters (the ledger stores it; it is shown as text, never markup)."""
    name = _customer(value)
    if name is None or not name.strip():
        raise ApiError(422, "'customer' is missing: an order needs the customer's name",
                       'e.g. {"customer": "Ada Lovelace"}')
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ApiError(422, "'customer' contains control characters",
                       "send the name as plain text on one line")
    return name.strip()


def _promised(value: Any) -> dt.date:
    """``promised``: the ISO date the customer saw and accepted."""
    if value is None:
        raise ApiError(422, "'promised' is missing: the date the customer accepted",
                       "send the quote's promised date, e.g. \"promised\": \"2026-12-01\"")
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, f"'promised' is not an ISO date: {str(value)[:64]!r}",
                       "e.g. 2026-12-01") from None


def _configuration(catalog: Catalog, selection: Mapping[str, Any]) -> Any:
    """The selection completed with the catalog defaults, as the page completes it; a
    conflicting selection is a 409 (nothing is recorded)."""
    from .quoting.quote import _model
    from .session import pooled_session

    try:
        choices = selection_choices(catalog, selection)
        with pooled_session(catalog, model=_model(catalog)) as session:
            session.select_all(choices)
            if not session.consistent():
                raise ApiError(409, "the selection conflicts; there is nothing to order",
                               "apply one of the page's repairs first")
            return session.complete("default")
    except SelectionError as exc:
        raise ApiError(422, exc.message, exc.suggestion) from None


def _order_answer(outcome: Outcome) -> dict[str, Any]:
    """The customer's view of an order: the outcome with the order and its milestones
    (what it reserves and books stays in the shop)."""
    data = outcome.to_dict()
    for internal in ("reservations", "bookings"):
        data["order"].pop(internal)
    return data


def _too_large() -> ApiError:
    return ApiError(413, f"the request is larger than {MAX_BODY_BYTES // 1024} KiB",
                    "send only the selection: module ids and option ids")


@dataclass(frozen=True, slots=True)
class _Arguments:
    selection: dict[str, Any]
    at: dt.datetime
    lang: str | None
    qty: int


def _arguments(found: _Served, body: Mapping[str, Any]) -> _Arguments:
    """The selection, order time, language and quantity of a request, checked."""
    catalog = found.catalog
    selection = body.get("selection", {})
    if selection is None:
        selection = {}
    if not isinstance(selection, dict):
        raise ApiError(400, "'selection' must be an object mapping module ids to values",
                       '{"selection": {"frame": "longtail", "accessories": ["rack"]}}')
    if len(selection) > len(catalog.modules):
        raise ApiError(413, f"the selection has {len(selection)} modules; the catalog has "
                       f"{len(catalog.modules)}", "send each module at most once")
    for value in selection.values():
        if isinstance(value, list) and len(value) > 2 * max(
                (len(m.options) for m in catalog.modules), default=0):
            raise ApiError(413, "a module's list is longer than its options",
                           "list each option at most once")
    lang = body.get("lang")
    if lang is not None and (not isinstance(lang, str) or lang not in catalog.languages):
        raise ApiError(422, f"unknown language {lang!r}",
                       did_you_mean(str(lang), catalog.languages)
                       or f"languages: {', '.join(catalog.languages)}")
    qty = body.get("qty", 1)
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_QTY:
        raise ApiError(422, f"'qty' must be a whole number from 1 to {MAX_QTY}")
    return _Arguments(selection, _moment(body.get("at"), found.plant), lang, qty)


def _moment(text: Any, plant: Plant) -> dt.datetime:
    """``at``: an ISO date and time (without an offset: the plant's local time); now if
    absent."""
    zone = plant.zone
    if text is None:
        return dt.datetime.now(zone)
    try:
        if not isinstance(text, str) or len(text) > 64:
            raise ValueError
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(422, f"'at' is not an ISO date and time: {str(text)[:64]!r}",
                       "e.g. 2026-11-25T10:30 or 2026-11-25T10:30+01:00") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _deltas(catalog: Catalog, value: Any) -> bool | list[str]:
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and len(value) <= len(catalog.modules) and all(
            isinstance(v, str) for v in value):
        for module_id in value:
            if catalog.get_module(module_id) is None:
                raise ApiError(422, f"unknown module '{module_id}' in 'deltas'",
                               did_you_mean(module_id, catalog.module_ids()))
        return list(value)
    raise ApiError(400, "'deltas' must be true, false or a list of module ids")


def _page(found: _Served, args: _Arguments, deltas: bool | list[str], tradeoffs: bool) -> Any:
    try:
        return page_state(found.catalog, args.selection, plant=found.plant,
                          supply=found.supply, orders=found.orders, at=args.at,
                          lang=args.lang, qty=args.qty, deltas=deltas, tradeoffs=tradeoffs)
    except SelectionError as exc:
        raise ApiError(422, exc.message, exc.suggestion) from None


def openapi(catalog_ids: Sequence[str] = ()) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the JSON API."""
    error = {"description": "A problem with the request",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    catalog_param = {"name": "catalog", "in": "path", "required": True,
                     "schema": {"type": "string", **({"enum": list(catalog_ids)}
                                                     if catalog_ids else {})}}

    def post(operation: str, summary: str, request: str, answer: dict[str, Any],
             errors: tuple[int, ...], status: str = "200",
             special: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {"post": {
            "summary": summary, "operationId": operation, "parameters": [catalog_param],
            "requestBody": {"required": status != "200", "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{request}"}}}},
            "responses": {status: answer, **{str(code): error for code in errors},
                          **(special or {})}}}

    def answer(description: str, schema: str) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{schema}"}}}}

    selection = {
        "type": "object", "description": "module id -> option id, null (nothing), an integer, "
        "or for a multi-select module a list of option ids (-id excludes one) or "
        '{"exactly": [...]}', "additionalProperties": {"oneOf": [
            {"type": "string"}, {"type": "integer"}, {"type": "null"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "properties": {"exactly": {"type": "array",
                                                          "items": {"type": "string"}}},
             "required": ["exactly"], "additionalProperties": False}]}}
    common = {
        "selection": {"$ref": "#/components/schemas/Selection"},
        "at": {"type": "string", "description": "When the order is placed, ISO 8601; "
               "without an offset the plant's local time. Default: now."},
        "lang": {"type": "string", "description": "Language of labels (a catalog language)"},
        "qty": {"type": "integer", "minimum": 1, "maximum": MAX_QTY, "default": 1},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "bto configurator", "version": "1",
                 "description": "Configure, price and promise build-to-order products. The "
                 "state lives in the request: send the whole selection every time."},
        "paths": {
            "/api/catalogs": {"get": {
                "summary": "The catalogs served", "operationId": "listCatalogs",
                "responses": {"200": {"description": "The catalogs", "content": {
                    "application/json": {"schema": {
                        "$ref": "#/components/schemas/CatalogList"}}}}}}},
            "/api/catalogs/{catalog}/page": post(
                "pageState", "The configurator page's state for a selection", "PageRequest",
                {"description": "Options with their state, reasons and deltas; price and "
                 "quote; conflict and repairs", "content": {"application/json": {"schema": {
                     "$ref": "#/components/schemas/PageState"}}}}, (400, 404, 413, 422)),
            "/api/catalogs/{catalog}/quote.html": post(
                "quoteDocument", "The quote as a downloadable HTML document", "QuoteRequest",
                {"description": "The HTML quote (Content-Disposition: attachment)",
                 "content": {"text/html": {"schema": {"type": "string"}}}},
                (400, 404, 409, 413, 422)),
            "/api/catalogs/{catalog}/orders": post(
                "placeOrder", "Place an order in the order-book ledger (servers started with "
                "--ledger): confirmed for the date the customer accepted, or refused",
                "OrderRequest", answer("Confirmed: what it holds is reserved", "OrderPlaced"),
                (400, 404, 413, 422, 503), "201",
                {"409": answer("Refused (the date is gone, or the selection conflicts): the "
                               "reason and the earliest date now; nothing is reserved",
                               "OrderRefused")}),
            "/openapi.json": {"get": {
                "summary": "This document", "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {}}}}}},
            "/": {"get": {"summary": "The configurator's start page", "operationId": "index",
                          "responses": {"200": {"description": "HTML",
                                                "content": {"text/html": {}}}}}},
            "/c/{catalog}": {"get": {
                "summary": "The configurator page of a catalog", "operationId": "page",
                "parameters": [catalog_param],
                "responses": {"200": {"description": "HTML", "content": {"text/html": {}}},
                              "404": error}}},
            "/static/{name}": {"get": {
                "summary": "The page's script and style sheet", "operationId": "static",
                "parameters": [{"name": "name", "in": "path", "required": True,
                                "schema": {"type": "string", "enum": sorted(_ASSETS)}}],
                "responses": {"200": {"description": "JavaScript or CSS"}, "404": error}}},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error", "suggestion"], "properties": {
                "error": {"type": "string"}, "suggestion": {"type": ["string", "null"]}}},
            "Selection": selection,
            "PageRequest": {"type": "object", "additionalProperties": False, "properties": {
                **common,
                "deltas": {"oneOf": [{"type": "boolean"},
                                     {"type": "array", "items": {"type": "string"}}],
                           "description": "Price and date deltas for every module (true), "
                           "none (false), or these modules' options", "default": True},
                "tradeoffs": {"type": "boolean", "default": True}}},
            "QuoteRequest": {"type": "object", "additionalProperties": False, "properties": {
                **common, "customer": {"type": "string", "maxLength": MAX_TEXT}}},
            "OrderRequest": {
                "type": "object", "additionalProperties": False,
                "required": ["customer", "promised"], "properties": {
                    "selection": {"$ref": "#/components/schemas/Selection"},
                    "at": common["at"], "qty": common["qty"],
                    "customer": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT,
                                 "description": "The customer's name: stored and shown as "
                                 "text"},
                    "promised": {"type": "string", "format": "date",
                                 "description": "The promised date the customer saw and "
                                 "accepted; refused when a fresh plan misses it"}}},
            "Order": {"type": "object", "properties": {
                "id": {"type": "string"}, "catalog": {"type": "string"},
                "plant": {"type": "string"}, "supply": {"type": "string"},
                "customer": {"type": ["string", "null"]},
                "configuration": {"$ref": "#/components/schemas/Selection"},
                "qty": {"type": "integer"}, "status": {"enum": ["confirmed", "refused"]},
                "segment": {"type": ["string", "null"]},
                "price": {"type": ["string", "null"], "description": "Decimal"},
                "currency": {"type": ["string", "null"]},
                "placed": {"type": "string", "format": "date-time"},
                "confirmed": {"type": ["string", "null"], "format": "date-time"},
                "promised": {"type": ["string", "null"], "format": "date"},
                "original_promised": {"type": ["string", "null"], "format": "date"},
                "reason": {"type": ["string", "null"]},
                "milestones": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "part": {"type": ["string", "null"]},
                    "planned": {"type": ["string", "null"], "format": "date-time"},
                    "actual": {"type": ["string", "null"], "format": "date-time"}}}},
                "changes": {"type": "array", "items": {"type": "object"}}}},
            "OrderPlaced": {"type": "object", "required": ["ok", "order"], "properties": {
                "ok": {"const": True}, "reason": {"type": "null"},
                "earliest": {"type": "string", "format": "date"},
                "order": {"$ref": "#/components/schemas/Order"}}},
            "OrderRefused": {"type": "object", "required": ["error", "suggestion"],
                             "properties": {
                "error": {"type": "string"}, "suggestion": {"type": ["string", "null"]},
                "ok": {"const": False}, "reason": {"type": "string"},
                "earliest": {"type": ["string", "null"], "format": "date"},
                "order": {"$ref": "#/components/schemas/Order"}}},
            "CatalogList": {"type": "object", "properties": {"catalogs": {
                "type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"},
                    "currency": {"type": "string"},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "modules": {"type": "integer"}, "page": {"type": "string"},
                    "api": {"type": "string"}}}}}},
            "PageState": {"type": "object", "required": [
                "format", "catalog", "selection", "valid", "modules"], "properties": {
                "format": {"const": "bto-page/1"},
                "catalog": {"type": "object"},
                "placed": {"type": "string", "format": "date-time"},
                "selection": {"$ref": "#/components/schemas/Selection"},
                "valid": {"type": "boolean"},
                "modules": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "label": {"type": "string"},
                    "kind": {"enum": ["single", "multi", "integer"]},
                    "options": {"type": "array", "items": {"type": "object", "properties": {
                        "value": {}, "label": {"type": "string"},
                        "state": {"enum": ["chosen", "excluded", "available", "unavailable"]},
                        "reason": {"type": ["object", "null"]},
                        "delta": {"type": ["object", "null"], "properties": {
                            "price": {"type": "string"}, "days": {"type": "integer"},
                            "text": {"type": "string"}}}}}}}}},
                "configuration": {"type": ["object", "null"]},
                "price": {"type": ["object", "null"],
                          "description": "Money as decimal strings"},
                "quote": {"type": ["object", "null"], "description": "promised date, "
                          "milestones, gate, confidence, service check, trade-offs"},
                "problem": {"type": ["string", "null"]},
                "conflict": {"type": ["object", "null"]},
                "repairs": {"type": "array", "items": {"type": "object", "properties": {
                    "remove": {"type": "array", "items": {"type": "string"}},
                    "text": {"type": "string"},
                    "selection": {"$ref": "#/components/schemas/Selection"}}}}}},
        }},
    }
