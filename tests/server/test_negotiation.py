"""Content negotiation: Accept with q-values and wildcards, the format parameter, nothing acceptable."""

from __future__ import annotations

import pytest

from k2020graph.server.negotiation import (
    CSV,
    GRAPH_FORMATS,
    HTML,
    JSON,
    JSONLD,
    NTRIPLES,
    PAGE_FORMATS,
    RDFXML,
    RESULT_FORMATS,
    TSV,
    TURTLE,
    XML,
    choose,
    negotiate,
    parse_accept,
)


@pytest.mark.parametrize(
    ("accept", "offers", "expected"),
    [
        (None, RESULT_FORMATS, JSON),
        ("", GRAPH_FORMATS, TURTLE),
        ("*/*", RESULT_FORMATS, JSON),
        ("application/sparql-results+xml", RESULT_FORMATS, XML),
        ("application/xml", RESULT_FORMATS, XML),
        ("text/csv;q=0.5, text/tab-separated-values", RESULT_FORMATS, TSV),
        ("text/csv, application/sparql-results+json;q=0.9", RESULT_FORMATS, CSV),
        ("text/*", RESULT_FORMATS, CSV),
        ("application/json", RESULT_FORMATS, JSON),
        ("application/n-triples", GRAPH_FORMATS, NTRIPLES),
        ("application/ld+json", GRAPH_FORMATS, JSONLD),
        ("application/rdf+xml;q=1, text/turtle;q=0.2", GRAPH_FORMATS, RDFXML),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", PAGE_FORMATS, HTML),
        ("text/turtle, text/html;q=0.5", PAGE_FORMATS, TURTLE),
        ("*/*;q=0.1, text/turtle;q=0", GRAPH_FORMATS, NTRIPLES),  # turtle explicitly refused
        ("image/png", RESULT_FORMATS, None),
        ("text/turtle", RESULT_FORMATS, None),
        ("application/sparql-results+json;q=0", RESULT_FORMATS, None),
    ],
)
def test_negotiate(accept: str | None, offers, expected) -> None:  # type: ignore[no-untyped-def]
    assert negotiate(accept, offers) is expected


def test_parse_accept_reads_q_values() -> None:
    ranges = parse_accept("text/html;level=1;q=0.7, */*;q=abc, *, bad")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "html", 0.7), ("*", "*", 0.0), ("*", "*", 1.0)]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("csv", CSV), ("TSV", TSV), ("srj", JSON), ("text/turtle", None), ("xml", XML), ("nope", None)],
)
def test_format_parameter_wins_over_accept(fmt: str, expected) -> None:  # type: ignore[no-untyped-def]
    assert choose(fmt, "application/sparql-results+json", RESULT_FORMATS) is expected
