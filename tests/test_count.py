"""Exact counting by variable elimination on the model (configurator/engine/_count.py).

The counter is checked against two independent counts: enumeration (the csp engine, which
tries assignments against ``Model.holds``) and the SAT engine's Ganak path (projected model
counting on the CNF). Generated catalogs are counted once with the default encodings and
once with every size limit at its smallest, so that every decomposition (chains of partial
sums, decision diagrams of comparisons, tables and cardinalities, subset variables, operand
relations) is exercised even on small catalogs. Real models are checked against published
counts, and the example catalogs against Ganak under selections.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_catalog
from configurator.engine import CspEngine, compile_model
from configurator.engine import _count as counting
from configurator.engine.model import Model
from configurator.engine.sat import SatEngine
from configurator.importers import import_xcsp, write_catalog
from configurator.session import Session

from .conftest import DATA, ROOT
from .strategies import catalog_texts, counting_catalog_texts
from .test_engine_csp import generated_model, random_fixed
from .test_engine_sat import arith_catalog_texts

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
#: Limits at their smallest: no truth table over two or more variables, no grid for a value,
#: no dense table, no subset variable.
NARROW = {"GRID_LIMIT": 1, "CELL_LIMIT": 1, "DENSE_LIMIT": 1, "SUBSET_LIMIT": 0}


@pytest.fixture(params=["default", "narrow", "narrow-with-subsets"])
def limits(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the default limits, with the smallest, and with the smallest but
    subset variables for multi-select modules."""
    if request.param != "default":
        for name, value in NARROW.items():
            if not (name == "SUBSET_LIMIT" and request.param == "narrow-with-subsets"):
                monkeypatch.setattr(counting, name, value)
    return str(request.param)


def _ganak(model: Model, fixed: dict[str, object]) -> int:
    engine = SatEngine(model)
    try:
        return engine._ganak_count(fixed)
    finally:
        engine.close()


def _fixings(rnd: random.Random, model: Model) -> Iterator[dict[str, object]]:
    yield {}
    yield from random_fixed(rnd, model, count=3)


# -- differential tests ---------------------------------------------------------------------
@SETTINGS
@given(text=st.one_of(catalog_texts(), arith_catalog_texts(), counting_catalog_texts()),
       rnd=st.randoms(use_true_random=False))
def test_counter_counts_like_enumeration_and_ganak(tmp_path_factory, limits, text, rnd):
    model = generated_model(tmp_path_factory, text)
    counter = counting.Counter(model)
    assert counter.usable
    csp = CspEngine(model)
    for fixed in _fixings(rnd, model):
        found = counter.count(fixed)
        assert found == csp.count(fixed) == _ganak(model, fixed), fixed


@SETTINGS
@given(text=st.one_of(catalog_texts(), counting_catalog_texts()),
       rnd=st.randoms(use_true_random=False))
def test_a_count_is_the_sum_of_its_cases(tmp_path_factory, limits, text, rnd):
    """Splitting on any variable's values partitions the solutions."""
    model = generated_model(tmp_path_factory, text)
    counter = counting.Counter(model)
    for fixed in _fixings(rnd, model):
        free = [v for v in model.variables if v.name not in fixed]
        if not free:
            continue
        v = rnd.choice(free)
        whole = counter.count(fixed)
        assert whole == sum(counter.count({**fixed, v.name: value}) for value in v.domain)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=counting_catalog_texts(), rnd=st.randoms(use_true_random=False))
def test_the_engine_falls_back_to_ganak_when_the_counter_gives_up(tmp_path_factory,
                                                                 monkeypatch, text, rnd):
    model = generated_model(tmp_path_factory, text)
    fixed = next(random_fixed(rnd, model, count=1))
    expected = CspEngine(model).count(fixed)
    with monkeypatch.context() as patch:  # planning finds every join too wide
        patch.setattr(counting, "WIDTH_LIMIT", -1.0)
        engine = SatEngine(model)
        assert engine.count(fixed) == expected
        assert engine._counter is not None and not engine._counter.usable
        engine.close()
    counter = counting.Counter(model)
    with monkeypatch.context() as patch:  # a join exceeds the row limit while counting
        patch.setattr(counting, "ROW_LIMIT", 0)
        assert counter.count(fixed) in (None, expected)
        engine = SatEngine(model)
        engine._counter = counter
        assert engine.count(fixed) == expected
        engine.close()


def test_values_outside_the_domain_count_nothing(mini):
    counter = counting.Counter(mini)
    assert counter.count({"width_mm": 1500}) == 0
    assert counter.count({"frame": "no-such-frame"}) == 0
    with pytest.raises(KeyError):
        counter.count({"no_such_module": "x"})


@pytest.fixture(scope="module")
def mini() -> Model:
    return compile_model(load_catalog(DATA / "good" / "catalogs" / "mini.yaml"))


# -- exact arithmetic -----------------------------------------------------------------------
def test_joins_and_sums_turn_to_python_integers_before_int64_overflows():
    big = (1 << 61) + 1
    a = counting._Factor((0, 1), np.array([[0, 0], [0, 1], [1, 1]]),
                         np.array([big, 3, big], dtype=np.int64))
    b = counting._Factor((1, 2), np.array([[0, 0], [1, 0], [1, 1]]),
                         np.array([big, big - 2, 5], dtype=np.int64))
    joined = counting._join(a, b, [2, 2, 2])
    rows = {tuple(r): c for r, c in zip(joined.rows.tolist(), joined.counts.tolist(),
                                         strict=True)}
    assert rows == {(0, 0, 0): big * big, (0, 1, 0): 3 * (big - 2), (0, 1, 1): 15,
                    (1, 1, 0): big * (big - 2), (1, 1, 1): 5 * big}
    summed = counting._sum_out(joined, 1, [2, 2, 2])
    totals = {tuple(r): c for r, c in zip(summed.rows.tolist(), summed.counts.tolist(),
                                          strict=True)}
    assert totals == {(0, 0): big * big + 3 * (big - 2), (0, 1): 15,
                      (1, 0): big * (big - 2), (1, 1): 5 * big}
    many = counting._Factor((0,), np.zeros((4, 1), dtype=np.int64),
                            np.full(4, (1 << 62) - 1, dtype=np.int64))
    assert counting._sum_out(many, 0, [1]).counts.tolist() == [4 * ((1 << 62) - 1)]


def test_counts_beyond_64_bits_are_exact(tmp_path):
    """70 independent pairs of optional features, one of each pair at most: 3**70."""
    lines = ["format: bto-catalog/1", "id: wide", "name: Wide", 'version: "1"',
             "currency: EUR", "modules:"]
    for i in range(140):
        lines += [f"  - id: f{i}", f"    label: f{i}", "    required: false", "    options:",
                  "      - {id: it, label: it}"]
    lines.append("rules:")
    lines += [f"  - {{id: r{i}, message: m, when: f{2 * i}, excludes: [f{2 * i + 1}.it]}}"
              for i in range(70)]
    path = tmp_path / "wide.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = compile_model(load_catalog(path))
    assert counting.Counter(model).count({}) == 3 ** 70
    # f0 rules out f1; with f3 left out, f2 is free.
    assert counting.Counter(model).count({"f0": "it", "f3": None}) == 2 * 3 ** 68


# -- the example catalogs and real models ---------------------------------------------------
@pytest.mark.parametrize("name", ["ebike", "workstation", "pump-skid"])
def test_examples_count_like_ganak_under_selections(name):
    """Ganak takes up to 95 s on a whole example catalog, so it is asked under selections
    that leave four modules (and every option of the multi-select ones) open; the whole count
    must be the sum of its cases."""
    model = compile_model(load_catalog(ROOT / "catalogs" / f"{name}.yaml"))
    counter = counting.Counter(model)
    assert counter.usable
    engine = SatEngine(model)
    try:
        rnd = random.Random(3)
        modules = [v for v in model.variables if len(v.domain) > 2]
        for _ in range(2):
            v = rnd.choice(model.variables)
            solution = engine.solve({v.name: rnd.choice(v.domain)}) or engine.solve({})
            assert solution is not None
            fixed = {v.name: solution[v.name] for v in rnd.sample(modules, len(modules) - 4)}
            assert counter.count(fixed) == engine._ganak_count(fixed), fixed
        first = modules[0]
        assert counter.count({}) == sum(counter.count({first.name: value})
                                        for value in first.domain)
    finally:
        engine.close()


@pytest.fixture(scope="module")
def megane(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("megane")
    return write_catalog(import_xcsp(DATA / "real" / "megane.xml"), folder / "megane")


def test_renault_megane_has_its_published_count(megane):
    with Session(load_catalog(megane)) as session:
        assert session.count() == 2_835_456_006_272


def test_renault_megane_counts_under_choices_add_up(megane):
    model = compile_model(load_catalog(megane))
    counter = counting.Counter(model)
    assert counter.usable
    rnd = random.Random(5)
    wide = sorted(model.variables, key=lambda v: -len(v.domain))[:8]
    for v in rnd.sample(wide, 2):
        parts = [counter.count({v.name: value}) for value in v.domain]
        assert sum(p for p in parts if p is not None) == 2_835_456_006_272
        assert all(p is not None for p in parts)
    assert math.prod(len(v.domain) for v in model.variables) > 2_835_456_006_272
