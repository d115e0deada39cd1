"""Neighbours of a configuration, and the cheapest completion by the full price (surcharges
included)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine.model import compile_model
from configurator.neighbours import alternatives, broken, broken_after, improve
from configurator.pricing import PriceError, price
from configurator.session import CHEAPEST, Session, _Cheapest

from .strategies import bom_catalogs, catalog_texts
from .test_bom import load_text

SURCHARGED = """format: bto-catalog/1
id: lamp
name: Lamp
version: "1"
currency: EUR
base_price: 100
modules:
  - id: shade
    label: Shade
    options:
      - {id: glass, label: Glass, price: 100, default: true}
      - {id: paper, label: Paper, price: 120}
  - id: cable
    label: Cable
    type: integer
    min: 1
    max: 3
surcharges:
  - {id: fragile, label: Fragile packing, when: shade.glass, amount: 50}
"""


def test_cheapest_counts_surcharges(tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    # glass is the cheaper option (100 < 120), but its packing surcharge (50) makes the
    # paper shade the cheaper lamp: 220 against 250
    catalog = load_text(tmp_path_factory, SURCHARGED)
    with Session(catalog) as session:
        by_options = session.complete(_Cheapest())  # option prices only
        cheapest = session.complete(CHEAPEST)
        session.select("shade", "glass")
        kept = session.complete(CHEAPEST)
    assert by_options.values["shade"] == "glass"
    assert cheapest.values["shade"] == "paper"
    assert price(catalog, cheapest).total == Decimal("220.00")
    assert kept.values["shade"] == "glass"  # the user's choice is kept


PROPERTIES = settings(max_examples=40, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


@PROPERTIES
@given(case=bom_catalogs())
def test_neighbours_differ_in_one_module_and_improvement_never_worsens(  # type: ignore[no-untyped-def]
        tmp_path_factory, case) -> None:
    text, values, _ = case
    catalog = load_text(tmp_path_factory, text)
    model = compile_model(catalog)
    for module in catalog.modules:
        seen = set()
        for value in alternatives(module, values[module.id]):
            assert value != values[module.id] and value not in seen
            seen.add(value)

    def total(candidate):  # type: ignore[no-untyped-def]
        try:
            return price(catalog, candidate).total
        except PriceError:
            return None

    start = total(values)
    better, best = improve(model, values, total, lambda a, b: a < b, keep=("m",))
    assert better["m"] == values["m"]
    assert not broken(model, better) or better == values
    if start is not None:
        assert best is not None and best <= start


def _random_values(catalog, rnd):  # type: ignore[no-untyped-def]
    """A complete configuration, valid or not."""
    out = {}
    for module in catalog.modules:
        if module.kind == "multi":
            out[module.id] = tuple(o.id for o in module.options if rnd.random() < 0.5)
        elif module.kind == "integer":
            out[module.id] = rnd.choice(list(module.values()))
        else:
            choices = [o.id for o in module.options] + ([] if module.required else [None])
            out[module.id] = rnd.choice(choices)
    return out


@PROPERTIES
@given(text=catalog_texts(), rnd=st.randoms(use_true_random=False))
def test_a_change_is_checked_like_the_whole_configuration(  # type: ignore[no-untyped-def]
        tmp_path_factory, text, rnd) -> None:
    catalog = load_text(tmp_path_factory, text)
    model = compile_model(catalog)
    for _ in range(3):
        values = _random_values(catalog, rnd)
        before = broken(model, values)
        for module in catalog.modules:
            for value in alternatives(module, values[module.id]):
                assert broken_after(model, values, before, module.id, value) == bool(
                    broken(model, {**values, module.id: value}))
