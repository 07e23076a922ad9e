"""The README's generated tables match the data they come from."""

from __future__ import annotations

from pathlib import Path

from fundatlas.rules import ceiling_table_markdown, rule_table_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def between(marker: str) -> str:
    return README.split(f"<!-- {marker}:start -->\n", 1)[1].split(f"\n<!-- {marker}:end -->", 1)[0]


def test_rules_table_is_generated_from_the_rules_data() -> None:
    assert between("rules").strip() == rule_table_markdown().strip()


def test_ceilings_table_is_generated_from_the_rules_data() -> None:
    assert between("ceilings").strip() == ceiling_table_markdown().strip()


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```", 2)[1]
    assert "make demo" in first_block and "make test" in first_block
