"""Loading never raises on hostile input: it returns a document or a list of problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.loading import read_file
from configurator.problems import CODES, Problem

from .strategies import example_files, mutated_text

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def check(doc, problems: list[Problem]) -> None:
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem) and p.code in CODES
        assert p.line >= 1 and p.column >= 1
        assert p.message
    if doc is None:
        assert any(p.is_error for p in problems)
    else:
        assert not any(p.is_error for p in problems)


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "f.yaml"
    path.write_bytes(data)
    check(*read_file(path))


@SETTINGS
@given(text=st.text(max_size=500))
def test_arbitrary_text_with_a_catalog_header(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("text") / "f.yaml"
    path.write_text("format: bto-catalog/1\n" + text, encoding="utf-8", errors="surrogatepass")
    check(*read_file(path))


EXAMPLES = example_files()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_examples(tmp_path_factory, example: Path, data: st.DataObject) -> None:
    # Copy the example's whole tree so relative references (plant, supply, CSV) still resolve.
    root = tmp_path_factory.mktemp("tree")
    top = example.parent.parent
    for sub in ("catalogs", "rules"):
        if (top / sub).is_dir():
            shutil.copytree(top / sub, root / sub)
    target = root / example.relative_to(top)
    text = example.read_text(encoding="utf-8")
    target.write_text(data.draw(mutated_text(text)), encoding="utf-8", errors="surrogatepass")
    check(*read_file(target))
