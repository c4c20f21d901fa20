"""The quotations of the source locations (``data/turtle/quotations.ttl``) say what the documents say.

Each location's quotation is checked against the document's text read here, line by line: its lines
are the location's non-empty lines without the spaces and NO-BREAK SPACEs at their ends, in order; a
quotation cut short ends with a line ``[…]`` and keeps whole lines only. Every location in a source
document is quoted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Namespace

from tests.seed_readers import NBSP, read_lines

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
K2 = Namespace("https://w3id.org/k2020graph/def#")
DCT = Namespace("http://purl.org/dc/terms/")

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents are not at ../shared/seeds")


@pytest.fixture(scope="module")
def data() -> Graph:
    g = Graph()
    for path in sorted((ROOT / "data" / "turtle").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def located(data: Graph) -> dict[str, tuple[str, int, int]]:
    """Every location in a source document (a seed's text): file name, first line, last line."""
    out = {}
    for loc in set(data.subjects(K2.lineStart, None)):
        doc = data.value(loc, DCT.isPartOf)
        name = str(data.value(doc, K2.fileName))
        if name.endswith(".txt"):
            first = int(data.value(loc, K2.lineStart))  # type: ignore[arg-type]
            last = int(data.value(loc, K2.lineEnd) or first)  # type: ignore[arg-type]
            out[str(loc)] = (name, first, last)
    return out


def test_every_location_in_a_document_is_quoted(data: Graph) -> None:
    locations = located(data)
    assert len(locations) > 400  # the tables' rows, the figures, the plans: hundreds
    missing = [loc for loc in locations if data.value(data.resource(loc).identifier, K2.quote) is None]
    # a location whose lines are all empty has nothing to quote
    missing = [loc for loc in missing if any(line.strip(" " + NBSP) for line in _lines(*locations[loc]))]
    assert missing == []


def _lines(name: str, first: int, last: int) -> list[str]:
    return read_lines(SEEDS, name)[first - 1 : last]


def test_each_quotation_is_the_documents_text(data: Graph) -> None:
    locations = located(data)
    checked = 0
    wrong = []
    for loc, (name, first, last) in sorted(locations.items()):
        quote = data.value(data.resource(loc).identifier, K2.quote)
        if quote is None:
            continue
        expected = [line.strip(" " + NBSP) for line in _lines(name, first, last)]
        expected = [line for line in expected if line]
        got = str(quote).split("\n")
        if got[-1] == "[…]":
            got = got[:-1]
            ok = got == expected[: len(got)] and len(got) < len(expected)
        else:
            ok = got == expected
        if not ok:
            wrong.append((loc, got[:2], expected[:2]))
        checked += 1
    assert checked > 400
    assert wrong == []


def test_quotations_are_short(data: Graph) -> None:
    lengths = [len(str(q)) for q in data.objects(None, K2.quote)]
    assert lengths and max(lengths) <= 1000
