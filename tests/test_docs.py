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
