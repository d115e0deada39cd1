"""Safe YAML reading that keeps positions.

PyYAML's safe parser (the C one when available) produces events; we compose them into our own
small node tree without recursion, so that hostile input cannot exhaust the stack. On the way
we reject duplicate keys, merge keys and unknown tags, and we bound the file size, the nesting
depth and the number of nodes that aliases repeat, computed from subtree sizes so that an
alias bomb is refused without ever being expanded.

Scalars keep their source text and style next to the value YAML 1.1 resolves, so the typed
readers in :mod:`configurator._fields` can tell ``no`` (a boolean to YAML 1.1, a string to
YAML 1.2 and to editors) from ``"no"``, and read money exactly from its digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Position, Problem

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ALIAS_NODES",
    "YMap",
    "YNode",
    "YScalar",
    "YSeq",
    "load_yaml_file",
    "load_yaml_text",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000  # nodes that aliases may bring in, in all

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Parser: type[Any] = getattr(yaml, "CParser", None) or yaml.SafeLoader

_TAG = "tag:yaml.org,2002:"
_ALLOWED_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


@dataclass(eq=False, slots=True)
class YNode:
    """A YAML node with its position. ``size`` counts nodes after alias expansion."""

    pos: Position
    size: int = field(default=1, repr=False)
    height: int = field(default=1, repr=False)


@dataclass(eq=False, slots=True)
class YScalar(YNode):
    """A scalar: the value YAML 1.1 gives it, its source text, tag and style."""

    value: Any = None
    raw: str = ""
    tag: str = ""
    style: str | None = None  # None for plain, else one of ' " | >

    @property
    def plain(self) -> bool:
        return self.style is None


@dataclass(eq=False, slots=True)
class YSeq(YNode):
    """A sequence of nodes."""

    items: list[YNode] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class YMap(YNode):
    """A mapping. Keys are scalars; ``pairs`` keeps source order."""

    pairs: list[tuple[YScalar, YNode]] = field(default_factory=list)


class _Stop(Exception):
    """Composition cannot go on; the problem has been recorded."""


class _Composer:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.anchors: dict[str, YNode] = {}
        self.resolver = _Loader("")
        self.constructor = yaml.SafeLoader("")

    def pos(self, mark: Any) -> Position:
        return Position(self.filename, mark.line + 1, mark.column + 1)

    def fail(self, code: str, message: str, where: Any, suggestion: str | None = None) -> _Stop:
        """Record a problem at ``where`` (a Position or a PyYAML mark); raise the result."""
        pos = where if isinstance(where, Position) else self.pos(where)
        self.problems.append(Problem.at(code, message, pos, suggestion=suggestion))
        return _Stop()

    def scalar(self, event: Any) -> YScalar:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == f"{_TAG}merge":
            raise self.fail("Y109", "merge keys ('<<') are not supported", event.start_mark,
                            "write the keys out, or use an alias for the whole value")
        if tag not in _ALLOWED_SCALAR_TAGS:
            raise self.fail("Y109", f"unsupported tag '{_short_tag(event.tag)}'",
                            event.start_mark, "remove the tag")
        node = yaml.ScalarNode(tag, event.value, style=event.style)
        try:
            value = self.constructor.yaml_constructors[tag](self.constructor, node)
        except (ValueError, yaml.YAMLError) as exc:
            # e.g. a timestamp like 2026-02-30 that matches the pattern but is no date
            raise self.fail("Y101", f"cannot read '{event.value}': {exc}",
                            event.start_mark) from None
        return YScalar(self.pos(event.start_mark), value=value, raw=event.value, tag=tag,
                       style=event.style or None)

    def compose(self, events: Any) -> YNode | None:
        """Build the tree from an event stream; None when the stream holds no document."""
        root: YNode | None = None
        documents = 0
        aliased = 0
        # Each stack entry is the open collection and, for mappings, the pending key.
        stack: list[tuple[YNode, YScalar | None, str | None]] = []
        seen_keys: list[dict[Any, YScalar]] = []

        def attach(node: YNode, where: Position | None = None) -> None:
            nonlocal root
            if not stack:
                root = node
                return
            parent, key, anchor = stack[-1]
            parent.size += node.size
            parent.height = max(parent.height, node.height + 1)
            if parent.height > MAX_DEPTH:
                raise self.fail("Y105", f"nested deeper than {MAX_DEPTH} levels",
                                where or node.pos)
            if isinstance(parent, YSeq):
                parent.items.append(node)
            elif isinstance(parent, YMap):
                if key is None:
                    if not isinstance(node, YScalar):
                        raise self.fail("S203", "a mapping key must be a plain value, not a "
                                        "list or mapping", node.pos)
                    keys = seen_keys[-1]
                    hashable = (type(node.value).__name__, node.value)
                    if hashable in keys:
                        first = keys[hashable]
                        self.problems.append(Problem.at(
                            "Y102", f"duplicate key '{node.raw}' (first at line {first.pos.line})",
                            node.pos, suggestion="remove one of them"))
                    else:
                        keys[hashable] = node
                    stack[-1] = (parent, node, anchor)
                else:
                    parent.pairs.append((key, node))
                    stack[-1] = (parent, None, anchor)

        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.fail("Y107", "more than one YAML document in the file",
                                    event.start_mark, "keep one document per file")
            elif isinstance(event, yaml.ScalarEvent):
                node = self.scalar(event)
                self.remember(event.anchor, node)
                attach(node)
            elif isinstance(event, yaml.AliasEvent):
                target = self.anchors.get(event.anchor or "")
                if target is None:
                    raise self.fail("Y101", f"unknown alias '*{event.anchor}'", event.start_mark)
                # The file's own nodes are bounded by its size; what aliases repeat is not.
                aliased += target.size
                if aliased > MAX_ALIAS_NODES:
                    raise self.fail("Y106", f"aliases expand to more than {MAX_ALIAS_NODES} "
                                    "nodes", event.start_mark, "the file may be an alias bomb")
                attach(target, self.pos(event.start_mark))
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if event.tag not in (None, "!", f"{_TAG}seq", f"{_TAG}map"):
                    raise self.fail("Y109", f"unsupported tag '{_short_tag(event.tag)}'",
                                    event.start_mark, "remove the tag")
                if len(stack) >= MAX_DEPTH:
                    raise self.fail("Y105", f"nested deeper than {MAX_DEPTH} levels",
                                    event.start_mark)
                pos = self.pos(event.start_mark)
                coll: YNode = YSeq(pos) if isinstance(event, yaml.SequenceStartEvent) else YMap(pos)
                stack.append((coll, None, event.anchor))
                seen_keys.append({})
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                done, _, anchor = stack.pop()
                seen_keys.pop()
                self.remember(anchor, done)
                attach(done)
        return root

    def remember(self, anchor: str | None, node: YNode) -> None:
        if anchor is not None:
            self.anchors[anchor] = node


def load_yaml_text(text: str, filename: str) -> tuple[YNode | None, list[Problem]]:
    """Compose ``text`` into located nodes. Returns the root (or None) and the problems."""
    composer = _Composer(filename)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        composer.problems.append(Problem.at(
            "Y104", f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB",
            Position(filename, 1, 1), suggestion="split it, or move big tables to CSV files"))
        return None, composer.problems
    try:
        root = composer.compose(yaml.parse(text, Loader=_Parser))
    except _Stop:
        return None, composer.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = (exc.problem or exc.context or "invalid YAML").strip()
        suggestion = None
        if exc.context and exc.problem:
            message = f"{message} ({exc.context.strip()})"
        if exc.context == "while scanning an alias" and exc.context_mark is not None:
            # A plain * starts an alias: the usual cause is a variant-table wildcard.
            mark = exc.context_mark
            message = "a plain '*' starts an alias in YAML"
            suggestion = 'quote it: "*"'
        pos = composer.pos(mark) if mark is not None else Position(filename, 1, 1)
        composer.problems.append(Problem.at("Y101", message, pos, suggestion=suggestion))
        return None, composer.problems
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        index = getattr(exc, "position", 0) or 0
        line, column = _line_col(text, index)
        char = text[index] if index < len(text) else ""
        what = f"U+{ord(char):04X}" if char else "an unreadable character"
        composer.problems.append(Problem.at(
            "Y101", f"the control character {what} is not allowed in YAML",
            Position(filename, line, column), suggestion="delete it"))
        return None, composer.problems
    except RecursionError:  # pragma: no cover - the composer is iterative; belt and braces
        composer.problems.append(Problem.at("Y105", "nested too deeply", Position(filename, 1, 1)))
        return None, composer.problems
    if root is None:
        composer.problems.append(Problem.at("Y107", "the file is empty",
                                            Position(filename, 1, 1)))
    return root, composer.problems


def _short_tag(tag: str) -> str:
    """A tag as it is usually written: ``!!python/object`` rather than its full URI."""
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _line_col(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    return line, column


def read_text(path: Path, filename: str, limit: int = MAX_BYTES
              ) -> tuple[str | None, list[Problem]]:
    """Read a user file as UTF-8 text, with size and encoding checked."""
    start = Position(filename, 1, 1)
    try:
        if not path.is_file():
            what = "a folder" if path.is_dir() else "missing"
            return None, [Problem.at("Y100", f"cannot read '{filename}': {what}", start)]
        if path.stat().st_size > limit:
            return None, [Problem.at("Y104", f"file is larger than {limit // (1024 * 1024)} MiB",
                                     start, suggestion="split it into smaller files")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem.at("Y100", f"cannot read '{filename}': {exc.strerror or exc}", start)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", "replace")
        line, column = _line_col(prefix, len(prefix))
        return None, [Problem.at("Y100", "the file is not UTF-8 text",
                                 Position(filename, line, column),
                                 suggestion="save it as UTF-8")]
    return text, []


def load_yaml_file(path: Path, filename: str | None = None) -> tuple[YNode | None, list[Problem]]:
    """Read and compose a YAML file; ``filename`` is how positions name it."""
    name = filename if filename is not None else str(path)
    text, problems = read_text(path, name)
    if text is None:
        return None, problems
    return load_yaml_text(text, name)
