"""Every Turtle file of the repository is in house form (see k2020graph/turtle_style.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from k2020graph.turtle_style import check_turtle_style, fix_prefix_block

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p for d in ("ontology", "data/turtle", "shapes") for p in (ROOT / d).glob("*.ttl"))


def test_files_were_collected() -> None:
    assert len(FILES) >= 8


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_house_form(path: Path) -> None:
    problems = check_turtle_style(path)
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_checker_catches_bad_form(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix tiltak: <https://example.org/wrong/> .\n@prefix dct: <http://purl.org/dc/terms/> .\n"
        '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\ntiltak:x dct:title "x" . \t\n',
        encoding="utf-8",
    )
    problems = "\n".join(check_turtle_style(bad))
    assert "must be <https://w3id.org/k2020graph/id/tiltak/>" in problems
    assert "not sorted" in problems
    assert "skos: is declared but not used" in problems
    assert "tab character" in problems and "trailing whitespace" in problems


def test_fixer_sorts_and_drops_unused_prefixes(tmp_path: Path) -> None:
    f = tmp_path / "f.ttl"
    f.write_text(
        "# header\n\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n"
        '@prefix owl: <http://www.w3.org/2002/07/owl#> .\n\n# body\n<urn:x> dct:title "x" ; skos:note "y" .\n',
        encoding="utf-8",
    )
    assert fix_prefix_block(f)
    assert check_turtle_style(f) == []
    text = f.read_text(encoding="utf-8")
    assert text.startswith("# header\n\n@prefix dct:") and "owl:" not in text and "# body" in text
    assert not fix_prefix_block(f)
