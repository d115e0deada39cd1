"""The order-book ledger: orders, what they reserve, supply events and re-promising.

Every operation is one transaction. A writer holds the ledger's write lock from its first read
to its commit (``BEGIN IMMEDIATE`` on SQLite, a row lock on PostgreSQL), so "see what is free,
then reserve it" cannot interleave with another writer, in this process or any other.
See docs/ledger.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from ..catalog.model import Catalog
from ..kpi.report import HistoryRecord
from ..orders import Booking, OrderBook, Reservation
from ..plant import Plant
from ..problems import did_you_mean
from ..quoting.calendar import WorkCalendar, as_utc
from ..quoting.providers import FileSupply
from ..quoting.quote import Quote, quote
from ..quoting.tradeoffs import nearest_configuration
from ..supply import Supply
from ..values import FrozenMap
from . import schema as t
from ._checks import overbooked_stations, overbooked_units
from ._reasons import late_reason, number
from ._sources import load_source, source_path
from ._store import Store
from .records import (
    Change,
    CustomizationErrors,
    Event,
    EventResult,
    LedgerError,
    MilestoneRecord,
    Order,
    OrderDetail,
    Outcome,
    QuoteInputs,
    Repromise,
    Source,
)
from .state import capacity_lost_bookings, effective_supply

__all__ = ["MILESTONES", "OPEN", "Ledger"]

UTC = dt.UTC
#: Statuses of orders that hold stock and capacity.
OPEN = ("confirmed", "in_assembly")
#: Milestones :meth:`Ledger.advance` records, in the order they happen.
MILESTONES = ("material_ready", "assembly_start", "assembly_end", "ready_to_ship", "shipped",
              "delivered")
_IN_ASSEMBLY = ("assembly_start", "assembly_end", "ready_to_ship")
#: The order name of the bookings that keep a re-plan out of the past.
_PAST = "(the past)"
_STAGE = {status: i for i, status in enumerate(t.STATUSES[:5])}


#: Bounds of what an event may say, so that a typo cannot leave every later re-plan out of
#: the calendar's reach: quantities, lead times (working days), and how far from the supply
#: data's day a purchase order may be moved.
MAX_AMOUNT = Decimal("1e9")
MAX_LEAD_DAYS = 1000
MAX_REACH = dt.timedelta(days=3 * 366)


def _moment(at: dt.datetime, what: str = "the time") -> str:
    if not isinstance(at, dt.datetime) or at.tzinfo is None:
        raise LedgerError(f"{what} must be a date and time with a time zone, not {at!r}")
    try:
        utc = as_utc(at, what)
    except ValueError as exc:
        raise LedgerError(str(exc)) from None
    # Fixed width, so that text order is time order.
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _from_moment(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _from_day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _plain(configuration: Any) -> dict[str, Any]:
    """A configuration or selection as JSON-ready module -> value."""
    values = configuration if isinstance(configuration, Mapping) else getattr(
        configuration, "values", None)
    if not isinstance(values, Mapping):
        return {}
    return {str(k): list(v) if isinstance(v, tuple | list | set | frozenset) else v
            for k, v in values.items()}


def _values(text: str) -> FrozenMap[str, Any]:
    return FrozenMap((k, tuple(v) if isinstance(v, list) else v)
                     for k, v in json.loads(text).items())


class _Holdings:
    """What the open orders hold, in memory during one transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        o = t.orders.c
        self.where: dict[str, tuple[str, str]] = {
            r.id: (r.plant, r.supply) for r in conn.execute(
                sa.select(o.id, o.plant, o.supply).where(o.status.in_(OPEN)))}
        self.reservations: dict[str, list[Reservation]] = defaultdict(list)
        self.bookings: dict[str, list[Booking]] = defaultdict(list)
        r = t.reservations.c
        for row in conn.execute(sa.select(r.order, r.part, r.qty, r.po)
                                .join(t.orders, t.orders.c.id == r.order)
                                .where(o.status.in_(OPEN)).order_by(r.id)):
            self.reservations[row.order].append(
                Reservation(row.order, row.part, Decimal(row.qty), row.po))
        b = t.bookings.c
        for row in conn.execute(sa.select(b.order, b.work_centre, b.start, b.end)
                                .join(t.orders, t.orders.c.id == b.order)
                                .where(o.status.in_(OPEN)).order_by(b.id)):
            self.bookings[row.order].append(Booking(
                row.order, row.work_centre, dt.datetime.fromisoformat(row.start),
                dt.datetime.fromisoformat(row.end)))

    def hold(self, oid: str, plant: str, supply: str, q: Quote) -> None:
        """Order ``oid`` now holds what plan ``q`` uses (as :meth:`Ledger._hold` writes it)."""
        self.where[oid] = (plant, supply)
        self.reservations[oid], self.bookings[oid] = _held_by(oid, q)

    def held(self, plant: str, supply: str, exclude: str | None = None
             ) -> tuple[list[Reservation], list[Booking]]:
        res = [r for order, (_, s) in self.where.items() if s == supply and order != exclude
               for r in self.reservations.get(order, ())]
        book = [b for order, (p, _) in self.where.items() if p == plant and order != exclude
                for b in self.bookings.get(order, ())]
        return res, book


class Ledger:
    """The order book in a database: orders, reservations, events, changes.

    Open it with :meth:`open`. The ledger re-plans orders, so it needs the catalogs, plants
    and supply files they were placed with: give them to :meth:`open` or :meth:`use`
    (:meth:`place` and :meth:`quote_order` remember theirs). Every operation is one
    transaction; a refused order is recorded too (status ``refused``, with its reason).
    Not thread-safe: open one ledger per thread or process; they may share the database.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self.catalogs: dict[str, Catalog] = {}
        self.plants: dict[str, Plant] = {}
        self.supplies: dict[str, Supply] = {}
        # A test hook: called inside the transaction after an order's row is written and
        # before what it reserves (the kill test stops the writer here).
        self._on_order_written: Callable[[str], None] | None = None

    @classmethod
    def open(cls, target: str | os.PathLike[str], *, catalogs: Iterable[Catalog] = (),
             plants: Iterable[Plant] = (), supplies: Iterable[Supply] = (),
             create: bool = True) -> Ledger:
        """Open (creating or migrating it) the ledger at ``target``: a file path (SQLite,
        created if missing), ``sqlite:///PATH`` or ``postgresql+psycopg://USER@HOST/DB``.
        With ``create=False`` a database without a ledger is an error, not a new ledger.

        Raises :class:`LedgerError` for a bad target, a database that cannot be reached, no
        ledger (``create=False``), or a ledger written by a newer bto.
        """
        ledger = cls(Store(target, create=create))
        ledger.use(*catalogs, *plants, *supplies)
        return ledger

    def use(self, *items: Catalog | Plant | Supply) -> Ledger:
        """Make catalogs, plants and supply files known by their ids; returns the ledger."""
        for item in items:
            if isinstance(item, Catalog):
                self.catalogs[item.id] = item
            elif isinstance(item, Plant):
                self.plants[item.id] = item
            elif isinstance(item, Supply):
                self.supplies[item.id] = item
            else:
                raise TypeError(f"not a catalog, plant or supply: {item!r}")
        return self

    def close(self) -> None:
        """Release the database connections."""
        self._store.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL, without password."""
        return self._store.url.render_as_string(hide_password=True)

    # --- orders ---------------------------------------------------------------------------

    def quote_order(self, catalog: Catalog, configuration: Any, *, plant: Plant,
                    supply: Supply, at: dt.datetime, qty: int = 1,
                    customer: str | None = None, order_id: str | None = None) -> Outcome:
        """Record a quote (status ``quoted``): the date offered, nothing reserved.
        A configuration that breaks rules or cannot be built is recorded as refused."""
        self.use(catalog, plant, supply)
        with self._store.write() as conn:
            oid = self._new_id(conn, order_id)
            self._remember(conn, at, catalog, plant, supply)
            q, why, earliest = self._try(conn, catalog, configuration, plant, supply, at,
                                         qty, None)
            self._insert(conn, oid, catalog, plant, supply, configuration, qty, at, customer,
                         q, why, "quoted" if q else "refused")
            if q is not None:
                self._store_milestones(conn, oid, q)
            self._event(conn, at, "quoted" if q else "refused", {"reason": why}, order=oid)
            return Outcome(self._detail(conn, oid), q is not None, why, earliest)

    def confirm(self, order_id: str, at: dt.datetime, promised: dt.date | None = None
                ) -> Outcome:
        """Confirm a quoted order: re-plan it against what is free now and reserve what the
        plan uses. ``promised`` is the date the customer accepts (default: the date quoted);
        when the fresh plan misses it, the order is refused with the reason."""
        with self._store.write() as conn:
            order = self._order(conn, order_id)
            if order.status != "quoted":
                raise LedgerError(f"order {order_id} is {order.status}; only a quoted order "
                                  "can be confirmed")
            catalog, plant, supply = self._world(order)
            self._not_before_the_last(conn, at)
            return self._commit(conn, order_id, catalog, order.configuration, plant, supply,
                                at, order.qty, promised or order.promised, new=False)

    def place(self, catalog: Catalog, configuration: Any, *, plant: Plant, supply: Supply,
              at: dt.datetime, qty: int = 1, customer: str | None = None,
              promised: dt.date | None = None, order_id: str | None = None) -> Outcome:
        """Quote and confirm at once: plan against what is free and reserve it.

        ``configuration`` is complete or a partial selection (completed with the defaults).
        ``promised`` is the date the customer accepted (from an earlier quote); when the fresh
        plan misses it, or the configuration breaks rules or cannot be built, the order is
        recorded as ``refused`` with the reason and nothing is reserved.
        """
        self.use(catalog, plant, supply)
        with self._store.write() as conn:
            self._not_before_the_last(conn, at)
            oid = self._new_id(conn, order_id)
            self._remember(conn, at, catalog, plant, supply)
            return self._commit(conn, oid, catalog, configuration, plant, supply, at, qty,
                                promised, new=True, customer=customer)

    def cancel(self, order_id: str, at: dt.datetime, reason: str | None = None
               ) -> OrderDetail:
        """Cancel an order that has not shipped; what it reserved is free again."""
        with self._store.write() as conn:
            order = self._order(conn, order_id)
            if order.status not in ("quoted", *OPEN):
                raise LedgerError(f"order {order_id} is {order.status}; only a quoted, "
                                  "confirmed or in-assembly order can be cancelled")
            self._release(conn, order_id)
            self._update(conn, order_id, status="cancelled", reason=reason or "cancelled")
            self._event(conn, at, "cancelled", {"from": order.status}, cause=reason,
                        order=order_id)
            return self._detail(conn, order_id)

    def advance(self, order_id: str, milestone: str, at: dt.datetime) -> OrderDetail:
        """Record that ``milestone`` was reached at ``at`` and move the status on:
        assembly milestones -> ``in_assembly``, ``shipped``/``delivered`` -> that status (what
        the order reserved is then consumed: the stock leaves, the reservation ends)."""
        if milestone not in MILESTONES:
            raise LedgerError(f"unknown milestone '{milestone}'; one of "
                              f"{', '.join(MILESTONES)}")
        when = _moment(at)
        with self._store.write() as conn:
            order = self._order(conn, order_id)
            if order.status not in (*OPEN, "shipped"):
                raise LedgerError(f"order {order_id} is {order.status}; milestones are "
                                  "recorded for confirmed orders until delivery")
            if at < order.placed:
                raise LedgerError(f"order {order_id} was placed at {order.placed.isoformat()}; "
                                  f"{milestone} cannot come before it (check --at)")
            m = t.milestones.c
            done = conn.execute(t.milestones.update().where(
                m.order == order_id, m.name == milestone, m.actual.is_(None))
                .values(actual=when)).rowcount
            if not done:
                conn.execute(t.milestones.insert().values(order=order_id, name=milestone,
                                                          actual=when))
            status = order.status
            if milestone in ("shipped", "delivered") and order.open:
                self._consume(conn, order, at)
            target = {"shipped": "shipped", "delivered": "delivered"}.get(
                milestone, "in_assembly" if milestone in _IN_ASSEMBLY else status)
            if _STAGE[target] > _STAGE[status]:
                self._update(conn, order_id, status=target)
            self._event(conn, at, "advanced", {"milestone": milestone}, order=order_id)
            return self._detail(conn, order_id)

    def change(self, order_id: str, configuration: Any, at: dt.datetime,
               promised: dt.date | None = None) -> Outcome:
        """The customer changes a quoted or confirmed order's configuration: re-plan it
        against the other orders. A confirmed order keeps its date when the new plan meets
        it, else the date moves (a recorded change). Refused (the order stays as it was) when
        the configuration breaks rules or cannot be built, or misses ``promised``.

        ``configuration`` is complete, or only the modules the customer changes (selection
        form): the other modules keep the order's values, or where the rules require it the
        fewest of them change (the nearest valid configuration)."""
        with self._store.write() as conn:
            order = self._order(conn, order_id)
            if order.status not in ("quoted", "confirmed"):
                raise LedgerError(f"order {order_id} is {order.status}; only a quoted or "
                                  "confirmed order can be changed")
            catalog, plant, supply = self._world(order)
            if isinstance(configuration, Mapping) and \
                    set(configuration) != set(catalog.module_map):
                # (a bad selection raises: the quote below refuses it, saying why)
                with contextlib.suppress(ValueError):
                    configuration = nearest_configuration(
                        catalog, order.configuration, configuration) or configuration
            q, why, earliest = self._try(conn, catalog, configuration, plant, supply, at,
                                         order.qty, order_id, promised)
            payload = {"from": dict(_plain(order.configuration)),
                       "to": _plain(q.configuration if q else configuration),
                       "status": order.status}
            if q is None:
                self._event(conn, at, "change_refused", payload, cause=why, order=order_id)
                return Outcome(self._detail(conn, order_id), False, why, earliest)
            fields: dict[str, Any] = {
                "configuration": _json(_plain(q.configuration)), "segment": q.segment,
                "price": str(q.price.total), "currency": q.price.currency}
            event = self._event(conn, at, "changed", payload, order=order_id)
            if order.status == "quoted":
                fields["promised"] = q.promised.isoformat()
            else:
                self._hold(conn, order_id, q)
                assert order.promised is not None
                new = promised or (order.promised if q.promised <= order.promised
                                   else q.promised)
                if new != order.promised:
                    self._change(conn, order, plant, new, at, "configuration changed by the "
                                 "customer", event, escalate=False)
            self._update(conn, order_id, **fields)
            self._store_milestones(conn, order_id, q)
            return Outcome(self._detail(conn, order_id), True, None, earliest)

    # --- supply and plant events ----------------------------------------------------------

    def receive(self, po: str, at: dt.datetime, qty: Decimal | int | str | None = None,
                cause: str | None = None) -> EventResult:
        """Purchase order ``po`` arrived (``qty`` of it; default all that is open): the
        quantity goes to stock, and the reservations on it become stock reservations. Then
        the open orders are re-promised."""
        with self._store.write() as conn:
            supply, state, found = self._po(conn, po)
            got = found.qty if qty is None else self._positive(qty, "the received quantity")
            before = FileSupply(state).free_stock(found.part)
            why = cause or f"purchase order {po} received ({number(got)} of part {found.part})"
            event = self._event(conn, at, "received", {
                "supply": supply.id, "po": po, "part": found.part, "qty": str(got)}, why)
            after = FileSupply(self._supply(conn, supply)).free_stock(found.part)
            self._move_to_stock(conn, po, found.part, min(got, after - before),
                                max(Decimal(0), found.qty - got))
            return self._after_event(conn, event, at, why)

    def delay(self, po: str, new_date: dt.date, at: dt.datetime, cause: str | None = None
              ) -> EventResult:
        """Purchase order ``po`` now arrives on ``new_date``; re-promise the open orders."""
        with self._store.write() as conn:
            supply, _, found = self._po(conn, po)
            day = supply.as_of or at.date()  # the supply data's day, else the event's
            if not day - MAX_REACH <= new_date <= day + MAX_REACH:
                raise LedgerError(f"purchase order {po} cannot arrive on {new_date}: give a "
                                  f"date from {day - MAX_REACH} to {day + MAX_REACH}")
            why = cause or (f"purchase order {po} (part {found.part}) moved from "
                            f"{found.eta.isoformat()} to {new_date.isoformat()}")
            event = self._event(conn, at, "delayed", {
                "supply": supply.id, "po": po, "part": found.part,
                "old_eta": found.eta.isoformat(), "eta": new_date.isoformat()}, why)
            return self._after_event(conn, event, at, why)

    def lead_time_changed(self, part: str, days: Decimal | int | str, at: dt.datetime,
                          supplier: str | None = None, cause: str | None = None,
                          supply: str | None = None) -> EventResult:
        """The supplier lead time of ``part`` is now ``days`` working days (``supplier``:
        bought from that supplier from now on). Re-promise the open orders."""
        lead = self._positive(days, "the lead time", zero=True)
        if lead > MAX_LEAD_DAYS:
            raise LedgerError(f"a lead time of {number(lead)} working days is more than "
                              f"{MAX_LEAD_DAYS} (about four years): a typo?")
        with self._store.write() as conn:
            chosen = self._supply_of(conn, supply, lambda s: part in s.sourcing or
                                     supplier is not None and part in s.parts,
                                     f"part {part}")
            state = self._supply(conn, chosen)
            old = state.sourcing.get(part)
            if supplier is None and old is None:
                raise LedgerError(f"part {part} has no sourcing in supply '{chosen.id}'; "
                                  "give the supplier it is now bought from")
            if supplier is not None and supplier not in chosen.suppliers:
                raise LedgerError(f"unknown supplier '{supplier}' in supply '{chosen.id}'")
            why = cause or f"lead time of part {part} now {number(lead)} working days"
            event = self._event(conn, at, "lead_time_changed", {
                "supply": chosen.id, "part": part, "days": str(lead), "supplier": supplier,
                "old_days": str(old.lead_time_days) if old else None}, why)
            return self._after_event(conn, event, at, why)

    def capacity_lost(self, work_centre: str, start: dt.datetime, end: dt.datetime,
                      stations: int, at: dt.datetime, cause: str | None = None,
                      plant: str | None = None) -> EventResult:
        """``stations`` stations of ``work_centre`` are out of use from ``start`` to ``end``;
        re-promise the open orders."""
        first, last = _moment(start, "the start"), _moment(end, "the end")
        if end <= start:
            raise LedgerError("the end of the lost capacity must come after its start")
        matches = [p for p in self.plants.values() if work_centre in p.work_centres
                   and (plant is None or p.id == plant)]
        if not matches:
            raise LedgerError(f"work centre '{work_centre}' is not in any plant this ledger "
                              "knows")
        if len(matches) > 1:
            raise LedgerError(f"work centre '{work_centre}' is in {len(matches)} plants; "
                              "name the plant")
        capacity = matches[0].work_centres[work_centre].capacity
        if not 1 <= stations <= capacity:
            raise LedgerError(f"work centre '{work_centre}' has {capacity} stations; "
                              f"{stations} cannot be lost")
        why = cause or (f"{stations} station(s) of {work_centre} lost from "
                        f"{start.isoformat()} to {end.isoformat()}")
        with self._store.write() as conn:
            event = self._event(conn, at, "capacity_lost", {
                "plant": matches[0].id, "work_centre": work_centre, "start": first,
                "end": last, "stations": stations}, why)
            return self._after_event(conn, event, at, why)

    def repromise(self, at: dt.datetime, cause: str = "re-promise") -> Repromise:
        """Re-plan every confirmed order, earliest placed first, each against what the
        others hold. An order whose promised date is still met keeps it (its reservations
        follow the fresh plan); otherwise its date moves to the fresh plan's and a
        :class:`Change` is recorded, escalated per the segment's service level."""
        with self._store.write() as conn:
            event = self._event(conn, at, "repromise", {}, cause=cause)
            return self._repromise(conn, at, cause, event)

    # --- queries --------------------------------------------------------------------------

    def orders(self, status: str | Iterable[str] | None = None) -> tuple[Order, ...]:
        """Orders, oldest first; only those with ``status`` (one or several) when given."""
        wanted = (status,) if isinstance(status, str) else status
        if wanted is not None:
            wanted = tuple(wanted)
            unknown = [s for s in wanted if s not in t.STATUSES]
            if unknown:
                raise LedgerError(f"unknown status '{unknown[0]}'; one of "
                                  f"{', '.join(t.STATUSES)}")
        query = sa.select(t.orders).order_by(t.orders.c.placed, t.orders.c.id)
        if wanted is not None:
            query = query.where(t.orders.c.status.in_(wanted))
        with self._store.read() as conn:
            return tuple(_order_of(row) for row in conn.execute(query))

    def order(self, order_id: str) -> OrderDetail:
        """One order with its milestones, reservations, bookings and changes."""
        with self._store.read() as conn:
            return self._detail(conn, order_id)

    def order_book(self, plant: str | None = None, supply: str | None = None) -> OrderBook:
        """What the open orders hold (and capacity lost), as an order book for
        :func:`~configurator.quote`: bookings of ``plant`` and reservations of ``supply``
        when given, else all."""
        with self._store.read() as conn:
            holdings = _Holdings(conn)
            events = self._events(conn)
        return _order_book(holdings, events, plant, supply)

    def revision(self) -> int:
        """The id of the last recorded event (0: none yet). Every operation that changes
        what orders hold or what the supply is records an event, so an unchanged revision
        means an unchanged :meth:`quote_inputs`. Only reads: safe from several threads."""
        with self._store.read() as conn:
            return self._revision(conn)

    @staticmethod
    def _revision(conn: sa.Connection) -> int:
        return int(conn.execute(sa.select(sa.func.max(t.events.c.id))).scalar() or 0)

    def quote_inputs(self, supply: Supply, plant: Plant | str | None = None) -> QuoteInputs:
        """What a quote of a new order sees, read in one transaction: ``supply`` with the
        recorded supply events applied (received and delayed purchase orders, lead times,
        stock shipped orders used), and the order book of ``plant`` (a plant or its id;
        None: every plant) and ``supply`` (what the open orders hold, and capacity lost).
        Quoting with these gives the date :meth:`place` would give now. Only reads: safe
        from several threads."""
        plant_id = plant.id if isinstance(plant, Plant) else plant
        with self._store.read() as conn:
            holdings = _Holdings(conn)
            events = self._events(conn)
            revision = self._revision(conn)
        return QuoteInputs(effective_supply(supply, events),
                           _order_book(holdings, events, plant_id, supply.id), revision)

    def sources(self) -> tuple[Source, ...]:
        """The files the catalogs, plants and supplies of the orders were loaded from, as
        recorded when an order was last placed or quoted with each."""
        s = t.sources.c
        with self._store.read() as conn:
            return tuple(Source(r.kind, r.id, r.path, dt.datetime.fromisoformat(r.recorded))
                         for r in conn.execute(sa.select(t.sources)
                                               .order_by(s.kind, s.id)))

    def load_sources(self) -> tuple[str, ...]:
        """Load the recorded files (:meth:`sources`) of every catalog, plant and supply this
        ledger was not given, so that it can re-plan without the caller naming them.

        Raises :class:`LedgerError` naming the file when one that a quoted or open order
        needs is gone, no longer loads or holds another id; for files only finished orders
        used, returns those messages as warnings instead.
        """
        o = t.orders.c
        with self._store.read() as conn:
            needed: set[tuple[str, str]] = set()
            for row in conn.execute(sa.select(o.catalog, o.plant, o.supply).distinct()
                                    .where(o.status.in_(("quoted", *OPEN)))):
                needed |= {("catalog", row.catalog), ("plant", row.plant),
                           ("supply", row.supply)}
        known: dict[str, Mapping[str, object]] = {
            "catalog": self.catalogs, "plant": self.plants, "supply": self.supplies}
        warnings: list[str] = []
        # Plants and supplies first: a catalog names their files, so a missing one would
        # otherwise be reported as a catalog that no longer loads.
        for source in sorted(self.sources(), key=lambda s: s.kind == "catalog"):
            if source.id in known[source.kind]:
                continue
            try:
                self.use(load_source(source))
            except LedgerError as error:
                if (source.kind, source.id) in needed:
                    raise
                warnings.append(str(error))
        return tuple(warnings)

    def changes(self, order_id: str | None = None) -> tuple[Change, ...]:
        """Moved promises, oldest first (of one order when given)."""
        query = sa.select(t.changes).order_by(t.changes.c.id)
        if order_id is not None:
            query = query.where(t.changes.c.order == order_id)
        with self._store.read() as conn:
            return tuple(_change_of(row) for row in conn.execute(query))

    def events(self, kind: str | None = None) -> tuple[Event, ...]:
        """Recorded events, oldest first (of one kind when given)."""
        with self._store.read() as conn:
            return tuple(e for e in self._events(conn, all_kinds=True)
                         if kind in (None, e.kind))

    def history(self, promised: Literal["original", "current"] = "original"
                ) -> tuple[HistoryRecord, ...]:
        """Every order that was confirmed and not cancelled, as the KPI report's records:
        ordered = placed, promised = the date given at confirmation (``current``: the date
        held now, after re-promises), delivered = the ``delivered`` milestone; moments in
        the plant's time zone when the ledger knows the plant, so days are its days."""
        with self._store.read() as conn:
            rows = conn.execute(sa.select(t.orders).where(
                t.orders.c.status.in_(("confirmed", "in_assembly", "shipped", "delivered")))
                .order_by(t.orders.c.placed, t.orders.c.id)).all()
            m = t.milestones.c
            delivered = {r.order: r.actual for r in conn.execute(
                sa.select(m.order, m.actual).where(m.name == "delivered",
                                                   m.actual.is_not(None)))}
        out = []
        for row in rows:
            order = _order_of(row)
            day = (order.original_promised if promised == "original" else order.promised)
            assert day is not None
            plant = self.plants.get(order.plant)
            zone = plant.zone if plant else UTC
            when = _from_moment(delivered.get(order.id))
            out.append(HistoryRecord(order.id, order.placed.astimezone(zone), day,
                                     when.astimezone(zone).date() if when else None,
                                     order.segment,
                                     _options(order.configuration), order.qty))
        return tuple(out)

    def customization(self) -> CustomizationErrors:
        """Orders changed or rejected after confirmation, among the confirmed ones (the KPI
        "customization error rate")."""
        with self._store.read() as conn:
            o, e = t.orders.c, t.events.c
            confirmed = conn.execute(sa.select(sa.func.count()).where(
                o.confirmed.is_not(None))).scalar() or 0
            rows = conn.execute(sa.select(e.order, e.kind, e.payload).where(
                e.kind.in_(("changed", "change_refused")))).all()
        changed: set[str] = set()
        rejected: set[str] = set()
        for row in rows:
            if json.loads(row.payload).get("status") != "quoted":
                (changed if row.kind == "changed" else rejected).add(row.order)
        return CustomizationErrors(int(confirmed), len(changed), len(rejected),
                                   tuple(sorted(changed | rejected)))

    def check(self) -> tuple[str, ...]:
        """Problems in the ledger (empty when sound): the database's own check on SQLite,
        reservations and bookings of orders that hold nothing, and, for the known supply
        files and plants, more reserved than there is."""
        problems: list[str] = []
        with self._store.read() as conn:
            if self._store.sqlite:
                for (line,) in conn.exec_driver_sql("PRAGMA integrity_check"):
                    if line != "ok":
                        problems.append(f"integrity: {line}")
                for row in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                    problems.append(f"foreign key: {tuple(row)}")
            o = t.orders.c
            for table in (t.reservations, t.bookings):
                stray = conn.execute(sa.select(table.c.order).distinct().join(
                    t.orders, o.id == table.c.order).where(o.status.not_in(OPEN))).all()
                problems += [f"{table.name} of order {r[0]}, which holds nothing"
                             for r in stray]
            lost = conn.execute(sa.select(o.id).where(
                o.status.in_(OPEN), o.promised.is_(None))).all()
            problems += [f"order {r[0]} is confirmed without a promised date" for r in lost]
            holdings = _Holdings(conn)
            events = self._events(conn)
            states = {s.id: effective_supply(s, events) for s in self.supplies.values()}
        for supply in states.values():
            problems += overbooked_units(supply, [
                r for order, (_, s) in holdings.where.items() if s == supply.id
                for r in holdings.reservations.get(order, ())])
        for plant in self.plants.values():
            book = [b for order, (p, _) in holdings.where.items() if p == plant.id
                    for b in holdings.bookings.get(order, ())]
            problems += overbooked_stations(plant, [*book, *capacity_lost_bookings(
                plant.id, events)])
        return tuple(problems)

    # --- inside a transaction -------------------------------------------------------------

    def _world(self, order: Order) -> tuple[Catalog, Plant, Supply]:
        for kind, known, key in (("catalog", self.catalogs, order.catalog),
                                 ("plant", self.plants, order.plant),
                                 ("supply", self.supplies, order.supply)):
            if key not in known:
                raise LedgerError(f"order {order.id} needs {kind} '{key}', which this ledger "
                                  f"was not given; pass it to Ledger.open or Ledger.use")
        return self.catalogs[order.catalog], self.plants[order.plant], \
            self.supplies[order.supply]

    def _not_before_the_last(self, conn: sa.Connection, at: dt.datetime) -> None:
        """A new commitment is never dated before the last order placed or confirmed: it
        would plan against capacity and stock already promised after it, and jump the
        queue (a web shop's customer cannot backdate an order)."""
        o = t.orders.c
        last = conn.execute(sa.select(sa.func.max(sa.func.coalesce(o.confirmed, o.placed)))
                            ).scalar()
        if last is not None and _moment(at) < last:
            raise LedgerError(f"the last order was placed at {_from_moment(last)}; a new "
                              f"one cannot be dated before it ({at.isoformat()})")

    def _new_id(self, conn: sa.Connection, order_id: str | None) -> str:
        o = t.orders.c
        if order_id is not None:
            if not order_id.strip() or len(order_id) > 64:
                raise LedgerError(f"'{order_id}' is not a usable order id (1 to 64 "
                                  "characters)")
            if conn.execute(sa.select(o.id).where(o.id == order_id)).first():
                raise LedgerError(f"order {order_id} already exists")
            return order_id
        n = int(conn.execute(sa.select(t.ledger_lock.c.next_order)).scalar_one())
        while conn.execute(sa.select(o.id).where(o.id == f"O-{n}")).first():
            n += 1
        conn.execute(t.ledger_lock.update().values(next_order=n + 1))
        return f"O-{n}"

    def _remember(self, conn: sa.Connection, at: dt.datetime,
                  *items: Catalog | Plant | Supply) -> None:
        """Record the file each of ``items`` was loaded from (the latest wins)."""
        s = t.sources.c
        when = _moment(at)
        for item in items:
            path = source_path(item)
            if path is None:
                continue
            kind = ("catalog" if isinstance(item, Catalog) else
                    "plant" if isinstance(item, Plant) else "supply")
            conn.execute(t.sources.delete().where(s.kind == kind, s.id == item.id))
            conn.execute(t.sources.insert().values(kind=kind, id=item.id, path=path,
                                                   recorded=when))

    def _events(self, conn: sa.Connection, all_kinds: bool = False) -> list[Event]:
        e = t.events.c
        query = sa.select(t.events).order_by(e.id)
        if not all_kinds:
            query = query.where(e.kind.in_(("received", "delayed", "lead_time_changed",
                                            "consumed", "capacity_lost")))
        return [Event(r.id, dt.datetime.fromisoformat(r.at), r.kind,
                      FrozenMap(json.loads(r.payload)), r.cause, r.order)
                for r in conn.execute(query)]

    def _supply(self, conn: sa.Connection, supply: Supply) -> Supply:
        return effective_supply(supply, self._events(conn))

    def _book(self, conn: sa.Connection, holdings: _Holdings, plant: Plant, supply: Supply,
              exclude: str | None, events: Sequence[Event],
              past: tuple[dt.datetime, dt.datetime] | None = None) -> OrderBook:
        res, book = holdings.held(plant.id, supply.id, exclude)
        blocked: list[Booking] = []
        if past is not None and exclude is not None:
            own = holdings.bookings.get(exclude, ())
            for centre in plant.work_centres.values():
                free = _minus(past, [(b.start, b.end) for b in own
                                     if b.work_centre == centre.id])
                blocked += [Booking(_PAST, centre.id, a, b) for a, b in free
                            for _ in range(centre.capacity)]
        return OrderBook("ledger", (*book, *blocked,
                                    *capacity_lost_bookings(plant.id, events)), tuple(res))

    def _try(self, conn: sa.Connection, catalog: Catalog, configuration: Any, plant: Plant,
             supply: Supply, at: dt.datetime, qty: int, exclude: str | None,
             promised: dt.date | None = None, now: dt.datetime | None = None,
             known: tuple[_Holdings, list[Event]] | None = None
             ) -> tuple[Quote | None, str | None, dt.date | None]:
        """A fresh quote against what is free, or None and why not; and the earliest date
        the fresh plan gives (None when it cannot be planned). With ``now`` (a
        re-plan of order ``exclude``, placed at ``at``), no new slot may start before
        ``now``: only the order's own booked time lies in the past. ``known``: the holdings
        and events of this transaction, when the caller keeps them (else read here)."""
        _moment(at)
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            raise LedgerError(f"the quantity must be a whole number of at least 1, not {qty!r}")
        holdings, events = known if known is not None else (_Holdings(conn),
                                                            self._events(conn))
        state = effective_supply(supply, events)
        try:
            q = quote(catalog, configuration, plant=plant, supply=state,
                      orders=self._book(conn, holdings, plant, supply, exclude, events,
                                        (at, now) if now is not None and now > at else None),
                      at=at, qty=qty)
        except ValueError as error:  # rules broken, cannot be built, bad selection
            return None, str(error), None
        if promised is None or q.promised <= promised:
            return q, None, q.promised
        try:
            alone = quote(catalog, q.configuration, plant=plant, supply=state,
                          orders=OrderBook("ledger", capacity_lost_bookings(plant.id, events)),
                          at=at, qty=qty)
        except ValueError:
            alone = None
        res, book = holdings.held(plant.id, supply.id, exclude)
        return None, late_reason(promised, q, alone, state, res, book), q.promised

    def _commit(self, conn: sa.Connection, oid: str, catalog: Catalog, configuration: Any,
                plant: Plant, supply: Supply, at: dt.datetime, qty: int,
                promised: dt.date | None, *, new: bool, customer: str | None = None
                ) -> Outcome:
        """Plan order ``oid`` against what is free; reserve it, or record the refusal."""
        q, why, earliest = self._try(conn, catalog, configuration, plant, supply, at, qty,
                                     oid, promised)
        status = "confirmed" if q else "refused"
        if new:
            self._insert(conn, oid, catalog, plant, supply, configuration, qty, at, customer,
                         q, why, status, promised)
        else:
            fields: dict[str, Any] = {"status": status, "reason": why}
            if q is not None:
                day = (promised or q.promised).isoformat()
                fields.update(confirmed=_moment(at), promised=day, original_promised=day,
                              price=str(q.price.total), segment=q.segment)
            self._update(conn, oid, **fields)
        if self._on_order_written is not None:
            self._on_order_written(oid)
        if q is not None:
            self._hold(conn, oid, q)
            self._store_milestones(conn, oid, q)
        self._event(conn, at, status, {"promised": None if promised is None
                                       else promised.isoformat()}, cause=why, order=oid)
        return Outcome(self._detail(conn, oid), q is not None, why, earliest)

    def _insert(self, conn: sa.Connection, oid: str, catalog: Catalog, plant: Plant,
                supply: Supply, configuration: Any, qty: int, at: dt.datetime,
                customer: str | None, q: Quote | None, why: str | None, status: str,
                promised: dt.date | None = None) -> None:
        when = _moment(at)
        day = None if q is None else (promised or q.promised).isoformat()
        conn.execute(t.orders.insert().values(
            id=oid, catalog=catalog.id, plant=plant.id, supply=supply.id, customer=customer,
            configuration=_json(_plain(q.configuration if q else configuration)), qty=qty,
            status=status, segment=q.segment if q else None,
            price=str(q.price.total) if q else None,
            currency=q.price.currency if q else catalog.currency, placed=when,
            confirmed=when if status == "confirmed" else None, promised=day,
            original_promised=day if status == "confirmed" else None, reason=why))

    def _update(self, conn: sa.Connection, oid: str, **fields: Any) -> None:
        conn.execute(t.orders.update().where(t.orders.c.id == oid).values(**fields))

    def _hold(self, conn: sa.Connection, oid: str, q: Quote) -> None:
        """Replace what order ``oid`` holds with what plan ``q`` uses."""
        self._release(conn, oid)
        reservations, bookings = _held_by(oid, q)
        if reservations:
            conn.execute(t.reservations.insert(), [
                {"order": oid, "part": r.part, "qty": str(r.qty), "po": r.po}
                for r in reservations])
        if bookings:
            conn.execute(t.bookings.insert(), [
                {"order": oid, "work_centre": b.work_centre, "start": _moment(b.start),
                 "end": _moment(b.end)} for b in bookings])

    def _release(self, conn: sa.Connection, oid: str) -> None:
        conn.execute(t.reservations.delete().where(t.reservations.c.order == oid))
        conn.execute(t.bookings.delete().where(t.bookings.c.order == oid))

    def _store_milestones(self, conn: sa.Connection, oid: str, q: Quote) -> None:
        """The plan's milestones as planned dates; actual dates already recorded stay."""
        m = t.milestones.c
        actual = {(r.name, r.part): r.actual for r in conn.execute(
            sa.select(m.name, m.part, m.actual).where(m.order == oid, m.actual.is_not(None)))}
        conn.execute(t.milestones.delete().where(m.order == oid))
        rows = [{"order": oid, "name": s.kind, "part": s.part, "planned": _moment(s.at),
                 "actual": actual.pop((s.kind, s.part), None)} for s in q.milestones]
        rows += [{"order": oid, "name": name, "part": part, "planned": None, "actual": when}
                 for (name, part), when in actual.items()]
        conn.execute(t.milestones.insert(), rows)

    def _event(self, conn: sa.Connection, at: dt.datetime, kind: str,
               payload: Mapping[str, Any], cause: str | None = None,
               order: str | None = None) -> int:
        result = conn.execute(t.events.insert().values(
            at=_moment(at), kind=kind, payload=_json(dict(payload)), cause=cause, order=order))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def _order(self, conn: sa.Connection, order_id: str) -> Order:
        row = conn.execute(sa.select(t.orders).where(t.orders.c.id == order_id)).first()
        if row is None:
            hint = did_you_mean(order_id, conn.execute(sa.select(t.orders.c.id)).scalars())
            raise LedgerError(f"no order {order_id}" + (f"; {hint}" if hint else ""))
        return _order_of(row)

    def _detail(self, conn: sa.Connection, order_id: str) -> OrderDetail:
        order = self._order(conn, order_id)
        m, r, b, c = t.milestones.c, t.reservations.c, t.bookings.c, t.changes.c
        milestones = tuple(
            MilestoneRecord(row.name, _from_moment(row.planned), _from_moment(row.actual),
                            row.part)
            for row in conn.execute(sa.select(t.milestones).where(m.order == order_id)
                                    .order_by(m.id)))
        reservations = tuple(
            Reservation(order_id, row.part, Decimal(row.qty), row.po)
            for row in conn.execute(sa.select(t.reservations).where(r.order == order_id)
                                    .order_by(r.id)))
        bookings = tuple(
            Booking(order_id, row.work_centre, dt.datetime.fromisoformat(row.start),
                    dt.datetime.fromisoformat(row.end))
            for row in conn.execute(sa.select(t.bookings).where(b.order == order_id)
                                    .order_by(b.id)))
        changes = tuple(_change_of(row) for row in conn.execute(
            sa.select(t.changes).where(c.order == order_id).order_by(c.id)))
        return OrderDetail(order, milestones, reservations, bookings, changes)

    def _supply_of(self, conn: sa.Connection, supply: str | None,
                   has: Callable[[Supply], bool], what: str) -> Supply:
        if supply is not None:
            if supply not in self.supplies:
                raise LedgerError(f"supply '{supply}' was not given to this ledger")
            return self.supplies[supply]
        matches = [s for s in self.supplies.values() if has(self._supply(conn, s))]
        if not matches:
            raise LedgerError(f"{what} is not in any supply file this ledger knows")
        if len(matches) > 1:
            raise LedgerError(f"{what} is in {len(matches)} supply files; name the supply")
        return matches[0]

    def _po(self, conn: sa.Connection, po: str) -> tuple[Supply, Supply, Any]:
        """The supply file with open purchase order ``po``, its current state, and the PO."""
        try:
            supply = self._supply_of(conn, None, lambda s: any(
                p.id == po for p in s.purchase_orders), f"open purchase order {po}")
        except LedgerError as error:
            hint = did_you_mean(po, (p.id for s in self.supplies.values()
                                     for p in self._supply(conn, s).purchase_orders))
            raise LedgerError(f"{error}; {hint}" if hint else str(error)) from None
        state = self._supply(conn, supply)
        found = next(p for p in state.purchase_orders if p.id == po)
        return supply, state, found

    @staticmethod
    def _positive(value: Decimal | int | str, what: str, zero: bool = False) -> Decimal:
        try:
            number_ = Decimal(str(value))
        except ArithmeticError:
            raise LedgerError(f"{what} must be a number, not {value!r}") from None
        if not number_.is_finite() or number_ < 0 or (number_ == 0 and not zero):
            raise LedgerError(f"{what} must be {'zero or more' if zero else 'positive'}, "
                              f"not {value}")
        if number_ > MAX_AMOUNT:
            raise LedgerError(f"{what} {value} is more than {MAX_AMOUNT}: a typo?")
        return number_

    def _move_to_stock(self, conn: sa.Connection, po: str, part: str, moved: Decimal,
                       left_open: Decimal) -> None:
        """After a receipt: up to ``moved`` of the open orders' reservations on ``po``
        become stock reservations (earliest placed first); what is left on the PO is cut to
        ``left_open``; the rest is dropped (the re-promise that follows re-plans them)."""
        r, o = t.reservations.c, t.orders.c
        rows = conn.execute(sa.select(r.id, r.order, r.qty).join(t.orders, o.id == r.order)
                            .where(r.po == po).order_by(o.placed, o.id, r.id)).all()
        for row in rows:
            qty = Decimal(row.qty)
            to_stock = min(qty, max(Decimal(0), moved))
            moved -= to_stock
            stay = min(qty - to_stock, left_open)
            left_open -= stay
            conn.execute(t.reservations.delete().where(r.id == row.id))
            if to_stock > 0:
                conn.execute(t.reservations.insert().values(order=row.order, part=part,
                                                            qty=str(to_stock), po=None))
            if stay > 0:
                conn.execute(t.reservations.insert().values(order=row.order, part=part,
                                                            qty=str(stay), po=po))

    def _consume(self, conn: sa.Connection, order: Order, at: dt.datetime) -> None:
        """A shipped order's reservations are used up: record what left stock, release."""
        r = t.reservations.c
        lines = [{"part": row.part, "qty": row.qty, "po": row.po} for row in conn.execute(
            sa.select(r.part, r.qty, r.po).where(r.order == order.id).order_by(r.id))]
        if lines:
            self._event(conn, at, "consumed", {"supply": order.supply, "lines": lines},
                        order=order.id)
        self._release(conn, order.id)

    def _after_event(self, conn: sa.Connection, event: int, at: dt.datetime, cause: str
                     ) -> EventResult:
        result = self._repromise(conn, at, cause, event)
        row = conn.execute(sa.select(t.events).where(t.events.c.id == event)).one()
        return EventResult(Event(row.id, dt.datetime.fromisoformat(row.at), row.kind,
                                 FrozenMap(json.loads(row.payload)), row.cause, row.order),
                           result)

    def _repromise(self, conn: sa.Connection, at: dt.datetime, cause: str, event: int
                   ) -> Repromise:
        o = t.orders.c
        rows = conn.execute(sa.select(t.orders).where(o.status == "confirmed")
                            .order_by(o.placed, o.id)).all()
        checked: list[str] = []
        changes: list[Change] = []
        unplanned: list[tuple[str, str]] = []
        # read once: each re-plan below updates the holdings it changes
        known = (_Holdings(conn), self._events(conn))
        for row in rows:
            order = _order_of(row)
            checked.append(order.id)
            try:
                catalog, plant, supply = self._world(order)
            except LedgerError as error:
                unplanned.append((order.id, str(error)))
                continue
            # Planned from when it was placed (its purchases were ordered then), so that an
            # order nothing happened to gets its plan back: no churn as time passes.
            q, why, _ = self._try(conn, catalog, order.configuration, plant, supply,
                               order.placed, order.qty, order.id, now=at, known=known)
            if q is None:
                unplanned.append((order.id, why or "cannot be planned"))
                continue
            self._hold(conn, order.id, q)
            known[0].hold(order.id, plant.id, supply.id, q)
            self._store_milestones(conn, order.id, q)
            assert order.promised is not None
            if q.promised > order.promised:
                changes.append(self._change(conn, order, plant, q.promised, at, cause, event))
        return Repromise(tuple(checked), tuple(changes), tuple(unplanned))

    def _change(self, conn: sa.Connection, order: Order, plant: Plant, new: dt.date,
                at: dt.datetime, cause: str, event: int | None, escalate: bool = True
                ) -> Change:
        """Move ``order``'s promised date to ``new`` and record it."""
        assert order.promised is not None
        calendar = WorkCalendar.of(plant)
        slip = calendar.working_days_between(order.promised, new)
        escalated = None
        level = plant.service_levels.get(order.segment or "")
        original = order.original_promised or order.promised
        if escalate and level is not None and level.escalation_after_days is not None and \
                calendar.working_days_between(original, new) > level.escalation_after_days:
            escalated = level.escalate_to
        when = _moment(at)
        key = conn.execute(t.changes.insert().values(
            order=order.id, event=event, at=when, old_date=order.promised.isoformat(),
            new_date=new.isoformat(), cause=cause, slip_days=slip, escalated_to=escalated)
        ).inserted_primary_key
        assert key is not None
        self._update(conn, order.id, promised=new.isoformat())
        return Change(int(key[0]), order.id, dt.datetime.fromisoformat(when), order.promised,
                      new, cause, slip, escalated, event)


def _held_by(oid: str, q: Quote) -> tuple[list[Reservation], list[Booking]]:
    """What order ``oid`` holds under plan ``q``: its stock and purchase-order allocations,
    one reservation per part and source, and a booking per slot that takes time."""
    taken: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for line in q.plan.materials:
        for a in line.allocations:
            if a.kind in ("stock", "po"):
                taken[line.part, a.ref if a.kind == "po" else None] += a.qty
    return ([Reservation(oid, part, qty, po) for (part, po), qty in taken.items()],
            [Booking(oid, s.work_centre, s.start, s.end) for s in q.plan.slots
             if s.end > s.start])


def _order_book(holdings: _Holdings, events: Sequence[Event], plant: str | None,
                supply: str | None) -> OrderBook:
    """What the open orders hold: bookings of ``plant`` (with capacity lost) and
    reservations of ``supply``; None: of all."""
    res = [r for order, (_, s) in holdings.where.items() if supply in (None, s)
           for r in holdings.reservations.get(order, ())]
    book = [b for order, (p, _) in holdings.where.items() if plant in (None, p)
            for b in holdings.bookings.get(order, ())]
    plants = {p for p, _ in holdings.where.values()} | {
        e.payload["plant"] for e in events if e.kind == "capacity_lost"}
    for name in sorted(plants):
        if plant in (None, name):
            book += capacity_lost_bookings(name, events)
    return OrderBook("ledger", tuple(book), tuple(res))


def _minus(span: tuple[dt.datetime, dt.datetime],
           taken: Sequence[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime,
                                                                        dt.datetime]]:
    """The parts of ``span`` outside every interval in ``taken``."""
    out, start = [], span[0]
    for a, b in sorted(taken):
        if a > start:
            out.append((start, min(a, span[1])))
        start = max(start, b)
        if start >= span[1]:
            break
    if start < span[1]:
        out.append((start, span[1]))
    return [(a, b) for a, b in out if b > a]


def _order_of(row: Any) -> Order:
    placed = _from_moment(row.placed)
    assert placed is not None
    return Order(row.id, row.catalog, row.plant, row.supply, _values(row.configuration),
                 row.qty, row.status, placed, row.customer, row.segment,
                 None if row.price is None else Decimal(row.price), row.currency,
                 _from_moment(row.confirmed), _from_day(row.promised),
                 _from_day(row.original_promised), row.reason)


def _change_of(row: Any) -> Change:
    return Change(row.id, row.order, dt.datetime.fromisoformat(row.at),
                  dt.date.fromisoformat(row.old_date), dt.date.fromisoformat(row.new_date),
                  row.cause, row.slip_days, row.escalated_to, row.event)


def _options(configuration: Mapping[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for module, value in configuration.items():
        for item in value if isinstance(value, tuple) else (value,):
            if item is not None and not (isinstance(item, str) and item.startswith("-")):
                out.append(f"{module}={item}")
    return tuple(out)
