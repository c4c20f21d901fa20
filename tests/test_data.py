"""The repository's data: it validates, and it covers both source tables (derived from the seed files)."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from k2020graph.namespaces import K2, PLAN, RECORD, STRATEGY, TILTAK

NBSP = "\u00a0"
NUMBER = re.compile(r"^[1-6]\.\d{1,2}$")


def test_data_files_were_collected(project) -> None:  # type: ignore[no-untyped-def]
    assert len(project.data_files) >= 8


def test_the_whole_graph_conforms(repository_report) -> None:  # type: ignore[no-untyped-def]
    report = repository_report  # the data with its derived layer, validated once per session (tests/conftest.py)
    violations = [f"{r.focus} {r.source_shape}: {r.message('en')}" for r in report.results if r.severity == "Violation"]
    assert report.conforms, "\n".join(violations[:30])


def final_table_rows(seeds: Path) -> list[tuple[str, int]]:
    """(K2020 number, line) of every row of seed 001's Tabell 1, read from the paragraphs.

    A row starts with its number, then the reference cell (a number, a bracketed number or empty), then
    a name that is neither a number nor empty. K2025 references look like numbers too, but are never
    followed by that pattern.
    """
    lines = (seeds / "001_85afa97b513bbd00.txt").read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Tabell 1: Tiltaksportefølje i planperioden"))
    paras = [(i + 1, line) for i, line in enumerate(lines) if i > start and line.strip(" ")]

    def empty_or_ref(text: str) -> bool:
        return text.strip() in ("", NBSP) or text == NBSP or bool(re.fullmatch(r"\(?[1-6]\.\d{1,2}\)?", text.strip()))

    def is_name(text: str) -> bool:
        t = text.strip()
        return bool(t) and t != NBSP and not re.fullmatch(r"[\d./()\s-]+", t)

    rows = []
    for k in range(len(paras) - 2):
        (line, text), (_, ref), (_, name) = paras[k], paras[k + 1], paras[k + 2]
        if NUMBER.match(text.strip()) and empty_or_ref(ref) and is_name(name):
            rows.append((text.strip(), line))
    return rows


def overview_2017_numbers(seeds: Path) -> set[str]:
    """K2020 numbers that open a row of seed 000's chapter 5 table where the OCR kept them legible."""
    lines = (seeds / "000_39e83a8743c44998.txt").read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if "Oversikt over alle tiltak i Kompetanse" in line)
    found = set()
    for line in lines[start:]:
        m = re.match(r"^\s*([1-6]\.\d{1,2}) (?:[A-ZÆØÅ]|[a-zæøå]+ )", line)
        if m:
            found.add(m.group(1))
    return found


def test_every_row_of_the_final_table_is_in_the_graph(kg, seeds) -> None:  # type: ignore[no-untyped-def]
    rows = final_table_rows(seeds)
    assert len(rows) >= 55, f"the seed parser found only {len(rows)} rows"
    g = kg.data_graph
    for number, _line in rows:
        tiltak = TILTAK[f"k2020-{number}"]
        assert (tiltak, RDF.type, K2.Tiltak) in g, f"K2020 {number} is missing"
        assert (tiltak, K2.inPlan, PLAN.k2020) in g
        assert (tiltak, K2.strategy, STRATEGY[f"k2020-{number.split('.')[0]}"]) in g, f"K2020 {number} lacks its strategy"
        assert (RECORD[f"seed001-k2020-{number}"], K2.recordOf, tiltak) in g, f"no seed-001 record of {number}"
    # and nothing beyond the table: every K2020 tiltak in the graph is a row of the table
    in_graph = {
        str(n) for t in g.subjects(K2.inPlan, PLAN.k2020) for n in g.objects(t, SKOS.notation) if (t, RDF.type, K2.Tiltak) in g
    }
    assert in_graph == {n for n, _ in rows}


def test_final_table_records_point_at_their_row(kg, seeds) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    for number, line in final_table_rows(seeds):
        record = RECORD[f"seed001-k2020-{number}"]
        locations = list(g.objects(record, DCTERMS.source))
        assert locations, f"record of {number} has no source"
        starts = {int(v) for loc in locations for v in g.objects(loc, K2.lineStart)}
        assert line in starts, f"record of {number} should start at seed 001 line {line}, has {starts}"


def test_every_legible_row_of_the_2017_table_is_in_the_graph(kg, seeds) -> None:  # type: ignore[no-untyped-def]
    numbers = overview_2017_numbers(seeds)
    assert len(numbers) >= 30, f"the seed parser found only {len(numbers)} numbers"
    g = kg.data_graph
    missing = sorted(n for n in numbers if (RECORD[f"seed000-k2020-{n}"], RDF.type, K2.TiltakRecord) not in g)
    assert not missing, f"no seed-000 record for {missing}"


def test_records_of_the_2017_table_name_a_responsible_actor(kg) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    records = [r for r in g.subjects(RDF.type, K2.TiltakRecord) if str(r).startswith(str(RECORD["seed000-"]))]
    assert len(records) >= 50
    for r in records:
        assert list(g.objects(r, K2.responsible)), f"{r} has no responsible actor"


def test_names_carry_the_language_of_their_source(kg) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    expected = {"seed000-": "nn", "seed001-": "nb"}
    for record in g.subjects(RDF.type, K2.TiltakRecord):
        for prefix, lang in expected.items():
            if str(record).startswith(str(RECORD[prefix])):
                for title in g.objects(record, DCTERMS.title):
                    assert isinstance(title, Literal) and title.language == lang, f"{record}: {title!r}"


def test_k2020_and_k2025_numbers_never_share_an_iri(kg) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    for t in g.subjects(RDF.type, K2.Tiltak):
        plans = set(g.objects(t, K2.inPlan))
        assert len(plans) == 1, f"{t} is in {plans}"
        (plan,) = plans
        assert str(t).startswith(str(TILTAK[plan.split("/")[-1] + "-"])), f"{t} is not named after its plan {plan}"


def test_every_concept_and_tiltak_is_labelled_in_nb_and_en(kg) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    for cls, prop in ((SKOS.Concept, SKOS.prefLabel), (K2.Tiltak, RDFS.label)):
        nodes = list(g.subjects(RDF.type, cls))
        assert nodes, f"no {cls}"
        for n in nodes:
            langs = {o.language for o in g.objects(n, prop) if isinstance(o, Literal)}
            assert {"nb", "en"} <= langs, f"{n} lacks a {prop} in nb or en"


def test_cross_listed_numbers_share_one_measure(kg) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    pairs = list(g.subject_objects(K2.crossListedWith))
    assert len(pairs) >= 12
    for a, b in pairs:
        assert g.value(a, K2.measure) == g.value(b, K2.measure) != None  # noqa: E711
        assert isinstance(a, URIRef)


def _type_count(path: Path, *types: URIRef) -> int:
    from rdflib import Graph

    g = Graph().parse(path)
    return sum(len(set(g.subjects(RDF.type, t))) for t in types)


def test_the_counts_in_docs_extraction_are_the_data(project) -> None:  # type: ignore[no-untyped-def]
    """Each count docs/extraction.md states about a data file is that file's count (the doc is a claim too)."""
    from rdflib.namespace import ORG

    doc = (project.root / "docs" / "extraction.md").read_text(encoding="utf-8")
    data = project.root / "data" / "turtle"
    claims = {
        r"(\d+) K2020 tiltak numbers": _type_count(data / "tiltak-k2020.ttl", K2.Tiltak),
        r"\| one record per row \((\d+)\), with Ansvarleg": _type_count(data / "records-seed-000.ttl", K2.TiltakRecord),
        r"one record per row \((\d+)\), (\d+) continuations": _type_count(data / "records-seed-001.ttl", K2.TiltakRecord),
        r"one record per tiltak heading \((\d+) records": _type_count(data / "records-seed-002.ttl", K2.TiltakRecord),
        r"(\d+) dated figures": _type_count(data / "figures-seed-002.ttl", K2.Figure),
        r"\| (\d+) actors \(": _type_count(data / "actors.ttl", ORG.FormalOrganization, ORG.OrganizationalUnit, K2.ActorGroup),
        r"(\d+) grant schemes": _type_count(data / "grant-schemes.ttl", K2.GrantScheme),
        r"(\d+) source locations \|": _type_count(data / "sources.ttl", K2.SourceLocation),
        r"(\d+) funding flows \(grantor": _type_count(data / "flows-seed-001.ttl", K2.FundingFlow),
        r"(\d+) funding flows as the 2017": _type_count(data / "flows-seed-000.ttl", K2.FundingFlow),
    }  # fmt: skip
    wrong = []
    for pattern, count in claims.items():
        found = re.search(pattern, doc)
        assert found, f"docs/extraction.md no longer says {pattern!r}"
        if int(found.group(1)) != count:
            wrong.append(f"{pattern!r}: the doc says {found.group(1)}, the data has {count}")
    assert not wrong, wrong


def test_english_names_not_in_their_sources_are_marked_as_translations(kg) -> None:  # type: ignore[no-untyped-def]
    """A sourced resource's English prefLabel/title that none of its cited documents contains is our translation,
    so it carries k2:translatedInto …/en (the cube files' code lists say so in their header instead: issue 13's
    statistics part, not checked here)."""
    root = Path(__file__).resolve().parent.parent
    data_graph = kg.data_graph
    texts: dict[URIRef, str] = {}
    for doc, name in data_graph.subject_objects(K2.fileName):
        for folder in (root.parent / "shared" / "seeds", root.parent / "shared" / "sources"):
            if (folder / str(name)).is_file():
                texts[doc] = " ".join((folder / str(name)).read_text(encoding="utf-8").split()).lower()
                break
    assert len(texts) >= 6, "the source documents were not found"
    cube = {URIRef(q.subject.value) for path, quads in kg.data.quads.items() if path.name.startswith("cube-") for q in quads}
    english = URIRef("http://id.loc.gov/vocabulary/iso639-1/en")
    unmarked = []
    for prop in (SKOS.prefLabel, DCTERMS.title):
        for s, name in data_graph.subject_objects(prop):
            if not isinstance(name, Literal) or name.language != "en" or s in cube:
                continue
            docs = {data_graph.value(loc, DCTERMS.isPartOf) for loc in data_graph.objects(s, DCTERMS.source)}
            if not docs or any(" ".join(str(name).split()).lower() in texts.get(d, "") for d in docs):  # type: ignore[arg-type]
                continue
            if (s, K2.translatedInto, english) not in data_graph:
                unmarked.append(f"{s} {name!r}")
    assert not unmarked, unmarked
