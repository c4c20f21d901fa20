"""Search in a real browser (Debian's headless Chromium, driven by Playwright, against a real server).

From the home page, type a misspelt word in the header's search box, press Enter, see the results
grouped by kind, and follow one to its tiltak page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import BROWSER_MARKS, launched, watched_page

pytestmark = [
    *BROWSER_MARKS,
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, 375, 800) as p:
        yield p


def test_type_in_the_box_and_reach_a_result(server: Any, page: Any, tmp_path: Path) -> None:
    page.goto(server.url + "/")
    box = page.get_by_role("searchbox", name="Søk i grafen")
    box.fill("demnes")  # a typo for "demens"
    box.press("Enter")
    page.wait_for_url("**/search?q=demnes")
    results = page.wait_for_selector("#search-results")
    assert "Fant ikke «demnes»; viser treff for «demens»." in results.inner_text()
    group = page.locator("#kind-tiltak-k2020")
    assert group.locator("h2").inner_text().startswith("Tiltak i K2020")
    assert page.input_value("#site-search") == "demnes"  # the box keeps the text
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    group.get_by_role("link", name="K2020-tiltak 3.2").click()
    page.wait_for_url("**/id/tiltak/k2020-3.2")
    assert page.inner_text("h1") == "K2020-tiltak 3.2"
    assert not [m for m in page.console if "Content Security Policy" in m or m.startswith("pageerror")], page.console


def test_the_search_page_in_english_with_the_keyboard(server: Any, page: Any) -> None:
    page.goto(server.url + "/search?lang=en")
    page.focus("#search-q")
    page.keyboard.type("menn helse")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results")
    assert "Results for «menn helse»" in page.inner_text("#search-count")
    link = page.locator("#kind-tiltak-k2020 a.hit").first
    assert link.inner_text() == "K2020 tiltak 1.1"
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/id/tiltak/k2020-1.1")
