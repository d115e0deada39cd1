"""Delivery KPIs of past orders (``bto kpi``): on-time delivery, lead-time variability,
promise error, and the options with the longest lead times, per segment and month.

:func:`kpi_report` is a pure function of :class:`HistoryRecord` values, whatever they were
read from; :func:`read_history` reads them from a ``bto-history`` CSV file.
"""

from __future__ import annotations

from .history import COLUMNS, load_history, parse_configuration, read_history
from .report import (
    ALL,
    GroupKpi,
    HistoryRecord,
    KpiReport,
    LeadTimes,
    OptionLead,
    OptionRanking,
    PromiseError,
    kpi_report,
    order_month,
)

__all__ = ["ALL", "COLUMNS", "GroupKpi", "HistoryRecord", "KpiReport", "LeadTimes",
           "OptionLead", "OptionRanking", "PromiseError", "kpi_report", "load_history",
           "order_month", "parse_configuration", "read_history"]
