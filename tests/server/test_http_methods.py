"""HTTP around the endpoint: HEAD on every GET route, /sparql/ with a slash, updates refused as read-only, the base IRI."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

TILTAK = "https://w3id.org/k2020graph/id/tiltak/k2020-3.14"  # in fixtures/mini.ttl
ASK = "ASK { ?s ?p ?o }"

#: One request for each GET route of the application (its path template -> a URL that reaches it).
GET_ROUTES = {
    "/openapi.json": "/openapi.json",
    "/static": "/static/style.css",
    "/sparql": "/sparql?query=" + ASK.replace(" ", "%20"),
    "/sparql/": "/sparql/?query=" + ASK.replace(" ", "%20"),
    "/api/queries": "/api/queries",
    "/api/queries/{name}": "/api/queries/no-such-query",  # the canned ones have routes of their own
    "/api/status": "/api/status",
    "/query": "/query",
    "/search": "/search?q=demens",
    "/api/search": "/api/search?q=demens",
    "/lineage": "/lineage",
    "/funding": "/funding",
    "/query/canned.json": "/query/canned.json",
    "/query/vocabulary.json": "/query/vocabulary.json",
    "/static/vendor/{name:path}": "/static/vendor/yasgui/yasgui.min.css",
    "/": "/",
    "/favicon.ico": "/favicon.ico",
    "/id/": "/id/",
    "/id/{path:path}": "/id/tiltak/k2020-3.14",
    "/def": "/def",
    "/def/{path:path}": "/def/Tiltak",
    "/resource": "/resource?iri=" + TILTAK,
    "/instances": "/instances?class=https://w3id.org/k2020graph/def%23Tiltak",
    "/.well-known/void": "/.well-known/void",
    "/catalog": "/catalog",
    "/catalog/gaps": "/catalog/gaps",
    "/dump.{suffix}": "/dump.ttl",
    "/{path:path}": "/no-such-page",
}
#: Headers that may differ between two answers to the same request.
VARYING = {"date", "k2020-cache"}


def get_routes(app: Any) -> set[str]:
    """The path of every route (and mount) of ``app`` that answers GET."""
    paths = set()
    for route in app.routes:
        for r in getattr(route, "original_router", None) and route.original_router.routes or [route]:
            methods = getattr(r, "methods", None)
            if methods is None or "GET" in methods:  # a mount (no methods) answers GET
                paths.add(r.path)
    return paths


def test_every_get_route_is_listed(client: TestClient) -> None:
    routes = get_routes(client.app)
    assert len(routes) > 10
    canned = {f"/api/queries/{name}" for name in client.app.state.k2020.catalogue}  # type: ignore[attr-defined]
    assert canned and canned <= routes  # one route per canned query: GET_ROUTES' "{name}" entry reaches one of them
    assert routes - canned == set(GET_ROUTES), "a GET route without a HEAD check here (or a listed route that is gone)"


def _headers(r: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k not in VARYING}


@pytest.mark.parametrize("route", sorted(GET_ROUTES))
def test_head_answers_like_get_without_a_body(client: TestClient, route: str) -> None:
    url = GET_ROUTES[route]
    get = client.get(url, follow_redirects=False)
    head = client.head(url, follow_redirects=False)
    assert head.status_code == get.status_code, head.text
    assert head.status_code != 405
    assert head.content == b""
    assert _headers(head) == _headers(get)


def test_head_over_the_wire(server: Any) -> None:
    """Through uvicorn: the same headers as the GET (Content-Length too), and no body bytes."""
    for url in ("/sparql?query=ASK%20%7B%7D", "/sparql", "/api/queries", "/id/tiltak/k2020-3.14"):
        get = httpx.get(server.url + url, headers={"Accept": "text/turtle, */*;q=0.5"}, timeout=30)
        head = httpx.head(server.url + url, headers={"Accept": "text/turtle, */*;q=0.5"}, timeout=30)
        assert head.status_code == get.status_code == 200, (url, head.status_code)
        assert head.content == b""
        assert head.headers["content-length"] == str(len(get.content))
        assert _headers(head) == _headers(get)


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"params": {"query": ASK}}),
        ("POST", {"data": {"query": ASK}}),
        ("POST", {"content": ASK.encode(), "headers": {"Content-Type": "application/sparql-query"}}),
    ],
)
def test_trailing_slash_redirects_to_the_endpoint(client: TestClient, method: str, kwargs: dict[str, Any]) -> None:
    r = client.request(method, "/sparql/", follow_redirects=False, **kwargs)
    assert r.status_code == 308  # method and body are kept
    location = r.headers["location"]
    assert location.startswith("/sparql") and not location.startswith("/sparql/")  # a path: no host from the request
    followed = client.request(method, "/sparql/", follow_redirects=True, **kwargs)
    assert followed.status_code == 200
    assert followed.json()["boolean"] is True


def test_trailing_slash_keeps_the_query_string(client: TestClient) -> None:
    r = client.get("/sparql/?query=ASK%20%7B%7D&format=xml", follow_redirects=False)
    assert r.headers["location"] == "/sparql?query=ASK%20%7B%7D&format=xml"


def test_trailing_slash_with_a_host_header_stays_on_this_site(client: TestClient) -> None:
    r = client.get("/sparql/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 308
    assert "evil" not in r.headers["location"]


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"params": {"update": "CLEAR ALL"}}),
        ("POST", {"data": {"update": "CLEAR ALL"}}),
        ("POST", {"content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}}),
        ("POST", {"data": {"query": "INSERT DATA { <http://a> <http://b> <http://c> }"}}),
    ],
)
def test_an_update_is_forbidden_in_both_languages(client: TestClient, method: str, kwargs: dict[str, Any]) -> None:
    """SPARQL 1.1 Protocol: a service need not perform updates; understood but refused is 403, not 400."""
    r = client.request(method, "/sparql", **kwargs)
    assert r.status_code == 403
    assert "read-only" in r.text and "skrivebeskyttet" in r.text


def test_relative_iris_resolve_against_the_data_base(client: TestClient) -> None:
    """A relative IRI in a CONSTRUCT template resolves against the base the data is served under (README)."""
    r = client.post(
        "/sparql",
        content=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
    )
    assert r.status_code == 200, r.text
    xsd_integer = "<http://www.w3.org/2001/XMLSchema#integer>"
    assert r.text.strip() == f'<https://w3id.org/k2020graph/s> <https://w3id.org/k2020graph/p> "1"^^{xsd_integer} .'


def test_the_favicon_is_a_local_svg_linked_from_every_page(client: TestClient) -> None:
    page = client.get("/", headers={"Accept": "text/html"})
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
    old = client.get("/favicon.ico", follow_redirects=False)  # asked for by browsers before they read the <link>
    assert old.status_code == 301 and old.headers["location"] == "/static/favicon.svg"
