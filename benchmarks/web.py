"""``bto serve`` under load on loopback: 50 concurrent sessions x 20 clicks (issue 6).

A real server on a free loopback port: ``python cli.py serve --workers 2`` (the state lives in
the request, so the processes give the same answers). Then concurrent client sessions (asyncio,
one ``httpx.AsyncClient``) each click through a catalog as the browser page does: a click posts
the selection so far with the deltas of the module clicked last and of the first module without
a choice (``configurator/web_static/app.js``), and the session picks its next choice from the
answer: an option a person could click, in the first module without a choice (else in any
module), at random but seeded; a conflict takes one of the offered repairs.

Figures: each click's latency, p50/p95/max per catalog and overall, and the errors (any non-2xx
answer or exception, with the first few bodies). The issue's requirement: report the p95 per
click, and no errors. Before the load, one session per catalog clicks alone: the unloaded
latency, for comparison.

Environment (all optional): ``BTO_WEB_SESSIONS`` (50), ``BTO_WEB_CLICKS`` (20),
``BTO_WEB_WORKERS`` (2), ``BTO_WEB_SEED`` (2026).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ._util import percentile

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ("catalogs/ebike.yaml", "catalogs/workstation.yaml", "catalogs/pump-skid.yaml")
#: The order time of every click, so every answer is reproducible.
AT = "2026-11-25T10:00"
#: Clicks of each unloaded session, clicked alone before the load.
UNLOADED_CLICKS = 5
#: How many error bodies are printed.
SHOWN_ERRORS = 3


@dataclass(frozen=True, slots=True)
class Click:
    """One click of a session: the catalog, the request body, the HTTP status (None: an
    exception), the latency in seconds, and the answer (JSON) or the error text."""

    catalog: str
    body: Mapping[str, Any]
    status: int | None
    seconds: float
    answer: Any

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


def clickable(module: Mapping[str, Any], option: Mapping[str, Any]) -> bool:
    """Whether the page draws this option as an enabled button of a valid answer (app.js
    ``drawOption``): not unavailable, not the current value of a single module, not a forced
    multi-select option that is in the configuration."""
    if option["state"] == "unavailable":
        return False
    if module["kind"] == "multi":
        return not (option["forced"] and option["in_configuration"])
    return not option["in_configuration"]


def deltas_for(answer: Mapping[str, Any] | None, focus: Sequence[str]) -> list[str]:
    """The modules whose deltas the page asks for (app.js ``deltasFor``): the one clicked
    last, and the first module without a choice that has an option to click."""
    wanted = list(focus)
    if answer is None:
        return wanted
    for module in answer["modules"]:
        if not module["has_choice"] and module["id"] not in wanted and any(
                o["state"] == "available" and not o["in_configuration"]
                for o in module["options"]):
            wanted.append(module["id"])
            break
    return wanted


def next_click(answer: Mapping[str, Any], rnd: random.Random
               ) -> tuple[dict[str, Any], list[str]]:
    """The selection a person sends next from a page answer, and the page's focus (the module
    clicked). A conflict takes one of the repairs; otherwise an option is clicked in the
    first module without a choice, else in any module; with nothing left to click, a module is
    given back to the completion ("let us choose")."""
    selection = dict(answer["selection"])
    if not answer["valid"]:
        repairs = answer["repairs"]
        return (dict(rnd.choice(repairs)["selection"]) if repairs else {}), []
    open_ = [m for m in answer["modules"] if any(clickable(m, o) for o in m["options"])]
    fresh = [m for m in open_ if not m["has_choice"]]
    if not open_:
        chosen = [m["id"] for m in answer["modules"] if m["has_choice"]]
        if chosen:
            del selection[rnd.choice(chosen)]
        return selection, []
    module = fresh[0] if fresh else rnd.choice(open_)
    option = rnd.choice([o for o in module["options"] if clickable(module, o)])
    if module["kind"] == "multi":
        items = selection.get(module["id"])
        kept = [i for i in items if i.lstrip("-") != option["value"]] \
            if isinstance(items, list) else []
        kept.append(("-" if option["in_configuration"] else "") + option["value"])
        selection[module["id"]] = kept
    else:
        selection[module["id"]] = option["value"]
    return selection, [module["id"]]


async def session(client: httpx.AsyncClient, catalog: str, clicks: int, seed: int
                  ) -> list[Click]:
    """One person clicking ``clicks`` times through ``catalog``; stops at the first error."""
    rnd = random.Random(seed)
    selection: dict[str, Any] = {}
    focus: list[str] = []
    answer: Any = None
    done: list[Click] = []
    for _ in range(clicks):
        body = {"selection": selection, "at": AT, "deltas": deltas_for(answer, focus)}
        start = time.perf_counter()
        try:
            response = await client.post(f"/api/catalogs/{catalog}/page", json=body)
            status: int | None = response.status_code
            answer = response.json() if response.is_success else response.text
        except (httpx.HTTPError, ValueError) as exc:
            status, answer = None, f"{type(exc).__name__}: {exc}"
        done.append(Click(catalog, body, status, time.perf_counter() - start, answer))
        if not done[-1].ok:
            break
        selection, focus = next_click(answer, rnd)
    return done


async def sessions(client: httpx.AsyncClient, catalogs: Sequence[str], count: int,
                   clicks: int, seed: int) -> list[list[Click]]:
    """``count`` concurrent sessions, spread over ``catalogs`` in turn, seeded from ``seed``."""
    return list(await asyncio.gather(*(
        session(client, catalogs[i % len(catalogs)], clicks, seed + i) for i in range(count))))


@contextmanager
def server(workers: int) -> Iterator[str]:
    """``bto serve --workers N`` on a free loopback port, from this checkout; yields its URL."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "cli.py", "serve", *CATALOGS, "--port", "0",
               "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        yield _announced(process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _announced(process: subprocess.Popen[str]) -> str:
    """The URL ``bto serve --port 0`` names on its first stderr line."""
    assert process.stderr is not None
    ready, _, _ = select.select([process.stderr], [], [], 120)
    line = process.stderr.readline() if ready else ""
    found = re.search(r"http://[^/\s]+", line)
    if found is None:
        process.kill()
        raise RuntimeError(f"bto serve did not start: {line.strip() or 'no output'}")
    # uvicorn logs every request to stderr: keep the pipe drained, or the server blocks on it
    threading.Thread(target=process.stderr.read, daemon=True).start()
    return found.group(0)


async def _ready(client: httpx.AsyncClient) -> list[str]:
    """The catalog ids served, once the server answers (it loads the catalogs first)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            response = await client.get("/api/catalogs")
            response.raise_for_status()
            return [c["id"] for c in response.json()["catalogs"]]
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def _figures(name: str, times: list[float]) -> None:
    print(f"  {name:<38} n {len(times):5d}   p50 {percentile(times, 50):7.2f} s   "
          f"p95 {percentile(times, 95):7.2f} s   max {max(times):7.2f} s")


def _report(title: str, runs: list[list[Click]], catalogs: Sequence[str]) -> list[Click]:
    clicks = [c for run in runs for c in run]
    good = [c for c in clicks if c.ok]
    print(f"  {title}")
    for catalog in catalogs:
        times = [c.seconds for c in good if c.catalog == catalog]
        if times:
            _figures(catalog, times)
    if good:
        _figures("all catalogs (target: p95 reported)", [c.seconds for c in good])
    return [c for c in clicks if not c.ok]


async def _load(url: str, count: int, clicks: int, seed: int) -> bool:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=url, timeout=900, limits=limits) as client:
        catalogs = await _ready(client)
        few = min(clicks, UNLOADED_CLICKS)
        alone = [await session(client, c, few, seed - 1000 + i)
                 for i, c in enumerate(catalogs)]
        errors = _report(f"unloaded: one session at a time, {few} clicks each (info)", alone,
                         catalogs)
        start = time.perf_counter()
        runs = await sessions(client, catalogs, count, clicks, seed)
        wall = time.perf_counter() - start
    errors += _report(f"loaded: {count} concurrent sessions x {clicks} clicks", runs, catalogs)
    done = sum(len(run) for run in runs)
    print(f"  {done} of {count * clicks} clicks in {wall:.0f} s ({done / wall:.2f} clicks/s); "
          f"errors {len(errors)}   target: 0   {'ok' if not errors else 'MISSED'}")
    for click in errors[:SHOWN_ERRORS]:
        print(f"    {click.catalog} status {click.status}: {str(click.answer)[:300]}")
    return not errors and done == count * clicks


def run() -> bool:
    """The load check; True when no click failed."""
    count = int(os.environ.get("BTO_WEB_SESSIONS", "50"))
    clicks = int(os.environ.get("BTO_WEB_CLICKS", "20"))
    workers = int(os.environ.get("BTO_WEB_WORKERS", "2"))
    seed = int(os.environ.get("BTO_WEB_SEED", "2026"))
    what = f"bto serve --workers {workers}"
    print(f"web: {count} concurrent sessions x {clicks} clicks on loopback, {what}, "
          f"{os.cpu_count()} cores")
    with server(workers) as url:
        return asyncio.run(_load(url, count, clicks, seed))
