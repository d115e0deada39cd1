"""The ledger benchmark's parts on a tiny ledger (SQLite only), so the code cannot rot: the
orders it places are the ones it says, its quote is the date the ledger then gives, its delay
moves promises only later, and its concurrent run checks out. No timings: the benchmark
measures (``python -m benchmarks ledger``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import ledger as bench
from configurator import quote
from configurator.ledger import Ledger

TINY = bench.Sizes(open_orders=4, window=2, repromise_at=(2, 4), workers=2, each=1, quotes=1)


@pytest.fixture(scope="module")
def world() -> bench.World:
    return bench.load_world()


@pytest.fixture(scope="module")
def pairs(world: bench.World) -> tuple[dict[str, str], ...]:
    return bench.buildable_pairs(world.catalog)


def _open(path: Path, world: bench.World) -> Ledger:
    return Ledger.open(path, catalogs=[world.catalog], plants=[world.plant],
                       supplies=[world.supply])


def test_the_buildable_pairs_are_exactly_those_a_quote_accepts(
        world: bench.World, pairs: tuple[dict[str, str], ...]) -> None:
    frame, motor = (world.catalog.module(m) for m in bench.FRAMES_AND_MOTORS)
    for f in frame.options:
        for m in motor.options:
            selection = {frame.id: f.id, motor.id: m.id}
            try:
                quote(world.catalog, selection, plant=world.plant, supply=world.supply,
                      at=world.at(0))
                built = True
            except ValueError:
                built = False
            assert built == (selection in pairs), selection
    assert 1 < len(pairs) < len(frame.options) * len(motor.options)


@given(count=st.integers(0, 40), seed=st.integers(0, 2**32))
def test_selections_are_reproducible_draws_from_the_pairs(
        pairs: tuple[dict[str, str], ...], count: int, seed: int) -> None:
    drawn = bench.selections(pairs, count, seed)
    assert drawn == bench.selections(pairs, count, seed)
    assert len(drawn) == count
    assert all(s in pairs for s in drawn)
    for s in drawn:
        s["frame"] = "changed"
    assert all(p["frame"] != "changed" for p in pairs)


def test_orders_are_placed_30_minutes_apart_and_held(
        world: bench.World, pairs: tuple[dict[str, str], ...], tmp_path: Path) -> None:
    chosen = bench.selections(pairs, 4, bench.SEED)
    with _open(tmp_path / "l.db", world) as ledger:
        seconds = bench.place_orders(ledger, world, chosen[:3])
        seconds += bench.place_orders(ledger, world, chosen[3:], first=3)
        orders = sorted(ledger.orders(), key=lambda o: o.placed)
    assert len(seconds) == 4 and all(s > 0 for s in seconds)
    assert [o.status for o in orders] == ["confirmed"] * 4
    assert [o.placed for o in orders] == [world.at(n) for n in range(4)]
    assert all(b - a == bench.STEP for a, b in zip(
        [o.placed for o in orders], [o.placed for o in orders[1:]], strict=False))
    assert [{k: o.configuration[k] for k in bench.FRAMES_AND_MOTORS} for o in orders] == chosen


def test_the_quote_against_the_ledger_is_the_date_placing_then_gives(
        world: bench.World, pairs: tuple[dict[str, str], ...], tmp_path: Path) -> None:
    chosen = bench.selections(pairs, 6, bench.SEED + 1)
    with _open(tmp_path / "l.db", world) as ledger:
        bench.place_orders(ledger, world, chosen[:3])
        for n in range(3, 6):
            read, priced, date = bench.quote_against(ledger, world, chosen[n], world.at(n))
            assert read > 0 and priced > 0
            outcome = ledger.place(world.catalog, chosen[n], plant=world.plant,
                                   supply=world.supply, at=world.at(n))
            assert outcome.ok and outcome.order.order.promised == date


def test_delaying_the_busiest_purchase_order_only_moves_promises_later(
        world: bench.World, pairs: tuple[dict[str, str], ...], tmp_path: Path) -> None:
    with _open(tmp_path / "l.db", world) as ledger:
        bench.place_orders(ledger, world, bench.selections(pairs, 5, bench.SEED))
        holders: dict[str, set[str]] = {}
        for order in ledger.orders(status="confirmed"):
            for r in ledger.order(order.id).reservations:
                if r.po is not None:
                    holders.setdefault(r.po, set()).add(order.id)
        before = ledger.quote_inputs(world.supply, world.plant).supply
        done = bench.delay_busiest(ledger, world, world.at(5))
        after = ledger.quote_inputs(world.supply, world.plant).supply
        promised = {o.id: o.promised for o in ledger.orders()}
    assert holders, "the tiny ledger should hold some purchase order"
    assert done is not None
    assert len(holders[done.po]) == max(len(v) for v in holders.values())
    eta = {p.id: p.eta for p in before.purchase_orders}
    assert done.eta == eta[done.po] + bench.DELAY
    assert {p.id: p.eta for p in after.purchase_orders}[done.po] == done.eta
    assert set(done.repromise.checked) == set(promised)
    for change in done.repromise.changes:
        assert change.new > change.old and promised[change.order] == change.new
    assert done.to_dict()["po"] == done.po


def test_no_purchase_order_is_delayed_in_an_empty_ledger(world: bench.World,
                                                         tmp_path: Path) -> None:
    with _open(tmp_path / "l.db", world) as ledger:
        assert bench.busiest_po(ledger) is None
        assert bench.delay_busiest(ledger, world, world.at(0)) is None
        assert ledger.events() == ()


@pytest.mark.parametrize("broken", [
    {"errors": ("worker 0: boom",)}, {"problems": ("MOTOR overbooked",)},
    {"recorded": 3}, {"refused": 1}])
def test_a_concurrent_run_is_sound_only_when_everything_checks_out(broken: dict[str, object]
                                                                   ) -> None:
    fine: dict[str, object] = {"asked": 4, "seconds": 1.0, "confirmed": 4, "refused": 0,
                               "errors": (), "recorded": 4, "problems": ()}
    assert bench.Concurrent(**fine).sound  # type: ignore[arg-type]
    assert not bench.Concurrent(**{**fine, **broken}).sound  # type: ignore[arg-type]


def test_every_figure_is_printed_for_a_tiny_sqlite_ledger(
        world: bench.World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made: list[str] = []

    def fresh() -> str:
        made.append(str(tmp_path / f"l-{len(made)}.db"))
        return made[-1]

    assert bench.measure_engine(fresh, world, TINY)
    out = capsys.readouterr().out.splitlines()
    assert sum(line.rstrip().endswith("(info)") for line in out) == 4 + len(TINY.repromise_at) + 1
    assert out[-1].rstrip().endswith("verified")
    assert "0 overbooked or unsound, 0 errors" in out[-1]
    assert "2 recorded (2 confirmed)" in out[-1]
    # one ledger grown, one for the smaller re-promise, one raced
    assert len(made) == 3
    with Ledger.open(made[-1]) as raced:
        assert len(raced.orders()) == TINY.workers * TINY.each
