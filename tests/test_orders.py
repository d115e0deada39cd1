"""The order-book file (bto-orders/1): reading it, and lint's checks against its plant and
supply files."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

from configurator import lint_paths, load_orders, read_orders

DATA = Path(__file__).parent / "data" / "quote"


def book(tmp_path: Path, body: str) -> Path:
    for name in ("plant.yaml", "supply.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    path = tmp_path / "orders.yaml"
    path.write_text("format: bto-orders/1\nid: open\nplant: plant.yaml\nsupply: supply.yaml\n"
                    + body)
    return path


def codes(path: Path) -> list[tuple[str, int]]:
    return [(p.code, p.line) for p in lint_paths([path]).problems if p.file.endswith("orders.yaml")]


def test_reading_inline_and_csv(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("order,work_centre,start,end\n"
                                    "SO-1,assembly,2026-12-02T08:00,2026-12-02T09:30\n")
    path = book(tmp_path, "bookings: {file: b.csv}\nreservations:\n"
                          "  - {order: SO-1, part: MOT-B, qty: 2, po: PO-4711}\n")
    orders = load_orders(path)
    assert orders.bookings[0].start == dt.datetime(2026, 12, 2, 8, 0)
    assert orders.bookings[0].source is not None and orders.bookings[0].source.line == 2
    assert orders.reserved_on("PO-4711") == Decimal(2)
    assert orders.reserved_stock("MOT-B") == 0
    assert orders.plant == tmp_path / "plant.yaml" and orders.orders == {"SO-1"}
    assert codes(path) == []


def test_lint_checks_work_centres_purchase_orders_and_quantities(tmp_path: Path) -> None:
    path = book(tmp_path, """bookings:
  - {order: SO-1, work_centre: asembly, start: "2026-12-02T08:00", end: "2026-12-02T09:00"}
reservations:
  - {order: SO-1, part: MOT-A, qty: 2}
  - {order: SO-2, part: MOT-A, qty: 2}
  - {order: SO-3, part: MOT-A, qty: 1, po: PO-4711}
  - {order: SO-4, part: MOT-B, qty: 5, po: PO-4711}
""")
    found = codes(path)
    # line 6: unknown work centre (did you mean assembly); line 9: 4 of 3 on hand;
    # line 10: PO-4711 is of MOT-B; line 11: 5 of a PO of 4
    assert found == [("R305", 6), ("R313", 9), ("R312", 10), ("R313", 11)]
    messages = {p.code: p for p in lint_paths([path]).problems}
    assert "did you mean 'assembly'" in (messages["R305"].suggestion or "")


def test_bad_times_are_problems_not_tracebacks(tmp_path: Path) -> None:
    path = book(tmp_path, """bookings:
  - {order: SO-1, work_centre: assembly, start: "2026-12-02", end: "2026-12-02T09:00"}
  - {order: SO-2, work_centre: assembly, start: "2026-12-02T10:00+01:00", end: "2026-12-02T11:00"}
  - {order: SO-3, work_centre: assembly, start: "2026-12-02T10:00", end: "2026-12-02T09:00"}
""")
    orders, problems = read_orders(path)
    assert orders is None
    assert [(p.code, p.line) for p in problems] == [("S203", 6), ("S204", 7), ("S204", 8)]
