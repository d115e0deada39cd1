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


def main() -> None:
    """Entry point of the ``bto`` console script."""
    cli(prog_name="bto")
