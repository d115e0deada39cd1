"""The model compiler and the csp reference engine.

The property tests check the csp engine against plain enumeration of every assignment on
small generated catalogs: both are built on ``Model.holds``, so they agree only if the
backtracking search is complete and sound. The hand-written tests pin what ``holds`` means for
each kind of constraint on the fixture catalog.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_catalog
from configurator.engine import CspEngine, compile_model, fixed_values

from .conftest import GOOD
from .strategies import catalog_texts


@pytest.fixture(scope="module")
def mini():
    return compile_model(load_catalog(GOOD / "catalogs" / "mini.yaml"))


def test_variables_per_module_kind(mini):
    names = [v.name for v in mini.variables]
    assert names == ["frame", "top", "extras.cable_tray", "extras.monitor_arm", "extras.drawer",
                     "width_mm"]
    assert mini.variable("frame").domain == ("manual", "single_motor", "dual_motor")
    assert mini.variable("extras.drawer").domain == (False, True)
    assert mini.variable("width_mm").domain == (1200, 1400, 1600, 1800, 2000)


def test_constraints_are_tagged_with_their_source(mini):
    by_id = {c.id: c for c in mini.constraints}
    assert set(by_id) == {"extras:count", "load-limit", "wide-needs-motor", "arm-needs-tray",
                          "no-drawer-on-crank", "tops-per-frame", "widths"}
    assert by_id["extras:count"].kind == "cardinality"
    assert by_id["wide-needs-motor"].variables == ("frame", "width_mm")
    assert by_id["arm-needs-tray"].variables == ("extras.cable_tray", "extras.monitor_arm")
    assert by_id["load-limit"].source.file.endswith("mini.yaml")
    assert (by_id["load-limit"].source.line, by_id["load-limit"].source.column) == (51, 5)
    assert str(by_id["widths"].message) == "This width is not available for this top."


def base(**changes):
    values = {"frame": "single_motor", "top": "oak", "extras.cable_tray": False,
              "extras.monitor_arm": False, "extras.drawer": False, "width_mm": 1600}
    values.update(changes)
    return values


@pytest.mark.parametrize("changes, broken", [
    ({}, set()),
    ({"frame": "manual", "width_mm": 2000}, {"wide-needs-motor"}),
    ({"extras.monitor_arm": True}, {"arm-needs-tray"}),
    ({"frame": "manual", "extras.drawer": True}, {"no-drawer-on-crank"}),
    ({"frame": "manual", "top": "linoleum"}, {"tops-per-frame"}),
    ({"top": "linoleum", "width_mm": 2000}, {"widths"}),
    # the crank carries 35 kg: oak 25 + tray 3 + arm 8 = 36 is too much
    ({"frame": "manual", "extras.cable_tray": True, "extras.monitor_arm": True},
     {"load-limit"}),
    ({"frame": "manual", "top": "linoleum", "extras.cable_tray": True,
      "extras.monitor_arm": True}, {"tops-per-frame"}),  # 18 + 3 + 8 = 29 kg
    # at most two extras (and 41 kg is within the motor's 80 kg)
    ({"extras.cable_tray": True, "extras.monitor_arm": True, "extras.drawer": True},
     {"extras:count"}),
    # the crank with an oak top, narrow: nothing to break
    ({"frame": "manual", "top": "oak", "width_mm": 1200}, set()),
])
def test_holds_means_what_the_rules_say(mini, changes, broken):
    values = base(**changes)
    failing = {c.id for c in mini.constraints if not mini.holds(c, values)}
    assert failing == broken


@pytest.mark.parametrize("kind", ["csp", "sat"])
def test_engines_on_the_fixture(mini, kind):
    from configurator.engine import SatEngine

    engine = CspEngine(mini) if kind == "csp" else SatEngine(mini)
    catalog = mini.catalog
    for test in catalog.tests:
        fixed = fixed_values(mini, test.select)
        assert engine.consistent(fixed) == (test.expect == "valid"), test.name
        if test.expect == "rejected":
            assert {c.id for c in engine.conflict(fixed, keep_last=test.by)} >= set(test.by)
    solution = engine.solve({"width_mm": 2000, "extras.monitor_arm": True})
    assert solution is not None
    assert solution["frame"] != "manual" and solution["extras.cable_tray"] is True
    assert all(mini.holds(c, solution) for c in mini.hard_constraints)
    assert engine.solve({"width_mm": 1500}) is None  # not a value of the module


def check_answer(model, engine, oracle, fixed, expected: bool) -> None:
    """``engine``'s solution or conflict for ``fixed`` is right, judged by ``oracle``."""
    found = engine.solve(fixed)
    assert (found is not None) == expected
    if found is not None:
        assert extends(found, fixed)
        assert all(model.holds(c, found) for c in model.hard_constraints)
    else:
        # A conflict really conflicts, and dropping any one of its constraints resolves it.
        conflict = engine.conflict(fixed)
        assert oracle.solve(fixed, conflict) is None
        for c in conflict:
            assert oracle.solve(fixed, [k for k in conflict if k is not c]) is not None


def all_solutions(model):
    names = [v.name for v in model.variables]
    for values in itertools.product(*(v.domain for v in model.variables)):
        assignment = dict(zip(names, values, strict=True))
        if all(model.holds(c, assignment) for c in model.hard_constraints):
            yield assignment


def extends(solution, fixed):
    return all(solution[k] == v for k, v in fixed.items())


@st.composite
def catalogs_and_selections(draw: st.DrawFn):
    text = draw(catalog_texts())
    return text, draw(st.randoms(use_true_random=False))


def generated_model(tmp_path_factory, text: str):
    path: Path = tmp_path_factory.mktemp("gen") / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return compile_model(load_catalog(path))


def random_fixed(rnd, model, count: int = 4):
    """A few random partial assignments of up to three variables."""
    for _ in range(count):
        chosen = rnd.sample(list(model.variables), rnd.randint(0, min(3, len(model.variables))))
        yield {v.name: rnd.choice(v.domain) for v in chosen}


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=catalogs_and_selections())
def test_csp_agrees_with_enumeration(tmp_path_factory, case):
    text, rnd = case
    model = generated_model(tmp_path_factory, text)
    engine = CspEngine(model)
    solutions = list(all_solutions(model))
    for fixed in random_fixed(rnd, model):
        check_answer(model, engine, engine, fixed, any(extends(s, fixed) for s in solutions))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=catalogs_and_selections())
def test_sat_agrees_with_csp(tmp_path_factory, case):
    from configurator.engine.sat import SatEngine

    text, rnd = case
    model = generated_model(tmp_path_factory, text)
    csp, sat = CspEngine(model), SatEngine(model)
    try:
        assert sum(1 for _ in sat.solutions()) == sum(1 for _ in csp.solutions())
        for fixed in random_fixed(rnd, model):
            check_answer(model, sat, csp, fixed, csp.consistent(fixed))
    finally:
        sat.close()
