"""``bto quote``: the command line's thin layer over :func:`configurator.quote`."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ._files import write_atomically
from .cli import (
    QTY_OPTION,
    ProblemsFound,
    _configuration,
    _failure,
    _load_or_exit,
    _moment,
    _plant_and_supply,
    _print_problems,
    _selection_options,
    cli,
    provider_options,
)


def fastest_completion(session: Any, plant_path: str | None, supply_path: str | None,
                       orders: Any, at_text: str | None, qty: int, fmt: str,
                       ledger: str | None = None) -> Any:
    """The session's choices completed to the configuration delivered soonest."""
    from .quoting.fastest import fastest_configuration

    plant, supply = _plant_and_supply(session.catalog, plant_path, supply_path, fmt)
    if ledger is not None:
        supply, orders = _ledger_inputs(ledger, plant, supply, fmt)
    return fastest_configuration(session, plant, supply, orders=orders,
                                 at=_moment(at_text, plant.zone), qty=qty)


def _ledger_inputs(target: str, plant: Any, supply: Any, fmt: str) -> tuple[Any, Any]:
    """The supply state (the file with the ledger's supply events) and the order book (what
    the ledger's open orders hold) a new order at ``plant`` sees now."""
    from ._cli_orders import open_ledger

    with open_ledger(target, fmt, load=False) as ledger:
        inputs = ledger.quote_inputs(supply, plant)
    return inputs.supply, inputs.orders


@click.command("quote")
@click.argument("catalog", type=click.Path(exists=True, dir_okay=False))
@_selection_options
@QTY_OPTION
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME",
              help="When the order is placed (default: now). Without an offset, the plant's "
                   "local time. Makes every result reproducible.")
@provider_options("the catalog's")
@click.option("--ledger", "ledger_target", default=None, metavar="PATH|URL",
              help="Quote against the order-book ledger (as `bto order` takes it): only the "
                   "stock and capacity its open orders do not hold, and its supply events.")
@click.option("--carrier", default=None, help="Carrier id (default: the plant's default).")
@click.option("--confidence", "target", type=click.FloatRange(0.5, 0.999), default=None,
              help="Promise the date met with this probability (default: the segment's "
                   "service level, else 0.9).")
@click.option("--calibration", "calibration_path", default=None,
              type=click.Path(exists=True, dir_okay=False),
              help="A bto-calibration/1 file from `bto simulate --calibration`: promise the "
                   "plan's date plus the segment's learned buffer.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the Monte Carlo behind the confidence.")
@click.option("--requested-date", "requested", type=click.DateTime(["%Y-%m-%d"]),
              default=None, help="Can we deliver by this date? If not, what would.")
@click.option("--objective", type=click.Choice(["default", "cheapest", "fastest"]),
              default="default", show_default=True,
              help="How a partial selection is completed: catalog defaults, the lowest option "
                   "prices, or the earliest delivery.")
@click.option("--no-tradeoffs", is_flag=True, help="Skip the trade-off analysis.")
@click.option("--customer", default=None, help="Customer name shown on the document.")
@click.option("--lang", default=None, help="Language of labels (default: the catalog's first).")
@click.option("--templates", type=click.Path(exists=True, file_okay=False), default=None,
              help="A folder of your own quote.txt.j2 / quote.md.j2 / quote.html.j2.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]),
              default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, writable=True),
              help="Write the document to this file (whole or not at all) instead of stdout.")
def quote_command(catalog: str, selects: tuple[str, ...], selection_file: str | None,
                  engine: str, qty: int, at_text: str | None, plant_path: str | None,
                  supply_path: str | None, orders_path: str | None,
                  ledger_target: str | None, carrier: str | None,
                  target: float | None, calibration_path: str | None, seed: int,
                  requested: Any, objective: str,
                  no_tradeoffs: bool,
                  customer: str | None, lang: str | None, templates: str | None, fmt: str,
                  output: str | None) -> None:
    """Quote a configuration: price, the promised delivery date with milestones, what the
    date waits for, how sure it is, the service-level check, and what would be faster.

    A partial selection is completed with the catalog defaults. Exit status 1 when the
    choices conflict or the order cannot be built from the supply data.
    """
    from decimal import Decimal

    from .bom import BomError
    from .loading import read_orders
    from .pricing import PriceError
    from .quoting.atp import SupplyError
    from .quoting.capacity import CapacityError
    from .quoting.quote import InvalidConfiguration, quote
    from .render import TemplateProblem, render_quote

    if orders_path is not None and ledger_target is not None:
        raise click.UsageError("give --orders or --ledger, not both: the ledger is the order "
                               "book")
    orders = _load_or_exit(read_orders, orders_path, "orders", fmt) if orders_path else None
    buffers = None
    if calibration_path is not None:
        from .simulation.calibration import CalibrationError, load_calibration

        try:
            buffers = load_calibration(calibration_path).buffers
        except CalibrationError as exc:
            _print_problems(exc.problems, sys.stderr)
            raise ProblemsFound("problems found") from None
    how: Any = objective
    if objective == "fastest":
        def how(session: Any) -> Any:
            return fastest_completion(session, plant_path, supply_path, orders, at_text, qty,
                                      fmt, ledger_target)
    loaded, configuration = _configuration(catalog, selects, selection_file, engine,
                                           "json" if fmt == "json" else "text", how)
    plant, supply = _plant_and_supply(loaded, plant_path, supply_path, fmt)
    if ledger_target is not None:
        supply, orders = _ledger_inputs(ledger_target, plant, supply, fmt)
    at = _moment(at_text, plant.zone)
    try:
        result = quote(loaded, configuration, plant=plant, supply=supply, orders=orders, at=at,
                       qty=qty, carrier=carrier, seed=seed, tradeoffs=not no_tradeoffs,
                       target=Decimal(str(target)) if target is not None else None,
                       requested=requested.date() if requested else None,
                       buffer_days=buffers)
    except (BomError, PriceError, SupplyError, CapacityError, InvalidConfiguration) as exc:
        raise _failure(exc, fmt) from None
    except ValueError as exc:  # a bad argument: an unknown carrier, a time without a zone
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        try:
            text = render_quote(result, loaded, fmt, customer=customer,  # type: ignore[arg-type]
                                language=lang, templates=templates)
        except TemplateProblem as exc:
            raise _failure(exc, fmt) from None
    if output is not None:
        write_atomically(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


cli.add_command(quote_command)
