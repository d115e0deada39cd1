"""The ``bto`` command line: a thin layer over the library.

Each command parses its arguments, calls one library function and formats the result. Data
goes to stdout and diagnostics to stderr. Exit status: 0 success, 1 problems found, 2 usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any, TypeVar

import click

from .__about__ import __version__
from .choices import value_text
from .problems import Problem, format_problem

FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Output format.",
)


class ProblemsFound(click.ClickException):
    """Exit 1 after the problems have been printed."""

    exit_code = 1

    def show(self, file: Any = None) -> None:  # the problems are already on the output
        pass


def _print_problems(problems: list[Problem] | tuple[Problem, ...], stream: Any) -> None:
    for problem in problems:
        click.echo(format_problem(problem), file=stream)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bto")
def cli() -> None:
    """Configure, price and promise build-to-order products.

    Shell completion (bash; use zsh_source or fish_source for those shells):

        eval "$(_BTO_COMPLETE=bash_source bto)"
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=True, readable=True))
@FORMAT_OPTION
@click.option("--semantic/--no-semantic", default=True, show_default=True,
              help="Also check each catalog's logic: dead and forced options, conflicts, "
                   "rules that never fire or are implied, unusable table rows.")
def lint(paths: tuple[str, ...], fmt: str, semantic: bool) -> None:
    """Check catalog, plant, supply, order-book, scenario and calibration files and folders.

    Prints `file:line:col: CODE message` for every problem. Exit status 0 when clean, 1 when
    problems were found.
    """
    from .lint import lint_paths

    result = lint_paths(paths, semantic=semantic)
    if not result.files and not result.problems:
        # A mistyped folder must not pass as clean.
        raise click.UsageError(f"no .yaml or .yml files under {', '.join(paths)}")
    if fmt == "json":
        _dump([p.to_dict() for p in result.problems])
    else:
        _print_problems(result.problems, sys.stdout)
        errors = sum(p.is_error for p in result.problems)
        warnings = len(result.problems) - errors
        summary = (f"{len(result.files)} file(s) checked: "
                   f"{errors} error(s), {warnings} warning(s)")
        click.echo(summary, err=True)
    if result.problems:
        raise ProblemsFound("problems found")


@cli.command()
@click.argument("kind", type=click.Choice(["catalog", "plant", "supply", "orders", "scenario",
                                            "calibration"]), default="catalog")
def schema(kind: str) -> None:
    """Print the JSON Schema of a file format (for editors and CI)."""
    text = resources.files("configurator.schemas").joinpath(f"{kind}.schema.json").read_text(
        encoding="utf-8")
    click.echo(text.rstrip("\n"))


@cli.command()
@click.argument("catalog", type=click.Path(exists=True, dir_okay=False))
@FORMAT_OPTION
@click.option("--lang", default=None, help="Language of labels (default: the catalog's first).")
def show(catalog: str, fmt: str, lang: str | None) -> None:
    """Show a catalog's modules, options and prices."""
    from .loading import read_catalog
    from .summary import catalog_summary, format_summary

    loaded, problems = read_catalog(catalog)
    if loaded is None:
        if fmt == "json":
            _dump({"catalog": None, "problems": [p.to_dict() for p in problems]})
        _print_problems(problems, sys.stderr)
        raise ProblemsFound("problems found")
    _print_problems(problems, sys.stderr)  # warnings
    summary = catalog_summary(loaded, lang)
    if fmt == "json":
        _dump(summary)
    else:
        click.echo(format_summary(summary))


@cli.group("import")
def import_() -> None:
    """Convert real configuration models into bto catalogs."""


def _import(kind: str, source: str, out: str) -> None:
    from .importers import ImportError_, import_dimacs, import_xcsp, write_catalog
    from .loading import read_catalog

    try:
        imported = (import_xcsp if kind == "xcsp" else import_dimacs)(source)
        path = write_catalog(imported, out)
    except ImportError_ as exc:
        click.echo(f"error: {exc}", err=True)
        raise ProblemsFound("import failed") from None
    for note in imported.notes:
        click.echo(f"note: {note}", err=True)
    catalog, problems = read_catalog(path)
    _print_problems(problems, sys.stderr)
    if catalog is None:
        raise ProblemsFound("the imported catalog does not load")
    click.echo(f"{path}: {len(catalog.modules)} modules, {len(catalog.rules)} rules, "
               f"{len(catalog.tables)} variant tables "
               f"({sum(len(t.rows) for t in catalog.tables)} rows)")


OUT_OPTION = click.option("-o", "--out", "out", required=True,
                          type=click.Path(file_okay=False),
                          help="Folder to create for the catalog (must not exist, or be empty).")


@import_.command("xcsp")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@OUT_OPTION
def import_xcsp_command(source: str, out: str) -> None:
    """Import an XCSP 2.1 instance: variables become modules, tables become CSV tables."""
    _import("xcsp", source, out)


@import_.command("dimacs")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@OUT_OPTION
def import_dimacs_command(source: str, out: str) -> None:
    """Import a DIMACS CNF feature model: features become modules, clauses rules."""
    _import("dimacs", source, out)


# -- configuring ------------------------------------------------------------------------------
def _selection_options(fn: Any) -> Any:
    fn = click.option("--engine", type=click.Choice(["sat", "csp"]), default="sat",
                      show_default=True,
                      help="sat: incremental SAT (fast). csp: backtracking reference.")(fn)
    fn = click.option("--selection", "selection_file", default=None,
                      type=click.Path(exists=True, dir_okay=False),
                      help="A selection file (YAML or JSON), e.g. saved by `bto complete`.")(fn)
    fn = click.option("-s", "--select", "selects", multiple=True, metavar="MODULE=VALUE",
                      help="A choice; repeat for more. Multi-select: MODULE=a,b (these "
                           "selected), MODULE=-a (a excluded), MODULE=none (none of them). "
                           "Optional module: MODULE=none. Applied after --selection.")(fn)
    return fn


def _load_or_exit(read: Any, path: str, what: str, fmt: str = "text") -> Any:
    """``read(path)``'s document; its problems on stderr, and exit 1 when it has errors."""
    loaded, problems = read(path)
    _print_problems(problems, sys.stderr)
    if loaded is None:
        if fmt == "json":
            _dump({what: None, "problems": [p.to_dict() for p in problems]})
        raise ProblemsFound("problems found")
    return loaded


def _load_catalog_or_exit(path: str, fmt: str = "text") -> Any:
    from .loading import read_catalog

    return _load_or_exit(read_catalog, path, "catalog", fmt)


def _failure(exc: Exception, fmt: str) -> ProblemsFound:
    """Report a result that cannot be computed (exit 1); the caller raises what it returns."""
    if fmt == "json":
        _dump({"error": str(exc)})
    click.echo(f"error: {exc}", err=True)
    return ProblemsFound(str(exc))


def _open_session(catalog_path: str, selects: tuple[str, ...], selection_file: str | None,
                  engine: str, fmt: str = "text") -> Any:
    """A session on the catalog with the choices of --selection and -s applied."""
    from .selection import parse_choice, read_selection_file
    from .session import SelectionError, Session

    catalog = _load_catalog_or_exit(catalog_path, fmt)
    choices = []
    if selection_file is not None:
        found, problems = read_selection_file(selection_file, catalog)
        _print_problems(problems, sys.stderr)
        if found is None:
            raise ProblemsFound("problems found")
        choices.extend(found)
    for text in selects:
        try:
            choices.extend(parse_choice(catalog, text))
        except SelectionError as exc:
            raise click.BadParameter(str(exc), param_hint="'-s'") from None
    session = Session(catalog, engine=engine)
    session.select_all(choices)
    return session


def _print_conflict(session: Any) -> None:
    validation = session.validate()
    click.echo("the choices conflict:")
    if validation.choices:
        click.echo("  your choices: " + ", ".join(str(c) for c in validation.choices))
    for rule in validation.rules:
        click.echo(f"  rule {rule}")
    repairs = session.repairs()
    if repairs:
        click.echo("to repair:")
        for repair in repairs:
            click.echo(f"  {repair}")


def _target(session: Any, text: str) -> Any:
    from .selection import parse_choice
    from .session import SelectionError

    try:
        found = parse_choice(session.catalog, text)
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    if len(found) != 1:
        raise click.UsageError(f"'{text}' names several options; explain takes one")
    return found[0]


@cli.command()
@click.argument("catalog", type=click.Path(exists=True, dir_okay=False))
@_selection_options
@FORMAT_OPTION
@click.option("--why/--no-why", default=True, show_default=True,
              help="Explain every unavailable option.")
def options(catalog: str, selects: tuple[str, ...], selection_file: str | None, engine: str,
            fmt: str, why: bool) -> None:
    """Show the options still possible after the choices, and why the others are not.

    Every option shown as available extends to a valid configuration. Exit status 1 when the
    choices conflict.
    """
    with _open_session(catalog, selects, selection_file, engine, fmt) as session:
        valid = session.valid_options()
        explanations: dict[tuple[str, Any], Any] = {}
        if valid.consistent and why:
            for m in valid.modules:
                for value in m.unavailable:
                    explanations[m.module, value] = session.explain(m.module, value)
        # Another value of a module the user chose is excluded only by that choice when
        # nothing else stands in its way: it is a possible replacement, not a dead end.
        instead = {(module, value) for (module, value), e in explanations.items()
                   if not e.rules and e.choices and all(c.module == module for c in e.choices)}
        if fmt == "json":
            data = valid.to_dict()
            for m in data["modules"]:
                m["why"] = {value_text(v): explanations[m["module"], v].to_dict()
                            for v in m["unavailable"] if (m["module"], v) in explanations}
                m["instead"] = [v for v in m["unavailable"] if (m["module"], v) in instead]
            _dump(data)
        elif valid.consistent:
            for m in valid.modules:
                chosen = set(m.chosen)
                marks = [f"{value_text(v)}{'*' if v in chosen else ''}" for v in m.available]
                swaps = [value_text(v) for v in m.unavailable if (m.module, v) in instead]
                also = f"  (instead: {', '.join(swaps)})" if swaps else ""
                click.echo(f"{m.module} ({m.kind}): {', '.join(marks) or '-'}{also}")
                for value in m.unavailable:
                    if (m.module, value) in instead:
                        continue
                    text = explanations.get((m.module, value))
                    reason = _reason(text) if text is not None else "unavailable"
                    click.echo(f"  x {value_text(value)}: {reason}")
        else:
            _print_conflict(session)
        if not valid.consistent:
            raise ProblemsFound("the choices conflict")


def _reason(explanation: Any) -> str:
    parts = []
    if explanation.choices:
        parts.append("by " + ", ".join(str(c) for c in explanation.choices))
    for rule in explanation.rules:
        parts.append(f"{rule.id} ({rule.source}): {rule.message}")
    return "; ".join(parts) or "unavailable"


@cli.command()
@click.argument("catalog", type=click.Path(exists=True, dir_okay=False))
@_selection_options
@FORMAT_OPTION
def validate(catalog: str, selects: tuple[str, ...], selection_file: str | None, engine: str,
             fmt: str) -> None:
    """Check that the choices extend to a valid configuration (exit 0) or not (exit 1)."""
    with _open_session(catalog, selects, selection_file, engine, fmt) as session:
        validation = session.validate()
        if fmt == "json":
            data = validation.to_dict()
            data["repairs"] = [r.to_dict() for r in session.repairs()] if not validation.valid \
                else []
            _dump(data)
        elif validation.valid:
            still = len(validation.open_modules)
            click.echo("valid" + (f" ({still} module(s) still open: "
                                  f"{', '.join(validation.open_modules)})" if still else
                                  " and complete"))
        else:
            _print_conflict(session)
        if not validation.valid:
            raise ProblemsFound("the choices conflict")


@cli.command()
@click.argument("catalog", type=click.Path(exists=True, dir_okay=False))
@click.argument("target", metavar="MODULE=VALUE")
@_selection_options
@FORMAT_OPTION
def explain(catalog: str, target: str, selects: tuple[str, ...], selection_file: str | None,
            engine: str, fmt: str) -> None:
    """Explain why MODULE=VALUE is not possible: a minimal set of choices and rules."""
    with _open_session(catalog, selects, selection_file, engine, fmt) as session:
        choice = _target(session, target)
        explanation = session.explain(choice.module, choice.value,
                                      excluded=getattr(choice, "excluded", False))
        if fmt == "json":
            _dump(explanation.to_dict())
            return
        if not explanation.excluded:
            click.echo(f"{choice} is possible with the current choices")
            return
        click.echo(f"{choice} is not possible because of")
        if explanation.choices:
            click.echo("  your choices: " + ", ".join(str(c) for c in explanation.choices))
        for rule in explanation.rules:
            click.echo(f"  rule {rule}")


@cli.command()
@click.argument("catalog", type=click.Path(exists=True, dir_okay=False))
@_selection_options
@FORMAT_OPTION
@click.option("--objective", type=click.Choice(["default", "cheapest", "fastest"]),
              default="default", show_default=True,
              help="Catalog defaults, the lowest option prices, or the earliest delivery "
                   "(from the catalog's plant and supply files).")
@click.option("--at", "at_text", default=None, metavar="ISO-DATETIME",
              help="With --objective fastest: when the order is placed (default: now).")
def complete(catalog: str, selects: tuple[str, ...], selection_file: str | None, engine: str,
             fmt: str, objective: str, at_text: str | None) -> None:
    """Complete the choices to a full valid configuration.

    `--format json` prints a selection file that --selection reads back.
    """
    with _open_session(catalog, selects, selection_file, engine, fmt) as session:
        if not session.consistent():
            if fmt == "json":
                _dump({"valid": False, **session.validate().to_dict()})
            else:
                _print_conflict(session)
            raise ProblemsFound("the choices conflict")
        if objective == "fastest":
            from ._cli_quote import fastest_completion

            configuration = fastest_completion(session, None, None, None, at_text, 1, fmt)
        else:
            configuration = session.complete(objective)
        if fmt == "json":
            _dump(configuration.to_dict())
            return
        chosen = set(configuration.chosen)
        for module, value in configuration.values.items():
            shown = ", ".join(value) if isinstance(value, tuple) else value_text(value)
            click.echo(f"{module}: {shown or '-'}{'' if module in chosen else '  (completed)'}")


@cli.command()
@click.argument("catalog", type=click.Path(exists=True, dir_okay=False))
@_selection_options
@FORMAT_OPTION
def count(catalog: str, selects: tuple[str, ...], selection_file: str | None, engine: str,
          fmt: str) -> None:
    """Count the valid configurations that keep the choices (exactly)."""
    with _open_session(catalog, selects, selection_file, engine, fmt) as session:
        number = session.count()
        if fmt == "json":
            _dump({"catalog": session.catalog.id, "count": number})
        else:
            click.echo(str(number))


@cli.command("test")
@click.argument("catalogs", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--engine", type=click.Choice(["sat", "csp"]), default="sat", show_default=True,
              help="sat: incremental SAT (fast). csp: backtracking reference.")
@FORMAT_OPTION
def test_command(catalogs: tuple[str, ...], engine: str, fmt: str) -> None:
    """Run the catalogs' own test sections. Exit status 1 when a test fails."""
    from .catalog_tests import run_catalog_tests

    reports = []
    for path in catalogs:
        reports.append(run_catalog_tests(_load_catalog_or_exit(path, fmt), engine))
    if fmt == "json":
        _dump([r.to_dict() for r in reports])
    else:
        for report in reports:
            for outcome in report.outcomes:
                status = "ok  " if outcome.passed else "FAIL"
                where = f"{outcome.source}: " if outcome.source and not outcome.passed else ""
                click.echo(f"{status} {report.catalog}: {where}{outcome.name}"
                           + ("" if outcome.passed else f"\n     {outcome.detail}"))
        failed = sum(not o.passed for r in reports for o in r.outcomes)
        total = sum(len(r.outcomes) for r in reports)
        click.echo(f"{total - failed} passed, {failed} failed", err=True)
    if not all(r.passed for r in reports):
        raise ProblemsFound("tests failed")


# -- bill of materials and price --------------------------------------------------------------
QTY_OPTION = click.option("--qty", type=click.IntRange(min=1), default=1, show_default=True,
                          help="Number of products ordered (a positive integer).")


def _configuration(catalog_path: str, selects: tuple[str, ...], selection_file: str | None,
                   engine: str, fmt: str = "text", objective: Any = "default"
                   ) -> tuple[Any, Any]:
    """The catalog and the complete configuration for the command line's choices.

    A partial selection is completed with ``objective`` (a name, or a function of the session
    that returns the configuration), and the completed modules are named on stderr. When the
    choices conflict, prints the report `bto validate` prints (the rules with file:line, and
    repairs) and exits 1.
    """
    with _open_session(catalog_path, selects, selection_file, engine, fmt) as session:
        if not session.consistent():
            if fmt == "json":
                _dump({**session.validate().to_dict(),
                       "repairs": [r.to_dict() for r in session.repairs()]})
            else:
                _print_conflict(session)
            raise ProblemsFound("the choices conflict")
        configuration = objective(session) if callable(objective) \
            else session.complete(objective)
        catalog = session.catalog
    completed = [f"{module}={_values_text(value)}"
                 for module, value in configuration.values.items()
                 if module not in configuration.chosen]
    how = {"default": "catalog defaults where the rules allow",
           "cheapest": "the lowest option prices",
           "fastest": "the options ready soonest"}.get(configuration.objective,
                                                       configuration.objective)
    if completed:
        click.echo(f"completed ({how}): " + ", ".join(completed), err=True)
    return catalog, configuration


def _values_text(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value) or "(nothing)"
    return value_text(value)


def _derive(catalog: str, selects: tuple[str, ...], selection_file: str | None, engine: str,
            fmt: str, compute: Callable[[Any, Any], Any], text: Callable[[Any], str]) -> None:
    """Print what ``compute(catalog, configuration)`` derives from the command line's
    configuration; a BOM or price that cannot be computed exits 1 with its message."""
    from .bom import DerivationError

    loaded, configuration = _configuration(catalog, selects, selection_file, engine, fmt)
    try:
        result = compute(loaded, configuration)
    except DerivationError as exc:
        raise _failure(exc, fmt) from None
    if fmt == "json":
        _dump(result.to_dict())
    else:
        click.echo(text(result))


def _table(rows: Sequence[tuple[str, ...]], right: frozenset[int] = frozenset()) -> list[str]:
    """Rows as aligned columns; the columns in ``right`` are right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows]


def _format_bom(result: Any) -> str:
    from .bom import decimal_text as num

    out = [f"{result.catalog}: bill of materials for {result.qty} product(s)", ""]
    tree: list[tuple[str, ...]] = [("level", "part", "qty", "total", "uom", "name")]
    for n in result.walk():
        tree.append((str(n.level), "  " * (n.level - 1) + n.part, num(n.qty), num(n.total),
                     n.uom, n.name.text() + (f"  (from kit {n.via})" if n.via else "")))
    out += _table(tree, frozenset({2, 3}))
    operations = result.operations_in_order()
    out += ["", "operations, in order:"]
    rows: list[tuple[str, ...]] = [
        ("part", "operation", "work centre", "min/unit", "units", "minutes", "label")]
    by_centre: dict[str, Any] = {}
    for op in operations:
        rows.append((op.part or "(final)", op.id, op.work_centre, num(op.minutes),
                     num(op.units), num(op.total_minutes), op.label.text() if op.label else ""))
        by_centre[op.work_centre] = by_centre.get(op.work_centre, 0) + op.total_minutes
    out += _table(rows, frozenset({3, 4, 5})) if operations else ["  (none)"]
    if by_centre:
        out.append("minutes per work centre: "
                   + ", ".join(f"{c} {num(m)}" for c, m in by_centre.items()))
    out += ["", "parts:"]
    parts: list[tuple[str, ...]] = [("part", "type", "total", "uom", "name")]
    parts += [(p.part, p.type, num(p.total), p.uom, p.name.text()) for p in result.parts]
    out += _table(parts, frozenset({2}))
    return "\n".join(out)


def _format_price(result: Any) -> str:
    qty = str(result.qty)
    rows: list[tuple[str, ...]] = [("", "unit", "qty", "amount")]
    first_surcharge = next((i for i, line in enumerate(result.lines)
                            if line.kind == "surcharge"), None)
    for i, line in enumerate(result.lines):
        if i == first_surcharge:
            unit = result.configured_unit_price
            rows.append(("configured price", str(unit), qty, str(unit * result.qty)))
        detail = f"  ({line.detail})" if line.detail else ""
        rows.append((line.label.text() + detail, str(line.unit_amount), qty, str(line.amount)))
    rows.append((f"total {result.currency}", str(result.unit_price), qty, str(result.total)))
    out = [f"{result.catalog}: price in {result.currency} for {result.qty} product(s)", ""]
    out += _table(rows, frozenset({1, 2, 3}))
    out += ["", f"rounding: {result.rounding}"]
    return "\n".join(out)


def _derivation_options(fn: Any) -> Any:
    """CATALOG, the choices, --qty and --format: what `bom` and `price` take."""
    for option in (FORMAT_OPTION, QTY_OPTION, _selection_options,
                   click.argument("catalog", type=click.Path(exists=True, dir_okay=False))):
        fn = option(fn)
    return fn


@cli.command("bom")
@_derivation_options
def bom_command(catalog: str, selects: tuple[str, ...], selection_file: str | None,
                engine: str, qty: int, fmt: str) -> None:
    """Show the bill of materials of a configuration: the exploded tree, the routing
    operations in order, and the parts totalled for --qty products.

    A partial selection is completed with the catalog defaults. Exit status 1 when the
    choices conflict or a quantity cannot be computed.
    """
    from .bom import explode

    _derive(catalog, selects, selection_file, engine, fmt,
            lambda loaded, configuration: explode(loaded, configuration, qty), _format_bom)


@cli.command("price")
@_derivation_options
def price_command(catalog: str, selects: tuple[str, ...], selection_file: str | None,
                  engine: str, qty: int, fmt: str) -> None:
    """Show the price of a configuration for --qty products, line by line, with the
    rounding rule.

    A partial selection is completed with the catalog defaults. Exit status 1 when the
    choices conflict or a surcharge cannot be computed.
    """
    from .pricing import price

    _derive(catalog, selects, selection_file, engine, fmt,
            lambda loaded, configuration: price(loaded, configuration, qty), _format_price)


def _moment(text: str | None, zone: Any) -> Any:
    """--at: an ISO date and time; without an offset, the plant's local time."""
    import datetime as dt

    if text is None:
        return dt.datetime.now(zone)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not an ISO date and time; write e.g. "
                                 "2026-11-25T10:30 or 2026-11-25T10:30+01:00",
                                 param_hint="'--at'") from None
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    from .quoting.calendar import as_utc

    try:
        as_utc(moment, "--at")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--at'") from None
    return moment


def _plant_and_supply(catalog: Any, plant_path: str | None, supply_path: str | None,
                      fmt: str) -> tuple[Any, Any]:
    from .loading import read_plant, read_supply

    plant_file = plant_path or (str(catalog.plant) if catalog.plant else None)
    supply_file = supply_path or (str(catalog.supply) if catalog.supply else None)
    if plant_file is None or supply_file is None:
        missing = "--plant" if plant_file is None else "--supply"
        raise click.UsageError(f"the catalog names no {missing[2:]} file; give {missing} FILE")
    return (_load_or_exit(read_plant, plant_file, "plant", fmt),
            _load_or_exit(read_supply, supply_file, "supply", fmt))


def check_output_folder(path: str | None, option: str) -> None:
    """A usage error (exit 2) before any work when ``path``'s folder does not exist."""
    from pathlib import Path

    if path is not None and not Path(path).resolve().parent.is_dir():
        raise click.BadParameter(f"no folder {Path(path).parent}", param_hint=f"'{option}'")


def write_output(path: str, text: str, what: str = "the chart") -> str:
    """Write ``text`` to ``path`` whole or not at all; the path written, for the output.
    A file that cannot be written is a usage error (exit 2), not a traceback."""
    from pathlib import Path

    from ._files import write_atomically

    try:
        write_atomically(path, text)
    except OSError as exc:
        raise click.UsageError(f"cannot write {what} {path}: {exc.strerror}") from None
    return str(Path(path))


F = TypeVar("F", bound=Callable[..., Any])


def provider_options(whose: str) -> Callable[[F], F]:
    """--plant, --supply and --orders, each file's default being ``whose`` own."""
    def add(fn: F) -> F:
        for option in (
                click.option("--orders", "orders_path",
                             type=click.Path(exists=True, dir_okay=False), default=None,
                             help="Order book (bto-orders/1): capacity and stock already "
                                  "promised to open orders."),
                click.option("--supply", "supply_path",
                             type=click.Path(exists=True, dir_okay=False), default=None,
                             help=f"Supply file (default: {whose} `supply`)."),
                click.option("--plant", "plant_path",
                             type=click.Path(exists=True, dir_okay=False), default=None,
                             help=f"Plant file (default: {whose} `plant`).")):
            fn = option(fn)
        return fn
    return add


def _register_commands() -> None:
    # Each of these modules adds its command to `cli` when it is first imported; they import
    # the helpers above, so they are imported here, after them (and either may come first).
    from . import (  # noqa: F401
        _cli_configure,
        _cli_demand,
        _cli_kpi,
        _cli_orders,
        _cli_quote,
        _cli_serve,
        _cli_simulate,
    )


_register_commands()


def main() -> None:
    """Entry point of the ``bto`` console script."""
    cli(prog_name="bto")
