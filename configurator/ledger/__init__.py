"""The order-book ledger: orders and what they reserve, in SQLite or PostgreSQL.

A quote is an inquiry; an order is a commitment. :class:`Ledger` records orders, reserves the
stock, purchase-order quantities and work-centre time their plans use (so the next quote sees
only what is left), records supply and plant events, and re-promises the orders an event
breaks. See docs/ledger.md.
"""

from __future__ import annotations

from .ledger import MILESTONES, OPEN, Ledger
from .records import (
    Change,
    CustomizationErrors,
    Event,
    EventResult,
    LedgerError,
    LedgerUnavailable,
    MilestoneRecord,
    Order,
    OrderDetail,
    Outcome,
    QuoteInputs,
    Repromise,
    Source,
)
from .schema import MIGRATIONS, SCHEMA_VERSION, STATUSES

__all__ = ["MIGRATIONS", "MILESTONES", "OPEN", "SCHEMA_VERSION", "STATUSES", "Change",
           "CustomizationErrors", "Event", "EventResult", "Ledger", "LedgerError",
           "LedgerUnavailable", "MilestoneRecord", "Order", "OrderDetail", "Outcome",
           "QuoteInputs", "Repromise", "Source"]
