"""The ``bto`` command line: a thin layer over the library.

Each command parses its arguments, calls one library function and formats the result. Data
goes to stdout and diagnostics to stderr. Exit status: 0 success, 1 problems found, 2 usage.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from typing import Any

import click

from .__about__ import __version__
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
def lint(paths: tuple[str, ...], fmt: str) -> None:
    """Check catalog, plant and supply files and folders.

    Prints `file:line:col: CODE message` for every problem. Exit status 0 when clean, 1 when
    problems were found.
    """
    from .lint import lint_paths

    result = lint_paths(paths)
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
@click.argument("kind", type=click.Choice(["catalog", "plant", "supply"]), default="catalog")
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


def main() -> None:
    """Entry point of the ``bto`` console script."""
    cli(prog_name="bto")
