"""Safe YAML reading that keeps positions.

PyYAML's safe parser produces events: libyaml's C parser when PyYAML has it, and PyYAML's
Python parser for a file with an error that stops reading (to report it in the words we
document) or with one of the few constructs that the two read differently. We compose the
events into our own small node tree without recursion, so that hostile input cannot exhaust
the stack. On the way we reject duplicate keys, merge keys and unknown tags, and we bound the
file size, the nesting depth and the number of nodes that aliases repeat, computed from subtree
sizes so that an alias bomb is refused without ever being expanded.

Scalars keep their source text and style next to the value YAML 1.1 resolves, so the typed
readers in :mod:`configurator._fields` can tell ``no`` (a boolean to YAML 1.1, a string to
YAML 1.2 and to editors) from ``"no"``, and read money exactly from its digits.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
    "gc_paused",
    "load_yaml_file",
    "load_yaml_text",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000  # nodes that aliases may bring in, in all

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The C event parser when PyYAML was built with libyaml (``yaml.CParser`` is not exported).
_CParser: type[Any] | None = getattr(getattr(yaml, "cyaml", None), "CParser", None)

_TAG = "tag:yaml.org,2002:"
_ALLOWED_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


class YNode:
    """A YAML node with its position. ``size`` counts nodes after alias expansion.

    The composer gives a node its file name and its line and column packed in one int, and
    the :class:`Position` is made when first asked for: most nodes of a big file never are,
    and plain ints cost the garbage collector nothing.
    """

    __slots__ = ("_pos", "_file", "size", "height")

    def __init__(self, pos: Position | int, size: int = 1, height: int = 1,
                 file: str = "") -> None:
        self._pos = pos
        self._file = file
        self.size = size
        self.height = height

    @property
    def pos(self) -> Position:
        pos = self._pos
        if isinstance(pos, int):
            pos = self._pos = Position(self._file, pos >> 32, pos & 0xFFFFFFFF)
        return pos

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.pos})"


def _packed(mark: Any) -> int:
    """A PyYAML mark's 1-based line and column, packed as :attr:`YNode.pos` unpacks them."""
    line: int = mark.line
    column: int = mark.column
    return (line + 1) << 32 | (column + 1)


class YScalar(YNode):
    """A scalar: the value YAML 1.1 gives it, its source text, tag and style."""

    __slots__ = ("value", "raw", "tag", "style")

    def __init__(self, pos: Position | int, size: int = 1, height: int = 1, value: Any = None,
                 raw: str = "", tag: str = "", style: str | None = None,
                 file: str = "") -> None:
        self._pos = pos
        self._file = file
        self.size = size
        self.height = height
        self.value = value
        self.raw = raw
        self.tag = tag
        self.style = style  # None for plain, else one of ' " | >

    @property
    def plain(self) -> bool:
        return self.style is None

    def __repr__(self) -> str:
        return f"YScalar({self.pos}, value={self.value!r}, raw={self.raw!r})"


class YSeq(YNode):
    """A sequence of nodes."""

    __slots__ = ("items",)

    def __init__(self, pos: Position | int, size: int = 1, height: int = 1,
                 items: list[YNode] | None = None, file: str = "") -> None:
        super().__init__(pos, size, height, file)
        self.items: list[YNode] = [] if items is None else items


class YMap(YNode):
    """A mapping. Keys are scalars; ``pairs`` keeps source order."""

    __slots__ = ("pairs",)

    def __init__(self, pos: Position | int, size: int = 1, height: int = 1,
                 pairs: list[tuple[YScalar, YNode]] | None = None, file: str = "") -> None:
        super().__init__(pos, size, height, file)
        self.pairs: list[tuple[YScalar, YNode]] = [] if pairs is None else pairs


class _Stop(Exception):
    """Composition cannot go on; the problem has been recorded."""


class _Unsure(Exception):
    """libyaml may read this text other than PyYAML's parser does; let PyYAML's read it."""


# Where libyaml and PyYAML's parser are known to differ, libyaml accepts what PyYAML refuses:
# tabs as separators, explicit keys ('?'), some tags ('!...'), a comment right after a block
# scalar's header, and other YAML versions' directives ('%'); and PyYAML does not count a
# byte order mark as a column. The composer watches for the rest: in flow collections, a '?'
# inside a plain scalar, and empty values (libyaml places them at the next token, PyYAML
# right after the ':').
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")


def _pyyaml_only(text: str) -> bool:
    """Whether ``text`` has something that libyaml may read other than PyYAML's parser."""
    if "\t" in text or "\ufeff" in text or text.startswith("%") or "\n%" in text:
        return True
    for indicator in "?!|>":  # str.find is much faster than a regular expression here
        i = text.find(indicator)
        while i >= 0:
            if indicator in "?!":
                if (i == 0 or text[i - 1] in " \n\r[]{},") and text[i:i + 3] != "!= ":
                    return True  # (a != b is no tag)
            elif _BLOCK_HEADER_COMMENT.match(text, i):
                return True
            i = text.find(indicator, i + 1)
    return False


_STR_TAG = f"{_TAG}str"
_MERGE_TAG = f"{_TAG}merge"
_COLLECTION_TAGS = (None, "!", f"{_TAG}seq", f"{_TAG}map")
_ScalarEvent = yaml.ScalarEvent
_AliasEvent = yaml.AliasEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_MappingStartEvent = yaml.MappingStartEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_MappingEndEvent = yaml.MappingEndEvent
_DocumentStartEvent = yaml.DocumentStartEvent
_UNSET: Any = object()


class _Composer:
    def __init__(self, filename: str, libyaml: bool = False) -> None:
        self.filename = filename
        self.libyaml = libyaml
        self.flow_depth = 0  # open flow collections ({...} and [...]); block ones cannot nest
        self.problems: list[Problem] = []
        self.anchors: dict[str, YNode] = {}
        self.resolver = _Loader("")
        self.constructor = yaml.SafeLoader("")
        # Big files repeat the same plain scalars ("false", "enabled", ...): resolve each
        # spelling's tag and construct each (tag, text)'s value once. Values are immutable.
        self.plain_tags: dict[str, str] = {}
        self.values: dict[tuple[str, str], Any] = {}

    def pos(self, mark: Any) -> Position:
        return Position(self.filename, mark.line + 1, mark.column + 1)

    def fail(self, code: str, message: str, where: Any, suggestion: str | None = None) -> _Stop:
        """Record a problem at ``where`` (a Position or a PyYAML mark); raise the result."""
        pos = where if isinstance(where, Position) else self.pos(where)
        self.problems.append(Problem.at(code, message, pos, suggestion=suggestion))
        return _Stop()

    def scalar(self, event: Any) -> YScalar:
        text = event.value
        tag = event.tag
        if self.flow_depth and self.libyaml and event.implicit[0] and (not text or "?" in text):
            raise _Unsure  # {a: }, whose null PyYAML places after the ':'; {a: b?c}, refused
        if tag is None or tag == "!":
            if event.implicit[0]:  # plain: YAML 1.1 resolves the tag from the text
                tag = self.plain_tags.get(text)
                if tag is None:
                    tag = self.resolver.resolve(yaml.ScalarNode, text, event.implicit)
                    self.plain_tags[text] = tag
            else:
                tag = _STR_TAG
        if tag == _STR_TAG:
            value = text
        else:
            if tag == _MERGE_TAG:
                raise self.fail("Y109", "merge keys ('<<') are not supported", event.start_mark,
                                "write the keys out, or use an alias for the whole value")
            if tag not in _ALLOWED_SCALAR_TAGS:
                if event.tag is None:  # a plain scalar YAML 1.1 gives a tag of its own ('=')
                    raise self.fail("Y109", f"'{text}' has a special meaning in YAML",
                                    event.start_mark, f"quote it: '{text}'")
                raise self.fail("Y109", f"unsupported tag '{_short_tag(event.tag)}'",
                                event.start_mark, "remove the tag")
            value = self.values.get((tag, text), _UNSET)
            if value is _UNSET:
                node = yaml.ScalarNode(tag, text, style=event.style)
                try:
                    value = self.constructor.yaml_constructors[tag](self.constructor, node)
                except (ValueError, yaml.YAMLError) as exc:
                    # e.g. a timestamp like 2026-02-30 that matches the pattern but is no date
                    raise self.fail("Y101", f"cannot read '{text}': {exc}",
                                    event.start_mark) from None
                self.values[tag, text] = value
        return YScalar(_packed(event.start_mark), 1, 1, value, text, tag, event.style or None,
                       self.filename)

    def compose(self, get_event: Any) -> YNode | None:
        """Build the tree from an event source; None when the stream holds no document."""
        root: YNode | None = None
        documents = 0
        aliased = 0
        # The innermost open collection is kept in locals: the collection, its anchor, the
        # keys seen so far (None for a sequence) and the pending key (None between pairs).
        # ``outer`` saves the same four for each enclosing collection.
        parent: Any = None
        anchor: str | None = None
        seen: dict[Any, YScalar] | None = None
        key: YScalar | None = None
        outer: list[tuple[Any, str | None, dict[Any, YScalar] | None, YScalar | None]] = []
        while True:
            event = get_event()
            if event is None:
                break
            cls = event.__class__
            where: Position | None = None
            if cls is _ScalarEvent:
                node: Any = self.scalar(event)
                if event.anchor is not None:
                    self.anchors[event.anchor] = node
            elif cls is _SequenceStartEvent or cls is _MappingStartEvent:
                if event.tag not in _COLLECTION_TAGS:
                    raise self.fail("Y109", f"unsupported tag '{_short_tag(event.tag)}'",
                                    event.start_mark, "remove the tag")
                if len(outer) + (parent is not None) >= MAX_DEPTH:
                    raise self.fail("Y105", f"nested deeper than {MAX_DEPTH} levels",
                                    event.start_mark)
                if self.flow_depth or event.flow_style:
                    self.flow_depth += 1
                if parent is not None:
                    outer.append((parent, anchor, seen, key))
                pos = _packed(event.start_mark)
                if cls is _SequenceStartEvent:
                    parent, seen = YSeq(pos, 1, 1, [], self.filename), None
                else:
                    parent, seen = YMap(pos, 1, 1, [], self.filename), {}
                anchor, key = event.anchor, None
                continue
            elif cls is _SequenceEndEvent or cls is _MappingEndEvent:
                node = parent
                if self.flow_depth:
                    self.flow_depth -= 1
                if anchor is not None:
                    self.anchors[anchor] = node
                parent, anchor, seen, key = outer.pop() if outer else (None, None, None, None)
            elif cls is _AliasEvent:
                target = self.anchors.get(event.anchor or "")
                if target is None:
                    raise self.fail("Y101", f"unknown alias '*{event.anchor}'", event.start_mark)
                # The file's own nodes are bounded by its size; what aliases repeat is not.
                aliased += target.size
                if aliased > MAX_ALIAS_NODES:
                    raise self.fail("Y106", f"aliases expand to more than {MAX_ALIAS_NODES} "
                                    "nodes", event.start_mark, "the file may be an alias bomb")
                node, where = target, self.pos(event.start_mark)
            elif cls is _DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self.fail("Y107", "more than one YAML document in the file",
                                    event.start_mark, "keep one document per file")
                continue
            else:
                continue
            # Attach the finished node to the innermost open collection.
            if parent is None:
                root = node
                continue
            parent.size += node.size
            if node.height >= parent.height:
                parent.height = node.height + 1
                if parent.height > MAX_DEPTH:
                    raise self.fail("Y105", f"nested deeper than {MAX_DEPTH} levels",
                                    where or node.pos)
            if seen is None:
                parent.items.append(node)
            elif key is None:
                if node.__class__ is not YScalar:
                    raise self.fail("S203", "a mapping key must be a plain value, not a "
                                    "list or mapping", node.pos)
                value = node.value
                # str keys as they are; others with their type, so that 1, 1.0 and true differ
                hashable = value if value.__class__ is str else (value.__class__, value)
                first = seen.get(hashable)
                if first is not None:
                    self.problems.append(Problem.at(
                        "Y102", f"duplicate key '{node.raw}' (first at line {first.pos.line})",
                        node.pos, suggestion="remove one of them"))
                else:
                    seen[hashable] = node
                key = node
            else:
                parent.pairs.append((key, node))
                key = None
        return root


_gc_lock = threading.Lock()
_gc_pauses = 0  # pauses in progress, in all threads
_gc_resume = False  # whether the collector was enabled when the first of them began


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a big tree is built.

    The collector runs after every few hundred new objects and, as the heap grows, walks all
    of it: while a big catalog is being built (hundreds of thousands of nodes, none of them
    garbage yet) that took as long as the building itself. Pauses nest and may overlap
    between threads; the collector is enabled again, if it was enabled before, when the last
    one ends.
    """
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()


def load_yaml_text(text: str, filename: str) -> tuple[YNode | None, list[Problem]]:
    """Compose ``text`` into located nodes. Returns the root (or None) and the problems."""
    with gc_paused():
        return _load_yaml_text(text, filename)


def _load_yaml_text(text: str, filename: str) -> tuple[YNode | None, list[Problem]]:
    if len(text) * 4 > MAX_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None, [Problem.at(
            "Y104", f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB",
            Position(filename, 1, 1), suggestion="split it, or move big tables to CSV files")]
    if _CParser is not None and not _pyyaml_only(text):
        # libyaml is fast. Where the two could differ, and on any error that stops reading,
        # read the file with PyYAML's own parser: we document its messages, and its reading
        # is the one that the positions of every problem were checked against.
        composer = _Composer(filename, libyaml=True)
        try:
            events = _CParser(text)
        except ValueError:  # text that does not encode as UTF-8 (lone surrogates)
            pass
        else:
            try:
                return _finish(composer.compose(events.get_event), composer.problems, filename)
            except (yaml.YAMLError, _Unsure, _Stop):
                pass
            finally:
                events.dispose()
    return _load_with_pyyaml(text, filename)


def _finish(root: YNode | None, problems: list[Problem], filename: str
            ) -> tuple[YNode | None, list[Problem]]:
    if root is None:
        problems.append(Problem.at("Y107", "the file is empty", Position(filename, 1, 1)))
    return root, problems


def _load_with_pyyaml(text: str, filename: str) -> tuple[YNode | None, list[Problem]]:
    composer = _Composer(filename)
    events: Any = None
    try:
        events = yaml.SafeLoader(text)  # checks the characters of the whole text
        root = composer.compose(events.get_event)
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
    finally:
        if events is not None:
            events.dispose()
    return _finish(root, composer.problems, filename)


def _short_tag(tag: str | None) -> str:
    """A tag as it is usually written: ``!!python/object`` rather than its full URI."""
    if tag is None:
        return "?"
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
