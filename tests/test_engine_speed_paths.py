"""The engine's fast paths give exactly what the plain ones give.

- supported() assumes a few open values at once and narrows a batch that cannot be satisfied
  by its core: however batches are cut, the answers equal enumeration.
- Answers share their value sets between variables, by value and type.
- Table cells become value indices through one flat integer array, and decision diagrams sort
  rows as mixed-radix numbers; both agree with the general code.
- The engine keeps its clauses as tuples of numbers, which the garbage collector stops
  walking, and a model splits a table's rows only when a check first needs them.
"""

from __future__ import annotations

import gc
import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from configurator import load_catalog
from configurator.catalog.model import WILDCARD
from configurator.engine import _mdd as mdd
from configurator.engine import compile_model, sat
from configurator.engine.sat import SatEngine
from configurator.importers import import_dimacs, write_catalog

from .strategies import catalog_texts
from .test_engine_csp import generated_model, random_fixed
from .test_engine_sat import REAL, SETTINGS, check_session

CATALOG = """\
format: bto-catalog/1
id: pairs
name: Pairs
version: "1"
currency: EUR
modules:
  - {id: a, label: a, options: [{id: x, label: x}, {id: y, label: y}]}
  - {id: b, label: b, options: [{id: p, label: p}, {id: q, label: q}]}
  - {id: n, label: n, type: integer, min: 0, max: 2}
  - {id: extras, label: extras, type: multi, options: [{id: e, label: e}, {id: f, label: f}]}
rules:
  - {id: x-not-p, message: x excludes p, when: a.x, then: not b.p}
  - {id: f-needs-one, message: f needs n = 1, when: extras.f, then: n == 1}
"""


@pytest.fixture()
def pairs(tmp_path: Path):
    path = tmp_path / "pairs.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    engine = SatEngine(compile_model(load_catalog(path)))
    yield engine
    engine.close()


def _open(engine: SatEngine, *slots: tuple[str, object]) -> np.ndarray:
    open_ = np.zeros(len(engine._slot_lits), dtype=bool)
    for slot in slots:
        open_[engine._slot_of[slot]] = True
    return open_


# -- batches of open values -----------------------------------------------------------------
@pytest.mark.parametrize("sizes, tries", [((1, 1, 1), 1), ((2, 2, 2), 1), ((3, 3, 3), 2),
                                          ((64, 64, 64), 8), ((1, 1, 4), 1)])
@SETTINGS
@given(text=catalog_texts(), rnd=st.randoms(use_true_random=False))
def test_supported_is_exact_however_batches_are_cut(tmp_path_factory, monkeypatch, sizes, tries,
                                                    text, rnd):
    for name, size in zip(("BATCH", "BATCH_MIN", "BATCH_MAX"), sizes, strict=True):
        monkeypatch.setattr(sat, name, size)
    monkeypatch.setattr(sat, "BATCH_TRIES", tries)
    check_session(generated_model(tmp_path_factory, text), rnd)


def test_batches_grow_while_they_succeed_and_shrink_when_not(pairs):
    pairs._batch_size = 2
    assert pairs._batch([], _open(pairs, ("a", "y"), ("n", 2))) is not None
    assert pairs._batch_size == 4
    assert pairs._batch([], _open(pairs, ("a", "x"), ("b", "p"))) is not None
    assert pairs._batch_size == 2


def test_a_batch_core_with_one_open_value_rules_it_out(pairs):
    fixed = pairs._fixed_lits({"b": "p"})
    open_ = _open(pairs, ("a", "x"))
    assert pairs._batch(fixed, open_) is None
    assert not open_.any()  # a = x has no solution with b = p, and it is known now


def test_a_batch_core_with_several_open_values_keeps_one(pairs):
    open_ = _open(pairs, ("a", "x"), ("b", "p"))  # each possible, not both
    model = pairs._batch([], open_)
    assert model is not None
    slots = pairs._slots(model)
    assert slots[pairs._slot_of["a", "x"]] != slots[pairs._slot_of["b", "p"]]
    assert open_.sum() == 2  # nothing was ruled out


def test_a_batch_under_impossible_fixed_values_rules_out_everything(pairs):
    fixed = pairs._fixed_lits({"a": "x", "b": "p"})
    open_ = _open(pairs, ("n", 1), ("extras.e", True))
    assert pairs._batch(fixed, open_) is None
    assert not open_.any()


def test_answers_share_sets_but_keep_value_types(pairs):
    found = pairs.supported({"extras.f": True})
    assert found["n"] == {1} and [type(v) for v in found["n"]] == [int]
    assert found["extras.f"] == {True} and [type(v) for v in found["extras.f"]] == [bool]
    assert found["extras.e"] is pairs.supported({})["extras.e"]  # one set for {False, True}


# -- table cells and rows -------------------------------------------------------------------
progressions = st.lists(st.tuples(st.integers(-5, 5), st.integers(1, 3), st.integers(1, 5)),
                        min_size=1, max_size=4)


@SETTINGS
@given(spec=progressions, seed=st.integers(0, 2**32 - 1))
def test_integer_cells_read_like_any_cells(spec, seed):
    domains = [tuple(range(start, start + step * size, step)) for start, step, size in spec]
    rnd = random.Random(seed)
    rows = [tuple(rnd.randint(d[0] - 3, d[-1] + 3) for d in domains)
            for _ in range(rnd.randint(0, 20))]
    codes = sat._int_codes(rows, domains)
    assert codes is not None
    assert codes.tolist() == sat._codes(rows, domains).tolist()


@pytest.mark.parametrize("cell", [WILDCARD, None, "1", 1.0])
def test_integer_cells_refuse_anything_else(cell):
    assert sat._int_codes([(0, 1), (1, cell)], [(0, 1), (0, 1)]) is None


@pytest.mark.parametrize("domains", [[3, 1, 4], [2**21] * 3 + [7]])  # the last: over 63 bits
def test_rows_are_sorted_and_distinct(domains):
    rng = np.random.default_rng(5)
    rows = np.stack([rng.integers(0, min(d, 4), 300) for d in domains], axis=1)
    expected = sorted({tuple(r) for r in rows.tolist()})
    assert [tuple(r) for r in mdd._sorted_distinct(domains, rows).tolist()] == expected


# -- what the collector walks ---------------------------------------------------------------
def test_kept_clauses_cost_the_collector_nothing(tmp_path):
    path = write_catalog(import_dimacs(REAL / "toybox.dimacs"), tmp_path / "toybox")
    model = compile_model(load_catalog(path))
    gc.collect()
    before = len(gc.get_objects())
    engine = SatEngine(model)
    try:
        gc.collect()
        added = len(gc.get_objects()) - before
        assert added < 100 < len(engine._asserted) + len(engine._definitions)
    finally:
        engine.close()


def test_table_rows_are_split_when_first_needed(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\nx,p\ny,*\n", encoding="utf-8")
    path = tmp_path / "c.yaml"
    path.write_text(CATALOG + "tables:\n  - {id: t, message: t, columns: [a, b], file: t.csv}\n",
                    encoding="utf-8")
    model = compile_model(load_catalog(path))
    table = next(c for c in model.constraints if c.kind == "table")
    assert table._rows is None
    assert table.exact_rows == {("x", "p")} and table.pattern_rows == (("y", WILDCARD),)
    values = [dict(zip("ab", v, strict=True)) for v in itertools.product("xy", "pq")]
    assert [model.holds(table, v) for v in values] == [True, False, True, True]


# -- least-cost completions -----------------------------------------------------------------
@SETTINGS
@given(text=catalog_texts(), rnd=st.randoms(use_true_random=False))
def test_a_completion_at_every_least_cost_is_the_one_rc2_finds(tmp_path_factory, monkeypatch,
                                                               text, rnd):
    from configurator.session import OBJECTIVES

    model = generated_model(tmp_path_factory, text)
    fast, slow = SatEngine(model), SatEngine(model)
    monkeypatch.setattr(slow, "_cheapest_lits", lambda fixed, costs: None)
    try:
        for objective in OBJECTIVES.values():
            costs = objective.costs(model)
            for fixed in random_fixed(rnd, model):
                assert fast.optimum(fixed, costs) == slow.optimum(fixed, costs)
    finally:
        fast.close()
        slow.close()


def test_the_least_cost_shortcut_is_taken_only_when_its_answer_is_unique(pairs):
    from configurator.session import DEFAULT

    costs = DEFAULT.costs(pairs.model)
    assert pairs._cheapest_lits({}, costs) is not None
    tied = {name: dict.fromkeys(by_value, 0) for name, by_value in costs.items()}
    assert pairs._cheapest_lits({}, tied) is None
    partial = dict(list(costs.items())[1:])
    assert pairs._cheapest_lits({}, partial) is None
