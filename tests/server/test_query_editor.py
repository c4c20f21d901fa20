"""Issue 14, the query page and the canned-query API: parameter values checked against their allowed
values, an unknown query name said on the page, syntax errors in plain words with the position,
readable column headings, the npm files served from a whitelist, and no page that loads anything
from elsewhere. The expected values come from the fixture graph (read with rdflib) and the query files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib.namespace import SKOS

from k2020graph.loading import KnowledgeGraph
from k2020graph.namespaces import K2
from k2020graph.server import Settings, create_app
from k2020graph.server.vendor import FILES, Vendor

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"
needs_npm = pytest.mark.skipif(
    not (NODE_MODULES / FILES["yasgui/yasgui.min.js"]).is_file(), reason="node_modules absent: run `make web` (npm ci)"
)


def divisions(kg: KnowledgeGraph) -> list[str]:
    g = kg.data_and_derived_graph
    return sorted({str(g.value(a, SKOS.notation)) for a in g.objects(None, K2.responsible)})


def heading_of(variable: str, lang: str) -> str:
    """The heading the query file gives ``variable`` (read from the file, not through the package)."""
    text = (REPO / "queries" / "continued-into-k2025.rq").read_text(encoding="utf-8")
    m = re.search(rf"^#\+ column: {variable} \| (.*?) \| (.*?)$", text, re.M)
    assert m, variable
    return m.group(1) if lang == "nb" else m.group(2)


# ----------------------------------------------------------------------------------------------------------
# Allowed values: the API and the page
# ----------------------------------------------------------------------------------------------------------


def test_api_takes_a_code_in_lower_case(client: TestClient) -> None:
    lower = client.get("/api/queries/continued-into-k2025", params={"division": "ph"})
    upper = client.get("/api/queries/continued-into-k2025", params={"division": "PH"})
    assert lower.status_code == 200
    rows = lower.json()["results"]["bindings"]
    assert rows and rows == upper.json()["results"]["bindings"]
    assert {r["division"]["value"] for r in rows} == {"PH"}


@pytest.mark.parametrize("value", ["XX", "Helsedirektoratet", "HDIR"])
def test_api_refuses_a_value_not_in_the_data_listing_the_valid_codes(
    client: TestClient, mini_kg: KnowledgeGraph, value: str
) -> None:
    r = client.get("/api/queries/continued-into-k2025", params={"division": value})
    assert r.status_code == 400
    error = r.json()["error"]
    listing = ", ".join(divisions(mini_kg))
    assert f"{value!r} is not one of the valid values: {listing}" in error
    assert f"er ikke blant de gyldige verdiene: {listing}" in error


def test_the_page_refuses_it_too_and_keeps_the_form(client: TestClient, mini_kg: KnowledgeGraph) -> None:
    text = client.get("/api/queries").json()[0]["query"]
    r = client.get("/query", params={"name": "continued-into-k2025", "query": text, "p.division": "xx"})
    assert r.status_code == 400
    assert "er ikke blant de gyldige verdiene: " + ", ".join(divisions(mini_kg)) in r.text
    assert 'role="alert"' in r.text and 'name="p.division"' in r.text


def test_the_page_lists_the_valid_values_beside_the_field(client: TestClient, mini_kg: KnowledgeGraph) -> None:
    r = client.get("/query", params={"name": "continued-into-k2025", "action": "load"})
    assert r.status_code == 200
    for code in divisions(mini_kg):
        assert f'<option value="{code}">' in r.text
    assert 'list="values-division"' in r.text


def test_run_endpoint_checks_values_and_binds_the_canonical_code(client: TestClient, mini_kg: KnowledgeGraph) -> None:
    text = client.get("/api/queries").json()[0]["query"]
    ok = client.post("/query/run", data={"query": text, "name": "continued-into-k2025", "p.division": "ph", "lang": "nb"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("application/sparql-results+json")
    assert [b["nr"]["value"] for b in ok.json()["results"]["bindings"]] == ["3.2", "3.14"]  # the fixture's PH tiltak
    bad = client.post("/query/run", data={"query": text, "name": "continued-into-k2025", "p.division": "XX", "lang": "en"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/plain")
    assert "is not one of the valid values: " + ", ".join(divisions(mini_kg)) in bad.text


# ----------------------------------------------------------------------------------------------------------
# The page: an unknown name, errors in plain words, headings
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "said"), [("nb", "Ingen ferdig spørring heter «nope»."), ("en", "No canned query is named «nope».")]
)
def test_an_unknown_query_name_is_said_on_the_page(client: TestClient, lang: str, said: str) -> None:
    r = client.get("/query", params={"name": "nope", "action": "load", "lang": lang})
    assert r.status_code == 404  # was: 200 and an empty editor without a word
    assert said in r.text and 'role="alert"' in r.text
    assert '<textarea id="query"' in r.text  # the editor is still there


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        (
            "SELECT * WHERE { ?s foo:bar ?o }",
            "nb",
            "Ukjent prefiks «foo:» på linje 1, kolonne 28.",
        ),
        (
            "SELECT * WHERE {\n  ?s skos:notation ?o }",
            "en",
            "Unknown prefix «skos:» at line 2, column 19. Add this line at the top of the query: "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>",
        ),
        (
            "SELECT * WHERE { ?s ?p ?o ",
            "en",
            "The query ends before it is complete (line 1, column 27), after «* WHERE { ?s ?p ?o»",
        ),
        ("SELECT * WHERE { ?s <a b> ?o }", "nb", "Ugyldig IRI på linje 1, kolonne"),
        (
            "SELECT * WHERE { ?s ?p ?o } LIMT 3",
            "nb",
            "Spørringen slutter før den er hel (linje 1, kolonne 35), etter «{ ?s ?p ?o } LIMT 3»",
        ),
        (
            "SELECT (COUNT(?s) ?n) WHERE { ?s ?p ?o }",
            "en",
            "The query cannot be read at line 1, column 23, at «WHERE { ?s ?p ?o }».",
        ),
    ],
)
def test_syntax_errors_are_said_in_plain_words_with_the_position(
    client: TestClient, query: str, lang: str, expected: str
) -> None:
    for r in (
        client.get("/query", params={"query": query, "lang": lang}),
        client.post("/query/run", data={"query": query, "lang": lang}),
    ):
        assert r.status_code == 400
        assert expected in r.text.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"')
        assert "expected one of" not in r.text and "\\u{" not in r.text  # no parser dump


def test_columns_have_the_query_s_own_headings(client: TestClient) -> None:
    text = client.get("/api/queries").json()[0]["query"]
    for lang in ("nb", "en"):
        r = client.get("/query", params={"name": "continued-into-k2025", "query": text, "lang": lang})
        assert r.status_code == 200
        headings = re.findall(r'<th scope="col" title="\?(\w+)">(.*?)</th>', r.text)
        assert headings and all(h == heading_of(v, lang) for v, h in headings)
        assert ("nr", heading_of("nr", lang)) in headings


def test_canned_json_gives_tabs_their_forms_and_headings(client: TestClient, mini_kg: KnowledgeGraph) -> None:
    queries = {q["name"]: q for q in client.get("/query/canned.json", params={"lang": "en"}).json()["queries"]}
    q = queries["continued-into-k2025"]
    assert q["parameters"][0]["name"] == "division" and q["parameters"][0]["values"] == divisions(mini_kg)
    assert q["headings"]["nr"] == heading_of("nr", "en")


def test_vocabulary_is_the_graph_s_own(client: TestClient) -> None:
    vocab = client.get("/query/vocabulary.json").json()
    assert "k2: <https://w3id.org/k2020graph/def#>" in vocab["prefixDeclarations"]
    assert "https://w3id.org/k2020graph/def#Tiltak" in vocab["classes"]
    assert "https://w3id.org/k2020graph/def#responsible" in vocab["properties"]
    assert "http://www.w3.org/2004/02/skos/core#notation" in vocab["properties"]


def test_the_select_does_not_navigate_by_itself() -> None:
    """WCAG 3.2.2: the script never submits on a change of the canned-query list (a button loads)."""
    script = (REPO / "k2020graph/server/static/query.js").read_text(encoding="utf-8")
    assert '"change"' not in script and "'change'" not in script


# ----------------------------------------------------------------------------------------------------------
# npm's files: a whitelist, and the page without them
# ----------------------------------------------------------------------------------------------------------


@needs_npm
def test_the_listed_npm_files_are_served(client: TestClient) -> None:
    for name in FILES:
        r = client.get("/static/vendor/" + name)
        assert r.status_code == 200, name
        assert r.content == (NODE_MODULES / FILES[name]).read_bytes()
    assert client.get("/static/vendor/yasgui/yasgui.min.js").headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/@zazuko/yasgui/package.json",
        "/static/vendor/../package.json",
        "/static/vendor/%2e%2e/%2e%2e/pyproject.toml",
        "/static/vendor/yasgui/yasgui.min.js.map",
        "/static/vendor/axe-core/axe.js",
    ],
)
def test_nothing_else_of_node_modules_is_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.fixture
def plain_client(mini_kg: KnowledgeGraph, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(mini_kg, Settings(timeout=5, workers=1, max_workers=1))
    app.state.vendor = Vendor(tmp_path / "node_modules")  # as on a machine without npm
    with TestClient(app) as c:
        yield c


def test_without_node_modules_the_page_is_the_plain_editor(plain_client: TestClient) -> None:
    page = plain_client.get("/query", params={"name": "continued-into-k2025", "action": "load"})
    assert page.status_code == 200
    assert "/static/vendor/" not in page.text and 'id="yasgui"' not in page.text
    assert '<textarea id="query"' in page.text and 'id="load"' in page.text
    text = plain_client.get("/api/queries").json()[0]["query"]
    run = plain_client.get("/query", params={"name": "continued-into-k2025", "query": text, "p.division": "ph"})
    assert run.status_code == 200 and "Demensomsorgens ABC" in run.text
    assert plain_client.get("/static/vendor/yasgui/yasgui.min.js").status_code == 404


@needs_npm
def test_with_node_modules_the_page_loads_yasgui_from_this_site(client: TestClient) -> None:
    page = client.get("/query").text
    assert '<script src="/static/vendor/yasgui/yasgui.min.js" defer></script>' in page
    assert '<link rel="stylesheet" href="/static/vendor/yasgui/yasgui.min.css">' in page


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"] or "")
        if tag == "link" and a.get("href") and "stylesheet" in (a.get("rel") or "") + (a.get("as") or ""):
            self.urls.append(a["href"] or "")
        if tag in ("img", "iframe", "source") and a.get("src"):
            self.urls.append(a["src"] or "")


@pytest.mark.parametrize(
    "path",
    ["/", "/query", "/query?name=continued-into-k2025", "/def", "/id/tiltak/", "/id/tiltak/k2020-3.14", "/id/actor/"],
)
def test_no_page_references_a_script_or_style_elsewhere(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200
    refs = _Refs()
    refs.feed(r.text)
    assert refs.urls or path != "/query"
    for url in refs.urls:
        assert url.startswith("/") and not url.startswith("//"), (path, url)
