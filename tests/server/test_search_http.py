"""Search over HTTP: ``/api/search`` (JSON, in the OpenAPI document), the page ``/search`` and the box on every page.

Over the small fixture root (``fixtures/mini.ttl``), whose titles are known: tiltak 3.2 "Demensomsorgens
ABC"@nb and "Demensomsorgas ABC"@nn, tiltak 1.1 "Menn i helse".
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.server import Settings, create_app

TILTAK = "https://w3id.org/k2020graph/id/tiltak/"


def iris(data: dict[str, Any], kind: str | None = None) -> set[str]:
    return {h["iri"] for g in data["groups"] if kind in (None, g["kind"]) for h in g["results"]}


def test_json_shape(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "demens"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert set(data) == {"query", "words", "lang", "total", "allWords", "corrections", "groups"}
    assert data["query"] == "demens" and data["words"] == ["demens"] and data["lang"] == "nb"
    assert data["total"] == sum(g["total"] for g in data["groups"])
    group = next(g for g in data["groups"] if g["kind"] == "tiltak-k2020")
    assert set(group) == {"kind", "title", "total", "results"} and group["title"] == "Tiltak i K2020"
    hit = next(h for h in group["results"] if h["iri"] == TILTAK + "k2020-3.2")
    assert set(hit) == {
        "iri", "url", "kind", "label", "labelLang", "title", "titleLang", "field", "lang", "snippet", "highlights", "score"
    }  # fmt: skip
    assert hit["labelLang"] == "nb" and hit["titleLang"] == "nb"
    assert hit["label"] == "K2020-tiltak 3.2" and hit["title"] == "Demensomsorgens ABC"
    assert hit["url"].endswith("/id/tiltak/k2020-3.2")
    for start, end in hit["highlights"]:
        assert hit["snippet"][start:end].lower().startswith("demens")
    assert client.get(hit["url"].split("/", 3)[3].join(["/", ""])).status_code == 200  # the page exists


def test_english_names_and_a_typo(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "demnes", "lang": "en"}).json()
    assert data["corrections"] == {"demnes": ["demens"]}
    group = next(g for g in data["groups"] if g["kind"] == "tiltak-k2020")
    assert group["title"] == "K2020 tiltak"
    assert TILTAK + "k2020-3.2" in iris(data)


def test_documented_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/search"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"q", "lang", "limit"}
    assert "400" in op["responses"] and "200" in op["responses"]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"q": '"'}, "no words"),
        ({"q": "*"}, "no words"),
        ({"q": ""}, "Type one or more words"),
        ({}, "Type one or more words"),
        ({"q": "x" * 201}, "201 characters"),
        ({"q": "demens " * 4_000}, "27999 characters"),
        ({"q": "a b c d e f g h i"}, "9 words"),
        ({"q": "demens", "lang": "de"}, "lang"),
        ({"q": "demens", "limit": "0"}, "limit"),
        ({"q": "demens", "limit": "1e3"}, "limit"),
    ],
)
def test_unusable_input_is_a_400_with_a_message(client: TestClient, params: dict[str, str], needle: str) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == 400
    body = r.json()
    assert needle in body["error"] and " / " in body["error"]  # both languages


@pytest.mark.parametrize("q", ["NEAR(", "AND", "demens*", '"demens"', "(demens OR x)", "x:demens", "\x00", "demens\u0000", "^"])
def test_fts5_syntax_never_gives_a_500(client: TestClient, q: str) -> None:
    r = client.get("/api/search", params={"q": q})
    assert r.status_code in (200, 400), r.text
    page = client.get("/search", params={"q": q})
    assert page.status_code in (200, 400)
    assert "Traceback" not in page.text


def test_the_page_groups_results_and_links_them(client: TestClient) -> None:
    r = client.get("/search", params={"q": "demens"})
    assert r.status_code == 200 and r.headers["content-language"] == "nb"
    assert 'id="search-results"' in r.text and "Tiltak i K2020" in r.text
    assert 'href="/id/tiltak/k2020-3.2"' in r.text and "<mark>Demensomsorgens</mark> ABC" in r.text
    en = client.get("/search", params={"q": "demens", "lang": "en"})
    assert "K2020 tiltak 3.2" in en.text and "Results for" in en.text
    assert '<span class="hit-title" lang="nb">' in en.text  # the title is Norwegian on the English page
    client.cookies.clear()


def test_the_page_says_what_is_wrong(client: TestClient) -> None:
    r = client.get("/search", params={"q": '"'}, headers={"accept-language": "nb"})
    assert r.status_code == 400 and "ingen ord" in r.text and 'id="search-error"' in r.text
    empty = client.get("/search")
    assert empty.status_code == 200 and 'id="search-q"' in empty.text and "search-error" not in empty.text
    none = client.get("/search", params={"q": "zzzqqqxxx"})
    assert none.status_code == 200 and 'id="search-none"' in none.text


def test_the_text_is_escaped_on_the_page(client: TestClient) -> None:
    q = "<script>alert(1)</script> demens"
    r = client.get("/search", params={"q": q})
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text


def test_every_page_has_the_search_box(client: TestClient) -> None:
    for path in ("/", "/id/tiltak/k2020-3.2", "/query", "/def"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert 'role="search" action="/search"' in r.text and 'id="site-search"' in r.text, path


def test_the_index_is_built_once_per_data_version_and_again_after_a_change(mini_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(mini_root, root)
    app = create_app(KnowledgeGraph.load(Project.at(root)), Settings(timeout=5, workers=1, max_workers=1))
    with TestClient(app) as c:
        service = app.state.search
        assert service.builds == 0  # nothing built until someone searches
        assert iris(c.get("/api/search", params={"q": "kvardagsrehabilitering"}).json()) == set()
        c.get("/api/search", params={"q": "demens"})
        assert service.builds == 1
        (root / "data/turtle/extra.ttl").write_text(
            "@prefix k2: <https://w3id.org/k2020graph/def#> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            "<https://w3id.org/k2020graph/id/tiltak/k2020-9.9> a k2:Tiltak ;\n"
            '    rdfs:label "K2020-tiltak 9.9"@nb ;\n'
            '    k2:aim "Betre kvardagsrehabilitering"@nn .\n',
            encoding="utf-8",
        )
        app.state.k2020.replace_data(KnowledgeGraph.load(Project.at(root)))
        data = c.get("/api/search", params={"q": "kvardagsrehabilitering"}).json()
        assert iris(data) == {TILTAK + "k2020-9.9"}
        assert service.builds == 2
        c.get("/api/search", params={"q": "demens"})
        assert service.builds == 2
