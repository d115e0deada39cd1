"""Loading bto files: catalogs, plants and supply data, chosen by their ``format`` key.

``read_*`` functions return the loaded object (or None) and every problem found; ``load_*``
functions return the object or raise :class:`~configurator.problems.LoadError` with all of them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, Union

from ._fields import FORMAT_NAMES
from ._yaml import YMap, YNode, gc_paused, load_yaml_text, read_text
from .catalog._load_catalog import read_catalog_node
from .catalog.model import Catalog
from .orders import OrderBook, read_orders_node
from .plant import Plant, read_plant_node
from .problems import LoadError, Position, Problem, did_you_mean
from .scenario import Scenario, read_scenario_node
from .supply import Supply, read_supply_node

if TYPE_CHECKING:
    from .simulation.calibration import Calibration

__all__ = [
    "Document",
    "FORMATS",
    "load_catalog",
    "load_plant",
    "load_supply",
    "read_catalog",
    "read_file",
    "read_plant",
    "read_supply",
    "read_orders",
    "load_orders",
]

# A calibration is a Document too, but its class lives in configurator.simulation, which needs
# numpy: it is imported only when a calibration file is read, so `import configurator` stays light.
Document = Union[Catalog, Plant, Supply, OrderBook, Scenario, "Calibration"]
#: The class each format is read as; all of FORMAT_NAMES but bto-calibration/1 (see above).
FORMATS: dict[str, type[Document]] = dict(zip(
    FORMAT_NAMES[:-1], (Catalog, Plant, Supply, OrderBook, Scenario), strict=True))
T = TypeVar("T", Catalog, Plant, Supply, OrderBook, Scenario)
_HINT_KEYS = {"modules": "bto-catalog/1", "options": "bto-catalog/1", "shifts": "bto-plant/1",
              "work_centres": "bto-plant/1", "stock": "bto-supply/1",
              "sourcing": "bto-supply/1", "purchase_orders": "bto-supply/1",
              "bookings": "bto-orders/1", "reservations": "bto-orders/1"}


def _name(path: str | os.PathLike[str], filename: str | None) -> str:
    return filename if filename is not None else os.fspath(path)


def file_format(root: YNode) -> str | None:
    """The ``format`` a composed file declares, if it is a plain string."""
    if isinstance(root, YMap):
        for key, value in root.pairs:
            if key.value == "format" and isinstance(getattr(value, "value", None), str):
                return str(value.value)  # type: ignore[attr-defined]
    return None


def read_file(path: str | os.PathLike[str], filename: str | None = None,
              expected: type[T] | None = None) -> tuple[Document | None, list[Problem]]:
    """Read any bto file; its ``format`` key decides what it is."""
    with gc_paused():  # one pause over reading and building (see gc_paused)
        return _read_any(path, filename, expected)


def _read_any(path: str | os.PathLike[str], filename: str | None,
              expected: type[T] | None) -> tuple[Document | None, list[Problem]]:
    name = _name(path, filename)
    text, problems = read_text(Path(path), name)
    if text is None:
        return None, problems
    root, problems = load_yaml_text(text, name)
    if root is None:
        return None, problems
    fmt = file_format(root)
    if expected is not None and fmt not in FORMATS:
        fmt = next(k for k, v in FORMATS.items() if v is expected)
    if fmt not in FORMAT_NAMES:
        guess = None
        if isinstance(root, YMap):
            guess = next((_HINT_KEYS[k.value] for k, _ in root.pairs if k.value in _HINT_KEYS),
                         None)
        where = root.pos
        if isinstance(root, YMap):
            for key, value in root.pairs:
                if key.value == "format":
                    where = value.pos
        has_key = isinstance(root, YMap) and any(k.value == "format" for k, _ in root.pairs)
        message = ("'format' must be a string such as bto-catalog/1" if has_key and fmt is None
                   else "missing 'format' key" if fmt is None else f"unknown format '{fmt}'")
        suggestion = (did_you_mean(fmt, FORMAT_NAMES) if fmt else None) or (
            f"start the file with 'format: {guess}'" if guess else
            f"start the file with 'format: ' and one of {', '.join(FORMAT_NAMES)}")
        problems.append(Problem.at("S200", message, where, suggestion=suggestion))
        return None, problems
    doc: Document | None
    if fmt == "bto-catalog/1":
        doc, more = read_catalog_node(root, name, Path(path), text)
    elif fmt == "bto-plant/1":
        doc, more = read_plant_node(root, name)
    elif fmt == "bto-supply/1":
        doc, more = read_supply_node(root, name, Path(path))
    elif fmt == "bto-orders/1":
        doc, more = read_orders_node(root, name, Path(path))
    elif fmt == "bto-scenario/1":
        doc, more = read_scenario_node(root, name, Path(path))
    else:
        doc, more = _read_calibration_node(root, name, Path(path))
    problems.extend(more)
    if any(p.is_error for p in problems):
        doc = None
    return doc, problems


def _read_calibration_node(root: YNode, name: str, path: Path
                           ) -> tuple[Document | None, list[Problem]]:
    # imported here: the simulation package loads numpy, which most commands never need
    from .simulation.calibration import read_calibration_node

    return read_calibration_node(root, name, path)


def _read(path: str | os.PathLike[str], filename: str | None, kind: type[T]
          ) -> tuple[T | None, list[Problem]]:
    doc, problems = read_file(path, filename, expected=kind)
    if doc is not None and not isinstance(doc, kind):
        problems.append(Problem.at(
            "S200", f"this is a {type(doc).__name__.lower()} file, not a "
            f"{kind.__name__.lower()} file",
            getattr(doc, "source", None) or Position(_name(path, filename), 1, 1)))
        return None, problems
    return doc, problems


def read_catalog(path: str | os.PathLike[str], filename: str | None = None
                 ) -> tuple[Catalog | None, list[Problem]]:
    """Read a catalog file: the catalog (None on errors) and every problem found."""
    return _read(path, filename, Catalog)


def read_plant(path: str | os.PathLike[str], filename: str | None = None
               ) -> tuple[Plant | None, list[Problem]]:
    """Read a plant file: the plant (None on errors) and every problem found."""
    return _read(path, filename, Plant)


def read_supply(path: str | os.PathLike[str], filename: str | None = None
                ) -> tuple[Supply | None, list[Problem]]:
    """Read a supply file: the supply data (None on errors) and every problem found."""
    return _read(path, filename, Supply)


def _load(read: Any, path: str | os.PathLike[str]) -> Any:
    doc, problems = read(path)
    if doc is None:
        raise LoadError(problems)
    return doc


def load_catalog(path: str | os.PathLike[str]) -> Catalog:
    """Load a catalog; raises LoadError (with every problem) if it has errors."""
    return _load(read_catalog, path)  # type: ignore[no-any-return]


def load_plant(path: str | os.PathLike[str]) -> Plant:
    """Load a plant file; raises LoadError if it has errors."""
    return _load(read_plant, path)  # type: ignore[no-any-return]


def load_supply(path: str | os.PathLike[str]) -> Supply:
    """Load a supply file; raises LoadError if it has errors."""
    return _load(read_supply, path)  # type: ignore[no-any-return]


def read_orders(path: str | os.PathLike[str], filename: str | None = None
                ) -> tuple[OrderBook | None, list[Problem]]:
    """Read an order-book file: the order book (None on errors) and every problem found."""
    return _read(path, filename, OrderBook)


def load_orders(path: str | os.PathLike[str]) -> OrderBook:
    """Load an order-book file; raises LoadError if it has errors."""
    return _load(read_orders, path)  # type: ignore[no-any-return]
