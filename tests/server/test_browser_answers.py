"""In a real browser (Debian's Chromium via Playwright) against the real server over the repository's data:
a policy adviser goes from the home page to the answer for Helsedirektoratet's division PH in at most two
clicks, and reads the facts of one of its tiltak first, with their citations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.browsing import BROWSER_MARKS
from tests.server.conftest import REPO, ServerProcess
from tests.server.test_browser import browser, page  # noqa: F401  (the fixtures)

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def repo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(REPO, Path(tmp_path_factory.mktemp("server")) / "server.log")
    try:
        yield proc
    finally:
        proc.stop()


def test_home_to_the_ph_answer_in_two_clicks_at_most(repo_server: ServerProcess, page: Any) -> None:  # noqa: F811
    page.goto(repo_server.url + "/")
    clicks = 0
    if not page.locator("#answer").count():
        page.get_by_role("link", name="Divisjon primærhelsetjenester").first.click()
        clicks += 1
    page.wait_for_selector("#answer")
    assert clicks <= 2
    assert page.locator("h1").inner_text() == "Divisjon primærhelsetjenester"
    rows = page.locator("#answer tbody tr")
    assert rows.count() == 24
    assert page.locator('#answer tr[data-continued="yes"]').count() == 16
    assert page.locator('#answer tr[data-continued="no"]').count() == 5
    assert page.locator('#answer tr[data-continued="twin"]').count() == 3
    summary = page.locator("#answer .summary").inner_text()
    assert "24 nummer: 16 videreført, 5 ikke videreført, 3 krysslistede tvillinger" in summary
    headings = [h.strip() for h in page.locator("#answer thead th").all_inner_texts()]
    assert headings[:2] == ["Nr.", "Navn"] and "Videreført i K2025" in headings and "K2025-nummer" in headings

    # one more click: a tiltak's page opens with its facts and their citations
    page.locator("#answer tbody tr").filter(has_text="Demensomsorgens ABC").get_by_role("link", name="3.2").click()
    page.wait_for_selector("#facts")
    assert page.locator("#facts").is_visible()
    continued = page.locator('dd[data-fact="fact_continued"]').inner_text()
    assert continued.startswith("ja") and "Sluttrapport K2020, tabell 1, rad 3.2" in continued
    assert page.locator('dd[data-fact="fact_continues_as"] a').first.inner_text() == "K2025-tiltak 1.10"
    # the facts come before the raw triples
    facts_top = page.locator("#facts").bounding_box()["y"]
    raw_top = page.locator("[data-raw]").bounding_box()["y"]
    assert facts_top < raw_top
    assert page.requested and all(url.startswith(repo_server.url) for url in page.requested)
