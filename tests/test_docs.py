"""The documentation stays true to the code."""

from __future__ import annotations

from configurator.problems import codes_markdown

from .conftest import ROOT


def test_problem_codes_page_is_current():
    assert (ROOT / "docs" / "problem-codes.md").read_text(encoding="utf-8") == codes_markdown()


def test_readme_names_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- ci:install -->" in readme and "<!-- ci:test -->" in readme
    for word in ("Module", "Option", "Attribute", "Rule", "Variant table", "Selection",
                 "Configuration", "BOM line", "Part", "Work centre", "Lead time", "Milestone",
                 "Quote"):
        assert f"- **{word}**" in readme, word


def _python_blocks(path):  # type: ignore[no-untyped-def]
    import re

    text = path.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_python_examples_in_the_readme_and_docs_run(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    pages = [ROOT / "README.md", ROOT / "docs" / "quoting.md", ROOT / "docs" / "simulation.md",
             ROOT / "docs" / "embedding.md"]
    blocks = [(page.name, block) for page in pages for block in _python_blocks(page)]
    assert len(blocks) >= 4
    for name, block in blocks:
        exec(compile(block, name, "exec"), {"print": lambda *a, **k: None})  # noqa: S102


def test_the_ledger_page_examples_run(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    # Run where the ledger the example opens (orders.db) is a throwaway, not in the checkout.
    import shutil

    for folder in ("catalogs", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    page = ROOT / "docs" / "ledger.md"
    blocks = _python_blocks(page)
    assert blocks
    for block in blocks:
        exec(compile(block, page.name, "exec"), {"print": lambda *a, **k: None})  # noqa: S102
    assert (tmp_path / "orders.db").exists()
