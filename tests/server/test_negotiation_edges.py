"""Content negotiation cases that test_negotiation.py does not reach (gaps found by mutation testing,
docs/mutation.md). Expectations follow RFC 9110, section 12.5.1 (a more specific media range overrides a
less specific one; q=0 means "not acceptable") and the tie rules that ``negotiate`` documents.
"""

from __future__ import annotations

from k2020graph.server.negotiation import CSV, HTML, JSON, NTRIPLES, RESULT_FORMATS, TSV, TURTLE, XML, negotiate


def test_a_type_range_overrides_the_full_wildcard() -> None:
    assert negotiate("*/*;q=0.5, text/*;q=0.9", RESULT_FORMATS) is CSV
    assert negotiate("text/*;q=0.9, */*;q=0.5", RESULT_FORMATS) is CSV


def test_a_refused_wildcard_does_not_refuse_an_exactly_accepted_alias() -> None:
    # XML is offered as application/sparql-results+xml, application/xml and text/xml: text/* at q=0
    # does not name text/xml itself, and application/xml is accepted outright.
    assert negotiate("text/*;q=0, application/xml", RESULT_FORMATS) is XML


def test_an_exactly_refused_type_is_never_chosen_through_an_alias() -> None:
    assert negotiate("text/xml;q=0, application/xml", RESULT_FORMATS) is None


def test_ties_go_to_the_clients_order() -> None:
    assert negotiate("text/tab-separated-values, text/csv", RESULT_FORMATS) is TSV
    assert negotiate("text/csv, text/tab-separated-values", RESULT_FORMATS) is CSV


def test_an_accept_without_any_usable_range_is_no_accept() -> None:
    assert negotiate("nonsense", RESULT_FORMATS) is JSON
    assert negotiate(" , ;q=1", RESULT_FORMATS) is JSON
    assert negotiate("nonsense", ()) is None


def test_text_formats_name_their_charset() -> None:
    assert TURTLE.content_type == "text/turtle; charset=utf-8"
    assert HTML.content_type == "text/html; charset=utf-8"
    assert JSON.content_type == "application/sparql-results+json; charset=utf-8"
    assert XML.content_type == "application/sparql-results+xml; charset=utf-8"
    assert NTRIPLES.content_type == "application/n-triples"  # UTF-8 by its registration, no parameter
