"""Importing real configuration models into bto catalogs.

- **XCSP 2.1** (extensional CSPs such as the Renault Mégane model): every variable becomes a
  module (an integer module when its domain is a contiguous range, else a single-select module
  with one option per value) and every table constraint a variant table in a CSV file
  (``semantics="conflicts"`` relations become ``kind: deny`` tables).
- **DIMACS CNF** feature models: every feature becomes an optional module with the single
  option ``enabled``, and every clause a rule such as ``A or not B``.

An import returns the files to write; :func:`write_catalog` writes them into a new folder
atomically, so a failed import leaves nothing half-written. Input is hostile: XML with a
DOCTYPE (and so entity declarations) is refused before it is parsed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .expr import KEYWORDS

__all__ = ["ImportError_", "ImportedCatalog", "import_dimacs", "import_xcsp", "write_catalog"]

MAX_INPUT_BYTES = 256 * 1024 * 1024
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class ImportError_(Exception):  # noqa: N801 - ImportError is a builtin
    """The input cannot be imported; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class ImportedCatalog:
    """The catalog text and the CSV files beside it (relative path -> text)."""

    name: str
    catalog: str
    files: dict[str, str]
    notes: tuple[str, ...] = ()


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


class _Names:
    """Unique rule-language identifiers for arbitrary names."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.used: set[str] = set()

    def __call__(self, raw: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_]", "_", raw) or self.prefix
        if not _NAME_RE.match(name) or name in KEYWORDS:
            name = f"{self.prefix}{name}"
        base, k = name, 2
        while name in self.used:
            name, k = f"{base}_{k}", k + 1
        self.used.add(name)
        return name


def _header(catalog_id: str, title: str, source: str) -> list[str]:
    return [
        "# yaml-language-server: $schema=https://bto-configurator.invalid/schemas/catalog.schema.json",
        f"# Imported by bto from {source}",
        "format: bto-catalog/1",
        f"id: {_q(catalog_id)}",
        f"name: {_q(title)}",
        'version: "imported"',
        "currency: EUR",
    ]


def _catalog_id(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", path.stem) or "imported"


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise ImportError_(f"{path}: larger than {MAX_INPUT_BYTES // 2**20} MiB")
        return path.read_bytes()
    except OSError as exc:
        raise ImportError_(f"{path}: {exc.strerror or exc}") from None


# -- XCSP 2.1 -----------------------------------------------------------------------------------
def _values(text: str, where: str) -> list[int]:
    out: list[int] = []
    for token in text.split():
        m = re.fullmatch(r"(-?\d+)\.\.(-?\d+)", token)
        try:
            if m:
                low, high = int(m.group(1)), int(m.group(2))
                if high - low > 1_000_000:
                    raise ImportError_(f"{where}: range {token} is too large")
                out.extend(range(low, high + 1))
            else:
                out.append(int(token))
        except ValueError:
            raise ImportError_(f"{where}: '{token}' is not an integer") from None
    return out


def _option(value: int) -> str:
    return f"v{value}" if value >= 0 else f"vm{-value}"


def import_xcsp(path: str | os.PathLike[str]) -> ImportedCatalog:
    """An XCSP 2.1 instance with extensional (table) constraints, as a catalog."""
    source = Path(path)
    data = _read(source)
    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:4096], re.IGNORECASE):
        raise ImportError_(f"{source}: XML with a DOCTYPE or entities is not accepted")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise ImportError_(f"{source}:{line}:{column + 1}: not well-formed XML: {exc}") from None
    if root.tag != "instance":
        raise ImportError_(f"{source}: not an XCSP 2.1 instance (root element <{root.tag}>)")
    domains = {d.get("name", ""): _values(d.text or "", f"{source}: domain {d.get('name')}")
               for d in root.iter("domain")}
    names = _Names("x")
    modules: dict[str, tuple[str, list[int]]] = {}  # XCSP name -> (module id, values)
    for v in root.iter("variable"):
        raw, dom = v.get("name", ""), v.get("domain", "")
        if dom not in domains:
            raise ImportError_(f"{source}: variable {raw} has unknown domain {dom}")
        values = sorted(set(domains[dom]))
        if not values:
            raise ImportError_(f"{source}: variable {raw} has an empty domain")
        modules[raw] = (names(raw), values)
    relations = {r.get("name", ""): r for r in root.iter("relation")}
    lines = _header(_catalog_id(source), source.stem, source.name) + ["modules:"]
    integer: set[str] = set()
    for raw, (mid, values) in modules.items():
        lines += [f"  - id: {_q(mid)}", f"    label: {_q(raw)}"]
        if values == list(range(values[0], values[-1] + 1)):
            integer.add(raw)
            lines += ["    type: integer", f"    min: {values[0]}", f"    max: {values[-1]}"]
        else:
            lines.append("    options:")
            lines += [f"      - {{id: {_option(x)}, label: {_q(str(x))}}}" for x in values]
    files: dict[str, str] = {}
    notes: list[str] = []
    tables: list[str] = []
    rules: list[str] = []
    table_names = _Names("t")
    for c in root.iter("constraint"):
        cname, ref = c.get("name", ""), c.get("reference", "")
        scope = (c.get("scope") or "").split()
        relation = relations.get(ref)
        if relation is None:
            raise ImportError_(f"{source}: constraint {cname} is not a table constraint "
                               f"(reference {ref!r}); only extensional constraints import")
        unknown = [s for s in scope if s not in modules]
        if unknown or len(set(scope)) != len(scope) or not scope:
            raise ImportError_(f"{source}: constraint {cname} has a bad scope {scope}")
        conflicts = relation.get("semantics", "supports") == "conflicts"
        tuples = [t.split() for t in (relation.text or "").split("|") if t.strip()]
        tid = table_names(cname)
        if not tuples:
            if conflicts:
                notes.append(f"constraint {cname}: an empty conflicts relation allows "
                             "everything; left out")
                continue
            rules.append(f"  - {{id: {tid}, message: {_q(f'{cname} allows nothing')}, "
                         "constraint: \"false\"}")
            continue
        header = [modules[s][0] for s in scope]
        rows = [",".join(header)]
        for t in tuples:
            if len(t) != len(scope):
                raise ImportError_(f"{source}: relation {ref} has a tuple of {len(t)} values "
                                   f"for a scope of {len(scope)}")
            cells = []
            for s, value in zip(scope, t, strict=True):
                try:
                    number = int(value)
                except ValueError:
                    raise ImportError_(f"{source}: relation {ref}: '{value}' is not an "
                                       "integer") from None
                if number not in modules[s][1]:
                    raise ImportError_(f"{source}: relation {ref}: {number} is not in the "
                                       f"domain of variable {s}")
                cells.append(str(number) if s in integer else _option(number))
            rows.append(",".join(cells))
        files[f"tables/{tid}.csv"] = "\n".join(rows) + "\n"
        tables += [f"  - id: {tid}", f"    message: {_q(f'{cname} over {ref}')}",
                   f"    columns: [{', '.join(header)}]", f"    file: tables/{tid}.csv"]
        if conflicts:
            tables.append("    kind: deny")
    if rules:
        lines += ["rules:", *rules]
    if tables:
        lines += ["tables:", *tables]
    return ImportedCatalog(_catalog_id(source), "\n".join(lines) + "\n", files, tuple(notes))


# -- DIMACS -------------------------------------------------------------------------------------
def _disjunction(terms: list[str]) -> str:
    """``a or b or ...``, grouped in balanced halves so that long clauses stay shallow."""
    if len(terms) <= 32:
        return " or ".join(terms)
    middle = len(terms) // 2
    return f"({_disjunction(terms[:middle])}) or ({_disjunction(terms[middle:])})"


def import_dimacs(path: str | os.PathLike[str]) -> ImportedCatalog:
    """A DIMACS CNF feature model (``c N name`` lines name the features), as a catalog."""
    source = Path(path)
    try:
        text = _read(source).decode("utf-8")
    except UnicodeDecodeError:
        raise ImportError_(f"{source}: not UTF-8 text") from None
    count: int | None = None
    feature_names: dict[int, str] = {}
    clauses: list[list[int]] = []
    current: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("%"):
            continue
        if stripped.startswith("c"):
            m = re.fullmatch(r"c\s+(\d+)\$?\s+(\S.*)", stripped)
            if m:
                feature_names[int(m.group(1))] = m.group(2).strip()
            continue
        if stripped.startswith("p"):
            m = re.fullmatch(r"p\s+cnf\s+(\d+)\s+(\d+)", stripped)
            if not m:
                raise ImportError_(f"{source}:{number}:1: bad problem line '{stripped}'")
            count = int(m.group(1))
            continue
        if count is None:
            raise ImportError_(f"{source}:{number}:1: clause before the 'p cnf' line")
        for token in stripped.split():
            try:
                literal = int(token)
            except ValueError:
                raise ImportError_(f"{source}:{number}:1: '{token}' is not a literal") from None
            if literal == 0:
                clauses.append(current)
                current = []
            elif abs(literal) > count:
                raise ImportError_(f"{source}:{number}:1: literal {literal} is beyond the "
                                   f"{count} variables of the 'p cnf' line")
            else:
                current.append(literal)
    if count is None:
        raise ImportError_(f"{source}: no 'p cnf' line")
    if current:
        clauses.append(current)
    names = _Names("f_")
    ids = {i: names(feature_names.get(i, f"v{i}")) for i in range(1, count + 1)}
    lines = _header(_catalog_id(source), source.stem, source.name) + ["modules:"]
    for i in range(1, count + 1):
        label = feature_names.get(i, f"variable {i}")
        lines += [f"  - id: {_q(ids[i])}", f"    label: {_q(label)}", "    required: false",
                  f"    options: [{{id: enabled, label: {_q(label)}}}]"]
    if clauses:
        lines.append("rules:")
    for k, clause in enumerate(clauses, 1):
        if not clause:
            expression = "false"
        else:
            terms = [ids[abs(x)] if x > 0 else f"not {ids[abs(x)]}"
                     for x in dict.fromkeys(clause)]
            expression = _disjunction(terms)
        lines.append(f"  - {{id: clause-{k}, message: {_q(f'clause {k} of the model')}, "
                     f"constraint: {_q(expression)}}}")
    return ImportedCatalog(_catalog_id(source), "\n".join(lines) + "\n", {}, ())


# -- writing ------------------------------------------------------------------------------------
def write_catalog(imported: ImportedCatalog, out_dir: str | os.PathLike[str]) -> Path:
    """Write the catalog and its tables into ``out_dir``, which must not exist or be empty.

    Everything is written into a temporary folder beside it first and moved into place at the
    end, so an interrupted import leaves no partial catalog behind. Returns the catalog path.
    """
    target = Path(out_dir)
    try:
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise ImportError_(f"{target}: exists and is not an empty folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".bto-import-", dir=target.parent))
    except OSError as exc:
        raise ImportError_(f"{target}: cannot create it: {exc.strerror or exc}") from None
    try:
        _write_all(staging, [(f"{imported.name}.yaml", imported.catalog),
                             *imported.files.items()])
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target / f"{imported.name}.yaml"


def _write_all(folder: Path, files: Iterable[tuple[str, str]]) -> None:
    for relative, text in files:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
