"""Loading: the example catalogs, a 50,000-row CSV variant table, and imported real models.

Targets:
- issue 2 ("tables with tens of thousands of rows must load fast"): a 50,000-row table loads,
  fully checked, in at most 1 s; each example catalog in at most 200 ms;
- issue 3 (load and compile the Renault Megane catalog in at most 300 ms, of which compile
  and engine build take about 100 ms): the imported Megane catalog (99 modules, 111 CSV
  tables, 194,723 rows) loads in at most 180 ms, and so does the Renault medium catalog;
  the imported automotive01 feature model (2,513 modules, 10,300 rules) in at most 500 ms.

The real models are in ``tests/data/real`` (sources in its README); they are imported into a
temporary folder first, as ``bto import`` would.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from configurator import load_catalog
from configurator.importers import import_dimacs, import_xcsp, write_catalog

from ._util import measure, report

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "real"
ROWS = 50_000

# name, importer, source file, expected (modules, rules, tables, rows), target in seconds
REAL = (
    ("Renault Megane (111 CSV tables)", import_xcsp, "megane.xml", (99, 0, 111, 194_723), 0.18),
    ("Renault medium (174 CSV tables)", import_xcsp, "medium_domainsorted.xml",
     (148, 0, 174, 9_532), 0.18),
    ("automotive01 (10,300 rules)", import_dimacs, "automotive01.dimacs",
     (2_513, 10_300, 0, 0), 0.5),
)


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
    print("load (issues 2 and 3)")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        path = big_table_catalog(Path(tmp))
        catalog = load_catalog(path)
        assert len(catalog.tables[0].rows) == ROWS
        ok &= report(f"catalog with a {ROWS:,}-row CSV variant table",
                     measure(lambda: load_catalog(path), repeat=7), 1.0)
        for name, importer, source, expected, target in REAL:
            path = write_catalog(importer(DATA / source), Path(tmp) / source.split(".")[0])
            catalog = load_catalog(path)
            shape = (len(catalog.modules), len(catalog.rules), len(catalog.tables),
                     sum(len(t.rows) for t in catalog.tables))
            assert shape == expected, f"{source}: {shape} is not {expected}"
            ok &= report(f"imported {name}", measure(lambda p=path: load_catalog(p), repeat=7),
                         target)
    for example in sorted((ROOT / "catalogs").glob("*.yaml")):
        ok &= report(f"example {example.name}", measure(lambda p=example: load_catalog(p),
                                                        repeat=15), 0.2)
    return ok
