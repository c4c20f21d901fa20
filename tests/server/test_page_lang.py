"""Every text in another language than its page's carries a lang attribute (issue 14, WCAG 3.1.2).

A crawl of the small site from the home page in both languages: each page's texts are matched against
the graph's language-tagged literals; a text that only exists in other languages than the page's must
sit inside an element whose (nearest) lang attribute is one of those languages. Identifiers (in
``<code>``: local names, IRIs) are in no language. The same crawl checks
that every internal link of every page answers 200.
"""

from __future__ import annotations

from collections import defaultdict, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient

HTML = {"Accept": "text/html"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # what a click sends
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Where the crawl goes on: the site's pages (not the endpoint, the API, the dumps, the query page's results).
NOT_CRAWLED = ("/sparql", "/api/", "/dump.", "/openapi.json", "/static/", "/.well-known/", "/catalog", "/query")


class LangTexts(HTMLParser):
    """The page's texts, each with the language of its nearest element with a lang attribute; and its links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str | None]] = []
        self.links: list[str] = []
        self.page_lang: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.page_lang = a.get("lang")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag not in VOID:
            self.stack.append((tag, a.get("lang")))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if text and not any(t in ("script", "style", "code") for t, _ in self.stack):  # code: identifiers, IRIs
            lang = next((lang for _, lang in reversed(self.stack) if lang is not None), None)
            self.texts.append((text, lang))


def tagged_literals(client: TestClient) -> dict[str, set[str]]:
    """Every language-tagged literal of the graph: its text -> its language tags."""
    store = client.app.state.k2020.store.raw  # type: ignore[attr-defined]
    found: dict[str, set[str]] = defaultdict(set)
    for row in store.query("SELECT DISTINCT ?v WHERE { ?s ?p ?v FILTER(lang(?v) != '') }"):
        found[row["v"].value].add(row["v"].language.lower())
    untagged = store.query("SELECT DISTINCT ?v WHERE { ?s ?p ?v FILTER(isLiteral(?v) && lang(?v) = '') }")
    for row in untagged:  # a text that is also untagged somewhere has no one language
        found.pop(row["v"].value, None)
    return found


def test_the_checker_sees_a_missing_lang() -> None:
    page = LangTexts('<html lang="nb"><body><p>Hei <span lang="en">hello</span></p><p>world</p><br>x</body></html>')
    assert page.texts == [("Hei", "nb"), ("hello", "en"), ("world", "nb"), ("x", "nb")]


def test_texts_in_another_language_carry_lang_and_every_link_answers(client: TestClient) -> None:
    literals = tagged_literals(client)
    assert {"nb", "en", "nn"} <= {tag for tags in literals.values() for tag in tags}  # the fixture has each
    queue: deque[str] = deque(["/?lang=nb", "/?lang=en"])
    seen: set[str] = set(queue)
    problems: list[str] = []
    checked = defaultdict(int)
    while queue:
        url = queue.popleft()
        r = client.get(url, headers=HTML)
        if r.status_code != 200:
            problems.append(f"{url}: {r.status_code}")
            continue
        if not r.headers.get("content-type", "").startswith("text/html"):
            continue
        page = LangTexts(r.text)
        assert page.page_lang in ("nb", "en"), url
        for text, lang in page.texts:
            tags = literals.get(text)
            if not tags or page.page_lang in tags:
                continue
            checked[page.page_lang] += 1
            if lang not in tags:
                problems.append(f"{url}: {text!r} is {'/'.join(sorted(tags))} but inside lang={lang}")
        for href in page.links:
            target = urljoin(url, href.split("#")[0])
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target or target in seen:
                continue
            seen.add(target)
            if target.startswith(NOT_CRAWLED):
                status = client.get(target, headers=BROWSER).status_code  # it answers; the crawl stops there
                if status != 200:
                    problems.append(f"{url} links to {target}: {status}")
            else:
                queue.append(target)
    assert len(seen) > 40
    assert checked["nb"] and checked["en"]  # texts in other languages were found on pages of both languages
    assert not problems, "\n".join(problems[:40])
