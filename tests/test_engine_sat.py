"""The sat engine: differential tests against the csp reference, its encodings, real models.

Every answer of the sat engine must be exact. On generated catalogs (the shared strategy, and
one with arithmetic) it is checked against the csp engine for supported(), count() and the cost
of optimum(), once with its default encodings and once with truth-table encodings turned off,
so the linear, value-map and fallback paths are exercised too. The decision-diagram builders
are checked against brute force, and real models against their published counts.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from configurator import load_catalog
from configurator.engine import CspEngine, compile_model, sat
from configurator.engine import _mdd as mdd
from configurator.engine._arith import interval_diagram
from configurator.engine.sat import SatEngine
from configurator.importers import import_dimacs, import_xcsp, write_catalog

from .conftest import DATA, ROOT
from .strategies import catalog_texts
from .test_engine_csp import all_solutions, extends, generated_model, random_fixed

REAL = DATA / "real"
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(params=["default", "no-grids"])
def encoding(request, monkeypatch):
    """Run a test with the default encodings, and with truth-table encodings turned off."""
    if request.param == "no-grids":
        monkeypatch.setattr(sat, "GRID_LIMIT", 0)
        monkeypatch.setattr(sat, "CELL_LIMIT", 0)
    return request.param


# -- a strategy with arithmetic -------------------------------------------------------------
# It belongs beside catalog_texts in tests/strategies.py; it lives here until it moves.
_NUMBERS = ["0", "1", "2", "3", "0.5", "1.25", "-2"]
_DIVISORS = ["2", "4", "0.5", "3"]  # 3: a division the evaluator rounds


@st.composite
def _number_expr(draw: st.DrawFn, depth: int = 0) -> str:
    leaves = ["m0.w", "m1.w", "n", "k", "count(selected in x)", "sum(option.w for selected)",
              "sum(option.w for selected in x, m1)", "count(selected in m0, m1)"]
    if depth >= 2 or draw(st.booleans()):
        return draw(st.sampled_from(leaves + _NUMBERS))
    form = draw(st.sampled_from(["+", "-", "*", "/", "min", "max", "abs", "neg"]))
    a = draw(_number_expr(depth + 1))
    if form == "/":
        return f"({a}) / {draw(st.sampled_from(_DIVISORS))}"
    if form == "abs":
        return f"abs({a})"
    if form == "neg":
        return f"-({a})"
    b = draw(_number_expr(depth + 1))
    if form in ("min", "max"):
        return f"{form}({a}, {b})"
    return f"({a}) {form} ({b})"


@st.composite
def _test_expr(draw: st.DrawFn) -> str:
    form = draw(st.sampled_from(["cmp", "cmp", "cmp", "in", "string", "logic"]))
    if form == "in":
        values = draw(st.lists(st.sampled_from(_NUMBERS), min_size=1, max_size=3))
        negated = draw(st.sampled_from(["in", "not in"]))
        return f"{draw(_number_expr())} {negated} [{', '.join(values)}]"
    if form == "string":
        return f"m0.s {draw(st.sampled_from(['==', '!=']))} m1.s"
    if form == "logic":
        return f"m0.flag or ({draw(_number_expr())} > 1) or not x.a0"
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
    return f"{draw(_number_expr())} {op} {draw(_number_expr())}"


@st.composite
def arith_catalog_texts(draw: st.DrawFn) -> str:
    """A small catalog whose rules compute: sums, counts, products, quotients, min, max, abs,
    comparisons and memberships over attributes and integer modules."""
    lines = ["format: bto-catalog/1", "id: arith", "name: Arith", 'version: "1"',
             "currency: EUR", "attributes:", "  w: {type: number, default: 0}",
             "  s: {type: string, default: a}", "  flag: {type: bool, default: false}",
             "modules:"]
    for m in ("m0", "m1"):
        required = draw(st.booleans())
        lines += [f"  - id: {m}", f"    label: {m}", f"    required: {str(required).lower()}",
                  "    options:"]
        for j in range(draw(st.integers(2, 3))):
            w = draw(st.sampled_from(["0", "1", "2.5", "-1", "4", "0.25"]))
            s = draw(st.sampled_from(["a", "b"]))
            flag = str(draw(st.booleans())).lower()
            lines.append(f"      - {{id: o{j}, label: o{j}, attributes: {{w: {w}, s: {s}, "
                         f"flag: {flag}}}}}")
    lines += ["  - id: x", "    label: x", "    type: multi", "    min: 0", "    max: 2",
              "    options:"]
    lines += [f"      - {{id: a{j}, label: a{j}, attributes: {{w: {j + 1}}}}}" for j in range(2)]
    lines += ["  - id: n", "    label: n", "    type: integer", "    min: 0", "    max: 3",
              "  - id: k", "    label: k", "    type: integer", "    min: 1", "    max: 7",
              "    step: 3"]
    rules = []
    for r in range(draw(st.integers(1, 3))):
        test = draw(_test_expr()).replace('"', "'")
        # A rule reading no variable trips the csp engine: python-constraint takes an empty
        # variable list for "all variables".
        assume(re.search(r"\b(m0|m1|n|k|x|selected)\b", test))
        if draw(st.booleans()):
            rules.append(f'  - {{id: r{r}, message: m, constraint: "{test}"}}')
        else:
            rules.append(f'  - {{id: r{r}, message: m, when: "m0.o0 or n >= 2", '
                         f'then: "{test}"}}')
    lines += ["rules:", *rules]
    return "\n".join(lines) + "\n"


# -- differential tests ---------------------------------------------------------------------
def _costs(rnd: random.Random, model) -> dict[str, dict[object, int]]:
    out: dict[str, dict[object, int]] = {}
    for v in model.variables:
        if rnd.random() < 0.7:
            out[v.name] = {value: rnd.choice([0, 1, 7, 250, 10_000_000, rnd.randint(0, 10**7)])
                           for value in v.domain if rnd.random() < 0.8}
    return out


def _cost(costs, solution) -> int:
    return sum(costs.get(name, {}).get(value, 0) for name, value in solution.items())


def _agree(model, rnd: random.Random) -> None:
    csp, engine = CspEngine(model), SatEngine(model)
    try:
        assert engine.count() == csp.count() == sum(1 for _ in engine.solutions())
        for fixed in random_fixed(rnd, model):
            assert engine.supported(fixed) == csp.supported(fixed), fixed
            assert engine.count(fixed) == csp.count(fixed), fixed
            costs = _costs(rnd, model)
            best, expected = engine.optimum(fixed, costs), csp.optimum(fixed, costs)
            assert (best is None) == (expected is None)
            if best is not None and expected is not None:
                assert extends(best, fixed)
                assert all(model.holds(c, best) for c in model.hard_constraints)
                assert _cost(costs, best) == _cost(costs, expected)
                assert engine.optimum(fixed, costs) == best  # ties broken the same way
    finally:
        engine.close()


@SETTINGS
@given(text=catalog_texts(), rnd=st.randoms(use_true_random=False))
def test_sat_answers_like_csp(tmp_path_factory, encoding, text, rnd):
    _agree(generated_model(tmp_path_factory, text), rnd)


@SETTINGS
@given(text=arith_catalog_texts(), rnd=st.randoms(use_true_random=False))
def test_sat_computes_like_the_evaluator(tmp_path_factory, encoding, text, rnd):
    _agree(generated_model(tmp_path_factory, text), rnd)


@SETTINGS
@given(text=st.one_of(catalog_texts(), arith_catalog_texts()),
       rnd=st.randoms(use_true_random=False))
def test_supported_stays_exact_over_a_session(tmp_path_factory, text, rnd):
    """One engine answers a sequence of selections that grow and shrink, as a session does;
    what it remembers between calls (models, values ruled out) never changes an answer."""
    check_session(generated_model(tmp_path_factory, text), rnd)


def check_session(model, rnd: random.Random) -> None:
    """supported() over a session's growing and shrinking selections equals enumeration."""
    solutions = list(all_solutions(model))
    engine = SatEngine(model)
    try:
        fixed: dict[str, object] = {}
        for _ in range(8):
            expected = {v.name: {(type(s[v.name]), s[v.name]) for s in solutions
                                 if extends(s, fixed)} for v in model.variables}
            # With types: 1 == True in Python, but an integer module answers with integers.
            found = engine.supported(fixed)
            assert {k: {(type(x), x) for x in xs} for k, xs in found.items()} == expected, fixed
            if fixed and rnd.random() < 0.3:
                del fixed[rnd.choice(sorted(fixed))]
            else:
                v = rnd.choice(model.variables)
                fixed[v.name] = rnd.choice(v.domain)
    finally:
        engine.close()


def test_supported_after_the_query_solver_is_replaced(mini):
    engine = SatEngine(mini)
    try:
        before = engine.supported({"frame": "manual"})
        engine._top = 10 * engine._base + 10_000  # as if many activation literals were used
        assert engine.supported({"frame": "manual"}) == before
        assert engine.supported({}) == CspEngine(mini).supported({})
    finally:
        engine.close()


@pytest.fixture(scope="module")
def mini():
    return compile_model(load_catalog(DATA / "good" / "catalogs" / "mini.yaml"))


# -- the example catalogs -------------------------------------------------------------------
@pytest.fixture(scope="module", params=["ebike", "workstation", "pump-skid"])
def example(request):
    model = compile_model(load_catalog(ROOT / "catalogs" / f"{request.param}.yaml"))
    engine = SatEngine(model)
    yield model, engine
    engine.close()


def test_example_counts_match_brute_force(example):
    """With all but a few variables fixed from a solution, counting agrees with trying every
    assignment of the rest, and supported() with what those assignments allow."""
    model, engine = example
    rnd = random.Random(7)
    for _ in range(6):
        v = rnd.choice(model.variables)
        solution = engine.solve({v.name: rnd.choice(v.domain)}) or engine.solve({})
        assert solution is not None
        free: list = []
        for variable in rnd.sample(model.variables, len(model.variables)):
            if math.prod(len(f.domain) for f in free) * len(variable.domain) <= 3000:
                free.append(variable)
        fixed = {k: val for k, val in solution.items() if k not in {f.name for f in free}}
        valid = []
        for values in itertools.product(*(f.domain for f in free)):
            assignment = {**fixed, **dict(zip((f.name for f in free), values, strict=True))}
            if all(model.holds(c, assignment) for c in model.hard_constraints):
                valid.append(assignment)
        assert engine.count(fixed) == len(valid)
        supported = engine.supported(fixed)
        for f in free:
            assert supported[f.name] == frozenset(a[f.name] for a in valid)


def test_example_solutions_hold_and_near_misses_do_not(example):
    """Random full assignments: the engine accepts exactly those that satisfy every rule."""
    model, engine = example
    rnd = random.Random(11)
    for _ in range(150):
        base = engine.solve({}) if rnd.random() < 0.5 else None
        assignment = dict(base) if base else {v.name: rnd.choice(v.domain)
                                              for v in model.variables}
        for v in rnd.sample(model.variables, 2):
            assignment[v.name] = rnd.choice(v.domain)
        holds = all(model.holds(c, assignment) for c in model.hard_constraints)
        assert engine.consistent(assignment) == holds


# -- real models ----------------------------------------------------------------------------
def _imported(tmp_path: Path, imported) -> SatEngine:
    path = write_catalog(imported, tmp_path / "imported")
    return SatEngine(compile_model(load_catalog(path)))


def test_berkeleydb_has_32_configurations(tmp_path):
    engine = _imported(tmp_path, import_dimacs(REAL / "berkeleydb.dimacs"))
    try:
        assert engine.count() == 32
        assert sum(1 for _ in engine.solutions()) == 32
    finally:
        engine.close()


BUSYBOX = int(
    "2061138519356781760670618805653750167349287991336595876373542198990734653489713239449"
    "032049664199494301454199336000050382457451123894821886472278234849758979132037884598"
    "159833615564800000000000000000000")


@pytest.mark.parametrize("name, expected", [
    ("toybox.dimacs", 144_991_790_900_969_472),
    ("axtls.dimacs", 428_726_493_299_198_656_512),
    ("busybox-1.18.0.dimacs", BUSYBOX),
])
def test_feature_model_counts(tmp_path, name, expected):
    engine = _imported(tmp_path, import_dimacs(REAL / name))
    try:
        assert engine.count() == expected
    finally:
        engine.close()


def test_renault_medium_has_278744_configurations(tmp_path):
    # (Renault Megane, 2,835,456,006,272, is counted in tests/test_count.py.)
    engine = _imported(tmp_path, import_xcsp(REAL / "medium_domainsorted.xml"))
    try:
        assert engine.count() == 278_744
    finally:
        engine.close()


# -- the decision-diagram builders ----------------------------------------------------------
def _accepts(diagram: mdd.Diagram, row) -> bool:
    nodes = {int(i): (level.position, children)
             for level in diagram.levels for i, children in zip(level.ids, level.children,
                                                                 strict=True)}
    node = diagram.root
    while node not in (mdd.FALSE, mdd.TRUE):
        position, children = nodes[node]
        node = int(children[row[position]])
    return node == mdd.TRUE


tables = st.integers(1, 4).flatmap(lambda k: st.tuples(
    st.lists(st.integers(1, 4), min_size=k, max_size=k),
    st.booleans(), st.integers(0, 2**32 - 1)))


@settings(max_examples=200, deadline=None)
@given(spec=tables, wild=st.booleans())
def test_diagrams_accept_exactly_their_rows(spec, wild):
    domains, accept, seed = spec
    rnd = random.Random(seed)
    rows = [tuple(rnd.randrange(-1 if wild else 0, d) for d in domains)
            for _ in range(rnd.randint(0, 12))]
    everything = list(itertools.product(*(range(d) for d in domains)))

    def matched(t):
        return any(all(c in (-1, v) for c, v in zip(r, t, strict=True)) for r in rows)

    expected = {t: matched(t) == accept for t in everything}
    diagrams = [mdd.from_patterns(domains, rows, accept)]
    table = np.array([expected[t] for t in everything], dtype=bool).reshape(domains)
    diagrams.append(mdd.from_table(table))
    if not wild:
        diagrams.append(mdd.from_rows(domains, np.array(rows, dtype=np.int64).reshape(
            -1, len(domains)), accept))
    for diagram in diagrams:
        assert all(_accepts(diagram, t) == expected[t] for t in everything)
    # Reduced diagrams of one function, in one order, have the same size.
    assert len({d.size for d in diagrams}) == 1


def test_row_grouping_survives_hash_collisions(monkeypatch):
    monkeypatch.setattr(mdd, "_HASH_WEIGHTS", np.ones(64, dtype=np.uint64))
    rng = np.random.default_rng(3)
    matrix = rng.integers(0, 3, size=(200, 4))
    first, inverse = mdd._distinct_rows(matrix)
    assert (matrix[first[inverse]] == matrix).all()
    assert len(first) == len({tuple(r) for r in matrix.tolist()})


@settings(max_examples=200, deadline=None)
@given(terms=st.lists(st.lists(st.integers(-6, 6), min_size=1, max_size=3, unique=True),
                      min_size=0, max_size=4),
       bounds=st.lists(st.integers(-10, 10), min_size=0, max_size=3, unique=True),
       outcomes=st.lists(st.booleans(), min_size=4, max_size=4))
def test_interval_diagrams_test_the_sum(terms, bounds, outcomes):
    uppers = sorted(bounds)
    pieces = [(u, outcomes[i]) for i, u in enumerate(uppers)] + [(math.inf, outcomes[-1])]
    diagram = interval_diagram(terms, pieces)
    for choice in itertools.product(*(range(len(t)) for t in terms)):
        total = sum(t[c] for t, c in zip(terms, choice, strict=True))
        expected = next(o for u, o in pieces if total <= u)
        assert _accepts(diagram, choice) == expected


def test_exact_decimal_arithmetic_in_rules(tmp_path):
    """0.1 + 0.2 == 0.3 holds in the rule language (Decimals), and 1 / 3 * 3 != 1 (rounded
    at 28 digits): the engine must agree with the evaluator on both."""
    text = "\n".join([
        "format: bto-catalog/1", "id: d", "name: D", 'version: "1"', "currency: EUR",
        "attributes:", "  w: {type: number, default: 0}", "modules:",
        "  - id: a", "    label: a", "    options:",
        "      - {id: p, label: p, attributes: {w: 0.1}}",
        "      - {id: q, label: q, attributes: {w: 1}}",
        "  - id: b", "    label: b", "    options:",
        "      - {id: p, label: p, attributes: {w: 0.2}}",
        "      - {id: q, label: q, attributes: {w: 3}}",
        "rules:",
        '  - {id: tenths, message: m, constraint: "a.w + b.w != 0.3"}',
        '  - {id: thirds, message: m, constraint: "a.w / 3 * b.w != 1"}',
    ]) + "\n"
    path = tmp_path / "d.yaml"
    path.write_text(text, encoding="utf-8")
    model = compile_model(load_catalog(path))
    assert Decimal(1) / 3 * 3 != 1
    expected = {(s["a"], s["b"]) for s in all_solutions(model)}
    engine = SatEngine(model)
    try:
        assert {(s["a"], s["b"]) for s in engine.solutions()} == expected
        assert engine.count() == len(expected) == 3
    finally:
        engine.close()
