"""``bto order``, ``bto supply`` and ``bto orders``: the command line's thin layer over the
order-book ledger (:class:`configurator.ledger.Ledger`).

Every command takes ``--ledger PATH|URL`` (default ``bto-ledger.db`` here, or ``$BTO_LEDGER``).
Only ``bto order place`` and ``bto order quote`` create a ledger; the others need one. The
ledger records the files each order was placed with, so the commands that re-plan
(``confirm``, ``change``, ``bto supply ...``, ``bto orders ...``) load them again by
themselves. See docs/ledger.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .choices import value_text
from .cli import (
    FORMAT_OPTION,
    QTY_OPTION,
    ProblemsFound,
    _configuration,
    _dump,
    _failure,
    _moment,
    _plant_and_supply,
    _selection_options,
    _table,
    cli,
)

if TYPE_CHECKING:
    from .ledger import Change, Event, Ledger, Order, OrderDetail, Outcome, Repromise

__all__ = ["DEFAULT_LEDGER", "format_detail", "format_orders", "format_repromise", "open_ledger",
           "order_group", "orders_group", "supply_group"]

#: The ledger used when neither --ledger nor BTO_LEDGER names one.
DEFAULT_LEDGER = "bto-ledger.db"
F = TypeVar("F", bound=Callable[..., Any])

LEDGER_OPTION = click.option(
    "--ledger", "target", envvar="BTO_LEDGER", default=DEFAULT_LEDGER, show_default=True,
    metavar="PATH|URL",
    help="The ledger: a SQLite file (created by the first `bto order place`), "
         "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB. Also $BTO_LEDGER.")
AT_OPTION = click.option(
    "--at", "at_text", default=None, metavar="ISO-DATETIME",
    help="When it happened (default: now). Without an offset, the plant's local time.")
#: What `bto order advance` takes (the ledger's MILESTONES, without importing it at start-up).
MILESTONE_NAMES = ("material_ready", "assembly_start", "assembly_end", "ready_to_ship",
                   "shipped", "delivered")
#: The statuses `bto order list --status` takes.
STATUS_NAMES = ("quoted", "confirmed", "in_assembly", "shipped", "delivered", "cancelled",
                "refused")
CAUSE_OPTION = click.option("--cause", default=None, metavar="TEXT",
                            help="The cause recorded with the event and its changes.")


# -- opening the ledger and reading arguments ---------------------------------------------------
def _sqlite_file(target: str) -> Path | None:
    """The file of a SQLite target (None for PostgreSQL or an in-memory database)."""
    if "://" not in target:
        return Path(target).expanduser()
    if target.startswith("sqlite:///") and target[len("sqlite:///"):] not in ("", ":memory:"):
        return Path(target[len("sqlite:///"):])
    return None


@contextmanager
def open_ledger(target: str, fmt: str, *, create: bool = False,
            load: bool | None = True) -> Iterator[Ledger]:
    """The ledger at ``target``; any :class:`LedgerError` inside exits 1 with its message.

    ``create``: a missing SQLite file becomes a new ledger (said on stderr), else it is an
    error. ``load``: load the files the orders were placed with (True: a file an open order
    needs must load; None: what loads, the rest as warnings; False: none).
    """
    from .ledger import Ledger, LedgerError

    file = _sqlite_file(target)
    new = file is not None and not file.exists()
    if new and not create:
        raise _failure(LedgerError(
            f"no ledger at {target}; `bto order place` creates one (give --ledger or set "
            "BTO_LEDGER to use another)"), fmt)
    try:
        ledger = Ledger.open(target, create=create)
    except LedgerError as exc:
        raise _failure(exc, fmt) from None
    if new:
        click.echo(f"created a new ledger {target}", err=True)
    try:
        with ledger:
            if load is not False:
                _load_sources(ledger, strict=load is True)
            yield ledger
    except LedgerError as exc:
        raise _failure(exc, fmt) from None


def _load_sources(ledger: Ledger, strict: bool) -> None:
    from .ledger import LedgerError

    try:
        warnings = ledger.load_sources()
    except LedgerError as exc:
        if strict:
            raise
        warnings = (str(exc),)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def _zone(ledger: Ledger, plant: str | None = None) -> dt.tzinfo | None:
    """The time zone of ``plant`` (default: of every plant the ledger knows, when they
    share one); None when it is not known or not one."""
    if plant is not None:
        known = ledger.plants.get(plant)
        return known.zone if known is not None else None
    zones = {p.timezone: p.zone for p in ledger.plants.values()}
    return next(iter(zones.values())) if len(zones) == 1 else None


def _time(text: str | None, zone: dt.tzinfo | None, hint: str = "--at") -> dt.datetime:
    """A moment as `bto quote --at` takes it; without an offset, in ``zone``."""
    if text is not None and zone is None:
        try:
            naive = dt.datetime.fromisoformat(text).tzinfo is None
        except ValueError:
            naive = False  # _moment says what is wrong with it
        if naive:
            raise click.BadParameter(f"'{text}' has no offset and the plant's time zone is "
                                     "not known here; write e.g. 2026-11-25T10:30+01:00",
                                     param_hint=f"'{hint}'")
    try:
        moment: dt.datetime = _moment(text, zone or dt.UTC)
    except click.BadParameter as exc:
        exc.param_hint = f"'{hint}'"
        raise
    return moment


#: Dates as `bto quote --requested-date` takes them.
DATE = click.DateTime(["%Y-%m-%d"])
PROMISED_OPTION = click.option(
    "--promised", "promised", type=DATE, default=None, metavar="DATE",
    help="The date the customer holds (from an earlier quote): refused when it cannot be met.")


def _day_of(value: dt.datetime | None) -> dt.date | None:
    return None if value is None else value.date()


# -- text output -------------------------------------------------------------------------------
def _day(day: dt.date | None) -> str:
    return "-" if day is None else f"{day:%a} {day.isoformat()}"


def _when(moment: dt.datetime | None, zone: dt.tzinfo | None) -> str:
    if moment is None:
        return "-"
    local = moment.astimezone(zone) if zone is not None else moment
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip()


def _milestone_when(name: str, moment: dt.datetime | None, zone: dt.tzinfo | None) -> str:
    """A milestone's moment; the delivery is planned for a day, not a time."""
    if name == "delivered" and moment is not None and zone is not None:
        local = moment.astimezone(zone)
        if local.time() == dt.time(0):
            return _day(local.date())
    return _when(moment, zone)


def _grid(rows: Sequence[tuple[str, ...]], right: frozenset[int] = frozenset(),
          indent: str = "  ") -> list[str]:
    """Aligned columns with a rule under the heading row."""
    lines = _table(rows, right)
    return [indent + line for line in (lines[:1] + ["-" * len(lines[0])] + lines[1:])]


def _money(order: Order) -> str:
    return "-" if order.price is None else f"{order.currency or ''} {order.price}".strip()


def _options_text(configuration: Mapping[str, Any]) -> str:
    return ", ".join(f"{module}={','.join(v) if isinstance(v, tuple) else value_text(v)}"
                     for module, v in configuration.items())


def format_orders(orders: Sequence[Order], ledger: Ledger) -> str:
    """A table of orders: id, status, customer, placed, promised dates, qty and price."""
    if not orders:
        return "no orders"
    rows: list[tuple[str, ...]] = [("order", "status", "customer", "placed", "promised",
                                    "first promised", "qty", "price")]
    rows += [(o.id, o.status, o.customer or "-", _when(o.placed, _zone(ledger, o.plant)),
              _day(o.promised), _day(o.original_promised), str(o.qty), _money(o))
             for o in orders]
    return "\n".join(_grid(rows, frozenset({6, 7}), indent=""))


def _changes_rows(changes: Sequence[Change], ledger: Ledger) -> list[str]:
    customers = {o.id: o.customer for o in ledger.orders()} if changes else {}
    rows: list[tuple[str, ...]] = [("order", "customer", "promised", "now", "slip (wd)",
                                    "escalate to", "cause")]
    rows += [(c.order, customers.get(c.order) or "-", _day(c.old), _day(c.new),
              f"+{c.slip_days}", c.escalated_to or "-", c.cause) for c in changes]
    return _grid(rows, frozenset({4}))


def format_detail(detail: OrderDetail, ledger: Ledger) -> str:
    """One order: its facts, milestones (planned and actual), what it holds, how its promise
    moved."""
    o = detail.order
    zone = _zone(ledger, o.plant)
    facts = [("customer", o.customer or "-"),
             ("catalog", f"{o.catalog} (plant {o.plant}, supply {o.supply})"),
             ("configuration", _options_text(o.configuration)),
             ("qty", str(o.qty)), ("segment", o.segment or "-"), ("price", _money(o)),
             ("placed", _when(o.placed, zone)), ("confirmed", _when(o.confirmed, zone)),
             ("promised", _day(o.promised)
              + (f" (first promised {_day(o.original_promised)})"
                 if o.original_promised not in (None, o.promised) else ""))]
    if o.reason:
        facts.append(("reason", o.reason))
    width = max(len(k) for k, _ in facts)
    out = [f"order {o.id}: {o.status}"] + [f"  {k.ljust(width)}  {v}" for k, v in facts]
    if detail.milestones:
        rows: list[tuple[str, ...]] = [("milestone", "part", "planned", "actual")]
        rows += [(m.name, m.part or "", _milestone_when(m.name, m.planned, zone),
                  _when(m.actual, zone))
                 for m in detail.milestones]
        out += ["milestones", *_grid(rows)]
    if detail.reservations:
        res: list[tuple[str, ...]] = [("part", "qty", "from")]
        res += [(r.part, str(r.qty), f"purchase order {r.po}" if r.po else "stock")
                for r in detail.reservations]
        out += ["reserved", *_grid(res, frozenset({1}))]
    if detail.bookings:
        book: list[tuple[str, ...]] = [("work centre", "start", "end")]
        book += [(b.work_centre, _when(b.start, zone), _when(b.end, zone))
                 for b in detail.bookings]
        out += ["booked", *_grid(book)]
    if detail.changes:
        out += ["promise moved", *_changes_rows(detail.changes, ledger)]
    return "\n".join(out)


def format_repromise(result: Repromise, ledger: Ledger) -> str:
    """Who slips and by how much (old date, new date, working days, cause, escalation),
    the orders kept, and those that could not be re-planned."""
    n = len(result.checked)
    out = [f"{n} confirmed order{'s' if n != 1 else ''} checked: {len(result.changes)} "
           f"slip{'s' if len(result.changes) == 1 else ''}, {len(result.kept)} keep their "
           "date"]
    if result.changes:
        out += _changes_rows(result.changes, ledger)
    if result.kept:
        out.append("kept: " + ", ".join(result.kept))
    for order, why in result.unplanned:
        out.append(f"could not re-plan {order} (it keeps its date): {why}")
    return "\n".join(out)


def _event_line(event: Event, ledger: Ledger) -> str:
    zone = _zone(ledger, event.payload.get("plant"))
    return f"event {event.id}: {event.kind} at {_when(event.at, zone)}: {event.cause or ''}"


def _outcome(outcome: Outcome, fmt: str, ledger: Ledger, verb: str = "") -> None:
    """Print a placed, quoted, confirmed or changed order; exit 1 when it was refused."""
    if fmt == "json":
        _dump(outcome.to_dict())
    else:
        o = outcome.order.order
        if outcome.ok:
            date = "offered" if o.status == "quoted" else "promised"
            who = f", customer {o.customer}" if o.customer else ""
            click.echo(f"{o.id} {verb or o.status}: {date} {_day(o.promised)}, "
                       f"{_money(o)}{who}")
        else:
            earliest = (f"; earliest date now {_day(outcome.earliest)}"
                        if outcome.earliest and "earliest" not in (outcome.reason or "")
                        else "")
            click.echo(f"{o.id} {verb or 'refused'}: {outcome.reason}{earliest}")
    if not outcome.ok:
        raise ProblemsFound(outcome.reason or "refused")


# -- bto order ---------------------------------------------------------------------------------
@cli.group("order")
def order_group() -> None:
    """Place, quote, confirm, change, cancel and track orders in the ledger."""


def _new_order_options(promised: bool) -> Callable[[F], F]:
    """CATALOG, the choices, --qty, --at, --customer, [--promised], --id, --plant, --supply,
    --ledger and --format: what `order place` and `order quote` take."""
    def add(fn: F) -> F:
        options: list[Callable[[Any], Any]] = [
            FORMAT_OPTION, LEDGER_OPTION,
            click.option("--supply", "supply_path", default=None,
                         type=click.Path(exists=True, dir_okay=False),
                         help="Supply file (default: the catalog's `supply`)."),
            click.option("--plant", "plant_path", default=None,
                         type=click.Path(exists=True, dir_okay=False),
                         help="Plant file (default: the catalog's `plant`)."),
            click.option("--id", "order_id", default=None,
                         help="The order's id (default: O-1, O-2, ...)."),
            *([PROMISED_OPTION] if promised else []),
            click.option("--customer", default=None, help="The customer's name."),
            AT_OPTION, QTY_OPTION, _selection_options,
            click.argument("catalog", type=click.Path(exists=True, dir_okay=False))]
        for option in options:
            fn = option(fn)
        return fn
    return add


def _new_order(catalog: str, selects: tuple[str, ...], selection_file: str | None,
               engine: str, qty: int, at_text: str | None, customer: str | None,
               order_id: str | None, plant_path: str | None, supply_path: str | None,
               target: str, fmt: str, promised: dt.date | None, place: bool) -> None:
    loaded, configuration = _configuration(catalog, selects, selection_file, engine, fmt)
    plant, supply = _plant_and_supply(loaded, plant_path, supply_path, fmt)
    at = _time(at_text, plant.zone)
    with open_ledger(target, fmt, create=True, load=False) as ledger:
        if place:
            outcome = ledger.place(loaded, configuration, plant=plant, supply=supply, at=at,
                                   qty=qty, customer=customer, promised=promised,
                                   order_id=order_id)
        else:
            outcome = ledger.quote_order(loaded, configuration, plant=plant, supply=supply,
                                         at=at, qty=qty, customer=customer, order_id=order_id)
        _outcome(outcome, fmt, ledger)


@order_group.command("place")
@_new_order_options(promised=True)
def place_command(catalog: str, selects: tuple[str, ...], selection_file: str | None,
                  engine: str, qty: int, at_text: str | None, customer: str | None,
                  promised: dt.datetime | None, order_id: str | None, plant_path: str | None,
                  supply_path: str | None, target: str, fmt: str) -> None:
    """Place an order: plan it against what is free and reserve its stock, purchase-order
    quantities and assembly time.

    A partial selection is completed with the catalog defaults. Exit status 1 when the order
    is refused (its rules, its supply, or a --promised date that is gone), with the reason.
    """
    _new_order(catalog, selects, selection_file, engine, qty, at_text, customer, order_id,
               plant_path, supply_path, target, fmt, _day_of(promised), place=True)


@order_group.command("quote")
@_new_order_options(promised=False)
def quote_order_command(catalog: str, selects: tuple[str, ...], selection_file: str | None,
                        engine: str, qty: int, at_text: str | None, customer: str | None,
                        order_id: str | None, plant_path: str | None,
                        supply_path: str | None, target: str, fmt: str) -> None:
    """Record a quote (status quoted): the date offered, nothing reserved. Confirm it later
    with `bto order confirm ID`."""
    _new_order(catalog, selects, selection_file, engine, qty, at_text, customer, order_id,
               plant_path, supply_path, target, fmt, None, place=False)


def _order_zone(ledger: Ledger, order_id: str) -> dt.tzinfo | None:
    return _zone(ledger, ledger.order(order_id).order.plant)


@order_group.command("confirm")
@click.argument("order_id", metavar="ID")
@PROMISED_OPTION
@AT_OPTION
@LEDGER_OPTION
@FORMAT_OPTION
def confirm_command(order_id: str, promised: dt.datetime | None, at_text: str | None,
                    target: str, fmt: str) -> None:
    """Confirm a quoted order: re-plan it against what is free now and reserve it.

    --promised is the date the customer accepted (default: the date quoted). Exit status 1
    when the order is refused, with the reason.
    """
    with open_ledger(target, fmt) as ledger:
        at = _time(at_text, _order_zone(ledger, order_id))
        _outcome(ledger.confirm(order_id, at, _day_of(promised)), fmt, ledger)


@order_group.command("list")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              type=click.Choice(STATUS_NAMES),
              help="Only orders with this status; repeat for more.")
@LEDGER_OPTION
@FORMAT_OPTION
def list_command(statuses: tuple[str, ...], target: str, fmt: str) -> None:
    """List the orders, oldest first: status, customer, placed, promised, price."""
    with open_ledger(target, fmt, load=None) as ledger:
        orders = ledger.orders(statuses or None)
        if fmt == "json":
            _dump([o.to_dict() for o in orders])
        else:
            click.echo(format_orders(orders, ledger))


@order_group.command("show")
@click.argument("order_id", metavar="ID")
@LEDGER_OPTION
@FORMAT_OPTION
def show_command(order_id: str, target: str, fmt: str) -> None:
    """Show one order: its milestones, what it holds, and how its promise moved."""
    with open_ledger(target, fmt, load=None) as ledger:
        detail = ledger.order(order_id)
        if fmt == "json":
            _dump(detail.to_dict())
        else:
            click.echo(format_detail(detail, ledger))


@order_group.command("cancel")
@click.argument("order_id", metavar="ID")
@click.option("--reason", default=None, metavar="TEXT", help="Why it is cancelled.")
@AT_OPTION
@LEDGER_OPTION
@FORMAT_OPTION
def cancel_command(order_id: str, reason: str | None, at_text: str | None, target: str,
                   fmt: str) -> None:
    """Cancel an order that has not shipped; what it reserved is free again."""
    with open_ledger(target, fmt, load=None) as ledger:
        was = ledger.order(order_id).order
        detail = ledger.cancel(order_id, _time(at_text, _zone(ledger, was.plant)), reason)
        if fmt == "json":
            _dump(detail.to_dict())
        else:
            click.echo(f"{order_id} cancelled (was {was.status}): {detail.order.reason}; "
                       "what it held is free again")


@order_group.command("advance")
@click.argument("order_id", metavar="ID")
@click.argument("milestone", metavar="MILESTONE", type=click.Choice(MILESTONE_NAMES))
@AT_OPTION
@LEDGER_OPTION
@FORMAT_OPTION
def advance_command(order_id: str, milestone: str, at_text: str | None, target: str,
                    fmt: str) -> None:
    """Record that an order reached a milestone (assembly milestones move it to
    in_assembly; shipped and delivered to that status, using up what it reserved)."""
    with open_ledger(target, fmt, load=None) as ledger:
        zone = _order_zone(ledger, order_id)
        at = _time(at_text, zone)
        detail = ledger.advance(order_id, milestone, at)
        if fmt == "json":
            _dump(detail.to_dict())
            return
        planned = next((m.planned for m in detail.milestones
                        if m.name == milestone and m.planned is not None), None)
        versus = ("" if planned is None
                  else f" (planned {_milestone_when(milestone, planned, zone)})")
        click.echo(f"{order_id} {detail.order.status}: {milestone} at {_when(at, zone)}"
                   f"{versus}; promised {_day(detail.order.promised)}")


def _changed_selection(catalog: Any, selects: tuple[str, ...]) -> dict[str, Any]:
    """The modules named by ``-s``, chosen anew as `bto quote -s` chooses them (selection
    form); the ledger keeps the order's other values as far as the rules allow."""
    from .choices import SelectionError
    from .selection import parse_choice
    from .session import selection_of

    try:
        choices = [c for text in selects for c in parse_choice(catalog, text)]
    except SelectionError as exc:
        raise click.BadParameter(str(exc), param_hint="'-s'") from None
    return dict(selection_of(catalog, choices))


@order_group.command("change")
@click.argument("order_id", metavar="ID")
@click.option("-s", "--select", "selects", multiple=True, required=True,
              metavar="MODULE=VALUE",
              help="A module chosen anew (as in `bto quote -s`); repeat for more. The other "
                   "modules keep the order's values, or the fewest of them change when the "
                   "rules require it.")
@PROMISED_OPTION
@AT_OPTION
@LEDGER_OPTION
@FORMAT_OPTION
def change_command(order_id: str, selects: tuple[str, ...], promised: dt.datetime | None,
                   at_text: str | None, target: str, fmt: str) -> None:
    """A customer change to a quoted or confirmed order: re-plan it against the other
    orders. A confirmed order keeps its date when the new plan meets it, else the date moves.

    Exit status 1 when the change is refused (it breaks a rule, cannot be built, or misses
    --promised); the order then stays as it was.
    """
    from .ledger import LedgerError

    with open_ledger(target, fmt) as ledger:
        order = ledger.order(order_id).order
        catalog = ledger.catalogs.get(order.catalog)
        if catalog is None:
            raise LedgerError(f"order {order_id} needs catalog '{order.catalog}', whose file "
                              "the ledger has not recorded")
        selection = _changed_selection(catalog, selects)
        at = _time(at_text, _zone(ledger, order.plant))
        outcome = ledger.change(order_id, selection, at, _day_of(promised))
        now = outcome.order.order
        if outcome.ok and fmt != "json" and order.status == "confirmed" \
                and now.promised != order.promised:
            slip = outcome.order.changes[-1].slip_days
            click.echo(f"{order_id} changed; the promise moves {_day(order.promised)} -> "
                       f"{_day(now.promised)} (+{slip} wd), {_money(now)}")
        else:
            _outcome(outcome, fmt, ledger, "changed" if outcome.ok else "change refused "
                     "(the order stays as it was)")
        if fmt != "json":
            click.echo(f"  now: {_options_text(now.configuration)}")


# -- bto supply --------------------------------------------------------------------------------
@cli.group("supply")
def supply_group() -> None:
    """Record supply and plant events in the ledger; each re-promises the open orders."""


def _event_result(result: Any, fmt: str, ledger: Ledger) -> None:
    if fmt == "json":
        _dump(result.to_dict())
        return
    click.echo(_event_line(result.event, ledger))
    click.echo(format_repromise(result.repromise, ledger))


@supply_group.command("receive")
@click.argument("po", metavar="PO")
@click.option("--qty", default=None, metavar="N",
              help="The quantity received (default: all that is open).")
@AT_OPTION
@CAUSE_OPTION
@LEDGER_OPTION
@FORMAT_OPTION
def receive_command(po: str, qty: str | None, at_text: str | None, cause: str | None,
                    target: str, fmt: str) -> None:
    """A purchase order arrived: its quantity goes to stock, the orders waiting for it hold
    stock instead, and the open orders are re-promised."""
    with open_ledger(target, fmt) as ledger:
        _event_result(ledger.receive(po, _time(at_text, _zone(ledger)), qty, cause), fmt,
                      ledger)


@supply_group.command("delay")
@click.argument("po", metavar="PO")
@click.argument("new_date", metavar="NEW_DATE", type=DATE)
@AT_OPTION
@CAUSE_OPTION
@LEDGER_OPTION
@FORMAT_OPTION
def delay_command(po: str, new_date: dt.datetime, at_text: str | None, cause: str | None,
                  target: str, fmt: str) -> None:
    """A purchase order now arrives on NEW_DATE: prints who slips and by how much."""
    with open_ledger(target, fmt) as ledger:
        at = _time(at_text, _zone(ledger))
        _event_result(ledger.delay(po, new_date.date(), at, cause), fmt, ledger)


@supply_group.command("lead-time")
@click.argument("part")
@click.argument("days")
@click.option("--supplier", default=None,
              help="The part is now bought from this supplier.")
@AT_OPTION
@CAUSE_OPTION
@LEDGER_OPTION
@FORMAT_OPTION
def lead_time_command(part: str, days: str, supplier: str | None, at_text: str | None,
                      cause: str | None, target: str, fmt: str) -> None:
    """A part's supplier lead time is now DAYS working days: prints who slips."""
    with open_ledger(target, fmt) as ledger:
        _event_result(ledger.lead_time_changed(part, days, _time(at_text, _zone(ledger)),
                                               supplier=supplier, cause=cause), fmt, ledger)


@supply_group.command("capacity-lost")
@click.argument("work_centre", metavar="WORK_CENTRE")
@click.argument("start_text", metavar="START")
@click.argument("end_text", metavar="END")
@click.option("--stations", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many of the work centre's stations are out of use.")
@AT_OPTION
@CAUSE_OPTION
@LEDGER_OPTION
@FORMAT_OPTION
def capacity_lost_command(work_centre: str, start_text: str, end_text: str, stations: int,
                          at_text: str | None, cause: str | None, target: str,
                          fmt: str) -> None:
    """Stations of a work centre are out of use from START to END (times as --at takes
    them): prints who slips."""
    with open_ledger(target, fmt) as ledger:
        plant = next((p for p in ledger.plants.values() if work_centre in p.work_centres),
                     None)
        zone = plant.zone if plant is not None else _zone(ledger)
        start, end = _time(start_text, zone, "START"), _time(end_text, zone, "END")
        _event_result(ledger.capacity_lost(work_centre, start, end, stations,
                                           _time(at_text, zone), cause), fmt, ledger)


# -- bto orders --------------------------------------------------------------------------------
@cli.group("orders")
def orders_group() -> None:
    """Re-promise and check the whole order book."""


@orders_group.command("repromise")
@AT_OPTION
@CAUSE_OPTION
@LEDGER_OPTION
@FORMAT_OPTION
def repromise_command(at_text: str | None, cause: str | None, target: str, fmt: str) -> None:
    """Re-plan every confirmed order: prints who slips and by how much (old date, new date,
    working days, cause, escalation), and the orders that keep their date."""
    with open_ledger(target, fmt) as ledger:
        result = ledger.repromise(_time(at_text, _zone(ledger)), cause or "re-promise")
        if fmt == "json":
            _dump(result.to_dict())
        else:
            click.echo(format_repromise(result, ledger))


@orders_group.command("check")
@LEDGER_OPTION
@FORMAT_OPTION
def check_command(target: str, fmt: str) -> None:
    """Check the ledger: overbooked stock, purchase orders or stations, and records that
    do not belong. Exit status 1 when there are problems."""
    with open_ledger(target, fmt) as ledger:
        problems = ledger.check()
        if fmt == "json":
            _dump({"ledger": ledger.url, "problems": list(problems)})
        elif problems:
            click.echo("\n".join(problems))
        else:
            open_orders = len(ledger.orders(("confirmed", "in_assembly")))
            click.echo(f"the ledger is sound: {open_orders} open order"
                       f"{'s' if open_orders != 1 else ''}, nothing overbooked")
    if problems:
        raise ProblemsFound(f"{len(problems)} problem(s)")
