"""The derived direct layer (rules/*.rq, k2020graph/derive.py).

The expected values are computed here again in plain Python from the records with rdflib ("the newest
source that states the property wins; an older one's where the newer is silent"), independently of
the SPARQL rules, and compared with what the rules derived for every tiltak and measure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, XSD

from k2020graph.derive import derive, read_rules
from k2020graph.loading import KnowledgeGraph
from k2020graph.namespaces import ACTOR, CONCEPT, K2, TILTAK
from k2020graph.project import Project
from k2020graph.queries import load_catalogue

ROOT = Path(__file__).resolve().parent.parent

#: Every property of the direct layer on k2:Tiltak and k2:Measure (written out here, not read from the code).
DIRECT = [
    "name", "responsibleActor", "typeOfTiltak", "startedText", "started", "startedEarliest", "startedLatest",
    "endedText", "ended", "tiltakStatus", "continuationStatus", "continuesAs", "grantScheme", "grantFrom",
    "grantTo", "aim", "webPage", "continuesFrom", "assessment", "goalAchievementLevel",
]  # fmt: skip
DIRECT_PROPS = [K2[p] for p in DIRECT]


def _document_year(g: Graph, doc: URIRef) -> int:
    # The date of the text as we have it: its last change, else its issue, else the period it covers.
    for prop in (DCTERMS.modified, DCTERMS.issued):
        dated = g.value(doc, prop)
        if dated is not None:
            return int(str(dated)[:4])
    covered = g.value(doc, DCTERMS.temporal)
    return int(str(covered)[:4]) if covered is not None else 0


def _expected(g: Graph) -> dict[tuple[URIRef, URIRef], set]:
    """(subject, direct property) -> values, by latest-source-wins written out in plain code."""
    # Candidate statements: subject -> property -> list of (year, value)
    cands: dict[URIRef, dict[URIRef, list[tuple[int, object]]]] = defaultdict(lambda: defaultdict(list))

    def subjects(tiltak: URIRef) -> list[URIRef]:
        out = [tiltak]
        measure = g.value(tiltak, K2.measure)
        if measure is not None:
            out.append(measure)
        return out

    def year_of_record(record: URIRef) -> int:
        years = {_document_year(g, g.value(loc, DCTERMS.isPartOf)) for loc in g.objects(record, DCTERMS.source)}
        assert len(years) == 1, record
        return years.pop()

    silent_continuation: dict[URIRef, bool] = defaultdict(bool)
    for record in g.subjects(RDF.type, K2.TiltakRecord):
        tiltak = g.value(record, K2.recordOf)
        year = year_of_record(record)
        for s in subjects(tiltak):
            for src, direct in (
                (DCTERMS.title, K2.name),
                (K2.responsible, K2.responsibleActor),
                (K2.tiltakType, K2.typeOfTiltak),
                (K2.status, K2.tiltakStatus),
                (K2.usesScheme, K2.grantScheme),
                (K2.goal, K2.aim),
                (FOAF.page, K2.webPage),
                (K2.assessmentText, K2.assessment),
                (K2.goalAchievement, K2.goalAchievementLevel),
            ):
                for v in g.objects(record, src):
                    cands[s][direct].append((year, v))
            for v in g.objects(record, K2.start):
                text = str(v)
                cands[s][K2.startedText].append((year, v))
                if v.datatype == XSD.gYear:
                    n = Literal(int(text), datatype=XSD.integer)
                    for p in (K2.started, K2.startedEarliest, K2.startedLatest):
                        cands[s][p].append((year, n))
                elif text.endswith("0-tallet") and text[:4].isdigit():  # a decade: its first and last year
                    cands[s][K2.startedEarliest].append((year, Literal(int(text[:4]), datatype=XSD.integer)))
                    cands[s][K2.startedLatest].append((year, Literal(int(text[:4]) + 9, datatype=XSD.integer)))
            for v in g.objects(record, K2.end):
                cands[s][K2.endedText].append((year, v))
                if v.datatype == XSD.gYear:
                    cands[s][K2.ended].append((year, Literal(int(str(v)), datatype=XSD.integer)))
            for v in g.objects(record, K2.continuedInK2025):
                concept = CONCEPT["continuation-yes"] if v.toPython() is True else CONCEPT["continuation-no"]
                cands[s][K2.continuationStatus].append((year, concept))
            if (record, K2.silentOn, K2.continuedInK2025) in g:
                silent_continuation[s] = True
    for cont in g.subjects(RDF.type, K2.Continuation):
        year = year_of_record(g.value(cont, PROV.wasDerivedFrom))
        for s in subjects(g.value(cont, K2.fromTiltak)):
            cands[s][K2.continuesAs].append((year, g.value(cont, K2.toTiltak)))
        # on the K2025 tiltak (no measure): the K2020 numbers that continue as it
        cands[g.value(cont, K2.toTiltak)][K2.continuesFrom].append((year, g.value(cont, K2.fromTiltak)))
    for flow in g.subjects(RDF.type, K2.FundingFlow):
        record = g.value(flow, PROV.wasDerivedFrom)
        if record is None or (record, RDF.type, K2.TiltakRecord) not in g:
            continue
        year = year_of_record(record)
        for s in subjects(g.value(flow, K2.forTiltak)):
            for src, direct in ((K2.grantor, K2.grantFrom), (K2.recipient, K2.grantTo)):
                for v in g.objects(flow, src):
                    cands[s][direct].append((year, v))
    expected: dict[tuple[URIRef, URIRef], set] = {}
    for s, props in cands.items():
        for p, pairs in props.items():
            newest = max(y for y, _ in pairs)
            expected[(s, p)] = {v for y, v in pairs if y == newest}
    for s, silent in silent_continuation.items():
        if silent and (s, K2.continuationStatus) not in expected:
            expected[(s, K2.continuationStatus)] = {CONCEPT["continuation-not-stated"]}
    return expected


def _actual(g: Graph) -> dict[tuple[URIRef, URIRef], set]:
    actual: dict[tuple[URIRef, URIRef], set] = defaultdict(set)
    for p in DIRECT_PROPS:
        for s, o in g.subject_objects(p):
            actual[(s, p)].add(o)  # type: ignore[index]
    return dict(actual)


def _norm(values: set) -> set:
    """Integers compared by value (a cast may write "2016"^^xsd:integer one way or another)."""
    return {(v.toPython(), v.datatype, v.language) if isinstance(v, Literal) else v for v in values}


def test_every_direct_value_equals_the_independent_computation(kg: KnowledgeGraph) -> None:
    expected = _expected(kg.data_graph)
    actual = _actual(kg.derived_graph)
    assert len(expected) > 500  # 62 tiltak and 55 measures, a dozen properties each
    assert set(actual) == set(expected), sorted(set(actual) ^ set(expected))[:10]
    wrong = [(k, _norm(actual[k]), _norm(expected[k])) for k in expected if _norm(actual[k]) != _norm(expected[k])]
    assert not wrong, wrong[:5]


def test_decisions_on_known_rows(kg: KnowledgeGraph) -> None:
    """Values read off the source tables by hand (seeds 000, 001), not computed."""
    g = kg.derived_graph
    t = TILTAK
    m = URIRef(str(t).replace("/tiltak/", "/measure/"))
    # 3.3 "1990-tallet": a decade, no year invented
    assert g.value(t["k2020-3.3"], K2.started) is None
    assert {int(o) for o in g.objects(t["k2020-3.3"], K2.startedEarliest)} == {1990}
    assert {int(o) for o in g.objects(t["k2020-3.3"], K2.startedLatest)} == {1999}
    assert str(g.value(t["k2020-3.3"], K2.startedText)) == "1990-tallet"
    # 1.4: 2017 says Hdir -> fylkeskommunar, 2021 says Hdir -> SF: the newer wins
    assert set(g.objects(t["k2020-1.4"], K2.grantTo)) == {ACTOR.statsforvalteren}
    # 4.4's own cell is blank; its measure takes 3.14's "Ja"
    assert g.value(t["k2020-4.4"], K2.continuationStatus) == CONCEPT["continuation-not-stated"]
    assert g.value(URIRef(m + "k2020-3.14_4.4"), K2.continuationStatus) == CONCEPT["continuation-yes"]
    # 3.27: "2.8/3.6" and "2.1": three K2025 numbers
    assert {str(o).rsplit("/", 1)[1] for o in g.objects(t["k2020-3.27"], K2.continuesAs)} == {
        "k2025-2.8",
        "k2025-3.6",
        "k2025-2.1",
    }
    # a shared Ansvarleg cell "PH/FL" stays several values; only 2017 has the column
    assert g.value(t["k2020-1.1"], K2.responsibleActor) == ACTOR["hdir-kp"]
    # seed 002 line 883: «Måloppnåelsen for ordningen vurderes som høy»; 3.20 (lines 2797-2798): «svak»
    assert g.value(t["k2020-1.5"], K2.goalAchievementLevel) == CONCEPT["goal-achievement-hoy"]
    assert g.value(t["k2020-3.20"], K2.goalAchievementLevel) == CONCEPT["goal-achievement-svak"]
    assert g.value(t["k2020-2.4"], K2.goalAchievementLevel) is None  # «Oppdraget ligger i HOD.»: no level
    # the assessment of 1.1 (line 689), and a cross-listed twin's measure takes its partner's (4.4 -> 3.14: none)
    assert str(g.value(t["k2020-1.1"], K2.assessment)).startswith("Prosjekt Menn i helse har gitt kjønnsperspektivet")


def test_the_rules_are_the_derived_layer_and_read_no_derived_triple(kg: KnowledgeGraph) -> None:
    rules = read_rules(kg.project.rule_files)
    assert len(rules) >= 14
    base = ox.Store()
    base.bulk_extend([*kg.ontology.all(), *kg.data.all()])
    again = set(derive(base, rules))
    assert again == set(kg.derived)
    # Run over the data *with* the derived layer: nothing changes, so no rule reads another's output.
    base.bulk_extend(kg.derived)
    assert set(derive(base, rules)) == again


def test_no_data_file_states_a_direct_property(kg: KnowledgeGraph) -> None:
    for path, quads in kg.data.quads.items():
        stated = {q.predicate.value for q in quads} & {str(p) for p in DIRECT_PROPS}
        typed = [q for q in quads if q.object.value == str(K2.DirectStatement)]
        assert not stated and not typed, f"{path.name} states the derived layer: {sorted(stated)}"


def test_every_direct_fact_is_traced_to_a_record_and_its_lines(kg: KnowledgeGraph) -> None:
    g = kg.derived_graph
    data = kg.data_graph
    traces: dict[tuple, set] = defaultdict(set)
    for st in g.subjects(RDF.type, K2.DirectStatement):
        props = list(g.objects(st, K2.statementProperty))
        assert len(props) == 1, f"{st}: one property per statement"
        records = [r for r in g.objects(st, PROV.wasDerivedFrom) if (r, RDF.type, K2.TiltakRecord) in data]
        assert len(records) == 1, f"{st} names no record, or several"
        # the statement names where it is said: source locations (document and lines) of its record or via
        locations = list(g.objects(st, DCTERMS.source))
        assert locations and all(data.value(loc, K2.lineStart) is not None for loc in locations), st
        said = {loc for r in g.objects(st, PROV.wasDerivedFrom) for loc in data.objects(r, DCTERMS.source)}
        assert set(locations) <= said, st
        subjects = list(g.objects(st, K2.statementSubject))
        assert subjects, f"{st} names no subject"
        for s in subjects:
            for v in g.objects(st, K2.statementValue):
                traces[(s, props[0], v)].update(records)
    untraced = [(s, p, o) for p in DIRECT_PROPS for s, o in g.subject_objects(p) if not traces.get((s, p, o))]
    assert not untraced, untraced[:5]
    # and no statement claims a value the subject does not have
    claimed = [(s, p, v) for (s, p, v) in traces if (s, p, v) not in g]
    assert not claimed, claimed[:5]
    assert all(str(st).startswith("https://") for st in g.subjects(RDF.type, K2.DirectStatement))


def test_one_statement_serves_a_tiltak_and_its_measure(kg: KnowledgeGraph) -> None:
    """The record row's statement is said once, for every subject it is the winning statement for."""
    g = kg.derived_graph
    st = next(g.subjects(K2.statementValue, Literal("Demensomsorgens ABC", lang="nb")))
    tiltak = TILTAK["k2020-3.2"]
    measure = URIRef(str(tiltak).replace("/tiltak/", "/measure/"))
    record = URIRef(str(tiltak).replace("/tiltak/k2020-", "/record/seed001-k2020-"))
    assert set(g.objects(st, K2.statementSubject)) == {tiltak, measure}
    assert set(g.objects(st, PROV.wasDerivedFrom)) == {record}


def test_three_patterns_answer_the_headline_question(kg: KnowledgeGraph) -> None:
    """Which PH tiltak continue into K2025, and as which K2025 numbers: the same as the canned query."""
    direct = kg.store.query(
        """PREFIX k2: <https://w3id.org/k2020graph/def#>
        SELECT ?tiltak ?k2025 WHERE {
          ?tiltak k2:responsibleActor <https://w3id.org/k2020graph/id/actor/hdir-ph> ;
                  k2:continuationStatus <https://w3id.org/k2020graph/id/concept/continuation-yes> ;
                  k2:continuesAs ?k2025 .
        }"""
    )
    # The same properties sit on measures too: the tiltak rows are the table's view, the measure rows
    # the merged one (a twin shows under its measure once).
    rows = direct.rows  # type: ignore[union-attr]
    got = {(str(t), str(k).rsplit("/k2025-", 1)[1]) for t, k in rows if "/tiltak/" in str(t)}
    assert any("/measure/" in str(t) for t, _ in rows)
    canned = load_catalogue(kg.project.query_files)["continued-into-k2025"]
    result = canned.run(kg.store, {"division": "PH"})
    want = {(str(row["tiltak"]), ref) for row in result.dicts() for ref in str(row["k2025_refs"]).split(";")}  # type: ignore[union-attr]
    assert len(want) >= 16
    assert got == want


def test_kinds_of_actors(kg: KnowledgeGraph) -> None:
    g = kg.derived_graph
    kinds = {s: set(g.objects(s, ORG.classification)) for s in g.subjects(ORG.classification)}
    assert kinds[ACTOR["bergen-kommune"]] == {CONCEPT["actor-kind-kommune"]}
    assert kinds[ACTOR["hdir-ph"]] == {CONCEPT["actor-kind-divisjon"]}
    assert kinds[ACTOR["hod"]] == {CONCEPT["actor-kind-departement"]}
    assert kinds[ACTOR["nord-trondelag-fylkeskommune"]] == {CONCEPT["actor-kind-fylkeskommune"]}
    assert kinds[ACTOR["statsforvalteren-oslo-viken"]] == {CONCEPT["actor-kind-statsforvalteren"]}
    # no kind where the name does not make it certain
    for uncertain in ("ks", "bydel-vestre-aker", "kommuner", "hunt-forskningssenter", "fhi"):
        assert ACTOR[uncertain] not in kinds


def _copy_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for part in ("ontology", "data", "shapes", "queries", "rules"):
        shutil.copytree(ROOT / part, root / part)
    return root


def test_editing_a_record_changes_the_direct_fact(tmp_path: Path) -> None:
    root = _copy_root(tmp_path)
    records = root / "data" / "turtle" / "records-seed-001.ttl"
    text = records.read_text(encoding="utf-8")
    old = (
        'dct:title "Rekruttering: Menn i helse"@nb ;\n    k2:typeText "Tilskudd fra Hdir til KS"@nb ;\n'
        '    k2:tiltakType concept:tiltakstype-tilskudd ;\n    k2:start "2014"^^xsd:gYear ;'
    )
    assert old in text
    records.write_text(text.replace(old, old.replace('"2014"', '"2015"')), encoding="utf-8")
    kg = KnowledgeGraph.load(Project.at(root))
    assert {int(o) for o in kg.derived_graph.objects(TILTAK["k2020-1.1"], K2.started)} == {2015}
    # The newest source wins: seed 003 (2023) names 1.1 "Menn i helse"; remove it and seed 001's name shows.
    seed3 = root / "data" / "turtle" / "seed-003.ttl"
    seed3.write_text(seed3.read_text(encoding="utf-8").replace('dct:title "Menn i helse"@nb ;\n', ""), encoding="utf-8")
    kg = KnowledgeGraph.load(Project.at(root))
    assert {str(o) for o in kg.derived_graph.objects(TILTAK["k2020-1.1"], K2.name)} == {"Rekruttering: Menn i helse"}


def test_export_no_derived_leaves_the_layer_out(tmp_path: Path) -> None:
    out, out_all = tmp_path / "base.nt", tmp_path / "all.nt"
    cmd = [sys.executable, "-m", "k2020graph", "export", "--root", str(ROOT), "--format", "ntriples"]
    subprocess.run([*cmd, "--no-derived", "-o", str(out)], check=True, cwd=ROOT)
    subprocess.run([*cmd, "-o", str(out_all)], check=True, cwd=ROOT)
    base = out.read_text(encoding="utf-8")
    full = out_all.read_text(encoding="utf-8")

    def derived_lines(text: str) -> int:  # the property as a predicate, a statement as a type (not the ontology's terms)
        rows = [line.split(" ", 2) for line in text.splitlines()]
        return sum(
            1
            for r in rows
            if r[1] == f"<{K2.continuationStatus}>" or (r[1] == f"<{RDF.type}>" and r[2] == f"<{K2.DirectStatement}> .")
        )

    assert derived_lines(base) == 0
    assert derived_lines(full) > 100
    assert len(base.splitlines()) < len(full.splitlines())
    bad = subprocess.run([*cmd[:-2], "--table", "tiltak", "--no-derived"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "--no-derived" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("rule", sorted((ROOT / "rules").glob("*.rq")), ids=lambda p: p.stem)
def test_every_rule_has_a_header(rule: Path) -> None:
    r = read_rules([rule])[0]
    assert r.title.get("nb") and r.title.get("en") and r.derives and r.source and r.description


def test_a_statement_rule_without_its_columns_is_refused(tmp_path: Path) -> None:
    from k2020graph.errors import InputError

    bad = tmp_path / "bad.rq"
    bad.write_text(
        "#+ title@en: Bad\n#+ derives: k2:name\nPREFIX k2: <https://w3id.org/k2020graph/def#>\n"
        "SELECT ?tiltak ?record ?title WHERE { ?record k2:recordOf ?tiltak }\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="k2:name") as info:
        read_rules([bad])
    assert "bad.rq" in str(info.value.path)
    order = tmp_path / "order.rq"
    order.write_text(
        "#+ title@en: Order\n#+ derives: k2:name\nPREFIX k2: <https://w3id.org/k2020graph/def#>\n"
        "SELECT ?name ?tiltak ?record WHERE { ?record k2:recordOf ?tiltak ; <http://purl.org/dc/terms/title> ?name }\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"\?tiltak \?record"):
        derive(ox.Store(), read_rules([order]))


def test_k2025_tiltak_get_only_what_the_sources_state(kg: KnowledgeGraph) -> None:
    """A K2025 tiltak is known only as a number the final table refers to: no name, strategy or year is derived."""
    g = kg.derived_graph
    data = kg.data_graph
    k2025 = [t for t in data.subjects(K2.inPlan, URIRef(str(TILTAK).replace("/tiltak/", "/plan/") + "k2025"))]
    assert len(k2025) >= 20
    for t in k2025:
        derived = {p for p in g.predicates(t, None)}
        assert derived <= {K2.continuesFrom}, (t, derived)
        sources = {data.value(c, K2.fromTiltak) for c in data.subjects(K2.toTiltak, t)}
        assert set(g.objects(t, K2.continuesFrom)) == sources
        assert (t, K2.strategy, None) not in kg.full_graph  # only k2:inferredStrategy, in the data


def test_under_another_base_the_layer_and_its_trace_follow_the_base(kg: KnowledgeGraph) -> None:
    other = "https://example.org/k2020/"
    rebased = KnowledgeGraph.load(kg.project, base=other)
    assert len(rebased.derived) == len(kg.derived)
    assert not [q for q in rebased.derived if "w3id.org/k2020graph" in str(q)]
    name = ox.NamedNode(other + "def#name")
    assert any(q.predicate == name for q in rebased.derived)
    assert any(q.subject.value.startswith(other + "id/statement/") for q in rebased.derived)
