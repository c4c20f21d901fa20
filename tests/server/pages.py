"""Reading the site's pages in tests: the facts, the answer tables, the text a user sees (stdlib only)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class AnswerRowSeen:
    continued: str
    cells: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """One page: ``facts`` (data-fact key -> text of its dd), ``rows`` of the answer table,
    ``counts`` (the summary's data-counts), ``user_text`` (visible text outside data-raw), ``links``
    (hrefs outside data-raw) and ``h1``."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.facts: dict[str, str] = {}
        self.rows: list[AnswerRowSeen] = []
        self.counts: list[int] = []
        self.user_text: list[str] = []
        self.links: list[str] = []
        self.all_links: list[str] = []
        self.h1 = ""
        self._stack: list[tuple[str, dict[str, str | None]]] = []
        self._raw_depth: int | None = None
        self._fact: tuple[str, int] | None = None
        self._row: AnswerRowSeen | None = None
        self._cell: list[str] | None = None
        self._in_h1 = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.all_links.append(a["href"] or "")
            if self._raw_depth is None:
                self.links.append(a["href"] or "")
            if self._row is not None:
                self._row.hrefs.append(a["href"] or "")
        if tag in VOID:
            if tag == "br":
                self.handle_data(" ")
            return
        self._stack.append((tag, a))
        depth = len(self._stack)
        if "data-raw" in a and self._raw_depth is None:
            self._raw_depth = depth
        if tag == "dd" and a.get("data-fact"):
            self._fact = (a["data-fact"] or "", depth)
            self.facts[self._fact[0]] = ""
        if tag == "tr" and a.get("data-continued"):
            self._row = AnswerRowSeen(a["data-continued"] or "")
            self.rows.append(self._row)
        if tag == "td" and self._row is not None:
            self._cell = []
        if tag == "p" and a.get("data-counts"):
            self.counts = [int(n) for n in (a["data-counts"] or "").split()]
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self._stack:
            open_tag, _ = self._stack.pop()
            depth = len(self._stack) + 1
            if self._raw_depth is not None and depth <= self._raw_depth:
                self._raw_depth = None
            if self._fact is not None and depth <= self._fact[1]:
                self._fact = None
            if open_tag == "td" and self._row is not None and self._cell is not None:
                self._row.cells.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
                self._cell = None
            if open_tag == "tr":
                self._row = None
            if open_tag == "h1":
                self._in_h1 = False
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        inside = [t for t, _ in self._stack]
        if "script" in inside or "style" in inside or "title" in inside:
            return
        if self._raw_depth is None:
            self.user_text.append(data)
        if self._fact is not None:
            self.facts[self._fact[0]] += data
        if self._cell is not None:
            self._cell.append(data)
        if self._in_h1:
            self.h1 += data

    def fact(self, key: str) -> str:
        return re.sub(r"\s+", " ", self.facts.get(key, "")).strip()

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.user_text))
