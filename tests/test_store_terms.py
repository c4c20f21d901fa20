"""Store details that the agreement tests of test_store.py do not pin (gaps found by mutation testing, docs/mutation.md).

Terms of a remote endpoint's answer are read from the SPARQL 1.1 Query Results JSON Format; the
bindings below are the forms that format defines (section 3.2.2), so the expected terms come from
the specification, not from the code.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef

from k2020graph.store import RdflibStore, _json_term

GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")


def test_json_result_terms_follow_the_results_format() -> None:
    assert _json_term(None) is None
    iri = _json_term({"type": "uri", "value": "http://example.org/a"})
    assert type(iri) is URIRef and iri == URIRef("http://example.org/a")
    blank = _json_term({"type": "bnode", "value": "b0"})
    assert type(blank) is BNode and str(blank) == "b0"
    tagged = _json_term({"type": "literal", "value": "hei", "xml:lang": "nb"})
    assert tagged == Literal("hei", lang="nb") and tagged.datatype is None
    typed = _json_term({"type": "literal", "value": "2016", "datatype": str(GYEAR)})
    assert typed == Literal("2016", datatype=GYEAR) and typed.language is None
    plain = _json_term({"type": "literal", "value": "uri"})
    assert type(plain) is Literal and plain == Literal("uri") and plain.datatype is None and plain.language is None


def test_rdflib_store_version_is_text_that_follows_the_data() -> None:
    def graph(value: str) -> Graph:
        g = Graph()
        g.add((URIRef("urn:a"), URIRef("urn:p"), Literal(value)))
        g.add((URIRef("urn:a"), URIRef("urn:q"), Literal("same")))
        return g

    first = RdflibStore(graph("2016")).version
    assert isinstance(first, str) and first
    assert RdflibStore(graph("2016")).version == first  # the same data, another graph object
    assert RdflibStore(graph("2017")).version != first  # one value edited in place, same triple count
