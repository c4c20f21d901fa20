"""Accessibility (issue 14): an axe-core scan of every main kind of page finds nothing serious or critical.

Debian's headless Chromium, driven by Playwright, against a real server on the repository's own data, one
page of each main kind (the same list as the phone test) in both languages. axe-core comes from the npm
registry through the project's set-up (``make web``) and is served by the site itself; without it the test
is skipped with the reason. Screenshots are left in pytest's tmp_path.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import BROWSER_MARKS, launched
from test_mobile import PAGES

from tests.server.conftest import ServerProcess

REPO = Path(__file__).resolve().parents[2]
AXE = "/static/vendor/axe-core/axe.min.js"

pytestmark = BROWSER_MARKS

#: axe's findings as (rule, impact, first nodes), for a message that says what and where.
SCAN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"""


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(REPO, tmp_path_factory.mktemp("a11y") / "server.log")
    try:
        try:
            urllib.request.urlopen(proc.url + AXE, timeout=30).read()
        except urllib.error.HTTPError:
            pytest.skip("axe-core is not installed (make web runs npm ci)")
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def desktop() -> Iterator[Any]:
    with launched() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            yield context.new_page()
        finally:
            context.close()


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_axe_finds_nothing_serious_or_critical(
    real_server: ServerProcess, desktop: Any, tmp_path: Path, kind: str, lang: str
) -> None:
    path = PAGES[kind]
    url = real_server.url + path + ("&" if "?" in path else "?") + f"lang={lang}"
    response = desktop.goto(url)
    assert response is not None and response.status == 200, url
    desktop.add_script_tag(url=real_server.url + AXE)
    assert desktop.evaluate("() => typeof axe.version") == "string"
    found = desktop.evaluate(SCAN)
    desktop.screenshot(path=str(tmp_path / f"{kind}-{lang}.png"), full_page=True)
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{path}: {bad}"
