"""``/catalog``: the DCAT-AP-NO catalogue at the public address, by content negotiation (issue 12).

Sizes and checksums are checked against the bytes the server's own ``/dump.*`` answers carry, hashed here.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from k2020graph.loading import KnowledgeGraph
from k2020graph.namespaces import DCAT, SPDX
from k2020graph.server import Settings, create_app

PUBLIC = "https://k2020.example.no/"
CATALOG = URIRef(PUBLIC + "catalog")
DATASET = URIRef(PUBLIC + "catalog#dataset")
FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


@pytest.fixture(scope="module")
def public(mini_kg: KnowledgeGraph) -> Iterator[TestClient]:
    app = create_app(mini_kg, Settings(timeout=5, workers=1, max_workers=2, public_url=PUBLIC))
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("media", list(FORMATS))
def test_catalog_by_accept(public: TestClient, media: str) -> None:
    r = public.get("/catalog", headers={"Accept": media, "Host": "evil.example"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]
    graph = Graph().parse(data=r.content, format=FORMATS[media])
    assert (CATALOG, RDF.type, DCAT.Catalog) in graph  # at the configured address, never the Host header's
    assert (CATALOG, DCAT.dataset, DATASET) in graph
    assert (DATASET, RDF.type, DCAT.Dataset) in graph


def test_catalog_defaults_to_turtle_and_refuses_what_it_cannot_write(public: TestClient) -> None:
    r = public.get("/catalog", headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert public.get("/catalog", headers={"Accept": "image/png"}).status_code == 406
    assert public.get("/catalog?format=jsonld").headers["content-type"].startswith("application/ld+json")


def test_distributions_describe_the_served_dumps(public: TestClient) -> None:
    graph = Graph().parse(data=public.get("/catalog", headers={"Accept": "text/turtle"}).content, format="turtle")
    dists = list(graph.objects(DATASET, DCAT.distribution))
    assert len(dists) == 5
    for dist in dists:
        url = str(graph.value(dist, DCAT.downloadURL))
        assert url.startswith(PUBLIC + "dump.")
        dump = public.get("/" + url[len(PUBLIC) :])
        assert dump.status_code == 200
        assert int(graph.value(dist, DCAT.byteSize).toPython()) == len(dump.content)
        checksum = graph.value(dist, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha1(dump.content).hexdigest()
        sha256 = base64.b64encode(hashlib.sha256(dump.content).digest()).decode()
        assert dump.headers["repr-digest"] == f"sha-256=:{sha256}:"


def test_catalog_reports_its_gaps(public: TestClient) -> None:
    r = public.get("/catalog")
    gaps = json.loads(public.get("/catalog/gaps").content)
    assert int(r.headers["k2020-catalog-gaps"]) == len(gaps) > 0
    # The mini root has no catalogue metadata file: the titles are missing too, and the publisher always is.
    paths = {(g["focus"], g["path"]) for g in gaps if g["mandatory"]}
    assert (str(DATASET), str(DCTERMS.publisher)) in paths
    assert (str(DATASET), str(DCTERMS.title)) in paths
    assert all(g["nb"] and g["en"] for g in gaps)


def test_home_and_void_link_to_the_catalog(public: TestClient) -> None:
    assert 'href="/catalog"' in public.get("/", headers={"Accept": "text/html"}).text
    void = Graph().parse(data=public.get("/.well-known/void", headers={"Accept": "text/turtle"}).content, format="turtle")
    assert (None, RDFS.seeAlso, CATALOG) in void
