"""Tests for the rule language: parsing, unparsing, binding, evaluation, and hostile input."""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.expr import (
    KEYWORDS,
    Aggregate,
    And,
    AnySelected,
    Arith,
    AttributeOf,
    Binary,
    Boolean,
    BoolNot,
    Bound,
    Call,
    Cmp,
    Compare,
    Const,
    CountOf,
    Expr,
    ExprIssue,
    ExprSyntaxError,
    Func,
    Implies,
    In,
    Logic,
    ModuleValue,
    Name,
    Neg,
    Not,
    Number,
    OptionIn,
    OptionSelected,
    Or,
    SimpleScope,
    String,
    SumOf,
    Type,
    Unary,
    Value,
    ValueIn,
    bind,
    check,
    evaluate,
    names_used,
    parse,
    unparse,
)


def N(text: str) -> Name:
    return Name(tuple(text.split(".")))


def D(text: str) -> Decimal:
    return Decimal(text)


# --------------------------------------------------------------------------------------------
# Parsing

PARSES: list[tuple[str, Expr]] = [
    ("a.x or b.y and not c.z", Logic("or", N("a.x"), Logic("and", N("b.y"), Not(N("c.z"))))),
    ("not a and b", Logic("and", Not(N("a")), N("b"))),
    ("not a == b", Not(Compare("==", N("a"), N("b")))),
    ("not not a", Not(Not(N("a")))),
    ("a and b or c", Logic("or", Logic("and", N("a"), N("b")), N("c"))),
    ("a or b or c", Logic("or", Logic("or", N("a"), N("b")), N("c"))),
    ("a implies b implies c", Logic("implies", N("a"), Logic("implies", N("b"), N("c")))),
    ("a -> b -> c", Logic("implies", N("a"), Logic("implies", N("b"), N("c")))),
    ("a or b -> c and d", Logic("implies", Logic("or", N("a"), N("b")),
                                Logic("and", N("c"), N("d")))),
    ("(a -> b) -> c", Logic("implies", Logic("implies", N("a"), N("b")), N("c"))),
    ("1 + 2 * 3", Binary("+", Number(D("1")), Binary("*", Number(D("2")), Number(D("3"))))),
    ("1 - 2 - 3", Binary("-", Binary("-", Number(D("1")), Number(D("2"))), Number(D("3")))),
    ("(1 + 2) * 3", Binary("*", Binary("+", Number(D("1")), Number(D("2"))), Number(D("3")))),
    ("-a * b", Binary("*", Unary("-", N("a")), N("b"))),
    ("- -a", Unary("-", Unary("-", N("a")))),
    ("a - -b", Binary("-", N("a"), Unary("-", N("b")))),
    ("a / 2 < b", Compare("<", Binary("/", N("a"), Number(D("2"))), N("b"))),
    ("x.w + 1 >= 0.5", Compare(">=", Binary("+", N("x.w"), Number(D("1"))), Number(D("0.5")))),
    ("a != b", Compare("!=", N("a"), N("b"))),
    ("a <= b and c > d", Logic("and", Compare("<=", N("a"), N("b")), Compare(">", N("c"), N("d")))),
    ('"red"', String("red")),
    ("'it\\'s'", String("it's")),
    ('"a\\"b\\\\c\\nd"', String('a"b\\c\nd')),
    ("true", Boolean(True)),
    ("false == x.flag", Compare("==", Boolean(False), N("x.flag"))),
    ("frame in [a, b]", In(N("frame"), (N("a"), N("b")))),
    ("frame not in [a]", In(N("frame"), (N("a"),), negated=True)),
    ('f.c in ["red", "blue"]', In(N("f.c"), (String("red"), String("blue")))),
    ("n in [1, -2, 3.5]", In(N("n"), (Number(D("1")), Unary("-", Number(D("2"))),
                                      Number(D("3.5"))))),
    ("a + 1 in [2]", In(Binary("+", N("a"), Number(D("1"))), (Number(D("2")),))),
    ("not a in [x]", Not(In(N("a"), (N("x"),)))),
    ("min(a, 2)", Call("min", (N("a"), Number(D("2"))))),
    ("max(a, b) + abs(-c)", Binary("+", Call("max", (N("a"), N("b"))),
                                   Call("abs", (Unary("-", N("c")),)))),
    ("sum(option.power_w for selected)", Aggregate("sum", "power_w", None)),
    ("sum( option.w  for selected in gpu , disk )", Aggregate("sum", "w", ("gpu", "disk"))),
    ("count(selected)", Aggregate("count", None, None)),
    ("count(selected in acc)", Aggregate("count", None, ("acc",))),
    ("8 + 2 * count(selected in acc)", Binary("+", Number(D("8")), Binary(
        "*", Number(D("2")), Aggregate("count", None, ("acc",))))),
    ("007", Number(D("7"))),
    ("((a))", N("a")),
    ("\ta.x\n", N("a.x")),
]


@pytest.mark.parametrize(("text", "expected"), PARSES)
def test_parse(text: str, expected: Expr) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "expected"), PARSES)
def test_unparse_round_trip(text: str, expected: Expr) -> None:
    assert parse(unparse(expected)) == expected


@pytest.mark.parametrize(
    ("text", "minimal"),
    [
        ("(a and b) or c", "a and b or c"),
        ("a and (b or c)", "a and (b or c)"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a -> b) -> c", "(a implies b) implies c"),
        ("(not a) == b", "(not a) == b"),
        ("a == (b == c)", "a == (b == c)"),
        ("-(a + b)", "-(a + b)"),
        ("'x'", '"x"'),
    ],
)
def test_unparse_uses_minimal_parentheses(text: str, minimal: str) -> None:
    assert unparse(parse(text)) == minimal


def test_spans() -> None:
    e = parse("a.x + (b * 2)")
    assert isinstance(e, Binary)
    assert e.span == (0, 13)
    assert e.left.span == (0, 3)
    assert e.right.span == (6, 13)  # parentheses belong to the span
    assert parse("-x").span == (0, 2)
    assert parse("sum(option.w for selected in m)").span == (0, 31)


def test_numbers_are_exact_decimals() -> None:
    e = parse("0.1")
    assert isinstance(e, Number)
    assert e.value == Decimal("0.1")
    assert isinstance(e.value, Decimal)


# --------------------------------------------------------------------------------------------
# Syntax errors

SYNTAX_ERRORS: list[tuple[str, int, str]] = [
    ("", 0, "empty expression"),
    ("   ", 0, "empty expression"),
    ("a and", 5, "unexpected end of expression"),
    ("a and and b", 6, "unexpected 'and'"),
    ("and", 0, "unexpected 'and'"),
    ("a = b", 2, "'=' is not an operator; did you mean '=='?"),
    ("a && b", 2, "'&&' is not an operator; use 'and'"),
    ("a || b", 2, "'||' is not an operator; use 'or'"),
    ("!a", 0, "'!' is not an operator; use 'not'"),
    ("a => b", 2, "'=>' is not an operator; use '>=' for 'at least', or 'implies'"),
    ("a =< 3", 2, "'=<' is not an operator; did you mean '<='?"),
    ("a <> b", 2, "'<>' is not an operator; use '!='"),
    ("a ** 2", 2, "'**' is not an operator"),
    ("(a + b", 6, "expected ')' to close '(' at 0"),
    ("x + (a b)", 7, "expected ')' to close '(' at 4"),
    ("a)", 1, "unexpected ')' without a matching '('"),
    ("a b", 2, "unexpected 'b'"),
    ("a AND b", 2, "unexpected 'AND'; keywords are lowercase: 'and'"),
    ('x == "red', 5, "unterminated string"),
    ("x == 'a\\", 5, "unterminated string"),
    ('"a\\tb"', 2, "unknown escape '\\t'"),
    ("a < b < c", 6, "comparisons cannot be chained"),
    ("a == b in [c]", 7, "comparisons cannot be chained"),
    ("a == not b", 5, "'not' must be put in parentheses"),
    ("a not b", 2, "unexpected 'not'"),
    ("frame in a", 9, "expected '[' after 'in'"),
    ("frame in [a, b", 14, "expected ',' or ']' to close '[' at 9"),
    ("frame in [a b]", 12, "expected ',' or ']' to close '[' at 9"),
    ("frame in []", 10, "empty list"),
    ("frame in [a.b]", 10, "expected an option name or a literal in the list, got 'a.b'"),
    ("[a, b]", 0, "a list [...] can only follow 'in'"),
    ("frame.", 6, "expected a name after '.'"),
    ("frame.2", 6, "expected a name after '.'"),
    ("frame.and", 6, "'and' is a keyword"),
    ("1.", 2, "expected a digit after the decimal point"),
    ("1e3", 1, "without exponents"),
    ("12ab", 2, "cannot be followed directly by a letter"),
    ("1.2.3", 3, "unexpected '.' after a number"),
    (".5", 0, "write decimals with a leading digit"),
    ("frame .x", 6, "names are written MODULE.OPTION, without spaces"),
    ("a % 2", 2, "'%' is not an operator"),
    ("a $ b", 2, "unexpected character '$'"),
    ("x == \u201cred\u201d", 5, "curly quote"),
    ("foo(a)", 0, "unknown function 'foo'"),
    ("min(a)", 0, "min() takes 2 arguments, got 1"),
    ("abs(a, b)", 0, "abs() takes 1 argument, got 2"),
    ("min(a, b", 8, "expected ',' or ')' to close '(' at 3"),
    ("min a", 4, "expected '(' after 'min'"),
    ("option.w > 1", 0, "'option' can only be used inside sum("),
    ("sum(w for selected)", 4, "expected 'option.ATTRIBUTE' in sum(option.ATTRIBUTE"),
    ("sum(option.w selected)", 13, "expected 'for' in sum("),
    ("sum(option.w for x)", 17, "expected 'selected' in sum("),
    ("sum(option.w for selected in)", 28, "expected a module name in sum("),
    ("count(selected in a b)", 20, "expected ',' or ')' in count(selected"),
    ("count(option.x)", 6, "expected 'selected' in count("),
    ("frame == none", 9, "'none' is not a value here"),
    ("selected", 0, "unexpected 'selected'"),
    ("a -", 3, "unexpected end of expression"),
]


@pytest.mark.parametrize(("text", "offset", "message"), SYNTAX_ERRORS)
def test_syntax_errors(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse(text)
    assert message in info.value.message
    assert info.value.offset == offset
    assert info.value.issue == ExprIssue("X401", info.value.message, offset)


def test_syntax_error_is_picklable_and_readable() -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse("a = b")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.message, copy.offset) == (info.value.message, 2)
    assert str(copy) == "'=' is not an operator; did you mean '=='? (at offset 2)"


def test_limits() -> None:
    with pytest.raises(ExprSyntaxError, match="too long") as info:
        parse("a" * 10_001)
    assert info.value.offset == 10_000
    parse("(" * 100 + "a" + ")" * 100)
    for deep in ["(" * 101 + "a" + ")" * 101, "-" * 101 + "a", "not " * 101 + "a",
                 " + ".join(["a"] * 102), " -> ".join(["a"] * 102), "min(" * 101 + "a"]:
        with pytest.raises(ExprSyntaxError, match="nested too deeply"):
            parse(deep)


@pytest.mark.parametrize("opener", ["(", "-", "not ", "a -> ", "min(a, ", "[", "a + ("])
def test_deep_nesting_is_a_syntax_error(opener: str) -> None:
    text = (opener * 5000)[:10_000]
    with pytest.raises(ExprSyntaxError):
        parse(text)


# --------------------------------------------------------------------------------------------
# Binding

SCOPE = SimpleScope(
    modules={
        "frame": ("single", ("trapeze_m", "diamond_m", "cargo_long")),
        "motor": ("single", ("hub_45nm", "mid_85nm")),
        "acc": ("multi", ("rack", "lights", "child_seat")),
        "length_mm": ("integer", ()),
        "paint": ("single", ("red", "weight_kg")),
    },
    attributes={"weight_kg": "number", "power_w": "number", "colour": "string", "cargo": "bool"},
)
ALL = ("frame", "motor", "acc", "paint")


def ok(text: str, expected: Type | None = None) -> Bound:
    bound, issues = check(text, SCOPE, expected)
    assert issues == []
    assert bound is not None
    return bound


BINDS: list[tuple[str, Bound, Type]] = [
    ("frame.cargo_long", OptionSelected("frame", "cargo_long"), "bool"),
    ("acc.rack", OptionSelected("acc", "rack"), "bool"),
    ("frame.weight_kg", AttributeOf("frame", "weight_kg", "number"), "number"),
    ("frame.colour", AttributeOf("frame", "colour", "string"), "string"),
    ("paint.weight_kg", OptionSelected("paint", "weight_kg"), "bool"),  # the option wins
    ("length_mm", ModuleValue("length_mm"), "number"),
    ("acc", AnySelected("acc"), "bool"),
    ("frame in [trapeze_m, cargo_long, trapeze_m]",
     OptionIn("frame", ("trapeze_m", "cargo_long"), False), "bool"),
    ("acc not in [rack]", OptionIn("acc", ("rack",), True), "bool"),
    ('frame.colour in ["red", "blue"]',
     ValueIn(AttributeOf("frame", "colour", "string"), ("red", "blue"), False), "bool"),
    ("length_mm not in [1200, -1]", ValueIn(ModuleValue("length_mm"), (D("1200"), D("-1")), True),
     "bool"),
    ("sum(option.power_w for selected)", SumOf("power_w", ALL), "number"),
    ("sum(option.power_w for selected in acc, motor, acc)", SumOf("power_w", ("acc", "motor")),
     "number"),
    ("count(selected)", CountOf(ALL), "number"),
    ("count(selected in acc)", CountOf(("acc",)), "number"),
    ("-2", Const(D("-2"), "number"), "number"),
    ("-length_mm", Neg(ModuleValue("length_mm")), "number"),
    ("length_mm / 2", Arith("/", ModuleValue("length_mm"), Const(D("2"), "number")), "number"),
    ("length_mm / -0.5", Arith("/", ModuleValue("length_mm"), Const(D("-0.5"), "number")),
     "number"),
    ("min(length_mm, 3)", Func("min", (ModuleValue("length_mm"), Const(D("3"), "number"))),
     "number"),
    ("abs(1)", Func("abs", (Const(D("1"), "number"),)), "number"),
    ('frame.colour == "red"',
     Cmp("==", AttributeOf("frame", "colour", "string"), Const("red", "string")), "bool"),
    ("frame.cargo != true", Cmp("!=", AttributeOf("frame", "cargo", "bool"), Const(True, "bool")),
     "bool"),
    ("frame.cargo_long -> motor.mid_85nm",
     Implies(OptionSelected("frame", "cargo_long"), OptionSelected("motor", "mid_85nm")), "bool"),
    ("acc and not motor or frame",
     Or(And(AnySelected("acc"), BoolNot(AnySelected("motor"))), AnySelected("frame")), "bool"),
]


@pytest.mark.parametrize(("text", "expected", "type_"), BINDS)
def test_bind(text: str, expected: Bound, type_: Type) -> None:
    bound = ok(text)
    assert bound == expected
    assert bound.type == type_


def test_bound_spans_point_into_the_text() -> None:
    bound = ok("length_mm > 2 and acc.rack")
    assert isinstance(bound, And)
    assert bound.span == (0, 26)
    assert bound.right.span == (18, 26)


def issues_of(text: str, expected: Type | None = None) -> list[tuple[str, int, str, str | None]]:
    bound, issues = check(text, SCOPE, expected)
    assert bound is None and issues
    return [(i.code, i.offset, i.message, i.suggestion) for i in issues]


BIND_ERRORS: list[tuple[str, str, int, str, str | None]] = [
    # text, code, offset, message fragment, suggestion
    ("fram.cargo_long", "R301", 0, "unknown module 'fram'", "did you mean 'frame'?"),
    ("x and frame", "R301", 0, "unknown module 'x'", None),
    ("True", "R301", 0, "unknown module 'True'", "did you mean 'true'?"),
    ("weight_kg > 2", "R301", 0, "'weight_kg' is an attribute", None),
    ("frame.cargo_lung", "R302", 6,
     "unknown option or attribute 'cargo_lung' of module 'frame'", "did you mean 'cargo_long'?"),
    ("1 < frame.wieght_kg", "R302", 10, "unknown option or attribute", "did you mean 'weight_kg'?"),
    ("frame in [trapez_m]", "R302", 10, "unknown option 'trapez_m' of module 'frame'",
     "did you mean 'trapeze_m'?"),
    ("frame in [1]", "X402", 10, "expected an option of module 'frame'", None),
    ("sum(option.powr_w for selected) > 1", "R303", 11, "unknown attribute 'powr_w'",
     "did you mean 'power_w'?"),
    ("sum(option.colour for selected)", "X402", 11, "'colour' is a string", None),
    ("sum(option.power_w for selected in acc, motr)", "R301", 40, "unknown module 'motr'",
     "did you mean 'motor'?"),
    ("count(selected in length_mm)", "X403", 18, "integer parameter", None),
    ("acc.weight_kg > 1", "X403", 0,
     "module 'acc' is multi-select; use sum(option.weight_kg for selected in acc)", None),
    ("acc.colour", "X403", 0, "multi-select", None),
    ("length_mm.weight_kg", "X403", 0, "integer parameter", None),
    ("frame.a.b", "X403", 0, "'frame.a.b' is not a valid reference", None),
    ("length_mm / length_mm", "X403", 12, "divide only by a non-zero number literal", None),
    ("length_mm / 0", "X403", 12, "divide only by a non-zero number literal", None),
    ("frame.colour + 1", "X402", 0, "'+' needs a number, got a string", None),
    ("2 * acc", "X402", 4, "'*' needs a number, got true/false", None),
    ("frame.colour < 1", "X402", 0, "'<' needs a number, got a string", None),
    ('length_mm == "x"', "X402", 0, "'==' needs two values of the same type, got a number and "
     "a string", None),
    ("acc and 1", "X402", 8, "'and' needs true/false, got a number", None),
    ("not length_mm", "X402", 4, "'not' needs true/false, got a number", None),
    ("-acc", "X402", 1, "'-' needs a number", None),
    ("min(acc, 1)", "X402", 4, "min() needs a number", None),
    ("frame == trapeze_m", "X402", 0, "write 'frame.trapeze_m' or 'frame in [trapeze_m]'", None),
    ("frame.colour in [red]", "X402", 17, "expected a string in the list, got the name 'red'",
     'quote it: "red"'),
    ("length_mm in [1, 'a']", "X402", 17, "expected a number in the list, got a string", None),
    ("length_mm", "X402", 0, "a condition must be true/false, got a number", None),
]


@pytest.mark.parametrize(("text", "code", "offset", "message", "suggestion"), BIND_ERRORS)
def test_bind_errors(text: str, code: str, offset: int, message: str,
                     suggestion: str | None) -> None:
    found = issues_of(text, "bool" if text == "length_mm" else None)
    assert len(found) == 1, found
    assert found[0][0] == code
    assert found[0][1] == offset
    assert message in found[0][2]
    assert found[0][3] == suggestion


def test_bind_collects_every_issue() -> None:
    found = issues_of("fram.x and motor.hub or acc.weight_kg > 'a' and count(selected in nope)")
    assert [(code, offset) for code, offset, _, _ in found] == [
        ("R301", 0), ("R302", 17), ("X403", 24), ("R301", 66)]


def test_expected_types() -> None:
    assert issues_of("frame", "number")[0][2] == "a formula must be a number, got true/false"
    ok("length_mm * 2", "number")
    ok("frame.colour", "string")


def test_syntax_error_through_check() -> None:
    bound, issues = check("a &&", SCOPE)
    assert bound is None
    assert issues == [ExprIssue("X401", "'&&' is not an operator; use 'and'", 2)]


def test_names_used() -> None:
    bound = ok("frame.cargo_long and frame.weight_kg > length_mm or acc in [rack, lights] "
               "or count(selected in motor) > abs(sum(option.power_w for selected in acc))")
    assert names_used(bound) == {
        ("frame", "cargo_long"), ("frame", "weight_kg"), ("length_mm", None), ("acc", "rack"),
        ("acc", "lights"), ("motor", None), ("acc", "power_w")}


# --------------------------------------------------------------------------------------------
# Evaluation


@dataclass
class View:
    """A tiny configuration for tests."""

    chosen: dict[str, frozenset[str]]
    values: dict[str, int] = field(default_factory=dict)
    attributes: dict[tuple[str, str, str], Value] = field(default_factory=dict)
    defaults: dict[str, Value] = field(default_factory=lambda: {
        "weight_kg": Decimal(0), "power_w": Decimal(0), "colour": "", "cargo": False})

    def selected(self, module: str) -> frozenset[str]:
        return self.chosen.get(module, frozenset())

    def value(self, module: str) -> int:
        return self.values[module]

    def attribute(self, module: str, option: str, attribute: str) -> Value:
        return self.attributes.get((module, option, attribute), self.defaults[attribute])

    def attribute_default(self, attribute: str) -> Value:
        return self.defaults[attribute]

    def module_ids(self) -> Iterable[str]:
        return ALL


VIEW = View(
    chosen={"frame": frozenset({"cargo_long"}), "acc": frozenset({"rack", "lights"}),
            "motor": frozenset()},
    values={"length_mm": 1800},
    attributes={
        ("frame", "cargo_long", "weight_kg"): Decimal("11.5"),
        ("frame", "cargo_long", "colour"): "red",
        ("frame", "cargo_long", "cargo"): True,
        ("acc", "rack", "weight_kg"): Decimal("1.2"),
        ("acc", "lights", "weight_kg"): Decimal("0.3"),
        ("acc", "lights", "power_w"): Decimal("6"),
        ("frame", "cargo_long", "power_w"): Decimal("0.1"),
    },
)

EVALUATIONS: list[tuple[str, Value]] = [
    ("frame.cargo_long", True),
    ("frame.trapeze_m", False),
    ("frame", True),
    ("motor", False),
    ("not motor", True),
    ("frame in [trapeze_m, cargo_long]", True),
    ("frame not in [trapeze_m, cargo_long]", False),
    ("acc in [child_seat, rack]", True),
    ("motor in [hub_45nm]", False),
    ("motor not in [hub_45nm]", True),
    ("frame.weight_kg", Decimal("11.5")),
    ("motor.weight_kg", Decimal("0")),  # nothing selected: the default
    ("frame.colour", "red"),
    ('frame.colour in ["red", "blue"]', True),
    ('frame.colour not in ["red"]', False),
    ("frame.cargo == true", True),
    ("length_mm", Decimal(1800)),
    ("length_mm in [1800, 2000]", True),
    ("sum(option.weight_kg for selected)", Decimal("13.0")),
    ("sum(option.weight_kg for selected in acc)", Decimal("1.5")),
    ("sum(option.power_w for selected) == 6.1", True),
    ("count(selected)", Decimal(3)),
    ("count(selected in acc, motor)", Decimal(2)),
    ("0.35 * length_mm", Decimal("630")),
    ("length_mm / 3", Decimal("600")),
    ("1 / 3", Decimal(1) / Decimal(3)),
    ("10 - 2 - 3", Decimal(5)),
    ("-length_mm + 1", Decimal(-1799)),
    ("min(length_mm, 1000)", Decimal(1000)),
    ("max(-1, -2)", Decimal(-1)),
    ("abs(-2.5)", Decimal("2.5")),
    ("1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 4", False),
    ("1 != 1 or 'a' != 'b'", True),
    ("motor -> false", True),
    ("frame -> false", False),
    ("frame.cargo_long implies acc.rack and not acc.child_seat", True),
]


@pytest.mark.parametrize(("text", "expected"), EVALUATIONS)
def test_evaluate(text: str, expected: Value) -> None:
    value = evaluate(ok(text), VIEW)
    assert value == expected
    assert type(value) is type(expected)


# --------------------------------------------------------------------------------------------
# Property tests: hostile text, mutations, round trips

VALID = [text for text, _ in PARSES] + [text for text, _, _ in BINDS] + [
    text for text, _ in EVALUATIONS]


def _parse_or_error(text: str) -> Expr | None:
    try:
        return parse(text)
    except ExprSyntaxError as error:
        assert 0 <= error.offset <= len(text)
        assert error.message
        return None


@given(st.text(max_size=200))
@settings(max_examples=500)
def test_arbitrary_text_parses_or_raises_syntax_error(text: str) -> None:
    _parse_or_error(text)


_ALPHABET = st.sampled_from(list("()[],.+-*/<>=!&|\"'\\ \n_aZ09") + [
    "and", "or", "not", "in", "->", "sum", "count", "option", "selected", "for", " ", "min"])


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(_ALPHABET)
        if action == "insert":
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + 1:]
        else:
            text = text[:position] + piece + text[position + 1:]
    return text


@given(mutated())
@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
def test_mutations_parse_bind_and_evaluate_safely(text: str) -> None:
    expr = _parse_or_error(text)
    if expr is None:
        return
    assert parse(unparse(expr)) == expr
    bound, issues = bind(expr, SCOPE)
    assert (bound is None) == bool(issues)
    if bound is not None:
        names_used(bound)
        evaluate(bound, VIEW)


_IDENT = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS)
_NUMBER = st.builds(lambda n, p: Number(Decimal(n).scaleb(-p)), st.integers(0, 10**9),
                    st.integers(0, 4))
_LITERAL = st.one_of(_NUMBER, st.builds(String, st.text(max_size=8)), st.builds(Boolean,
                                                                                st.booleans()))
_ITEM = st.one_of(_LITERAL, st.builds(lambda s: Name((s,)), _IDENT),
                  st.builds(lambda n: Unary("-", n), _NUMBER))
_LEAF = st.one_of(
    _LITERAL,
    st.builds(lambda parts: Name(tuple(parts)), st.lists(_IDENT, min_size=1, max_size=2)),
    st.builds(Aggregate, st.just("sum"), _IDENT,
              st.one_of(st.none(), st.lists(_IDENT, min_size=1, max_size=3).map(tuple))),
    st.builds(Aggregate, st.just("count"), st.none(),
              st.one_of(st.none(), st.lists(_IDENT, min_size=1, max_size=3).map(tuple))),
)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Unary, st.just("-"), children),
        st.builds(Not, children),
        st.builds(Binary, st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.builds(Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), children,
                  children),
        st.builds(Logic, st.sampled_from(["and", "or", "implies"]), children, children),
        st.builds(In, children, st.lists(_ITEM, min_size=1, max_size=3).map(tuple),
                  st.booleans()),
        st.builds(lambda fn, a, b: Call(fn, (a, b)), st.sampled_from(["min", "max"]), children,
                  children),
        st.builds(lambda a: Call("abs", (a,)), children),
    )


EXPRS = st.recursive(_LEAF, _extend, max_leaves=25)


@given(EXPRS)
@settings(max_examples=1000)
def test_generated_trees_round_trip(expr: Expr) -> None:
    text = unparse(expr)
    assert parse(text) == expr, text
    assert unparse(parse(text)) == text
