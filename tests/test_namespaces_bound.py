"""bind_prefixes puts the project's prefixes on a graph, as the hand-written Turtle files declare them (a gap
found by mutation testing, docs/mutation.md: binding nothing at all passed every other test)."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph

from k2020graph.namespaces import bind_prefixes

ROOT = Path(__file__).resolve().parent.parent
DECLARED = re.compile(r"^@prefix\s+([A-Za-z][\w-]*):\s*<([^>]*)>\s*\.", re.MULTILINE)


def test_the_prefixes_of_the_data_files_are_bound() -> None:
    declared = {
        p: iri for path in sorted((ROOT / "data" / "turtle").glob("*.ttl")) for p, iri in DECLARED.findall(path.read_text())
    }
    assert {"tiltak", "record", "k2", "actor", "src"} <= declared.keys()
    bound = {prefix: str(ns) for prefix, ns in bind_prefixes(Graph()).namespaces()}
    for prefix in ("tiltak", "record", "k2", "actor", "src", "cont", "scheme", "plan"):
        if prefix in declared:
            assert bound.get(prefix) == declared[prefix], prefix


def test_a_turtle_serialisation_uses_them() -> None:
    g = bind_prefixes(Graph())
    g.parse(
        data="<https://w3id.org/k2020graph/id/tiltak/k2020-1.2> a <https://w3id.org/k2020graph/def#Tiltak> .", format="turtle"
    )
    text = g.serialize(format="turtle")
    assert "tiltak:k2020-1.2 a k2:Tiltak" in text
