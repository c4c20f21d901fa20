"""Writing a change back into a hand-written Turtle file (k2020graph/changes/turtle_edit.py)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from k2020graph.changes.turtle_edit import base_iri_of, parse, rewrite
from k2020graph.turtle_style import check_turtle_style

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "data/turtle").glob("*.ttl"))
TILTAK = "https://w3id.org/k2020graph/id/tiltak/"
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")


def test_files_were_collected() -> None:
    assert len(FILES) >= 8


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_change_leaves_the_file_byte_identical(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert rewrite(text, parse(text, base_iri_of(path)), base_iri_of(path)) == text


def test_only_the_changed_statements_are_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "tiltak-k2020.ttl"
    shutil.copy(ROOT / "data/turtle/tiltak-k2020.ttl", path)
    text = path.read_text(encoding="utf-8")
    triples = parse(text, base_iri_of(path))
    t11, t12 = ox.NamedNode(TILTAK + "k2020-1.1"), ox.NamedNode(TILTAK + "k2020-1.2")
    new = [t for t in triples if not (t.subject == t12 and t.predicate == NOTATION)]
    new.append(ox.Triple(t11, RDFS_COMMENT, ox.Literal('a "quoted"\nnote', language="en")))
    fresh = ox.NamedNode(TILTAK + "k2020-9.9")
    blank = ox.BlankNode()
    new += [
        ox.Triple(fresh, RDFS_COMMENT, ox.Literal("new")),
        ox.Triple(fresh, ox.NamedNode("http://www.w3.org/ns/prov#qualifiedAttribution"), blank),
        ox.Triple(blank, ox.NamedNode("http://www.w3.org/ns/prov#agent"), ox.NamedNode("urn:x:agent")),
    ]
    out = rewrite(text, new, base_iri_of(path))
    path.write_text(out, encoding="utf-8")
    assert check_turtle_style(path) == []
    got = parse(out, base_iri_of(path))
    assert len(got) == len(new)
    changed = [line for line in difflib.unified_diff(text.splitlines(), out.splitlines(), n=0, lineterm="") if line[:1] in "+-"]
    # the 1.1 statement's last line, its new comment, 1.2's notation, and the new resource (5 lines + blank)
    assert changed[:2] == ["--- ", "+++ "]
    body = changed[2:]
    assert '-    skos:notation "1.2" ;' in body
    assert any("rdfs:comment" in line and 'a \\"quoted\\"\\nnote' in line for line in body)
    assert '+tiltak:k2020-9.9 rdfs:comment "new" ;' in body
    assert len(body) <= 10
    assert text.splitlines()[:25] == out.splitlines()[:25]  # the header comments and prefix block stay
