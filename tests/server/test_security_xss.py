"""Issue 8, item 3: click-to-run XSS through a result IRI, and the headers every answer carries.

A result IRI used to become a link unchanged: ``BIND(IRI("javascript:alert(document.domain)") AS ?x)``
on ``/query`` gave ``<a href="javascript:alert(document.domain)">``, one click from running script on
the site's origin. Only http(s) and mailto IRIs are links now; every HTML answer carries a
Content-Security-Policy without inline script, frame protection, a Referrer-Policy and nosniff.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

#: The issue's request.
XSS_QUERY = 'SELECT ?x WHERE { BIND(IRI("javascript:alert(document.domain)") AS ?x) }'


class Links(HTMLParser):
    """Every href and src of a page, its inline scripts and its event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src", "action", "formaction"):
            if found.get(name) is not None:
                self.hrefs.append(found[name] or "")
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if "style" in found:
            self.styles.append(tag)
        if tag == "script" and not found.get("src"):
            self.inline_scripts += 1


def parse(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def scheme(href: str) -> str:
    head, sep, _ = href.partition(":")
    return head.strip().lower() if sep and "/" not in head and "?" not in head else ""


@pytest.mark.parametrize(
    "iri",
    [
        "javascript:alert(document.domain)",  # the issue's
        "JavaScript:alert(document.domain)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ],
)
def test_a_result_iri_with_a_script_scheme_is_no_link(client: TestClient, iri: str) -> None:
    query = XSS_QUERY.replace("javascript:alert(document.domain)", iri)
    r = client.get("/query", params={"query": query}, headers=HTML)
    assert r.status_code == 200
    links = parse(r.text)
    assert not [h for h in links.hrefs if scheme(h) in ("javascript", "vbscript", "data")], links.hrefs
    assert f'title="{iri}"' in r.text  # still shown, as text


def test_http_https_and_mailto_iris_are_still_links(client: TestClient) -> None:
    query = "SELECT ?x WHERE { VALUES ?x { <https://example.org/a> <http://example.org/b> <mailto:post@example.org> } }"
    r = client.get("/query", params={"query": query}, headers=HTML)
    hrefs = parse(r.text).hrefs
    assert {"https://example.org/a", "http://example.org/b", "mailto:post@example.org"} <= set(hrefs)


PAGES = ["/", "/query", "/query?" + "query=" + XSS_QUERY, "/def", "/id/tiltak/k2020-3.14", "/id/tiltak/", "/no/such/page"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_the_policy_and_needs_no_inline_script(client: TestClient, path: str) -> None:
    r = client.get(path, headers=HTML)
    assert r.headers["content-type"].startswith("text/html")
    csp = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in r.headers["content-security-policy"].split(";")) if d}
    assert csp["frame-ancestors"] == ["'none'"]
    script = csp.get("script-src", csp.get("default-src"))
    assert script is not None and "'unsafe-inline'" not in script and "*" not in script
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
    links = parse(r.text)
    assert links.inline_scripts == 0 and links.handlers == [] and links.styles == []  # the policy breaks none of it


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/sparql?query=ASK%7B%7D", {}),
        ("/sparql", {"Accept": "text/turtle"}),
        ("/api/queries", {}),
        ("/api/status", {}),
        ("/dump.ttl", {}),
        ("/static/style.css", {}),
        ("/static/query.js", {}),
        ("/openapi.json", {}),
        ("/id/tiltak/k2020-3.14", {"Accept": "text/turtle"}),
        ("/api/queries/no-such-query", {}),
    ],
)
def test_every_other_answer_is_nosniff_and_never_a_document(client: TestClient, path: str, headers: dict[str, str]) -> None:
    r = client.get(path, headers=headers)
    assert r.headers["x-content-type-options"] == "nosniff", path
    assert "sandbox" in r.headers["content-security-policy"]
    assert "default-src 'none'" in r.headers["content-security-policy"]
