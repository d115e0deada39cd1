"""Choices and selections, checked against a catalog's modules.

One place decides what a well-formed choice is, for every way a selection arrives: the
session API (:func:`check_choice` on Python values), a catalog's ``tests:`` section and a
selection file (:func:`read_select` on located YAML nodes, reporting file:line:col). This
module needs no engine, so the loader can use it.

A multi-select module's options are chosen one by one, each either selected or *excluded*
(written ``-option``); an option with neither stays open. In a selection mapping (module ->
:data:`SelectionValue`) a multi-select module's value is a tuple of such items, e.g.
``("rack", "-lights")``; an empty tuple or None excludes every option ("none of them").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._fields import Reader
from ._yaml import YMap, YNode, YScalar, YSeq
from .catalog.model import Module
from .problems import did_you_mean
from .values import FrozenMap

__all__ = ["EXCLUDE", "Choice", "SelectionError", "SelectionValue", "check_choice",
           "choices_of", "exactly", "multi_choice", "read_select"]

Value = str | int | None
#: A module's part of a selection: an option id (or None), a multi-select module's items
#: (option ids, ``-id`` for an excluded option), or an integer value.
SelectionValue = str | tuple[str, ...] | int | None
#: The prefix that marks an excluded option of a multi-select module.
EXCLUDE = "-"


class SelectionError(ValueError):
    """A choice names a module, option or value the catalog does not have."""

    def __init__(self, message: str, suggestion: str | None = None,
                 code: str = "C605") -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.code = code  # the problem code when the choice comes from a file

    def __str__(self) -> str:
        return f"{self.message} ({self.suggestion})" if self.suggestion else self.message


def value_text(value: Value) -> str:
    """A value as the command line writes it: ``none`` for None."""
    return "none" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Choice:
    """One choice of the user: an option of a single- or multi-select module, a value of an
    integer module, or None for "nothing" in an optional single-select module.

    ``excluded`` marks a multi-select option the user does not want (``accessories=-lights``).
    """

    module: str
    value: Value
    excluded: bool = False

    def __str__(self) -> str:
        return f"{self.module}={EXCLUDE if self.excluded else ''}{value_text(self.value)}"

    def to_dict(self) -> dict[str, Any]:
        return {"module": self.module, "value": self.value, "excluded": self.excluded}


def check_choice(modules: Mapping[str, Module], module_id: str, value: Any,
                 excluded: bool = False) -> Choice:
    """A :class:`Choice`, or :class:`SelectionError` naming what is wrong with it.
    ``excluded`` leaves out an option of a multi-select module."""
    module = modules.get(module_id)
    if module is None:
        raise SelectionError(f"unknown module '{module_id}'", did_you_mean(module_id, modules),
                             "R301")
    if module.kind == "single" and isinstance(value, str) and value.startswith(EXCLUDE):
        excluded = True  # "-option" excludes, which only a multi-select module can do
    if excluded and module.kind != "multi":
        raise SelectionError(f"'{module_id}' is not a multi-select module, so nothing can be "
                             "excluded in it", "choose the value you want instead", "C605")
    if module.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise SelectionError(f"module '{module_id}' takes an integer, not {value!r}")
        if not module.has_value(value):
            raise SelectionError(f"{value} is not a value of module '{module_id}' "
                                 f"({module.min}..{module.max} step {module.step})")
        return Choice(module_id, value)
    if value is None:
        if module.kind == "single" and not module.required:
            return Choice(module_id, None)
        raise SelectionError(f"module '{module_id}' requires an option")
    if not isinstance(value, str) or module.option(value) is None:
        raise SelectionError(f"unknown option '{value}' in module '{module_id}'",
                             did_you_mean(str(value), module.option_ids)
                             or _one_of(module.option_ids), "R302")
    return Choice(module_id, value, excluded)


def multi_choice(modules: Mapping[str, Module], module_id: str, item: Any) -> Choice:
    """The choice of one multi-select item: ``option`` selects it, ``-option`` excludes it."""
    if isinstance(item, str) and item.startswith(EXCLUDE):
        return check_choice(modules, module_id, item[len(EXCLUDE):], excluded=True)
    return check_choice(modules, module_id, item)


def exactly(module: Module, selected: Iterable[str]) -> tuple[str, ...]:
    """The items of a multi-select module that select ``selected`` and exclude every other
    option: what ``{exactly: [...]}`` means."""
    chosen = list(dict.fromkeys(selected))
    return (*chosen, *(EXCLUDE + o for o in module.option_ids if o not in chosen))


def _one_of(names: tuple[str, ...], limit: int = 12) -> str:
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return f"options: {shown}"


def choices_of(modules: Mapping[str, Module], selection: Mapping[str, Any]) -> list[Choice]:
    """The choices of a selection mapping (module -> option, multi-select items, value or
    None). An empty list or None in a multi-select module excludes all of its options."""
    out: list[Choice] = []
    for module_id, value in selection.items():
        module = modules.get(module_id)
        if module is not None and module.kind == "multi":
            items = value if isinstance(value, tuple | list) else (value,)
            if not items or items == (None,):
                items = exactly(module, ())
            out.extend(multi_choice(modules, module_id, v) for v in items)
        elif isinstance(value, tuple | list):
            out.extend(check_choice(modules, module_id, v) for v in value)
        else:
            out.append(check_choice(modules, module_id, value))
    return out


_BAD = object()


def read_select(reader: Reader, node: YNode, modules: Mapping[str, Module]
                ) -> FrozenMap[str, SelectionValue] | None:
    """A ``select:`` mapping, every problem reported at its node; None if any.

    A module maps to an option id (null: nothing, in an optional module), an integer, or for
    a multi-select module a list of items: ``option`` selects it, ``-option`` excludes it, and
    the options not listed stay open. An empty list (or null) means none of the options, and
    ``{exactly: [options]}`` selects those and excludes every other one.
    """
    out: dict[str, SelectionValue] = {}
    ok = True
    for module_id, key, value in reader.each_pair(node, "select"):
        module = modules.get(module_id)
        if module is None:
            reader.report("R301", f"unknown module '{module_id}'", key,
                          did_you_mean(module_id, modules))
            ok = False
        elif module.kind == "multi":
            items = _read_multi(reader, modules, module, value)
            ok &= items is not None
            out[module_id] = items or ()
        elif isinstance(value, YSeq):
            what = ("single-select module", "one option") if module.kind == "single" else (
                "integer module", "one value")
            reader.report("C605", f"{what[0]} '{module_id}' takes {what[1]}", value)
            ok = False
        else:
            one = _read_value(reader, modules, module, value)
            ok &= one is not _BAD
            out[module_id] = None if one is _BAD else one
    return FrozenMap(out) if ok else None


def _read_value(reader: Reader, modules: Mapping[str, Module], module: Module,
                node: YNode) -> Any:
    """One option id, integer value or null, checked; _BAD once reported."""
    raw: Any
    if module.kind == "integer":
        raw = reader.integer(node, f"value of '{module.id}'")
        if raw is None:
            return _BAD
    elif isinstance(node, YScalar) and node.value is None and node.plain:
        raw = None  # nothing, in an optional single-select module
    else:
        raw = reader.string(node, f"option of '{module.id}'")
        if raw is None:
            return _BAD
    try:
        return check_choice(modules, module.id, raw).value
    except SelectionError as exc:
        reader.report(exc.code, exc.message, node, exc.suggestion)
        return _BAD


def _read_multi(reader: Reader, modules: Mapping[str, Module], module: Module,
                node: YNode) -> tuple[str, ...] | None:
    """A multi-select module's items, checked; None once a problem is reported."""
    if isinstance(node, YMap):
        what = f"selection of '{module.id}'"
        fields = reader.mapping(node, what, ("exactly",))
        if fields is None or "exactly" not in fields:
            if not node.pairs:  # otherwise the unknown key is the problem, reported
                reader.report("S202", f"{what} lacks required key 'exactly'", node)
            return None
        chosen = _read_items(reader, modules, module, fields["exactly"], signs=False)
        return None if chosen is None else exactly(module, chosen)
    if isinstance(node, YScalar) and node.value is None and node.plain:
        return exactly(module, ())  # null: none of the options
    items = _read_items(reader, modules, module, node, signs=True)
    if items == ():
        return exactly(module, ())  # an empty list: none of the options
    return items


def _read_items(reader: Reader, modules: Mapping[str, Module], module: Module, node: YNode,
                signs: bool) -> tuple[str, ...] | None:
    """Option ids (and with ``signs``, ``-id`` for an excluded one), checked: each option at
    most once either way."""
    out: list[str] = []
    done: dict[str, bool] = {}  # option -> excluded
    ok = True
    for item in reader.one_or_many(node):
        text = reader.string(item, f"option of '{module.id}'")
        if text is None:
            ok = False
            continue
        try:
            choice = multi_choice(modules, module.id, text)
            if choice.excluded and not signs:
                raise SelectionError(f"'exactly' lists the options of '{module.id}' to select",
                                     f"leave '{choice.value}' out to exclude it")
        except SelectionError as exc:
            reader.report(exc.code, exc.message, item, exc.suggestion)
            ok = False
            continue
        option = str(choice.value)
        if done.get(option, choice.excluded) != choice.excluded:
            reader.report("C605", f"option '{option}' of '{module.id}' is both selected and "
                          "excluded", item)
            ok = False
        done[option] = choice.excluded
        out.append(text)
    return tuple(out) if ok else None
