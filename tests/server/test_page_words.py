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
