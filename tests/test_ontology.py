"""The ontology: every class and property labelled and defined in nb and en; a proper header."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from k2020graph.namespaces import K2

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def _terms(graph: Graph) -> list:
    return sorted({s for t in TERM_TYPES for s in graph.subjects(RDF.type, t) if str(s).startswith(str(K2))})


def _langs(graph: Graph, node, prop) -> set[str]:  # type: ignore[no-untyped-def]
    return {o.language for o in graph.objects(node, prop) if isinstance(o, Literal) and o.language}


def test_the_ontology_declares_terms(kg) -> None:  # type: ignore[no-untyped-def]
    assert len(_terms(kg.ontology_graph)) > 40


@pytest.mark.parametrize("prop", [RDFS.label, SKOS.definition], ids=["label", "definition"])
def test_every_term_is_labelled_and_defined_in_nb_and_en(kg, prop) -> None:  # type: ignore[no-untyped-def]
    g = kg.ontology_graph
    missing = [f"{t} lacks {lang}" for t in _terms(g) for lang in ("nb", "en") if lang not in _langs(g, t, prop)]
    assert not missing, "\n".join(missing)


def test_each_term_has_one_label_per_language(kg) -> None:  # type: ignore[no-untyped-def]
    g = kg.ontology_graph
    for t in _terms(g):
        langs = [o.language for o in g.objects(t, RDFS.label)]
        assert len(langs) == len(set(langs)), f"{t} has two labels in one language"


def test_ontology_header(kg) -> None:  # type: ignore[no-untyped-def]
    g = kg.ontology_graph
    (onto,) = list(g.subjects(RDF.type, OWL.Ontology))
    assert _langs(g, onto, DCTERMS.title) >= {"nb", "en"}
    for prop in (DCTERMS.modified, DCTERMS.license, DCTERMS.publisher, OWL.versionInfo, OWL.versionIRI):
        assert g.value(onto, prop) is not None, f"ontology header lacks {prop}"
    # the version lives in owl:versionInfo / owl:versionIRI only; the namespace is unversioned
    assert str(g.value(onto, OWL.versionInfo)) in str(g.value(onto, OWL.versionIRI))
    assert not any(ch.isdigit() for ch in str(K2).split("k2020graph/")[1])
