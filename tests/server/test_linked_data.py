"""Dereferencing: HTML pages per resource, RDF by Accept, indexes, ontology, VoID, dumps, another base."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, VOID

from k2020graph.exports import export_graph
from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.server import Settings, create_app

ID = "https://w3id.org/k2020graph/id/"
K2 = "https://w3id.org/k2020graph/def#"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def page(client: TestClient, path: str, **headers: str) -> str:
    r = client.get(path, headers={**HTML, **headers})
    assert r.status_code == 200, (path, r.text[:300])
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


# ---- a tiltak ----------------------------------------------------------------------------------------------


def test_tiltak_page(client: TestClient) -> None:
    html = page(client, "/id/tiltak/k2020-3.14")
    assert "<h1>K2020-tiltak 3.14</h1>" in html
    assert "Styrking og videreutvikling av helsestasjons- og skolehelsetjenesten" in html  # its name, from the records
    links = hrefs(html)
    assert {"/id/tiltak/k2025-1.31", "/id/tiltak/k2025-1.10"} <= links  # its K2025 numbers
    assert "Videreført som K2025-tiltak" in html
    assert "Sluttrapport K2020, tabell 1, rad 3.14" in html  # the source of each fact, as a citation
    assert "Kompetanseløft 2020: oppgåver og tiltak i budsjettåret 2017, linje 1031–1036" in html  # no short name
    assert "/id/flow/seed001-k2020-3.14" in links and "Tilskuddsstrømmer" in html
    assert "/id/strategy/k2020-3" in links and "/def#strategy" in links  # every property a link
    assert "Vary" in client.get("/id/tiltak/k2020-3.14", headers=HTML).headers


def test_k2025_order_on_the_page_follows_the_source(client: TestClient) -> None:
    html = page(client, "/id/tiltak/k2020-3.14")
    section = html.split('id="sec_k2025"')[1].split("</section>")[0]
    assert section.index("k2025-1.31") < section.index("k2025-1.10")


def test_language_by_accept_language_and_by_switch(client: TestClient) -> None:
    html = page(client, "/id/tiltak/k2020-3.14", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert "<h1>K2020 tiltak 3.14</h1>" in html
    assert "Continued as K2025 tiltak" in html and "Final report K2020, table 1, row 3.14" in html
    r = client.get("/id/tiltak/k2020-3.14?lang=en", headers=HTML)
    assert "<h1>K2020 tiltak 3.14</h1>" in r.text
    assert r.cookies.get("lang") == "en" or "lang=en" in r.headers.get("set-cookie", "")
    assert 'href="/id/tiltak/k2020-3.14?lang=nb"' in r.text  # the visible switch
    assert "<h1>K2020-tiltak 3.14</h1>" in page(client, "/id/tiltak/k2020-3.14?lang=nb")
    client.cookies.clear()


RDF_TYPES = [
    ("text/turtle", "turtle"),
    ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"),
]


@pytest.mark.parametrize(("media", "rdflib_format"), RDF_TYPES)
def test_resource_as_rdf_by_accept(client: TestClient, media: str, rdflib_format: str) -> None:
    r = client.get("/id/tiltak/k2020-3.14", headers={"Accept": media})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert "Accept" in r.headers["Vary"]
    g = Graph().parse(data=r.content, format=rdflib_format)
    me = URIRef(ID + "tiltak/k2020-3.14")
    assert (me, RDFS.label, Literal("K2020-tiltak 3.14", lang="nb")) in g
    assert (URIRef(ID + "continuation/k2020-3.14_k2025-1.31"), URIRef(K2 + "fromTiltak"), me) in g  # incoming too


def test_format_parameter_and_errors(client: TestClient) -> None:
    r = client.get("/id/tiltak/k2020-3.14?format=ntriples", headers=HTML)
    assert r.headers["content-type"].startswith("application/n-triples")
    assert client.get("/id/tiltak/k2020-3.14", headers={"Accept": "image/png"}).status_code == 406
    missing = client.get("/id/tiltak/k2020-9.99", headers=HTML)
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert client.get("/id/tiltak/k2020-9.99", headers={"Accept": "text/turtle"}).status_code == 404


def test_page_etag(client: TestClient) -> None:
    r = client.get("/id/tiltak/k2020-3.2", headers=HTML)
    assert client.get("/id/tiltak/k2020-3.2", headers={**HTML, "If-None-Match": r.headers["ETag"]}).status_code == 304


# ---- incoming links ----------------------------------------------------------------------------------------


def test_k2025_number_lists_its_k2020_sources(client: TestClient) -> None:
    html = page(client, "/id/tiltak/k2025-1.10")
    assert "K2020-tiltak som videreføres i dette tiltaket" in html  # the answer table (the direct layer is derived)
    assert {"/id/tiltak/k2020-3.2", "/id/tiltak/k2020-3.14"} <= hrefs(html)


def test_division_lists_its_tiltak(client: TestClient) -> None:
    html = page(client, "/id/actor/hdir-ph")
    assert "som ansvarlig" in html  # the answer table "Tiltak med … som ansvarlig" (the direct layer is derived)
    assert {"/id/tiltak/k2020-3.2", "/id/tiltak/k2020-3.14"} <= hrefs(html)  # the tiltak (records on their pages)
    assert "/id/tiltak/k2020-1.1" not in hrefs(html)  # KP's
    parent = page(client, "/id/actor/hdir")
    assert {"/id/actor/hdir-ph", "/id/actor/hdir-kp", "/id/flow/seed001-k2020-3.14"} <= hrefs(parent)


def test_scheme_lists_its_flows_figures_and_users(client: TestClient) -> None:
    html = page(client, "/id/scheme/kompetanse-og-innovasjonstilskudd")
    assert {"/id/flow/seed001-k2020-3.14", "/id/figure/seed002-L1234", "/id/tiltak/k2020-3.14"} <= hrefs(html)
    assert "Tall fra kildene" in html and "Tiltak som bruker ordningen" in html


def test_strategy_plan_and_source_location(client: TestClient) -> None:
    assert {"/id/tiltak/k2020-3.2", "/id/tiltak/k2020-3.14"} <= hrefs(page(client, "/id/strategy/k2020-3"))
    assert "/id/strategy/k2020-1" in hrefs(page(client, "/id/plan/k2020"))
    location = page(client, "/id/source/seed-001-L283-291")
    assert {"/id/tiltak/k2020-3.14", "/id/record/seed001-k2020-3.14"} <= hrefs(location)  # what it is the source of


def test_every_iri_of_the_graph_dereferences(client: TestClient, mini_kg: KnowledgeGraph) -> None:
    base = "https://w3id.org/k2020graph/"
    iris = {str(t) for triple in mini_kg.full_graph for t in triple if isinstance(t, URIRef) and str(t).startswith(base)}
    paths = {"/" + iri.removeprefix(base).split("#")[0] for iri in iris}
    assert len(paths) > 30
    for path in sorted(paths):
        r = client.get(path, headers=HTML)
        assert r.status_code == 200, path
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 200, path


# ---- indexes, ontology, VoID, dumps, home -------------------------------------------------------------------


def test_index_pages(client: TestClient) -> None:
    html = page(client, "/id/tiltak/")
    for nr in ("k2020-1.1", "k2020-3.2", "k2020-3.14", "k2025-1.10", "k2025-1.31"):
        assert f'href="/id/tiltak/{nr}"' in html
    assert html.index("k2020-3.2") < html.index("k2020-3.14")  # numbers in natural order
    assert "Demensomsorgens ABC" in html
    assert "/id/tiltak/" in hrefs(page(client, "/id/"))
    instances = page(client, "/instances?" + urlencode({"class": K2 + "Tiltak"}))
    assert "/id/tiltak/k2025-1.31" in hrefs(instances)
    assert client.get("/id/nothing-here/", headers=HTML).status_code == 404


def test_ontology_page(client: TestClient, mini_kg: KnowledgeGraph) -> None:
    html = page(client, "/def")
    classes = {
        str(s) for s in mini_kg.ontology_graph.subjects(predicate=None, object=URIRef("http://www.w3.org/2002/07/owl#Class"))
    }
    assert classes
    for iri in classes:
        assert f'id="{iri.removeprefix(K2)}"' in html
    assert "tiltak (numbered measure)" in html and "tiltaksoppføring" in html  # labels in both languages
    r = client.get("/def", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef(K2 + "Tiltak"), RDFS.label, Literal("tiltak", lang="nb")) in g


def test_void(client: TestClient, mini_kg: KnowledgeGraph) -> None:
    r = client.get("/.well-known/void")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    datasets = list(g.subjects(predicate=None, object=VOID.Dataset))
    assert len(datasets) == 1
    ds = datasets[0]
    assert int(g.value(ds, VOID.triples)) == len(mini_kg.store)  # type: ignore[arg-type]
    assert str(g.value(ds, VOID.sparqlEndpoint)).endswith("/sparql")
    assert {str(o).rsplit("/", 1)[1] for o in g.objects(ds, VOID.dataDump)} >= {"dump.ttl", "dump.nt", "dump.jsonld", "dump.rdf"}


@pytest.mark.parametrize(
    ("suffix", "fmt", "rdflib_format"),
    [("ttl", "turtle", "turtle"), ("nt", "ntriples", "nt"), ("jsonld", "jsonld", "json-ld"), ("rdf", "rdfxml", "xml")],
)
def test_dumps(client: TestClient, mini_kg: KnowledgeGraph, suffix: str, fmt: str, rdflib_format: str) -> None:
    r = client.get(f"/dump.{suffix}")
    assert r.status_code == 200
    assert r.content == export_graph(mini_kg.full_graph, fmt)
    assert len(Graph().parse(data=r.content, format=rdflib_format)) == len(mini_kg.full_graph)
    assert client.get(f"/dump.{suffix}", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_home_links_everything(client: TestClient) -> None:
    links = hrefs(page(client, "/"))
    for target in (
        "/query",
        "/def",
        "/.well-known/void",
        "/dump.ttl",
        "/dump.nt",
        "/dump.jsonld",
        "/dump.rdf",
        "/api/queries",
        "/openapi.json",
        "/id/tiltak/",
        "/sparql",
    ):
        assert target in links, target


# ---- another base --------------------------------------------------------------------------------------------


def test_served_under_another_base(mini_root: Path) -> None:
    base = "http://data.example.org/k2020/"
    kg = KnowledgeGraph.load(Project.at(mini_root), base=base)
    with TestClient(create_app(kg, Settings(workers=1))) as c:
        r = c.get("/id/tiltak/k2020-3.14", headers={"Accept": "text/turtle"})
        g = Graph().parse(data=r.text, format="turtle")
        me = URIRef(base + "id/tiltak/k2020-3.14")
        assert (me, RDFS.label, Literal("K2020-tiltak 3.14", lang="nb")) in g
        assert not any(str(t).startswith("https://w3id.org/k2020graph/") for triple in g for t in triple)
        rows = c.get("/api/queries/continued-into-k2025").json()["results"]["bindings"]
        assert [row["tiltak"]["value"] for row in rows] == [base + "id/tiltak/k2020-3.2", str(me)]
        html = c.get("/id/tiltak/k2020-3.14", headers=HTML).text
        assert 'href="/id/tiltak/k2025-1.31"' in html and base + "id/tiltak/k2020-3.14" in html
