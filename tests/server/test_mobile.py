"""On a phone (issue 14): no page of the site is wider than a 375 px screen.

Debian's headless Chromium, driven by Playwright, at a 375 px wide viewport against a real server on
the repository's own data: one page of each main kind, in both languages. A wide table scrolls inside
its own box; long words and IRIs wrap. The screenshots are left in pytest's tmp_path to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import BROWSER_MARKS, launched

from tests.server.conftest import ServerProcess

REPO = Path(__file__).resolve().parents[2]
WIDTH = 375  # the narrowest common phone (iPhone SE/mini class)

#: One page of each main kind (the widths measured before the fix in the comments).
PAGES = {
    "home": "/",  # 479 px: the collections table
    "index": "/id/tiltak/",
    "instances": "/instances?class=https%3A%2F%2Fw3id.org%2Fk2020graph%2Fdef%23GrantScheme",
    "tiltak-k2020": "/id/tiltak/k2020-1.1",  # 586 px: source chips that did not wrap
    "tiltak-k2025": "/id/tiltak/k2025-4.1",
    "actor": "/id/actor/bergen-kommune",
    "strategy": "/id/strategy/k2020-1",
    "scheme": "/id/scheme/dobbeltkompetanseprosjektet-i-psykologi",  # 491 px: a long word in the heading
    "dataset": "/id/cube/seed002-tabell-30",
    "document": "/id/source/k2025-regjeringen",  # 523 px: the property table
    "location": "/id/source/seed-002-L16-18",
    "search": "/search?q=demens",
    "lineage": "/lineage",
    "funding": "/funding",
    "ontology": "/def",  # 409 px: a licence IRI
}

pytestmark = [
    *BROWSER_MARKS,
]


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(REPO, tmp_path_factory.mktemp("mobile") / "server.log")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def phone() -> Iterator[Any]:
    with launched() as browser:
        context = browser.new_context(viewport={"width": WIDTH, "height": 740}, device_scale_factor=1, is_mobile=True)
        try:
            yield context.new_page()
        finally:
            context.close()


#: The elements that stick out to the right of the screen outside any scrolling box: to say what is too wide.
OFFENDERS = """() => {
  const W = document.documentElement.clientWidth, out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.getBoundingClientRect().right <= W + 1 && e.scrollWidth <= e.clientWidth + 1) continue;
    let p = e.parentElement, boxed = false;
    for (; p && p !== document.body; p = p.parentElement)
      if (getComputedStyle(p).overflowX !== 'visible') { boxed = true; break; }
    const name = e.tagName.toLowerCase() + (e.className ? '.' + e.className : '');
    if (!boxed) out.push(name + ': ' + (e.textContent || '').trim().slice(0, 40));
  }
  return out.slice(-5);
}"""


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_no_page_is_wider_than_a_phone(real_server: ServerProcess, phone: Any, tmp_path: Path, kind: str, lang: str) -> None:
    path = PAGES[kind]
    url = real_server.url + path + ("&" if "?" in path else "?") + f"lang={lang}"
    response = phone.goto(url)
    assert response is not None and response.status == 200, url
    assert phone.evaluate("document.documentElement.clientWidth") == WIDTH  # the viewport meta tag is honoured
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.screenshot(path=str(tmp_path / f"{kind}-{lang}.png"), full_page=True)
    assert width <= WIDTH, f"{path} is {width} px wide at {WIDTH} px: {phone.evaluate(OFFENDERS)}"
