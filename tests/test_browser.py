"""The web configurator end to end: `bto serve` in a subprocess on a free loopback port, driven
by Playwright's sync API in headless Chromium from Debian's `chromium` package.

Every page is opened with `?at=...`, so the page's answers are reproducible and each one can be
compared with `configurator.page.page_state` computed here for the same selection and time.
Nothing touches the network: Playwright uses the system binary (it never downloads a
browser) and every request that does not go to the test server is aborted and reported.
`.ci/run` installs both the `chromium` package and the `playwright` module and sets
`BTO_BROWSER_TESTS=required`, so in CI a missing one fails the module instead of skipping it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote as urlquote
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator import load_catalog, load_plant, load_supply
from configurator.catalog.model import Catalog
from configurator.page import PageState, page_state
from configurator.plant import Plant
from configurator.supply import Supply

from .conftest import DATA, ROOT

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - .ci/run installs it
    sync_playwright = None

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
_MISSING = [what for what, found in (("the playwright Python package", sync_playwright),
                                     ("Debian's chromium binary", CHROMIUM)) if not found]
if _MISSING:
    _WHY = (f"browser tests need {' and '.join(_MISSING)} (.ci/run installs both: "
            "apt-get install chromium; pip install -e '.[test]')")
    if os.environ.get("BTO_BROWSER_TESTS") == "required":  # CI: never skip
        pytest.fail(_WHY, pytrace=False)
    pytest.skip(_WHY, allow_module_level=True)

#: The order time of every page (the README's example): plant-local, so each catalog's zone.
AT = "2026-11-25T10:00"
#: Generous: the machine is shared, and a workstation answer with deltas takes seconds.
WAIT_MS = 90_000
EXAMPLES = sorted(ROOT.glob("catalogs/*.yaml"))
SCREENSHOT = ROOT / "docs" / "screenshots" / "web-configurator.png"
#: Set to 1 to (re)write the committed screenshot; otherwise it goes to a temporary folder.
UPDATE_SCREENSHOT = os.environ.get("BTO_UPDATE_SCREENSHOTS") == "1"

_HOSTILE = ('<img src=x onerror="window.pwned=1;alert(1)">', "<script>alert(2)</script>",
            '"><svg onload=alert(3)>')


def hostile_catalog(folder: Path) -> Path:
    """A small catalog whose name, labels and rule message are markup and script."""
    name, label, message = _HOSTILE
    for part in ("plant.yaml", "supply.yaml"):
        (folder / part).write_bytes((DATA / "quote" / part).read_bytes())
    text = (DATA / "quote" / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace("id: trailer", "id: hostile").replace(
        "name: Cargo trailer", f"name: {json.dumps(name)}").replace(
        "label: Motor A (stocked)", f"label: {json.dumps(label)}")
    text = text.replace("parts:\n", f"""  - id: colour
    label: {json.dumps(label)}
    options:
      - {{id: red, label: {json.dumps(name)}, default: true}}
      - {{id: blue, label: {json.dumps(message)}}}
rules:
  - id: no-blue
    message: {json.dumps(message + name)}
    excludes: colour.blue
parts:
""", 1)
    path = folder / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Server:
    """`bto serve` in a subprocess: its base URL and everything it logged."""

    base: str
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Served:
    """A catalog as the server loaded it, to compute the expected page states here."""

    path: Path
    catalog: Catalog
    plant: Plant
    supply: Supply

    def state(self, selection: dict[str, Any], deltas: bool | list[str] = False,
              tradeoffs: bool = False) -> PageState:
        """What the page should show for ``selection`` ordered at :data:`AT`."""
        at = dt.datetime.fromisoformat(AT).replace(tzinfo=self.plant.zone)
        return page_state(self.catalog, selection, plant=self.plant, supply=self.supply,
                          at=at, deltas=deltas, tradeoffs=tradeoffs)


def _drain(stream: Any, into: list[str]) -> None:
    for line in stream:
        into.append(line)


@contextmanager
def _serving(*args: str) -> Iterator[Server]:
    """``bto serve ARGS --port 0`` in a process, ready; stopped after. The log is read all
    along, so a full pipe never blocks the server; it must show no traceback and no 500."""
    code = "from configurator.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", *args, "--port", "0", "--host", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
    if not found:
        process.kill()
        pytest.fail(f"bto serve did not start: {first}{process.stdout.read()}")
    served = Server(f"http://127.0.0.1:{found.group(1)}", process, [first])
    threading.Thread(target=_drain, args=(process.stdout, served.log), daemon=True).start()
    for _ in range(300):
        try:
            with urllib.request.urlopen(served.base + "/api/catalogs", timeout=5):
                break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    yield served
    process.terminate()
    process.wait(timeout=20)
    log = "".join(served.log)
    assert "Traceback" not in log and '" 500' not in log, log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    hostile = hostile_catalog(tmp_path_factory.mktemp("hostile"))
    with _serving(*map(str, EXAMPLES), str(hostile)) as served:
        yield served


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Served]:
    out: dict[str, Served] = {}
    for path in EXAMPLES:
        catalog = load_catalog(path)
        assert catalog.plant and catalog.supply
        out[catalog.id] = Served(path, catalog, load_plant(catalog.plant),
                                 load_supply(catalog.supply))
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert sync_playwright is not None and CHROMIUM is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@dataclass
class Tab:
    """One page in a fresh browser context, with what it did besides drawing."""

    page: Page
    server: Server
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)

    def answer(self, body: dict[str, Any]) -> Any:
        """The JSON the server answered to the page's request with this body."""
        for response in reversed(self.answers):
            if response.request.post_data_json == body:
                assert response.status == 200, response.text()
                return response.json()
        raise AssertionError(f"no answer to {body}")

    def open(self, catalog_id: str, selection: dict[str, Any] | None = None) -> None:
        """Open a catalog's configurator for :data:`AT` (with a bookmarked selection)."""
        url = f"{self.server.base}/c/{catalog_id}?at={AT}"
        if self.page.url.split("#")[0] == url:
            self.page.goto("about:blank")  # a new address, not just a new #fragment: reload
        if selection:
            url += "#s=" + urlquote(json.dumps(selection))
        self.page.goto(url)
        self.settle()

    def settle(self) -> None:
        """Wait until every answer asked for is drawn."""
        self.page.locator('#modules[aria-busy="false"]').wait_for(timeout=WAIT_MS)
        assert not self.page.locator("#status.error").count(), self.page.inner_text("#status")

    def click(self, module: str, option: Any) -> None:
        """Click an option (``None``: "nothing") and wait for the answer."""
        self.option(module, option).click()
        self.settle()

    def option(self, module: str, option: Any) -> Any:
        """The option's button."""
        key = "__none__" if option is None else str(option)
        return self.page.locator(f'button.option[data-module="{module}"][data-option="{key}"]')

    def selection(self) -> dict[str, Any]:
        """The selection the page keeps in its address."""
        found = re.search(r"#s=(.*)$", self.page.url)
        return json.loads(unquote(found.group(1))) if found else {}

    def options(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every option button as drawn: state, disabled, reason and its tooltip, delta."""
        drawn = self.page.evaluate("""() => Array.from(
            document.querySelectorAll("button.option")).map((b) => {
              const reason = b.querySelector(".reason");
              const delta = b.querySelector(".delta");
              return {module: b.dataset.module, option: b.dataset.option,
                      state: b.dataset.state, config: b.dataset.inConfiguration === "true",
                      disabled: b.disabled, label: b.querySelector(".label").textContent,
                      reason: reason ? reason.textContent : null,
                      where: reason ? reason.title : null,
                      delta: delta ? delta.dataset.delta : null};
            })""")
        return {(d["module"], d["option"]): d for d in drawn}


@pytest.fixture
def tab(browser: Browser, server: Server) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    opened = Tab(page, server)

    def route(r: Any) -> None:
        if r.request.url.startswith(server.base):
            r.continue_()
        else:
            opened.offsite.append(r.request.url)
            r.abort()

    def sent(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/page"):
            opened.bodies.append(request.post_data_json)

    context.route("**/*", route)
    page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("request", sent)
    page.on("response", lambda r: opened.answers.append(r) if r.url.endswith("/page") else None)
    yield opened
    context.close()
    assert not opened.offsite, f"the page reached outside the server: {opened.offsite}"
    assert not opened.dialogs and not opened.errors, (opened.dialogs, opened.errors)


def key(value: Any) -> str:
    """An option's ``data-option``."""
    return "__none__" if value is None else str(value)


def assert_shows(tab: Tab, served: Served, full: bool = False) -> PageState:
    """The page draws the answer to the request it sent last (every option's state, whether it
    can be clicked, its reason with each rule's id and ``file:line:col``, its delta; the price
    and the promised date), and that answer is what ``page_state`` gives here for the same
    selection and time: modules, reasons, price lines, quote, conflict and repairs; with
    ``full`` the deltas and trade-offs too (they cost a quote per option and per hint, so not
    at every click). Returns the expected state."""
    body = tab.bodies[-1]
    assert body["at"] == AT
    answer = tab.answer(body)
    drawn = tab.options()
    assert set(drawn) == {(m["id"], key(o["value"])) for m in answer["modules"]
                          for o in m["options"]}
    for module in answer["modules"]:
        said: dict[str, str] = {}
        for option in module["options"]:
            shown = drawn[module["id"], key(option["value"])]
            assert shown["state"] == option["state"], shown
            assert shown["config"] == option["in_configuration"], shown
            assert shown["label"].endswith(option["label"]), shown
            assert shown["delta"] == (option["delta"] or {}).get("text"), shown
            if option["state"] == "unavailable" or (
                    not answer["valid"] and option["state"] != "chosen"):
                assert shown["disabled"], shown
            reason = option["reason"]
            if reason and reason["short"] in said:  # given once per module, then referred to
                assert shown["reason"] == f"Same reason as {said[reason['short']]}", shown
            else:
                assert shown["reason"] == (reason["short"] if reason else None), shown
                if reason:
                    said[reason["short"]] = option["label"]
            if reason:
                assert shown["where"].startswith(reason["text"]), shown
            for rule in reason["rules"] if reason else ():
                assert f"{rule['id']} @ {rule['source']}" in shown["where"], shown
    quote = answer["quote"]
    assert tab.page.locator("#price").get_attribute("data-total") == (
        answer["price"]["total"] if answer["price"] else "")
    if answer["price"]:  # shown with thousands separators, digit for digit
        price = answer["price"]
        assert tab.page.inner_text("#price") == (
            f"{price['currency']} {Decimal(price['total']):,}")
    assert tab.page.locator("#promised").get_attribute("data-date") == (
        quote["promised"] if quote else "")
    assert tab.page.inner_text("#promised") == (quote["promised"] if quote else "-")
    assert tab.page.locator("#conflict").is_hidden() == answer["valid"]

    expected = served.state(body["selection"], body["deltas"] if full else False, full)
    wanted = json.loads(json.dumps(expected.to_dict()))
    if not full:
        for state in (wanted, answer):
            for module in state["modules"]:
                for option in module["options"]:
                    option["delta"] = None
            if state["quote"]:
                state["quote"]["tradeoffs"] = []
    assert answer == wanted
    return expected


def rule_position(path: Path, rule_id: str) -> str:
    """``file:line:col`` of a rule's ``id`` key, found in the catalog's text."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        found = re.match(rf"(\s*-\s*)id: {re.escape(rule_id)}\s*$", line)
        if found:
            return f"{path}:{number}:{len(found.group(1)) + 1}"
    raise AssertionError(f"no rule {rule_id} in {path}")


def assert_longtail_rules_out_hub_motors(tab: Tab) -> None:
    """What the longtail rules out, with the reason a customer reads and where the rule is."""
    options = tab.options()
    front, hub = options["motor", "hub_front_40"], options["motor", "hub_rear_50"]
    assert hub["disabled"] and hub["state"] == "unavailable"
    assert front["reason"].startswith("Cargo bikes need a mid-drive motor")
    assert front["reason"].endswith(
        "(with your choice of Frame: Longtail cargo frame with integrated rear rack)")
    # the same reason is given once in the module, then referred to
    assert hub["reason"] == "Same reason as " + tab.page.locator(
        "#o-motor-hub_front_40 .label").inner_text()[2:]
    where = rule_position(ROOT / "catalogs" / "ebike.yaml", "cargo-needs-mid-drive")
    assert hub["where"].endswith(f"\ncargo-needs-mid-drive @ {where}")
    assert tab.option("motor", "hub_rear_50").locator(".reason").is_visible()


# -- a full configuration ------------------------------------------------------------------
#: A longtail cargo bike, one click or more per module (the customer changes their mind on the
#: range extender, and leaves the mudguards out); each click is available when it is made.
CARGO_BIKE: list[tuple[str, Any, str]] = [
    ("frame", "longtail", "chosen"), ("drivetrain", "chain_deore_10", "chosen"),
    ("motor", "mid_ep8", "chosen"), ("battery", "bat_900", "chosen"),
    ("range_extender", "ext_360", "chosen"), ("range_extender", None, "chosen"),
    ("tyres", "pick_up", "chosen"), ("brakes", "hyd_cme5", "chosen"),
    ("charger", "chg_6a", "chosen"), ("accessories", "lock", "chosen"),
    ("accessories", "gps_tracker", "chosen"), ("accessories", "mudguards", "excluded"),
    ("child_seats", 2, "chosen"), ("stem_mm", 70, "chosen"), ("colour", "sage", "chosen"),
]


def test_click_through_a_full_ebike_configuration(tab: Tab, catalogs: dict[str, Served],
                                                  tmp_path: Path) -> None:
    ebike = catalogs["ebike-neckar"]
    tab.open("ebike-neckar")
    start = assert_shows(tab, ebike)
    assert start.valid and start.quote is not None
    for module, option, state in CARGO_BIKE:
        assert tab.option(module, option).is_enabled(), (module, option)
        tab.click(module, option)
        assert_shows(tab, ebike)
        assert tab.option(module, option).get_attribute("data-state") == state
        if module == "frame":
            assert_longtail_rules_out_hub_motors(tab)

    chosen = tab.selection()
    assert chosen["frame"] == "longtail" and chosen["colour"] == "sage"
    assert chosen["range_extender"] is None and chosen["child_seats"] == 2
    assert set(chosen["accessories"]) == {"lock", "gps_tracker", "-mudguards"}
    every = {m.id for m in ebike.catalog.modules} - {"frame_size", "wheels"}
    assert every <= set(chosen)  # one click in every module but the two the frame forces
    final = assert_shows(tab, ebike, full=True)
    assert final.quote is not None and final.configuration is not None
    assert final.quote.price.total > start.quote.price.total

    # milestones end with the delivery on the promised date
    delivered = tab.page.locator('#milestones [data-milestone="delivered"]')
    assert final.quote.promised.isoformat() in delivered.inner_text()

    tab.page.fill("#customer", "Ada Lovelace")
    target = SCREENSHOT if UPDATE_SCREENSHOT else tmp_path / SCREENSHOT.name
    target.parent.mkdir(parents=True, exist_ok=True)
    tab.page.evaluate("window.scrollTo(0, 0)")
    tab.page.screenshot(path=str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_deltas_of_a_compared_module(tab: Tab, catalogs: dict[str, Served]) -> None:
    tab.open("ebike-neckar", {"frame": "longtail"})
    compare = tab.page.locator('[data-compare="battery"]')
    compare.click()
    tab.settle()
    assert "battery" in tab.bodies[-1]["deltas"]
    expected = assert_shows(tab, catalogs["ebike-neckar"], full=True)
    battery = next(m for m in expected.modules if m.id == "battery")
    assert any(o.delta is not None for o in battery.options)
    assert tab.page.locator('[data-module="battery"] [data-delta]').count() > 0


def test_without_at_the_page_quotes_for_now(tab: Tab) -> None:
    before = dt.datetime.now(dt.UTC)
    tab.page.goto(f"{tab.server.base}/c/ebike-neckar")
    tab.settle()
    body = tab.bodies[-1]
    assert "at" not in body
    answer = tab.answer(body)
    placed = dt.datetime.fromisoformat(answer["placed"])
    assert before - dt.timedelta(seconds=1) <= placed <= dt.datetime.now(dt.UTC)
    promised = dt.date.fromisoformat(tab.page.locator("#promised").get_attribute("data-date"))
    assert promised > placed.date()


# -- conflicts and repairs -----------------------------------------------------------------
def test_a_conflicting_bookmark_offers_repairs(tab: Tab, catalogs: dict[str, Served]) -> None:
    ebike = catalogs["ebike-neckar"]
    conflicting = {"frame": "longtail", "motor": "hub_rear_50", "battery": "bat_360"}
    tab.open("ebike-neckar", conflicting)
    expected = assert_shows(tab, ebike)
    assert not expected.valid and expected.repairs
    assert tab.page.locator("#conflict").is_visible()
    assert tab.page.locator("#download").is_disabled()
    assert tab.page.inner_text("#price") == "-"
    rules = tab.page.locator("#conflict-rules li")
    assert rules.count() == len(expected.conflict_rules)
    for rule in expected.conflict_rules:
        shown = tab.page.locator(f'#conflict-rules [data-rule="{rule.id}"]').inner_text()
        assert rule.message in shown and re.search(r"ebike\.yaml:\d+:\d+", shown)
    buttons = tab.page.locator("#repairs [data-repair]")
    assert buttons.all_inner_texts() == [r.text for r in expected.repairs]
    drawn = tab.options()
    for (module, option), shown in drawn.items():
        if shown["state"] != "chosen":
            assert shown["disabled"], (module, option)  # only a repair leads on

    repair = expected.repairs[0]
    buttons.first.click()
    tab.settle()
    after = tab.selection()
    assert after == repair.to_dict()["selection"]
    assert set(after) < set(conflicting)
    for gone in repair.remove:
        assert after.get(gone.module) != gone.value
    repaired = assert_shows(tab, ebike)
    assert repaired.valid and repaired.quote is not None
    assert tab.page.locator("#conflict").is_hidden()
    assert tab.page.locator("#download").is_enabled()


def test_let_us_choose_gives_a_module_back(tab: Tab, catalogs: dict[str, Served]) -> None:
    tab.open("ebike-neckar", {"frame": "longjohn", "colour": "orange"})
    tab.page.locator('[data-reset="colour"]').click()
    tab.settle()
    assert tab.selection() == {"frame": "longjohn"}
    assert_shows(tab, catalogs["ebike-neckar"])


# -- the quote document --------------------------------------------------------------------
def test_download_the_html_quote(tab: Tab, catalogs: dict[str, Served]) -> None:
    selection = {"frame": "longjohn", "motor": "mid_m560"}
    tab.open("ebike-neckar", selection)
    expected = assert_shows(tab, catalogs["ebike-neckar"])
    assert expected.quote is not None
    name = "Ada " + _HOSTILE[0]
    tab.page.fill("#customer", name)
    with tab.page.expect_download() as info:
        tab.page.click("#download")
    download = info.value
    assert download.suggested_filename == "quote-ebike-neckar.html"
    document = Path(download.path()).read_text(encoding="utf-8")
    assert document.lstrip().lower().startswith("<!doctype html")
    assert _HOSTILE[0] not in document  # the name is escaped
    # read as a person would: the document, opened, shows the date and the name as text
    viewer = tab.page.context.new_page()
    viewer.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    viewer.set_content(document)
    assert viewer.inner_text(".promise strong") == expected.quote.promised.isoformat()
    assert name in viewer.inner_text("body")
    assert viewer.locator("img").count() == 0
    assert viewer.evaluate("window.pwned") is None
    viewer.close()


# -- hostile text --------------------------------------------------------------------------
def test_hostile_catalog_text_is_shown_as_text(tab: Tab) -> None:
    tab.open("hostile")
    name, label, message = _HOSTILE
    assert tab.page.inner_text("#title") == name
    assert tab.page.title().startswith(name)
    assert tab.page.locator('[data-module="motor"] .label').first.inner_text().endswith(label)
    blue = tab.options()["colour", "blue"]
    assert blue["disabled"] and blue["label"].endswith(message)
    assert blue["reason"] == message + name and "no-blue @ " in blue["where"]
    # nothing was parsed as markup, nothing ran
    assert tab.page.locator("#app img, #app svg, #app script, header img").count() == 0
    assert tab.page.evaluate("window.pwned") is None
    tab.page.goto(tab.server.base + "/")
    assert name in tab.page.inner_text("body")
    assert tab.page.locator("img, svg").count() == 0


def test_a_hostile_bookmark_is_an_inert_error(tab: Tab) -> None:
    tab.page.goto(f"{tab.server.base}/c/ebike-neckar?at={AT}#s="
                  + urlquote(json.dumps({"frame": _HOSTILE[1]})))
    tab.page.locator('#modules[aria-busy="false"]').wait_for()
    status = tab.page.inner_text("#status")
    assert "unknown option" in status and _HOSTILE[1] in status
    assert tab.page.locator("#app script").count() == 0
    tab.errors.clear()  # the browser logs the 422 answer itself as a console error


# -- every example catalog -----------------------------------------------------------------
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_every_example_catalog_configures_to_a_quote(tab: Tab, catalogs: dict[str, Served],
                                                     path: Path) -> None:
    served = next(s for s in catalogs.values() if s.path == path)
    tab.open(served.catalog.id)
    expected = assert_shows(tab, served)
    # one click in the first module with an option to click, then a valid quote
    drawn = tab.options()
    module, option = next((m, o) for (m, o), shown in drawn.items()
                          if not shown["disabled"] and not shown["config"])
    tab.option(module, None if option == "__none__" else option).click()
    tab.settle()
    after = assert_shows(tab, served)
    assert module in tab.selection()
    assert after.valid and after.quote is not None, after.problem
    assert after.configuration != expected.configuration
    assert tab.page.locator("#download").is_enabled()


# -- any clicks ----------------------------------------------------------------------------
@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=3))
def test_clicking_available_options_never_leads_to_a_conflict(
        tab: Tab, catalogs: dict[str, Served], picks: list[int]) -> None:
    tab.open("ebike-neckar")
    for pick in picks:
        clickable = sorted(k for k, shown in tab.options().items() if not shown["disabled"])
        module, option = clickable[pick % len(clickable)]
        tab.page.locator(f'button.option[data-module="{module}"][data-option="{option}"]'
                         ).click()
        tab.settle()
        state = assert_shows(tab, catalogs["ebike-neckar"])
        assert state.valid and module in tab.selection()


# -- ordering into the ledger --------------------------------------------------------------
CART = DATA / "ledger" / "catalog.yaml"


class TestOrdering:
    """`bto serve --ledger`: the page's Order button places the configuration shown, for the
    date shown, and the page then quotes against what the ledger holds. (The class's own
    ``server`` replaces the module's for the ``tab`` fixture.)"""

    @pytest.fixture(scope="class")
    @classmethod
    def ledger(cls, tmp_path_factory: pytest.TempPathFactory) -> Path:
        from configurator.ledger import Ledger

        target = tmp_path_factory.mktemp("ledger") / "orders.db"
        Ledger.open(target).close()  # an empty ledger: `bto serve` says nothing about it
        return target

    @pytest.fixture(scope="class")
    @classmethod
    def server(cls, ledger: Path) -> Iterator[Server]:
        with _serving(str(CART), "--ledger", str(ledger)) as served:
            yield served

    def test_order_from_the_page(self, tab: Tab, ledger: Path, tmp_path: Path) -> None:
        from configurator.ledger import Ledger

        tab.open("cart")
        assert tab.page.locator("#app").get_attribute("data-ordering") == "true"
        tab.page.fill("#qty", "2")  # the last two motors in stock
        tab.page.locator("#qty").dispatch_event("change")
        tab.settle()
        assert tab.bodies[-1]["qty"] == 2
        before = tab.page.locator("#promised").get_attribute("data-date")
        assert before and tab.page.locator("#order").is_enabled()
        tab.page.fill("#customer", "Ada " + _HOSTILE[0])
        tab.page.click("#order")
        result = tab.page.locator('#order-result[data-outcome="confirmed"]')
        result.wait_for()
        tab.settle()  # the page is quoted again after the order

        with Ledger.open(ledger) as opened:
            (placed,) = opened.orders("confirmed")
            catalog = load_catalog(CART)
            assert catalog.plant and catalog.supply
            plant, supply = load_plant(catalog.plant), load_supply(catalog.supply)
            inputs = opened.quote_inputs(supply, plant)
        assert placed.qty == 2 and placed.customer == "Ada " + _HOSTILE[0]
        assert placed.promised is not None and placed.promised.isoformat() == before
        assert result.get_attribute("data-order") == placed.id
        assert result.get_attribute("data-promised") == before
        text = result.inner_text()
        assert f"Order {placed.id} confirmed" in text and before in text
        assert _HOSTILE[0] in text  # the name, as text
        assert tab.page.locator("#app img").count() == 0
        assert tab.page.evaluate("window.pwned") is None

        # the refreshed quote sees the reservation: a later date, the library's own
        after = tab.page.locator("#promised").get_attribute("data-date")
        at = dt.datetime.fromisoformat(AT).replace(tzinfo=plant.zone)
        expected = page_state(catalog, {}, plant=plant, supply=inputs.supply,
                              orders=inputs.orders, at=at, qty=2, deltas=False,
                              tradeoffs=False)
        assert expected.quote is not None
        assert after == expected.quote.promised.isoformat() and after > before
        shot = tmp_path / "order-confirmed.png"
        tab.page.evaluate("window.scrollTo(0, 0)")
        tab.page.screenshot(path=str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
