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


# --- generated super-BOMs and prices --------------------------------------------------------
# A catalog without rules (so every assignment is a configuration) whose super-BOM nests made
# and phantom assemblies a few levels deep, with quantity formulas and conditions, and whose
# prices and surcharges have up to 4 decimals in currencies with 0, 2 and 3 minor digits.

_BOM_QTY = ["1", "2", "0.5", "0.25", "n", "m.w", "count(selected in x)", "n * 0.5 + 1",
            "2 - min(n, 2)", "n / 3", "0.125 * m.w + n"]
_BOM_WHEN = [None, "m.o1", "not m.o0", "x.a0", "n >= 2", "count(selected in x) > 0"]
_MONEY = ["0", "0.005", "0.125", "1.5", "19.99", "49.995", "100", "1234.5678", "-10.005"]
_SURCHARGES = ["amount: 1.005", 'amount: "n * 0.333"', 'amount: "m.w * 2.5"',
               'amount: "0.0001 * count(selected in x)"', "percent: 3", "percent: 7.5",
               "percent: 19", "percent: -10", "percent: 0.125"]


@st.composite
def bom_catalogs(draw: st.DrawFn) -> tuple[str, dict[str, object], int]:
    """A catalog text with a super-BOM, prices and surcharges; a complete configuration of it
    (module -> value); and a quantity ordered, 1 to 50."""
    def money() -> str:
        return draw(st.sampled_from(_MONEY))

    def lines(choices: list[str]) -> list[str]:
        out = []
        for part in draw(st.lists(st.sampled_from(choices), min_size=1, max_size=4)):
            when = draw(st.sampled_from(_BOM_WHEN))
            out.append(f'{{part: {part}, qty: "{draw(st.sampled_from(_BOM_QTY))}"'
                       + (f', when: "{when}"' if when else "") + "}")
        return out

    currency = draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    text = ["format: bto-catalog/1", "id: generated-bom", "name: Generated", 'version: "1"',
            f"currency: {currency}", f"base_price: {draw(st.sampled_from(_MONEY[:-1]))}",
            "attributes:", "  w: {type: number, default: 0}", "modules:",
            "  - id: m", "    label: m", "    options:"]
    weights = ["0", "1", "2.5", "0.35"]
    text += [f"      - {{id: o{i}, label: o{i}, price: {money()}, "
             f"attributes: {{w: {draw(st.sampled_from(weights))}}}}}" for i in range(3)]
    text += ["  - id: x", "    label: x", "    type: multi", "    options:"]
    text += [f"      - {{id: a{i}, label: a{i}, price: {money()}}}" for i in range(3)]
    text += ["  - id: n", "    label: n", "    type: integer", "    min: 0", "    max: 3",
             f"    unit_price: {money()}", "parts:"]
    purchased = [f"P{i}" for i in range(4)]
    text += [f"  - {{id: {p}, name: {p}, uom: {'kg' if p == 'P3' else 'pcs'}}}"
             for p in purchased]
    known = list(purchased)
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["made", "phantom"]))
        text += [f"  - id: A{i}", f"    name: A{i}", f"    type: {kind}", "    bom:"]
        text += [f"      - {line}" for line in lines(known)]
        if kind == "made":
            text += ["    routing:", f'      - {{id: op, work_centre: wc{i % 2}, minutes: '
                                      f'"{draw(st.sampled_from(_BOM_QTY))}"}}']
        known.append(f"A{i}")
    text += ["bom:", *(f"  - {line}" for line in lines(known))]
    text += ["routing:", '  - {id: final, work_centre: wc0, minutes: "10 + n"}']
    surcharges = draw(st.lists(st.sampled_from(_SURCHARGES), max_size=4))
    text += ["surcharges:"] if surcharges else []
    for i, form in enumerate(surcharges):
        when = draw(st.sampled_from(_BOM_WHEN))
        text.append(f"  - {{id: s{i}, label: s{i}, {form}"
                    + (f', when: "{when}"' if when else "") + "}")
    values: dict[str, object] = {
        "m": draw(st.sampled_from(["o0", "o1", "o2"])),
        "x": tuple(a for a in ("a0", "a1", "a2") if draw(st.booleans())),
        "n": draw(st.integers(0, 3)),
    }
    return "\n".join(text) + "\n", values, draw(st.integers(1, 50))


# --- supply situations for the quoting properties (tests/data/quote's trailer) ------------------
QUOTE_PARTS = ("MOT-A", "MOT-B", "MOT-C", "BOX", "WHEEL")


@st.composite
def supply_situations(draw: st.DrawFn) -> dict[str, object]:
    """Stock per part, purchase orders of motor B, bookings of open orders on the trailer
    plant's work centres, an order time in December 2026, a configuration and a quantity."""
    import datetime as dt

    berlin = dt.timezone(dt.timedelta(hours=1))
    stock = {p: draw(st.integers(0, 12)) for p in QUOTE_PARTS if draw(st.booleans())}
    pos = [(f"PO-{i}", draw(st.integers(1, 6)), dt.date(2026, 12, draw(st.integers(1, 23))))
           for i in range(draw(st.integers(0, 3)))]
    bookings = []
    for i in range(draw(st.integers(0, 6))):
        start = dt.datetime(2026, 12, draw(st.integers(1, 22)), draw(st.integers(6, 17)),
                            draw(st.sampled_from([0, 15, 30, 45])), tzinfo=berlin)
        end = start + dt.timedelta(minutes=draw(st.integers(15, 60 * 30)))
        bookings.append((f"SO-{i}", draw(st.sampled_from(["assembly", "qc"])), start, end))
    when = dt.datetime(2026, 12, draw(st.integers(1, 22)), draw(st.integers(0, 23)),
                       draw(st.integers(0, 59)), tzinfo=berlin)
    return {"stock": stock, "pos": pos, "bookings": bookings, "at": when,
            "motor": draw(st.sampled_from(["stock_motor", "po_motor", "buy_motor"])),
            "wheels": draw(st.sampled_from([2, 4])), "qty": draw(st.integers(1, 3))}


# --- catalogs for counting ------------------------------------------------------------------
# Wider than catalog_texts, still small enough to enumerate: sums over several modules, a
# multi-select module of up to five options, tests on any or some of its options, `then`
# parts that are conjunctions, string attributes, and a table over up to three columns (allow
# or deny, with `none` and wildcards), so a counter meets its chains of partial sums, subset
# variables and decision diagrams, not only truth tables.


@st.composite
def counting_catalog_texts(draw: st.DrawFn) -> str:
    """The text of a small catalog for counting (it may have no configuration at all)."""
    import yaml

    modules: list[dict[str, object]] = []
    for i in range(draw(st.integers(2, 3))):
        modules.append({"id": f"m{i}", "label": f"m{i}", "required": draw(st.booleans()),
                        "options": [{"id": f"o{j}", "label": f"o{j}", "attributes": {
                            "w": draw(st.integers(0, 5)), "s": draw(st.sampled_from("ab"))}}
                            for j in range(draw(st.integers(2, 4)))]})
    singles = [str(m["id"]) for m in modules]
    multi_n = draw(st.integers(2, 5))
    multi_min = draw(st.integers(0, 2))
    modules.append({"id": "x", "label": "x", "type": "multi", "min": multi_min,
                    "max": draw(st.integers(max(multi_min, 1), multi_n)),
                    "options": [{"id": f"a{j}", "label": f"a{j}",
                                 "attributes": {"w": draw(st.integers(0, 4))}}
                                for j in range(multi_n)]})
    has_int = draw(st.booleans())
    if has_int:
        modules.append({"id": "n", "label": "n", "type": "integer", "min": 0, "max": 3})

    refs = [f"{m['id']}.{o['id']}" for m in modules if "options" in m
            for o in m["options"]]
    some = st.lists(st.sampled_from([f"a{j}" for j in range(multi_n)]), min_size=1, max_size=3,
                    unique=True).map(", ".join)
    bound = "n" if has_int else str(draw(st.integers(0, 3)))
    rules = []
    for k in range(draw(st.integers(1, 4))):
        summed = draw(st.lists(st.sampled_from([*singles, "x"]), min_size=2, unique=True))
        total = f"sum(option.w for selected in {', '.join(summed)})"
        op = draw(st.sampled_from(["<=", ">=", "==", "!=", "<", ">"]))
        a, b = draw(st.sampled_from(refs)), draw(st.sampled_from(refs))
        limit = draw(st.integers(0, 12))
        rule = draw(st.sampled_from([
            {"constraint": f"{total} {op} {limit}"},
            {"constraint": f"{total} {op} {singles[0]}.w * 2 + {bound}"},
            {"when": a, "then": f"x in [{draw(some)}]"},
            {"when": a, "then": f"x not in [{draw(some)}] and {total} >= 2"},
            {"when": "not x", "then": f"{b} and {singles[1]}.s == {singles[0]}.s"},
            {"constraint": f"count(selected in x, {singles[1]}) {op} {bound}"},
            {"constraint": f"{a} or {b} or min({total}, 4) * {bound} > 3"},
            {"constraint": f"not ({total} {op} {limit})"},
            {"constraint": f"not (x in [{draw(some)}]) or {a}"},
        ]))
        rules.append({"id": f"r{k}", "message": "m", **rule})
    doc: dict[str, object] = {"format": "bto-catalog/1", "id": "counting", "name": "Counting",
                              "version": "1", "currency": "EUR",
                              "attributes": {"w": {"type": "number", "default": 0},
                                             "s": {"type": "string", "default": "a"}},
                              "modules": modules, "rules": rules}
    if draw(st.booleans()):
        columns = modules[:draw(st.integers(2, len(singles)))]
        cells = [[o["id"] for o in m["options"]]
                 + ([] if m["required"] else ["none"]) + ["*"] for m in columns]
        rows = draw(st.lists(st.tuples(*(st.sampled_from(c) for c in cells)), min_size=1,
                             max_size=6, unique=True))
        doc["tables"] = [{"id": "t", "message": "m",
                          "kind": draw(st.sampled_from(["allow", "deny"])),
                          "columns": [m["id"] for m in columns], "rows": [list(r) for r in rows]}]
    return str(yaml.safe_dump(doc, sort_keys=False))


# --- order histories (bto kpi) ----------------------------------------------------------------
@st.composite
def history_records(draw: st.DrawFn, max_size: int = 25) -> list[object]:
    """Past and open orders of 2026 for ``kpi_report``: ordered on any day, promised for a
    weekday on or after it, and (four times in five) delivered on a weekday on or after the
    order day."""
    import datetime as dt

    from configurator.kpi import HistoryRecord

    def weekday(day: dt.date) -> dt.date:
        return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)

    options = ["frame=a", "frame=b", "colour=red", "colour=blue", "rack=yes"]
    out: list[object] = []
    for i in range(draw(st.integers(0, max_size))):
        ordered = dt.date(2026, 1, 5) + dt.timedelta(days=draw(st.integers(0, 120)))
        promised = weekday(ordered + dt.timedelta(days=draw(st.integers(0, 40))))
        delivered = None
        if draw(st.integers(0, 4)) > 0:
            delivered = weekday(ordered + dt.timedelta(days=draw(st.integers(0, 50))))
        out.append(HistoryRecord(
            f"O{i}", ordered, promised, delivered,
            draw(st.sampled_from(["standard", "custom", None])),
            tuple(draw(st.lists(st.sampled_from(options), unique=True, max_size=3))),
            draw(st.integers(1, 3))))
    return out


# --- scenario and calibration documents (schema and loader agreement) ------------------------
# Per key, good values and bad ones that a JSON Schema can see. Good values keep the rules that
# span keys and that no schema states (a warm-up shorter than the run, one buffer per band,
# ascending bands), so a document is valid exactly when every key it has is good and no
# required key is missing. tests/test_schema.py tries every bad value alone, and generates
# documents that draw how often their keys go bad (never, rarely or often).
Values = tuple[list[object], list[object], bool]  # good, bad, required
_BAD_TEXT: list[object] = ["", "  ", 3, None, True, ["x"], {"a": "b"}]
_BAD_NUMBER: list[object] = ["0.5", None, True, [1], {"a": 1}]
_BAD_COUNT: list[object] = [0, -1, 2.5, *_BAD_NUMBER]


def _dates(required: bool = False) -> Values:
    import datetime as dt

    return ([dt.date(2027, 3, 1), dt.date(2026, 12, 31), "2027-03-01"],
            ["2027-13-01", "01.03.2027", dt.datetime(2027, 3, 1, 8, 0), 20270301, None],
            required)


_FRACTION: Values = ([0.5, 0.85, 0.999], [0, 1, 1.5, -0.2, *_BAD_NUMBER], False)

#: The keys every disruption has.
DISRUPTION_VALUES: dict[str, Values] = {
    "kind": (["supplier_outage", "capacity_loss", "shutdown", "demand_surge"],
             ["flood", "Shutdown", 3], True),
    "start": _dates(required=True),
    "days": ([1, 4.5, 14], [0, -2, *_BAD_NUMBER], True),
}
#: Per kind, its own keys.
DISRUPTION_KIND_VALUES: dict[str, dict[str, Values]] = {
    "supplier_outage": {"supplier": (["bafang", "Rim Works"], _BAD_TEXT, True)},
    "capacity_loss": {"work_centre": (["assembly", "paint-shop"],
                                      ["paint shop", "-x", 3, None], True),
                      "stations": ([1, 2, 2.0], [0, -1, 1.5, *_BAD_NUMBER], False)},
    "shutdown": {},
    "demand_surge": {"factor": ([0.5, 1.5, 2], [0, -1, *_BAD_NUMBER], True)},
}


def scenario_values(files: list[str]) -> dict[str, Values]:
    """The keys of ``bto-scenario/1`` but disruptions; ``files`` are existing YAML files
    relative to where the document is written."""
    path: Values = (list(files), ["/abs/catalog.yaml", "catalog.json", "..\\catalog.yaml", 3,
                                  None], False)
    return {
        "format": (["bto-scenario/1"], ["bto-scenario/2", 1], True),
        "catalog": (path[0], path[1], True),
        "plant": path,
        "supply": path,
        "name": (["ebike-085", "Pilot run 2"], _BAD_TEXT, False),
        "start": _dates(),
        "rho": _FRACTION,
        "target": _FRACTION,
        "base_stock_service": _FRACTION,
        # the default warm-up is 1 year: good runs are longer, good warm-ups are shorter
        "years": ([1.5, 3, 10], [0, -1, *_BAD_NUMBER], False),
        "warmup_years": ([0, 0.5, 1], [-0.5, *_BAD_NUMBER], False),
        "seeds": ([1, 10, 3.0], _BAD_COUNT, False),
        "pool": ([1, 10, 3.0], _BAD_COUNT, False),
        "lead_time_spread_days": ([0, 0.2, 3], [-1, *_BAD_NUMBER], False),
        "transit_delay_days": ([0, 0.2, 3], [-1, *_BAD_NUMBER], False),
        "option_weights": (
            [{}, {"frame": {"trapeze": 4, "longtail": 0.5, "none": 0}}, {"rack": {"rack": 0.6}}],
            [{"frame": {"trapeze": -1}}, {"frame": 3}, {"frame": {"a": "x"}}, [{"frame": {}}],
             3], False),
        "fixed_lead_time_days": (
            [0, 12, {}, {"standard": 12, "custom": 35}],
            [-1, 2.5, {"standard": -1}, {"custom": "35"}, [12], "12", None, True], False),
        "work_time_spread": (
            [0, 0.25, {"assembly": 0.3, "paint-shop": 0}],
            [-0.1, {"assembly": "x"}, {"assembly": -1}, [0.2], "0.2", None, True], False),
        "carrier": (["parcel", "DHL.express"], ["dhl express", "-x", *_BAD_TEXT], False),
        "dispatch": (["fcfs", "edd"], ["FCFS", "lifo", 1, None], False),
    }


#: Bad values of a segment's buffer in a calibration.
BAD_BUFFERS: list[object] = [261, -261, 1.5, "2", True, None, [], [1, "x"], {"a": 1}]
#: The keys of ``bto-calibration/1``; good buffer_days fit any bands.
CALIBRATION_VALUES: dict[str, Values] = {
    "format": (["bto-calibration/1"], ["bto-calibration/2"], True),
    "scenario": (["ebike-085", "Pilot run 2"], _BAD_TEXT, True),
    "created": _dates(required=True),
    "policy": (["CTP + buffer"], _BAD_TEXT, False),
    "target": _FRACTION,
    "seeds": ([1, 10, 3.0], _BAD_COUNT, False),
    "bands": ([[], [4], [4, 8, 16]], [[0], [261], [4, 4], [4, "x"], [2.5], 4, None, {"a": 4}],
              False),
    "buffer_days": ([{}, {"standard": 2}, {"standard": [-1], "custom": 3}],
                    [3, [1], None, "x", *({"standard": 2, "custom": v} for v in BAD_BUFFERS)],
                    True),
}


class _Document:
    """A document drawn key by key, and whether it is still valid."""

    def __init__(self, draw: st.DrawFn, rate: int | None = None) -> None:
        self.draw = draw
        self.rate = draw(st.sampled_from((0, 0, 4, 30))) if rate is None else rate  # in 100
        self.doc: dict[str, object] = {}
        self.valid = True

    def faulty(self) -> bool:
        return self.draw(st.integers(0, 99)) < self.rate

    def pick(self, key: str, values: Values,
             good: st.SearchStrategy[object] | None = None) -> None:
        """Leave ``key`` out (a fault if it is required) or set a good value (from ``good``
        if given), or now and then a bad one."""
        import copy

        good_values, bad_values, required = values
        if self.faulty():
            self.valid = False
            if required and self.draw(st.booleans()):
                return
            self.doc[key] = copy.deepcopy(self.draw(st.sampled_from(bad_values)))
        elif required or self.draw(st.booleans()):
            chosen = self.draw(good if good is not None else st.sampled_from(good_values))
            self.doc[key] = copy.deepcopy(chosen)

    def result(self) -> tuple[dict[str, object], bool]:
        """The document, perhaps with a key its format does not have, and its validity."""
        if self.faulty():
            self.doc["colour"] = "red"
            self.valid = False
        return self.doc, self.valid


@st.composite
def disruptions(draw: st.DrawFn, rate: int | None = None) -> tuple[dict[str, object], bool]:
    """One entry of a scenario's ``disruptions`` and whether it is valid."""
    d = _Document(draw, rate)
    for key, values in DISRUPTION_VALUES.items():
        d.pick(key, values)
    own = DISRUPTION_KIND_VALUES.get(str(d.doc.get("kind")))
    if own is not None:
        for key, values in own.items():
            d.pick(key, values)
        foreign = {k: v for kind in DISRUPTION_KIND_VALUES.values() for k, v in kind.items()
                   if k not in own}
        if d.faulty():
            key = draw(st.sampled_from(sorted(foreign)))
            d.doc[key] = draw(st.sampled_from(foreign[key][0]))
            d.valid = False
    return d.doc, d.valid


@st.composite
def scenario_documents(draw: st.DrawFn, files: list[str]) -> tuple[dict[str, object], bool]:
    """A ``bto-scenario/1`` document and whether it is valid; ``files`` are existing YAML files
    relative to where it is written."""
    d = _Document(draw)
    for key, values in scenario_values(files).items():
        d.pick(key, values)
    if d.faulty():
        d.doc["disruptions"] = draw(st.sampled_from([{"kind": "shutdown"}, "none", 3]))
        d.valid = False
    elif draw(st.booleans()):
        entries = draw(st.lists(disruptions(d.rate), max_size=3))
        d.doc["disruptions"] = [entry for entry, _ in entries]
        d.valid &= all(valid for _, valid in entries)
    return d.result()


@st.composite
def calibration_documents(draw: st.DrawFn) -> tuple[dict[str, object], bool]:
    """A ``bto-calibration/1`` document and whether it is valid; good buffer lists have one
    buffer, or one per band."""
    d = _Document(draw)
    for key, values in CALIBRATION_VALUES.items():
        if key == "bands":
            d.pick(key, values, st.sets(st.integers(1, 260), max_size=6).map(sorted))
        elif key == "buffer_days":
            bands = d.doc.get("bands", [])
            width = len(bands) + 1 if isinstance(bands, list) else 1
            day = st.integers(-260, 260)
            segment = st.one_of(day, st.lists(day, min_size=1, max_size=1),
                                st.lists(day, min_size=width, max_size=width))
            d.pick(key, values, st.dictionaries(
                st.sampled_from(["standard", "custom", "made-to-stock"]), segment, max_size=3))
        else:
            d.pick(key, values)
    return d.result()


# -- demand patterns (tests/test_demand.py) ------------------------------------------------------
@st.composite
def sales_tables(draw: st.DrawFn, max_modules: int = 4, max_rows: int = 30
                 ) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """A sales table: variable names and rows of values (small domains, so values repeat and
    pairs co-occur)."""
    count = draw(st.integers(1, max_modules))
    names = tuple(f"m{k}" for k in range(count))
    domains = [draw(st.lists(st.sampled_from(["0", "1", "2", "-1", "a", "b_2"]), min_size=1,
                             max_size=4, unique=True)) for _ in names]
    rows = draw(st.lists(st.tuples(*(st.sampled_from(d) for d in domains)), min_size=1,
                         max_size=max_rows))
    return names, rows


# -- the order-book ledger (tests/test_ledger.py) ----------------------------------------------
@st.composite
def ledger_operations(draw: st.DrawFn, max_size: int = 8) -> list[tuple[str, object]]:
    """Operations on the cart ledger of tests/data/ledger/: ``("place", (configuration,
    promised date or None))``, ``("cancel", index of an open order)``, ``("receive", qty of
    PO-1)`` and ``("delay", days PO-1 moves)``."""
    import datetime as dt

    configuration = st.one_of(
        st.just({"motor": "standard"}),
        st.builds(lambda w: {"motor": "standard", "wheels": w}, st.sampled_from([4, 6, 8])),
        st.just({"motor": "strong", "brake": "disc", "wheels": 4}))
    promised = st.one_of(st.none(), st.dates(dt.date(2026, 11, 25), dt.date(2027, 1, 15)))
    operation = st.one_of(
        st.tuples(st.just("place"), st.tuples(configuration, promised)),
        st.tuples(st.just("cancel"), st.integers(0, 7)),
        st.tuples(st.just("receive"), st.integers(1, 2)),
        st.tuples(st.just("delay"), st.integers(1, 20)))
    return draw(st.lists(operation, min_size=1, max_size=max_size))


# -- demand patterns, volume and charts (tests/test_demand.py) --------------------------------
@st.composite
def volatile_histories(draw: st.DrawFn, max_periods: int = 8) -> tuple[int, list[list[int]]]:
    """Units of a few options of one module per period: ``(periods, [units per period of
    each option])``, some options selling little (mean below 1), some a lot."""
    periods = draw(st.integers(2, max_periods))
    options = draw(st.lists(st.lists(st.integers(0, 40), min_size=periods, max_size=periods)
                            .filter(any), min_size=1, max_size=8))
    return periods, options
