"""The rule language: tokenizer, parser, type checker and evaluator.

Rule text comes from user files, so it is treated as hostile: it is read by a hand-written
tokenizer and a Pratt parser (never ``eval``), its length and nesting are bounded, and every bad
input raises :class:`ExprSyntaxError` with the 0-based offset of the problem.

The pipeline is ``parse`` (text -> raw :data:`Expr`), ``bind`` (raw AST + :class:`Scope` -> typed
:data:`Bound` AST plus every :class:`ExprIssue` found) and ``evaluate`` (bound AST +
:class:`ConfigurationView` -> value). ``unparse`` turns a raw AST back into text.

Precedence, weakest first: ``implies``/``->`` (right-associative), ``or``, ``and``, ``not``,
comparisons and ``in``/``not in`` (non-associative), ``+ -``, ``* /``, unary ``-``, atoms.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import ClassVar, Literal, NoReturn, Protocol, TypeAlias

from .problems import did_you_mean

__all__ = [
    "KEYWORDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Aggregate", "Binary", "Boolean", "Call", "Compare", "Expr", "In", "Logic", "Name", "Not",
    "Number", "String", "Unary",
    "And", "AnySelected", "Arith", "AttributeOf", "Bound", "BoolNot", "Cmp", "Const", "CountOf",
    "Func", "Implies", "ModuleValue", "Neg", "OptionIn", "OptionSelected", "Or", "SumOf",
    "ValueIn",
    "ConfigurationView", "ExprIssue", "ExprSyntaxError", "ModuleKind", "Scope", "SimpleScope",
    "Type", "Value",
    "bind", "check", "evaluate", "names_used", "parse", "unparse",
]  # fmt: skip

#: Longest rule text accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting accepted: levels of the syntax tree, and levels of brackets.
MAX_DEPTH = 100
#: Words that cannot be module, option or attribute ids.
KEYWORDS = frozenset(
    {"and", "or", "not", "implies", "in", "true", "false", "sum", "count", "selected", "option",
     "for", "none", "min", "max", "abs"}
)  # fmt: skip

Type: TypeAlias = Literal["number", "string", "bool"]
ModuleKind: TypeAlias = Literal["single", "multi", "integer"]
Value: TypeAlias = Decimal | str | bool
Span: TypeAlias = tuple[int, int]

_NO_SPAN: Span = (0, 0)
_TYPE_WORDS: dict[str, str] = {"number": "a number", "string": "a string", "bool": "true/false"}
# Exact, context-independent decimal arithmetic for evaluation.
_DECIMAL = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero,
                                                             Overflow])


class ExprSyntaxError(ValueError):
    """Rule text that cannot be parsed. ``offset`` is the 0-based index of the problem."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message, offset)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.message} (at offset {self.offset})"

    @property
    def issue(self) -> ExprIssue:
        """This error as an X401 issue."""
        return ExprIssue("X401", self.message, self.offset)


@dataclass(frozen=True, slots=True)
class ExprIssue:
    """A problem found in an expression: a problem code, and the offset in the rule text."""

    code: str
    message: str
    offset: int
    suggestion: str | None = None


# ---------------------------------------------------------------------------------------------
# The raw syntax tree. ``span`` is (start, end) in the text; equality ignores it.


@dataclass(frozen=True, slots=True)
class Number:
    """A number literal such as ``42`` or ``0.5`` (never negative: ``-1`` is a Unary)."""

    value: Decimal
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class String:
    """A string literal."""

    value: str
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Boolean:
    """``true`` or ``false``."""

    value: bool
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A name: ``frame``, ``frame.cargo_long``, ``frame.weight_kg``."""

    parts: tuple[str, ...]
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Unary:
    """Unary minus."""

    op: Literal["-"]
    operand: Expr
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    """Arithmetic: ``+ - * /``."""

    op: Literal["+", "-", "*", "/"]
    left: Expr
    right: Expr
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Compare:
    """A comparison: ``== != < <= > >=``."""

    op: Literal["==", "!=", "<", "<=", ">", ">="]
    left: Expr
    right: Expr
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Logic:
    """``and``, ``or``, ``implies`` (also written ``->``)."""

    op: Literal["and", "or", "implies"]
    left: Expr
    right: Expr
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    """``not``."""

    operand: Expr
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class In:
    """``subject in [a, b]`` / ``subject not in [...]``. Items are 1-part Names or literals."""

    subject: Expr
    items: tuple[Expr, ...]
    negated: bool = False
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """``min(a, b)``, ``max(a, b)``, ``abs(a)``."""

    fn: Literal["min", "max", "abs"]
    args: tuple[Expr, ...]
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``sum(option.ATTR for selected [in M, ...])`` or ``count(selected [in M, ...])``.

    ``modules`` is None when no ``in`` list is given (all modules). ``name_offsets`` holds the
    text offsets of the attribute (for sum) and of each module name, for precise messages.
    """

    fn: Literal["sum", "count"]
    attribute: str | None
    modules: tuple[str, ...] | None
    span: Span = field(default=_NO_SPAN, compare=False)
    name_offsets: tuple[int, ...] = field(default=(), compare=False)


Expr: TypeAlias = (
    Number | String | Boolean | Name | Unary | Binary | Compare | Logic | Not | In | Call
    | Aggregate
)


# ---------------------------------------------------------------------------------------------
# Tokenizer

_IDENT_START = frozenset(string.ascii_letters + "_")
_IDENT_CHARS = _IDENT_START | frozenset(string.digits)
_DIGITS = frozenset(string.digits)
_SPACE = frozenset(" \t\r\n")
_OPS2 = frozenset({"==", "!=", "<=", ">=", "->"})
_OPS1 = frozenset("()[],+-*/<>")
_BAD2 = {
    "&&": "'&&' is not an operator; use 'and'",
    "||": "'||' is not an operator; use 'or'",
    "<>": "'<>' is not an operator; use '!='",
    "**": "'**' is not an operator; multiply instead, as in 'a * a'",
    "=<": "'=<' is not an operator; did you mean '<='?",
    "=>": "'=>' is not an operator; use '>=' for 'at least', or 'implies'",
}
_BAD1 = {
    "=": "'=' is not an operator; did you mean '=='?",
    "!": "'!' is not an operator; use 'not'",
    "&": "'&' is not an operator; use 'and'",
    "|": "'|' is not an operator; use 'or'",
    "%": "'%' is not an operator",
    "^": "'^' is not an operator",
    ".": "unexpected '.'; names are written MODULE.OPTION, without spaces",
}
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n"}


@dataclass(slots=True)
class _Token:  # not frozen: tokens are many and short-lived, and frozen init is slower
    kind: Literal["num", "str", "name", "kw", "op", "end"]
    text: str  # the source text of the token
    start: int
    end: int
    value: Decimal | str | tuple[str, ...] | None = None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c, pair = text[i], text[i : i + 2]
        if c in _SPACE:
            i += 1
            continue
        if c in _IDENT_START:
            token = _name_token(text, i)
        elif c in _DIGITS:
            token = _number_token(text, i)
        elif c in "\"'":
            token = _string_token(text, i)
        elif pair in _OPS2:
            token = _Token("op", pair, i, i + 2)
        elif c == "." and text[i + 1 : i + 2] in _DIGITS:
            raise ExprSyntaxError("write decimals with a leading digit, as in 0.5", i)
        elif pair in _BAD2 or c in _BAD1:
            raise ExprSyntaxError(_BAD2.get(pair) or _BAD1[c], i)
        elif c in _OPS1:
            token = _Token("op", c, i, i + 1)
        elif c in "\u201c\u201d\u2018\u2019":
            raise ExprSyntaxError("curly quote; use straight quotes \" or '", i)
        else:
            raise ExprSyntaxError(f"unexpected character {c!r}", i)
        tokens.append(token)
        i = token.end
    tokens.append(_Token("end", "", n, n))
    return tokens


def _name_token(text: str, start: int) -> _Token:
    parts: list[str] = []
    i, n = start, len(text)
    while True:
        j = i
        while j < n and text[j] in _IDENT_CHARS:
            j += 1
        part = text[i:j]
        dotted = bool(parts) or (j < n and text[j] == ".")
        if part in KEYWORDS and dotted and (parts or part != "option"):  # sum reads option.ATTR
            raise ExprSyntaxError(f"'{part}' is a keyword and cannot be used as a name", i)
        parts.append(part)
        i = j
        if i < n and text[i] == ".":
            if i + 1 < n and text[i + 1] in _IDENT_START:
                i += 1
                continue
            raise ExprSyntaxError("expected a name after '.'", i + 1)
        break
    kind: Literal["name", "kw"] = "kw" if len(parts) == 1 and parts[0] in KEYWORDS else "name"
    return _Token(kind, text[start:i], start, i, tuple(parts))


def _number_token(text: str, start: int) -> _Token:
    i, n = start, len(text)
    while i < n and text[i] in _DIGITS:
        i += 1
    if i < n and text[i] == ".":
        if not (i + 1 < n and text[i + 1] in _DIGITS):
            raise ExprSyntaxError("expected a digit after the decimal point", i + 1)
        i += 1
        while i < n and text[i] in _DIGITS:
            i += 1
    if i < n and text[i] in "eE":
        raise ExprSyntaxError("numbers are written without exponents (1000, not 1e3)", i)
    if i < n and text[i] in _IDENT_CHARS:
        raise ExprSyntaxError("a number cannot be followed directly by a letter", i)
    if i < n and text[i] == ".":
        raise ExprSyntaxError("unexpected '.' after a number", i)
    return _Token("num", text[start:i], start, i, Decimal(text[start:i]))


def _string_token(text: str, start: int) -> _Token:
    quote, i, n = text[start], start + 1, len(text)
    chars: list[str] = []
    while True:
        if i >= n:
            raise ExprSyntaxError("unterminated string", start)
        c = text[i]
        if c == quote:
            return _Token("str", text[start : i + 1], start, i + 1, "".join(chars))
        if c == "\\":
            if i + 1 >= n:
                raise ExprSyntaxError("unterminated string", start)
            escaped = _ESCAPES.get(text[i + 1])
            if escaped is None:
                raise ExprSyntaxError(
                    f"unknown escape '\\{text[i + 1]}' in a string; use \\\", \\', \\\\ or \\n", i
                )
            chars.append(escaped)
            i += 2
        else:
            chars.append(c)
            i += 1


# ---------------------------------------------------------------------------------------------
# Parser (Pratt). Binding powers: an infix operator continues the expression while its power
# is above the caller's minimum.

_IMPLIES_BP, _OR_BP, _AND_BP, _NOT_BP, _CMP_BP, _ADD_BP, _MUL_BP = 10, 20, 30, 30, 50, 60, 70
_UNARY_BP = 70  # the operand of unary minus stops before * and /
_INFIX_BP = {
    "->": _IMPLIES_BP, "implies": _IMPLIES_BP, "or": _OR_BP, "and": _AND_BP,
    "==": _CMP_BP, "!=": _CMP_BP, "<": _CMP_BP, "<=": _CMP_BP, ">": _CMP_BP, ">=": _CMP_BP,
    "in": _CMP_BP, "not in": _CMP_BP, "+": _ADD_BP, "-": _ADD_BP, "*": _MUL_BP, "/": _MUL_BP,
}  # fmt: skip
_TOO_DEEP = f"expression is nested too deeply (more than {MAX_DEPTH} levels)"
_SUM_USAGE = "sum(option.ATTRIBUTE for selected [in MODULE, ...])"
_COUNT_USAGE = "count(selected [in MODULE, ...])"


def parse(text: str) -> Expr:
    """Parse rule text into a raw syntax tree. Raises :class:`ExprSyntaxError`."""
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError(f"expression too long (more than {MAX_LENGTH} characters)",
                              MAX_LENGTH)
    parser = _Parser(_tokenize(text))
    try:
        return parser.parse()
    except RecursionError:  # a safety net; the depth limits normally stop well before this
        raise ExprSyntaxError(_TOO_DEEP, parser.tok.start) from None


def _describe(t: _Token) -> str:
    if t.kind == "end":
        return "end of expression"
    shown = t.text if len(t.text) <= 30 else t.text[:27] + "..."
    return f"string {shown}" if t.kind == "str" else f"'{shown}'"


def _hint(t: _Token) -> str:
    if t.kind == "name" and t.text.lower() in KEYWORDS:
        return f"; keywords are lowercase: '{t.text.lower()}'"
    return ""


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.active = 0  # expression() calls in progress
        self.brackets = 0  # open parentheses

    @property
    def tok(self) -> _Token:
        return self.tokens[self.pos]

    def peek(self) -> _Token:
        return self.tokens[min(self.pos + 1, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        t = self.tokens[self.pos]
        if t.kind != "end":
            self.pos += 1
        return t

    def at(self, kind: str, *texts: str) -> bool:
        return self.tok.kind == kind and (not texts or self.tok.text in texts)

    @staticmethod
    def fail(message: str, offset: int) -> NoReturn:
        raise ExprSyntaxError(message, offset)

    def unexpected(self) -> NoReturn:
        t = self.tok
        if t.kind == "end":
            self.fail("unexpected end of expression; expected a value", t.start)
        if t.kind == "op" and t.text == ")":
            self.fail("unexpected ')' without a matching '('", t.start)
        self.fail(f"unexpected {_describe(t)}{_hint(t)}", t.start)

    def expect_close(self, close: str, opener: _Token, alternative: str = "") -> _Token:
        if not self.at("op", close):
            t = self.tok
            expected = f"',' or '{close}'" if alternative else f"'{close}'"
            self.fail(f"expected {expected} to close '{opener.text}' at {opener.start}{_hint(t)}",
                      t.start)
        return self.advance()

    def parse(self) -> Expr:
        if self.tok.kind == "end":
            self.fail("empty expression", 0)
        expr, _ = self.expression(0)
        if not self.at("end"):
            self.unexpected()
        return expr

    def infix(self) -> str | None:
        t = self.tok
        if t.kind == "op" and t.text in _INFIX_BP:
            return t.text
        if t.kind == "kw" and t.text in ("implies", "or", "and", "in"):
            return t.text
        after = self.peek()
        if t.kind == "kw" and t.text == "not" and after.kind == "kw" and after.text == "in":
            return "not in"
        return None

    def expression(self, min_bp: int) -> tuple[Expr, int]:
        """An expression of operators binding tighter than ``min_bp``, and its tree depth."""
        self.active += 1
        try:
            if self.active > 2 * MAX_DEPTH:
                self.fail(_TOO_DEEP, self.tok.start)
            left, depth = self.prefix(min_bp)
            compared = False
            while (op := self.infix()) is not None and _INFIX_BP[op] > min_bp:
                t = self.advance()
                if op == "not in":
                    self.advance()
                bp = _INFIX_BP[op]
                if bp == _CMP_BP and compared:
                    self.fail("comparisons cannot be chained; join them with 'and'", t.start)
                compared = bp == _CMP_BP
                if op in ("in", "not in"):
                    items, right_depth = self.items()
                    end = self.tokens[self.pos - 1].end
                    left = In(left, items, op == "not in", (left.span[0], end))
                else:
                    right, right_depth = self.expression(bp - 1 if bp == _IMPLIES_BP else bp)
                    left = _infix_node(op, left, right)
                depth = 1 + max(depth, right_depth)
                if depth > MAX_DEPTH:
                    self.fail(_TOO_DEEP, t.start)
            return left, depth
        finally:
            self.active -= 1

    def literal(self) -> Number | String | Boolean | None:
        """The literal at the current token (consumed), or None when it is not one."""
        t = self.tok
        span = (t.start, t.end)
        if t.kind == "num" and isinstance(t.value, Decimal):
            literal: Number | String | Boolean = Number(t.value, span)
        elif t.kind == "str" and isinstance(t.value, str):
            literal = String(t.value, span)
        elif t.kind == "kw" and t.text in ("true", "false"):
            literal = Boolean(t.text == "true", span)
        else:
            return None
        self.advance()
        return literal

    def prefix(self, min_bp: int) -> tuple[Expr, int]:
        if (literal := self.literal()) is not None:
            return literal, 1
        t = self.tok
        if t.kind == "name" and isinstance(t.value, tuple):
            if t.value[0] == "option":
                self.fail(f"'option' can only be used inside {_SUM_USAGE}", t.start)
            if self.peek().text == "(" and len(t.value) == 1:
                self.fail(f"unknown function '{t.text}'; the functions are min, max, abs, sum "
                          "and count", t.start)
            self.advance()
            return Name(t.value, (t.start, t.end)), 1
        if t.kind == "op" and t.text == "(":
            self.advance()
            self.brackets += 1
            if self.brackets > MAX_DEPTH:
                self.fail(_TOO_DEEP, t.start)
            inner, depth = self.expression(0)
            close = self.expect_close(")", t)
            self.brackets -= 1
            return replace(inner, span=(t.start, close.end)), depth
        if t.kind == "op" and t.text == "-":
            self.advance()
            operand, depth = self.expression(_UNARY_BP)
            return self.checked(Unary("-", operand, (t.start, operand.span[1])), depth + 1)
        if t.kind == "kw":
            if t.text == "not":
                if min_bp > _NOT_BP:
                    self.fail("'not' must be put in parentheses here, as in 'a == (not b)'",
                              t.start)
                self.advance()
                operand, depth = self.expression(_NOT_BP)
                return self.checked(Not(operand, (t.start, operand.span[1])), depth + 1)
            if t.text in ("min", "max", "abs"):
                return self.call()
            if t.text in ("sum", "count"):
                return self.aggregate(), 1
            if t.text == "option":
                self.fail(f"'option' can only be used inside {_SUM_USAGE}", t.start)
            if t.text == "none":
                self.fail("'none' is not a value here; to test that nothing is selected in a "
                          "module, write 'not MODULE'", t.start)
        if t.kind == "op" and t.text == "[":
            self.fail("a list [...] can only follow 'in' or 'not in'", t.start)
        self.unexpected()

    def checked(self, node: Expr, depth: int) -> tuple[Expr, int]:
        if depth > MAX_DEPTH:
            self.fail(_TOO_DEEP, node.span[0])
        return node, depth

    def call(self) -> tuple[Expr, int]:
        fn_token = self.advance()
        fn: Literal["min", "max", "abs"] = (
            "min" if fn_token.text == "min" else "max" if fn_token.text == "max" else "abs"
        )
        if not self.at("op", "("):
            self.fail(f"expected '(' after '{fn}'", self.tok.start)
        opener = self.advance()
        self.brackets += 1
        if self.brackets > MAX_DEPTH:
            self.fail(_TOO_DEEP, opener.start)
        args: list[Expr] = []
        depth = 0
        while not (not args and self.at("op", ")")):
            arg, arg_depth = self.expression(0)
            args.append(arg)
            depth = max(depth, arg_depth)
            if not self.at("op", ","):
                break
            self.advance()
        close = self.expect_close(")", opener, alternative=",")
        self.brackets -= 1
        arity = 1 if fn == "abs" else 2
        if len(args) != arity:
            self.fail(f"{fn}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(args)}",
                      fn_token.start)
        return self.checked(Call(fn, tuple(args), (fn_token.start, close.end)), depth + 1)

    def aggregate(self) -> Aggregate:
        fn_token = self.advance()
        fn: Literal["sum", "count"] = "sum" if fn_token.text == "sum" else "count"
        usage = _SUM_USAGE if fn == "sum" else _COUNT_USAGE

        def expect(ok: bool, what: str) -> _Token:
            if not ok:
                self.fail(f"expected {what} in {usage}", self.tok.start)
            return self.advance()

        expect(self.at("op", "("), "'('")
        attribute: str | None = None
        offsets: list[int] = []
        if fn == "sum":
            t = self.tok
            ok = t.kind == "name" and isinstance(t.value, tuple) and len(t.value) == 2
            expect(ok and t.text.startswith("option."), "'option.ATTRIBUTE'")
            attribute = t.text[len("option.") :]
            offsets.append(t.start + len("option."))
            expect(self.at("kw", "for"), "'for'")
        expect(self.at("kw", "selected"), "'selected'")
        modules: list[str] | None = None
        if self.at("kw", "in"):
            self.advance()
            modules = []
            while True:
                t = expect(self.at("name") and "." not in self.tok.text, "a module name")
                modules.append(t.text)
                offsets.append(t.start)
                if not self.at("op", ","):
                    break
                self.advance()
        close = expect(self.at("op", ")"), "',' or ')'" if modules else "')'")
        return Aggregate(fn, attribute, None if modules is None else tuple(modules),
                         (fn_token.start, close.end), tuple(offsets))

    def items(self) -> tuple[tuple[Expr, ...], int]:
        if not self.at("op", "["):
            self.fail("expected '[' after 'in'; write a list such as [a, b]", self.tok.start)
        opener = self.advance()
        items: list[Expr] = []
        depth = 1
        while True:
            t = self.tok
            if (literal := self.literal()) is not None:
                items.append(literal)
            elif t.kind == "name" and isinstance(t.value, tuple) and len(t.value) == 1:
                items.append(Name(t.value, (t.start, t.end)))
                self.advance()
            elif t.kind == "op" and t.text == "-" and self.peek().kind == "num":
                self.advance()
                number = self.literal()
                assert number is not None
                items.append(Unary("-", number, (t.start, number.span[1])))
                depth = 2
            elif t.kind == "op" and t.text == "]" and not items:
                self.fail("empty list; list at least one item", t.start)
            elif t.kind == "end":
                self.fail(f"expected ']' to close '[' at {opener.start}", t.start)
            else:
                self.fail(f"expected an option name or a literal in the list, got {_describe(t)}",
                          t.start)
            if not self.at("op", ","):
                break
            self.advance()
        self.expect_close("]", opener, alternative=",")
        return tuple(items), depth


def _infix_node(op: str, left: Expr, right: Expr) -> Expr:
    span = (left.span[0], right.span[1])
    match op:
        case "->" | "implies":
            return Logic("implies", left, right, span)
        case "and" | "or":
            return Logic(op, left, right, span)
        case "+" | "-" | "*" | "/":
            return Binary(op, left, right, span)
        case "==" | "!=" | "<" | "<=" | ">" | ">=":
            return Compare(op, left, right, span)
    raise AssertionError(op)


# ---------------------------------------------------------------------------------------------
# Unparsing: minimal parentheses, so that parse(unparse(e)) == e.

_ATOM = 9


def _precedence(e: Expr) -> int:
    if isinstance(e, Logic):
        return {"implies": 1, "or": 2, "and": 3}[e.op]
    if isinstance(e, Not):
        return 4
    if isinstance(e, Compare | In):
        return 5
    if isinstance(e, Binary):
        return 6 if e.op in "+-" else 7
    if isinstance(e, Unary) or (isinstance(e, Number) and e.value < 0):
        return 8
    return _ATOM


def unparse(expr: Expr) -> str:
    """Rule text for a raw syntax tree; ``parse(unparse(e)) == e`` for parsed trees."""

    def sub(e: Expr, min_precedence: int) -> str:
        text = unparse(e)
        return text if _precedence(e) >= min_precedence else f"({text})"

    match expr:
        case Number(value=value):
            if not value.is_finite():
                raise ValueError(f"not a finite number: {value}")
            return format(value, "f")
        case String(value=value):
            escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            return f'"{escaped}"'
        case Boolean(value=value):
            return "true" if value else "false"
        case Name(parts=parts):
            return ".".join(parts)
        case Unary(operand=operand):
            return "-" + sub(operand, 8)
        case Not(operand=operand):
            return "not " + sub(operand, 4)
        case Logic(op="implies", left=left, right=right):
            return f"{sub(left, 2)} implies {sub(right, 1)}"
        case Logic(op=op, left=left, right=right):
            level = _precedence(expr)
            return f"{sub(left, level)} {op} {sub(right, level + 1)}"
        case Binary(op=op, left=left, right=right) | Compare(op=op, left=left, right=right):
            level = _precedence(expr)
            right_level = 6 if level == 5 else level + 1
            return f"{sub(left, 6 if level == 5 else level)} {op} {sub(right, right_level)}"
        case In(subject=subject, items=items, negated=negated):
            listed = ", ".join(unparse(item) for item in items)
            return f"{sub(subject, 6)} {'not in' if negated else 'in'} [{listed}]"
        case Call(fn=fn, args=args):
            return f"{fn}({', '.join(unparse(a) for a in args)})"
        case Aggregate(fn=fn, attribute=attribute, modules=modules):
            head = f"option.{attribute} for selected" if fn == "sum" else "selected"
            tail = f" in {', '.join(modules)}" if modules else ""
            return f"{fn}({head}{tail})"
    raise TypeError(f"not an expression node: {expr!r}")


# ---------------------------------------------------------------------------------------------
# Scopes: what names mean


class Scope(Protocol):
    """The modules, options and attributes that names in an expression refer to."""

    def module_kind(self, module: str) -> ModuleKind | None:
        """The module's kind, or None when there is no such module."""

    def module_ids(self) -> Iterable[str]:
        """Every module id."""

    def option_ids(self, module: str) -> Iterable[str]:
        """The option ids of a single- or multi-select module."""

    def attribute_type(self, name: str) -> Type | None:
        """The attribute's type, or None when there is no such attribute."""

    def attribute_ids(self) -> Iterable[str]:
        """Every attribute id."""


@dataclass(frozen=True)
class SimpleScope:
    """A :class:`Scope` from plain mappings: module -> (kind, option ids), attribute -> type."""

    modules: Mapping[str, tuple[ModuleKind, tuple[str, ...]]]
    attributes: Mapping[str, Type]

    def module_kind(self, module: str) -> ModuleKind | None:
        """The module's kind, or None when there is no such module."""
        entry = self.modules.get(module)
        return entry[0] if entry else None

    def module_ids(self) -> Iterable[str]:
        """Every module id, in declaration order."""
        return tuple(self.modules)

    def option_ids(self, module: str) -> Iterable[str]:
        """The module's option ids (none for integer or unknown modules)."""
        entry = self.modules.get(module)
        return entry[1] if entry else ()

    def attribute_type(self, name: str) -> Type | None:
        """The attribute's type, or None when there is no such attribute."""
        return self.attributes.get(name)

    def attribute_ids(self) -> Iterable[str]:
        """Every attribute id."""
        return tuple(self.attributes)


# ---------------------------------------------------------------------------------------------
# The bound (typed) syntax tree. Every node has a ``type``; equality ignores ``span``.


@dataclass(frozen=True, slots=True)
class Const:
    """A literal value."""

    value: Value
    type: Type
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class OptionSelected:
    """``M.O``: option O of single/multi module M is selected."""

    module: str
    option: str
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "bool"


@dataclass(frozen=True, slots=True)
class AnySelected:
    """``M``: anything is selected in single/multi module M."""

    module: str
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "bool"


@dataclass(frozen=True, slots=True)
class OptionIn:
    """``M in [O1, O2]``: one of these options of M is selected (negated: none of them is)."""

    module: str
    options: tuple[str, ...]
    negated: bool
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "bool"


@dataclass(frozen=True, slots=True)
class AttributeOf:
    """``M.a``: attribute a of the option selected in single-select M (its default if none)."""

    module: str
    attribute: str
    type: Type
    span: Span = field(default=_NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class ModuleValue:
    """``M``: the value of integer module M."""

    module: str
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "number"


@dataclass(frozen=True, slots=True)
class ValueIn:
    """``x in [v1, v2]``: a value is (negated: is not) one of these literals."""

    subject: Bound
    values: tuple[Value, ...]
    negated: bool
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "bool"


@dataclass(frozen=True, slots=True)
class SumOf:
    """A number attribute summed over the selected options of these single/multi modules."""

    attribute: str
    modules: tuple[str, ...]
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "number"


@dataclass(frozen=True, slots=True)
class CountOf:
    """How many options are selected in these single/multi modules."""

    modules: tuple[str, ...]
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "number"


@dataclass(frozen=True, slots=True)
class Arith:
    """``+ - * /`` on numbers. For ``/``, ``right`` is always a non-zero number Const."""

    op: Literal["+", "-", "*", "/"]
    left: Bound
    right: Bound
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "number"


@dataclass(frozen=True, slots=True)
class Neg:
    """Unary minus."""

    operand: Bound
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "number"


@dataclass(frozen=True, slots=True)
class Func:
    """``min(a, b)``, ``max(a, b)``, ``abs(a)``."""

    fn: Literal["min", "max", "abs"]
    args: tuple[Bound, ...]
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "number"


@dataclass(frozen=True, slots=True)
class Cmp:
    """A comparison; both sides have the same type (numbers for ``< <= > >=``)."""

    op: Literal["==", "!=", "<", "<=", ">", ">="]
    left: Bound
    right: Bound
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "bool"


@dataclass(frozen=True, slots=True)
class And:
    """Both are true."""

    left: Bound
    right: Bound
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "bool"


@dataclass(frozen=True, slots=True)
class Or:
    """At least one is true."""

    left: Bound
    right: Bound
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "bool"


@dataclass(frozen=True, slots=True)
class Implies:
    """``left`` false, or ``right`` true."""

    left: Bound
    right: Bound
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "bool"


@dataclass(frozen=True, slots=True)
class BoolNot:
    """Logical not."""

    operand: Bound
    span: Span = field(default=_NO_SPAN, compare=False)
    type: ClassVar[Type] = "bool"


Bound: TypeAlias = (
    Const | OptionSelected | AnySelected | OptionIn | AttributeOf | ModuleValue | ValueIn | SumOf
    | CountOf | Arith | Neg | Func | Cmp | And | Or | Implies | BoolNot
)


# ---------------------------------------------------------------------------------------------
# Binding and type checking


def bind(
    expr: Expr, scope: Scope, expected: Type | None = None
) -> tuple[Bound | None, list[ExprIssue]]:
    """Resolve names and check types. Returns the bound tree (None if any issue) and all issues."""
    binder = _Binder(scope)
    bound = binder.bind(expr)
    if bound is not None and expected is not None and bound.type != expected:
        what = {"bool": "a condition", "number": "a formula", "string": "a text"}[expected]
        binder.error("X402", f"{what} must be {_TYPE_WORDS[expected]}, got "
                     f"{_TYPE_WORDS[bound.type]}", expr.span[0])
    return (None if binder.issues else bound), binder.issues


def check(
    text: str, scope: Scope, expected: Type | None = None
) -> tuple[Bound | None, list[ExprIssue]]:
    """``parse`` then ``bind``; a syntax error becomes an X401 issue."""
    try:
        expr = parse(text)
    except ExprSyntaxError as error:
        return None, [error.issue]
    return bind(expr, scope, expected)


def _part_offset(name: Name, index: int) -> int:
    return name.span[0] + sum(len(part) + 1 for part in name.parts[:index])


def _literal(e: Expr) -> Const | None:
    """A literal (or a negated number literal) as a Const."""
    if isinstance(e, Number):
        return Const(e.value, "number", e.span)
    if isinstance(e, Unary) and isinstance(e.operand, Number):
        return Const(e.operand.value.copy_negate(), "number", e.span)
    if isinstance(e, String):
        return Const(e.value, "string", e.span)
    if isinstance(e, Boolean):
        return Const(e.value, "bool", e.span)
    return None


class _Binder:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.issues: list[ExprIssue] = []

    def error(self, code: str, message: str, offset: int, suggestion: str | None = None) -> None:
        self.issues.append(ExprIssue(code, message, offset, suggestion))

    def need(self, bound: Bound | None, type_: Type, what: str) -> bool:
        """Whether ``bound`` has ``type_``; reports X402 if it has another type."""
        if bound is None:
            return False
        if bound.type != type_:
            self.error("X402", f"{what} needs {_TYPE_WORDS[type_]}, got {_TYPE_WORDS[bound.type]}",
                       bound.span[0])
            return False
        return True

    def bind(self, e: Expr) -> Bound | None:
        match e:
            case Number() | String() | Boolean():
                return _literal(e)
            case Name():
                return self.name(e)
            case Unary(operand=operand):
                literal = _literal(e)
                if literal is not None:
                    return literal
                bound = self.bind(operand)
                return Neg(bound, e.span) if bound and self.need(bound, "number", "'-'") else None
            case Binary(op=op, left=left, right=right):
                lb, rb = self.bind(left), self.bind(right)
                ok = self.need(lb, "number", f"'{op}'") & self.need(rb, "number", f"'{op}'")
                if ok and op == "/" and not (isinstance(rb, Const) and rb.value != 0):
                    self.error("X403", "divide only by a non-zero number literal", right.span[0])
                    return None
                return Arith(op, lb, rb, e.span) if ok and lb and rb else None
            case Compare():
                return self.compare(e)
            case Logic(op=op, left=left, right=right):
                lb, rb = self.bind(left), self.bind(right)
                if not (self.need(lb, "bool", f"'{op}'") & self.need(rb, "bool", f"'{op}'")):
                    return None
                assert lb is not None and rb is not None
                node = And if op == "and" else Or if op == "or" else Implies
                return node(lb, rb, e.span)
            case Not(operand=operand):
                bound = self.bind(operand)
                if bound is None or not self.need(bound, "bool", "'not'"):
                    return None
                return BoolNot(bound, e.span)
            case In():
                return self.in_list(e)
            case Call(fn=fn, args=args):
                bound_args = [self.bind(a) for a in args]
                ok = all([self.need(b, "number", f"{fn}()") for b in bound_args])
                arity = 1 if fn == "abs" else 2
                if len(args) != arity:
                    self.error("X402", f"{fn}() takes {arity} argument(s), got {len(args)}",
                               e.span[0])
                    return None
                return Func(fn, tuple(b for b in bound_args if b), e.span) if ok else None
            case Aggregate():
                return self.aggregate(e)
        raise TypeError(f"not an expression node: {e!r}")

    def module(self, name: str, offset: int) -> ModuleKind | None:
        """The kind of module ``name``; reports R301 when there is no such module."""
        kind = self.scope.module_kind(name)
        if kind is None:
            message = f"unknown module '{name}'"
            if self.scope.attribute_type(name) is not None:
                message += (f" ('{name}' is an attribute: write MODULE.{name}, or "
                            f"sum(option.{name} for selected))")
            suggestion = did_you_mean(name, self.scope.module_ids())
            if suggestion is None and name.lower() in ("true", "false"):
                suggestion = f"did you mean '{name.lower()}'?"
            self.error("R301", message, offset, suggestion)
        return kind

    def name(self, e: Name) -> Bound | None:
        start = e.span[0]
        if len(e.parts) > 2 or not e.parts:
            self.error("X403", f"'{'.'.join(e.parts)}' is not a valid reference; write MODULE, "
                       "MODULE.OPTION or MODULE.ATTRIBUTE", start)
            return None
        module = e.parts[0]
        kind = self.module(module, start)
        if kind is None:
            return None
        if len(e.parts) == 1:
            return ModuleValue(module, e.span) if kind == "integer" else AnySelected(module, e.span)
        member = e.parts[1]
        if kind == "integer":
            self.error("X403", f"module '{module}' is an integer parameter with no options or "
                       f"attributes; write '{module}' for its value", start)
            return None
        if member in self.scope.option_ids(module):
            return OptionSelected(module, member, e.span)
        attribute_type = self.scope.attribute_type(member)
        if attribute_type is None:
            candidates = [*self.scope.option_ids(module), *self.scope.attribute_ids()]
            self.error("R302", f"unknown option or attribute '{member}' of module '{module}'",
                       _part_offset(e, 1), did_you_mean(member, candidates))
            return None
        if kind == "multi":
            if attribute_type == "number":
                message = (f"module '{module}' is multi-select; use sum(option.{member} for "
                           f"selected in {module})")
            else:
                message = f"module '{module}' is multi-select, so '{module}.{member}' has no " \
                          "single value"
            self.error("X403", message, start)
            return None
        return AttributeOf(module, member, attribute_type, e.span)

    def compare(self, e: Compare) -> Bound | None:
        if e.op in ("==", "!=") and (hint := self.option_compared(e.left, e.right)):
            self.error("X402", hint, e.span[0])
            return None
        lb, rb = self.bind(e.left), self.bind(e.right)
        if lb is None or rb is None:
            return None
        if e.op in ("==", "!="):
            if lb.type != rb.type:
                self.error("X402", f"'{e.op}' needs two values of the same type, got "
                           f"{_TYPE_WORDS[lb.type]} and {_TYPE_WORDS[rb.type]}", e.span[0])
                return None
        elif not (self.need(lb, "number", f"'{e.op}'") & self.need(rb, "number", f"'{e.op}'")):
            return None
        return Cmp(e.op, lb, rb, e.span)

    def option_compared(self, left: Expr, right: Expr) -> str | None:
        """A hint for ``frame == trapeze_m``, a common mistake."""
        for a, b in ((left, right), (right, left)):
            if (isinstance(a, Name) and isinstance(b, Name) and len(a.parts) == len(b.parts) == 1
                    and self.scope.module_kind(a.parts[0]) in ("single", "multi")
                    and self.scope.module_kind(b.parts[0]) is None
                    and b.parts[0] in self.scope.option_ids(a.parts[0])):
                m, o = a.parts[0], b.parts[0]
                return f"'{m}' is a module and '{o}' one of its options; write '{m}.{o}' or " \
                       f"'{m} in [{o}]'"
        return None

    def in_list(self, e: In) -> Bound | None:
        subject = e.subject
        if isinstance(subject, Name) and len(subject.parts) == 1:
            module = subject.parts[0]
            if self.scope.module_kind(module) in ("single", "multi"):
                return self.option_list(module, e)
        bound = self.bind(subject)
        if bound is None:
            return None
        values: list[Value] = []
        ok = True
        for item in e.items:
            literal = _literal(item)
            if literal is None or literal.type != bound.type:
                ok = False
                got = (f"the name '{unparse(item)}'" if isinstance(item, Name)
                       else _TYPE_WORDS[literal.type] if literal else "an expression")
                suggestion = (f'quote it: "{unparse(item)}"'
                              if bound.type == "string" and isinstance(item, Name) else None)
                self.error("X402", f"expected {_TYPE_WORDS[bound.type]} in the list, got {got}",
                           item.span[0], suggestion)
            elif literal.value not in values:
                values.append(literal.value)
        if not ok:
            return None
        return ValueIn(bound, tuple(values), e.negated, e.span)

    def option_list(self, module: str, e: In) -> Bound | None:
        options: list[str] = []
        known = tuple(self.scope.option_ids(module))
        ok = True
        for item in e.items:
            if isinstance(item, Name) and len(item.parts) == 1 and item.parts[0] in known:
                if item.parts[0] not in options:
                    options.append(item.parts[0])
            elif isinstance(item, Name):
                ok = False
                self.error("R302", f"unknown option '{unparse(item)}' of module '{module}'",
                           item.span[0], did_you_mean(unparse(item), known))
            else:
                ok = False
                self.error("X402", f"expected an option of module '{module}' in the list, got "
                           f"{unparse(item)}", item.span[0])
        return OptionIn(module, tuple(options), e.negated, e.span) if ok else None

    def aggregate(self, e: Aggregate) -> Bound | None:
        def offset(index: int) -> int:
            return e.name_offsets[index] if index < len(e.name_offsets) else e.span[0]

        ok = True
        first_module = 0
        if e.fn == "sum":
            first_module = 1
            attribute = e.attribute or ""
            attribute_type = self.scope.attribute_type(attribute)
            if attribute_type is None:
                ok = False
                self.error("R303", f"unknown attribute '{attribute}'", offset(0),
                           did_you_mean(attribute, self.scope.attribute_ids()))
            elif attribute_type != "number":
                ok = False
                self.error("X402", f"sum() needs a number attribute; '{attribute}' is "
                           f"{_TYPE_WORDS[attribute_type]}", offset(0))
        modules: list[str] = []
        if e.modules is None:
            modules = [m for m in self.scope.module_ids()
                       if self.scope.module_kind(m) in ("single", "multi")]
        for index, module in enumerate(e.modules or ()):
            kind = self.module(module, offset(first_module + index))
            if kind == "integer":
                self.error("X403", f"module '{module}' is an integer parameter; {e.fn}() ranges "
                           "over single- and multi-select modules", offset(first_module + index))
            if kind is None or kind == "integer":
                ok = False
            elif module not in modules:
                modules.append(module)
        if not ok:
            return None
        if e.fn == "sum":
            return SumOf(e.attribute or "", tuple(modules), e.span)
        return CountOf(tuple(modules), e.span)


def names_used(bound: Bound) -> frozenset[tuple[str, str | None]]:
    """Every (module, option or attribute or None) that a bound expression refers to."""
    match bound:
        case OptionSelected(module=module, option=option):
            return frozenset({(module, option)})
        case AnySelected(module=module) | ModuleValue(module=module):
            return frozenset({(module, None)})
        case CountOf(modules=modules):
            return frozenset((m, None) for m in modules)
        case OptionIn(module=module, options=options):
            return frozenset((module, o) for o in options)
        case AttributeOf(module=module, attribute=attribute):
            return frozenset({(module, attribute)})
        case SumOf(attribute=attribute, modules=modules):
            return frozenset((m, attribute) for m in modules)
        case ValueIn(subject=subject) | Neg(operand=subject) | BoolNot(operand=subject):
            return names_used(subject)
        case Arith(left=left, right=right) | Cmp(left=left, right=right) | \
                And(left=left, right=right) | Or(left=left, right=right) | \
                Implies(left=left, right=right):
            return names_used(left) | names_used(right)
        case Func(args=args):
            return frozenset().union(*(names_used(a) for a in args))
    return frozenset()


# ---------------------------------------------------------------------------------------------
# Evaluation


class ConfigurationView(Protocol):
    """A (partial) configuration, as evaluation sees it."""

    def selected(self, module: str) -> frozenset[str]:
        """The options selected in a single- or multi-select module (empty if none)."""

    def value(self, module: str) -> int:
        """The value of an integer module."""

    def attribute(self, module: str, option: str, attribute: str) -> Value:
        """An option's attribute (the attribute's default when the option has none)."""

    def attribute_default(self, attribute: str) -> Value:
        """The attribute's default."""

    def module_ids(self) -> Iterable[str]:
        """All single- and multi-select modules. (``evaluate`` does not need it: ``bind``
        already expands aggregates over all modules.)"""


def _number(value: Value | int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected a number, got {value!r}")
    return Decimal(value)


def evaluate(bound: Bound, view: ConfigurationView) -> Value:
    """The value of a bound expression in a configuration. Numbers are Decimals.

    Arithmetic is exact up to 28 significant digits; an overflow raises ``decimal.Overflow``.
    """
    match bound:
        case Const(value=value):
            return value
        case OptionSelected(module=module, option=option):
            return option in view.selected(module)
        case AnySelected(module=module):
            return bool(view.selected(module))
        case OptionIn(module=module, options=options, negated=negated):
            return bool(view.selected(module) & set(options)) != negated
        case AttributeOf(module=module, attribute=attribute):
            chosen = sorted(view.selected(module))
            if not chosen:
                value = view.attribute_default(attribute)
            else:
                value = view.attribute(module, chosen[0], attribute)
            return _number(value) if bound.type == "number" else value
        case ModuleValue(module=module):
            return Decimal(view.value(module))
        case ValueIn(subject=subject, values=values, negated=negated):
            return (evaluate(subject, view) in values) != negated
        case SumOf(attribute=attribute, modules=modules):
            total = Decimal(0)
            for module in modules:
                for option in sorted(view.selected(module)):
                    total = _DECIMAL.add(total, _number(view.attribute(module, option, attribute)))
            return total
        case CountOf(modules=modules):
            return Decimal(sum(len(view.selected(module)) for module in modules))
        case Arith(op=op, left=left, right=right):
            a, b = _number(evaluate(left, view)), _number(evaluate(right, view))
            operation = {"+": _DECIMAL.add, "-": _DECIMAL.subtract, "*": _DECIMAL.multiply,
                         "/": _DECIMAL.divide}[op]
            return operation(a, b)
        case Neg(operand=operand):
            return _number(evaluate(operand, view)).copy_negate()
        case Func(fn=fn, args=args):
            numbers = [_number(evaluate(a, view)) for a in args]
            if fn == "abs":
                return numbers[0].copy_abs()
            return min(numbers) if fn == "min" else max(numbers)
        case Cmp(op=op, left=left, right=right):
            return _compare(op, evaluate(left, view), evaluate(right, view))
        case And(left=left, right=right):
            return bool(evaluate(left, view)) and bool(evaluate(right, view))
        case Or(left=left, right=right):
            return bool(evaluate(left, view)) or bool(evaluate(right, view))
        case Implies(left=left, right=right):
            return not evaluate(left, view) or bool(evaluate(right, view))
        case BoolNot(operand=operand):
            return not evaluate(operand, view)
    raise TypeError(f"not a bound expression node: {bound!r}")


def _compare(op: str, a: Value, b: Value) -> bool:
    if op == "==":
        return type(a) is type(b) and a == b
    if op == "!=":
        return not (type(a) is type(b) and a == b)
    x, y = _number(a), _number(b)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
