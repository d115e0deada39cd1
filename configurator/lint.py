"""``bto lint``: every problem in a set of catalog, plant and supply files.

Each file is read once, even when several catalogs name the same plant or supply file. Beyond
what loading checks, lint cross-checks a catalog against the plant and supply files it names:
work centres must exist, purchased parts should have a source, and supply data should not name
parts no catalog uses. Every catalog that loads without errors is then solved for the semantic
checks of :mod:`configurator.semantic` (dead and forced options, rules that never apply or are
redundant, unusable table rows, no configuration at all); ``semantic=False`` skips them.
Order books are checked against their plant and supply files; scenario and calibration files
(``bto-scenario/1``, ``bto-calibration/1``) are checked on their own, as loading reads them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .catalog.model import Catalog, Part
from .loading import Document, read_file
from .orders import OrderBook
from .plant import Plant
from .problems import Position, Problem, did_you_mean
from .scenario import Scenario
from .supply import Supply

__all__ = ["LintResult", "collect_files", "lint_paths"]

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class LintResult:
    """The files read and every problem found, sorted by file, line and column."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def clean(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"files": list(self.files), "problems": [p.to_dict() for p in self.problems]}


def collect_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """The YAML files named, and those below named folders (hidden ones skipped)."""
    out: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found: list[str] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files
                             if f.endswith(YAML_SUFFIXES) and not f.startswith("."))
            out.extend(sorted(found))
        else:
            out.append(os.fspath(given))
    return list(dict.fromkeys(out))


class _Linter:
    def __init__(self, semantic: bool = True) -> None:
        self.docs: dict[Path, Document | None] = {}
        self.names: dict[Path, str] = {}
        self.problems: list[Problem] = []
        self.semantic = semantic

    def read(self, path: Path, name: str) -> Document | None:
        key = path.resolve()
        if key not in self.docs:
            self.names[key] = name
            doc, problems = read_file(path, name)
            self.docs[key] = doc
            self.problems.extend(problems)
        return self.docs[key]

    def run(self, files: Sequence[str]) -> None:
        for name in files:
            if not name.endswith(YAML_SUFFIXES):
                self.problems.append(Problem.at(
                    "S200", "not a bto YAML file", Position(name, 1, 1),
                    suggestion="CSV files are checked through the catalog or supply file "
                    "that names them; lint that file"))
                continue
            self.read(Path(name), name)
        catalogs = [d for d in list(self.docs.values()) if isinstance(d, Catalog)]
        users: dict[Path, list[Catalog]] = {}
        for catalog in catalogs:
            plant, supply = self.plant_and_supply(catalog)
            if isinstance(plant, Plant):
                self.check_work_centres(catalog, plant)
                self.check_carriers(catalog, plant)
            if isinstance(supply, Supply):
                self.check_sourcing(catalog, supply)
                users.setdefault(supply_key(catalog), []).append(catalog)
        for path, cats in users.items():
            shared = self.docs[path]
            assert isinstance(shared, Supply)
            self.check_unused(shared, cats)
        for book in [d for d in list(self.docs.values()) if isinstance(d, OrderBook)]:
            self.check_orders(book)
        for key, doc in list(self.docs.items()):
            if isinstance(doc, Scenario):
                self.check_scenario(doc, key)
        if self.semantic and catalogs:
            from .semantic import semantic_problems  # loads the engine: only when needed

            for catalog in catalogs:
                self.problems.extend(semantic_problems(catalog))

    def named(self, doc: Catalog | OrderBook, path: Path | None) -> Document | None:
        """The file ``doc`` names (read once), printed relative to how ``doc`` was named."""
        if path is None or doc.path is None:
            return None
        name = self.names[doc.path.resolve()]
        display = os.path.normpath(os.path.join(os.path.dirname(name),
                                                os.path.relpath(path, doc.path.parent)))
        return self.read(path, display)

    def plant_and_supply(self, doc: Catalog | OrderBook
                         ) -> tuple[Document | None, Document | None]:
        """The plant and supply files ``doc`` names; a file of another kind is a problem."""
        plant, supply = self.named(doc, doc.plant), self.named(doc, doc.supply)
        for key, named, kind in (("plant", plant, Plant), ("supply", supply, Supply)):
            if named is not None and not isinstance(named, kind):
                self.problems.append(Problem.at(
                    "S200", f"'{key}' names a {type(named).__name__.lower()} file, not a "
                    f"{key} file", doc.sources.get(key) or Position("?", 1, 1),
                    suggestion=f"point '{key}' at a file with 'format: bto-{key}/1'"))
        return plant, supply

    def check_orders(self, book: OrderBook) -> None:
        """An order book's bookings against its plant, its reservations against its supply."""
        plant, supply = self.plant_and_supply(book)
        if isinstance(plant, Plant):
            for booking in book.bookings:
                if booking.work_centre not in plant.work_centres:
                    self.problems.append(Problem.at(
                        "R305", f"unknown work centre '{booking.work_centre}' "
                        f"(plant '{plant.id}')", booking.source or Position("?", 1, 1),
                        suggestion=did_you_mean(booking.work_centre, plant.work_centres)))
        if isinstance(supply, Supply):
            self.check_reservations(book, supply)

    def check_reservations(self, book: OrderBook, supply: Supply) -> None:
        orders = {po.id: po for po in supply.purchase_orders}
        held: dict[str, Decimal] = {}
        for r in book.reservations:
            where = r.source or Position("?", 1, 1)
            if r.po is not None:
                po = orders.get(r.po)
                if po is None or po.part != r.part:
                    self.problems.append(Problem.at(
                        "R312", f"no purchase order '{r.po}' of part '{r.part}' in supply data "
                        f"'{supply.id}'", where,
                        suggestion=did_you_mean(r.po, [o.id for o in supply.purchase_orders
                                                       if o.part == r.part])
                        or (f"purchase order '{r.po}' is of part '{po.part}'" if po else None)))
                    continue
                key, limit = f"purchase order {r.po}", po.qty
            else:
                record = supply.stock.get(r.part)
                key, limit = f"stock of {r.part}", record.on_hand if record else Decimal(0)
            held[key] = held.get(key, Decimal(0)) + r.qty
            if held[key] > limit:
                self.problems.append(Problem.at(
                    "R313", f"open orders hold {held[key]} of the {key}, which has {limit}",
                    where, suggestion="check the reservations, or the supply data's snapshot"))

    def check_scenario(self, scenario: Scenario, path: Path) -> None:
        """A scenario's option weights against its catalog, its disruptions and carrier
        against its plant and supply."""
        name = self.names[path]

        def display(target: Path) -> str:
            return os.path.normpath(os.path.join(os.path.dirname(name),
                                                 os.path.relpath(target, path.parent)))

        catalog = self.read(scenario.catalog, display(scenario.catalog))
        if not isinstance(catalog, Catalog):
            return
        where = scenario.sources
        for module_id, weights in scenario.option_weights.items():
            module = catalog.module_map.get(module_id)
            if module is None:
                self.problems.append(Problem.at(
                    "R301", f"unknown module '{module_id}' (catalog '{catalog.id}')",
                    where.get(f"option_weights.{module_id}") or Position(name, 1, 1),
                    suggestion=did_you_mean(module_id, catalog.module_map)))
                continue
            known = [*module.option_ids] if module.kind != "integer" else [
                str(v) for v in module.values()]
            if module.kind != "multi":
                known.append("none")
            for option in weights:
                if option not in known:
                    self.problems.append(Problem.at(
                        "R302", f"module '{module_id}' has no option '{option}'",
                        where.get(f"option_weights.{module_id}.{option}")
                        or Position(name, 1, 1), suggestion=did_you_mean(option, known)))
        plant_path = scenario.plant or (Path(catalog.plant) if catalog.plant else None)
        supply_path = scenario.supply or (Path(catalog.supply) if catalog.supply else None)
        plant = self.read(plant_path, display(plant_path)) if plant_path else None
        supply = self.read(supply_path, display(supply_path)) if supply_path else None
        # (code, what, the name used, the names there are, in which file, the key of where)
        names: list[tuple[str, str, str | None, list[str], str, str]] = []
        if isinstance(plant, Plant):
            names.append(("R314", "carrier", scenario.carrier, [c.id for c in plant.carriers],
                          f"plant '{plant.id}'", "carrier"))
            names += [("R305", "work centre", d.work_centre, list(plant.work_centres),
                       f"plant '{plant.id}'", f"disruptions.{i}.work_centre")
                      for i, d in enumerate(scenario.disruptions)]
        if isinstance(supply, Supply):
            names += [("R307", "supplier", d.supplier, list(supply.suppliers),
                       f"supply '{supply.id}'", f"disruptions.{i}.supplier")
                      for i, d in enumerate(scenario.disruptions)]
        for code, what, used, known, owner, key in names:
            if used is not None and used not in known:
                self.problems.append(Problem.at(
                    code, f"unknown {what} '{used}' ({owner})",
                    where.get(key) or Position(name, 1, 1),
                    suggestion=did_you_mean(used, known)))

    def check_carriers(self, catalog: Catalog, plant: Plant) -> None:
        known = [c.id for c in plant.carriers]
        for rule in catalog.shipping:
            for carrier, where in zip(rule.carriers, rule.carrier_sources, strict=False):
                if carrier not in known:
                    self.problems.append(Problem.at(
                        "R314", f"unknown carrier '{carrier}' (plant '{plant.id}')", where,
                        suggestion=did_you_mean(carrier, known)))

    def check_work_centres(self, catalog: Catalog, plant: Plant) -> None:
        ops = [*catalog.routing, *(op for p in catalog.parts.values() for op in p.routing)]
        for op in ops:
            if op.work_centre not in plant.work_centres:
                self.problems.append(Problem.at(
                    "R305", f"unknown work centre '{op.work_centre}' (plant '{plant.id}')",
                    op.work_centre_source or op.source or Position("?", 1, 1),
                    suggestion=did_you_mean(op.work_centre, plant.work_centres)))

    def check_sourcing(self, catalog: Catalog, supply: Supply) -> None:
        for part in used_purchased_parts(catalog):
            if part.id not in supply.sourcing and part.id not in supply.stock:
                self.problems.append(Problem.at(
                    "R310", f"purchased part '{part.id}' has no sourcing or stock in supply "
                    f"data '{supply.id}', so no delivery date can be promised for it",
                    part.source or Position("?", 1, 1),
                    suggestion=did_you_mean(part.id, supply.sourcing)))

    def check_unused(self, supply: Supply, catalogs: list[Catalog]) -> None:
        known = {p for c in catalogs for p in c.parts}
        records: list[Any] = [*supply.sourcing.values(), *supply.stock.values(),
                              *supply.purchase_orders]
        reported = set()
        for record in records:
            if record.part not in known and record.part not in reported:
                reported.add(record.part)
                self.problems.append(Problem.at(
                    "R311", f"part '{record.part}' is not used by "
                    f"{', '.join(sorted(c.id for c in catalogs))}",
                    record.source or Position("?", 1, 1),
                    suggestion=did_you_mean(record.part, known)))


def supply_key(catalog: Catalog) -> Path:
    assert catalog.supply is not None
    return catalog.supply.resolve()


def used_purchased_parts(catalog: Catalog) -> list[Part]:
    """Purchased parts reachable from the catalog's BOM, each once, in BOM order."""
    seen: dict[str, Part] = {}
    stack = [line.part for line in reversed(catalog.bom)]
    visited: set[str] = set()
    while stack:
        part_id = stack.pop()
        if part_id in visited or part_id not in catalog.parts:
            continue
        visited.add(part_id)
        part = catalog.parts[part_id]
        if part.type == "purchased":
            seen[part_id] = part
        stack.extend(line.part for line in reversed(part.bom))
    return list(seen.values())


def lint_paths(paths: Iterable[str | os.PathLike[str]], *, semantic: bool = True
               ) -> LintResult:
    """Lint files and folders; returns every problem, sorted by position. ``semantic=False``
    skips the checks that solve each catalog."""
    files = collect_files(paths)
    linter = _Linter(semantic)
    linter.run(files)
    problems = sorted(set(linter.problems), key=lambda p: (p.file, p.line, p.column, p.code))
    return LintResult(tuple(linter.names.values()), tuple(problems))
