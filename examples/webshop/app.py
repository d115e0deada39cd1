"""A web shop's configurator backend: JSON over WSGI, standard library only.

Run it from the repository's root (``wsgiref``'s server, one thread per request)::

    python -m examples.webshop.app catalogs/ebike.yaml --port 8000
    curl -s localhost:8000/quote -d '{"selection": {"frame": "longtail"}}'

Endpoints (each takes a JSON object and answers with one):

- ``POST /options``: ``{"selection": {...}}``: every module's available and unavailable
  options; when the choices conflict, the conflict and the repairs.
- ``POST /explain``: ``{"selection": {...}, "module": "motor", "value": "hub_rear_50"}``:
  why that option is unavailable.
- ``POST /quote``: ``{"selection": {...}, "qty": 1, "at": "2026-11-25T10:00+01:00",
  "requested": "2027-01-20", "tradeoffs": false, "objective": "default"}`` (all but
  ``selection`` optional): price, promised date, milestones, confidence (``Quote.to_dict()``).

Errors are JSON too, ``{"error": KIND, "message": ...}``, with a 4xx status (see
docs/embedding.md); never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import socketserver
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

from configurator import (
    Catalog,
    LoadError,
    Plant,
    load_catalog,
    load_orders,
    load_plant,
    load_supply,
)
from configurator.bom import DerivationError
from configurator.choices import SelectionError, choices_of
from configurator.engine.model import Model, compile_model
from configurator.problems import format_problem
from configurator.quoting.atp import SupplyError
from configurator.quoting.buffers import BufferTable
from configurator.quoting.capacity import CapacityError
from configurator.quoting.quote import InvalidConfiguration, quote
from configurator.session import ConflictError, Session

from .erp import DemoErp, ErpCapacity, ErpClient, ErpSupply

__all__ = ["MAX_BODY", "HttpError", "Shop", "WebShop", "main", "make_app"]

#: Request bodies above this many bytes are refused (413): a selection is a few hundred bytes.
MAX_BODY = 64 * 1024
MAX_QTY = 1000

log = logging.getLogger("webshop")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
JSON = dict[str, Any]


class HttpError(Exception):
    """A request the shop refuses: ``status`` (4xx) and a JSON body."""

    def __init__(self, status: int, kind: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body: JSON = {"error": kind, "message": message, **extra}


@dataclass(frozen=True, slots=True)
class Shop:
    """What the shop loads once at start-up and every request thread shares, read-only."""

    catalog: Catalog
    model: Model
    plant: Plant
    erp: ErpClient
    buffers: BufferTable | Mapping[str, int] | None = None

    @classmethod
    def load(cls, catalog_path: str | Path, *, erp: ErpClient | None = None,
             plant_path: str | Path | None = None, orders_path: str | Path | None = None,
             buffers: BufferTable | Mapping[str, int] | None = None) -> Shop:
        """Load the catalog and its plant; without ``erp``, a demo ERP filled from the
        catalog's supply file (and ``orders_path``'s bookings). Raises LoadError for a file
        with problems, ValueError for a catalog that names no plant or supply file."""
        catalog = load_catalog(catalog_path)
        plant_file = plant_path or catalog.plant
        if plant_file is None:
            raise ValueError(f"catalog {catalog.id} names no plant file")
        plant = load_plant(plant_file)
        if erp is None:
            if catalog.supply is None:
                raise ValueError(f"catalog {catalog.id} names no supply file")
            orders = load_orders(orders_path) if orders_path else None
            erp = DemoErp.from_files(load_supply(catalog.supply), orders, plant)
        # Compiled once: every Session gets it, so a request skips compiling the rules.
        return cls(catalog, compile_model(catalog), plant, erp, buffers)


class WebShop:
    """The WSGI application. One instance serves any number of threads: it holds only the
    shared, read-only :class:`Shop`; every request makes its own session and providers."""

    def __init__(self, shop: Shop, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.shop = shop
        self.clock = clock or (lambda: dt.datetime.now(shop.plant.zone))
        self.routes: dict[str, Callable[[JSON], JSON]] = {
            "/options": self.options, "/explain": self.explain, "/quote": self.quote}

    # -- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: Mapping[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        try:
            status, body = 200, self.handle(environ)
        except HttpError as exc:
            status, body = exc.status, exc.body
        except Exception:  # a bug: log it, answer without a traceback
            log.exception("request failed")
            status, body = 500, {"error": "internal", "message": "internal error"}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        start_response(f"{status} {_REASONS.get(status, 'Error')}", [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("X-Content-Type-Options", "nosniff")])
        return [data]

    def handle(self, environ: Mapping[str, Any]) -> JSON:
        """The answer to one request, or :class:`HttpError`."""
        path = environ.get("PATH_INFO", "")
        route = self.routes.get(path)
        if route is None:
            raise HttpError(404, "not_found", f"no endpoint {path!r}; try "
                            + ", ".join(f"POST {p}" for p in self.routes))
        if environ.get("REQUEST_METHOD") != "POST":
            raise HttpError(405, "method_not_allowed", f"{path} takes POST with a JSON body")
        try:
            return route(_read_json(environ))
        except HttpError:
            raise
        except SelectionError as exc:  # unknown module, option or value
            raise HttpError(422, "selection", exc.message, suggestion=exc.suggestion) from exc
        except InvalidConfiguration as exc:  # the choices break rules
            raise HttpError(409, "conflict", str(exc), rules=list(exc.rules)) from exc
        except ConflictError as exc:
            raise HttpError(409, "conflict", str(exc)) from exc
        except SupplyError as exc:  # a part nobody can deliver
            raise HttpError(422, "cannot_promise", str(exc), part=exc.part) from exc
        except CapacityError as exc:  # no free slot within the planning horizon
            raise HttpError(422, "cannot_promise", str(exc)) from exc
        except DerivationError as exc:  # BOM or price not computable: a catalog problem
            log.warning("catalog problem: %s", exc)
            raise HttpError(422, "cannot_build", str(exc)) from exc

    # -- endpoints ---------------------------------------------------------------------------
    def options(self, request: JSON) -> JSON:
        """Available and unavailable options; the conflict and repairs when there is one."""
        with self._session(request) as session:
            valid = session.valid_options()
            out = valid.to_dict()
            if not valid.consistent:
                out["conflict"] = session.validate().to_dict()["conflict"]
                out["repairs"] = [r.to_dict() for r in session.repairs()]
            return out

    def explain(self, request: JSON) -> JSON:
        """Why an option is unavailable: the fewest choices and rules that exclude it."""
        module = request.get("module")
        if not isinstance(module, str):
            raise HttpError(400, "bad_request", "'module' must be a module id")
        value = request.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise HttpError(400, "bad_request", "'value' must be an option id or an integer")
        with self._session(request) as session:
            return session.explain(module, value).to_dict()

    def quote(self, request: JSON) -> JSON:
        """The quote of the selection, completed with ``objective`` first."""
        shop = self.shop
        selection = _selection(request)
        objective = request.get("objective", "default")
        if objective not in ("default", "cheapest", "fastest"):
            raise HttpError(400, "bad_request",
                            "'objective' must be default, cheapest or fastest")
        supply = ErpSupply(shop.erp)  # one per request: one consistent look at the ERP
        result = quote(shop.catalog, selection, plant=shop.plant, supply=supply,
                       capacity=ErpCapacity(shop.erp, shop.plant), at=self._at(request),
                       qty=_qty(request), requested=_date(request, "requested"),
                       tradeoffs=_flag(request, "tradeoffs"), objective=objective,
                       buffer_days=shop.buffers)
        return result.to_dict()

    # -- helpers -----------------------------------------------------------------------------
    def _session(self, request: JSON) -> Session:
        selection = _selection(request)
        session = Session(self.shop.catalog, model=self.shop.model)
        try:
            session.select_all(choices_of(self.shop.catalog.module_map, selection))
        except BaseException:
            session.close()
            raise
        return session

    def _at(self, request: JSON) -> dt.datetime:
        """The order time: ISO 8601; without an offset, the plant's local time; default now."""
        text = request.get("at")
        if text is None:
            return self.clock()
        try:
            at = dt.datetime.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            at = None
        if at is None:
            raise HttpError(400, "bad_request", "'at' must be an ISO 8601 date and time")
        return at if at.tzinfo else at.replace(tzinfo=self.shop.plant.zone)


def _read_json(environ: Mapping[str, Any]) -> JSON:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise HttpError(400, "bad_request", "bad Content-Length") from None
    if length > MAX_BODY:
        raise HttpError(413, "too_large", f"the body may have at most {MAX_BODY} bytes")
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    try:
        body = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HttpError(400, "bad_json", f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise HttpError(400, "bad_json", "the body must be a JSON object")
    return body


def _selection(request: JSON) -> dict[str, Any]:
    """The request's selection: module -> option id, integer, null, or a list of items."""
    selection = request.get("selection", {})
    if not isinstance(selection, dict):
        raise HttpError(400, "bad_request", "'selection' must be an object: module -> choice")
    for module, value in selection.items():
        items = value if isinstance(value, list) else [value]
        if not all(v is None or (isinstance(v, str | int) and not isinstance(v, bool))
                   for v in items):
            raise HttpError(400, "bad_request", f"the choice in {module!r} must be an option "
                            "id, an integer, null or a list of option ids")
    return selection


def _qty(request: JSON) -> int:
    qty = request.get("qty", 1)
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_QTY:
        raise HttpError(400, "bad_request", f"'qty' must be a whole number from 1 to {MAX_QTY}")
    return qty


def _date(request: JSON, key: str) -> dt.date | None:
    text = request.get(key)
    if text is None:
        return None
    try:
        if isinstance(text, str):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise HttpError(400, "bad_request", f"{key!r} must be an ISO 8601 date (YYYY-MM-DD)")


def _flag(request: JSON, key: str) -> bool:
    value = request.get(key, False)
    if not isinstance(value, bool):
        raise HttpError(400, "bad_request", f"{key!r} must be true or false")
    return value


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 413: "Content Too Large", 422: "Unprocessable Content",
            500: "Internal Server Error"}


def make_app(catalog_path: str | Path = "catalogs/ebike.yaml", **options: Any) -> WebShop:
    """The WSGI app for one catalog; ``options`` as for :meth:`Shop.load`."""
    return WebShop(Shop.load(catalog_path, **options))


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the shop; exit status 1 when the catalog or its files have problems."""
    parser = argparse.ArgumentParser(prog="python -m examples.webshop.app",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("catalog", nargs="?", default="catalogs/ebike.yaml")
    parser.add_argument("--orders", help="an order book whose bookings the demo ERP holds")
    parser.add_argument("--calibration", help="a bto-calibration/1 file: calibrated promises")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    try:
        buffers = None
        if args.calibration:
            from configurator.simulation.calibration import load_calibration

            buffers = load_calibration(args.calibration).buffers
        app = make_app(args.catalog, orders_path=args.orders, buffers=buffers)
    except LoadError as exc:
        for problem in exc.problems:
            print(format_problem(problem), file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with make_server(args.host, args.port, app, server_class=_ThreadingServer) as server:
        print(f"serving {app.shop.catalog.id} on http://{args.host}:{args.port}",
              file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
