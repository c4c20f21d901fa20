"""Triples compared as RDF graphs: blank nodes matched by structure, not by their labels.

Two parses of the same Turtle give its blank nodes other labels, so a plain set difference would see
every blank-node triple as removed and added again. Here the triples that touch a blank node are put
in canonical form (:func:`rdflib.compare.to_canonical_graph`: labels derived from the nodes'
surroundings) before they are compared; the other triples are compared as they are, which is both
exact and fast (the project's data has few blank nodes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph
from rdflib.compare import isomorphic, to_canonical_graph
from rdflib.term import Node

Triple = tuple[Node, Node, Node]


def has_bnode(triple: Triple) -> bool:
    return isinstance(triple[0], BNode) or isinstance(triple[2], BNode)


def split(triples: Iterable[Triple]) -> tuple[set[Triple], set[Triple]]:
    """(triples without a blank node, triples with one)."""
    ground: set[Triple] = set()
    blank: set[Triple] = set()
    for t in triples:
        (blank if has_bnode(t) else ground).add(t)
    return ground, blank


def _graph(triples: Iterable[Triple]) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def canonical(triples: Iterable[Triple]) -> set[Triple]:
    """The triples with their blank nodes relabelled canonically (isomorphic inputs give equal sets)."""
    ground, blank = split(triples)
    if blank:
        ground.update(to_canonical_graph(_graph(blank)))  # type: ignore[arg-type]
    return ground


def same_graph(a: Iterable[Triple], b: Iterable[Triple]) -> bool:
    """True when ``a`` and ``b`` are the same RDF graph up to the labels of their blank nodes."""
    ground_a, blank_a = split(a)
    ground_b, blank_b = split(b)
    if ground_a != ground_b or len(blank_a) != len(blank_b):
        return False
    return not blank_a or isomorphic(_graph(blank_a), _graph(blank_b))


@dataclass(frozen=True)
class TripleDiff:
    """Two graphs in canonical form and the triples that tell them apart."""

    old: frozenset[Triple]
    new: frozenset[Triple]

    @property
    def removed(self) -> frozenset[Triple]:
        return self.old - self.new

    @property
    def added(self) -> frozenset[Triple]:
        return self.new - self.old


def triple_diff(old: Iterable[Triple], new: Iterable[Triple]) -> TripleDiff:
    """Compare ``old`` and ``new`` as graphs (the triples in both, and in one only, as
    :func:`rdflib.compare.graph_diff` gives them, without canonicalising the triples that need none)."""
    return TripleDiff(frozenset(canonical(old)), frozenset(canonical(new)))
