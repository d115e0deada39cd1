"""``bto simulate``: the command line's thin layer over
:func:`configurator.simulation.compare_shop`.

It loads a scenario, runs every chosen policy on every seed (and load level), draws a progress
bar on stderr from the library's ``progress`` callback, prints the result table with 95%
intervals across seeds, and writes the chart of on-time % against mean quoted lead time.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli import ProblemsFound, _dump, _print_problems, check_output_folder, cli, write_output

if TYPE_CHECKING:
    from .quoting.buffers import BufferTable
    from .simulation import Estimate, Scenario, ShopComparison, ShopRun
    from .simulation.calibration import Calibration

__all__ = ["simulate_command"]

#: The policies whose learned buffers a calibration file keeps, by preference.
_LEARNERS = ("CTP + buffer", "CTP + controller")
#: the policy whose promises --history writes, when it runs
DEFAULT_POLICY = "CTP + buffer"

#: The columns of the text table: heading, the summary's metric, scale, decimals.
_COLUMNS = (("on time %", "on_time_rate", 100.0, 1), ("mean quote", "quoted_mean", 1.0, 1),
            ("p50 quote", "quoted_p50", 1.0, 1), ("p95 quote", "quoted_p95", 1.0, 1),
            ("tardiness", "tardiness_mean", 1.0, 2), ("p95 late", "lateness_p95", 1.0, 1),
            ("sd lead", "lead_time_sd", 1.0, 2), ("churn", "churn", 1.0, 2))


def _shown(found: Estimate | None, scale: float, decimals: int) -> str:
    """``mean ± half-width`` (the 95% interval across seeds), or ``-`` when unknown."""
    if found is None:
        return "-"
    text = f"{found.mean * scale:.{decimals}f}"
    half = found.half_width
    return text if half is None else f"{text} ± {half * scale:.{decimals}f}"


def format_table(loads: Sequence[tuple[float, ShopComparison]]) -> str:
    """The result table: one row per load level, policy and segment."""
    head = ["rho", "policy", "segment", "orders"] + [c[0] for c in _COLUMNS]
    rows = [head]
    for rho, result in loads:
        for found in result.summaries:
            s = found.summary
            rows.append([f"{rho:g}", found.policy, found.segment, str(s.orders)] + [
                _shown(getattr(s, metric), scale, decimals)
                for _, metric, scale, decimals in _COLUMNS])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) if i < 3 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    return "\n".join(lines[:1] + ["-" * len(lines[0])] + lines[1:])


def recommendations(loads: Sequence[tuple[float, ShopComparison]], target: float
                    ) -> list[str]:
    """Per load level, the policy with the shortest promises that kept the target on-time
    rate (within a point overall, two per segment), against the best fixed lead time in
    hindsight."""
    out = []
    for rho, result in loads:
        chosen = result.recommended(target)
        hindsight = next((s.summary for s in result.summaries if s.segment == "all"
                          and s.policy in result.hindsight), None)
        against = "" if hindsight is None else (
            f"; the best fixed lead time in hindsight: {hindsight.quoted_mean.mean:.1f} wd")
        if chosen is None:
            out.append(f"rho {rho:g}: no policy a plant can use kept {target:.0%} on time"
                       + against)
            continue
        found = result.get(chosen)
        out.append(f"rho {rho:g}: shortest promises on time {target:.0%}: {chosen} "
                   f"({100 * found.on_time_rate.mean:.1f}% on time, mean quote "
                   f"{found.quoted_mean.mean:.1f} wd{against})")
    return out


def _chart_points(loads: Sequence[tuple[float, ShopComparison]]) -> list[Any]:
    from .simulation.chart import ChartPoint

    several = len(loads) > 1
    # one colour per policy, one marker shape per load level, a policy's points joined from
    # the lowest load to the highest (ordered by load, then by the table's policy order)
    ordered = sorted(loads, key=lambda level: level[0])
    return [ChartPoint(found.summary.quoted_mean.mean, 100 * found.summary.on_time_rate.mean,
                       found.policy, found.policy, f"rho = {rho:g}" if several else "")
            for rho, result in ordered for found in result.summaries
            if found.segment == "all" and math.isfinite(found.summary.quoted_mean.mean)]


def _save(path: str, scenario: Scenario, policy: str, learned: Sequence[BufferTable],
          seeds: int) -> Calibration:
    import datetime as dt

    from .simulation.calibration import Calibration, mean_buffers, save_calibration

    calibration = Calibration(scenario.name, dt.date.today(), mean_buffers(learned), policy,
                              scenario.target, seeds)
    try:
        save_calibration(path, calibration)
    except OSError as exc:
        raise click.UsageError(f"cannot write the calibration {path}: {exc.strerror}") from None
    return calibration


def _load(path: str) -> Scenario:
    from .scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as exc:
        _print_problems(exc.problems, sys.stderr)
        raise ProblemsFound("problems found") from None


def _adjusted(scenario: Scenario, years: float | None, warmup: float | None,
              pool: int | None) -> Scenario:
    changes: dict[str, Any] = {}
    if years is not None:
        changes["years"] = years
        if warmup is None and scenario.warmup_years >= years:
            changes["warmup_years"] = 0.0
    if warmup is not None:
        changes["warmup_years"] = warmup
    if pool is not None:
        changes["pool"] = pool
    try:
        return dataclasses.replace(scenario, **changes)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _chosen(available: Sequence[Any], wanted: Sequence[str]) -> list[Any]:
    """The policies named in ``wanted`` (case-insensitive), in the order given."""
    if not wanted:
        return list(available)
    by_name = {p.name.casefold(): p for p in available}
    unknown = [w for w in wanted if w.casefold() not in by_name]
    if unknown:
        raise click.BadParameter(
            f"no policy {', '.join(repr(u) for u in unknown)}; choose from "
            + ", ".join(repr(p.name) for p in available), param_hint="'--policy'")
    return [by_name[key] for key in dict.fromkeys(w.casefold() for w in wanted)]


@click.command("simulate")
@click.argument("scenario_path", metavar="SCENARIO.yaml",
                type=click.Path(exists=True, dir_okay=False))
@click.option("--seeds", type=click.IntRange(min=1), default=None,
              help="Seeds 0..N-1 (default: the scenario's `seeds`).")
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="A policy to compare (repeat it; default: all). Names as in the table, "
                   "e.g. 'CTP + buffer'.")
@click.option("--rho", "rhos", multiple=True, type=click.FloatRange(0, 1, min_open=True,
                                                                    max_open=True),
              help="Load the bottleneck to this utilisation instead of the scenario's "
                   "(repeat it to compare load levels).")
@click.option("--years", type=click.FloatRange(0, min_open=True), default=None,
              help="Simulated years, warm-up included (default: the scenario's).")
@click.option("--warmup-years", "warmup", type=click.FloatRange(0), default=None,
              help="Years not measured at the start (default: the scenario's).")
@click.option("--pool", type=click.IntRange(min=1), default=None,
              help="Configurations drawn per seed (default: the scenario's; fewer is "
                   "quicker).")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, writable=True),
              default=None, help="The SVG chart's file (default: the scenario file's name "
                                 "with .svg, in the current folder).")
@click.option("--no-chart", is_flag=True, help="Draw no chart.")
@click.option("--calibration", "calibration_path", type=click.Path(dir_okay=False),
              default=None, help="Save the buffers CTP + buffer (else the controller) "
                                 "learned per segment and CTP band, averaged over the "
                                 "seeds, to this bto-calibration/1 file for live quotes.")
@click.option("--history", "history_path", type=click.Path(dir_okay=False), default=None,
              help="Write the first seed's measured orders, as CTP + buffer (else the first "
                   "policy) promised them, to this CSV file for `bto kpi`.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes running seeds side by side (default: one per CPU core, at "
                   "most one per seed); the results do not depend on it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def simulate_command(scenario_path: str, seeds: int | None, policies: tuple[str, ...],
                     rhos: tuple[float, ...], years: float | None, warmup: float | None,
                     pool: int | None, chart_path: str | None, no_chart: bool,
                     calibration_path: str | None, history_path: str | None, jobs: int | None,
                     fmt: str) -> None:
    """Backtest quoting policies on a build-to-order scenario (bto-scenario/1): per policy
    and segment, the on-time rate, quoted lead times, tardiness and lead-time spread in
    working days, with 95% intervals across seeds; and a chart of on-time % against the
    mean quoted lead time, one point per policy and load level.

    Exit status 1 when the scenario or the files it names have problems.
    """
    from .problems import LoadError
    from .simulation import BuildToOrder, compare_shop
    from .simulation.chart import scatter_svg

    target = None if no_chart else chart_path or f"{Path(scenario_path).stem}.svg"
    for path, option in ((target, "--chart"), (calibration_path, "--calibration"),
                         (history_path, "--history")):
        check_output_folder(path, option)
    if calibration_path is not None and len(set(rhos)) > 1:
        raise click.UsageError("--calibration learns at one load level; give one --rho")
    scenario = _adjusted(_load(scenario_path), years, warmup, pool)
    levels = list(dict.fromkeys(rhos)) or [scenario.rho]
    seed_list = list(range(scenario.seeds if seeds is None else seeds))
    models = []
    try:
        for rho in levels:
            models.append(BuildToOrder.of(dataclasses.replace(scenario, rho=rho)))
    except LoadError as exc:
        _print_problems(exc.problems, sys.stderr)
        raise ProblemsFound("problems found") from None
    except (ValueError, OSError) as exc:
        click.echo(f"{scenario_path}: error: {exc}", err=True)
        raise ProblemsFound(str(exc)) from None
    names = [p.name for p in _chosen(models[0].policies(), policies)]
    learner = next((n for n in _LEARNERS if n in names), None)
    if calibration_path is not None and learner is None:
        raise click.UsageError("--calibration needs the policy 'CTP + controller' or "
                               "'CTP + buffer'")
    learned: list[BufferTable] = []
    loads: list[tuple[float, ShopComparison]] = []
    kept: list[tuple[Any, ShopRun, str]] = []  # the history to write: model, run, policy
    workers = jobs or max(1, min(os.cpu_count() or 1, len(seed_list)))
    with click.progressbar(length=len(levels) * len(seed_list), file=sys.stderr,
                           label=f"simulating {scenario.name}",
                           show_pos=True) as bar:
        for rho, model in zip(levels, models, strict=True):
            compared = _chosen(model.policies(), names)
            def keep(seed: int, runs: Mapping[str, ShopRun], model: Any = model) -> None:
                if seed == seed_list[0] and not kept:
                    name = DEFAULT_POLICY if DEFAULT_POLICY in runs else next(iter(runs))
                    kept.append((model, runs[name], name))

            try:
                result = compare_shop(model, compared, seed_list,
                                      progress=lambda _seed: bar.update(1), workers=workers,
                                      keep=keep if history_path else None)
            except ValueError as exc:
                click.echo(f"{scenario_path}: error: {exc}", err=True)
                raise ProblemsFound(str(exc)) from None
            loads.append((rho, result))
            learned.extend(result.tables.get(learner, ()) if learner else ())
    written = None
    if target is not None:
        svg = scatter_svg(_chart_points(loads),
                          title=f"{scenario.name}: on time vs quoted lead time "
                                f"({len(seed_list)} seed{'s' if len(seed_list) > 1 else ''})",
                          x_label="mean quoted lead time (working days)",
                          y_label="on time (%)", y_max=100, labels=False)
        written = write_output(target, svg)
    history = None
    if history_path is not None and kept:
        from .simulation.history import history_rows, save_history

        model, run, name = kept[0]
        try:
            save_history(history_path, history_rows(model, run, name))
        except OSError as exc:
            raise click.UsageError(f"cannot write the history {history_path}: "
                                   f"{exc.strerror}") from None
        history = {"file": str(Path(history_path)), "seed": run.seed, "policy": name,
                   "orders": len(run.ids)}
    saved = None
    if calibration_path is not None and learner is not None:
        saved = _save(calibration_path, scenario, learner, learned, len(seed_list))
    if fmt == "json":
        _dump({"scenario": scenario.to_dict(), "seeds": seed_list, "chart": written,
               "history": history,
               "recommended": {f"{rho:g}": result.recommended(scenario.target)
                               for rho, result in loads},
               "calibration": None if saved is None else saved.to_dict(),
               "loads": [{"rho": rho, **result.to_dict()} for rho, result in loads]})
        return
    click.echo(f"{scenario.name}: {len(seed_list)} seed(s) x {scenario.years:g} years "
               f"({scenario.warmup_years:g} warm-up); working days, mean ± 95% interval "
               "across seeds")
    click.echo(format_table(loads))
    for line in recommendations(loads, scenario.target):
        click.echo(line)
    if written is not None:
        click.echo(f"chart: {written}")
    if history is not None:
        click.echo(f"history: {history['file']} (seed {history['seed']}, {history['orders']} "
                   f"orders promised by {history['policy']}; read it with bto kpi "
                   f"{history['file']} --catalog {scenario.catalog})")
    if saved is not None:
        table = saved.buffers
        click.echo(f"calibration: {calibration_path} ({saved.policy}; working days per "
                   "segment" + (f" and CTP band ({', '.join(table.labels())})"
                                if table.bands else "") + "): " + "; ".join(
            f"{s} {' '.join(f'{d:+d}' for d in days)}"
            for s, days in sorted(table.days.items())))


cli.add_command(simulate_command)
