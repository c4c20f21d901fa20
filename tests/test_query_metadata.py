"""Canned queries: a missing title language is refused, an unknown name gets at most three hints, boolean
parameters read yes and no in both languages (gaps found by mutation testing, docs/mutation.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal

from k2020graph.errors import InputError, QueryError
from k2020graph.queries import Parameter, get, parse_query_file

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


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("JA", True), (" yes ", True), ("1", True), ("false", False), ("nei", False), ("No", False), ("0", False)],
)
def test_a_boolean_parameter_reads_yes_and_no_in_both_languages(raw: str, value: bool) -> None:
    assert Parameter("flag", "boolean", None, {}).bind(raw) == Literal(value)


def test_a_boolean_parameter_refuses_anything_else() -> None:
    with pytest.raises(QueryError) as info:
        Parameter("flag", "boolean", None, {}).bind("kanskje")
    assert str(info.value) == (
        "parameter 'flag': 'kanskje' is not a boolean (true/false) / "
        "parameteret 'flag': 'kanskje' er ikke en sannhetsverdi (true/false)"
    )
