"""The ledger's tables (SQLAlchemy Core) and its explicit, ordered migrations.

Every value is stored as text or an integer, so SQLite and PostgreSQL hold exactly the same
data: money as a decimal string, moments as UTC ISO 8601 text (which sorts as time does),
dates as ISO 8601 text, configurations and event payloads as JSON text.

The ``schema_version`` table holds one row, the number of migrations applied. :data:`MIGRATIONS`
is the ordered list of migration functions; migration ``n`` (1-based) takes a ledger from
version ``n - 1`` to ``n``. Opening an older ledger applies the missing ones in one
transaction; a ledger newer than this code is refused. A new migration is appended, never
edited: released ledgers already ran the old ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import sqlalchemy as sa

__all__ = ["MIGRATIONS", "STATUSES", "SCHEMA_VERSION", "metadata", "migrate", "tables"]

#: Order statuses, in the order an order moves through them (``refused`` and ``cancelled``
#: end it early).
STATUSES: Final = ("quoted", "confirmed", "in_assembly", "shipped", "delivered", "cancelled",
                   "refused")

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
)

# One row: writers lock it (SELECT ... FOR UPDATE on PostgreSQL) to serialize.
ledger_lock = sa.Table(
    "ledger_lock", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("next_order", sa.Integer, nullable=False),
)

orders = sa.Table(
    "orders", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("catalog", sa.String(200), nullable=False),
    sa.Column("plant", sa.String(200), nullable=False),
    sa.Column("supply", sa.String(200), nullable=False),
    sa.Column("customer", sa.Text),
    sa.Column("configuration", sa.Text, nullable=False),  # JSON
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("segment", sa.String(100)),
    sa.Column("price", sa.String(40)),  # Decimal as text
    sa.Column("currency", sa.String(10)),
    sa.Column("placed", sa.String(40), nullable=False),  # UTC ISO 8601
    sa.Column("confirmed", sa.String(40)),
    sa.Column("promised", sa.String(10)),  # ISO date
    sa.Column("original_promised", sa.String(10)),
    sa.CheckConstraint("status IN ('quoted', 'confirmed', 'in_assembly', 'shipped', "
                       "'delivered', 'cancelled', 'refused')", name="orders_status"),
    sa.CheckConstraint("qty > 0", name="orders_qty"),
)

milestones = sa.Table(
    "milestones", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("order", sa.String(64), sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("part", sa.String(200)),
    sa.Column("planned", sa.String(40)),
    sa.Column("actual", sa.String(40)),
)

reservations = sa.Table(
    "reservations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("order", sa.String(64), sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("part", sa.String(200), nullable=False),
    sa.Column("qty", sa.String(40), nullable=False),  # Decimal as text
    sa.Column("po", sa.String(200)),
)

bookings = sa.Table(
    "bookings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("order", sa.String(64), sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("work_centre", sa.String(200), nullable=False),
    sa.Column("start", sa.String(40), nullable=False),
    sa.Column("end", sa.String(40), nullable=False),
)

events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("order", sa.String(64)),  # the order it is about, if any
    sa.Column("payload", sa.Text, nullable=False),  # JSON
    sa.Column("cause", sa.Text),
)

changes = sa.Table(
    "changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("order", sa.String(64), sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("event", sa.Integer, sa.ForeignKey("events.id")),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("old_date", sa.String(10), nullable=False),
    sa.Column("new_date", sa.String(10), nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("slip_days", sa.Integer, nullable=False),
    sa.Column("escalated_to", sa.String(200)),
)

# The files each catalog, plant and supply id was last placed with, so that a later process
# (the command line) can load them again to re-plan.
sources = sa.Table(
    "sources", metadata,
    sa.Column("kind", sa.String(10), primary_key=True),  # catalog, plant or supply
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("path", sa.Text, nullable=False),  # absolute
    sa.Column("recorded", sa.String(40), nullable=False),  # UTC ISO 8601
)


def _v1(conn: sa.Connection) -> None:
    """The first ledger: orders, milestones, reservations, bookings, events, changes."""
    # Created from the declarations less what later migrations add, so that version 1 stays
    # what was released.
    frozen = sa.MetaData()
    for table in metadata.sorted_tables:
        if table.name in _LATER_TABLES:
            continue
        columns = [c._copy() for c in table.columns if (table.name, c.name) not in _LATER]
        checks = [sa.CheckConstraint(str(c.sqltext), name=c.name) for c in table.constraints
                  if isinstance(c, sa.CheckConstraint)]
        sa.Table(table.name, frozen, *columns, *checks)
    frozen.create_all(conn)
    conn.execute(ledger_lock.insert().values(id=1, next_order=1))


def _v2(conn: sa.Connection) -> None:
    """Why an order was refused or cancelled; indexes for the order book's look-ups."""
    conn.execute(sa.text("ALTER TABLE orders ADD COLUMN reason TEXT"))
    for name, table, column in (("reservations_order", "reservations", "order"),
                                ("bookings_order", "bookings", "order"),
                                ("milestones_order", "milestones", "order"),
                                ("changes_order", "changes", "order"),
                                ("orders_status", "orders", "status")):
        conn.execute(sa.text(f'CREATE INDEX ix_{name} ON {table} ("{column}")'))


def _v3(conn: sa.Connection) -> None:
    """The files each catalog, plant and supply was loaded from."""
    sources.create(conn)


orders.append_column(sa.Column("reason", sa.Text))
#: Columns the later migrations add, as (table, column).
_LATER = frozenset({("orders", "reason")})
#: Tables the later migrations create.
_LATER_TABLES = frozenset({"sources"})

#: The ordered migrations: index i takes a ledger from version i to i + 1.
MIGRATIONS: tuple[Callable[[sa.Connection], None], ...] = (_v1, _v2, _v3)
#: The schema version this code reads and writes.
SCHEMA_VERSION: Final = len(MIGRATIONS)

tables = metadata.tables


class SchemaTooNew(Exception):
    """The ledger was written by a newer version of bto."""

    def __init__(self, found: int) -> None:
        self.found = found
        super().__init__(f"the ledger has schema version {found}, newer than this bto "
                         f"understands ({SCHEMA_VERSION}); upgrade bto to open it")


def current_version(conn: sa.Connection) -> int:
    """The schema version of the ledger (0 for an empty database)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(found or 0)


def migrate(conn: sa.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Bring the ledger on ``conn`` (inside a transaction, holding the writers' lock) to
    version ``upto``; returns the version found. Raises :class:`SchemaTooNew`."""
    found = current_version(conn)
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(found)
    for version in range(found, upto):
        MIGRATIONS[version](conn)
        conn.execute(schema_version.delete())
        conn.execute(schema_version.insert().values(version=version + 1))
    return found
