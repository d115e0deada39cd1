"""Loading: the example catalogs, and a catalog whose variant table has 50,000 CSV rows.

Target (issue 2: "tables with tens of thousands of rows must load fast"): a 50,000-row table
loads, fully checked, in at most 1 s; each example catalog in at most 200 ms.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from configurator import load_catalog

from ._util import measure, report

ROOT = Path(__file__).resolve().parent.parent
ROWS = 50_000


def big_table_catalog(folder: Path) -> Path:
    """A catalog of 4 single-select modules (40 x 40 x 40 x 10 values) and a 50k-row table."""
    sizes = {"body": 40, "engine": 40, "trim": 40, "paint": 10}
    lines = ["format: bto-catalog/1", "id: big-table", "name: Big table", 'version: "1"',
             "currency: EUR", "modules:"]
    for module, n in sizes.items():
        lines.append(f"  - id: {module}\n    label: {module}\n    options:")
        lines += [f"      - {{id: {module}_{i}, label: {module} {i}, price: {i}.50}}"
                  for i in range(n)]
    lines += ["tables:", "  - id: released", "    message: Not released.",
              f"    columns: [{', '.join(sizes)}]", "    file: big.csv"]
    (folder / "big.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    combos = itertools.islice(itertools.product(*(range(n) for n in sizes.values())), ROWS)
    rows = [",".join(sizes)] + [",".join(f"{m}_{i}" for m, i in zip(sizes, combo, strict=True))
                                for combo in combos]
    (folder / "big.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / "big.yaml"


def run() -> bool:
    print("load (issue 2)")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        path = big_table_catalog(Path(tmp))
        catalog = load_catalog(path)
        assert len(catalog.tables[0].rows) == ROWS
        ok &= report(f"catalog with a {ROWS:,}-row CSV variant table",
                     measure(lambda: load_catalog(path), repeat=7), 1.0)
    for example in sorted((ROOT / "catalogs").glob("*.yaml")):
        ok &= report(f"example {example.name}", measure(lambda p=example: load_catalog(p),
                                                        repeat=15), 0.2)
    return ok
