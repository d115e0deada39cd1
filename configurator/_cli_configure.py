"""``bto configure``: the terminal front end (configurator/terminal.py) on prompt_toolkit.

Reads commands with a prompt_toolkit prompt (line editing, history, completion of option and
module ids and commands), prints each screen with unavailable options greyed, and ends with
the BOM, the price and the quote, then saves the selection as a ``bto-selection/1`` file that
``--selection`` of the other commands reads back.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .cli import (
    ProblemsFound,
    _format_bom,
    _format_price,
    _load_catalog_or_exit,
    _load_or_exit,
    _moment,
    _plant_and_supply,
    _print_problems,
    cli,
    provider_options,
    write_output,
)

__all__ = ["configure_command"]


@click.command("configure")
@click.argument("catalog_path", metavar="CATALOG", type=click.Path(exists=True, dir_okay=False))
@provider_options("the catalog's")
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME",
              help="When the order is placed (default: now).")
@click.option("--lang", default=None, help="Language of labels (default: the catalog's first).")
@click.option("--selection", "selection_file", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Start from a saved selection file.")
@click.option("--save", "save_path", type=click.Path(dir_okay=False), default=None,
              help="Save the selection here when done (default: asked, "
                   "CATALOG-ID.selection.yaml offered).")
def configure_command(catalog_path: str, plant_path: str | None, supply_path: str | None,
                      orders_path: str | None, at_text: str | None, lang: str | None,
                      selection_file: str | None, save_path: str | None) -> None:
    """Configure a product in the terminal, module by module: each option with what it does
    to the price and the date, unavailable ones greyed with the reason; undo, jump to a
    module, "why not X?", complete the rest (default, cheapest or fastest). Ends with the
    BOM, the price and the quote, and saves the selection for the other commands.

    Type `help` at the prompt for the commands. Needs a terminal.
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.UsageError("bto configure is interactive and needs a terminal; without "
                               "one, choose with `bto quote CATALOG -s MODULE=VALUE ...`")
    from .loading import read_orders
    from .page import page_state
    from .selection import read_selection_file
    from .session import selection_json, selection_of
    from .terminal import TerminalConfigurator

    catalog = _load_catalog_or_exit(catalog_path)
    plant, supply = _plant_and_supply(catalog, plant_path, supply_path, "text")
    orders = _load_or_exit(read_orders, orders_path, "orders") if orders_path else None
    at = _moment(at_text, plant.zone)
    start: dict[str, Any] = {}
    if selection_file is not None:
        found, problems = read_selection_file(selection_file, catalog)
        _print_problems(problems, sys.stderr)
        if found is None:
            raise ProblemsFound("problems found")
        start = selection_json(selection_of(catalog, found))

    def state(selection: Any, module: str | None) -> Any:
        return page_state(catalog, selection, plant=plant, supply=supply, orders=orders,
                          at=at, lang=lang, deltas={module} if module else False)

    ui = TerminalConfigurator(catalog, state, selection=start)
    if not _converse(ui):
        return
    _finish(ui, catalog, plant, supply, orders, at, lang, save_path)


def _converse(ui: Any) -> bool:
    """Read commands until the customer is done (True) or leaves (False)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.history import InMemoryHistory

    words = ["back", "next", "undo", "go", "why", "repair", "complete", "cheapest",
             "fastest", "default", "list", "done", "quit", "help"]
    for module in ui.catalog.modules:
        words.append(module.id)
        words += [o.id for o in module.options]
    session: PromptSession[str] = PromptSession(
        history=InMemoryHistory(), completer=WordCompleter(list(dict.fromkeys(words))))
    _show(ui.screen())
    while True:
        try:
            text = session.prompt(ui.prompt())
        except (EOFError, KeyboardInterrupt):
            click.echo("left without saving")
            return False
        step = ui.handle(text)
        _show(step.text)
        if step.quit:
            return False
        if step.finished:
            return True


def _show(text: str) -> None:
    """Print a screen: the header bold, unavailable options greyed."""
    from prompt_toolkit import print_formatted_text
    from prompt_toolkit.formatted_text import FormattedText

    parts: list[tuple[str, str]] = []
    for n, line in enumerate(text.split("\n")):
        style = ""
        if n == 0 and ("modules chosen" in line or "conflict" in line):
            style = "bold"
        elif line[:6].strip().endswith(" x") or line.lstrip().startswith("x "):
            style = "ansibrightblack"
        elif line.startswith("hint:"):
            style = "ansicyan"
        parts.append((style, line + "\n"))
    print_formatted_text(FormattedText(parts), end="")


def _finish(ui: Any, catalog: Any, plant: Any, supply: Any, orders: Any, at: Any,
            lang: str | None, save_path: str | None) -> None:
    """The BOM, price and quote of the completed selection; then save the selection."""
    from .bom import explode
    from .page import selection_choices
    from .pricing import price
    from .quoting.fastest import fastest_configuration
    from .quoting.quote import quote
    from .render import render_quote
    from .session import Session

    with Session(catalog) as session:
        session.select_all(selection_choices(catalog, ui.selection))
        if ui.objective == "fastest":
            configuration = fastest_configuration(session, plant, supply, orders=orders, at=at)
        else:
            configuration = session.complete(ui.objective)
    click.echo("")
    click.echo(_format_bom(explode(catalog, configuration)))
    click.echo("")
    click.echo(_format_price(price(catalog, configuration)))
    click.echo("")
    result = quote(catalog, configuration, plant=plant, supply=supply, orders=orders, at=at)
    click.echo(render_quote(result, catalog, "text", language=lang))
    target = save_path
    if target is None:
        default = f"{catalog.id}.selection.yaml"
        target = click.prompt("save the selection to", default=default)
    import yaml

    write_output(target, yaml.safe_dump(configuration.to_dict(), sort_keys=False,
                                        allow_unicode=True), "the selection")
    click.echo(f"saved: {target} (bto quote {catalog.path or 'CATALOG'} --selection "
               f"{Path(target)})")


cli.add_command(configure_command)
