"""The canned queries rewritten over the direct layer (rules/) give the answers their record-layer versions gave.

``tests/queries_before_direct/`` keeps the text of each query as it was before the rewrite (reading the
records: ``?r k2:recordOf ?t ; dct:source/dct:isPartOf src:seed-001``). Both versions run on the same
loaded data with the same parameters; the rows must agree in number, order and every cell, except the
cells listed in :data:`CHANGED`, each with its reason: there the direct layer shows the newest source's
value where the old query read one fixed table.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from k2020graph.namespaces import K2, SRC
from k2020graph.queries import load_catalogue
from k2020graph.store import SelectResult

ROOT = Path(__file__).resolve().parent.parent
BEFORE = sorted((ROOT / "tests" / "queries_before_direct").glob("*.rq"))

PARAMS: dict[str, list[dict[str, str]]] = {
    "continued-into-k2025": [{"division": d} for d in ("PH", "KP", "SP", "FL", "HOD", "KS", "KD", "NLU")],
    "not-continued": [{"division": d} for d in ("PH", "KP", "SP", "FL", "HOD", "KS", "KD", "NLU")],
    "ended-before": [{"year": y} for y in ("2016", "2017", "2019", "2021", "2030")],
    "tiltak-of-strategy": [{"strategy": s} for s in "123456"],
    "k2025-sources": [{"k2025": k} for k in ("1.10", "1.31", "3.7", "2.3", "1.16")],
}

# Seed 003 (2023, the opptrappingsplan) is newer than the final table (2021) and names 1.1, 1.2 and 3.10 its
# own way: the direct name is the newest source's title.
_RENAMED = {"1.1", "1.2", "3.10"}
#: (query, tiltak number, column) -> why the rewritten query's cell differs from the old one's.
CHANGED: dict[tuple[str, str, str], str] = {
    **{(q, nr, "name"): "seed 003's title is the newest" for q in ("continued-into-k2025", "tiltak-of-strategy")
       for nr in _RENAMED},
    **{("started-before-k2020", nr, "name"): "seed 003's title is the newest" for nr in ("1.1", "3.10")},
    ("not-continued", "5.8", "status"): "the final table is silent on 5.8's status; the 2017 table's 'HOD følgjer opp'",
}  # fmt: skip


def _cells(result: SelectResult) -> list[dict[str, str]]:
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in result.dicts()]


def test_every_rewritten_query_has_its_old_text() -> None:
    assert len(BEFORE) >= 10
    current = {p.stem for p in (ROOT / "queries").glob("*.rq")}
    assert {p.stem for p in BEFORE} <= current
    for path in BEFORE:
        # the rewrite reads the direct layer, the old text the records of a fixed table
        assert (ROOT / "queries" / path.name).read_text(encoding="utf-8") != path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [p.stem for p in BEFORE])
def test_rewritten_query_gives_the_old_answers(kg, catalogue, name: str) -> None:  # type: ignore[no-untyped-def]
    old_query = load_catalogue(BEFORE)[name]
    seen_changes: set[tuple[str, str, str]] = set()
    for params in PARAMS.get(name, [{}]):
        old, new = old_query.run(kg.store, params), catalogue[name].run(kg.store, params)
        assert isinstance(old, SelectResult) and isinstance(new, SelectResult)
        assert new.variables == old.variables
        old_rows, new_rows = _cells(old), _cells(new)
        assert len(new_rows) == len(old_rows), (name, params)
        for before, after in zip(old_rows, new_rows, strict=True):
            nr = before.get("nr", "")
            for column, value in before.items():
                if after[column] == value:
                    continue
                key = (name, nr, column)
                assert key in CHANGED, f"{name} {params}: row {nr or before}, {column}: {value!r} -> {after[column]!r}"
                seen_changes.add(key)
    # every listed change happens (the list says exactly where the answers moved)
    assert seen_changes == {k for k in CHANGED if k[0] == name}


def _final_answers(g: Graph) -> dict[URIRef, bool | None]:
    """Each K2020 tiltak's own answer in the final table's record (seed 001), from the records."""
    out: dict[URIRef, bool | None] = {}
    for record in g.subjects(K2.recordOf, None):
        if any(g.value(loc, DCTERMS.isPartOf) == SRC["seed-001"] for loc in g.objects(record, DCTERMS.source)):
            value = g.value(record, K2.continuedInK2025)
            out[g.value(record, K2.recordOf)] = None if value is None else bool(value.toPython())  # type: ignore[index]
    return out


@pytest.mark.parametrize("division", ["PH", "KP", "FL", "HOD"])
def test_the_continuation_counts_add_up(kg, catalogue, division: str) -> None:  # type: ignore[no-untyped-def]
    """continues + continues-as-twin + not-continued = every number of the unit (16 + 3 + 5 = 24 for PH)."""
    g = kg.data_graph
    answers = _final_answers(g)
    unit = next(a for a in g.subjects(SKOS.notation, Literal(division)))
    records = [r for r in g.subjects(K2.responsible, unit) if (r, RDF.type, K2.TiltakRecord) in g]
    numbers = {t for r in records if (t := g.value(r, K2.recordOf)) is not None}
    twins = {t: {s for s in g.subjects(K2.measure, g.value(t, K2.measure))} for t in numbers}
    expected = {}
    for t in numbers:
        if answers.get(t) is True:
            expected[str(t)] = "continues"
        elif any(answers.get(s) is True for s in twins[t]):
            expected[str(t)] = "continues-as-twin"
        else:
            expected[str(t)] = "not-continued"
    rows = catalogue["continuation-of-responsible"].run(kg.store, {"division": division}).dicts()
    got = {str(r["tiltak"]): str(r["outcome"]) for r in rows}
    assert len(rows) == len(got) and got == expected
    yes = {str(r["tiltak"]) for r in catalogue["continued-into-k2025"].run(kg.store, {"division": division}).dicts()}
    no = {str(r["tiltak"]) for r in catalogue["not-continued"].run(kg.store, {"division": division}).dicts()}
    assert yes == {t for t, o in got.items() if o == "continues"}
    assert no == {t for t, o in got.items() if o == "not-continued"}
    counted = catalogue["count-per-responsible"].run(kg.store).dicts()
    assert [int(r["tiltak_numbers"]) for r in counted if str(r["code"]) == division] == [len(got)]
    if division == "PH":  # the figures of issue 10
        assert (len(yes), sum(o == "continues-as-twin" for o in got.values()), len(no)) == (16, 3, 5)
