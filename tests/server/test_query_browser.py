"""Issue 14 in a real browser (Debian's Chromium via Playwright, the real server over the fixture data):
YASGUI, served by the site from npm's files, runs a canned query and shows the query's own column
headings and links to this site's pages; a value outside the allowed ones gets the message that lists
them; ArrowDown on the canned-query list does not navigate; axe-core (also served by the site) finds
nothing serious or critical on the query page; nothing is loaded from anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import BROWSER_MARKS, launched, watched_page

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "out" / "screenshots"  # test artefacts (gitignored)

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.skipif(
        not (REPO / "node_modules/@zazuko/yasgui/build/yasgui.min.js").is_file(), reason="run `make web` (npm ci) first"
    ),
]

#: Every policy violation the page reports, with what was refused (an init script: no inline script needed).
WATCH_CSP = """document.addEventListener('securitypolicyviolation', e => {
  (window.__csp = window.__csp || []).push({directive: e.violatedDirective,
    what: (e.target && e.target.textContent ? e.target.textContent.slice(0, 80) : String(e.blockedURI))});
});"""


def heading_of(variable: str, lang: str) -> str:
    """The heading the query file gives ``variable`` (read from the file, not through the package)."""
    text = (REPO / "queries" / "continued-into-k2025.rq").read_text(encoding="utf-8")
    m = re.search(rf"^#\+ column: {variable} \| (.*?) \| (.*?)$", text, re.M)
    assert m, variable
    return m.group(1) if lang == "nb" else m.group(2)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, 1280, 900, init_script=WATCH_CSP) as p:
        yield p


def violations(page: Any) -> list[dict[str, str]]:
    """The policy's refusals, but for the one expected: YASR's column resizer adds a <style> element of
    its own, whose rules query.css gives instead (so the policy needs no 'unsafe-inline')."""
    found = page.evaluate("() => window.__csp || []")
    return [v for v in found if not (v["directive"] == "style-src-elem" and ".grip-resizable" in v["what"])]


def open_and_run(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#yasgui .CodeMirror")
    page.click("#tab-run")
    page.wait_for_selector("#yasgui table.dataTable tbody tr a")


def test_yasgui_runs_a_canned_query_with_readable_headings_and_links(server: Any, page: Any) -> None:
    open_and_run(page, server.url + "/query?name=continued-into-k2025")
    headings = [h.strip() for h in page.locator("#yasgui table.dataTable thead th").all_inner_texts()]
    for variable in ("nr", "name", "k2025_refs"):
        assert heading_of(variable, "nb") in headings, headings
    assert "nr" not in headings and "k2025_refs" not in headings  # not the variables' names
    rows = page.locator("#yasgui table.dataTable tbody tr")
    assert rows.count() == 2  # the fixture's two PH tiltak continued into K2025
    assert "Demensomsorgens ABC" in page.inner_text("#yasgui table.dataTable")
    assert '"Demensomsorgens ABC"@nb' not in page.inner_text("#yasgui table.dataTable")  # as a reader writes it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "query-yasgui.png"), full_page=True)

    page.click("#yasgui table.dataTable a[href='/id/tiltak/k2020-3.14']")  # a link to this site's page
    page.wait_for_url("**/id/tiltak/k2020-3.14")
    assert page.inner_text("h1") == "K2020-tiltak 3.14"
    assert page.requested and all(url.startswith(server.url) for url in page.requested), page.requested
    assert page.errors == []


def test_the_tab_s_parameter_is_checked_and_a_lower_case_code_works(server: Any, page: Any) -> None:
    page.goto(server.url + "/query?name=continued-into-k2025&lang=en")
    page.wait_for_selector("#yasgui .CodeMirror")
    page.fill("#tab-params input[name='p.division']", "xx")
    page.click("#tab-run")
    error = page.wait_for_selector("#yasgui .errorResult pre")
    assert "'xx' is not one of the valid values: KP, PH" in error.inner_text()
    page.fill("#tab-params input[name='p.division']", "ph")
    page.click("#tab-run")
    page.wait_for_selector("#yasgui table.dataTable tbody tr a")
    assert page.locator("#yasgui table.dataTable tbody tr").count() == 2
    assert heading_of("nr", "en") in page.locator("#yasgui table.dataTable thead").inner_text()


def test_an_unknown_prefix_is_said_in_plain_words(server: Any, page: Any) -> None:
    page.goto(server.url + "/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    page.evaluate("() => document.querySelector('#yasgui .CodeMirror').CodeMirror.setValue('SELECT * WHERE { ?s foo:bar ?o }')")
    page.click("#yasgui .yasqe_queryButton")
    error = page.wait_for_selector("#yasgui .errorResult pre")
    assert "Ukjent prefiks «foo:» på linje 1, kolonne 28." in error.inner_text()
    assert "expected one of" not in error.inner_text()


def test_a_javascript_iri_in_a_result_is_no_script_link(server: Any, page: Any) -> None:
    """Issue 8, item 3, in YASGUI's table too: a javascript: IRI in a result can run nothing."""
    page.goto(server.url + "/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    query = 'SELECT ?x WHERE { BIND(IRI("javascript:window.ran=1") AS ?x) }'
    page.evaluate("q => document.querySelector('#yasgui .CodeMirror').CodeMirror.setValue(q)", query)
    page.click("#yasgui .yasqe_queryButton")
    page.wait_for_selector("#yasgui table.dataTable tbody tr")
    for link in page.locator("#yasgui table.dataTable tbody a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
        link.click()
    assert page.evaluate("() => window.ran === undefined")


def test_arrow_down_on_the_canned_query_list_does_not_navigate(server: Any, page: Any) -> None:
    """WCAG 3.2.2: a keyboard user can move through the list; only the button loads."""
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    for url in (server.url + "/query", server.url + "/query?editor=plain"):
        page.goto(url)
        page.wait_for_load_state("load")
        navigations.clear()
        page.evaluate("() => { window.stayed = true; }")
        page.focus("#name")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        assert page.input_value("#name") != ""  # the keys moved through the list …
        # … and nothing navigated: the same document (its mark is there), at the same address.
        page.evaluate("() => fetch('/query/canned.json').then(r => r.status)")  # a round trip for any pending load
        assert page.evaluate("() => window.stayed === true") and navigations == [] and page.url == url
    # The button loads: with YASGUI, as a tab named after the query.
    page.goto(server.url + "/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    page.select_option("#name", "tiltak-table")
    page.click("#load")
    title = page.locator("#name option[value='tiltak-table']").inner_text()
    page.wait_for_selector(f"#yasgui [role=tab]:has-text('{title}')")
    assert page.url == server.url + "/query"


@pytest.mark.parametrize("path", ["/query?name=continued-into-k2025", "/query?editor=plain&name=continued-into-k2025"])
def test_axe_finds_nothing_serious_or_critical_on_the_query_page(server: Any, page: Any, path: str) -> None:
    if "editor=plain" in path:
        page.goto(server.url + path)
        page.click("#run")
        page.wait_for_selector("#results table.results")
    else:
        open_and_run(page, server.url + path)
    page.add_script_tag(url=server.url + "/static/vendor/axe-core/axe.min.js")  # from this site, as npm put it
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )
    assert page.evaluate("() => typeof axe.version") == "string"
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert bad == [], bad
    assert violations(page) == []
    assert all(url.startswith(server.url) for url in page.requested), page.requested


#: What YASGUI 4.6 writes in English on its controls (read from its build, @zazuko/yasgui/build/yasgui.esm.js).
YASGUI_ENGLISH = re.compile(
    r"^(Add tab|Add a new tab|Close tab|Table|Response|Filter query results|Page size:?|Simple view|Ellipse|All|"
    r"Download results?|First|Previous|Next|Last|pagination|Run query|Share query|Open settings|Close settings|"
    r"Clear endpoint|Request method|Accept Headers|Arguments|Header Arguments|Default Graphs|Named Graphs|Settings|"
    r"Shows \w+ view|View documentation of .*|.*: Activate to (sort|invert sorting|remove sorting)|"
    r"\d+ results? in [\d.]+ seconds?|Query)$",
    re.I,
)

#: Every text, title, aria-label and placeholder inside YASGUI, with the language in force there.
SAID_IN_YASGUI = """() => {
  const out = [];
  const langOf = el => (el.closest('[lang]') || document.documentElement).getAttribute('lang');
  for (const el of document.querySelectorAll('#yasgui *')) {
    if (el.closest('.CodeMirror-code, tbody, .CodeMirror-linenumbers')) continue;
    for (const a of ['title', 'aria-label', 'placeholder']) {
      const v = el.getAttribute(a); if (v) out.push({what: a, text: v.trim(), lang: langOf(el), cls: String(el.className)});
    }
    for (const n of el.childNodes) {
      const text = n.nodeType === 3 ? n.textContent.trim() : '';
      if (text) out.push({what: 'text', text: text, lang: langOf(el), cls: String(el.className)});
    }
  }
  return out;
}"""


def test_yasgui_s_controls_speak_bokmal_on_the_bokmal_page(server: Any, page: Any) -> None:
    """Issue 14: YASGUI's own controls in the page's language; where YASGUI keeps its English, lang="en" says so."""
    open_and_run(page, server.url + "/query?name=continued-into-k2025")
    said = page.evaluate(SAID_IN_YASGUI)
    english = [s for s in said if YASGUI_ENGLISH.match(s["text"])]
    unmarked = [s for s in english if s["lang"] != "en"]
    assert unmarked == [], unmarked
    assert english  # some stays English (the run button's title, the count of results): marked, not missing
    by = {(s["cls"].split()[0] if s["cls"] else "", s["what"]): s["text"] for s in said}
    assert by[("addTab", "aria-label")] == "Legg til en ny fane"
    assert by[("tableFilter", "placeholder")] == "Filtrer resultatene"
    assert by[("pageSizerLabel", "text")] == "Rader per side:"
    assert page.locator("#yasgui .yasr_btn.select_table").inner_text().strip() == "Tabell"
    assert page.locator("#yasgui .yasr_btn.select_table").get_attribute("aria-label") == "Vis resultatet som tabell"
    assert page.locator("#yasgui .yasr_downloadIcon").get_attribute("aria-label") == "Last ned resultatet (CSV)"
    sort = page.locator("#yasgui thead .dt-column-order[aria-label]").first.get_attribute("aria-label") or ""
    assert sort.endswith(": aktiver for å sortere"), sort
    assert page.locator("#yasgui .dt-paging nav").get_attribute("aria-label") == "Sidevalg"
    assert all(s["lang"] == "nb" for s in said if s["text"] in ("Tabell", "Filtrer resultatene", "Legg til en ny fane"))
    page.click("#yasgui button.addTab")  # a new tab gets a bokmål name
    page.wait_for_selector("#yasgui [role=tab]:has-text('Spørring')")
    assert page.errors == []


def test_yasgui_s_controls_stay_english_on_the_english_page(server: Any, page: Any) -> None:
    open_and_run(page, server.url + "/query?name=continued-into-k2025&lang=en")
    said = page.evaluate(SAID_IN_YASGUI)
    assert all(s["lang"] == "en" for s in said), [s for s in said if s["lang"] != "en"]
    assert page.locator("#yasgui .yasr_btn.select_table").inner_text().strip() == "Table"
    assert not [s for s in said if s["text"] in ("Tabell", "Råsvar", "Legg til en ny fane", "Sidevalg")]
    page.click("#yasgui button.addTab")
    page.wait_for_selector("#yasgui [role=tab]:has-text('Query')")


def test_yasgui_s_result_downloads_as_the_page_s_table(server: Any, page: Any) -> None:
    """Issue 14: a YASGUI tab's SELECT result downloads as CSV with a BOM (and for Excel, and as XLSX) with
    the canned query's headings; an ASK has no table and no links."""
    import csv
    import io

    import httpx

    open_and_run(page, server.url + "/query?name=continued-into-k2025")
    links = page.locator("#tab-downloads a")
    links.first.wait_for()
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    assert len(hrefs) == 3 and all(h.startswith("/query?") for h in hrefs), hrefs
    got = httpx.get(server.url + hrefs[1], timeout=60)  # the one for Excel
    assert got.status_code == 200 and got.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == [heading_of("nr", "nb"), heading_of("name", "nb")]
    assert len(rows) == 1 + page.locator("#yasgui table.dataTable tbody tr").count()
    page.goto(server.url + "/query")
    page.wait_for_selector("#yasgui .CodeMirror")
    page.evaluate("() => document.querySelector('#yasgui .CodeMirror').CodeMirror.setValue('ASK { ?s ?p ?o }')")
    page.click("#yasgui .yasqe_queryButton")
    page.wait_for_selector("#yasgui .yasr_response_chip:not(.empty)")
    page.evaluate("() => new Promise(r => setTimeout(r, 0))")  # after the response's own handlers
    assert page.locator("#tab-downloads a").count() == 0
    assert page.locator("#tab-downloads").is_hidden()
