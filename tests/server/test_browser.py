"""In a real browser: Debian's headless Chromium, driven by Playwright, against the real server.

Open the query page, run the canned query continued-into-k2025, see its rows, follow a link to a tiltak
page and see its K2025 numbers. Playwright never downloads a browser here: it is given /usr/bin/chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    with watched_page(browser, 1280, 900) as p:
        yield p


def test_run_a_canned_query_and_follow_a_tiltak_link(server: Any, page: Any) -> None:
    page.goto(server.url + "/query?editor=plain")  # the plain form (YASGUI's own test: test_query_browser.py)
    assert page.title().startswith("Spør grafen")
    page.select_option("#name", "continued-into-k2025")  # choosing changes nothing by itself (WCAG 3.2.2) …
    page.click("#load")  # … the button loads
    page.wait_for_url("**name=continued-into-k2025**")
    assert "SELECT ?tiltak" in page.input_value("#query")
    assert page.input_value("input[name='p.division']") == "PH"
    page.click("#run")
    page.wait_for_selector("#results table.results")
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 2
    assert page.inner_text("#rowcount") == "2"
    assert "Demensomsorgens ABC" in page.inner_text("table.results")
    assert "Last ned resultatet" in page.inner_text("#results")  # the result as CSV, Excel CSV and XLSX
    assert page.locator("#results a[href*='download=csv']", has_text="CSV").count() == 2
    assert page.locator("#results a[href*='download=xlsx']").count() == 1

    page.click("table.results a[href='/id/tiltak/k2020-3.14']")
    page.wait_for_url("**/id/tiltak/k2020-3.14")
    assert page.inner_text("h1") == "K2020-tiltak 3.14"
    k2025 = page.inner_text("#sec_k2025")
    assert "K2025-tiltak 1.31" in k2025 and "K2025-tiltak 1.10" in k2025
    assert "Sluttrapport K2020, tabell 1, rad 3.14" in k2025  # the source as a citation

    page.click("a[hreflang='en']")  # the visible language switch
    page.wait_for_url("**lang=en**")
    assert page.inner_text("h1") == "K2020 tiltak 3.14"
    assert "Continued as K2025 tiltak" in page.inner_text("#sec_k2025")

    # nothing was loaded from anywhere but the server
    assert page.requested and all(url.startswith(server.url) for url in page.requested), page.requested
    # the Content-Security-Policy broke nothing: the script, the style sheet and the switch all worked
    assert not [m for m in page.console if "Content Security Policy" in m or m.startswith("pageerror")], page.console


def test_the_policy_holds_and_a_javascript_iri_is_no_link(server: Any, page: Any) -> None:
    """Issue 8, item 3, in a browser: the policy is in force, and the issue's IRI cannot be clicked."""
    response = page.goto(server.url + "/query?editor=plain")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.fill("#query", 'SELECT ?x WHERE { BIND(IRI("javascript:alert(document.domain)") AS ?x) }')
    page.click("#run")
    page.wait_for_selector("#results table.results")
    cell = page.locator("table.results tbody td").first
    assert "javascript:alert(document.domain)" in cell.inner_text()
    assert cell.locator("a").count() == 0  # text, not a link
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    cell.click()
    # An inline script, were one injected, would be refused: the page's own policy says so.
    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';
                   document.body.appendChild(s); }"""
    )
    assert page.evaluate("() => window.ran === undefined")
    assert dialogs == []
    assert any("Content Security Policy" in m for m in page.console)  # the refusal, reported


def test_a_syntax_error_is_shown_on_the_page(server: Any, page: Any) -> None:
    page.goto(server.url + "/query?editor=plain")
    page.fill("#query", "SELECT * WHERE { ?s ?p }")
    page.click("#run")
    error = page.wait_for_selector("#results .error")
    assert "linje 1, kolonne 25" in error.inner_text()  # in the page's language (nb-NO here)
