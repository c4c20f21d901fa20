"""Edges of the text check that test_guard.py does not reach (gaps found by mutation testing, docs/mutation.md).

The expected tokens and forms come from the SPARQL 1.1 grammar: long strings (section 19.8, rules
STRING_LITERAL_LONG1/2, with escapes ECHAR), DECIMAL written as ``.5``, codepoint escapes replaced
before parsing (section 19.2) for code points up to U+10FFFF outside the surrogates.
"""

from __future__ import annotations

import pytest

from k2020graph.server.guard import _unescape_codepoints, inspect


@pytest.mark.parametrize(
    "query",
    [
        # the empty long string, then a SERVICE outside any string
        'SELECT * WHERE { ?s ?p """""" . SERVICE <http://e/> { ?a ?b ?c } }',
        "SELECT * WHERE { ?s ?p '''''' . SERVICE <http://e/> { ?a ?b ?c } }",
        # a short string ending in an escaped backslash, then a SERVICE
        'SELECT * WHERE { ?s ?p "\\\\" . SERVICE <http://e/> { ?a ?b ?c } }',
        # a number, then a SERVICE: the check goes on after the number
        "SELECT * WHERE { ?s ?p 3 . SERVICE <http://e/> { ?a ?b ?c } }",
        "SELECT * WHERE { ?s ?p .5 . SERVICE <http://e/> { ?a ?b ?c } }",
    ],
)
def test_fetching_after_a_long_string_or_a_number_is_found(query: str) -> None:
    assert inspect(query).refusal == "SERVICE"


def test_a_blank_node_label_is_not_a_keyword() -> None:
    assert inspect("SELECT * WHERE { _:service ?p _:load }").refusal is None


def test_an_escaped_quote_does_not_end_a_long_string() -> None:
    # """a\"""" ... """ : \" is an escape, so the string runs to the next unescaped """, over SERVICE.
    query = 'SELECT * WHERE { ?s ?p """a\\""" SERVICE <http://e/> """ }'
    assert inspect(query).refusal is None


def test_a_long_string_ends_at_its_closing_quotes() -> None:
    assert inspect('SELECT * WHERE { ?s ?p """a"""SERVICE <http://e/> { ?a ?b ?c } }').refusal == "SERVICE"
    assert inspect("SELECT * WHERE { ?s ?p '''a'''. SERVICE <http://e/> { ?a ?b ?c } }").refusal == "SERVICE"


def test_codepoint_escapes_are_replaced_only_for_code_points() -> None:
    assert _unescape_codepoints("\\u0053ERVICE") == "SERVICE"
    assert _unescape_codepoints("\\U0001F600") == "\U0001f600"
    assert _unescape_codepoints("\\U0010FFFF") == "\U0010ffff"
    assert _unescape_codepoints("\\U00110000") == "\\U00110000"  # past the last code point: kept as written
    assert _unescape_codepoints("\\uD800 \\uDFFF") == "\\uD800 \\uDFFF"  # surrogates are not characters
    assert _unescape_codepoints("\\uD7FF \\uE000") == "\ud7ff \ue000"


def test_a_request_with_an_escape_past_unicode_is_inspected() -> None:
    assert inspect("SELECT * WHERE { ?s ?p '\\U00110000' }").form == "SELECT"


def test_an_update_revealed_by_an_escape_is_an_update() -> None:
    # As written, the first keyword is SELECT (INSERT sits in a comment); with \u000A replaced, the
    # comment ends at once and the request is an INSERT.
    query = "#\\u000A INSERT DATA { <urn:a> <urn:b> <urn:c> }\nSELECT * WHERE { ?s ?p ?o }"
    assert inspect(query).form == "UPDATE"
