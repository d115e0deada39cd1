"""Choices and selections, checked against a catalog's modules.

One place decides what a well-formed choice is, for every way a selection arrives: the
session API (:func:`check_choice` on Python values), a catalog's ``tests:`` section and a
selection file (:func:`read_select` on located YAML nodes, reporting file:line:col). This
module needs no engine, so the loader can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._fields import Reader
from ._yaml import YNode, YScalar, YSeq
from .catalog.model import Module
from .problems import did_you_mean
from .values import FrozenMap

__all__ = ["Choice", "SelectionError", "SelectionValue", "check_choice", "choices_of",
           "read_select"]

Value = str | int | None
#: A module's part of a selection: an option id (or None), option ids, or an integer value.
SelectionValue = str | tuple[str, ...] | int | None


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
    return "none" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Choice:
    """One choice of the user: an option of a single- or multi-select module, a value of an
    integer module, or None for "nothing" in an optional single-select module."""

    module: str
    value: Value

    def __str__(self) -> str:
        return f"{self.module}={value_text(self.value)}"

    def to_dict(self) -> dict[str, Any]:
        return {"module": self.module, "value": self.value}


def check_choice(modules: Mapping[str, Module], module_id: str, value: Any) -> Choice:
    """A :class:`Choice`, or :class:`SelectionError` naming what is wrong with it."""
    module = modules.get(module_id)
    if module is None:
        raise SelectionError(f"unknown module '{module_id}'", did_you_mean(module_id, modules),
                             "R301")
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
    return Choice(module_id, value)


def _one_of(names: tuple[str, ...], limit: int = 12) -> str:
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return f"options: {shown}"


def choices_of(modules: Mapping[str, Module], selection: Mapping[str, Any]) -> list[Choice]:
    """The choices of a selection mapping (module -> option, options, value or None)."""
    out: list[Choice] = []
    for module, value in selection.items():
        items = value if isinstance(value, tuple | list) else (value,)
        out.extend(check_choice(modules, module, v) for v in items)
    return out


_BAD = object()


def read_select(reader: Reader, node: YNode, modules: Mapping[str, Module]
                ) -> FrozenMap[str, SelectionValue] | None:
    """A ``select:`` mapping (module -> option, list of options, integer, or null for nothing
    in an optional module), every problem reported at its node; None if any."""
    out: dict[str, SelectionValue] = {}
    ok = True
    for module_id, key, value in reader.each_pair(node, "select"):
        module = modules.get(module_id)
        if module is None:
            reader.report("R301", f"unknown module '{module_id}'", key,
                          did_you_mean(module_id, modules))
            ok = False
        elif module.kind == "multi":
            options = [_read_value(reader, modules, module, item)
                       for item in reader.one_or_many(value)]
            ok &= _BAD not in options
            out[module_id] = tuple(str(o) for o in options if o is not _BAD)
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
