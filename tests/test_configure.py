"""``bto configure``: the terminal configurator, command by command and through a real
pseudo-terminal (keys in, screen out)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from configurator.cli import cli
from configurator.loading import load_catalog, load_plant, load_supply
from configurator.page import PageState, page_state
from configurator.terminal import TerminalConfigurator

ROOT = Path(__file__).resolve().parent.parent
EBIKE = ROOT / "catalogs" / "ebike.yaml"
AT = "2026-11-25T10:00"


@pytest.fixture(scope="module")
def shop() -> tuple[Any, Any, Any]:
    catalog = load_catalog(EBIKE)
    assert catalog.plant is not None and catalog.supply is not None
    return catalog, load_plant(catalog.plant), load_supply(catalog.supply)


@pytest.fixture()
def ui(shop: tuple[Any, Any, Any]) -> TerminalConfigurator:
    catalog, plant, supply = shop
    at = dt.datetime.fromisoformat(AT).replace(tzinfo=plant.zone)

    def state(selection: Any, module: str | None) -> PageState:
        return page_state(catalog, selection, plant=plant, supply=supply, at=at,
                          deltas={module} if module else False)

    return TerminalConfigurator(catalog, state)


def _row(screen: str, value: str) -> str:
    return next(line for line in screen.splitlines()
                if re.match(rf"\s+\d*\s+.\s+{re.escape(value)}\s", line))


def test_a_choice_moves_on_and_shows_what_each_option_does(ui: TerminalConfigurator) -> None:
    first = ui.screen()
    assert first.splitlines()[2].startswith("[1/14] Frame (frame")
    # each option: its price and date against the configuration so far
    assert re.search(r"\+EUR [\d,]+\.\d\d, \+\d+ wd", _row(first, "longjohn"))
    step = ui.handle("suv")
    assert ui.selection == {"frame": "suv"} and ui.module.id == "frame_size"
    row = _row(step.text, "xs")
    assert " x " in row and "unavailable:" in row and re.search(r"ebike\.yaml:\d+:\d+", row)
    assert "(with your choice of Frame: SUV hardtail frame with 100 mm air fork)" in row


def test_a_reason_is_given_once_per_module_and_labels_keep_their_column(
        ui: TerminalConfigurator) -> None:
    screen = ui.handle("longtail").text
    rows = [_row(screen, size) for size in ("xs", "s", "m", "l", "xl")]
    assert "This frame is not built in this size" in rows[0]
    assert all(row.endswith("unavailable: as for xs") for row in rows[1:])
    assert len({row.index("unavailable") for row in rows}) == 1  # one column
    options = _row(ui.handle("go frame").text, "longtail")
    assert "Longtail cargo frame with integrated re…" in options  # cut, not overflowing


def test_choosing_by_number_and_undo(ui: TerminalConfigurator) -> None:
    ui.handle("2")
    assert ui.selection == {"frame": "diamond"}
    ui.handle("l")  # frame_size L
    assert ui.selection == {"frame": "diamond", "frame_size": "l"}
    ui.handle("undo")
    assert ui.selection == {"frame": "diamond"}
    assert "nothing to undo" not in ui.handle("undo").text
    assert ui.selection == {}
    assert ui.handle("undo").text.startswith("nothing to undo")


def test_a_conflict_offers_repairs_and_a_repair_resolves_it(ui: TerminalConfigurator
                                                            ) -> None:
    ui.handle("suv")
    ui.handle("go wheels")
    step = ui.handle("w20")  # not built on the SUV frame: taken, and the conflict shown
    assert "the choices conflict" in step.text.splitlines()[1]
    repairs = [line for line in step.text.splitlines() if line.strip().startswith("repair ")]
    assert len(repairs) >= 2 and any("drop frame=suv" in r for r in repairs)
    assert ui.handle("done").text.startswith("repair the conflict first")
    number = next(r.split(":")[0].split()[1] for r in repairs if "drop frame=suv" in r)
    step = ui.handle(f"repair {number}")
    assert ui.selection == {"wheels": "w20"} and ui.page().valid
    assert "EUR" in step.text.splitlines()[1]


def test_multi_select_toggles_and_leaves_out(ui: TerminalConfigurator) -> None:
    ui.handle("go accessories")
    ui.handle("lock")
    ui.handle("-lights")
    assert ui.selection == {"accessories": ["lock", "-lights"]}
    screen = ui.screen()
    assert " * lock" in _row(screen, "lock") and "left out" in _row(screen, "lights")
    ui.handle("lock")  # again: taken back
    assert ui.selection == {"accessories": ["-lights"]}


def test_why_not_names_the_rule_and_the_choices(ui: TerminalConfigurator) -> None:
    ui.handle("go accessories")
    ui.handle("-lights")
    text = ui.handle("why frame=longjohn").text
    assert text.startswith("frame=longjohn is unavailable:")
    assert re.search(r"rule \S+ at .*ebike\.yaml:\d+:\d+", text)
    assert "because of your choices: accessories=-lights" in text


def test_mistakes_get_a_hint_not_an_error(ui: TerminalConfigurator) -> None:
    assert "did you mean 'wheels'" in ui.handle("go wheel").text
    assert "did you mean 'longtail'" in ui.handle("longtial").text
    assert "did you mean 'cheapest'" in ui.handle("complete cheapst").text
    assert ui.selection == {}


def test_complete_the_rest_ends_with_the_objective(ui: TerminalConfigurator) -> None:
    step = ui.handle("complete fastest")
    assert step.finished and ui.objective == "fastest"
    assert ui.handle("quit").quit


def test_configure_needs_a_terminal() -> None:
    result = CliRunner().invoke(cli, ["configure", str(EBIKE)], input="done\n")
    assert result.exit_code == 2 and "needs a terminal" in result.output


# --- through a real pseudo-terminal --------------------------------------------------------

pexpect = pytest.importorskip("pexpect")


def _bto() -> list[str]:
    found = shutil.which("bto")
    return [found] if found else [sys.executable, str(ROOT / "cli.py")]


def test_a_whole_session_in_a_terminal(tmp_path: Path) -> None:
    saved = tmp_path / "mine.yaml"
    command = _bto()
    env = dict(os.environ, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    child = pexpect.spawn(command[0], [*command[1:], "configure", str(EBIKE), "--at", AT,
                                       "--save", str(saved)],
                          env=env, encoding="utf-8", timeout=90, dimensions=(60, 220))
    transcript: list[str] = []

    def expect(pattern: str) -> str:
        child.expect(pattern)
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before + child.after)
        transcript.append(text)
        return text

    # each step: what the screen must show, then the prompt it ends with
    expect(r"\[1/14\] Frame \(frame")
    expect(r"longtail\s+Longtail cargo frame")
    expect(r"frame>")
    child.sendline("longtail")
    expect(r"\[2/14\] Frame size")
    expect(r"frame_size>")
    child.sendline("why xs")
    expect(r"xs is unavailable")
    expect(r"frame_size>")
    child.sendline("go colour")
    expect(r"\[14/14\] Colour")
    expect(r"colour>")
    child.sendline("custom_ral")
    expect(r"\*\s+custom_ral")
    expect(r"colour>")
    child.sendline("undo")
    expect(r"undone")
    expect(r"colour>")
    child.sendline("done")
    expect(r"FRS-LONGTAIL")  # the BOM, the price, then the quote
    delivery = expect(r"Delivery: \S+")
    expect(r"Total")
    expect(r"saved: ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, "".join(transcript)
    # the saved selection is what the other commands read: the same date and price
    quoted = CliRunner().invoke(cli, ["quote", str(EBIKE), "--selection", str(saved), "--at",
                                      AT, "--format", "json"])
    assert quoted.exit_code == 0, quoted.output
    result = json.loads(quoted.stdout)
    assert result["configuration"]["frame"] == "longtail"
    assert result["configuration"]["colour"] != "custom_ral"  # undone
    assert delivery.endswith(f"Delivery: {result['promised']}")


@pytest.mark.parametrize("path", sorted((ROOT / "catalogs").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_example_catalog_can_be_configured_to_a_quote(path: Path) -> None:
    """Walk every module, choosing the first available value that is not already in the
    configuration where there is one, then finish: the screens show prices and dates
    throughout, and the finished selection quotes."""
    from configurator.quoting.quote import quote
    from configurator.session import Session

    catalog = load_catalog(path)
    assert catalog.plant is not None and catalog.supply is not None
    plant, supply = load_plant(catalog.plant), load_supply(catalog.supply)
    at = dt.datetime.fromisoformat(AT).replace(tzinfo=plant.zone)
    ui = TerminalConfigurator(catalog, lambda selection, module: page_state(
        catalog, selection, plant=plant, supply=supply, at=at,
        deltas={module} if module else False, tradeoffs=False))
    for index, module in enumerate(catalog.modules):
        ui.handle(f"go {module.id}")
        assert ui.index == index
        state = ui.page().modules[index]
        other = next((o for o in state.options if o.state == "available"
                      and not o.in_configuration and module.kind != "multi"), None)
        if other is not None:
            ui.handle(f"{module.id}={'none' if other.value is None else other.value}")
        page = ui.page()
        assert page.valid and page.quote is not None, ui.screen()
        assert catalog.currency in ui.header()
    assert ui.handle("done").finished
    from configurator.page import selection_choices

    with Session(catalog) as session:
        session.select_all(selection_choices(catalog, ui.selection))
        configuration = session.complete()
    result = quote(catalog, configuration, plant=plant, supply=supply, at=at)
    assert result.promised == ui.page().quote.promised  # type: ignore[union-attr]
