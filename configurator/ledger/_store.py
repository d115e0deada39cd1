"""Opening the database: URLs and paths, SQLite's pragmas and ``BEGIN IMMEDIATE``,
PostgreSQL's lock row, and turning driver errors into :class:`LedgerError`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.pool import StaticPool

from .records import LedgerError, LedgerUnavailable
from .schema import SCHEMA_VERSION, SchemaTooNew, current_version, ledger_lock, migrate

__all__ = ["Store"]

#: How long a writer waits for another one, in milliseconds (SQLite's busy timeout).
BUSY_TIMEOUT_MS = 60_000
# Any fixed number: the PostgreSQL advisory lock taken while creating or migrating a ledger.
_MIGRATION_LOCK = 7_200_917


def _url(target: str | os.PathLike[str]) -> sa.URL:
    text = os.fspath(target)
    if "://" not in text:
        path = Path(text).expanduser()
        if path.is_dir():
            raise LedgerError(f"{text} is a directory; give the ledger's file, e.g. "
                              f"{path / 'orders.db'}")
        if not path.parent.is_dir():
            raise LedgerError(f"cannot create the ledger {text}: folder {path.parent} does "
                              "not exist")
        return sa.URL.create("sqlite", database=str(path.resolve()))
    try:
        url = sa.make_url(text)
    except (exc.ArgumentError, ValueError):
        raise LedgerError(f"'{text}' is not a database URL; give a file path, "
                          "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise LedgerError(f"the ledger runs on SQLite or PostgreSQL, not '{backend}'; give a "
                          "file path, sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def describe(error: BaseException) -> str:
    """One line about a database error, without the SQL statement."""
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split()) or type(original).__name__


class Store:
    """An engine plus the transaction discipline of the ledger."""

    def __init__(self, target: str | os.PathLike[str], create: bool = True) -> None:
        url = _url(target)
        self.url = url
        self.sqlite = url.get_backend_name() == "sqlite"
        memory = self.sqlite and url.database in (None, "", ":memory:")
        try:
            if self.sqlite:
                options: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}}
                if memory:
                    options.update(poolclass=StaticPool,
                                   connect_args={"check_same_thread": False})
                self.engine = sa.create_engine(url, **options)
                _sqlite_events(self.engine, memory)
            else:
                self.engine = sa.create_engine(url, pool_pre_ping=True)
        except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
            raise LedgerError(f"cannot open the ledger at {_safe(url)}: "
                              f"{describe(error)}") from None
        self._open(create)

    def _open(self, create: bool) -> None:
        try:
            with self.read() as conn:
                found = current_version(conn)
            if found == 0 and not create:
                raise LedgerError(f"no ledger at {_safe(self.url)}: the database has no "
                                  "ledger tables; `bto order place` creates them")
            if found != SCHEMA_VERSION:
                if found > SCHEMA_VERSION:
                    raise SchemaTooNew(found)
                with self.write(lock=False) as conn:
                    if not self.sqlite:
                        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
                    migrate(conn)
        except SchemaTooNew as error:
            self.engine.dispose()
            raise LedgerError(f"{_safe(self.url)}: {error}") from None
        except LedgerError:
            self.engine.dispose()
            raise

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read transaction (it sees one consistent state on SQLite)."""
        with self._errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self, lock: bool = True) -> Iterator[sa.Connection]:
        """A write transaction that excludes every other writer of this ledger from its
        start, so what it reads stays true until it commits."""
        with self._errors(), self.engine.connect() as conn:
            conn = conn.execution_options(ledger_write=True)
            with conn.begin():
                if lock and not self.sqlite:
                    conn.execute(sa.select(ledger_lock.c.id).where(ledger_lock.c.id == 1)
                                 .with_for_update())
                yield conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except exc.DBAPIError as error:
            message = describe(error)
            if "locked" in message or "busy" in message:
                message += " (another writer held the ledger too long; try again)"
            raise LedgerUnavailable(f"ledger {_safe(self.url)}: {message}") from None

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _safe(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def _sqlite_events(engine: sa.Engine, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, not the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # FULL: a committed order survives a power cut too, not only a killed process.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(conn: sa.Connection) -> None:
        # IMMEDIATE takes the write lock at once: check-then-reserve cannot interleave.
        write = conn.get_execution_options().get("ledger_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
