"""The pictures in a real browser (Debian's headless Chromium, driven by Playwright) over the repository's data.

Each picture renders with as many nodes or bars as its table lists, has an accessible name, its links are
reached with the Tab key in order, and at 375 px the page does not scroll sideways. Screenshots are kept
in the test's tmp_path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import BROWSER_MARKS, launched
from conftest import REPO, ServerProcess  # tests/server is on sys.path

pytestmark = [
    *BROWSER_MARKS,
]

#: page, the picture's id, its accessible name (nb), and how the table's facts give the picture's node count
PICTURES = [
    ("/lineage", "lineage", "Fra K2020 til K2025: hvilke tiltak videreføres som hva", "flow"),
    ("/funding", "funding", "Tilskuddsstrømmer: fra tilskuddsgiver til mottaker", "flow"),
    ("/id/strategy/k2020-3", "chart-continuation", "Tiltakene etter videreføring i K2025", "bars"),
    ("/id/cube/seed002-tabell-01", "chart-dataset", None, "cells"),
]


@pytest.fixture(scope="module")
def repo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(REPO, tmp_path_factory.mktemp("diagrams") / "server.log", "--timeout", "5")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


def open_page(browser: Any, width: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(locale="nb-NO", viewport={"width": width, "height": 900})
    page = context.new_page()
    console: list[str] = []  # errors and warnings (a CSP violation is one) and failed requests
    page.on(
        "console",
        lambda m: (
            console.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") and not m.text.startswith("Failed to load resource")  # the answer is checked below
            else None
        ),
    )
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on(
        "response",
        lambda r: console.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None,
    )
    return context, page, console


def table_facts(page: Any, ident: str, kind: str) -> int:
    """What the table under the picture says the picture must hold."""
    table = f"#{ident}-table tbody tr"
    if kind == "flow":  # distinct first-column links + distinct links of the other end
        other = 3 if ident == "lineage" else 2
        left = page.eval_on_selector_all(f"{table} > :nth-child(1) a", "els => els.map(e => e.getAttribute('href'))")
        right = page.eval_on_selector_all(f"{table} > :nth-child({other}) a", "els => els.map(e => e.getAttribute('href'))")
        return len(set(left)) + len(set(right))
    if kind == "bars":  # one bar per row
        return int(page.locator(table).count())
    # cells: every numeric cell of the rows that are not the table's own total (the last row here)
    rows = page.locator(table).count()
    columns = page.locator(f"#{ident}-table thead th").count() - 1
    return (rows - 1) * columns


@pytest.mark.parametrize(("path", "ident", "name", "kind"), PICTURES)
def test_picture_renders_with_its_nodes_a_name_and_keyboard_access(
    repo_server: ServerProcess, browser: Any, tmp_path: Path, path: str, ident: str, name: str | None, kind: str
) -> None:
    context, page, console = open_page(browser, 1280)
    try:
        page.goto(repo_server.url + path)
        svg = page.locator(f"svg#{ident}")
        assert svg.count() == 1
        svg.screenshot(path=str(tmp_path / f"{ident}.png"))
        drawn = svg.locator(".node" if kind == "flow" else "rect.bar").count()
        assert drawn == table_facts(page, ident, kind) > 0
        box = svg.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100  # laid out, not collapsed
        label = svg.get_attribute("aria-label")
        assert label and (name is None or label == name)
        role = svg.get_attribute("role")
        assert role in ("img", "group")
        assert page.get_by_role(role, name=label, exact=True).count() == 1  # the accessible name as computed
        assert svg.locator("title").first.text_content() == label and svg.locator("desc").count() == 1

        # Tab from the top of the page until a link of the picture has the focus, then through all of them
        hrefs: list[str] = svg.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        names: list[str] = svg.locator("a").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
        assert hrefs and all(names)
        assert page.get_by_role("link", name=names[0], exact=True).count() >= 1
        focusable = page.locator("a[href], button, input, select, textarea, summary").count()
        inside = "() => !!document.activeElement.closest('svg#" + ident + "')"
        for _ in range(focusable + 2):
            page.keyboard.press("Tab")
            if page.evaluate(inside):
                break
        reached = [page.evaluate("() => document.activeElement.getAttribute('href')")]
        for _ in range(len(hrefs) - 1):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("() => document.activeElement.getAttribute('href')"))
        assert reached == hrefs
        assert console == []  # no CSP violation, no error
    finally:
        context.close()


#: Pages whose other tables (the resource page's own sections, not the pictures) are still wider than 375 px:
#: there only the pictures' sections are measured.
PICTURES_ONLY = ["/id/actor/hdir-ph", "/id/scheme/kommunalt-kompetanse-og-innovasjonstilskudd"]


@pytest.mark.parametrize("path", [p for p, *_ in PICTURES] + PICTURES_ONLY)
def test_no_sideways_scroll_at_375_px(repo_server: ServerProcess, browser: Any, tmp_path: Path, path: str) -> None:
    context, page, console = open_page(browser, 375)
    try:
        page.goto(repo_server.url + path)
        assert page.locator("svg.diagram").count() >= 1
        page.screenshot(path=str(tmp_path / "page-375.png"), full_page=True)
        sections = page.eval_on_selector_all(".picture", "els => els.map(e => e.getBoundingClientRect().right)")
        assert sections and max(sections) <= 375, sections
        if path not in PICTURES_ONLY:
            width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
            assert width <= 375, f"{path} is {width} px wide at 375 px"
        assert console == []
    finally:
        context.close()
