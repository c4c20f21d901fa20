"""The register profiles (issue 12): DCAT-AP-NO and CPSV-AP-NO exports against Digdir's official shapes.

The shapes are read from ``../shared/registers`` beside the repository (skipped with the reason when
absent) and used as they are. A shape that cannot fire proves nothing, so every test that relies on a
shape also breaks a copy of the export on purpose and checks that the shape reports each node type.
Shapes relied on (DCAT-AP-NO 2.00): the node shapes with ``sh:targetClass`` dcat:Catalog, dcat:Dataset,
dcat:DataService, dcat:Distribution, spdx:Checksum, dct:PeriodOfTime and the *_ShapeCV vocabulary
checks. Not relied on: ``:Agent_Shape`` (its targets sit inside ``sh:and``; it never fires). CPSV-AP-NO
1: PublicServiceShape, PublicOrganizationShape, PossibleOutputShape, CriterionShape, RequirementShape.
Its ``hasMin1MaxNShape-cpsvnoHasPossibleOutput`` has no ``sh:minCount`` in the official file, so a
missing output would pass; the export gives every service one all the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SH, SKOS, XSD

from k2020graph.cli import main
from k2020graph.exports import GRAPH_FORMATS, export_graph
from k2020graph.loading import KnowledgeGraph
from k2020graph.namespaces import CPSV, CPSVNO, CV, DCAT, K2, SPDX
from k2020graph.profiles import ProfileExport, export_profile, load_metadata
from k2020graph.profiles.cpsv_ap_no import cpsv_ap_no
from k2020graph.profiles.dcat_ap_no import catalog_iri, dcat_ap_no

REPO = Path(__file__).resolve().parents[1]
REGISTERS = REPO.parent / "shared" / "registers"
PUBLIC = "https://k2020.example.no/"
CATALOG = URIRef(PUBLIC + "catalog")
DATASET = URIRef(PUBLIC + "catalog#dataset")
SERVICE = URIRef(PUBLIC + "catalog#sparql")

#: What a deployment that knows them would write: values of the test's own, not facts about K2020.
COMPLETE = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
<#dataset> dct:publisher <https://example.org/publisher> ; dcat:contactPoint <#contact> ;
    dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> .
<> dct:publisher <https://example.org/publisher> .
<#contact> a vcard:Organization ; vcard:hasEmail <mailto:data@example.org> .
"""


def shapes(profile: str) -> tuple[Graph, Graph]:
    files = {
        "dcat": ("DCAT-AP-NO-shacl_shapes_2.00.ttl", "dcat-ap-no-ontologies.ttl"),
        "cpsv": ("CPSV-AP-NO_shacl_shapes_v1.ttl", "cpsv-ap-no-ontologies.ttl"),
    }[profile]
    paths = [REGISTERS / name for name in files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        pytest.skip(f"Digdir's shapes are not beside the repository: {', '.join(missing)}")
    return Graph().parse(paths[0]), Graph().parse(paths[1])


def results(graph: Graph, profile: str) -> set[tuple[str, str, str]]:
    """(focus node, path, severity) of every top-level result of the official shapes on ``graph``."""
    import pyshacl

    shacl, ontologies = shapes(profile)
    _, report, _ = pyshacl.validate(graph, shacl_graph=shacl, ont_graph=ontologies, inference="none")
    out = set()
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        for r in report.objects(report_node, SH.result):
            path = report.value(r, SH.resultPath)
            severity = report.value(r, SH.resultSeverity)
            out.add((str(report.value(r, SH.focusNode)), str(path) if path else "", str(severity).rsplit("#", 1)[-1]))
    return out


def violations(graph: Graph, profile: str) -> set[tuple[str, str]]:
    return {(f, p) for f, p, sev in results(graph, profile) if sev == "Violation"}


@pytest.fixture(scope="module")
def dumps(kg: KnowledgeGraph) -> dict[str, bytes]:
    # Computed here from the exports module itself, independently of the profile's dump_bytes.
    return {fmt: export_graph(kg.full_graph, fmt) for fmt in GRAPH_FORMATS}


def catalogue(kg: KnowledgeGraph, dumps: dict[str, bytes], metadata_text: str | None = None) -> ProfileExport:
    iri = catalog_iri(PUBLIC)
    metadata = load_metadata(REPO / "data/catalog/catalog.ttl", iri)
    if metadata_text is not None:
        metadata.parse(data=metadata_text, format="turtle", publicID=iri)
    return dcat_ap_no(kg.data_graph, dumps, metadata, PUBLIC)


# -- DCAT-AP-NO -----------------------------------------------------------------------------------------


def test_dcat_conforms_once_the_missing_values_are_supplied(kg: KnowledgeGraph, dumps: dict[str, bytes]) -> None:
    result = catalogue(kg, dumps, COMPLETE)
    assert result.gaps == []
    assert results(result.graph, "dcat") == set()  # neither a violation nor a warning


def test_dcat_violations_are_exactly_the_reported_mandatory_gaps(kg: KnowledgeGraph, dumps: dict[str, bytes]) -> None:
    result = catalogue(kg, dumps)
    mandatory = {(g.focus, g.path) for g in result.gaps if g.mandatory}
    assert mandatory == {(str(CATALOG), str(DCTERMS.publisher)), (str(DATASET), str(DCTERMS.publisher))}
    assert violations(result.graph, "dcat") == mandatory
    recommended = {g.path for g in result.gaps if not g.mandatory}
    assert recommended == {str(DCAT.contactPoint), str(DCTERMS.license)}


def test_dcat_shapes_fire_on_every_node_type(kg: KnowledgeGraph, dumps: dict[str, bytes]) -> None:
    graph = catalogue(kg, dumps, COMPLETE).graph
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    dists = sorted(graph.objects(DATASET, DCAT.distribution))
    checksum = graph.value(dists[0], SPDX.checksum)
    period = graph.value(DATASET, DCTERMS.temporal)
    for node in (CATALOG, DATASET, SERVICE):
        broken.remove((node, DCTERMS.title, None))
    broken.remove((dists[0], DCAT.accessURL, None))
    broken.remove((dists[1], DCTERMS.format, None))
    broken.add((dists[1], DCTERMS.format, URIRef("https://example.org/not-a-file-type")))
    broken.set((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_md5))
    broken.set((period, DCAT.startDate, Literal("2016", datatype=XSD.gYear)))
    found = violations(broken, "dcat")
    for expected in (
        (str(CATALOG), str(DCTERMS.title)),
        (str(DATASET), str(DCTERMS.title)),
        (str(SERVICE), str(DCTERMS.title)),
        (str(dists[0]), str(DCAT.accessURL)),
        (str(dists[1]), str(DCTERMS.format)),
        (str(checksum), str(SPDX.algorithm)),
        (str(period), str(DCAT.startDate)),
    ):
        assert expected in found


def test_distributions_give_size_and_checksum_of_the_real_dumps(kg: KnowledgeGraph, dumps: dict[str, bytes]) -> None:
    graph = catalogue(kg, dumps).graph
    seen = 0
    for fmt, (_, suffix) in GRAPH_FORMATS.items():
        body = export_graph(kg.full_graph, fmt)
        assert body == dumps[fmt]  # deterministic: two exports are the same bytes
        dist = URIRef(f"{PUBLIC}catalog#dump-{suffix}")
        assert (DATASET, DCAT.distribution, dist) in graph
        assert graph.value(dist, DCAT.downloadURL) == URIRef(f"{PUBLIC}dump.{suffix}")
        assert int(graph.value(dist, DCAT.byteSize).toPython()) == len(body)
        checksum = graph.value(dist, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha1
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha1(body).hexdigest()
        seen += 1
    assert seen == 5


def test_dcat_says_what_the_data_says(kg: KnowledgeGraph, dumps: dict[str, bytes]) -> None:
    graph = catalogue(kg, dumps).graph
    years = [
        int(str(o)[:4])
        for p in (K2.startYear, K2.endYear, K2.year, K2.start, K2.end)
        for o in kg.data_graph.objects(None, p)
        if isinstance(o, Literal) and o.datatype == XSD.gYear
    ]
    period = graph.value(DATASET, DCTERMS.temporal)
    assert str(graph.value(period, DCAT.startDate)) == f"{min(years)}-01-01"
    assert str(graph.value(period, DCAT.endDate)) == f"{max(years)}-12-31"
    assert {lit.language for lit in graph.objects(DATASET, DCTERMS.title)} == {"nb", "en"}
    assert (SERVICE, DCAT.servesDataset, DATASET) in graph
    assert graph.value(SERVICE, DCAT.endpointURL) == URIRef(PUBLIC + "sparql")
    assert (DATASET, DCAT.theme, URIRef("http://publications.europa.eu/resource/authority/data-theme/HEAL")) in graph


# -- CPSV-AP-NO ------------------------------------------------------------------------------------------


def test_every_grant_scheme_is_a_public_service(kg: KnowledgeGraph) -> None:
    schemes = set(kg.data_graph.subjects(RDF.type, K2.GrantScheme))
    graph = cpsv_ap_no(kg.data_graph).graph
    assert len(schemes) > 0
    assert set(graph.subjects(RDF.type, CPSV.PublicService)) == schemes


def test_cpsv_violations_are_exactly_the_reported_mandatory_gaps(kg: KnowledgeGraph) -> None:
    result = cpsv_ap_no(kg.data_graph)
    mandatory = {(g.focus, g.path) for g in result.gaps if g.mandatory}
    assert violations(result.graph, "cpsv") == mandatory
    # the contact point of every service is missing from the sources
    services = set(result.graph.subjects(RDF.type, CPSV.PublicService))
    assert {f for f, p in mandatory if p == str(CV.contactPoint)} == {str(s) for s in services}


def test_cpsv_values_come_from_the_graph(kg: KnowledgeGraph) -> None:
    data = kg.data_graph
    graph = cpsv_ap_no(data).graph
    scheme = URIRef("https://w3id.org/k2020graph/id/scheme/kompetanse-og-tjenesteutviklingstilskudd")
    assert set(graph.objects(scheme, CV.hasCompetentAuthority)) == set(data.objects(scheme, K2.administrator))
    assert set(graph.objects(scheme, DCTERMS.description)) == set(data.objects(scheme, K2.purpose))
    audience = {graph.value(c, SKOS.prefLabel) for c in graph.objects(scheme, DCTERMS.audience)}
    assert set(data.objects(scheme, K2.targetGroup)) <= audience
    criteria = list(graph.objects(scheme, CV.holdsRequirement))
    assert len(criteria) == len(set(data.objects(scheme, K2.eligibleApplicant))) > 0
    assert set(graph.objects(scheme, DCTERMS.hasPart)) == set(data.objects(scheme, DCTERMS.hasPart))
    # the tiltak a scheme belongs to: the records that use it
    psyk = URIRef("https://w3id.org/k2020graph/id/scheme/psykologer-i-de-kommunale-helse-og-omsorgstjenestene")
    tiltak = {t for r in data.subjects(K2.usesScheme, psyk) for t in data.objects(r, K2.recordOf)}
    assert tiltak and tiltak <= set(graph.objects(psyk, DCTERMS.relation))


def test_cpsv_shapes_fire_on_every_node_type(kg: KnowledgeGraph) -> None:
    graph = cpsv_ap_no(kg.data_graph).graph
    service = URIRef("https://w3id.org/k2020graph/id/scheme/kompetanse-og-tjenesteutviklingstilskudd")
    output = graph.value(service, CPSVNO.hasPossibleOutput)
    criterion = graph.value(service, CV.holdsRequirement)
    authority = graph.value(service, CV.hasCompetentAuthority)
    for node in (service, output, criterion):
        graph.remove((node, DCTERMS.title, None))
    graph.remove((authority, SKOS.prefLabel, None))
    graph.add((service, DCTERMS.identifier, Literal("a second identifier")))
    found = violations(graph, "cpsv")
    for expected in (
        (str(service), str(DCTERMS.title)),
        (str(service), str(DCTERMS.identifier)),
        (str(output), str(DCTERMS.title)),
        (str(criterion), str(DCTERMS.title)),
        (str(authority), str(SKOS.prefLabel)),
    ):
        assert expected in found


# -- the command -----------------------------------------------------------------------------------------


def test_export_profile_writes_the_graph_and_reports_the_gaps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "catalog.ttl"
    code = main(["export", "--root", str(REPO), "--profile", "dcat-ap-no", "--public-url", PUBLIC, "-o", str(out)])
    assert code == 0
    graph = Graph().parse(out)
    assert (CATALOG, RDF.type, DCAT.Catalog) in graph
    err = capsys.readouterr().err
    assert f"<{CATALOG}> <{DCTERMS.publisher}>" in err
    assert "missing" in err and "mangler" in err
    again = tmp_path / "again.ttl"
    main(["export", "--root", str(REPO), "--profile", "dcat-ap-no", "--public-url", PUBLIC, "-o", str(again)])
    assert again.read_bytes() == out.read_bytes()


def test_export_profile_takes_the_metadata_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    metadata = tmp_path / "meta.ttl"
    metadata.write_text((REPO / "data/catalog/catalog.ttl").read_text(encoding="utf-8") + COMPLETE, encoding="utf-8")
    code = main(
        [
            "export",
            "--root",
            str(REPO),
            "--profile",
            "dcat-ap-no",
            "--catalog-metadata",
            str(metadata),
            "-o",
            str(tmp_path / "c.ttl"),
        ]
    )
    assert code == 0
    assert "missing" not in capsys.readouterr().err
    broken = tmp_path / "broken.ttl"
    broken.write_text("<#dataset> <http://purl.org/dc/terms/title> .\n", encoding="utf-8")
    code = main(["export", "--root", str(REPO), "--profile", "dcat-ap-no", "--catalog-metadata", str(broken)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{broken}:1" in err and "Traceback" not in err


def test_export_profile_cpsv(tmp_path: Path, capsys: pytest.CaptureFixture[str], kg: KnowledgeGraph) -> None:
    out = tmp_path / "services.jsonld"
    assert main(["export", "--root", str(REPO), "--profile", "cpsv-ap-no", "--format", "jsonld", "-o", str(out)]) == 0
    graph = Graph().parse(out, format="json-ld")
    assert set(graph.subjects(RDF.type, CPSV.PublicService)) == set(kg.data_graph.subjects(RDF.type, K2.GrantScheme))
    assert str(CV.contactPoint) in capsys.readouterr().err


def test_export_profile_via_library_matches_cli_defaults(kg: KnowledgeGraph) -> None:
    result = export_profile(kg, "dcat-ap-no", PUBLIC)
    assert (CATALOG, RDF.type, DCAT.Catalog) in result.graph
