"""``bto configure``: configuring in the terminal, one module at a time.

A front end over :func:`configurator.page.page_state`, with no configuration logic of its
own: every step asks the page's state for the selection so far and shows the current module's
options with what each does to the price and the date ("+EUR 120.00, +6 wd"), unavailable
ones greyed with their reason. :class:`TerminalConfigurator` turns one typed command into
the text to show (so it is tested without a terminal); the CLI reads the commands with
prompt_toolkit.

Commands (also ``help``; an option id of the current module wins over a one-letter
shortcut): a number or an option id chooses (a multi-select option toggles;
``-id`` leaves it out; ``none`` chooses nothing), ``MODULE=VALUE`` chooses in any module,
Enter or ``next`` goes on, ``back``, ``go MODULE``, ``undo``, ``why OPTION``, ``repair N``,
``complete [default|cheapest|fastest]``, ``list``, ``done``, ``quit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalog.model import Catalog, Module
from .choices import SelectionError
from .page import ModuleState, OptionState, PageState
from .problems import did_you_mean
from .session import selection_json

__all__ = ["HELP", "Step", "TerminalConfigurator"]

#: Option labels are cut to this many characters, so the rows keep their columns.
LABEL_WIDTH = 40
OBJECTIVES = ("default", "cheapest", "fastest")

HELP = """commands:
  N or OPTION        choose option N (or by id) in this module; a multi-select option toggles
  -OPTION            leave a multi-select option out        none   choose nothing
  MODULE=VALUE       choose in any module                   Enter  next module
  back               previous module                        go MODULE   jump to a module
  undo               take back the last change              list   every module and its choice
  why OPTION         why an option is unavailable           repair N   apply repair N
  complete [default|cheapest|fastest]   complete the rest and finish
  done               finish: BOM, price and quote, then save the selection
  quit               leave without saving"""


@dataclass
class Step:
    """What one command produced: the text to show, and whether the session is over
    (``finished``: the selection is complete and wanted; ``quit``: leave without it)."""

    text: str
    finished: bool = False
    quit: bool = False


@dataclass
class TerminalConfigurator:
    """The state of one terminal session: the selection so far, where the customer is, and
    what they did (for undo). ``state(selection, module)`` is the page's state with the
    deltas of that module."""

    catalog: Catalog
    state: Callable[[Mapping[str, Any], str | None], PageState]
    selection: dict[str, Any] = field(default_factory=dict)
    index: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    objective: str = "default"
    _page: PageState | None = None

    @property
    def module(self) -> Module:
        return self.catalog.modules[self.index]

    def page(self) -> PageState:
        """The page's state for the selection so far (computed once per change)."""
        if self._page is None:
            self._page = self.state(self.selection, self.module.id)
        return self._page

    def _changed(self, selection: dict[str, Any]) -> None:
        self.history.append(dict(self.selection))
        self.selection = selection
        self._page = None

    def _moved(self, index: int) -> None:
        self.index = max(0, min(index, len(self.catalog.modules) - 1))
        self._page = None

    # --- showing ------------------------------------------------------------------------
    def header(self) -> str:
        """One line: the price and date of the configuration so far."""
        page = self.page()
        chosen = sum(1 for m in page.modules if m.has_choice)
        total = len(page.modules)
        if not page.valid:
            return f"{page.name}: the choices conflict ({chosen}/{total} modules chosen)"
        if page.quote is None:
            return f"{page.name}: {page.problem or 'no quote'} ({chosen}/{total} chosen)"
        q = page.quote
        return (f"{page.name}: {page.currency} {q.price.total:,} · delivery "
                f"{q.promised.isoformat()} ({_weekday(q.promised)}), "
                f"{_percent(q.confidence.probability)} sure · {chosen}/{total} modules chosen")

    def screen(self) -> str:
        """The header, then the current module with its options (or the conflict)."""
        page = self.page()
        state = page.modules[self.index]
        lines = [self.header(), "",
                 f"[{self.index + 1}/{len(page.modules)}] {state.label} ({state.id}, "
                 f"{_kind(state)})"]
        width = min(LABEL_WIDTH, max((len(o.label) for o in state.options), default=0))
        said: dict[str, str] = {}  # a reason already shown, by the option it was shown for
        for number, option in enumerate(state.options, 1):
            lines.append(_option_line(number, option, state, width, said))
        if not page.valid:
            lines += ["", "these choices conflict: " + ", ".join(
                str(c) for c in page.conflict_choices)]
            lines += [f"  {r.source}: {r.message}" if r.source else f"  {r.message}"
                      for r in page.conflict_rules]
            lines += [f"  repair {n}: {r.text}" for n, r in enumerate(page.repairs, 1)]
        elif page.quote is not None and page.quote.tradeoffs:
            lines += ["", f"hint: {page.quote.tradeoffs[0].text}"]
        return "\n".join(lines)

    def prompt(self) -> str:
        return f"{self.module.id}> "

    def listing(self) -> str:
        page = self.page()
        out = []
        for n, state in enumerate(page.modules, 1):
            values = [o.label for o in state.options if o.state == "chosen"]
            completed = [o.label for o in state.options if o.in_configuration]
            shown = ", ".join(values) if values else (
                ", ".join(completed) + " (default)" if completed else "-")
            out.append(f"{'>' if n - 1 == self.index else ' '} {n:2d} {state.id}: {shown}")
        return "\n".join(out)

    # --- commands ---------------------------------------------------------------------
    def handle(self, text: str) -> Step:
        """Do one typed command; the text to show next."""
        command = text.strip()
        word, _, rest = command.partition(" ")
        rest = rest.strip()
        word = word.casefold()
        current = self.page().modules[self.index]
        if command and command.lstrip("-") in {_value_text(o.value) for o in current.options}:
            return self._choose(command)  # an option id wins over a one-letter command
        if command == "" or word in ("n", "next"):
            if self.index == len(self.catalog.modules) - 1:
                return Step("last module: type 'done' to finish, or 'complete'\n"
                            + self.screen())
            self._moved(self.index + 1)
            return Step(self.screen())
        if word in ("b", "back"):
            self._moved(self.index - 1)
            return Step(self.screen())
        if word in ("?", "h", "help"):
            return Step(HELP)
        if word in ("q", "quit", "exit"):
            return Step("left without saving", quit=True)
        if word in ("l", "list"):
            return Step(self.listing())
        if word in ("u", "undo"):
            if not self.history:
                return Step("nothing to undo\n" + self.screen())
            self.selection = self.history.pop()
            self._page = None
            return Step("undone\n" + self.screen())
        if word in ("g", "go"):
            return self._go(rest)
        if word == "why":
            return Step(self._why(rest))
        if word == "repair":
            return self._repair(rest)
        if word == "complete":
            objective = rest or "default"
            if objective not in OBJECTIVES:
                hint = did_you_mean(objective, OBJECTIVES) or "use " + ", ".join(OBJECTIVES)
                return Step(f"no objective '{objective}'; {hint}")
            if not self.page().valid:
                return Step("repair the conflict first\n" + self.screen())
            self.objective = objective
            return Step(f"completing the rest ({objective})", finished=True)
        if word in ("d", "done"):
            if not self.page().valid:
                return Step("repair the conflict first\n" + self.screen())
            return Step("done", finished=True)
        return self._choose(command)

    def _go(self, target: str) -> Step:
        ids = [m.id for m in self.catalog.modules]
        if target.isdigit() and 1 <= int(target) <= len(ids):
            self._moved(int(target) - 1)
            return Step(self.screen())
        if target not in ids:
            hint = did_you_mean(target, ids)
            return Step(f"no module '{target}'" + (f"; {hint}" if hint else "")
                        + f"\nmodules: {', '.join(ids)}")
        self._moved(ids.index(target))
        return Step(self.screen())

    def _find(self, text: str) -> tuple[ModuleState, OptionState] | str:
        """The option a command names: N, an option id of this module, or MODULE=VALUE."""
        page = self.page()
        if "=" in text:
            module_id, _, value = text.partition("=")
            states = {m.id: m for m in page.modules}
            if module_id.strip() not in states:
                hint = did_you_mean(module_id.strip(), list(states))
                return f"no module '{module_id.strip()}'" + (f"; {hint}" if hint else "")
            state, text = states[module_id.strip()], value.strip()
        else:
            state = page.modules[self.index]
        if state.kind != "integer" and text.isdigit() and 1 <= int(text) <= len(state.options):
            return state, state.options[int(text) - 1]
        for option in state.options:
            if _value_text(option.value) == text:
                return state, option
        names = [_value_text(o.value) for o in state.options]
        hint = did_you_mean(text, names)
        return (f"'{text}' is not a value of {state.id}" + (f"; {hint}" if hint else "")
                + f" (values: {', '.join(names)})")

    def _choose(self, command: str) -> Step:
        exclude = command.startswith("-") and not command[1:].isdigit()
        found = self._find(command[1:] if exclude else command)
        if isinstance(found, str):
            return Step(found + "\ntype 'help' for the commands")
        state, option = found
        module = self.catalog.module_map[state.id]
        selection = dict(self.selection)
        value = option.value
        if module.kind == "multi" and value is not None:
            items = [i for i in selection.get(module.id) or [] if isinstance(i, str)]
            items = [i for i in items if i.lstrip("-") != value]
            if exclude:
                items.append(f"-{value}")
            elif option.state != "chosen":
                items.append(str(value))
            selection[module.id] = items
            if not items:
                del selection[module.id]
        elif option.state == "chosen":
            selection.pop(module.id, None)  # choosing it again takes the choice back
        else:
            selection[module.id] = value
        before = self.page()
        try:
            self._changed(selection)
            page = self.page()
        except SelectionError as exc:
            self.selection = self.history.pop()
            self._page = before
            return Step(f"cannot choose that: {exc}")
        note = ""
        if option.state == "unavailable" and option.reason is not None:
            note = f"note: {option.reason.text}\n"
        if page.valid and module.kind != "multi" and self.selection.get(module.id) is not None \
                and self.index < len(self.catalog.modules) - 1 \
                and module.id == self.catalog.modules[self.index].id:
            self._moved(self.index + 1)  # a single choice made: on to the next module
        return Step(note + self.screen())

    def _why(self, text: str) -> str:
        found = self._find(text)
        if isinstance(found, str):
            return found
        state, option = found
        if option.reason is None:
            return f"{state.id}={_value_text(option.value)} is {option.state}"
        reason = option.reason
        lines = [f"{state.id}={_value_text(option.value)} is unavailable: {reason.text}"]
        lines += [f"  rule {r.id} at {r.source}" for r in reason.rules if r.source]
        if reason.choices:
            lines.append("  because of your choices: "
                         + ", ".join(str(c) for c in reason.choices))
        return "\n".join(lines)

    def _repair(self, text: str) -> Step:
        page = self.page()
        if page.valid:
            return Step("nothing to repair")
        if not text.isdigit() or not 1 <= int(text) <= len(page.repairs):
            return Step(f"choose a repair from 1 to {len(page.repairs)}")
        repair = page.repairs[int(text) - 1]
        self._changed(selection_json(repair.selection))
        return Step(f"repaired: {repair.text}\n" + self.screen())


def _value_text(value: object) -> str:
    return "none" if value is None else str(value)


def _kind(state: ModuleState) -> str:
    return {"single": "choose one", "multi": "choose any", "integer": "a number"}.get(
        state.kind, state.kind) + ("" if state.required else ", optional")


def _option_line(number: int, option: OptionState, state: ModuleState, width: int = 28,
                 said: dict[str, str] | None = None) -> str:
    """One option's row: number, mark, id, label (cut to ``width``), then what choosing it does
    or why it cannot be chosen; a reason already given for an option above (in ``said``) is
    referred to, not repeated."""
    mark = {"chosen": "*", "excluded": "-", "unavailable": "x"}.get(option.state, " ")
    if option.state == "available" and option.in_configuration:
        mark = "o"  # what the completion has, until the customer chooses
    key = _value_text(option.value)
    what = {"chosen": "chosen", "excluded": "left out"}.get(option.state, "")
    if option.state == "unavailable" and option.reason is not None:
        short = option.reason.short or option.reason.text
        where = next((f" ({r.source})" for r in option.reason.rules if r.source), "")
        if said is not None and short in said:
            what = f"unavailable: as for {said[short]}"
        else:
            what = f"unavailable: {short}{where}"
            if said is not None:
                said[short] = key
    elif option.state == "unavailable":
        what = "unavailable"  # while the choices conflict, reasons wait for the repair
    elif option.delta is not None and option.state == "chosen":
        what = f"chosen; without it: {option.delta.text}"
    elif option.delta is not None and option.state == "excluded":
        what = f"left out; with it: {option.delta.text}"
    elif option.delta is not None:
        what = option.delta.text
    elif option.in_configuration and option.state == "available":
        what = "in the configuration"
    label = option.label if option.label != key else ""
    if len(label) > width:
        label = label[:width - 1] + "…"
    number_text = f"{number:2d}" if state.kind != "integer" else "  "
    return f" {number_text} {mark} {key:<16} {label:<{width}} {what}".rstrip()


def _percent(value: Any) -> str:
    return f"{float(value) * 100:.0f}%"


def _weekday(day: dt.date) -> str:
    return day.strftime("%a")
