"""Issue 8, item 3: click-to-run XSS through a result IRI, and the headers every answer carries.

A result IRI used to become a link unchanged: ``BIND(IRI("javascript:alert(document.domain)") AS ?x)``
on ``/query`` gave ``<a href="javascript:alert(document.domain)">``, one click from running script on
the site's origin. Only http(s) and mailto IRIs are links now; every HTML answer carries a
Content-Security-Policy without inline script, frame protection, a Referrer-Policy and nosniff.
"""

from __future__ import annotations

from collections.abc import Iterator
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


# -- the pictures (server/diagrampages.py): labels from the data inside SVG --------------------------

#: A name that would run script or leave an attribute if a picture wrote it unescaped.
HOSTILE = '<script>alert("svg")</script>" onmouseover="alert(1)'

HOSTILE_TTL = """
@prefix k2: <https://w3id.org/k2020graph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix plan: <https://w3id.org/k2020graph/id/plan/> .
@prefix strategy: <https://w3id.org/k2020graph/id/strategy/> .
@prefix tiltak: <https://w3id.org/k2020graph/id/tiltak/> .
@prefix actor: <https://w3id.org/k2020graph/id/actor/> .
@prefix flow: <https://w3id.org/k2020graph/id/flow/> .
@prefix concept: <https://w3id.org/k2020graph/id/concept/> .
@prefix cube: <https://w3id.org/k2020graph/id/cube/> .

strategy:k2020-9 a k2:Strategy ; skos:notation "9" ; skos:prefLabel "H@@"@nb ; k2:inPlan plan:k2020 .
strategy:k2025-9 a k2:Strategy ; skos:notation "9" ; skos:prefLabel "H@@"@nb ; k2:inPlan plan:k2025 .
tiltak:k2020-9.1 a k2:Tiltak ; rdfs:label "H@@"@nb ; k2:name "H@@"@nb ; skos:notation "9.1" ; k2:inPlan plan:k2020 ;
    k2:strategy strategy:k2020-9 ; k2:continuesAs tiltak:k2025-9.1 ; k2:tiltakStatus concept:status-xss ;
    k2:continuationStatus concept:status-xss ; k2:responsibleActor actor:xss .
tiltak:k2025-9.1 a k2:Tiltak ; rdfs:label "H@@"@nb ; skos:notation "9.1" ; k2:inPlan plan:k2025 ;
    k2:inferredStrategy strategy:k2025-9 .
concept:status-xss a skos:Concept ; skos:prefLabel "H@@"@nb .
actor:xss a k2:ActorGroup ; rdfs:label "H@@"@nb .
flow:xss a k2:FundingFlow ; k2:grantor actor:xss ; k2:recipient actor:xss ; k2:forTiltak tiltak:k2020-9.1 .
cube:xss a qb:DataSet ; rdfs:label "H@@"@nb ; qb:structure cube:xss-dsd .
cube:xss-dsd a qb:DataStructureDefinition ;
    qb:component [ qb:dimension k2:county ] , [ qb:dimension k2:refYear ] , [ qb:dimension k2:statistic ] .
concept:year-xss skos:notation "2016" .
cube:xss-1 a qb:Observation ; qb:dataSet cube:xss ; k2:county concept:status-xss ; k2:refYear concept:year-xss ;
    k2:statistic concept:status-xss ; sdmx-measure:obsValue 7 .
"""


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from conftest import make_root  # tests/server is on sys.path

    from k2020graph.loading import KnowledgeGraph
    from k2020graph.project import Project
    from k2020graph.server import Settings, create_app

    root = make_root(tmp_path_factory.mktemp("hostile-root"))
    escaped = HOSTILE.replace("\\", "\\\\").replace('"', '\\"')
    (root / "data/turtle/hostile.ttl").write_text(HOSTILE_TTL.replace("H@@", escaped), encoding="utf-8")
    with TestClient(create_app(KnowledgeGraph.load(Project.at(root)), Settings(timeout=5, workers=1, max_workers=2))) as c:
        yield c


@pytest.mark.parametrize("path", ["/lineage", "/funding", "/id/strategy/k2020-9", "/id/actor/xss", "/id/cube/xss"])
def test_a_label_with_script_and_quotes_stays_text_in_the_pictures(hostile_client: TestClient, path: str) -> None:
    import re
    import xml.etree.ElementTree as ET

    r = hostile_client.get(path, headers=HTML)
    assert r.status_code == 200
    found = re.findall(r"<svg\b.*?</svg>", r.text, re.S)
    assert found, "the page has its picture"
    for svg in found:
        assert "<script" not in svg and ' onmouseover="' not in svg  # escaped: &lt;script&gt;, &quot;
        root = ET.fromstring(svg)  # well-formed: no text broke out of an element or attribute
        texts = [t for el in root.iter() for t in [el.text or "", *el.attrib.values()]]
        assert any(HOSTILE in t for t in texts), "the label is shown, as text"
        assert not [el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "script"]
        assert not [name for el in root.iter() for name in el.attrib if name.startswith("on")]
    links = parse(r.text)
    assert links.inline_scripts == 0 and links.handlers == [] and links.styles == []
