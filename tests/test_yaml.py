"""The positional YAML composer and the typed readers: hostile input and YAML 1.1 surprises."""

from __future__ import annotations

import pytest

from configurator._fields import Reader
from configurator._yaml import MAX_DEPTH, YMap, YScalar, YSeq, load_yaml_text


def codes(text: str) -> list[str]:
    return [p.code for p in load_yaml_text(text, "f.yaml")[1]]


def test_positions_are_one_based_lines_and_columns():
    root, problems = load_yaml_text("a:\n  - x\n  - {b: 1}\n", "f.yaml")
    assert problems == []
    assert isinstance(root, YMap)
    key, seq = root.pairs[0]
    assert (key.pos.line, key.pos.column) == (1, 1)
    assert isinstance(seq, YSeq)
    assert [(i.pos.line, i.pos.column) for i in seq.items] == [(2, 5), (3, 5)]


def test_duplicate_keys_name_both_lines():
    root, problems = load_yaml_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(p.code, p.line, p.column) for p in problems] == [("Y102", 3, 1)]
    assert "first at line 1" in problems[0].message
    assert isinstance(root, YMap)  # the rest of the file is still read


def test_billion_laughs_is_refused_without_expanding():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    root, problems = load_yaml_text("\n".join(lines), "bomb.yaml")
    assert root is None and [p.code for p in problems] == ["Y106"]


def test_deep_nesting_is_refused_not_a_recursion_error():
    assert codes("[" * 10_000 + "]" * 10_000) == ["Y105"]
    assert codes("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)) + "  " * 80
                 + "v") == ["Y105"]


def test_nesting_through_aliases_counts_too():
    depth = MAX_DEPTH // 2 + 2
    text = "a: &a " + "[" * depth + "]" * depth + "\nb: " + "[" * depth + "*a" + "]" * depth
    assert codes(text) == ["Y105"]


@pytest.mark.parametrize("text", [
    "a: !!python/object:os.system [ls]",
    "a: !!binary aGVsbG8=",
    "a: !custom 1",
    "<<: {a: 1}",
    "a: !!set {x}",
])
def test_tags_and_merge_keys_are_refused(text):
    assert codes(text) == ["Y109"]


@pytest.mark.parametrize("text, code", [
    ("", "Y107"),
    ("# only a comment\n", "Y107"),
    ("a: 1\n---\nb: 2\n", "Y107"),
    ("a: [1, 2\n", "Y101"),
    ("a: *nothing\n", "Y101"),
    ("a: \x07\n", "Y101"),
    ("a: 2026-02-30\n", "Y101"),
    ("? [a, b]\n: 1\n", "S203"),
])
def test_broken_documents(text, code):
    assert codes(text) == [code]


def read_scalar(text: str) -> YScalar:
    root, problems = load_yaml_text(f"v: {text}\n", "f.yaml")
    assert problems == []
    assert isinstance(root, YMap)
    value = root.pairs[0][1]
    assert isinstance(value, YScalar)
    return value


@pytest.mark.parametrize("text, hint", [
    ("no", 'quote it: "no"'),
    ("on", 'quote it: "on"'),
    ("1.10", 'quote it: "1.10"'),
    ("2026-01-05", 'quote it: "2026-01-05"'),
    ("14:00", 'quote it: "14:00"'),
    ("null", 'quote it: "null"'),
])
def test_strings_that_yaml11_reads_as_something_else(text, hint):
    reader = Reader("f.yaml")
    assert reader.string(read_scalar(text), "id") is None
    (problem,) = reader.problems
    assert problem.code == "Y103" and problem.suggestion == hint
    assert (problem.line, problem.column) == (1, 4)


def test_quoted_strings_are_fine():
    reader = Reader("f.yaml")
    assert reader.string(read_scalar('"no"'), "id") == "no"
    assert reader.time(read_scalar('"06:00"'), "start").hour == 6
    assert reader.problems == []


@pytest.mark.parametrize("text, code", [("1:30", "Y103"), ("010", "Y103"), ("0x1F", "Y103"),
                                        (".inf", "S204"), ('"12"', "S203"), ("true", "S203")])
def test_numbers_that_surprise(text, code):
    reader = Reader("f.yaml")
    assert reader.number(read_scalar(text), "minutes") is None
    assert [p.code for p in reader.problems] == [code]


def test_times_unquoted_and_malformed():
    reader = Reader("f.yaml")
    assert reader.time(read_scalar("14:00"), "cut-off") is None
    assert reader.time(read_scalar('"6:00"'), "cut-off") is None
    assert [(p.code, p.suggestion) for p in reader.problems] == [
        ("Y103", 'quote it: "14:00"'), ("S204", 'write "06:00"')]


def test_yes_as_boolean_is_a_warning_and_still_read():
    reader = Reader("f.yaml")
    assert reader.boolean(read_scalar("yes"), "required") is True
    (problem,) = reader.problems
    assert problem.code == "Y108" and not problem.is_error


def test_decimal_money_keeps_its_digits():
    reader = Reader("f.yaml")
    assert str(reader.money(read_scalar("0.10"), "price")) == "0.10"
    assert reader.money(read_scalar("1.23456"), "price") is None
    assert reader.problems[0].code == "S204"


def test_unknown_keys_get_did_you_mean():
    root, _ = load_yaml_text("optons: []\nid: x\n", "f.yaml")
    reader = Reader("f.yaml")
    fields = reader.mapping(root, "a module", ("id", "label", "options"), required=("label",))
    assert fields is not None and set(fields) == {"id"}
    assert [(p.code, p.line, p.suggestion) for p in reader.problems] == [
        ("S201", 1, "did you mean 'options'?"), ("S202", 1, None)]


def test_a_bare_equals_sign_is_refused_with_a_fix() -> None:
    # YAML 1.1 resolves a plain '=' to its 'value' tag; found by the arbitrary-bytes property
    from configurator._yaml import load_yaml_text

    for text, column in (("=", 1), ("a: =\n", 4), ("a: [b, =]\n", 8)):
        root, problems = load_yaml_text(text, "x.yaml")
        assert root is None
        assert [(p.code, p.column, p.suggestion) for p in problems] == [
            ("Y109", column, "quote it: '='")]
