"""PostgreSQL for the ledger tests and benchmarks: a server, and fresh schemas in it.

:func:`postgres_server` gives ``BTO_POSTGRES_URL`` when set, else starts a throwaway cluster
with ``initdb`` in a temporary folder (as the ``postgres`` user when running as root: the
server refuses to run as root), listening only on a unix socket in that folder, and stops it
and removes the folder on exit. :class:`Schemas` makes empty schemas in one database, each as
a URL of its own, and drops them on exit. tests/ledger_db.py builds its fixtures on these.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

#: Debian's server programs, newest version first.
BIN_DIRS = tuple(sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")),
                        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                        else 0, reverse=True))


class PostgresUnavailable(Exception):
    """No PostgreSQL server can be had here; the message says why."""


def bin_dir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on the PATH, else Debian's newest."""
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


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a PostgreSQL cluster in a temporary folder; yield the URL of its ``postgres``
    database; stop it and remove the folder on exit. Raises :class:`PostgresUnavailable`
    when ``initdb`` is missing or the cluster does not start."""
    bins = bin_dir()
    if bins is None:
        raise PostgresUnavailable("BTO_POSTGRES_URL is not set and initdb was not found")
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
        raise PostgresUnavailable(f"could not start a throwaway cluster: {error}") from error
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={root}&port={port}"
    finally:
        try:
            _run([str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                 as_postgres)
        finally:
            shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL database to make schemas in: ``BTO_POSTGRES_URL`` when set,
    else a :func:`throwaway_cluster` for the duration."""
    given = os.environ.get("BTO_POSTGRES_URL")
    if given:
        yield given
        return
    with throwaway_cluster() as url:
        yield url


class Schemas:
    """Fresh, empty schemas in the database at ``base``: :meth:`new` makes one and gives a
    URL whose connections use it; :meth:`close` (or leaving the ``with``) drops them all."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._admin = sa.create_engine(base, isolation_level="AUTOCOMMIT",
                                       poolclass=sa.NullPool)
        self._names: list[str] = []

    def new(self) -> str:
        """A URL of ``base`` with a new, empty schema of its own as the search path."""
        name = "t_" + uuid.uuid4().hex[:16]
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
        self._names.append(name)
        joiner = "&" if "?" in self.base else "?"
        return f"{self.base}{joiner}options=-csearch_path%3D{name}"

    def close(self) -> None:
        """Drop every schema :meth:`new` made."""
        try:
            with self._admin.connect() as conn:
                for name in self._names:
                    conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            self._names.clear()
        finally:
            self._admin.dispose()

    def __enter__(self) -> Schemas:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
