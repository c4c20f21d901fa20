"""Canned-query files: a missing title language is refused, and an unknown name gets at most three hints
(gaps found by mutation testing, docs/mutation.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from k2020graph.errors import InputError, QueryError
from k2020graph.queries import get, parse_query_file

BODY = "SELECT ?s WHERE { ?s ?p ?o }\n"


@pytest.mark.parametrize("missing", ["nb", "en"])
def test_a_title_in_each_language_is_required(tmp_path: Path, missing: str) -> None:
    other = {"nb": "en", "en": "nb"}[missing]
    path = tmp_path / "q.rq"
    path.write_text(f"#+ title@{other}: A title\n{BODY}", encoding="utf-8")
    with pytest.raises(InputError) as info:
        parse_query_file(path)
    assert info.value.message == f"query metadata lacks 'title@{missing}'" and info.value.path == path


def test_both_titles_are_enough(tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text(f"#+ title@nb: Tittel\n#+ title@en: Title\n{BODY}", encoding="utf-8")
    assert parse_query_file(path).title == {"nb": "Tittel", "en": "Title"}


def test_an_unknown_name_gets_at_most_three_hints(tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text(f"#+ title@nb: Tittel\n#+ title@en: Title\n{BODY}", encoding="utf-8")
    query = parse_query_file(path)
    catalogue = {name: query for name in ("tiltak-a", "tiltak-b", "tiltak-c", "tiltak-d")}
    with pytest.raises(QueryError) as info:
        get(catalogue, "tiltak")
    assert str(info.value) == "no canned query named 'tiltak' (did you mean tiltak-a, tiltak-b, tiltak-c?)"
