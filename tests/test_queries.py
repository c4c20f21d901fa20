"""The canned queries in queries/: each parses, carries its metadata, runs with its defaults on the repository's
data, agrees with rdflib's own SPARQL engine, and gives the answer that the data gives.

The expected answers are computed here with rdflib's graph API over ``kg.data_graph`` (triples, objects,
subjects), never by running SPARQL, so a wrong query and a wrong expectation have to be wrong in different
ways to agree. Literals are compared by their text: the data graph is built from pyoxigraph's parse, where a
simple literal carries the datatype xsd:string.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from k2020graph.errors import QueryError
from k2020graph.namespaces import ACTOR, CONCEPT, K2, PLAN, SCHEME, SRC, STRATEGY
from k2020graph.queries import PARAM_TYPES, Parameter
from k2020graph.store import RdflibStore, SelectResult

ROOT = Path(__file__).resolve().parent.parent
QUERY_FILES = sorted((ROOT / "queries").glob("*.rq"))
NAMES = [p.stem for p in QUERY_FILES]

EARLY, FINAL = "seed-000", "seed-001"  # the 2017 table and the final table

# Queries that rdflib's engine cannot be compared on, with the reason.
RDFLIB_XFAIL: dict[str, str] = {}  # query name -> why rdflib's engine cannot run it (none at present)


# ----------------------------------------------------------------------------------------------------------
# Reading the data with the graph API
# ----------------------------------------------------------------------------------------------------------


def text(node: Node | None) -> str:
    return "" if node is None else str(node)


def slug(node: Node) -> str:
    return str(node).rsplit("/", 1)[-1]


def num_key(nr: str) -> tuple[int, int]:
    major, minor = nr.split(".")
    return int(major), int(minor)


def notation(g: Graph, node: Node) -> str:
    return text(g.value(node, SKOS.notation))  # type: ignore[arg-type]


def nb(g: Graph, node: Node, prop: URIRef = SKOS.prefLabel) -> str:
    for label in g.objects(node, prop):  # type: ignore[arg-type]
        if isinstance(label, Literal) and label.language == "nb":
            return str(label)
    return ""


def documents(g: Graph, node: Node) -> set[Node]:
    """The source documents a resource's source locations are part of."""
    return {d for loc in g.objects(node, DCTERMS.source) for d in g.objects(loc, DCTERMS.isPartOf)}  # type: ignore[arg-type]


def records(g: Graph, tiltak: Node, doc: str) -> list[Node]:
    return [r for r in g.subjects(K2.recordOf, tiltak) if SRC[doc] in documents(g, r)]


def final_record(g: Graph, tiltak: Node) -> Node | None:
    found = records(g, tiltak, FINAL)
    assert len(found) <= 1, f"{tiltak} has {len(found)} records in the final table"
    return found[0] if found else None


def continued(g: Graph, record: Node | None) -> bool | None:
    if record is None:
        return None
    value = g.value(record, K2.continuedInK2025)  # type: ignore[arg-type]
    return None if value is None else bool(value.toPython())  # type: ignore[union-attr]


def yes_no(answer: bool | None) -> str:
    return "" if answer is None else ("yes" if answer else "no")


def k2020_tiltak(g: Graph) -> list[Node]:
    return [t for t in g.subjects(K2.inPlan, PLAN.k2020) if (t, RDF.type, K2.Tiltak) in g]


def k2025_tiltak(g: Graph) -> list[Node]:
    return [t for t in g.subjects(K2.inPlan, PLAN.k2025) if (t, RDF.type, K2.Tiltak) in g]


def siblings(g: Graph, tiltak: Node) -> list[Node]:
    """Every number of the tiltak's measure, itself included."""
    return list(g.subjects(K2.measure, g.value(tiltak, K2.measure)))  # type: ignore[arg-type]


def continuations(g: Graph, tiltak: Node) -> list[tuple[int, Node, Node]]:
    """(position, K2025 tiltak, continuation) in source order."""
    out = []
    for c in g.subjects(K2.fromTiltak, tiltak):
        out.append((int(g.value(c, K2.position).toPython()), g.value(c, K2.toTiltak), c))  # type: ignore[union-attr]
    return sorted(out, key=lambda x: x[0])  # type: ignore[arg-type,return-value]


def k2025_refs(g: Graph, tiltak: Node) -> str:
    return ";".join(notation(g, to) for _, to, _ in continuations(g, tiltak))


def responsible_codes(g: Graph, tiltak: Node) -> set[str]:
    return {notation(g, a) for r in records(g, tiltak, EARLY) for a in g.objects(r, K2.responsible)}


def actor_matches(g: Graph, actor: Node, key: str) -> bool:
    """The rule the actor parameters follow: slug, notation, altLabel or prefLabel, case-insensitively."""
    key = key.lower()
    if slug(actor).lower() == key:
        return True
    return any(str(v).lower() == key for p in (SKOS.notation, SKOS.altLabel, SKOS.prefLabel) for v in g.objects(actor, p))  # type: ignore[arg-type]


def flows(g: Graph) -> list[Node]:
    return list(g.subjects(RDF.type, K2.FundingFlow))


def flow_rows(g: Graph, selected: Iterable[Node]) -> set[tuple[str, str]]:
    """(flow, source location) for each of the flow's locations that lie in a document (else no location)."""
    out = set()
    for f in selected:
        locs = [loc for loc in g.objects(f, DCTERMS.source) if g.value(loc, DCTERMS.isPartOf) is not None]
        out |= {(str(f), str(loc)) for loc in locs} if locs else {(str(f), "")}
    return out


def latest(g: Graph, actor: Node) -> Node:
    """The organisation an actor became through org:ChangeEvents (itself if it did not change)."""
    seen = {actor}
    while True:
        nxt = [g.value(e, ORG.resultingOrganization) for e in g.subjects(ORG.originalOrganization, actor)]
        if not nxt or nxt[0] is None or nxt[0] in seen:
            return actor
        actor = nxt[0]
        seen.add(actor)


def involvement_roles(kg) -> set[Node]:  # type: ignore[no-untyped-def]
    """k2:involves and its sub-properties, read from the ontology."""
    return set(kg.ontology_graph.transitive_subjects(RDFS.subPropertyOf, K2.involves))


# ----------------------------------------------------------------------------------------------------------
# Running a query
# ----------------------------------------------------------------------------------------------------------


def run(kg, catalogue, name: str, **params: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    result = catalogue[name].run(kg.store, params)
    assert isinstance(result, SelectResult)
    return [{k: text(v) for k, v in row.items()} for row in result.dicts()]


def column(rows: list[dict[str, str]], *names: str) -> list[tuple[str, ...]]:
    return [tuple(r[n] for n in names) for r in rows]


@pytest.fixture(scope="module")
def reference_store(kg) -> RdflibStore:  # type: ignore[no-untyped-def]
    return RdflibStore(kg.full_graph)


# ----------------------------------------------------------------------------------------------------------
# Every query file
# ----------------------------------------------------------------------------------------------------------


def test_enough_queries_were_collected(catalogue) -> None:  # type: ignore[no-untyped-def]
    assert len(NAMES) > 20
    assert set(catalogue) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_query_file_is_valid_and_described(catalogue, name: str) -> None:  # type: ignore[no-untyped-def]
    query = catalogue[name]
    # valid SPARQL on its own, for a second parser too (the catalogue already parsed it with pyoxigraph)
    prepareQuery(query.text)
    for lang in ("nb", "en"):
        assert query.title.get(lang, "").strip(), f"{name}: no title@{lang}"
        assert len(query.description.get(lang, "")) > 40, f"{name}: no description@{lang}"
    assert query.tags, f"{name}: no tags"
    assert "ORDER BY" in query.text, f"{name}: no ORDER BY, so the rows have no stable order"
    for p in query.parameters:
        assert p.type in PARAM_TYPES
        assert p.default is not None, f"{name}: parameter {p.name} has no default"
        assert p.help["nb"] and p.help["en"], f"{name}: parameter {p.name} lacks help text"


@pytest.mark.parametrize("name", NAMES)
def test_query_runs_with_its_defaults(kg, catalogue, name: str) -> None:  # type: ignore[no-untyped-def]
    result = catalogue[name].run(kg.store)
    assert isinstance(result, SelectResult)
    # Every query answers with rows on this data (none of them is legitimately empty here).
    assert result.rows, f"{name} returned no rows"
    # A resource column the web page can link each row by: a variable bound to an IRI in every row.
    dicts = result.dicts()
    linkable = [v for v in result.variables if all(isinstance(d[v], URIRef) for d in dicts)]
    assert linkable, f"{name}: no column holds an IRI in every row"
    for p in catalogue[name].parameters:
        assert p.name in result.variables
    # The order is stable: a second run gives the same rows in the same order.
    again = catalogue[name].run(kg.store)
    assert isinstance(again, SelectResult) and again.rows == result.rows


def _comparable(rows: Iterable[tuple[Node | None, ...]]) -> Counter[tuple[tuple[str, str], ...]]:
    """Rows as (kind, text) per cell. Text only: engines differ in whether GROUP_CONCAT keeps a shared
    language tag and whether a simple literal is typed xsd:string; values and order are what must agree."""

    def cell(t: Node | None) -> tuple[str, str]:
        if t is None:
            return ("unbound", "")
        if isinstance(t, URIRef):
            return ("iri", str(t))
        if isinstance(t, BNode):
            return ("bnode", "")
        return ("literal", str(t))

    return Counter(tuple(cell(t) for t in row) for row in rows)


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(reason=RDFLIB_XFAIL[n], strict=True)) if n in RDFLIB_XFAIL else n for n in NAMES],
)
def test_rdflib_engine_gives_the_same_rows(kg, catalogue, reference_store, name: str) -> None:  # type: ignore[no-untyped-def]
    query = catalogue[name]
    ours = query.run(kg.store)
    theirs = query.run(reference_store)
    assert isinstance(ours, SelectResult) and isinstance(theirs, SelectResult)
    assert ours.variables == theirs.variables
    assert _comparable(ours.rows) == _comparable(theirs.rows)


# ----------------------------------------------------------------------------------------------------------
# Each query's answer, checked against the data
# ----------------------------------------------------------------------------------------------------------


def test_continued_into_k2025(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    """PH rows of the 2017 table whose final-table row says Ja, with the K2025 numbers in source order."""
    g = kg.data_graph
    expected = {}
    for t in k2020_tiltak(g):
        fin = final_record(g, t)
        if "PH" in responsible_codes(g, t) and continued(g, fin) is True:
            expected[notation(g, t)] = (responsible_codes(g, t), k2025_refs(g, t), text(g.value(fin, DCTERMS.title)))
    assert expected, "the tables give no PH tiltak that continues"
    rows = run(kg, catalogue, "continued-into-k2025")
    got = {r["nr"]: (set(r["responsible"].split(";")), r["k2025_refs"], r["name"]) for r in rows}
    assert got == expected
    assert len(rows) == len(got)
    assert [r["nr"] for r in rows] == sorted(got, key=num_key)


def _not_continued_expected(g: Graph, division: str) -> dict[str, str]:
    expected = {}
    for t in k2020_tiltak(g):
        fin = final_record(g, t)
        if fin is None or division not in responsible_codes(g, t):
            continue
        if any(continued(g, final_record(g, s)) is True for s in siblings(g, t)):
            continue
        expected[notation(g, t)] = yes_no(continued(g, fin))
    return expected


@pytest.mark.parametrize("division", ["PH", "KP"])
def test_not_continued(kg, catalogue, division: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = _not_continued_expected(g, division)
    rows = run(kg, catalogue, "not-continued", division=division)
    assert {r["nr"]: r["continued_k2025"] for r in rows} == expected
    assert len(rows) == len(expected)
    assert all(r["division"] == division for r in rows)


def test_not_continued_and_continued_do_not_overlap(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    yes = {r["nr"] for r in run(kg, catalogue, "continued-into-k2025")}
    no = {r["nr"] for r in run(kg, catalogue, "not-continued")}
    assert yes and no and not yes & no


def test_k2025_receiving_several(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    sources: dict[Node, set[Node]] = defaultdict(set)
    for c in g.subjects(RDF.type, K2.Continuation):
        sources[g.value(c, K2.toTiltak)].add(g.value(c, K2.fromTiltak))  # type: ignore[index,arg-type]
    expected = {
        notation(g, k): (
            ";".join(sorted((notation(g, f) for f in froms), key=num_key)),
            str(len(froms)),
            str(len({g.value(f, K2.measure) for f in froms})),
        )
        for k, froms in sources.items()
        if len(froms) > 1
    }
    rows = run(kg, catalogue, "k2025-receiving-several")
    assert {r["k2025_nr"]: (r["k2020_nrs"], r["k2020_count"], r["measure_count"]) for r in rows} == expected
    assert len(rows) == len(expected)


def test_k2020_split(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = {notation(g, t): k2025_refs(g, t) for t in k2020_tiltak(g) if len(continuations(g, t)) > 1}
    rows = run(kg, catalogue, "k2020-split")
    assert {r["nr"]: r["k2025_refs"] for r in rows} == expected
    assert all(int(r["k2025_count"]) == len(r["k2025_refs"].split(";")) for r in rows)


@pytest.mark.parametrize("number", ["1.10", "3.7", "2.8"])
def test_k2025_sources(kg, catalogue, number: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    (target,) = [t for t in k2025_tiltak(g) if notation(g, t) == number]
    expected = set()
    for c in g.subjects(K2.toTiltak, target):
        for loc in g.objects(c, DCTERMS.source):
            expected.add(
                (
                    notation(g, g.value(c, K2.fromTiltak)),
                    text(g.value(c, K2.position)),  # type: ignore[arg-type]
                    text(g.value(loc, K2.lineStart)),
                    text(g.value(loc, K2.lineEnd)),
                )
            )
    rows = run(kg, catalogue, "k2025-sources", k2025=number)
    assert set(column(rows, "nr", "position", "line_start", "line_end")) == expected
    assert len(rows) == len(expected)
    assert all(r["k2025_tiltak"] == str(target) for r in rows)


@pytest.mark.parametrize("year", ["2019", "2016", "2030"])
def test_ended_before(kg, catalogue, year: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = {}
    for t in k2020_tiltak(g):
        end = g.value(final_record(g, t), K2.end) if final_record(g, t) is not None else None
        if end is not None and int(str(end)[:4]) < int(year):
            expected[notation(g, t)] = str(end)
    rows = run(kg, catalogue, "ended-before", year=year)
    assert {r["nr"]: r["end"] for r in rows} == expected
    ends = [r["end"] for r in rows]
    assert ends == sorted(ends)


def test_never_started(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    never = CONCEPT["status-ikke-mottatt-fra-hod"]
    expected = {}
    for t in k2020_tiltak(g):
        fin = final_record(g, t)
        if fin is None:
            continue
        starts = [g.value(final_record(g, s), K2.start) for s in siblings(g, t) if final_record(g, s) is not None]
        if any(s is not None for s in starts):
            continue
        expected[notation(g, t)] = "true" if (fin, K2.status, never) in g else "false"
    rows = run(kg, catalogue, "never-started")
    assert {r["nr"]: r["never_started"] for r in rows} == expected
    assert len(rows) == len(expected)
    # every row that the final table marks "Ikke mottatt fra HOD" is there, as never started
    marked = {notation(g, g.value(r, K2.recordOf)) for r in g.subjects(K2.status, never) if SRC[FINAL] in documents(g, r)}  # type: ignore[arg-type]
    assert marked and all(expected.get(n) == "true" for n in marked)


def test_started_before_k2020(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    from rdflib.namespace import XSD  # not at module level: pytest's collection trips over the closed namespace

    g = kg.data_graph
    expected = {}
    for t in k2020_tiltak(g):
        fin = final_record(g, t)
        start = g.value(fin, K2.start) if fin is not None else None
        if start is not None and int(str(start)[:4]) < 2015:
            expected[notation(g, t)] = (str(start), "true" if start.datatype == XSD.gYear else "false")  # type: ignore[union-attr]
    rows = run(kg, catalogue, "started-before-k2020")
    assert {r["nr"]: (r["start"], r["start_is_year"]) for r in rows} == expected
    non_years = [s for s in g.objects(None, K2.start) if isinstance(s, Literal) and s.datatype != XSD.gYear]
    if non_years:  # a start such as "1990-tallet" is in the answer, marked as not a year
        assert any(r["start_is_year"] == "false" for r in rows)


def test_count_per_strategy(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = {}
    for s in g.subjects(K2.inPlan, PLAN.k2020):
        if (s, RDF.type, K2.Strategy) not in g:
            continue
        numbers = [t for t in g.subjects(K2.strategy, s) if (t, K2.inPlan, PLAN.k2020) in g]
        if numbers:
            expected[notation(g, s)] = (
                str(len(numbers)),
                str(len({g.value(t, K2.measure) for t in numbers})),
                str(sum(1 for t in numbers if g.value(t, K2.crossListedWith) is not None)),
                nb(g, s),
            )
    rows = run(kg, catalogue, "count-per-strategy")
    got = {r["strategy_nr"]: (r["tiltak_numbers"], r["measures"], r["cross_listed_numbers"], r["strategy_name"]) for r in rows}
    assert got == expected
    assert len(expected) == 6
    # the numbers add up to the plan; the measures don't, because cross-listed ones count twice
    assert sum(int(v[0]) for v in got.values()) == len(k2020_tiltak(g))
    all_measures = {g.value(t, K2.measure) for t in k2020_tiltak(g)}
    assert sum(int(v[1]) for v in got.values()) > len(all_measures)


def test_count_per_responsible(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    per_actor: dict[Node, set[Node]] = defaultdict(set)
    for t in k2020_tiltak(g):
        for r in records(g, t, EARLY):
            for a in g.objects(r, K2.responsible):
                per_actor[a].add(t)
    expected = {
        str(a): (
            notation(g, a),
            str(len(ts)),
            str(len({g.value(t, K2.measure) for t in ts})),
            ";".join(sorted((notation(g, t) for t in ts), key=num_key)),
        )
        for a, ts in per_actor.items()
    }
    rows = run(kg, catalogue, "count-per-responsible")
    assert {r["actor"]: (r["code"], r["tiltak_numbers"], r["measures"], r["numbers"]) for r in rows} == expected
    counts = [int(r["tiltak_numbers"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_cross_listed(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = set()
    for t in k2020_tiltak(g):
        for other in siblings(g, t):
            a, b = notation(g, t), notation(g, other)
            if g.value(t, K2.strategy) != g.value(other, K2.strategy) and num_key(a)[0] < num_key(b)[0]:
                expected.add((a, b))
                # the data contract: both numbers are k2:crossListedWith each other
                assert (t, K2.crossListedWith, other) in g and (other, K2.crossListedWith, t) in g
    rows = run(kg, catalogue, "cross-listed")
    assert set(column(rows, "nr", "other_nr")) == expected
    assert len(rows) == len(expected) >= 6


@pytest.mark.parametrize("grantor", ["Hdir", "helsedir", "FM", "SF", "hod"])
def test_flows_by_grantor(kg, catalogue, grantor: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    chosen = [f for f in flows(g) if any(actor_matches(g, a, grantor) for a in g.objects(f, K2.grantor))]
    rows = run(kg, catalogue, "flows-by-grantor", grantor=grantor)
    assert set(column(rows, "flow", "source")) == flow_rows(g, chosen)
    assert len(rows) == len(flow_rows(g, chosen))
    assert rows, f"no flows from {grantor}"


@pytest.mark.parametrize("recipient", ["KS", "kommuner", "UiB"])
def test_flows_by_recipient(kg, catalogue, recipient: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    chosen = [f for f in flows(g) if any(actor_matches(g, a, recipient) for a in g.objects(f, K2.recipient))]
    rows = run(kg, catalogue, "flows-by-recipient", recipient=recipient)
    assert set(column(rows, "flow", "source")) == flow_rows(g, chosen)
    assert len(rows) == len(flow_rows(g, chosen))
    assert rows


def test_grants_to_kommuner(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    chosen = [f for f in flows(g) if any(r == ACTOR.kommuner or slug(r).endswith("-kommune") for r in g.objects(f, K2.recipient))]
    rows = run(kg, catalogue, "grants-to-kommuner")
    assert set(column(rows, "flow", "source")) == flow_rows(g, chosen)
    assert len(rows) == len(flow_rows(g, chosen))
    assert not any("fylkeskommun" in r["recipient_actor"] for r in rows)


def test_grants_administered_by_statsforvalteren(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    sf = ACTOR.statsforvalteren
    orgs = {sf} | {
        g.value(e, ORG.originalOrganization)
        for e in g.subjects(ORG.resultingOrganization, sf)
        if (e, RDF.type, ORG.ChangeEvent) in g
    }
    grantors = orgs | {a for o in orgs for p in (ORG.unitOf, ORG.subOrganizationOf) for a in g.subjects(p, o)}
    chosen = [f for f in flows(g) if set(g.objects(f, K2.grantor)) & grantors]
    rows = run(kg, catalogue, "grants-administered-by-statsforvalteren")
    assert set(column(rows, "flow", "source")) == flow_rows(g, chosen)
    assert len(rows) == len(flow_rows(g, chosen))
    for r in rows:
        assert r["document"] == text(g.value(URIRef(r["source"]), DCTERMS.isPartOf))
    # the change event is followed: flows of both names are there where the data has both
    named = {r["grantor_actor"] for r in rows}
    for org in orgs:
        if any((f, K2.grantor, org) in g for f in flows(g)):
            assert str(org) in named


def _scheme_uses(g: Graph, scheme: Node) -> set[tuple[str, str, str]]:
    """(K2020 number, how, via) for every statement that ties a tiltak to the scheme."""
    out = set()
    for via in g.subjects(K2.usesScheme, scheme):
        tiltak = g.value(via, K2.recordOf)
        if tiltak is not None:
            out.add((notation(g, tiltak), "record", str(via)))
        elif (via, RDF.type, K2.Tiltak) in g:
            out.add((notation(g, via), "tiltak", str(via)))
    for via in g.subjects(K2.viaScheme, scheme):
        for tiltak in g.objects(via, K2.forTiltak):
            out.add((notation(g, tiltak), "flow", str(via)))
    for via in g.subjects(K2.about, scheme):
        for tiltak in g.objects(via, K2.forTiltak):
            out.add((notation(g, tiltak), "figure", str(via)))
    return out


@pytest.mark.parametrize(
    "scheme",
    [
        "kommunalt-kompetanse-og-innovasjonstilskudd",
        str(SCHEME["kommunalt-kompetanse-og-innovasjonstilskudd"]),
        "helsestasjons-og-skolehelsetjenesten",
    ],
)
def test_tiltak_using_scheme(kg, catalogue, scheme: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = _scheme_uses(g, SCHEME[scheme.rsplit("/", 1)[-1]])
    rows = run(kg, catalogue, "tiltak-using-scheme", scheme=scheme)
    assert set(column(rows, "nr", "how", "via")) == expected
    assert expected, f"nothing uses {scheme}"


def test_grant_figures_by_year(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = {
        str(f): (text(g.value(f, K2.year)), str(g.value(f, K2.value)))
        for f in g.subjects(K2.unit, CONCEPT["unit-nok"])
        if (f, RDF.type, K2.Figure) in g
    }
    rows = run(kg, catalogue, "grant-figures-by-year")
    assert {r["figure"]: (r["year"], r["value"]) for r in rows} == expected
    assert len(rows) == len(expected)
    years = [r["year"] for r in rows]
    dated = [y for y in years if y]
    assert dated == sorted(dated) and years == dated + [""] * (len(years) - len(dated))


def _table_disagreements(g: Graph) -> set[tuple[str, str, frozenset[str], frozenset[str]]]:
    out = set()
    for t in k2020_tiltak(g):
        nr = notation(g, t)
        early, late = records(g, t, EARLY), records(g, t, FINAL)
        if bool(early) != bool(late):
            out.add((nr, "row", frozenset([nr] if early else []), frozenset([nr] if late else [])))
        if not (early and late):
            continue
        for aspect, prop, need_both in (
            ("type", K2.tiltakType, True),
            ("cross-listing", K2.referencesTiltak, False),
            ("scheme", K2.usesScheme, True),
        ):
            v0 = {o for r in early for o in g.objects(r, prop)}
            v1 = {o for r in late for o in g.objects(r, prop)}
            if (v0 and v1 or not need_both) and v0 != v1:
                out.add((nr, aspect, frozenset(map(slug, v0)), frozenset(map(slug, v1))))
        for aspect, role in (("grantor", K2.grantor), ("recipient", K2.recipient)):
            a0 = {a for r in early for f in g.subjects(PROV.wasDerivedFrom, r) for a in g.objects(f, role)}
            a1 = {a for r in late for f in g.subjects(PROV.wasDerivedFrom, r) for a in g.objects(f, role)}
            if a0 and a1 and {latest(g, a) for a in a0} != {latest(g, a) for a in a1}:
                out.add((nr, aspect, frozenset(map(slug, a0)), frozenset(map(slug, a1))))
    return out


def test_table_disagreements(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = _table_disagreements(g)
    rows = run(kg, catalogue, "table-disagreements")

    def as_set(cell: str) -> frozenset[str]:
        return frozenset(v for v in cell.split(";") if v)

    got = {(r["nr"], r["aspect"], as_set(r["in_2017"]), as_set(r["in_final"])) for r in rows}
    assert got == expected
    assert len(rows) == len(expected)
    # Fylkesmannen in 2017 and Statsforvalteren in the final table is no disagreement
    assert not any(a == "grantor" and s0 == {"fylkesmannen"} and s1 == {"statsforvalteren"} for _, a, s0, s1 in got)


@pytest.mark.parametrize(
    ("type_key", "concept"),
    [
        ("tilskudd", "tiltakstype-tilskudd"),
        ("Utredning", "tiltakstype-utredning"),
        ("tiltakstype-anskaffelse", "tiltakstype-anskaffelse"),
    ],
)
def test_tiltak_by_type(kg, catalogue, type_key: str, concept: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = {}
    for t in k2020_tiltak(g):
        flags = tuple(any((r, K2.tiltakType, CONCEPT[concept]) in g for r in records(g, t, doc)) for doc in (EARLY, FINAL))
        if any(flags):
            expected[notation(g, t)] = tuple("true" if f else "false" for f in flags)
    rows = run(kg, catalogue, "tiltak-by-type", type=type_key)
    assert {r["nr"]: (r["in_2017"], r["in_final"]) for r in rows} == expected
    assert len(rows) == len(expected) > 0


@pytest.mark.parametrize("actor", ["KS", "PH", "Hdir", "SF"])
def test_tiltak_of_actor(kg, catalogue, actor: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    roles = involvement_roles(kg)
    everyone = set(g.subjects()) | {o for o in g.objects() if isinstance(o, URIRef)}
    matched = {a for a in everyone if isinstance(a, URIRef) and actor_matches(g, a, actor)}
    agents = matched | {u for m in matched for u in g.subjects(ORG.unitOf, m)}
    expected = set()
    for t in k2020_tiltak(g):
        vias = list(g.subjects(K2.recordOf, t)) + list(g.subjects(K2.forTiltak, t))
        vias += [s for r in g.subjects(K2.recordOf, t) for s in g.objects(r, K2.usesScheme)]
        for via in vias:
            for role in roles:
                for agent in g.objects(via, role):
                    if agent in agents:
                        expected.add((notation(g, t), str(role), str(agent), str(via)))
    rows = run(kg, catalogue, "tiltak-of-actor", actor=actor)
    assert set(column(rows, "nr", "role", "agent", "via")) == expected
    assert expected


@pytest.mark.parametrize("number", ["3.14", "1.1"])
def test_sources_of_tiltak(kg, catalogue, number: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    (t,) = [x for x in k2020_tiltak(g) if notation(g, x) == number]
    subjects = {t}
    for p in (K2.recordOf, K2.forTiltak, K2.fromTiltak, K2.about):
        subjects |= set(g.subjects(p, t))
    expected = set()
    for s in subjects:
        locs = [loc for loc in g.objects(s, DCTERMS.source) if g.value(loc, DCTERMS.isPartOf) is not None]
        for p, o in g.predicate_objects(s):
            if p != DCTERMS.source:
                expected |= {(str(s), str(p), str(o), str(loc)) for loc in locs}
    rows = run(kg, catalogue, "sources-of-tiltak", nr=number)
    assert set(column(rows, "subject", "property", "value", "source")) == expected
    assert len(rows) == len(expected)
    # both tables' rows are among the subjects
    assert {r["document"] for r in rows} >= {str(SRC[EARLY]), str(SRC[FINAL])}


def test_status_overview(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    numbers: dict[tuple[str, str], set[Node]] = defaultdict(set)
    for r in g.subjects(RDF.type, K2.TiltakRecord):
        t = g.value(r, K2.recordOf)
        statuses = [str(s) for s in g.objects(r, K2.status)] or [""]
        for doc in documents(g, r):
            for s in statuses:
                numbers[(str(doc), s)].add(t)  # type: ignore[arg-type]
    expected = {k: (str(len(ts)), str(len({g.value(t, K2.measure) for t in ts}))) for k, ts in numbers.items()}
    rows = run(kg, catalogue, "status-overview")
    assert {(r["document"], r["status"]): (r["tiltak_numbers"], r["measures"]) for r in rows} == expected


def _oddities(g: Graph) -> set[tuple[str, str]]:
    out = set()
    for t in k2020_tiltak(g):
        fin = final_record(g, t)
        if fin is None:
            continue
        nr, answer = notation(g, t), continued(g, fin)
        status = g.value(fin, K2.status)
        has_refs = bool(continuations(g, t))
        if answer is True and g.value(fin, K2.end) is not None:
            out.add((nr, "continued-although-ended"))
        if answer is True and status == CONCEPT["status-avsluttet"]:
            out.add((nr, "continued-but-status-ended"))
        if answer is True and not has_refs:
            out.add((nr, "continued-without-k2025-number"))
        if answer is False and has_refs:
            out.add((nr, "k2025-number-but-not-continued"))
        if answer is None and has_refs:
            out.add((nr, "k2025-number-without-answer"))
        if answer is False and status == CONCEPT["status-pagaende"]:
            out.add((nr, "not-continued-but-running"))
        for partner in g.objects(t, K2.crossListedWith):
            other = continued(g, final_record(g, partner))
            if answer is not None and other is not None and answer != other:
                out.add((nr, "cross-listed-numbers-disagree"))
    return out


def test_continuation_oddities(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    rows = run(kg, catalogue, "continuation-oddities")
    assert set(column(rows, "nr", "issue")) == _oddities(g)
    assert len(rows) == len(_oddities(g))


def test_k2025_by_strategic_area(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = set()
    for t in k2025_tiltak(g):
        froms = sorted((notation(g, c) for c in (g.value(x, K2.fromTiltak) for x in g.subjects(K2.toTiltak, t))), key=num_key)
        for prop, inferred in ((K2.strategy, "false"), (K2.inferredStrategy, "true")):
            for area in g.objects(t, prop):
                expected.add((notation(g, t), str(area), inferred, ";".join(dict.fromkeys(froms))))
    rows = run(kg, catalogue, "k2025-by-strategic-area")
    assert set(column(rows, "nr", "area", "inferred", "k2020_nrs")) == expected
    assert len(rows) == len(expected)
    # the area is the one the number's first digit names
    for r in rows:
        assert r["area"] == str(STRATEGY[f"k2025-{r['nr'].split('.')[0]}"])


@pytest.mark.parametrize("strategy", ["3", "6"])
def test_tiltak_of_strategy(kg, catalogue, strategy: str) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = {}
    for t in g.subjects(K2.strategy, STRATEGY[f"k2020-{strategy}"]):
        fin = final_record(g, t)
        expected[notation(g, t)] = (
            yes_no(continued(g, fin)),
            k2025_refs(g, t),
            ";".join(sorted((notation(g, o) for o in g.objects(t, K2.crossListedWith)), key=num_key)),
        )
    rows = run(kg, catalogue, "tiltak-of-strategy", strategy=strategy)
    assert {r["nr"]: (r["continued_k2025"], r["k2025_refs"], r["cross_listed_with"]) for r in rows} == expected
    assert len(rows) == len(expected) > 0
    assert [r["nr"] for r in rows] == sorted(expected, key=num_key)


def test_grant_schemes(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = {}
    for s in g.subjects(RDF.type, K2.GrantScheme):
        admins = ";".join(sorted(slug(a) for a in g.objects(s, K2.administrator)))
        numbers = ";".join(sorted({nr for nr, _, _ in _scheme_uses(g, s)}, key=num_key))
        expected[str(s)] = (admins, numbers, text(g.value(s, DCTERMS.isReplacedBy)))
    rows = run(kg, catalogue, "grant-schemes")
    assert {r["scheme"]: (r["administrators"], r["tiltak_numbers"], r["replaced_by"]) for r in rows} == expected
    assert len(rows) == len(expected)


def test_actors(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    roles = involvement_roles(kg)
    kinds = {ORG.FormalOrganization: "organisation", ORG.OrganizationalUnit: "unit", K2.ActorGroup: "group"}
    expected = Counter()
    for cls, kind in kinds.items():
        for a in g.subjects(RDF.type, cls):
            codes = sorted(str(n) for n in g.objects(a, SKOS.notation))
            tiltak = set()
            for role in roles:
                for via in g.subjects(role, a):
                    tiltak |= set(g.objects(via, K2.recordOf)) | set(g.objects(via, K2.forTiltak))
            expected[(str(a), kind, codes[0] if codes else "", str(len(tiltak)) if tiltak else "")] += 1
    rows = run(kg, catalogue, "actors")
    assert Counter(column(rows, "actor", "kind", "code", "tiltak_count")) == expected
    # every actor code the flow and actor queries accept is listed
    assert {"PH", "KP", "SP", "FL", "HOD", "KS", "FM", "SF"} <= {r["code"] for r in rows}


def test_tiltak_table(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = {}
    for t in k2020_tiltak(g):
        fin = final_record(g, t)
        expected[notation(g, t)] = (
            str(g.value(t, K2.strategy)).rsplit("-", 1)[-1],
            text(g.value(fin, DCTERMS.title)) if fin is not None else "",
            yes_no(continued(g, fin)),
            k2025_refs(g, t),
            ";".join(sorted(responsible_codes(g, t))),
        )
    rows = run(kg, catalogue, "tiltak-table")
    got = {r["nr"]: (r["strategy"], r["name"], r["continued_k2025"], r["k2025_refs"], r["responsible"]) for r in rows}
    assert got == expected
    assert len(rows) == len(expected)


# ----------------------------------------------------------------------------------------------------------
# Issue 8, item 9: a parameter is checked by its declared type and length, in ASCII, before anything runs
# ----------------------------------------------------------------------------------------------------------


def _param(kind: str) -> Parameter:
    return Parameter("p", kind, None, {"nb": "", "en": ""})


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("integer", "3", 3),
        ("integer", "-3", -3),
        ("integer", "+3", 3),
        ("integer", "999999999999999999", 999_999_999_999_999_999),  # 18 digits
        ("year", "2019", 2019),
        ("year", "-0044", -44),
    ],
)
def test_numbers_in_ascii_digits_are_bound(kind: str, value: str, expected: int) -> None:
    term = _param(kind).bind(value)
    assert isinstance(term, Literal) and term.toPython() == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("integer", "1" * 5000),  # int() raises past 4300 digits
        ("year", "1" * 5000),
        ("integer", "٣"),  # ARABIC-INDIC DIGIT THREE
        ("integer", "３"),  # FULLWIDTH DIGIT THREE
        ("year", "٢٠١٩"),
        ("integer", "1" * 19),
        ("integer", "1_000"),  # int() takes underscores
        ("integer", " 3"),
        ("integer", ""),
        ("year", "20190"),
        ("year", "19"),
        ("string", "x" * 201),
        ("code", "P" * 33),
        ("iri", "https://example.org/" + "x" * 2000),
    ],
)
def test_ill_typed_or_too_long_values_are_refused_naming_the_parameter(kind: str, value: str) -> None:
    with pytest.raises(QueryError) as caught:
        _param(kind).bind(value)
    message = str(caught.value)
    assert "'p'" in message and "parameteret" in message  # the parameter, in English and bokmål
    assert "\n" not in message and len(message) < 400


def test_the_longest_string_still_binds() -> None:
    assert str(_param("string").bind("x" * 200)) == "x" * 200
