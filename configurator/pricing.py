"""The price of one configuration: list price, option prices, surcharges, quantity, currency.

Money is :class:`~decimal.Decimal` throughout, and the rounding rule is stated in every result
(:data:`ROUNDING_RULE`): each line's amount per unit is computed exactly and then rounded to the
currency's minor unit, half up (ties away from zero, "commercial rounding"); a percentage
surcharge applies to the rounded configured unit price; a line's amount is its rounded unit
amount times the quantity; every total is the sum of rounded lines. So the breakdown always adds
up exactly, and the total for ``qty`` products is exactly ``qty`` times the total for one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, Overflow
from typing import Any, Literal

from .bom import (
    EXACT,
    DerivationError,
    ValuesView,
    check_qty,
    configuration_values,
    decimal_text,
    evaluate_formula,
)
from .catalog.model import Catalog, Module, Surcharge
from .choices import SelectionValue
from .problems import Position
from .session import Configuration
from .values import FrozenMap, Label

__all__ = [
    "MINOR_UNITS",
    "ROUNDING_RULE",
    "Price",
    "PriceError",
    "PriceLine",
    "minor_units",
    "price",
    "round_money",
]

#: ISO 4217 currencies whose minor unit is not the hundredth; every other code has 2 decimals.
MINOR_UNITS: FrozenMap[str, int] = FrozenMap({
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                     "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
})

#: The rounding rule every :class:`Price` states (``{places}`` and ``{currency}`` filled in).
ROUNDING_RULE = (
    "Each line's amount per unit is computed exactly and rounded to {places} decimal place(s) "
    "({currency} minor unit), half up (ties away from zero). Percentage surcharges apply to "
    "the rounded configured unit price. A line's amount is its rounded unit amount times the "
    "quantity; totals are sums of the rounded lines."
)

LineKind = Literal["base", "option", "value", "surcharge"]
# Rounding to the minor unit is the one inexact step, so it must not trap Inexact.
_ROUNDING = Context(prec=EXACT.prec, traps=[InvalidOperation, Overflow])


def minor_units(currency: str) -> int:
    """The number of decimal places of a currency's minor unit (ISO 4217): 0 for JPY, 3 for
    KWD, 2 for EUR and any code not in :data:`MINOR_UNITS`."""
    return MINOR_UNITS.get(currency.upper(), 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded to the currency's minor unit, half up (ties away from zero)."""
    rounded = amount.quantize(Decimal(1).scaleb(-minor_units(currency)), ROUND_HALF_UP, _ROUNDING)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0.00"


class PriceError(DerivationError):
    """A surcharge whose condition or amount cannot be computed for this configuration."""

    def __init__(self, reason: str, surcharge: str, source: Position | None = None) -> None:
        self.surcharge = surcharge
        super().__init__(reason, source)

    def subject(self) -> str:
        """The surcharge."""
        return f"surcharge '{self.surcharge}'"


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One line of the breakdown: its rounded ``unit_amount``, times ``qty``, is ``amount``.

    ``kind`` is ``base`` (the catalog's list price), ``option`` (a selected option's price,
    ``module`` and ``option`` set), ``value`` (an integer module's unit price times its
    ``value``) or ``surcharge`` (``surcharge`` set; ``percent`` for a percentage of the
    configured unit price). ``detail`` says how the amount was reached, e.g. ``2 × 149.00``.
    """

    kind: LineKind
    label: Label
    unit_amount: Decimal
    qty: int
    amount: Decimal
    module: str | None = None
    option: str | None = None
    value: int | None = None
    surcharge: str | None = None
    percent: Decimal | None = None
    detail: str | None = None
    source: Position | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; money as decimal strings."""
        return {"kind": self.kind, "label": self.label.to_dict(), "module": self.module,
                "option": self.option, "value": self.value, "surcharge": self.surcharge,
                "percent": decimal_text(self.percent) if self.percent is not None else None,
                "detail": self.detail, "unit_amount": str(self.unit_amount), "qty": self.qty,
                "amount": str(self.amount),
                "source": str(self.source) if self.source is not None else None}


@dataclass(frozen=True, slots=True)
class Price:
    """The price of a configuration for ``qty`` products, line by line.

    ``configured_unit_price`` is the sum of the base, option and value lines per unit;
    ``surcharges`` the sum of the surcharge lines per unit; ``unit_price`` both together;
    ``total`` the sum of every line's amount (= ``unit_price × qty``). ``rounding`` states the
    rule applied.
    """

    catalog: str
    currency: str
    qty: int
    configuration: FrozenMap[str, SelectionValue]
    lines: tuple[PriceLine, ...]
    configured_unit_price: Decimal
    surcharges: Decimal
    unit_price: Decimal
    total: Decimal
    rounding: str

    @property
    def surcharge_lines(self) -> tuple[PriceLine, ...]:
        """The surcharge lines that apply."""
        return tuple(line for line in self.lines if line.kind == "surcharge")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; money as decimal strings."""
        return {"catalog": self.catalog, "currency": self.currency, "qty": self.qty,
                "configuration": {k: list(v) if isinstance(v, tuple) else v
                                  for k, v in self.configuration.items()},
                "lines": [line.to_dict() for line in self.lines],
                "configured_unit_price": str(self.configured_unit_price),
                "surcharges": str(self.surcharges), "unit_price": str(self.unit_price),
                "total": str(self.total), "rounding": self.rounding}


def price(catalog: Catalog, configuration: Configuration | Mapping[str, SelectionValue],
          qty: int = 1) -> Price:
    """The price of a complete configuration for ``qty`` products.

    Lines, in order: the base price, every selected option (each option of a multi-select
    module; zero-priced ones too, so the breakdown is complete), every integer module's unit
    price times its value, then each surcharge whose ``when`` holds. Raises
    :class:`PriceError` when a surcharge cannot be computed, SelectionError for a malformed
    configuration and ValueError for a ``qty`` that is not a positive integer.
    """
    check_qty(qty)
    values = configuration_values(catalog, configuration)
    currency = catalog.currency
    lines: list[PriceLine] = []

    def add(kind: LineKind, label: Label, exact: Decimal, **fields: Any) -> None:
        unit = round_money(exact, currency)
        lines.append(PriceLine(kind, label, unit, qty, EXACT.multiply(unit, qty), **fields))

    add("base", catalog.name, catalog.base_price, source=catalog.sources.get("base_price"))
    for module in catalog.modules:
        value = values[module.id]
        if module.kind == "integer":
            assert isinstance(value, int)
            add("value", _titled(catalog, module, module.quantity_text(value)),
                EXACT.multiply(module.unit_price, value), module=module.id, value=value,
                detail=f"{module.quantity_text(value)} × {module.unit_price}",
                source=module.source)
            continue
        chosen = value if isinstance(value, tuple) else () if value is None else (value,)
        for option_id in chosen:
            option = module.option(str(option_id))
            assert option is not None
            add("option", _titled(catalog, module, option.label), option.price,
                module=module.id, option=option.id, source=option.source)
    zero = round_money(Decimal(0), currency)  # "0.00", not "0", when nothing adds up
    configured = _sum(zero, (line.unit_amount for line in lines))
    view = ValuesView(catalog, values)
    for surcharge in catalog.surcharges:
        try:
            if surcharge.when is not None and not evaluate_formula(surcharge.when, view,
                                                                   "bool"):
                continue
            exact, detail = _surcharge_amount(surcharge, configured, view, currency)
        except (ValueError, ArithmeticError) as exc:
            raise PriceError(str(exc), surcharge.id, surcharge.source) from None
        add("surcharge", surcharge.label, exact, surcharge=surcharge.id,
            percent=surcharge.percent, detail=detail, source=surcharge.source)
    surcharges = _sum(zero, (line.unit_amount for line in lines if line.kind == "surcharge"))
    return Price(catalog.id, currency, qty, values, tuple(lines), configured, surcharges,
                 EXACT.add(configured, surcharges), _sum(zero, (line.amount for line in lines)),
                 ROUNDING_RULE.format(places=minor_units(currency), currency=currency))


def _surcharge_amount(surcharge: Surcharge, configured: Decimal, view: ValuesView,
                      currency: str) -> tuple[Decimal, str | None]:
    if surcharge.percent is not None:
        exact = EXACT.divide(EXACT.multiply(surcharge.percent, configured), 100)
        return exact, f"{decimal_text(surcharge.percent)} % of {configured} {currency}"
    assert surcharge.amount is not None
    amount = evaluate_formula(surcharge.amount, view)
    assert isinstance(amount, Decimal)
    return amount, None


def _titled(catalog: Catalog, module: Module, label: Label | str) -> Label:
    """``Module: label`` in each of the catalog's languages."""
    return Label(tuple((lang, f"{module.label.text(lang)}: "
                              f"{label if isinstance(label, str) else label.text(lang)}")
                       for lang in catalog.languages))


def _sum(total: Decimal, amounts: Iterable[Decimal]) -> Decimal:
    for amount in amounts:
        total = EXACT.add(total, amount)
    return total
