"""Issue 8, item 5: an open redirect, and a Host header that was trusted.

``/resource?iri=https://w3id.org/k2020graph//evil.example/x`` answered ``303 Location: //evil.example/x``
(a protocol-relative redirect to another site); ``Host: evil.example`` got redirects and a VoID
description naming evil.example; the path ``//evil.example/x`` made the language links point there.
The public address now comes from configuration (``--public-url``, default from ``--host``/``--port``).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.namespace import VOID

from k2020graph.cli import main
from k2020graph.loading import KnowledgeGraph
from k2020graph.server import Settings, create_app

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
EVIL = {"Host": "evil.example"}
HERE = "http://testserver/"


def lands_here(location: str, page: str = HERE) -> bool:
    """Whether a browser at ``page`` following ``location`` stays on the site."""
    return urlsplit(urljoin(page, location)).netloc == urlsplit(page).netloc


def test_the_issues_redirect_stays_on_the_site(client: TestClient) -> None:
    r = client.get("/resource", params={"iri": "https://w3id.org/k2020graph//evil.example/x"}, follow_redirects=False)
    location = r.headers.get("location")
    assert location is None or (lands_here(location) and not location.startswith(("//", "/\\"))), location


@pytest.mark.parametrize("rest", ["/evil.example/x", "\\evil.example/x", "//evil.example/x"])
def test_no_iri_under_the_base_redirects_off_the_site(client: TestClient, rest: str) -> None:
    r = client.get("/resource", params={"iri": "https://w3id.org/k2020graph/" + rest}, follow_redirects=False)
    assert "location" not in r.headers or lands_here(r.headers["location"])


def test_a_resource_under_the_base_still_redirects_to_its_page(client: TestClient) -> None:
    r = client.get("/resource", params={"iri": "https://w3id.org/k2020graph/id/tiltak/k2020-3.14"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/id/tiltak/k2020-3.14"


def test_a_result_iri_under_the_base_is_never_a_protocol_relative_link(client: TestClient) -> None:
    query = "SELECT ?x WHERE { BIND(<https://w3id.org/k2020graph//evil.example/x> AS ?x) }"
    html = client.get("/query", params={"query": query}, headers=HTML).text
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs and all(lands_here(h.replace("&amp;", "&")) for h in hrefs), [h for h in hrefs if "evil" in h]


def test_host_header_is_not_trusted_by_void(client: TestClient) -> None:
    r = client.get("/.well-known/void", headers=EVIL)
    assert r.status_code == 200
    assert "evil.example" not in r.text
    g = Graph().parse(data=r.text, format="turtle")
    endpoints = {str(o) for o in g.objects(None, VOID.sparqlEndpoint)}
    assert endpoints == {"http://127.0.0.1:8000/sparql"}  # the default public address, from Settings


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/sparql", {"Accept": "text/html"}),  # redirect to the query page
        ("/resource?iri=https://w3id.org/k2020graph/id/tiltak/k2020-3.14", {}),
        ("/sparql", {"Accept": "text/turtle"}),  # the service description
        ("/api/queries", {}),
        ("/.well-known/void", {"Accept": "application/n-triples"}),
    ],
)
def test_host_header_is_not_trusted_anywhere(client: TestClient, path: str, headers: dict[str, str]) -> None:
    r = client.get(path, headers={**EVIL, **headers}, follow_redirects=False)
    assert r.status_code < 400
    assert "evil.example" not in r.headers.get("location", "")
    assert "evil.example" not in r.text


def test_a_double_slash_path_keeps_the_language_links_on_the_site(client: TestClient) -> None:
    page = "http://testserver//evil.example/x"
    r = client.get(page, headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    switch = re.findall(r'<a href="([^"]+)" hreflang=', r.text)
    assert len(switch) == 2
    assert all(lands_here(h.replace("&amp;", "&"), page) for h in switch), switch


def test_index_page_links_stay_on_the_site(client: TestClient) -> None:
    page = "http://testserver//evil.example/id/tiltak/"
    html = client.get(page, headers=HTML).text
    for href in re.findall(r'<a href="([^"]+)" (?:hreflang|rel)=', html):
        assert lands_here(href.replace("&amp;", "&"), page), href


# -- the configured address ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def public_client(mini_kg: KnowledgeGraph) -> Iterator[TestClient]:
    app = create_app(mini_kg, Settings(timeout=5, workers=1, max_workers=2, public_url="https://data.example.org/k2020"))
    with TestClient(app) as c:
        yield c


def test_the_public_url_names_the_server(public_client: TestClient) -> None:
    g = Graph().parse(data=public_client.get("/.well-known/void", headers=EVIL).text, format="turtle")
    assert {str(o) for o in g.objects(None, VOID.sparqlEndpoint)} == {"https://data.example.org/k2020/sparql"}
    dumps = {str(o) for o in g.objects(None, VOID.dataDump)}
    assert "https://data.example.org/k2020/dump.ttl" in dumps
    queries = public_client.get("/api/queries", headers=EVIL).json()
    assert queries[0]["url"] == "https://data.example.org/k2020/api/queries/" + queries[0]["name"]
    sd = public_client.get("/sparql", headers={**EVIL, "Accept": "text/turtle"}).text
    assert "<https://data.example.org/k2020/sparql>" in sd and "evil" not in sd


@pytest.mark.parametrize(
    "value",
    [
        "ftp://example.org/",
        "javascript:alert(1)",
        "//evil.example/",
        "http://",
        "example.org",
        "http://example.org:99999/",
        "http://user@example.org/",
        "http://example.org/?a=1",
        "http://example.org/#x",
        "http://exa mple.org/",
        "",
    ],
)
def test_a_bad_public_url_is_refused(value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from k2020graph.server.context import check_public_url

    with pytest.raises(ValueError, match="--public-url"):
        check_public_url(value)
    # before anything is loaded: the root is empty, so a URL let through would fail on another message
    assert main(["serve", "--public-url", value, "--port", "8000", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--public-url" in err and "Traceback" not in err
    assert " / " in err  # English / bokmål


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("https://data.example.org/k2020", "https://data.example.org/k2020/"), ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/")],
)
def test_a_good_public_url_is_taken(value: str, normalised: str) -> None:
    from k2020graph.server.context import check_public_url

    assert check_public_url(value) == normalised


def test_serve_help_says_it_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--public-url" in out and "the address clients reach" in out and "adressen klientene" in out


# -- the real server ------------------------------------------------------------------------------------


def raw_get(port: int, target: str, host: str, accept: str = "text/html") -> str:
    """One HTTP/1.1 request as written, the answer's head and body (no client normalises the target)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while data := s.recv(65536):
            chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


def test_the_real_server_takes_its_address_from_the_command_line(mini_root: Path, start_server: Callable[..., Any]) -> None:
    proc = start_server(mini_root, "--timeout", "5")
    answer = raw_get(proc.port, "/.well-known/void", "evil.example", "text/turtle")
    assert " 200 " in answer.split("\r\n")[0] and "evil.example" not in answer
    assert f"<http://127.0.0.1:{proc.port}/sparql>" in answer  # default: from --host and --port
    answer = raw_get(proc.port, "/resource?iri=https://w3id.org/k2020graph//evil.example/x", "evil.example")
    head = answer.split("\r\n\r\n")[0].lower()
    assert "location: //" not in head and "location: http://evil" not in head
    answer = raw_get(proc.port, "//evil.example/x", "127.0.0.1")
    assert 'href="//evil.example' not in answer and "hreflang" in answer
    proc.stop()
    proc = start_server(mini_root, "--timeout", "5", "--public-url", "https://k2020.example.no/")
    answer = raw_get(proc.port, "/.well-known/void", "evil.example", "text/turtle")
    assert "<https://k2020.example.no/sparql>" in answer and "evil.example" not in answer
