"""No internal words on the pages a user reads: a crawl of the site from the home page.

Every page reachable from the home page through the links a user sees (the part of each page outside
its "technical" block of raw triples, marked ``data-raw``) is fetched in bokmål, and the first
:data:`ENGLISH_PER_FOLDER` pages of each folder in English; its visible text must not name the
project's internals: seed documents, file names, line-number IRIs, prefixed names of the graph's
resources, or the project's notes on its sources. Every page answers 200, and so do the other internal
links on them (the downloads, ``?format=``, ``/instances``, ``/def``, ``/query``, …: the first
:data:`PER_SHAPE` of each kind).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.server import Settings, create_app
from tests.server.pages import Page

REPO = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # what a click sends

#: What a user must never read, with why.
INTERNAL = {
    r"(?i)\bseeds?\b|seed-?\d{3}|seed\d{3}": "the project's name for its source documents",
    r"\d{3}_[0-9a-f]{16}(\.txt)?": "a source document's file name",
    r"(?i)\breadme\b|\b[\w-]+\.md\b": "a file of the project",
    r"-L\d+(-\d+)?\b": "a line-number IRI",
    r"\b(src|record|flow|figure|cube|statement|cont):[\w.-]+": "a prefixed name of a resource",
}
#: Where the crawl goes: the site's pages (not the query page, the API, the dumps or the endpoint).
CRAWLED = re.compile(r"^/(id/[^?#]*)?(\?lang=en)?$")
LIMIT = 5000
PER_SHAPE = 25
ENGLISH_PER_FOLDER = 8


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    kg = KnowledgeGraph.load(Project.at(REPO))
    with TestClient(create_app(kg, Settings(workers=1, max_workers=2))) as c:
        yield c


def internal_words(text: str) -> list[str]:
    return [f"{m.group(0)!r} ({why})" for pattern, why in INTERNAL.items() for m in re.finditer(pattern, text)]


def test_checker_finds_each_kind_of_word() -> None:
    for sample in (
        "seed-001, linje 5",
        "seed 000",
        "001_85afa97b513bbd00.txt",
        "k2025.md says",
        "src:x-L12-14",
        "flow:seed000-k2020-1.1",
    ):
        assert internal_words(sample), sample
    assert internal_words("Sluttrapport K2020, tabell 1, rad 3.14") == []


def test_no_internal_words_on_user_pages(client: TestClient) -> None:
    queue: deque[str] = deque(["/", "/?lang=en"])
    seen: set[str] = set(queue)
    problems: list[str] = []
    english: dict[str, int] = {}
    others: dict[tuple[str, ...], dict[str, str]] = {}  # internal links outside the crawl: shape -> link -> a page with it
    fetched = 0
    while queue and fetched < LIMIT:
        path = queue.popleft()
        r = client.get(path, headers=HTML)
        fetched += 1
        assert r.status_code == 200, path
        page = Page(r.text)
        problems += [f"{path}: {w}" for w in internal_words(page.text)]
        for link in page.links:
            link = link.split("#")[0]
            if link.startswith("/") and not link.startswith("//") and not CRAWLED.match(link):
                others.setdefault(link_shape(link), {}).setdefault(link, path)  # checked below, not crawled
            if not CRAWLED.match(link) or link in seen:
                continue
            if link.endswith("?lang=en"):
                folder = link.split("/")[2] if link.startswith("/id/") else ""
                if english.get(folder, 0) >= ENGLISH_PER_FOLDER:
                    continue
                english[folder] = english.get(folder, 0) + 1
            seen.add(link)
            queue.append(link)
        client.cookies.clear()
    assert LIMIT > fetched > 1000  # tiltak, measures, actors, schemes, strategies, sources, locations, …
    assert problems == [], f"{len(problems)} internal words, e.g. " + "; ".join(problems[:15])
    # Every other internal link of those pages answers 200 (the first PER_SHAPE of each shape of link).
    broken = []
    for links in others.values():
        for link, where in list(links.items())[:PER_SHAPE]:
            status = client.get(link, headers=BROWSER).status_code
            if status != 200:
                broken.append(f"{where} links to {link}: {status}")
    assert len(others) > 10
    assert broken == [], "\n".join(broken[:20])


def link_shape(link: str) -> tuple[str, ...]:
    """What a link is, for sampling: its first path segment and its query's parameter names."""
    path, _, query = link.partition("?")
    return (path.split("/")[1], *sorted({p.split("=")[0] for p in query.split("&") if p}))


def canned_names() -> list[str]:
    names = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
    assert len(names) > 10
    return names


def test_no_internal_words_on_the_query_page(client: TestClient) -> None:
    """The query page of every canned query, in both languages: titles, descriptions, parameter help and
    everything else a user reads; the editor's text is the query as code, for those who write SPARQL
    (marked ``data-raw`` and labelled so), and is left out."""
    problems = []
    for name in canned_names():
        for lang in ("nb", "en"):
            r = client.get("/query", params={"name": name, "lang": lang}, headers=HTML)
            assert r.status_code == 200, name
            page = Page(r.text)
            problems += [f"{name}@{lang}: {w}" for w in internal_words(page.text)]
            assert "SPARQL" in r.text.split('<div class="plain" data-raw>')[1].split("</label>")[0]  # the code, said so
    assert problems == [], f"{len(problems)} internal words, e.g. " + "; ".join(problems[:15])


def test_no_internal_words_in_the_editor_s_tabs(client: TestClient) -> None:
    """What YASGUI shows above a canned query's tab: its title, description and parameters' help."""
    for lang in ("nb", "en"):
        queries = client.get("/query/canned.json", params={"lang": lang}).json()["queries"]
        assert len(queries) == len(canned_names())
        for q in queries:
            said = " ".join([q["title"], q["description"], *(p["help"] for p in q["parameters"])])
            assert internal_words(said) == [], f"{q['name']}@{lang}: {internal_words(said)}"


class Raw(Page):
    """A page's data-raw blocks: the tag each is, whether it is open, its summary's text, and its text."""

    def __init__(self, html: str) -> None:
        self.blocks: list[dict[str, str | bool]] = []
        self._summary = False
        self._raw_open = 0
        super().__init__(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-raw" in a and self._raw_depth is None:
            self.blocks.append({"tag": tag, "open": "open" in a, "summary": "", "text": ""})
        if tag == "summary" and self.blocks and self._raw_depth is not None:
            self._summary = True
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "summary":
            self._summary = False
        super().handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._raw_depth is not None and self.blocks:
            self.blocks[-1]["text"] = str(self.blocks[-1]["text"]) + data
            if self._summary:
                self.blocks[-1]["summary"] = str(self.blocks[-1]["summary"]) + data
        super().handle_data(data)


@pytest.mark.parametrize(
    ("path", "summary"),
    [
        ("/id/tiltak/k2020-1.1", "For utviklere"),
        ("/id/tiltak/k2020-1.1?lang=en", "For developers"),
        ("/id/actor/nlu", "For utviklere"),
        ("/id/source/seed-002", "For utviklere"),
    ],
)
def test_the_raw_data_of_a_page_is_folded_away_for_developers(client: TestClient, path: str, summary: str) -> None:
    """The data as the graph holds it (records named record:seed000-…, the project's notes, file names)
    is in a folded section that says it is for developers; the page's facts stand above it."""
    client.cookies.clear()  # the language of an earlier ?lang=en stays in a cookie
    r = client.get(path, headers=HTML)
    assert r.status_code == 200
    page = Raw(r.text)
    assert internal_words(" ".join(str(b["text"]) for b in page.blocks))  # the raw data does name internals …
    assert [(b["tag"], b["open"]) for b in page.blocks] == [("details", False)]  # … folded away,
    assert str(page.blocks[0]["summary"]).strip().startswith(summary)  # … and said to be for developers
    assert internal_words(page.text) == []
