"""The change page in a real browser: Debian's headless Chromium, driven by Playwright, against a real
``k2020graph serve`` with writes enabled over a copy of the repository root (data trimmed to the fixture).

Upload a valid change → the diff is shown → apply (the page's script sends the token as a header) → the
tiltak's page shows the new name and the change history. An invalid change → the report, no apply form,
the data files byte-identical.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import BROWSER_MARKS, launched, watched_page
from conftest import ServerProcess
from test_writes import TOKEN, hashes, make_write_root

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


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    root = make_write_root(tmp_path / "root")
    os.environ["K2020GRAPH_WRITE_TOKEN"] = TOKEN
    try:
        server = ServerProcess(root, tmp_path / "server.log", "--timeout", "30")
    finally:
        del os.environ["K2020GRAPH_WRITE_TOKEN"]
    try:
        yield server, root
    finally:
        server.stop()


def edited(root: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (root / "data/turtle/mini.ttl").read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / "upload" / "mini.ttl"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def test_upload_check_apply_and_see_it(writable: tuple[ServerProcess, Path], page: Any, tmp_path: Path) -> None:
    server, root = writable
    page.goto(server.url + "/change")
    assert page.inner_text("h1") == "Endre dataene"
    page.set_input_files("#file", str(edited(root, tmp_path, '"Menn i helse"@nb', '"Menn i helse og omsorg"@nb')))
    page.fill("#token", TOKEN)
    page.click("#check")
    page.wait_for_selector("#diff")
    diff = page.inner_text("#diff")
    assert "Menn i helse og omsorg" in diff and "tittel" in diff
    assert "Endringen er gyldig" in page.inner_text("#verdict")
    assert page.input_value("#apply-token") == TOKEN  # filled by the script from the upload form
    page.click("#apply-button")
    page.wait_for_selector("#applied p.ok")
    assert "Endringen er lagret" in page.inner_text("#applied")
    assert page.locator("#apply").is_hidden()
    assert not [c for c in page.context.cookies() if c["name"] != "lang"]  # no cookie carries the right to write

    page.goto(server.url + "/id/tiltak/k2020-1.1")
    assert "Menn i helse og omsorg" in page.inner_text("main")
    history = page.inner_text("#history")
    assert "Endringshistorikk" in history and "env" in history and "Menn i helse og omsorg" in history
    assert '"Menn i helse og omsorg"@nb' in (root / "data/turtle/mini.ttl").read_text(encoding="utf-8")
    assert not [m for m in page.console if "Content Security Policy" in m or m.startswith("pageerror")], page.console


def test_an_invalid_change_shows_the_report_and_applies_nothing(
    writable: tuple[ServerProcess, Path], page: Any, tmp_path: Path
) -> None:
    server, root = writable
    before = hashes(root)
    page.goto(server.url + "/change?lang=en")
    upload = edited(root, tmp_path, "tiltak:k2020-1.1 a k2:Tiltak ;", 'tiltak:k2020-1.1 a k2:Tiltak ;\n    skos:notation "9.9" ;')
    page.set_input_files("#file", str(upload))
    page.fill("#token", TOKEN)
    page.click("#check")
    page.wait_for_selector("#report")
    assert "brings in violations" in page.inner_text("#verdict")
    assert "exactly one number" in page.inner_text("#results")
    assert page.locator("#apply").count() == 0
    assert hashes(root) == before
    assert 'id="history"' not in page.goto(server.url + "/id/tiltak/k2020-1.1").text()
    assert not [m for m in page.console if "Content Security Policy" in m or m.startswith("pageerror")], page.console
