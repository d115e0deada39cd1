"""``bto demand``: the command line's thin layer over :mod:`configurator.demand`.

It reads a sales history (a ``bto-history`` CSV file or a whitespace sales table), prints
option popularity, the option pairs with the highest lift, volatility per option and the
recommended defaults; with ``--supply`` (and a catalog) the parts to stock or buy to order;
with ``--folds`` the cross-validated accuracy of the recommendations against the
most-frequent-value baseline; with ``--chart`` an SVG of the demand per period of the most
volatile options, one panel each.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

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
    from .demand import DemandReport, Evaluation, PostponementReport

__all__ = ["chart_svg", "demand_command", "format_demand"]

#: Options shown per module, and panels drawn in the chart.
_SHOWN = 5
_CHART_SERIES = 6
_INDENT = "  "
_F = TypeVar("_F", bound=Callable[..., Any])


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _shown(value: str) -> str:
    return value if value else "(none)"


def format_demand(report: DemandReport, name: str, top: int,
                  postponement: PostponementReport | None = None,
                  evaluation: Evaluation | None = None) -> str:
    """The text report: popularity, pairs, volatility, defaults, and the postponement and
    accuracy sections when computed."""
    lines = [f"{name}: {report.sales} sales, {report.units} units, {len(report.popularity)} "
             f"modules ({report.format})", ""]
    lines.append(f"popularity (share of units; top {_SHOWN} options per module):")
    width = max((len(p.module) for p in report.popularity), default=0)
    for p in report.popularity:
        shown = ", ".join(f"{_shown(o.option)} {_pct(o.share)}" for o in p.options[:_SHOWN])
        more = len(p.options) - _SHOWN
        lines.append(f"  {p.module.ljust(width)}  {shown}" + (f" (+{more} more)" if more > 0
                                                              else ""))
    lines += ["", f"options bought together most above chance (lift; top {top}, in at least "
              "1% of units):"]
    if report.pairs:
        lines += table([["option", "with", "units", "support", "lift"],
                        *([p.a, p.b, str(p.units), _pct(p.support), f"{p.lift:.2f}"]
                          for p in report.pairs)], 2, _INDENT)
    else:
        lines.append("  (no pair of options of different modules in 1% of units)")
    lines.append("")
    if report.periods is not None:
        span = report.periods
        unit = span.kind if span.kind != "rows" else "period"
        lines.append(f"volatility per {unit} ({len(span.labels)} periods, {span.labels[0]} to "
                     f"{span.labels[-1]}; top {top} by coefficient of variation among the "
                     f"options selling at least {report.min_mean:g} "
                     f"unit{'s' if report.min_mean != 1 else ''} per {unit} on average):")
        if report.volatility:
            lines += table([["option", "units", "mean", "sd", "cv"],
                            *([v.option, str(sum(v.demand)), f"{v.mean:.2f}", f"{v.sd:.2f}",
                               f"{v.cv:.2f}"] for v in report.volatility[:top])], 1, _INDENT)
        else:
            lines.append("  (no option sells that much; lower --min-mean)")
        if report.low_volume:
            count = len(report.low_volume)
            lines.append(f"  {count} option{'s' if count != 1 else ''} selling less left out "
                         f"({sum(sum(v.demand) for v in report.low_volume)} units)")
        lines.append("")
    lines.append("recommended defaults (most likely value with nothing else chosen):")
    for d in report.defaults:
        r = d.recommendation
        note = f"; the catalog's default is {d.catalog_default}" if d.differs else ""
        lines.append(f"  {r.module.ljust(width)}  {_shown(r.value)} ({_pct(r.probability)}"
                     f"{note})")
    if postponement is not None:
        lines += ["", *_postponement_lines(postponement)]
    if evaluation is not None:
        lines += ["", *_evaluation_lines(evaluation)]
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


def _postponement_lines(report: PostponementReport) -> list[str]:
    stock = sum(p.decision == "stock" for p in report.parts)
    out = [f"postponement: {stock} of {len(report.parts)} purchased parts to stock, the rest "
           f"bought to order (lead times in working days; demand per {report.periods.kind}, "
           f"{report.period_days} working days; holding {_pct(float(report.holding_rate))} "
           "of unit cost a year):"]

    def money(value: Decimal | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    out += table([["part", "decision", "lead", "asm", "target", "mean", "sd", "cv",
                   "safety", "holding/yr"],
                  *([p.part, p.decision, "-" if p.lead_time_days is None
                     else str(p.lead_time_days), str(p.assembly_days),
                     "-" if p.target_days is None else str(p.target_days), f"{p.mean:.2f}",
                     f"{p.sd:.2f}", "-" if p.cv is None else f"{p.cv:.2f}",
                     str(p.safety_stock), money(p.holding_cost)] for p in report.parts)],
                 2, _INDENT)
    out.append("  stock when lead + assembly > target; safety stock = z * sd * "
               "sqrt(lead / period days)")
    if report.uncosted:
        count = len(report.uncosted)
        out.append(f"  no unit cost for {count} part{'s' if count != 1 else ''} with safety "
                   "stock (the supply format bto-supply/1 carries no part price or cost): "
                   "holding cost blank; give --unit-cost PART=COST")
    for sale, reason in report.skipped:
        out.append(f"  skipped {sale}: {reason}")
    return out


def _evaluation_lines(evaluation: Evaluation) -> list[str]:
    out = [f"held-out accuracy of the recommended value (top-1, {len(evaluation.unfiltered.folds)}"
           f" folds, seed {evaluation.seed}):"]
    rows = [["", "recommended", "most frequent", "predictions"]]
    for name, acc in (("all values", evaluation.unfiltered),
                      ("possible values", evaluation.filtered)):
        if acc is not None:
            rows.append([name, _pct(acc.accuracy), _pct(acc.baseline),
                         str(sum(f.predictions for f in acc.folds))])
    out += table(rows, 1, _INDENT)
    if evaluation.inner:
        for name, acc in (("all", evaluation.unfiltered), ("possible", evaluation.filtered)):
            if acc is not None:
                chosen = Counter(f"{f.weights.evidence:g}:{f.weights.prior:g}"
                                 for f in acc.folds)
                out.append(f"  weights (evidence:prior) for {name} values, chosen per fold on "
                           f"up to {evaluation.inner} training folds: "
                           + ", ".join(f"{w} x{n}" for w, n in chosen.most_common()))
    if evaluation.filtered is not None:
        out.append(f"  possible values: a seeded sample of {evaluation.filter_sample} sales "
                   "per fold, checked against the catalog")
    return out


def chart_svg(report: DemandReport, title: str, count: int = _CHART_SERIES) -> str:
    """The SVG chart of the ``count`` most volatile options (among those selling at least
    the report's ``min_mean`` units per period), one panel each; raises ``ValueError`` when
    the report has no periods or no such option."""
    from .demand.chart import demand_chart_svg

    span = report.periods
    if span is None:
        raise ValueError("the report has no periods to chart")
    unit = span.kind if span.kind != "rows" else "period"
    if not report.volatility:
        raise ValueError(f"no option sells at least {report.min_mean:g} units per {unit} on "
                         "average: nothing to chart (lower --min-mean)")
    return demand_chart_svg(report.volatility[:count], span.labels, title=title, unit=unit)


#: A part's unit cost at most (a bigger one is a typo, and would overflow the report's money).
MAX_UNIT_COST = Decimal("1e9")


def _unit_costs(texts: tuple[str, ...]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for text in texts:
        part, _, amount = text.partition("=")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            value = Decimal(-1)
        if not part or not value.is_finite() or not 0 <= value <= MAX_UNIT_COST:
            raise click.BadParameter(f"'{text}' is not PART=COST, e.g. CELL-SAM-50E=2.40",
                                     param_hint="'--unit-cost'")
        out[part] = value
    return out


def _load(read: Any, path: str | None, what: str, fmt: str) -> Any:
    return None if path is None else _load_or_exit(read, path, what, fmt)


def _file_option(flag: str, name: str, help_text: str) -> Callable[[_F], _F]:
    """An option naming an existing file, None when not given."""
    return click.option(flag, name, type=click.Path(exists=True, dir_okay=False), default=None,
                        help=help_text)


@click.command("demand")
@click.argument("history_path", metavar="[HISTORY]", required=False,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--ledger", "ledger_target", default=None, metavar="PATH|URL",
              help="Read the orders from this order-book ledger (as `bto order` takes it: "
                   "every confirmed order) instead of a history file.")
@_file_option("--folds", "folds_path", "A fold file (one fold number per sales row): report "
              "the cross-validated accuracy of the recommended values.")
@_file_option("--catalog", "catalog_path", "Recommend only possible values; check a "
              "bto-history file against it; with --supply, explode the BOMs.")
@_file_option("--supply", "supply_path", "Supply data (lead times): recommend which parts to "
              "stock and which to buy to order. Needs --catalog.")
@_file_option("--plant", "plant_path", "Plant (service levels: target lead times and "
              "confidence); default: the catalog's plant.")
@click.option("--period", type=click.Choice(["week", "month"]), default="month",
              show_default=True, help="Period of the order dates for volatility.")
@click.option("--periods", type=click.IntRange(min=1), default=None,
              help="Split the rows into N consecutive periods (row order taken as time "
                   "order), for a history without dates.")
@click.option("--holding-rate", type=click.FloatRange(min=0, min_open=True, max=10),
              default=0.25, show_default=True, help="Yearly holding cost, a fraction of the "
                                                    "unit cost.")
@click.option("--unit-cost", "unit_costs", multiple=True, metavar="PART=COST",
              help="A part's unit cost, to price its safety stock; repeat for more.")
@click.option("--target-days", type=click.IntRange(min=0), default=None,
              help="Target lead time in working days for every segment (default: the "
                   "plant's service levels).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Pairs and volatile options listed.")
@click.option("--min-mean", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Rank volatility (and chart) only options selling at least this many "
                   "units per period on average.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the order in which the evaluation walks each sale's modules.")
@click.option("--sample", type=click.IntRange(min=1), default=None,
              help="Evaluate a seeded sample of N sales per fold (default: all).")
@click.option("--filter-sample", type=click.IntRange(min=1), default=100, show_default=True,
              help="Sales per fold evaluated against the catalog's constraints (--catalog).")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False), default=None,
              help="Write an SVG chart of the demand per period of the most volatile "
                   "options, one panel each.")
@FORMAT_OPTION
def demand_command(history_path: str | None, ledger_target: str | None,
                   folds_path: str | None, catalog_path: str | None,
                   supply_path: str | None, plant_path: str | None, period: str,
                   periods: int | None, holding_rate: float, unit_costs: tuple[str, ...],
                   target_days: int | None, top: int, min_mean: float, seed: int,
                   sample: int | None, filter_sample: int, chart_path: str | None,
                   fmt: str) -> None:
    """Demand patterns of a sales history (a bto-history CSV file, a whitespace sales table, or
    the order-book ledger with --ledger): option popularity, options bought together,
    volatility, recommended defaults; with --supply, which parts to stock and which to buy
    to order; with --folds, the held-out accuracy of the recommendations.

    Exit status 1 when the files have problems, 2 on a usage error.
    """
    from .demand import SessionFilter, demand_report, evaluate, postponement, read_folds, read_sales
    from .loading import read_catalog, read_plant, read_supply

    if supply_path is not None and catalog_path is None:
        raise click.UsageError("--supply needs --catalog, whose BOM turns options into parts")
    check_output_folder(chart_path, "--chart")
    if (history_path is None) == (ledger_target is None):
        raise click.UsageError("give a history file or --ledger (one of them)")
    costs = _unit_costs(unit_costs)
    catalog = _load(read_catalog, catalog_path, "catalog", fmt)
    if ledger_target is not None:
        from ._cli_orders import open_ledger
        from .demand import history_of_records

        with open_ledger(ledger_target, fmt, load=None) as ledger:  # plants: local days
            history = history_of_records(ledger.history(), catalog, ledger_target)
        source = ledger_target
    else:
        assert history_path is not None
        history = _load_or_exit(functools.partial(read_sales, catalog=catalog), history_path,
                                "history", fmt)
        source = history_path
    if not history.sales:
        raise _failure(ValueError(f"{source} has no sales"), fmt)
    if chart_path is not None and periods is None and not history.dated:
        raise click.UsageError("the sales have no order dates: give --periods N to chart the "
                               "demand per period")
    folds = None
    if folds_path is not None:
        folds = _load(lambda p: read_folds(p, len(history.sales)), folds_path, "folds", fmt)
    try:
        report = demand_report(history, catalog=catalog, period=period, periods=periods,
                               top=top, min_mean=min_mean)
        plan = None
        if supply_path is not None:
            supply = _load(read_supply, supply_path, "supply", fmt)
            plant_file = plant_path or (str(catalog.plant) if catalog.plant else None)
            plant = _load(read_plant, plant_file, "plant", fmt)
            plan = postponement(history, catalog, supply, plant, period=period,
                                periods=periods, target_days=target_days,
                                holding_rate=Decimal(str(holding_rate)), unit_costs=costs)
        evaluation = None
        if folds is not None:
            candidates = SessionFilter(catalog) if catalog is not None else None
            try:
                evaluation = evaluate(history, folds, seed=seed, sample=sample,
                                      candidates=candidates, filter_sample=filter_sample)
            finally:
                if candidates is not None:
                    candidates.close()
    except ValueError as exc:
        raise _failure(exc, fmt) from None
    written = None
    if chart_path is not None:
        try:
            svg = chart_svg(report, f"{Path(source).name}: the most volatile options")
        except ValueError as exc:
            raise _failure(exc, fmt) from None
        written = write_output(chart_path, svg)
    if fmt == "json":
        origin = {"history": history_path} if ledger_target is None else {"ledger": source}
        _dump({**origin, "chart": written, "report": report.to_dict(),
               "postponement": None if plan is None else plan.to_dict(),
               "evaluation": None if evaluation is None else evaluation.to_dict()})
        return
    click.echo(format_demand(report, Path(source).name, top, plan, evaluation))
    if written is not None:
        click.echo(f"chart: {written}")


cli.add_command(demand_command)
