"""Quote documents from jinja2 templates: plain text, Markdown and HTML.

Every value a template prints is made inert for its format, whoever wrote it (a customer name,
a catalog label): HTML is autoescaped; Markdown escapes its markup and HTML; plain text drops
control characters, so a terminal escape sequence cannot reach the screen. Templates run in
jinja2's sandbox. A folder of your own templates (same file names) overrides the bundled ones.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any, Literal

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..catalog.model import Catalog
from ..quoting.quote import Quote

__all__ = ["FORMATS", "TemplateProblem", "render_quote"]


class TemplateProblem(ValueError):
    """A quote template that cannot be read or rendered (a user's own, usually)."""

Format = Literal["text", "markdown", "html"]
FORMATS: dict[str, str] = {"text": "quote.txt.j2", "markdown": "quote.md.j2",
                           "html": "quote.html.j2"}
#: Material lines shown in a document (all of them are in the JSON quote).
MAX_MATERIAL_LINES = 12
MAX_TRADEOFFS = 8

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def _plain(value: Any) -> str:
    """Text with control characters (and bidi overrides) removed."""
    return _CONTROL.sub("", "" if value is None else str(value))


def _markdown(value: Any) -> str:
    """Text that a Markdown renderer shows literally: HTML and markup escaped."""
    if isinstance(value, Markup):
        return str(value)
    text = _plain(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _environment(fmt: Format, templates: str | os.PathLike[str] | None
                 ) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        loaders.append(jinja2.FileSystemLoader(os.fspath(templates)))
    loaders.append(jinja2.PackageLoader("configurator.render", "templates"))
    finalize: Callable[[Any], Any] | None = None
    if fmt == "markdown":
        finalize = _markdown
    elif fmt == "text":
        finalize = _plain
    env = SandboxedEnvironment(loader=jinja2.ChoiceLoader(loaders),
                               autoescape=fmt == "html", finalize=finalize,
                               trim_blocks=True, lstrip_blocks=True,
                               undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["pad"] = lambda value, width: str(value).ljust(int(width))
    env.filters["rpad"] = lambda value, width: str(value).rjust(int(width))
    return env


def context(quote: Quote, catalog: Catalog, *, customer: str | None = None,
            language: str | None = None) -> dict[str, Any]:
    """What the templates see: plain values, labels in ``language``."""
    lang = language or catalog.languages[0]
    config = []
    for module in catalog.modules:
        value = quote.configuration[module.id]
        if module.kind == "integer" and isinstance(value, int):
            shown = module.quantity_text(value)
        else:
            ids = value if isinstance(value, tuple) else (value,) if value else ()
            labels = [o.label.text(lang) for o in module.options if o.id in ids]
            shown = ", ".join(labels) if labels else "none"
        config.append({"module": module.label.text(lang), "value": shown})
    currency = quote.price.currency
    price_lines = [{"label": line.label.text(lang), "detail": line.detail or "",
                    "amount": str(line.amount), "qty": line.qty} for line in quote.price.lines]
    parts = {p.part: p for p in quote.bom.parts}
    materials: list[dict[str, Any]] = []
    for m in quote.milestones:
        if m.kind != "material_ready":
            continue
        requirement = parts.get(m.part or "")
        materials.append({"part": m.part, "name": requirement.name.text(lang)
                          if requirement else m.part, "date": m.day.isoformat(),
                          "source": m.source, "stock": m.source == "stock"})
    late_first = sorted(materials, key=lambda x: str(x["date"]), reverse=True)
    steps = [{"kind": m.kind.replace("_", " "), "at": m.at.strftime("%Y-%m-%d %H:%M")
              if m.kind != "delivered" else m.day.isoformat(), "source": m.source}
             for m in quote.milestones if m.kind != "material_ready"]
    confidence = quote.confidence
    return {
        "catalog": catalog.name.text(lang), "catalog_id": catalog.id,
        "version": catalog.version, "customer": customer, "qty": quote.qty,
        "placed": quote.placed.strftime("%Y-%m-%d %H:%M %Z"),
        "accepted": quote.accepted.strftime("%Y-%m-%d %H:%M"),
        "promised": quote.promised.isoformat(),
        "promised_weekday": quote.promised.strftime("%A"),
        "planned": confidence.planned.isoformat(),
        "target": f"{confidence.target * 100:.0f}%",
        "probability": f"{confidence.probability * 100:.0f}%",
        "planned_probability": f"{confidence.planned_probability * 100:.0f}%",
        "method": confidence.to_dict()["method"],
        "gate": quote.gate.text, "service": quote.service.text,
        "service_ok": quote.service.ok, "segment": quote.segment,
        "carrier": quote.carrier.name.text(lang), "carrier_id": quote.carrier.id,
        "currency": currency, "total": str(quote.price.total),
        "unit_price": str(quote.price.unit_price), "rounding": quote.price.rounding,
        "price_lines": price_lines, "configuration": config,
        "milestones": steps,
        "materials": late_first[:MAX_MATERIAL_LINES],
        "materials_more": max(0, len(materials) - MAX_MATERIAL_LINES),
        "materials_from_stock": sum(1 for m in materials if m["stock"]),
        "materials_count": len(materials),
        "tradeoffs": [t.text for t in quote.tradeoffs if t.days > 0][:MAX_TRADEOFFS],
        "cheaper": [t.text for t in quote.tradeoffs if t.days == 0 and t.price_delta < 0
                    ][:MAX_TRADEOFFS],
        "requested": quote.requested.text if quote.requested else None,
        "requested_ok": quote.requested.met if quote.requested else True,
    }


def render_quote(quote: Quote, catalog: Catalog, fmt: Format = "text", *,
                 customer: str | None = None, language: str | None = None,
                 templates: str | os.PathLike[str] | None = None) -> str:
    """The quote as a document. ``templates``: a folder whose ``quote.txt.j2``,
    ``quote.md.j2`` or ``quote.html.j2`` replace the bundled ones."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown document format '{fmt}'; use one of {', '.join(FORMATS)}")
    env = _environment(fmt, templates)
    name = FORMATS[fmt]
    try:
        template = env.get_template(name)
        return template.render(context(quote, catalog, customer=customer, language=language))
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or name
        raise TemplateProblem(f"{where}:{exc.lineno}: template error: {exc.message}") from None
    except jinja2.TemplateError as exc:  # undefined names, sandbox refusals
        origin = env.loader.get_source(env, name)[1] if env.loader else None
        raise TemplateProblem(f"{origin or name}: template error: {exc}") from None
