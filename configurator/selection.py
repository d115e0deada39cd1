"""Selections from files and command lines, checked against a catalog.

A selection file (``format: bto-selection/1``, YAML or JSON) is what ``bto complete --format
json`` writes, so saved configurations round-trip::

    format: bto-selection/1     # optional
    catalog: ebike-neckar       # optional; must match the catalog's id when given
    select:
      frame: trapeze            # single-select: an option id (null: nothing, if optional)
      accessories: [rack, -lights]   # rack selected, lights excluded, the others open
      bags: {exactly: [pannier]}     # pannier and nothing else ([]: none at all)
      stem_mm: 90               # integer module: a value

Every problem is reported with its file:line:col, as for catalogs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._fields import Reader
from ._yaml import load_yaml_file
from .catalog.model import Catalog
from .choices import (
    Choice,
    SelectionError,
    check_choice,
    choices_of,
    exactly,
    multi_choice,
    read_select,
)
from .problems import Problem

__all__ = ["SELECTION_FORMAT", "parse_choice", "read_selection_file"]

SELECTION_FORMAT = "bto-selection/1"
_KEYS = ("format", "catalog", "objective", "select")


def read_selection_file(path: str | os.PathLike[str], catalog: Catalog
                        ) -> tuple[list[Choice] | None, list[Problem]]:
    """The choices a selection file makes (None on errors), and every problem found."""
    name = os.fspath(path)
    root, problems = load_yaml_file(Path(path), name)
    if root is None:
        return None, problems
    reader = Reader(name, Path(path))
    top = reader.mapping(root, "selection file", _KEYS, required=("select",))
    if top is None:
        return None, problems + reader.problems
    if "format" in top:
        reader.check_format(top, SELECTION_FORMAT)
    if "catalog" in top:
        given = reader.string(top["catalog"], "catalog")
        if given is not None and given != catalog.id:
            reader.report("S204", f"this selection is for catalog '{given}', not "
                          f"'{catalog.id}'", top["catalog"])
    if "objective" in top:
        reader.string(top["objective"], "objective")
    select = read_select(reader, top["select"], catalog.module_map) if "select" in top else None
    problems += reader.problems
    if reader.failed or select is None:
        return None, problems
    return choices_of(catalog.module_map, select), problems


def parse_choice(catalog: Catalog, text: str) -> list[Choice]:
    """The choices of a ``MODULE=VALUE`` argument, in order. ``none`` chooses nothing in an
    optional module (unless the module has an option of that name). A multi-select module
    takes items separated by commas: ``option`` selects it, ``-option`` excludes it, and
    ``none`` excludes every option, so ``none,rack`` is rack and nothing else. Raises
    :class:`SelectionError`."""
    module_id, sep, raw = text.partition("=")
    module_id, raw = module_id.strip(), raw.strip()
    if not sep or not module_id or not raw:
        raise SelectionError(f"'{text}' is not MODULE=VALUE")
    modules = catalog.module_map
    module = modules.get(module_id)
    if module is not None and module.kind == "integer":
        try:
            number = int(raw)
        except ValueError:
            raise SelectionError(f"module '{module_id}' takes an integer, not '{raw}'") from None
        return [check_choice(modules, module_id, number)]
    if module is not None and module.kind == "multi":
        out: list[Choice] = []
        given: dict[Any, bool] = {}  # option -> excluded, as written in this argument
        for part in (p.strip() for p in raw.split(",")):
            if part == "none" and module.option("none") is None:
                out += choices_of(modules, {module_id: exactly(module, ())})
                continue
            choice = multi_choice(modules, module_id, part)
            if given.setdefault(choice.value, choice.excluded) != choice.excluded:
                raise SelectionError(f"option '{choice.value}' of '{module_id}' is both "
                                     "selected and excluded")
            out.append(choice)
        return out
    if module is not None and raw == "none" and module.option("none") is None:
        return [check_choice(modules, module_id, None)]
    return [check_choice(modules, module_id, raw)]
