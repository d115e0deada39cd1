"""Databases for the ledger tests: a fresh SQLite file or PostgreSQL schema per test.

PostgreSQL comes from ``BTO_POSTGRES_URL`` when set (each test gets its own schema there);
else a throwaway cluster is started once per session in a temporary folder (as the
``postgres`` user when running as root), listening only on a unix socket in that folder; else
the PostgreSQL half of the tests is skipped, or fails when ``BTO_POSTGRES_TESTS=required``.

Test modules take the fixtures into their namespace: ``ledger_url = ledger_db.ledger_url`` (and
``ledger_urls``, ``postgres_base``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

ENGINES = ("sqlite", "postgresql")
#: Debian's server programs, newest version first.
BIN_DIRS = tuple(sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")),
                        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                        else 0, reverse=True))


def _missing(why: str) -> None:
    if os.environ.get("BTO_POSTGRES_TESTS") == "required":
        pytest.fail(f"PostgreSQL tests are required (BTO_POSTGRES_TESTS=required): {why}")
    pytest.skip(f"no PostgreSQL: {why}")


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    for folder in BIN_DIRS:
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str], as_postgres: bool) -> None:
    command = ["runuser", "-u", "postgres", "--", *args] if as_postgres else args
    subprocess.run(command, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def postgres_base() -> Iterator[str]:
    """The URL of a PostgreSQL database the tests may create schemas in."""
    given = os.environ.get("BTO_POSTGRES_URL")
    if given:
        yield given
        return
    bins = _bin_dir()
    if bins is None:
        _missing("BTO_POSTGRES_URL is not set and initdb was not found")
    assert bins is not None
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="bto-pg-"))
    data = root / "data"
    port = _free_port()
    try:
        if as_postgres:
            shutil.chown(root, "postgres", "postgres")
        _run([str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
              "-E", "UTF8", "--no-sync"], as_postgres)
        _run([str(bins / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"), "-o",
              f"-k {root} -p {port} -c listen_addresses='' -c fsync=off "
              "-c full_page_writes=off -c max_connections=200", "start"], as_postgres)
    except (OSError, subprocess.SubprocessError) as error:
        shutil.rmtree(root, ignore_errors=True)
        _missing(f"could not start a throwaway cluster: {error}")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={root}&port={port}"
    finally:
        try:
            _run([str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                 as_postgres)
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=ENGINES)
def ledger_urls(request: pytest.FixtureRequest, tmp_path: Path
                ) -> Iterator[Callable[[], str]]:
    """A factory of fresh, empty ledger targets on the parametrized engine: SQLite file
    paths, or PostgreSQL URLs each with a schema of its own."""
    if request.param == "sqlite":
        counter = iter(range(1_000_000))
        yield lambda: str(tmp_path / f"ledger-{next(counter)}.db")
        return
    base = request.getfixturevalue("postgres_base")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    schemas: list[str] = []

    def make() -> str:
        name = "t_" + uuid.uuid4().hex[:16]
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
        schemas.append(name)
        joiner = "&" if "?" in base else "?"
        return f"{base}{joiner}options=-csearch_path%3D{name}"

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in schemas:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        admin.dispose()


@pytest.fixture
def ledger_url(ledger_urls: Callable[[], str]) -> str:
    """One fresh, empty ledger target on the parametrized engine."""
    return ledger_urls()
