"""Conversions between pyoxigraph and rdflib terms, and N-Triples spelling of terms."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

RDFLIB_TERM = URIRef | BNode | Literal
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Node | None:
    """An rdflib term for a pyoxigraph term (``None`` stays ``None``, for unbound variables)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:  # RDF 1.1 simple literal: rdflib spells it without a datatype
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


def rdflib_terms(made: dict[OxTerm, Node]) -> Callable[[OxTerm], Node]:
    """:func:`to_rdflib` remembering its answers in ``made`` (filled in): each distinct term is converted
    once, and every graph or index built with the same ``made`` shares the same rdflib term objects."""

    def term(t: OxTerm) -> Node:
        node = made.get(t)
        if node is None:
            node = made[t] = to_rdflib(t)  # type: ignore[assignment]
        return node  # type: ignore[return-value]

    return term


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A pyoxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def n3(term: Node) -> str:
    """The N-Triples / SPARQL spelling of a term, safe to place in a query (used for VALUES blocks)."""
    return term.n3()
