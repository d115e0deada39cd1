"""The session API: valid options, explanations, repairs, completion and counting, with
multi-select options selected, excluded or left open.

Hand-written cases pin the answers on the fixture catalog; property tests check every answer
of both engines against brute-force enumeration of generated catalogs.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from configurator import load_catalog
from configurator.choices import choices_of
from configurator.engine import CspEngine
from configurator.engine.explain import fastdiag, preferred_diagnosis, quickxplain
from configurator.session import (
    CHEAPEST,
    DEFAULT,
    Choice,
    ConflictError,
    SelectionError,
    Session,
    _fixed_of,
)

from .conftest import GOOD, ROOT
from .strategies import catalog_texts
from .test_engine_csp import all_solutions, extends, generated_model

ENGINES = ["sat", "csp"]


@pytest.fixture(scope="module")
def mini():
    return load_catalog(GOOD / "catalogs" / "mini.yaml")


@pytest.fixture(params=ENGINES)
def session(request, mini):
    with Session(mini, engine=request.param) as s:
        yield s


# -- the fixture catalog ---------------------------------------------------------------------
def test_nothing_chosen_offers_every_live_option(session):
    valid = session.valid_options()
    assert valid.consistent
    assert valid.module("frame").available == ("manual", "single_motor", "dual_motor")
    assert valid.module("extras").unavailable == ()
    assert valid.module("width_mm").forced == ()


def test_a_choice_narrows_the_others(session):
    session.select("frame", "manual")
    valid = session.valid_options()
    # The crank frame carries 35 kg, only the oak top (25 kg), and no drawer.
    assert valid.module("top").available == ("oak",)
    assert valid.module("top").forced == ("oak",)
    assert "drawer" in valid.module("extras").unavailable
    assert 2000 in valid.module("width_mm").unavailable  # wide desks need a motor
    assert valid.module("frame").available == ("manual",)
    assert valid.module("frame").chosen == ("manual",)


def test_explanation_names_the_choice_and_the_rule(session):
    session.select("frame", "manual")
    session.select("top", "oak")
    why = session.explain("extras", "drawer")
    assert why.excluded
    assert why.choices == (Choice("frame", "manual"),)
    assert [r.id for r in why.rules] == ["no-drawer-on-crank"]
    assert str(why.rules[0].source).endswith("mini.yaml:62:5")
    assert "crank collides" in str(why)
    json.dumps(why.to_dict())


def test_possible_option_has_no_explanation(session):
    why = session.explain("frame", "dual_motor")
    assert not why.excluded and why.choices == () and why.rules == ()


def test_own_choice_in_the_module_explains_only_when_nothing_else_does(session):
    session.select("frame", "single_motor")
    why = session.explain("frame", "dual_motor")
    assert why.excluded and why.choices == (Choice("frame", "single_motor"),)
    assert why.rules == ()


def test_conflict_validation_and_repairs_keep_recent_choices(session):
    session.select("top", "linoleum")
    session.select("frame", "manual")  # the crank frame takes only the oak top
    validation = session.validate()
    assert not validation.valid
    assert set(validation.choices) == {Choice("top", "linoleum"), Choice("frame", "manual")}
    assert [r.id for r in validation.rules] == ["tops-per-frame"]
    repairs = session.repairs()
    assert repairs[0].remove == (Choice("top", "linoleum"),)  # the older choice goes first
    assert repairs[0].suggested == (Choice("top", "oak"),)
    assert dict(repairs[0].selection) == {"frame": "manual"}
    assert repairs[1].remove == (Choice("frame", "manual"),)
    assert not session.valid_options().consistent
    with pytest.raises(ConflictError):
        session.complete()
    json.dumps([r.to_dict() for r in repairs])


def test_complete_by_defaults_and_by_price(session):
    session.select("extras", "monitor_arm")
    default = session.complete("default")
    # Arm, tray and oak top weigh 36 kg: too much for the crank frame, the default.
    assert default.values["frame"] == "single_motor" and default.values["top"] == "oak"
    assert default.values["width_mm"] == 1600
    assert set(default.values["extras"]) == {"monitor_arm", "cable_tray"}
    cheapest = session.complete(CHEAPEST)
    assert cheapest.values["width_mm"] == 1200
    assert cheapest.to_dict()["select"]["extras"] == {"exactly": ["cable_tray", "monitor_arm"]}
    assert cheapest.chosen == ("extras",)
    json.dumps(cheapest.to_dict())


def test_count_under_choices(session, mini):
    model = session.model
    everything = list(all_solutions(model))
    assert session.count() == len(everything)
    session.select("frame", "dual_motor")
    assert session.count() == sum(1 for s in everything if s["frame"] == "dual_motor")


def test_select_checks_names(session):
    with pytest.raises(SelectionError) as info:
        session.select("frame", "manul")
    assert info.value.suggestion == "did you mean 'manual'?"
    with pytest.raises(SelectionError):
        session.select("fram", "manual")
    with pytest.raises(SelectionError):
        session.select("width_mm", 1300)  # not on the 200 mm step
    with pytest.raises(SelectionError):
        session.select("frame", None)  # a required module


def test_select_replaces_and_deselect_withdraws(session):
    session.select("frame", "manual")
    session.select("extras", "cable_tray")
    session.select("extras", "monitor_arm")
    session.select("frame", "single_motor")
    assert session.choices[-1] == Choice("frame", "single_motor")
    assert dict(session.selection) == {"frame": "single_motor",
                                       "extras": ("cable_tray", "monitor_arm")}
    session.deselect("extras", "cable_tray")
    assert session.selection["extras"] == ("monitor_arm",)
    session.deselect("extras")
    session.deselect("frame")
    assert session.choices == ()


# -- multi-select options: selected, excluded, open -----------------------------------------------
def test_an_excluded_option_is_unavailable_and_the_exclusion_explains_it(session):
    session.exclude("extras", "drawer")
    extras = session.valid_options().module("extras")
    assert extras.unavailable == ("drawer",) and extras.excluded == ("drawer",)
    assert extras.chosen == ()
    why = session.explain("extras", "drawer")
    assert why.excluded and why.choices == (Choice("extras", "drawer", excluded=True),)
    assert str(why) == "extras=drawer is excluded by your choice of extras=-drawer"
    assert session.selection["extras"] == ("-drawer",)
    assert session.count() == sum(1 for s in all_solutions(session.model)
                                  if not s["extras.drawer"])


def test_selecting_and_excluding_an_option_replace_each_other(session):
    session.select("extras", "cable_tray")
    session.exclude("extras", "cable_tray")
    assert session.choices == (Choice("extras", "cable_tray", excluded=True),)
    session.select("extras", "cable_tray")
    assert session.choices == (Choice("extras", "cable_tray"),)
    session.exclude("extras", "drawer")
    session.deselect("extras", "drawer")
    assert session.choices == (Choice("extras", "cable_tray"),)
    with pytest.raises(SelectionError, match="not a multi-select module"):
        session.exclude("frame", "manual")


def test_none_in_a_multi_select_module_excludes_every_option(session):
    session.select("extras", "cable_tray")
    session.select("extras", None)
    assert session.selection["extras"] == ("-cable_tray", "-monitor_arm", "-drawer")
    assert session.complete().values["extras"] == ()


def test_why_an_option_cannot_be_left_out(session):
    session.select("extras", "monitor_arm")
    why = session.explain("extras", "cable_tray", excluded=True)
    assert why.excluded and why.exclusion
    assert why.choices == (Choice("extras", "monitor_arm"),)
    assert [r.id for r in why.rules] == ["arm-needs-tray"]
    assert str(why).startswith("extras=-cable_tray is excluded by your choice of "
                               "extras=monitor_arm and arm-needs-tray (")
    assert json.loads(json.dumps(why.to_dict()))["exclusion"] is True
    free = session.explain("extras", "drawer", excluded=True)
    assert not free.excluded


def test_repairs_can_give_up_an_exclusion(session):
    session.select("extras", "monitor_arm")
    session.exclude("extras", "cable_tray")  # the arm needs the tray
    validation = session.validate()
    assert not validation.valid
    assert set(validation.choices) == {Choice("extras", "monitor_arm"),
                                       Choice("extras", "cable_tray", excluded=True)}
    repairs = session.repairs()
    assert [r.remove for r in repairs] == [(Choice("extras", "monitor_arm"),),
                                           (Choice("extras", "cable_tray", excluded=True),)]
    assert dict(repairs[0].selection) == {"extras": ("-cable_tray",)}
    assert repairs[1].to_dict()["remove"] == [
        {"module": "extras", "value": "cable_tray", "excluded": True}]
    assert str(repairs[1]) == "drop extras=-cable_tray"


def test_selection_mappings_read_back_as_the_same_choices(session, mini):
    session.select("frame", "single_motor")
    session.select("extras", "monitor_arm")
    session.exclude("extras", "drawer")
    again = choices_of(mini.module_map, session.selection)
    assert again == list(session.choices)


# -- the algorithms on their own ------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.integers(1, 9), st.lists(st.frozensets(st.integers(0, 8), min_size=1, max_size=3),
                                   max_size=5), st.integers(0, 3))
def test_fastdiag_and_quickxplain_on_set_systems(n, conflicts, background_size):
    """Items conflict when they contain one of the conflict sets."""
    items = list(range(n))
    background, candidates = items[:background_size], items[background_size:]

    def consistent(xs):
        return not any(c <= set(xs) for c in conflicts)

    diagnosis = fastdiag(candidates, background, consistent)
    assert diagnosis == preferred_diagnosis(candidates, background, consistent)
    if diagnosis is not None:
        rest = [c for c in candidates if c not in diagnosis]
        assert consistent([*background, *rest])
        for d in diagnosis:  # minimal: putting any one back breaks it
            assert not consistent([*background, *rest, d])
    found = quickxplain(background, candidates, consistent)
    if found is None:
        assert consistent(items)
    elif found:
        assert not consistent([*background, *found])
        for x in found:
            assert consistent([*background, *(y for y in found if y != x)])


# -- properties on generated catalogs --------------------------------------------------------
@st.composite
def sessions(draw: st.DrawFn):
    return draw(catalog_texts()), draw(st.randoms(use_true_random=False)), draw(
        st.sampled_from(ENGINES))


def random_choices(rnd: random.Random, catalog, count: int) -> list[Choice]:
    """Up to ``count`` choices in distinct modules; a multi-select option may be excluded."""
    out = []
    for module in rnd.sample(list(catalog.modules), min(count, len(catalog.modules))):
        if module.kind == "integer":
            out.append(Choice(module.id, rnd.choice(list(module.values()))))
        elif not module.required and module.kind == "single" and rnd.random() < 0.2:
            out.append(Choice(module.id, None))
        else:
            excluded = module.kind == "multi" and rnd.random() < 0.4
            out.append(Choice(module.id, rnd.choice(module.option_ids), excluded))
    return out


SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(case=sessions())
def test_session_answers_match_enumeration(tmp_path_factory, case):
    text, rnd, engine = case
    model = generated_model(tmp_path_factory, text)
    catalog = model.catalog
    solutions = list(all_solutions(model))
    oracle = CspEngine(model)
    with Session(catalog, engine=engine, model=model) as session:
        session.select_all(random_choices(rnd, catalog, rnd.randint(0, 3)))
        fixed = _fixed_of(catalog, session.choices)
        matching = [s for s in solutions if extends(s, fixed)]
        assert session.count() == len(matching)
        valid = session.valid_options()
        event(f"consistent={bool(matching)}, unavailable="
              f"{sum(len(m.unavailable) > 0 for m in valid.modules) > 0}")
        assert valid.consistent == bool(matching)
        for m in valid.modules:
            for value in (*m.available, *m.unavailable):
                target = _fixed_of(catalog, [Choice(m.module, value)])
                possible = any(extends(s, target) for s in matching)
                assert (value in m.available) == possible, (m.module, value)
        if not matching:
            check_conflict_and_repairs(session, oracle)
            return
        for m in valid.modules:
            for value in m.available[:2]:
                check_completes(session, m.module, value)
            for value in m.unavailable[:2]:
                check_explanation(session, oracle, m.module, value)
            if m.kind == "multi":  # an option every configuration has cannot be left out
                for value in m.forced[:2]:
                    check_explanation(session, oracle, m.module, value, excluded=True)
        for objective in (DEFAULT, CHEAPEST):
            costs = objective.costs(model)
            best = min(sum(costs[n][v] for n, v in s.items()) for s in matching)
            found = session.complete(objective)
            assignment = _fixed_of(catalog, [Choice(k, v) for k, vs in found.values.items()
                                             for v in (vs if isinstance(vs, tuple) else (vs,))])
            full = {v.name: assignment.get(v.name, False if v.option else None)
                    for v in model.variables}
            assert full in matching
            assert sum(costs[n][v] for n, v in full.items()) == best


def check_completes(session: Session, module: str, value) -> None:
    """Every available option extends to a valid configuration."""
    before = session.choices
    session.select(module, value)
    try:
        configuration = session.complete()
        got = configuration.values[module]
        assert value in got if isinstance(got, tuple) else got == value
    finally:
        session.clear()
        session.select_all(before)


def check_explanation(session: Session, oracle: CspEngine, module: str, value,
                      excluded: bool = False) -> None:
    """An explanation excludes its value (or, with ``excluded``, keeps the option from being
    left out), and is minimal."""
    catalog = session.catalog
    why = session.explain(module, value, excluded=excluded)
    assert why.excluded and why.exclusion == excluded
    constraints = [c for c in session.model.hard_constraints
                   if c.id in {r.id for r in why.rules}]
    own = catalog.module(module).kind != "multi"
    choices = list(why.choices)
    target = _fixed_of(catalog, [Choice(module, value, excluded)])

    def possible(cs, chs):
        fixed = dict(target)
        for c in chs:
            for k, v in _fixed_of(catalog, [c]).items():
                if fixed.setdefault(k, v) != v:
                    return False
        return oracle.solve(fixed, cs) is not None

    assert not possible(constraints, choices)
    if own and any(c.module == module for c in choices):
        return  # the user's own choice in the module: alone, and enough
    for c in constraints:
        assert possible([k for k in constraints if k is not c], choices)
    for c in choices:
        assert possible(constraints, [k for k in choices if k != c])


def check_conflict_and_repairs(session: Session, oracle: CspEngine) -> None:
    catalog = session.catalog
    validation = session.validate()
    assert not validation.valid
    rule_ids = {r.id for r in validation.rules}
    constraints = [c for c in session.model.hard_constraints if c.id in rule_ids]
    fixed = _fixed_of(catalog, validation.choices)
    assert oracle.solve(fixed, constraints) is None
    repairs = session.repairs()
    if not oracle.consistent({}):  # the catalog itself has no valid configuration
        assert repairs == ()
        return
    assert repairs
    for repair in repairs:
        kept = [c for c in session.choices if c not in repair.remove]
        assert oracle.consistent(_fixed_of(catalog, kept))
        for c in repair.remove:
            assert not oracle.consistent(_fixed_of(catalog, [*kept, c]))
    first = preferred_diagnosis(
        list(session.choices), [],
        lambda chs: oracle.consistent(_fixed_of(catalog, chs)))
    assert repairs[0].remove == first


# -- engines kept between sessions ----------------------------------------------------------
def test_a_pooled_engine_serves_one_session_at_a_time_and_is_kept_after_it():
    from configurator.engine import compile_model
    from configurator.session import pooled_session

    catalog = load_catalog(ROOT / "catalogs" / "ebike.yaml")
    model = compile_model(catalog)
    with pooled_session(catalog, model=model) as outer:
        outer.select("frame", "trapeze")
        with pooled_session(catalog, model=model) as inner:
            assert inner.engine is not outer.engine and inner.choices == ()
        first, second = outer.engine, inner.engine
    with pooled_session(catalog, model=model) as again:
        assert again.engine in (first, second) and again.choices == ()
        reused = again.engine
    with pytest.raises(RuntimeError), pooled_session(catalog, model=model) as failing:
        assert failing.engine is reused
        raise RuntimeError("a request that failed half-way")
    with pooled_session(catalog, model=model) as after:
        assert after.engine is not reused  # the interrupted engine was closed, not kept


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=catalog_texts(), rnd=st.randoms(use_true_random=False))
def test_a_pooled_engine_answers_like_a_new_one(tmp_path_factory, text, rnd):
    from configurator.session import pooled_session

    model = generated_model(tmp_path_factory, text)
    catalog = model.catalog
    for _ in range(3):
        picks = rnd.sample(list(catalog.modules), min(2, len(catalog.modules)))
        selection = {}
        for module in picks:
            if module.kind == "single" and module.options:
                selection[module.id] = rnd.choice(module.options).id
        choices = choices_of(catalog.module_map, selection)
        with pooled_session(catalog, model=model) as pooled, Session(catalog, model=model) as new:
            for session in (pooled, new):
                session.select_all(choices)
            assert pooled.valid_options() == new.valid_options()
            if new.consistent():
                for objective in ("default", "cheapest"):
                    assert pooled.complete(objective) == new.complete(objective)
            else:
                assert pooled.validate() == new.validate()
                assert pooled.repairs() == new.repairs()
