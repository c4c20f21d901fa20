"""The "How to ask" queries of docs/modelling.md (docs/how-to-ask/*.rq): each runs on the repository's data
and gives the answer computed here from the records (k2:TiltakRecord rows, their continuations and flows)
with rdflib's graph API, never from the direct layer it queries: "the newest source that states a column
wins" is written out again below. The docs show each file's query text verbatim (checked too).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, XSD

from k2020graph.namespaces import ACTOR, CONCEPT, K2, PLAN, TILTAK

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "docs" / "how-to-ask").glob("*.rq"))


def _year(g: Graph, record: URIRef) -> int:
    """The year of a record's source: its dct:modified (last change), else its dct:issued, else its dct:temporal, else 0."""
    for loc in g.objects(record, DCTERMS.source):
        doc = g.value(loc, DCTERMS.isPartOf)
        for p in (DCTERMS.modified, DCTERMS.issued, DCTERMS.temporal):
            value = g.value(doc, p)
            if value is not None:
                return int(str(value)[:4])
    return 0


class Records:
    """What the records say, per K2020 tiltak number and per measure (all its numbers)."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.of: dict[URIRef, list[URIRef]] = defaultdict(list)  # tiltak or measure -> its records
        for record in g.subjects(RDF.type, K2.TiltakRecord):
            tiltak = g.value(record, K2.recordOf)
            self.of[tiltak].append(record)
            measure = g.value(tiltak, K2.measure)
            if measure is not None:
                self.of[measure].append(record)

    def newest(self, subject: URIRef, pred: URIRef) -> list[tuple[URIRef, object]]:
        """(record, value) of the newest records of ``subject`` that state ``pred``."""
        stating = [(r, v) for r in self.of[subject] for v in self.g.objects(r, pred)]
        if not stating:
            return []
        top = max(_year(self.g, r) for r, _ in stating)
        return [(r, v) for r, v in stating if _year(self.g, r) == top]

    def values(self, subject: URIRef, pred: URIRef) -> set:
        return {v for _, v in self.newest(subject, pred)}

    def answer(self, subject: URIRef) -> URIRef | None:
        said = {bool(v.toPython()) for v in self.values(subject, K2.continuedInK2025)}  # type: ignore[attr-defined]
        if said:
            return CONCEPT["continuation-yes"] if True in said else CONCEPT["continuation-no"]
        if any((r, K2.silentOn, K2.continuedInK2025) in self.g for r in self.of[subject]):
            return CONCEPT["continuation-not-stated"]
        return None

    def continues_as(self, subject: URIRef) -> set[URIRef]:
        numbers = [subject] if (subject, RDF.type, K2.Tiltak) in self.g else list(self.g.subjects(K2.measure, subject))
        conts = [c for n in numbers for c in self.g.subjects(K2.fromTiltak, n)]
        if not conts:
            return set()
        top = max(_year(self.g, self.g.value(c, PROV.wasDerivedFrom)) for c in conts)
        return {self.g.value(c, K2.toTiltak) for c in conts if _year(self.g, self.g.value(c, PROV.wasDerivedFrom)) == top}

    def flows_to(self, subject: URIRef) -> set[URIRef]:
        flows = [(f, r) for r in self.of[subject] for f in self.g.subjects(PROV.wasDerivedFrom, r)]
        flows = [(f, r) for f, r in flows if (f, K2.recipient, None) in self.g]
        if not flows:
            return set()
        top = max(_year(self.g, r) for _, r in flows)
        return {a for f, r in flows if _year(self.g, r) == top for a in self.g.objects(f, K2.recipient)}

    @property
    def numbers(self) -> list[URIRef]:
        return [s for s in self.of if (s, RDF.type, K2.Tiltak) in self.g]

    @property
    def measures(self) -> list[URIRef]:
        return [s for s in self.of if (s, RDF.type, K2.Measure) in self.g]


def _headline(rec: Records, subjects: list[URIRef]) -> set[tuple]:
    return {
        (s, k)
        for s in subjects
        if ACTOR["hdir-ph"] in rec.values(s, K2.responsible) and rec.answer(s) == CONCEPT["continuation-yes"]
        for k in rec.continues_as(s)
    }


def _expected(name: str, rec: Records) -> set[tuple] | Counter:
    g = rec.g
    nums = rec.numbers
    if name == "01-headline":
        return _headline(rec, nums) | _headline(rec, rec.measures)
    if name == "01b-headline-measures":
        return _headline(rec, rec.measures)
    if name == "02-count-per-strategy":
        return Counter(g.value(t, K2.strategy) for t in nums)
    if name == "03-started-before-k2020":
        k2020 = int(str(g.value(PLAN.k2020, K2.startYear)))
        out = set()
        for t in nums:
            for v in rec.values(t, K2.start):
                text = str(v)
                latest = int(text) if v.datatype == XSD.gYear else int(text[:4]) + 9  # type: ignore[attr-defined]
                if latest < k2020:
                    out.add((t, text))
        return out
    if name == "04-grants-to-kommuner":
        return {
            (t, a)
            for t in nums
            for a in rec.flows_to(t)
            if any(str(n).endswith(" kommune") and not str(n).endswith("fylkeskommune") for n in g.objects(a, SKOS.prefLabel))
        }
    if name == "05-continuation-breakdown":
        return Counter(a for t in nums if (a := rec.answer(t)) is not None)
    if name == "06-tiltak-per-responsible":
        return Counter(a for t in nums for a in rec.values(t, K2.responsible))
    if name == "07-continues-as":
        return {(k, str(g.value(k, SKOS.notation))) for k in rec.continues_as(TILTAK["k2020-3.13"])}
    if name == "07b-continues-from":
        target = TILTAK["k2025-1.10"]
        return {(g.value(c, K2.fromTiltak),) for c in g.subjects(K2.toTiltak, target)}
    if name == "08-measures-continued":
        return {(sum(rec.answer(m) == CONCEPT["continuation-yes"] for m in rec.measures),)}
    if name == "09-ended-before":
        return {(t, int(str(v))) for t in nums for v in rec.values(t, K2.end) if v.datatype == XSD.gYear and int(str(v)) < 2019}  # type: ignore[attr-defined]
    if name == "10-grant-tiltak":
        return {(t,) for t in nums if CONCEPT["tiltakstype-tilskudd"] in rec.values(t, K2.tiltakType)}
    if name == "11-what-each-source-says":
        out = set()
        for r in rec.of[TILTAK["k2020-3.10"]]:
            for title in g.objects(r, DCTERMS.title):
                for loc in g.objects(r, DCTERMS.source):
                    out.add((r, g.value(loc, DCTERMS.isPartOf), str(title), int(g.value(loc, K2.lineStart))))  # type: ignore[arg-type]
        return out
    if name == "12-where-a-direct-fact-comes-from":
        newest = rec.newest(TILTAK["k2020-3.10"], DCTERMS.title)
        return {(str(v), r, loc) for r, v in newest for loc in g.objects(r, DCTERMS.source)}
    raise AssertionError(f"no expected answer written for {name}")


@pytest.fixture(scope="module")
def records(kg) -> Records:  # type: ignore[no-untyped-def]
    return Records(kg.data_graph)


def test_enough_questions() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_question_gives_the_answer_of_the_records(kg, records: Records, path: Path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# "), f"{path.name}: the first line says the question"
    result = kg.store.query(text)
    rows = [tuple(v.toPython() if getattr(v, "datatype", None) == XSD.integer else v for v in row) for row in result.rows]
    expected = _expected(path.stem, records)
    assert rows, f"{path.name} answers nothing"
    if isinstance(expected, Counter):  # (key, count) rows of a GROUP BY
        assert {k: int(n) for k, n in rows} == dict(expected)
    else:
        got = {tuple(int(v) if isinstance(v, int) else (str(v) if not isinstance(v, URIRef) else v) for v in row) for row in rows}
        want = {tuple(v if isinstance(v, URIRef | int) else str(v) for v in row) for row in expected}
        assert got == want
        assert len(rows) == len(got), f"{path.name}: a row twice"


def test_the_docs_show_each_query_as_it_is_run() -> None:
    doc = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    assert doc.index("## How to ask") < doc.index("## Namespaces")
    for path in FILES:
        body = path.read_text(encoding="utf-8").strip()
        assert body in doc, f"docs/modelling.md does not show {path.name} as it is"
        assert f"docs/how-to-ask/{path.name}" in doc


def test_headline_is_three_patterns_and_adds_up() -> None:
    text = (ROOT / "docs" / "how-to-ask" / "01-headline.rq").read_text(encoding="utf-8")
    where = text.split("WHERE {", 1)[1].rsplit("}", 1)[0]
    assert where.count(";") + where.count(" .") == 3  # three triple patterns, nothing else
    assert "FILTER" not in where and "OPTIONAL" not in where
