"""Debian's chromium driven by Playwright, for every browser test: where it is, the flags this machine's
closed network needs, the marks that skip a test without it, and one launch (the ``browser`` fixture of
``conftest.py`` uses it; a test file that needs its own context launches through :func:`launched`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: ``pytestmark`` of a browser test file: marked ``browser``, skipped (with the reason) without chromium.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser installs it)"),
]


@contextmanager
def launched() -> Iterator[Any]:
    """A headless chromium, closed at the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(browser: Any, width: int, height: int, init_script: str | None = None) -> Iterator[Any]:
    """A page in a new bokmål context of ``width`` × ``height``, for tests that assert what it did:
    ``page.console`` collects its console messages and page errors, ``page.errors`` the page errors alone,
    ``page.requested`` every URL it asked for. ``init_script`` runs in every document before its own."""
    context = browser.new_context(locale="nb-NO", viewport={"width": width, "height": height})
    page = context.new_page()
    if init_script is not None:
        page.add_init_script(init_script)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.requested = requested
    console: list[str] = []
    errors: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: (console.append(f"pageerror: {error}"), errors.append(str(error))))
    page.console = console
    page.errors = errors
    try:
        yield page
    finally:
        context.close()
