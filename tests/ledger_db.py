"""Databases for the ledger tests: a fresh SQLite file or PostgreSQL schema per test.

PostgreSQL comes from ``BTO_POSTGRES_URL`` when set (each test gets its own schema there);
else a throwaway cluster is started once per session in a temporary folder (as the
``postgres`` user when running as root), listening only on a unix socket in that folder; else
the PostgreSQL half of the tests is skipped, or fails when ``BTO_POSTGRES_TESTS=required``.
The server and the schemas come from ``benchmarks/_pg.py``, which the ledger benchmark uses
too.

Test modules take the fixtures into their namespace: ``ledger_url = ledger_db.ledger_url`` (and
``ledger_urls``, ``postgres_base``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import NoReturn

import pytest

from benchmarks import _pg

ENGINES = ("sqlite", "postgresql")


def _missing(why: str) -> NoReturn:
    if os.environ.get("BTO_POSTGRES_TESTS") == "required":
        pytest.fail(f"PostgreSQL tests are required (BTO_POSTGRES_TESTS=required): {why}")
    pytest.skip(f"no PostgreSQL: {why}")


@pytest.fixture(scope="session")
def postgres_base() -> Iterator[str]:
    """The URL of a PostgreSQL database the tests may create schemas in."""
    with ExitStack() as stack:
        try:
            base = stack.enter_context(_pg.postgres_server())
        except _pg.PostgresUnavailable as error:
            _missing(str(error))
        yield base


@pytest.fixture(params=ENGINES)
def ledger_urls(request: pytest.FixtureRequest, tmp_path: Path
                ) -> Iterator[Callable[[], str]]:
    """A factory of fresh, empty ledger targets on the parametrized engine: SQLite file
    paths, or PostgreSQL URLs each with a schema of its own."""
    if request.param == "sqlite":
        counter = iter(range(1_000_000))
        yield lambda: str(tmp_path / f"ledger-{next(counter)}.db")
        return
    with _pg.Schemas(request.getfixturevalue("postgres_base")) as schemas:
        yield schemas.new


@pytest.fixture
def ledger_url(ledger_urls: Callable[[], str]) -> str:
    """One fresh, empty ledger target on the parametrized engine."""
    return ledger_urls()
