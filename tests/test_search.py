"""Search (k2020graph.search and ``k2020graph search``) over the repository's own data.

The expected results are derived independently of the index: from the Turtle files read with rdflib,
by plain substring and word tests on the raw titles and names.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.search import MAX_QUERY_CHARS, SearchIndex, SearchInputError, build_index, search

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "k2020graph"
K2 = Namespace("https://w3id.org/k2020graph/def#")
DCT = Namespace("http://purl.org/dc/terms/")
PLAN_K2020 = URIRef("https://w3id.org/k2020graph/id/plan/k2020")
TILTAK = "https://w3id.org/k2020graph/id/tiltak/"


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    kg = KnowledgeGraph.load(Project.at(ROOT))
    return build_index(kg.store.raw.quads_for_pattern(None, None, None), kg.base)


@pytest.fixture(scope="module")
def k2020_titles() -> dict[str, list[str]]:
    """Each K2020 tiltak → the titles its records give it, read from the raw Turtle with rdflib."""
    g = Graph()
    files = sorted((ROOT / "data/turtle").glob("*.ttl"))
    assert files
    for path in files:
        g.parse(path, format="turtle")
    titles: dict[str, list[str]] = defaultdict(list)
    for record, tiltak in g.subject_objects(K2.recordOf):
        if (tiltak, K2.inPlan, PLAN_K2020) in g:
            titles[str(tiltak)] += [str(t) for t in g.objects(record, DCT.title)]
    assert len(titles) > 50
    return titles


def found(index: SearchIndex, q: str, kind: str | None = None) -> set[str]:
    results = search(index, q, limit=100)
    return {h.iri for g in results.groups if kind in (None, g.kind) for h in g.hits}


@pytest.mark.parametrize("word", ["demens", "psykolog", "sykepleier", "rekruttering", "helsestasjon", "omsorg", "leve"])
def test_every_tiltak_whose_title_holds_the_word_is_found(
    index: SearchIndex, k2020_titles: dict[str, list[str]], word: str
) -> None:
    expected = {t for t, titles in k2020_titles.items() if any(word in title.lower() for title in titles)}
    assert expected, f"no title holds {word!r}: the test would prove nothing"
    assert expected <= found(index, word, "tiltak-k2020")


@pytest.mark.parametrize("word", ["psykolog", "sykepleier", "demens"])
def test_each_tiltak_found_holds_the_word_somewhere(index: SearchIndex, word: str) -> None:
    """Precision: a tiltak found for a word holds it (or its stem) in one of its indexed texts."""
    g = Graph()
    for path in sorted((ROOT / "data/turtle").glob("*.ttl")):
        g.parse(path, format="turtle")
    texts: dict[str, str] = defaultdict(str)
    for s, _, o in g:
        texts[str(s)] += " " + str(o).lower()
    for record, tiltak in g.subject_objects(K2.recordOf):
        texts[str(tiltak)] += texts[str(record)]
    stem = word[:-2]  # shorter than any stem the stemmer makes of these words
    for iri in found(index, word, "tiltak-k2020"):
        assert stem in texts[iri], iri


def test_demens_finds_demensomsorgens_abc(index: SearchIndex) -> None:
    results = search(index, "demens")
    tiltak = next(g for g in results.groups if g.kind == "tiltak-k2020")
    hit = next(h for h in tiltak.hits if h.iri == TILTAK + "k2020-3.2")
    assert hit.title == "Demensomsorgens ABC"
    assert ("Demensomsorgens", True) in hit.parts()


def test_a_typo_is_corrected_and_said(index: SearchIndex) -> None:
    results = search(index, "demnes")
    assert results.corrections == {"demnes": ["demens"]}
    assert TILTAK + "k2020-3.2" in found(index, "demnes", "tiltak-k2020")
    assert found(index, "demnes") == found(index, "demens")


def test_inflected_forms_find_the_same_tiltak(index: SearchIndex, k2020_titles: dict[str, list[str]]) -> None:
    assert found(index, "sykepleier", "tiltak-k2020") == found(index, "sykepleiere", "tiltak-k2020")
    # every tiltak whose title has a word beginning with "kommun" (kommune, kommunen, kommunale …)
    expected = {t for t, titles in k2020_titles.items() if any(re.search(r"\bkommun", x.lower()) for x in titles)}
    assert expected
    assert expected <= found(index, "kommunen", "tiltak-k2020")
    assert expected <= found(index, "kommune", "tiltak-k2020")
    assert found(index, "kommunen") == found(index, "kommunene")  # both stem to "kommun"


def test_words_inside_compounds_are_found(index: SearchIndex, k2020_titles: dict[str, list[str]]) -> None:
    # "pleier" is never the first part of a word in these titles: only the trigram table finds it
    expected = {t for t, titles in k2020_titles.items() if any("pleier" in x.lower() for x in titles)}
    assert expected and not any(re.search(r"\bpleier", x.lower()) for ts in k2020_titles.values() for x in ts)
    assert expected <= found(index, "pleier", "tiltak-k2020")


def test_results_are_grouped_by_kind(index: SearchIndex) -> None:
    kinds = {g.kind for g in search(index, "helsedirektoratet", limit=100).groups}
    assert "actor" in kinds
    assert "tiltak-k2025" in {g.kind for g in search(index, "1.10").groups}
    assert TILTAK + "k2025-1.10" in found(index, "1.10", "tiltak-k2025")
    scheme = search(index, "psykologer")
    assert "scheme" in {g.kind for g in scheme.groups}
    assert search(index, "demens", lang="en").groups[0].title == "K2020 tiltak"
    assert search(index, "demens", lang="nb").groups[0].title == "Tiltak i K2020"


def test_no_internal_words_are_indexed(index: SearchIndex) -> None:
    """Editorial notes name the source files (seed 001, k2025.md): they never reach a user's page."""
    assert "seed" in search(index, "seed").corrections  # found only as a typo of another word
    bodies = [row[0] for row in index.connection.execute("SELECT body FROM texts")]
    assert bodies and not [b for b in bodies if "seed" in b.lower() or ".md" in b]


def test_all_words_must_match_else_some(index: SearchIndex) -> None:
    both = search(index, "menn i helse")
    assert both.all_words and TILTAK + "k2020-1.1" in found(index, "menn i helse")
    assert both.words == ["menn", "helse"]  # "i" is in nearly every text: left out
    partial = search(index, "demens zzzqqqxxx")
    assert not partial.all_words and TILTAK + "k2020-3.2" in found(index, "demens zzzqqqxxx")


HOSTILE = [
    "NEAR(",
    "NEAR(demens abc, 2)",
    "AND",
    "OR NOT",
    "demens AND",
    '"demens',
    "demens*",
    "(demens)",
    "tokens:demens",
    "^demens",
    "{tokens body}: demens",
    "'; DROP TABLE texts; --",
    "demens\x00abc",
    "ø" * MAX_QUERY_CHARS,
    "🙂 demens",
    "\u202edemens",
    "a" * MAX_QUERY_CHARS,
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_text_gives_results_never_an_engine_error(index: SearchIndex, q: str) -> None:
    results = search(index, q)  # no sqlite3.Error, no other exception
    assert results.total >= 0
    assert TILTAK + "k2020-3.2" in found(index, "demens")  # the index is intact afterwards


@pytest.mark.parametrize(
    ("q", "key"),
    [('"', "no_words"), ("*", "no_words"), ("()^:-+", "no_words"), ("", "empty"), ("   ", "empty"),
     ("x" * (MAX_QUERY_CHARS + 1), "too_long"), ("a b c d e f g h i", "too_many_words")],
)  # fmt: skip
def test_unusable_text_is_refused_with_a_clear_message(index: SearchIndex, q: str, key: str) -> None:
    with pytest.raises(SearchInputError) as caught:
        search(index, q)
    assert caught.value.key == key
    assert caught.value.localized("nb") != caught.value.localized("en")
    assert not isinstance(caught.value, sqlite3.Error)


def test_the_engine_syntax_never_reaches_fts5(index: SearchIndex) -> None:
    """Texts that are FTS5 syntax errors as they are ("AND", "demens AND", "NEAR(", "(demens"): searched as words.

    Given to FTS5 raw, each is an error (sqlite3.OperationalError): that is what the search prevents.
    """
    for q in ("AND", "OR", "NOT", "demens AND", "NEAR(", "(demens"):
        with pytest.raises(sqlite3.OperationalError):
            index.connection.execute("SELECT rowid FROM terms WHERE terms MATCH ?", (q,)).fetchall()
        assert search(index, q).total >= 0
    assert search(index, "demens AND").words == ["demens", "and"]


def test_an_index_of_other_data_under_another_base() -> None:
    base = "https://example.org/k/"
    k2 = base + "def#"

    def quad(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
        return ox.Quad(ox.NamedNode(base + s), ox.NamedNode(p), o)

    label = "http://www.w3.org/2000/01/rdf-schema#label"
    quads = [
        quad("id/tiltak/k2020-9.9", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(k2 + "Tiltak")),
        quad("id/tiltak/k2020-9.9", k2 + "inPlan", ox.NamedNode(base + "id/plan/k2020")),
        quad("id/tiltak/k2020-9.9", label, ox.Literal("K2020-tiltak 9.9", language="nb")),
        quad("id/tiltak/k2020-9.9", k2 + "aim", ox.Literal("Betre kvardagsrehabilitering i kommunane", language="nn")),
        quad("id/unrelated", label, ox.Literal("kvardagsrehabilitering", language="nn")),  # no kind: not indexed
    ]
    small = build_index(quads, base)
    other = build_index(quads[:3], base)
    results = search(small, "kvardagsrehabilitering")
    assert [(g.kind, [h.iri for h in g.hits]) for g in results.groups] == [("tiltak-k2020", [base + "id/tiltak/k2020-9.9"])]
    assert results.groups[0].hits[0].field == "goal" and results.groups[0].hits[0].lang == "nn"
    assert search(other, "kvardagsrehabilitering").total == 0  # two indexes share nothing


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_search() -> None:
    out = run("search", "demnes", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["corrections"] == {"demnes": ["demens"]}
    assert TILTAK + "k2020-3.2" in {h["iri"] for g in data["groups"] for h in g["results"]}
    text = run("search", "demens", "--lang", "en")
    assert text.returncode == 0 and "K2020 tiltak 3.2 – Demensomsorgens ABC" in text.stdout


def test_cli_search_refuses_unusable_text_with_exit_2() -> None:
    out = run("search", '"*')
    assert out.returncode == 2
    assert "no words" in out.stderr and "ingen ord" in out.stderr and "Traceback" not in out.stderr
    assert run("search", "demens", "--limit", "0").returncode == 2
    assert run("search", "--help").returncode == 0
