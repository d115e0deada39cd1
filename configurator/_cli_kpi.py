"""``bto kpi``: the command line's thin layer over :func:`configurator.kpi.kpi_report`.

It reads a ``bto-history`` CSV file (checked against a catalog when one is given), counts
working days on the plant's calendar (Monday to Friday without one), prints the delivery KPIs
per segment and month and the options with the longest lead times, and with ``--chart`` draws
on-time % against mean lead time, one point per month and one series per segment.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._cli_table import table
from .cli import (
    FORMAT_OPTION,
    _dump,
    _failure,
    _load_or_exit,
    check_output_folder,
    cli,
    write_output,
)

if TYPE_CHECKING:
    from .kpi import GroupKpi, KpiReport, OptionRanking

__all__ = ["chart_points", "format_kpi", "kpi_command"]

#: The KPI table's columns: heading, and how a group's cell is shown.
_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("segment", lambda g: g.segment),
    ("month", lambda g: g.month),
    ("orders", lambda g: str(g.orders)),
    ("delivered", lambda g: str(g.delivered)),
    ("open", lambda g: str(g.open)),
    ("open late", lambda g: str(g.open_late)),
    ("on time %", lambda g: _num(g.on_time_percent, 1)),
    ("mean lead", lambda g: _num(g.lead_time and g.lead_time.mean, 1)),
    ("p50", lambda g: _num(g.lead_time and g.lead_time.p50, 1)),
    ("p95", lambda g: _num(g.lead_time and g.lead_time.p95, 1)),
    ("sd", lambda g: _num(g.lead_time and g.lead_time.sd, 2)),
    ("cv", lambda g: _num(g.lead_time and g.lead_time.cv, 2)),
    ("promised", lambda g: _num(g.promised_mean, 1)),
    ("error", lambda g: _num(g.promise_error and g.promise_error.mean, 2, sign=True)),
    ("|error|", lambda g: _num(g.promise_error and g.promise_error.mean_abs, 2)),
    ("p95 late", lambda g: _num(g.promise_error and g.promise_error.late_p95, 1)),
    ("tardiness", lambda g: _num(g.promise_error and g.promise_error.tardiness_mean, 2)),
)
_TEXT_COLUMNS = 2


def _num(value: float | None, decimals: int, sign: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:{'+' if sign else ''}.{decimals}f}"


def _ranking_lines(ranking: OptionRanking, min_orders: int) -> list[str]:
    month = "all months" if ranking.month == "all" else ranking.month
    out = [f"{ranking.segment}, {month} (mean {ranking.lead_time_mean:.1f}):"]
    width = max((len(o.option) for o in ranking.options), default=0)
    out += [f"  {o.option.ljust(width)}  {o.lead_time_mean:5.1f}  {o.longer_by:+5.1f}  "
            f"{o.orders} order{'s' if o.orders != 1 else ''}" for o in ranking.options]
    if not ranking.options:
        out.append(f"  (no option in {min_orders} or more delivered orders took longer than "
                   "the mean)")
    if ranking.skipped:
        out.append(f"  ({ranking.skipped} option{'s' if ranking.skipped != 1 else ''} in "
                   f"fewer than {min_orders} delivered orders not ranked)")
    return out


def format_kpi(report: KpiReport, name: str) -> str:
    """The text report: a heading, the KPI table, and the options with the longest lead
    times per segment and month."""
    groups: Sequence[GroupKpi] = report.groups
    head = (f"{name}: {groups[0].orders if groups else 0} orders"
            + (f", as of {report.as_of}" if report.as_of else "")
            + f"; working days of {report.calendar}")
    if not groups:
        return head + "\nno orders"
    rows = [[c[0] for c in _COLUMNS], *([show(g) for _, show in _COLUMNS] for g in groups)]
    lines = [head, *table(rows, _TEXT_COLUMNS), "",
             "lead time: working days from acceptance to delivery; error: delivered - promised "
             "(late > 0)", ""]
    lines.append(f"options with the longest lead times (mean of their delivered orders, "
                 f"and + than the segment's mean; top {report.top}, in at least "
                 f"{report.min_orders} orders):")
    for ranking in report.rankings:
        lines += _ranking_lines(ranking, report.min_orders)
    return "\n".join(lines)


def chart_points(report: KpiReport, x: str = "actual") -> list[Any]:
    """One point per month and segment that has delivered orders: on-time % against the
    mean ``actual`` (or ``promised``) lead time, labelled with the month and the number of
    delivered orders."""
    from .kpi import ALL
    from .simulation.chart import ChartPoint

    out = []
    for g in report.groups:
        mean = g.lead_time.mean if x == "actual" and g.lead_time else g.promised_mean
        if ALL in (g.segment, g.month) or g.on_time_percent is None or mean is None \
                or not math.isfinite(mean):
            continue
        out.append(ChartPoint(mean, g.on_time_percent, f"{g.month} n={g.delivered}",
                              g.segment))
    return out


def _as_of(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a date; write e.g. 2026-11-24",
                                 param_hint="'--as-of'") from None


def _calendar(catalog: Any, plant_path: str | None, fmt: str) -> Any:
    """The plant's working-time calendar, or None for Monday to Friday."""
    from .loading import read_plant
    from .quoting.calendar import WorkCalendar

    plant_file = plant_path or (str(catalog.plant) if catalog is not None and catalog.plant
                                else None)
    if plant_file is None:
        return None
    plant = _load_or_exit(read_plant, plant_file, "plant", fmt)
    try:
        return WorkCalendar.of(plant)
    except ValueError as exc:
        raise _failure(exc, fmt) from None


@click.command("kpi")
@click.argument("history_path", metavar="[HISTORY.csv]", required=False,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--ledger", "ledger_target", default=None, metavar="PATH|URL",
              help="Read the orders from this order-book ledger (a SQLite file or a database "
                   "URL, as `bto order` takes it) instead of a history file; adds the "
                   "customization error rate.")
@click.option("--catalog", "catalog_path", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Check the configurations against this catalog, take an "
                                 "order's segment from its options when the file has none, "
                                 "and count on its plant's calendar.")
@click.option("--plant", "plant_path", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Count working days on this plant's calendar (default: the "
                                 "catalog's plant; without either, Monday to Friday).")
@click.option("--as-of", "as_of_text", default=None, metavar="DATE",
              help="Open orders promised before this date are late (default: the newest date "
                   "in the file).")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True,
              help="Options ranked per segment and month.")
@click.option("--min-orders", type=click.IntRange(min=1), default=3, show_default=True,
              help="Rank only options in at least this many delivered orders.")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False), default=None,
              help="Write an SVG chart of on-time % against mean lead time to this file, one "
                   "point per month, one series per segment.")
@click.option("--chart-x", type=click.Choice(["actual", "promised"]), default="actual",
              show_default=True, help="The chart's lead time: actual or promised.")
@FORMAT_OPTION
def kpi_command(history_path: str | None, ledger_target: str | None, catalog_path: str | None,
                plant_path: str | None, as_of_text: str | None, top: int, min_orders: int,
                chart_path: str | None, chart_x: str, fmt: str) -> None:
    """Delivery KPIs of past orders from a bto-history CSV file or the order-book ledger
    (--ledger): on-time delivery, lead-time variability and promise error in working days,
    overall, per segment and per month, and the options whose orders take longest; from the
    ledger also the customization error rate (orders changed or rejected after confirmation).

    Exit status 1 when the files have problems (nothing is written), 2 on a usage error.
    """
    from .kpi import kpi_report, read_history
    from .loading import read_catalog
    from .quoting.calendar import WorkCalendar
    from .simulation.chart import scatter_svg

    as_of = _as_of(as_of_text)
    check_output_folder(chart_path, "--chart")
    if (history_path is None) == (ledger_target is None):
        raise click.UsageError("give a history file or --ledger (one of them)")
    catalog = None if catalog_path is None else _load_or_exit(read_catalog, catalog_path,
                                                              "catalog", fmt)
    calendar = _calendar(catalog, plant_path, fmt)
    customization = None
    if ledger_target is not None:
        records, customization, plants = _from_ledger(ledger_target, fmt)
        if calendar is None and len(plants) == 1:  # the plant the orders were placed at
            calendar = WorkCalendar.of(plants[0])
        name = ledger_target
    else:
        assert history_path is not None
        records = _load_or_exit(functools.partial(read_history, catalog=catalog),
                                history_path, "history", fmt)
        name = Path(history_path).name
    try:
        report = kpi_report(records, calendar=calendar, as_of=as_of, top=top,
                            min_orders=min_orders)
    except ValueError as exc:
        raise _failure(exc, fmt) from None
    written = None
    if chart_path is not None:
        try:
            svg = scatter_svg(chart_points(report, chart_x),
                              title=f"{name}: on time vs mean {chart_x} lead time, per month",
                              x_label=f"mean {chart_x} lead time (working days)",
                              y_label="on time (%)", y_max=100)
        except ValueError as exc:  # no month has a delivered order
            raise _failure(exc, fmt) from None
        written = write_output(chart_path, svg)
    if fmt == "json":
        source = {"history": history_path} if ledger_target is None else {
            "ledger": ledger_target,
            "customization": customization.to_dict() if customization else None}
        _dump({**source, "chart": written, **report.to_dict()})
        return
    click.echo(format_kpi(report, name))
    if customization is not None:
        click.echo(_customization_line(customization))
    if written is not None:
        click.echo(f"chart: {written}")


def _from_ledger(target: str, fmt: str) -> tuple[Any, Any, list[Any]]:
    """The ledger's orders as history records, its customization errors, and the plants its
    orders were placed at (the files it recorded, as far as they still load)."""
    from ._cli_orders import open_ledger

    with open_ledger(target, fmt, load=None) as ledger:
        return list(ledger.history()), ledger.customization(), list(ledger.plants.values())


def _customization_line(errors: Any) -> str:
    rate = errors.rate
    if rate is None:
        return "customization errors: no confirmed orders"
    return (f"customization errors: {len(errors.orders)} of {errors.confirmed} confirmed orders "
            f"changed or rejected after confirmation ({float(rate) * 100:.1f}%; "
            f"{errors.changed} changed, {errors.rejected} rejected)")


cli.add_command(kpi_command)
