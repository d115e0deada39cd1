"""Typed readers over located YAML nodes, collecting problems instead of raising.

Every reader returns ``None`` (or skips the item) after recording a problem, so one pass over a
file reports everything that is wrong with it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from ._yaml import YMap, YNode, YScalar, YSeq
from .expr import KEYWORDS
from .problems import Position, Problem, Severity, did_you_mean
from .values import Label

T = TypeVar("T")

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
ID_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
TIME_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])\Z")
LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_YAML11_BOOLS = {"yes", "no", "on", "off"}
_TYPE_NAMES = {
    bool: "a boolean", int: "an integer", float: "a number", str: "a string",
    type(None): "null", dt.date: "a date", dt.datetime: "a timestamp",
}


def _kind(node: YNode) -> str:
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    assert isinstance(node, YScalar)
    return _TYPE_NAMES.get(type(node.value), "a value")


def _split_by_comma(key: YScalar, value: YNode) -> bool:
    """A key with no value inside ``{...}``: most likely text cut at an unquoted comma."""
    return (isinstance(value, YScalar) and value.value is None and value.raw == ""
            and key.plain and not NAME_RE.match(key.raw))


#: The file formats bto reads, by the value of their ``format`` key.
FORMAT_NAMES = ("bto-catalog/1", "bto-plant/1", "bto-supply/1", "bto-orders/1",
                "bto-scenario/1", "bto-calibration/1")
_COMMA_HINT = "a comma inside { } ends the text; put the whole text in quotes"


class Reader:
    """Reads one file's nodes into values, recording problems with their positions."""

    def __init__(self, filename: str, path: Path | None = None) -> None:
        self.filename = filename
        self.path = path
        self.problems: list[Problem] = []

    # -- recording ---------------------------------------------------------------------------
    def report(
        self,
        code: str,
        message: str,
        where: YNode | Position,
        suggestion: str | None = None,
        severity: Severity | None = None,
    ) -> None:
        pos = where if isinstance(where, Position) else where.pos
        self.problems.append(
            Problem.at(code, message, pos, suggestion=suggestion, severity=severity)
        )

    @property
    def failed(self) -> bool:
        return any(p.is_error for p in self.problems)

    # -- structure ---------------------------------------------------------------------------
    def mapping(
        self,
        node: YNode,
        what: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
    ) -> dict[str, YNode] | None:
        """A mapping with known keys: unknown keys get a did-you-mean, missing ones a problem."""
        if not isinstance(node, YMap):
            self.report("S203", f"{what} must be a mapping, not {_kind(node)}", node)
            return None
        out: dict[str, YNode] = {}
        for key, value in node.pairs:
            name = key.value if key.value.__class__ is str else self.key(key)
            if name is None:
                continue
            if name not in allowed:
                hint = _COMMA_HINT if _split_by_comma(key, value) else None
                self.report("S201", f"unknown key '{name}' in {what}", key,
                            hint or did_you_mean(name, allowed)
                            or f"allowed: {', '.join(allowed)}")
                continue
            out[name] = value
        for name in required:
            if name not in out:
                self.report("S202", f"{what} lacks required key '{name}'", node)
        return out

    def key(self, key: YScalar) -> str | None:
        if isinstance(key.value, str):
            return key.value
        if key.plain:
            self.report("Y103", f"key '{key.raw}' is read as {_kind(key)} by YAML 1.1", key,
                        f"quote it: '{key.raw}'")
        else:
            self.report("S203", f"key must be a string, not {_kind(key)}", key)
        return None

    def seq(self, node: YNode, what: str) -> list[YNode] | None:
        if not isinstance(node, YSeq):
            self.report("S203", f"{what} must be a list, not {_kind(node)}", node)
            return None
        return node.items

    def one_or_many(self, node: YNode) -> list[YNode]:
        """A scalar or a list of them, as a list."""
        return node.items if isinstance(node, YSeq) else [node]

    def records(
        self, node: YNode, what: str, read: Callable[[YNode], T | None]
    ) -> list[T]:
        items = self.seq(node, what)
        if items is None:
            return []
        out = []
        for item in items:
            value = read(item)
            if value is not None:
                out.append(value)
        return out

    def unique(self, items: Iterable[T], key: Callable[[T], str], where: Callable[[T], Position],
               what: str) -> None:
        """Report every item whose id repeats an earlier one."""
        seen: dict[str, Position] = {}
        for item in items:
            k = key(item)
            if k in seen:
                self.report("S205", f"duplicate {what} '{k}' (first at line {seen[k].line})",
                            where(item), "give each one its own id")
            else:
                seen[k] = where(item)

    # -- scalars -----------------------------------------------------------------------------
    def scalar(self, node: YNode, what: str) -> YScalar | None:
        if not isinstance(node, YScalar):
            self.report("S203", f"{what} must be a single value, not {_kind(node)}", node)
            return None
        return node

    def string(self, node: YNode, what: str, *, empty: bool = False) -> str | None:
        s = self.scalar(node, what)
        if s is None:
            return None
        if isinstance(s.value, str):
            if not empty and not s.value.strip():
                self.report("S204", f"{what} must not be empty", s)
                return None
            return s.value
        if s.plain and s.raw == "":
            self.report("S204", f"{what} has no value", s)
        elif s.plain:
            self.report("Y103", f"{what} '{s.raw}' is read as {_kind(s)} by YAML 1.1, "
                        "but a string is meant", s, f'quote it: "{s.raw}"')
        else:
            self.report("S203", f"{what} must be a string, not {_kind(s)}", s)
        return None

    def name(self, node: YNode, what: str) -> str | None:
        """An identifier usable in the rule language."""
        text = self.string(node, what)
        if text is None:
            return None
        if not NAME_RE.match(text):
            fixed = re.sub(r"[^A-Za-z0-9_]", "_", text)
            if fixed and fixed[0].isdigit():
                fixed = "_" + fixed
            self.report("S207", f"{what} '{text}' is not a valid identifier (letters, digits "
                        "and _, not starting with a digit)", node, f"try '{fixed}'")
            return None
        if text in KEYWORDS:
            self.report("S207", f"{what} '{text}' is a keyword of the rule language", node,
                        f"try '{text}_'")
            return None
        return text

    def ident(self, node: YNode, what: str) -> str | None:
        """An id of a rule, part, work centre, ...: may contain '-' and '.' too."""
        text = self.string(node, what)
        if text is None:
            return None
        if not ID_RE.match(text):
            self.report("S207", f"{what} '{text}' is not a valid id (letters, digits, _ . -)",
                        node)
            return None
        return text

    def boolean(self, node: YNode, what: str) -> bool | None:
        s = self.scalar(node, what)
        if s is None:
            return None
        if isinstance(s.value, bool):
            if s.raw.lower() in _YAML11_BOOLS:
                self.report("Y108", f"'{s.raw}' is a boolean only in YAML 1.1", s,
                            f"write {'true' if s.value else 'false'}")
            return s.value
        self.report("S203", f"{what} must be true or false, not {_kind(s)}", s)
        return None

    def _numeric(self, s: YScalar, what: str) -> bool:
        if isinstance(s.value, bool) or not isinstance(s.value, (int, float)):
            hint = None
            if isinstance(s.value, str) and not s.plain:
                try:
                    Decimal(s.value)
                    hint = f"write {s.value} without quotes"
                except InvalidOperation:
                    pass
            self.report("S203", f"{what} must be a number, not {_kind(s)}", s, hint)
            return False
        if ":" in s.raw:
            self.report("Y103", f"{what} '{s.raw}' is read by YAML 1.1 as the base-60 number "
                        f"{s.value}", s, f"write {s.value}, or quote it if you meant a string")
            return False
        if "_" in s.raw:
            plain = s.raw.replace("_", "")
            self.report("Y103", f"{what} '{s.raw}' is a number only in YAML 1.1", s,
                        f"write {plain}")
            return False
        digits = s.raw.lstrip("+-")
        if isinstance(s.value, int) and (digits.startswith("0") and len(digits) > 1):
            self.report("Y103", f"{what} '{s.raw}' is read by YAML 1.1 as the octal or hex "
                        f"number {s.value}", s, f"write {s.value}")
            return False
        if isinstance(s.value, float) and (s.value != s.value or s.value in (float("inf"),
                                                                              float("-inf"))):
            self.report("S204", f"{what} must be a finite number", s)
            return False
        return True

    def integer(self, node: YNode, what: str, *, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        s = self.scalar(node, what)
        if s is None or not self._numeric(s, what):
            return None
        if isinstance(s.value, float) and not s.value.is_integer():
            self.report("S203", f"{what} must be a whole number, not {s.raw}", s)
            return None
        value = int(s.value)
        bounded: int | None = self._bounded(value, s, what, minimum, maximum)
        return bounded

    def number(self, node: YNode, what: str, *, minimum: Decimal | int | None = None,
               maximum: Decimal | int | None = None, places: int | None = None
               ) -> Decimal | None:
        """A number read exactly from its source text."""
        s = self.scalar(node, what)
        if s is None or not self._numeric(s, what):
            return None
        try:
            value = Decimal(s.raw.replace("_", ""))
        except InvalidOperation:
            value = Decimal(str(s.value))
        if places is not None and value.as_tuple().exponent < -places:  # type: ignore[operator]
            self.report("S204", f"{what} {s.raw} has more than {places} decimal places", s)
            return None
        bounded: Decimal | None = self._bounded(value, s, what, minimum, maximum)
        return bounded

    def money(self, node: YNode, what: str, *, minimum: int | None = None) -> Decimal | None:
        return self.number(node, what, minimum=minimum, places=4)

    def _bounded(self, value: Any, node: YNode, what: str, minimum: Any, maximum: Any) -> Any:
        if minimum is not None and value < minimum:
            self.report("S204", f"{what} must be at least {minimum}, not {value}", node)
            return None
        if maximum is not None and value > maximum:
            self.report("S204", f"{what} must be at most {maximum}, not {value}", node)
            return None
        return value

    def date(self, node: YNode, what: str) -> dt.date | None:
        s = self.scalar(node, what)
        if s is None:
            return None
        if isinstance(s.value, dt.datetime):
            self.report("S203", f"{what} must be a date (YYYY-MM-DD), not a timestamp", s)
            return None
        if isinstance(s.value, dt.date):
            return s.value
        if isinstance(s.value, str):
            try:
                return dt.date.fromisoformat(s.value)
            except ValueError:
                pass
        self.report("S203", f"{what} must be a date written YYYY-MM-DD, not '{s.raw}'", s)
        return None

    def time(self, node: YNode, what: str) -> dt.time | None:
        s = self.scalar(node, what)
        if s is None:
            return None
        if isinstance(s.value, int) and not isinstance(s.value, bool) and ":" in s.raw:
            self.report("Y103", f"{what} {s.raw} is read by YAML 1.1 as the number {s.value}",
                        s, f'quote it: "{s.raw}"')
            return None
        if isinstance(s.value, str):
            m = TIME_RE.match(s.value)
            if m:
                return dt.time(int(m.group(1)), int(m.group(2)))
            m = re.match(r"(\d):([0-5]\d)\Z", s.value)
            hint = f'write "0{s.value}"' if m else 'write it as "HH:MM", e.g. "14:00"'
            self.report("S204", f"{what} '{s.value}' is not a time of day", s, hint)
            return None
        self.report("S203", f"{what} must be a time of day \"HH:MM\", not {_kind(s)}", s)
        return None

    def choice(self, node: YNode, what: str, choices: Sequence[str]) -> str | None:
        text = self.string(node, what)
        if text is None:
            return None
        if text not in choices:
            self.report("S204", f"{what} '{text}' is not one of {', '.join(choices)}", node,
                        did_you_mean(text, choices))
            return None
        return text

    def weekday(self, node: YNode, what: str) -> int | None:
        day = self.choice(node, what, WEEKDAYS)
        return None if day is None else WEEKDAYS.index(day)

    def weekdays(self, node: YNode, what: str) -> frozenset[int] | None:
        items = self.seq(node, what)
        if items is None:
            return None
        days = [self.weekday(item, "weekday") for item in items]
        if any(d is None for d in days):
            return None
        if not days:
            self.report("S204", f"{what} must name at least one weekday", node)
            return None
        return frozenset(d for d in days if d is not None)

    def language(self, node: YNode) -> str | None:
        """A language code such as en, de or pt-BR."""
        lang = self.string(node, "language")
        if lang is not None and not LANG_RE.match(lang):
            known = {"english": "en", "german": "de", "deutsch": "de", "french": "fr",
                     "spanish": "es", "italian": "it", "dutch": "nl", "polish": "pl"}
            hint = f"write '{known[lang.lower()]}'" if lang.lower() in known else \
                "use ISO 639-1 codes like en, de, fr"
            self.report("S204", f"'{lang}' is not a language code", node, hint)
            return None
        return lang

    def label(self, node: YNode, what: str, languages: Sequence[str] = ()) -> Label | None:
        """A string, or a mapping of language code to string."""
        if isinstance(node, YMap):
            texts: dict[str, str] = {}
            for key, value in node.pairs:
                lang = self.key(key)
                if lang is None:
                    continue
                if not LANG_RE.match(lang):
                    empty = isinstance(value, YScalar) and value.value is None and not value.raw
                    hint = _COMMA_HINT if empty else None
                    self.report("S204", f"'{lang}' in {what} is not a language code", key,
                                hint or did_you_mean(lang, languages)
                                or "use codes like en, de, fr")
                    continue
                text = self.string(value, f"{what} ({lang})")
                if text is not None:
                    texts[lang] = text
            if not node.pairs:
                self.report("S204", f"{what} must not be empty", node)
                return None
            if languages and texts:
                missing = [lang for lang in languages if lang not in texts]
                if missing:
                    self.report("S208", f"{what} has no text for {', '.join(missing)}", node)
            return Label(tuple(texts.items())) if texts else None
        text = self.string(node, what)
        return None if text is None else Label(((languages[0] if languages else "en", text),))

    def reference(self, node: YNode, what: str, suffixes: Sequence[str] = ()
                  ) -> tuple[Path, str] | None:
        """A file named relative to this one: its path and the name to print for it.

        A reference may not leave the tree of the parent of this file's folder, so a hostile
        catalog cannot make bto read (and echo pieces of) arbitrary files.
        """
        text = self.string(node, what)
        if text is None or self.path is None:
            return None
        if os.path.isabs(text) or "\\" in text:
            self.report("R308", f"{what} '{text}' must be a relative path with '/'", node)
            return None
        base = self.path.parent
        target = base / text
        allowed = base.parent.resolve()
        resolved = target.resolve()
        if not resolved.is_relative_to(allowed):
            self.report("R308", f"{what} '{text}' points outside '{allowed.name or allowed}'",
                        node, "keep referenced files next to the catalogs and rules folders")
            return None
        if suffixes and resolved.suffix.lower() not in suffixes:
            self.report("S204", f"{what} '{text}' must end in {' or '.join(suffixes)}", node)
            return None
        display = os.path.normpath(os.path.join(os.path.dirname(self.filename), text))
        if not resolved.is_file():
            candidates = [p.name for p in resolved.parent.glob("*")] if resolved.parent.is_dir() \
                else []
            self.report("R308", f"{what} '{text}' does not exist", node,
                        did_you_mean(resolved.name, candidates))
            return None
        return target, display

    def check_format(self, top: dict[str, YNode], expected: str) -> bool:
        """Whether the ``format`` key names the expected kind of file (reported if not)."""
        if "format" not in top:
            return False  # reported as a missing required key
        value = self.string(top["format"], "format")
        if value is None:
            return False
        if value != expected:
            hint = did_you_mean(value, FORMAT_NAMES)
            if value in FORMAT_NAMES:
                hint = f"this is a {value.split('/')[0][4:]} file; it cannot be read as {expected}"
            self.report("S200", f"format '{value}' is not {expected}", top["format"], hint)
            return False
        return True

    def each_pair(self, node: YNode, what: str) -> Iterator[tuple[str, YScalar, YNode]]:
        """The (key, key node, value node) pairs of a free-form mapping."""
        if not isinstance(node, YMap):
            self.report("S203", f"{what} must be a mapping, not {_kind(node)}", node)
            return
        for key, value in node.pairs:
            name = self.key(key)
            if name is not None:
                yield name, key, value
