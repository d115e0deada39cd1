"""Loading the catalog, plant and supply files the ledger recorded, checking that each still
holds what the ledger's orders were placed with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..catalog.model import Catalog
from ..plant import Plant
from ..problems import format_problem
from ..supply import Supply
from .records import LedgerError, Source

__all__ = ["load_source", "source_path"]


def source_path(item: Catalog | Plant | Supply) -> str | None:
    """The absolute path ``item`` was loaded from (None when it was built in memory)."""
    if isinstance(item, Catalog):
        found: Any = item.path
    else:
        found = item.source.file if item.source is not None else None
    if found is None or not str(found) or str(found).startswith("<"):
        return None
    return str(Path(found).resolve())


def load_source(source: Source) -> Catalog | Plant | Supply:
    """The document of ``source``'s file. Raises :class:`LedgerError` naming the file when
    it is gone, no longer loads (with every error as file:line:col) or holds another id."""
    from ..loading import read_catalog, read_plant, read_supply

    read = {"catalog": read_catalog, "plant": read_plant, "supply": read_supply}[source.kind]
    what = f"{source.kind} '{source.id}'"
    if not Path(source.path).is_file():
        raise LedgerError(f"{source.path}: {what} of the ledger's orders was loaded from this "
                          "file, which is gone; put it back (or place an order with the file "
                          "at its new place)")
    loaded, problems = read(source.path)
    errors = [p for p in problems if p.is_error]
    if loaded is None or errors:
        lines = "\n".join(f"  {format_problem(p)}" for p in errors)
        raise LedgerError(f"{source.path}: {what} of the ledger's orders no longer loads:\n"
                          f"{lines}")
    if loaded.id != source.id:
        raise LedgerError(f"{source.path}: the file now holds {source.kind} '{loaded.id}', "
                          f"not '{source.id}' the ledger's orders were placed with")
    result: Catalog | Plant | Supply = loaded
    return result
