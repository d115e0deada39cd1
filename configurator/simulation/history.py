"""A simulated order history as a ``bto kpi`` history file (docs/kpi.md).

``bto simulate --history FILE`` writes one seed's measured orders as one policy promised them,
so the delivery KPIs of a backtest can be read the way a plant reads its own order book:
``bto kpi FILE --catalog CATALOG``. The file's on-time rate is the simulation's, order for
order: each order is placed at its arrival time, promised the policy's quote in working days
after acceptance, and delivered when the simulation delivered it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
from collections.abc import Mapping
from typing import Any

from .._files import write_atomically
from .bto import BuildToOrder, ShopRun
from .worktime import WorkTime

__all__ = ["COLUMNS", "configuration_text", "history_rows", "save_history"]

COLUMNS = ("order", "ordered", "promised", "delivered", "segment", "configuration", "quantity")


def configuration_text(values: Mapping[str, Any]) -> str:
    """A configuration as ``MODULE=VALUE`` choices separated by ``;`` (``bto quote -s``
    syntax; a multi-select module as ``MODULE=a,b``, nothing chosen as ``MODULE=none``)."""
    items = []
    for module, value in values.items():
        if value is None or (isinstance(value, tuple | frozenset | list) and not value):
            items.append(f"{module}=none")
        elif isinstance(value, tuple | frozenset | list):
            items.append(f"{module}={','.join(str(v) for v in value)}")
        else:
            items.append(f"{module}={value}")
    return ";".join(items)


def history_rows(model: BuildToOrder, run: ShopRun, policy: str) -> list[dict[str, str]]:
    """The measured orders of ``run`` as history rows, promised by ``policy``."""
    if policy not in run.quoted:
        raise ValueError(f"the run has no quotes of policy {policy!r}")
    calendar = model.calendar
    clock = WorkTime(calendar, dt.datetime.combine(model.scenario.start, dt.time(0),
                                                   tzinfo=calendar.zone))
    quoted = run.quoted[policy]
    rows = []
    for i, order in enumerate(run.ids):
        accepted = dt.date.fromordinal(int(run.accepted_on[i]))
        days = float(quoted[i])
        promised = calendar.add_working_days(accepted, max(0, math.ceil(days - 1e-9))) \
            if math.isfinite(days) else None
        rows.append({
            "order": f"S{run.seed}-{int(order):06d}",
            "ordered": clock.moment(float(run.arrival[i])).isoformat(timespec="minutes"),
            "promised": "" if promised is None else promised.isoformat(),
            "delivered": dt.date.fromordinal(int(run.delivered_on[i])).isoformat(),
            "segment": run.segments[i],
            "configuration": configuration_text(run.pool[int(run.products[i])]),
            "quantity": "1"})
    return rows


def save_history(path: str | os.PathLike[str], rows: list[dict[str, str]]) -> None:
    """Write history rows as a CSV file, whole or not at all."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(path, out.getvalue())
