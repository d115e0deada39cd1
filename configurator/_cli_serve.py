"""``bto serve``: the web configurator (:func:`configurator.web.create_app`) under uvicorn.

Every file is read and checked before the server starts, so a bad catalog prints its
problems as ``file:line:col`` and exits 1; so is the ``--ledger`` (opened, or created when a
SQLite file is missing, as ``bto order place`` does). The port is bound before uvicorn runs,
so a port in use is one clear line and exit 1. Starlette and uvicorn are imported only
here, when the command runs, so ``bto --help`` stays fast.
"""

from __future__ import annotations

import errno
import json
import os
import socket
from typing import Any

import click

from .cli import ProblemsFound, _load_or_exit, cli, provider_options

__all__ = ["bind", "serve_command"]


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; :class:`ProblemsFound` (exit 1) when the port
    is in use or the address cannot be bound."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as exc:
        click.echo(f"bto serve: cannot resolve host '{host}': {exc.strerror}", err=True)
        raise ProblemsFound("problems found") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            message = (f"port {port} on {host} is already in use; stop the other server or "
                       f"choose another port, e.g. --port {port + 1 if port < 65535 else 8000}")
        else:
            message = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        click.echo(f"bto serve: {message}", err=True)
        raise ProblemsFound("problems found") from None
    return sock


@click.command("serve")
@click.argument("catalogs", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="TCP port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes sharing the port, each with the catalogs loaded once; "
                   "one per core answers more clicks at once (every process gives the same "
                   "answers: the state is in the request).")
@click.option("--ledger", "ledger_target", default=None, metavar="PATH|URL",
              help="Take orders into this order-book ledger (a SQLite file, created if "
                   "missing, sqlite:///PATH or postgresql+psycopg://USER@HOST/DB): the page "
                   "gets an Order button, and every quote sees what the ledger holds. "
                   "Replaces --orders.")
@provider_options("each catalog's")
def serve_command(catalogs: tuple[str, ...], host: str, port: int, workers: int,
                  ledger_target: str | None, plant_path: str | None, supply_path: str | None,
                  orders_path: str | None) -> None:
    """Serve the web configurator and its JSON API for CATALOG files.

    Open http://HOST:PORT/ in a browser; the API is described at /openapi.json. With
    --ledger, customers order from the page (POST /api/catalogs/ID/orders). Exit status 1
    when a file or the ledger has problems or the port is in use.
    """
    if ledger_target is not None and orders_path is not None:
        raise click.UsageError("--orders and --ledger both give the order book; the ledger "
                               "holds the open orders, so give only --ledger")
    from .loading import read_catalog, read_orders, read_plant, read_supply

    loaded = [_load_or_exit(read_catalog, path, "catalog") for path in catalogs]
    plant = _load_or_exit(read_plant, plant_path, "plant") if plant_path else None
    supply = _load_or_exit(read_supply, supply_path, "supply") if supply_path else None
    orders = _load_or_exit(read_orders, orders_path, "orders") if orders_path else None
    seen: dict[str, str] = {}
    for path, catalog in zip(catalogs, loaded, strict=True):
        if catalog.id in seen:
            raise click.UsageError(f"{path} and {seen[catalog.id]} are both catalog "
                                   f"'{catalog.id}'; serve one of them")
        seen[catalog.id] = path
        for what, own, given, read in (("plant", catalog.plant, plant, read_plant),
                                       ("supply", catalog.supply, supply, read_supply)):
            if given is None and own is None:
                raise click.UsageError(f"{path} names no {what} file; give --{what} FILE")
            if given is None:
                _load_or_exit(read, str(own), what)  # its problems, before the server starts
    if ledger_target is None:
        _serve(loaded, catalogs, host, port, workers, plant_path, supply_path, orders_path,
               plant, supply, orders, None)
        return
    from ._cli_orders import open_ledger

    with open_ledger(ledger_target, "text", create=True, load=False) as opened:
        # One process serves with the ledger checked here; workers each open their own.
        ledger: Any = opened if workers == 1 else (
            ledger_target if "://" in ledger_target
            else os.path.abspath(os.path.expanduser(ledger_target)))
        _serve(loaded, catalogs, host, port, workers, plant_path, supply_path, None, plant,
               supply, None, ledger)


def _serve(loaded: list[Any], catalogs: tuple[str, ...], host: str, port: int, workers: int,
           plant_path: str | None, supply_path: str | None, orders_path: str | None,
           plant: Any, supply: Any, orders: Any, ledger: Any) -> None:
    """Bind the port and run the app: in this process, or in ``workers`` processes that
    load the (already checked) files named in their environment."""
    sock = bind(host, port)
    if workers == 1:
        from .web import create_app

        app = create_app(loaded, plant=plant, supply=supply, orders=orders, ledger=ledger)
        _run(sock, host, app)
        return
    # Each worker process loads the (already checked) files itself, named in its environment.
    from .web import SERVE_ENV

    files = {"catalogs": [os.path.abspath(p) for p in catalogs],
             **{k: os.path.abspath(v) for k, v in (("plant", plant_path), ("supply", supply_path),
                                                   ("orders", orders_path)) if v},
             **({"ledger": ledger} if ledger is not None else {})}
    os.environ[SERVE_ENV] = json.dumps(files)
    _run(sock, host, None, workers)


def _run(sock: socket.socket, host: str, app: Any, workers: int = 1) -> None:
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    processes = f", {workers} processes" if workers > 1 else ""
    click.echo(f"bto serve: http://{shown}:{sock.getsockname()[1]}/{processes} (Ctrl+C stops)",
               err=True)
    try:
        if app is not None:
            uvicorn.Server(uvicorn.Config(app, log_level="info")).run(sockets=[sock])
        else:
            from uvicorn.supervisors import Multiprocess

            config = uvicorn.Config("configurator.web:app_from_environment", factory=True,
                                    workers=workers, log_level="info")
            Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()


cli.add_command(serve_command)
