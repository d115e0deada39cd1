"""bto: configure, price and promise build-to-order products.

The public API. Load a catalog once (it is immutable and safe to share between threads)::

    from configurator import load_catalog
    catalog = load_catalog("catalogs/ebike.yaml")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .__about__ import __version__
from .catalog.model import (
    Attribute,
    BomLine,
    Catalog,
    CatalogTest,
    Expression,
    Module,
    Operation,
    Option,
    Part,
    Rule,
    Surcharge,
    VariantTable,
)
from .lint import LintResult, lint_paths
from .loading import (
    load_catalog,
    load_orders,
    load_plant,
    load_supply,
    read_catalog,
    read_file,
    read_orders,
    read_plant,
    read_supply,
)
from .orders import OrderBook
from .plant import Plant
from .problems import LoadError, Problem, Severity
from .supply import Supply
from .values import FrozenMap, Label

__all__ = [
    "Attribute",
    "BomLine",
    "Catalog",
    "CatalogTest",
    "Expression",
    "FrozenMap",
    "Label",
    "LintResult",
    "LoadError",
    "Module",
    "Operation",
    "Option",
    "Part",
    "Plant",
    "Problem",
    "Rule",
    "Severity",
    "Supply",
    "Surcharge",
    "VariantTable",
    "__version__",
    "lint_paths",
    "load_catalog",
    "load_orders",
    "load_plant",
    "load_supply",
    "read_catalog",
    "read_file",
    "read_orders",
    "read_plant",
    "read_supply",
    # quoting, imported on first use (it needs numpy and jinja2):
    "Bom",
    "OrderBook",
    "Price",
    "Quote",
    "Session",
    "explode",
    "price",
    "quote",
    "render_quote",
]

if TYPE_CHECKING:  # what the lazy names below are, for type checkers
    from .bom import Bom, explode
    from .pricing import Price, price
    from .quoting.quote import Quote, quote
    from .render import render_quote
    from .session import Session

_LAZY = {
    "Bom": ".bom", "explode": ".bom", "Price": ".pricing", "price": ".pricing",
    "Quote": ".quoting.quote", "quote": ".quoting.quote", "render_quote": ".render",
    "Session": ".session",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
