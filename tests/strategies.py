"""Hypothesis strategies shared by the property tests.

For now: hostile file contents (arbitrary bytes, and real files with random edits). The engine
issue adds generated catalogs, selections and supply situations here.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


def example_files() -> list[Path]:
    """Every valid bto YAML file in the repository: the examples and the test fixtures."""
    found = [*ROOT.glob("catalogs/*.yaml"), *ROOT.glob("rules/*.yaml"),
             *ROOT.glob("tests/data/good/**/*.yaml")]
    return sorted(found)


# Fragments that are likely to break a catalog in interesting ways.
_FRAGMENTS = ["no", "yes", "1:30", "010", "&a", "*a", "<<: *a", "!!python/object:os.system",
              "- ", ": ", "{", "}", "[", "]", '"', "'", "#", "\t", "\x00", "\ufeff", "~", "null",
              "requires", "sum(", ")", "option.", " and ", "*", "==", "2026-02-30", "---",
              "format: bto-plant/1", "\n", "  ", "1e999", "-1", "é"]


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few random edits: deletions, insertions, duplicated or swapped lines."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = [""]
        kind = draw(st.sampled_from(["delete", "insert", "dup", "swap", "chars", "indent"]))
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "    "])) + lines[i].lstrip()
        else:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            cut = draw(st.integers(0, 3))
            piece = draw(st.sampled_from(_FRAGMENTS) | st.text(max_size=3))
            if kind == "insert":
                lines[i] = line[:at] + piece + line[at:]
            else:
                lines[i] = line[:at] + piece + line[at + cut:]
    return "\n".join(lines)


# --- generated catalogs ---------------------------------------------------------------------
# Small catalogs written as YAML text and loaded through the real loader, so a generated
# catalog exercises the whole path: single-, multi-select and integer modules, a number
# attribute, rules of every form, a numeric budget and a variant table (with wildcards).


@st.composite
def catalog_texts(draw: st.DrawFn, max_single: int = 3) -> str:
    """The text of a small, valid catalog (it may have no configuration at all)."""
    singles = []
    for i in range(draw(st.integers(1, max_single))):
        n = draw(st.integers(2, 3))
        weights = [draw(st.integers(0, 4)) for _ in range(n)]
        singles.append((f"m{i}", [f"o{j}" for j in range(n)], weights,
                        draw(st.booleans())))  # required?
    multi_n = draw(st.integers(0, 3))
    multi_min = draw(st.integers(0, max(0, multi_n - 1))) if multi_n else 0
    multi_max = draw(st.integers(max(multi_min, 1), multi_n)) if multi_n else 0
    has_int = draw(st.booleans())
    has_int2 = has_int and draw(st.booleans())

    lines = ["format: bto-catalog/1", "id: generated", "name: Generated", 'version: "1"',
             "currency: EUR", "attributes:", "  w: {type: number, default: 0}", "modules:"]
    for mid, options, weights, required in singles:
        lines += [f"  - id: {mid}", f"    label: {mid}", f"    required: {str(required).lower()}",
                  "    options:"]
        lines += [f"      - {{id: {o}, label: {o}, attributes: {{w: {w}}}}}"
                  for o, w in zip(options, weights, strict=True)]
    if multi_n:
        lines += ["  - id: x", "    label: x", "    type: multi", f"    min: {multi_min}",
                  f"    max: {multi_max}", "    options:"]
        lines += [f"      - {{id: a{j}, label: a{j}, attributes: {{w: {j + 1}}}}}"
                  for j in range(multi_n)]
    if has_int:
        lines += ["  - id: n", "    label: n", "    type: integer", "    min: 0", "    max: 3"]
    if has_int2:
        lines += ["  - id: k", "    label: k", "    type: integer", "    min: 1", "    max: 7",
                  "    step: 2"]

    refs = [f"{m}.{o}" for m, opts, _, _ in singles for o in opts]
    refs += [f"x.a{j}" for j in range(multi_n)]
    rules = []
    for k in range(draw(st.integers(0, 4))):
        form = draw(st.sampled_from(["requires", "excludes", "budget", "then", "int",
                                     "arith", "count"]))
        a, b = draw(st.sampled_from(refs)), draw(st.sampled_from(refs))
        if form == "requires":
            rules.append(f"  - {{id: r{k}, message: m, when: {a}, requires: {b}}}")
        elif form == "excludes":
            rules.append(f"  - {{id: r{k}, message: m, when: {a}, excludes: [{b}]}}")
        elif form == "budget":
            limit = draw(st.integers(0, 8))
            rules.append(f'  - {{id: r{k}, message: m, constraint: "sum(option.w for selected)'
                         f' <= {limit}"}}')
        elif form == "then":
            rules.append(f'  - {{id: r{k}, message: m, when: {a}, then: "not {b} or '
                         f'{singles[0][0]}.w >= 2"}}')
        elif form == "count" and multi_n:
            op = draw(st.sampled_from(["<=", ">=", "==", "!="]))
            rhs = "n" if has_int else str(draw(st.integers(0, 2)))
            rules.append(f'  - {{id: r{k}, message: m, constraint: "count(selected in x) {op} '
                         f'{rhs}"}}')
        elif form == "arith" and has_int:
            other = "k" if has_int2 else str(draw(st.integers(1, 3)))
            term = draw(st.sampled_from([
                f"n * {other}", f"max(n, {other}) - min(n, 2)", f"abs(n - {other}) * 3",
                f"(n + {other}) / 2", f"-n + {singles[0][0]}.w * {other}"]))
            op = draw(st.sampled_from(["<=", ">=", "==", "!=", "<", ">"]))
            limit = draw(st.integers(0, 9))
            rules.append(f'  - {{id: r{k}, message: m, when: {a}, then: "{term} {op} '
                         f'{limit}"}}')
        elif has_int:
            rules.append(f'  - {{id: r{k}, message: m, when: {a}, then: "n >= 2"}}')
    if rules:
        lines += ["rules:", *rules]
    if len(singles) >= 2 and draw(st.booleans()):
        (m0, o0, _, req0), (m1, o1, _, req1) = singles[0], singles[1]
        cells0 = o0 + ([] if req0 else ["none"]) + ['"*"']
        cells1 = o1 + ([] if req1 else ["none"]) + ['"*"']
        rows = draw(st.lists(st.tuples(st.sampled_from(cells0), st.sampled_from(cells1)),
                             min_size=1, max_size=4, unique=True))
        kind = draw(st.sampled_from(["allow", "deny"]))
        lines += ["tables:", "  - id: t", "    message: m", f"    kind: {kind}",
                  f"    columns: [{m0}, {m1}]", "    rows:"]
        lines += [f"      - [{c0}, {c1}]" for c0, c1 in rows]
    return "\n".join(lines) + "\n"
