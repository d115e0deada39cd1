"""The web configurator under concurrent sessions, in-process: the clicking sessions of
``python -m benchmarks web`` (5 sessions x 3 clicks) get no errors, and every concurrent answer
equals the answer to the same request sent alone. No timings here: the benchmark measures."""

from __future__ import annotations

import asyncio
import json
import random
import warnings
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.web import AT, Click, clickable, deltas_for, next_click, sessions
from configurator.web import create_app

from .conftest import DATA, ROOT

EBIKE = ROOT / "catalogs" / "ebike.yaml"
TRAILER = DATA / "quote" / "catalog.yaml"
SESSIONS, CLICKS = 5, 3


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app([TRAILER, EBIKE])


def client(app: Any) -> httpx.AsyncClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://bto.test", timeout=300)


async def concurrent_then_alone(app: Any) -> tuple[list[list[Click]], list[Any]]:
    async with client(app) as http:
        runs = await sessions(http, ["trailer", "ebike-neckar"], SESSIONS, CLICKS, seed=7)
        alone = []
        for click in (c for run in runs for c in run):
            response = await http.post(f"/api/catalogs/{click.catalog}/page", json=click.body)
            alone.append(response.json())
    return runs, alone


@pytest.fixture(scope="module")
def load(app: Any) -> tuple[list[list[Click]], list[Any]]:
    return asyncio.run(concurrent_then_alone(app))


def test_concurrent_sessions_get_no_errors(load: tuple[list[list[Click]], list[Any]]) -> None:
    runs, _ = load
    assert len(runs) == SESSIONS
    failed = [(c.status, c.answer) for run in runs for c in run if not c.ok]
    assert failed == []
    assert [len(run) for run in runs] == [CLICKS] * SESSIONS
    assert {run[0].catalog for run in runs} == {"trailer", "ebike-neckar"}


def test_concurrent_answers_equal_answers_alone(
        load: tuple[list[list[Click]], list[Any]]) -> None:
    runs, alone = load
    concurrent = [c.answer for run in runs for c in run]
    assert len(concurrent) == len(alone) == SESSIONS * CLICKS
    for together, single in zip(concurrent, alone, strict=True):
        assert json.dumps(together, sort_keys=True) == json.dumps(single, sort_keys=True)


def test_sessions_send_what_the_page_sends_and_click_on(
        load: tuple[list[list[Click]], list[Any]]) -> None:
    runs, _ = load
    for number, run in enumerate(runs):
        rnd = random.Random(7 + number)
        assert run[0].body == {"selection": {}, "at": AT, "deltas": []}
        for before, after in zip(run, run[1:], strict=False):
            selection, focus = next_click(before.answer, rnd)
            assert after.body == {"selection": selection, "at": AT,
                                  "deltas": deltas_for(before.answer, focus)}
            assert after.answer["selection"] != before.answer["selection"]


# -- the clicking person, on real answers ---------------------------------------------------
@pytest.fixture(scope="module")
def answers(app: Any) -> list[Any]:
    async def fetch() -> list[Any]:
        async with client(app) as http:
            out = []
            for selection in ({}, {"frame": "longtail", "accessories": ["lock"]},
                              {"frame": "longtail", "motor": "hub_rear_50"}):
                response = await http.post("/api/catalogs/ebike-neckar/page",
                                           json={"selection": selection, "at": AT})
                assert response.status_code == 200, response.text
                out.append(response.json())
            return out

    found = asyncio.run(fetch())
    assert [a["valid"] for a in found] == [True, True, False]
    return found


def _option(answer: Mapping[str, Any], module_id: str, value: Any) -> tuple[Any, Any]:
    module = next(m for m in answer["modules"] if m["id"] == module_id)
    return module, next(o for o in module["options"] if o["value"] == value)


@given(st.integers(min_value=0, max_value=2), st.integers())
def test_a_click_changes_one_module_to_a_clickable_option_or_repairs(
        answers: list[Any], which: int, seed: int) -> None:
    answer = answers[which]
    selection, focus = next_click(answer, random.Random(seed))
    if not answer["valid"]:
        assert selection in [r["selection"] for r in answer["repairs"]]
        assert focus == []
        return
    before = answer["selection"]
    changed = [m for m in {*before, *selection} if before.get(m) != selection.get(m)]
    assert changed == focus and len(focus) == 1
    module_id = focus[0]
    new = selection[module_id]
    if isinstance(new, list):
        clicked = new[-1].lstrip("-")
        module, option = _option(answer, module_id, clicked)
        assert new[-1].startswith("-") == option["in_configuration"]
        assert [i.lstrip("-") for i in new].count(clicked) == 1
    else:
        module, option = _option(answer, module_id, new)
    assert clickable(module, option)
    fresh = [m["id"] for m in answer["modules"] if not m["has_choice"]
             and any(clickable(m, o) for o in m["options"])]
    if fresh:
        assert module_id == fresh[0]
