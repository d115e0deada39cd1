"""A catalog at a glance: what ``bto show`` prints. JSON-serializable, money as strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .catalog.model import Catalog, Module

__all__ = ["catalog_summary", "format_summary"]


def _module(module: Module, lang: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": module.id, "label": module.label.text(lang),
                           "type": module.kind}
    if module.kind == "integer":
        out.update(min=module.min, max=module.max, step=module.step, unit=module.unit,
                   default=module.default_value, unit_price=str(module.unit_price))
        return out
    out.update(
        required=module.required, min=module.min, max=module.max,
        options=[{"id": o.id, "label": o.label.text(lang), "price": str(o.price),
                  "default": o.default, "segment": o.segment} for o in module.options],
    )
    return out


def catalog_summary(catalog: Catalog, lang: str | None = None) -> dict[str, Any]:
    """The catalog's identity, modules with options and prices, and counts of the rest."""
    return {
        "id": catalog.id,
        "name": catalog.name.text(lang),
        "version": catalog.version,
        "currency": catalog.currency,
        "base_price": str(catalog.base_price),
        "modules": [_module(m, lang) for m in catalog.modules],
        "counts": {
            "modules": len(catalog.modules), "options": catalog.option_count,
            "rules": len(catalog.rules), "tables": len(catalog.tables),
            "table_rows": sum(len(t.rows) for t in catalog.tables),
            "parts": len(catalog.parts), "bom_lines": len(catalog.bom),
            "operations": len(catalog.routing), "surcharges": len(catalog.surcharges),
            "tests": len(catalog.tests),
        },
    }


def _money(text: str) -> str:
    """Money for display: at least two decimals, all of them when a catalog uses more."""
    value = Decimal(text)
    return f"{value:,.2f}" if value.as_tuple().exponent >= -2 else f"{value:,}"  # type: ignore[operator]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def format_summary(summary: dict[str, Any]) -> str:
    """Plain text for a terminal, one option per line, prices aligned."""
    cur = summary["currency"]
    options = [o for m in summary["modules"] for o in m.get("options", ())]
    id_width = max((len(o["id"]) for o in options), default=0)
    label_width = min(48, max((len(o["label"]) for o in options), default=0))
    price_width = max((len(_money(o["price"])) for o in options), default=0)
    lines = [f"{summary['name']} ({summary['id']} {summary['version']}), "
             f"base price {_money(summary['base_price'])} {cur}", ""]
    for m in summary["modules"]:
        if m["type"] == "integer":
            unit = f" {m['unit']}" if m["unit"] else ""
            price = (f", {_money(m['unit_price'])} {cur} per unit"
                     if Decimal(m["unit_price"]) else "")
            lines.append(f"{m['label']} [{m['id']}]: {m['min']}..{m['max']} step {m['step']}"
                         f"{unit}, default {m['default']}{price}")
            continue
        how = "pick one" if m["type"] == "single" else f"pick {m['min']} to {m['max']}"
        lines.append(f"{m['label']} [{m['id']}]: {how}{'' if m['required'] else ', optional'}")
        for o in m["options"]:
            mark = "*" if o["default"] else " "
            seg = "  custom" if o["segment"] == "custom" else ""
            label = _clip(o["label"], label_width)
            lines.append(f"  {mark} {o['id']:<{id_width}}  {label:<{label_width}}"
                         f"  {_money(o['price']):>{price_width}} {cur}{seg}")
    c = summary["counts"]
    lines += ["", "* default option", "",
              f"{c['modules']} modules, {c['options']} options, {c['rules']} rules, "
              f"{c['tables']} variant tables ({c['table_rows']} rows), {c['parts']} parts, "
              f"{c['tests']} catalog tests"]
    return "\n".join(lines)
