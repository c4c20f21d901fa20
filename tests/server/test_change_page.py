"""The change page (issue 11): upload, semantic diff, validation report, apply with the token; the change
history on resource pages; only with writes enabled.

Each test writes into its own copy of the repository root with the data trimmed to ``fixtures/mini.ttl``
(see ``test_writes.py``). The expected values come from the fixture's text (the title of tiltak 1.1's
seed-001 record is "Menn i helse"), and from the shapes' documented rule that a tiltak has exactly one
number (skos:notation).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_writes import AUTH, NT, OTHER, TOKEN, comment, hashes, make_write_root

from k2020graph.changes.persist import AUDIT_FILE
from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.server import Settings, create_app

TITLE_OLD = '"Menn i helse"@nb'
TITLE_NEW = '"Menn i helse og omsorg"@nb'
SECOND_NUMBER = 'tiltak:k2020-1.1 a k2:Tiltak ;\n    skos:notation "9.9" ;'


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_write_root(tmp_path / "root")


@pytest.fixture
def app(root: Path, tmp_path: Path) -> Iterator[TestClient]:
    kg = KnowledgeGraph.load(Project.at(root))
    settings = Settings(workers=1, max_workers=2, write_tokens=(("alice", TOKEN), ("bob", OTHER)), audit_dir=tmp_path / "audit")
    with TestClient(create_app(kg, settings)) as c:
        yield c


def mini(root: Path) -> str:
    return (root / "data/turtle/mini.ttl").read_text(encoding="utf-8")


def upload(c: TestClient, name: str, data: bytes, token: str | None = TOKEN, lang: str = "nb", **extra: str):  # type: ignore[no-untyped-def]
    fields = {"token": token} if token is not None else {}
    return c.post(f"/change?lang={lang}", files={"file": (name, data, "application/octet-stream")}, data={**fields, **extra})


def key_of(page: str) -> str:
    found = re.search(r'name="change" value="([^"]+)"', page)
    assert found, "no apply form on the page"
    return found.group(1)


def apply(c: TestClient, key: str, headers: dict[str, str] | None = None, token: str | None = None):  # type: ignore[no-untyped-def]
    data = {"change": key, **({"token": token} if token else {})}
    return c.post("/change/apply", files={"_": ("", b"")}, data=data, headers=headers or {})


def audit_lines(tmp_path: Path) -> list[dict[str, object]]:
    path = tmp_path / "audit" / AUDIT_FILE
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_no_change_page_without_writes(client: TestClient) -> None:
    assert client.get("/change").status_code == 404
    r = client.post("/change", files={"file": ("mini.ttl", b"", "text/turtle")}, data={"token": TOKEN})
    assert r.status_code in (404, 405)
    assert client.post("/change/apply", data={"change": "x", "token": TOKEN}).status_code in (404, 405)


def test_a_valid_turtle_change_is_shown_then_applied(app: TestClient, root: Path, tmp_path: Path) -> None:
    page = app.get("/change")
    assert page.status_code == 200 and 'type="file"' in page.text and 'src="/static/change.js"' in page.text
    assert "<script>" not in page.text  # no inline script: the policy forbids it
    before = hashes(root)
    r = upload(app, "mini.ttl", mini(root).replace(TITLE_OLD, TITLE_NEW, 1).encode())
    assert r.status_code == 200, r.text
    assert TOKEN not in r.text  # the token is never written into a page
    diff = r.text[r.text.index('id="diff"') : r.text.index('id="report"')]
    assert "Menn i helse og omsorg" in diff and "<del>" in diff and "tittel" in diff
    assert "Endringen er gyldig" in r.text
    assert hashes(root) == before  # checked, not written
    r = apply(app, key_of(r.text), {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "accepted" and body["files"] == ["data/turtle/mini.ttl"]
    assert {"href": "/id/record/seed001-k2020-1.1", "text": "Menn i helse og omsorg"} in body["links"]
    assert "set-cookie" not in r.headers
    assert TITLE_NEW in mini(root)
    [entry] = audit_lines(tmp_path)
    assert entry["token"] == "alice" and entry["operation"] == "CHANGE"
    # the tiltak's page: the new name, and its change history
    tiltak = app.get("/id/tiltak/k2020-1.1")
    assert "Menn i helse og omsorg" in tiltak.text
    history = tiltak.text[tiltak.text.index('id="history"') :]
    assert "alice" in history and '<ins><span class="lit">Menn i helse og omsorg' in history
    assert str(entry["time"]) in history
    # the history as a file: one row per change, time (as the page shows it), who, and what changed
    link = re.search(r'href="([^"]*download=csv[^"]*)"', history[: history.index("</section>")])
    assert link is not None
    got = app.get(link.group(1).replace("&amp;", "&"))
    assert got.status_code == 200 and got.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["Tid (UTC)", "Av", "Hva som endret seg"] and len(rows) == 2
    when, who, what = rows[1]
    assert when == str(entry["time"]).replace("T", " ")[:19] and who == "alice"
    assert any(line.startswith("+ ") and "Menn i helse og omsorg" in line for line in what.splitlines()), what
    assert any(line.startswith("− ") for line in what.splitlines()), what  # the old title removed
    # another tiltak's page shows no history: the change did not touch it
    assert 'id="history"' not in app.get("/id/tiltak/k2020-3.14").text


def test_an_invalid_change_shows_the_report_and_cannot_be_applied(app: TestClient, root: Path, tmp_path: Path) -> None:
    before = hashes(root)
    r = upload(app, "mini.ttl", mini(root).replace("tiltak:k2020-1.1 a k2:Tiltak ;", SECOND_NUMBER, 1).encode(), lang="en")
    assert r.status_code == 422
    report = r.text[r.text.index('id="report"') :]
    assert "brings in violations" in report and "exactly one number" in report
    assert 'id="apply"' not in r.text and 'name="change"' not in r.text
    assert hashes(root) == before and audit_lines(tmp_path) == []


def test_apply_needs_the_token_never_a_cookie(app: TestClient, root: Path, tmp_path: Path) -> None:
    """A cross-site form post carries the browser's cookies but not the token: it must apply nothing."""
    before = hashes(root)
    assert upload(app, "mini.ttl", b"", token=None).status_code == 401
    r = upload(app, "mini.ttl", mini(root).replace(TITLE_OLD, TITLE_NEW, 1).encode())
    key = key_of(r.text)
    app.cookies.set("lang", "nb")
    assert apply(app, key).status_code == 401  # only the cookie, as another site's form would send
    assert apply(app, key, token="wrong-token-0123456789abcdef").status_code == 403
    assert apply(app, key, {"Authorization": "Bearer nope"}).status_code == 403
    assert hashes(root) == before and audit_lines(tmp_path) == []
    r = apply(app, key, token=OTHER)  # the form field, without JavaScript
    assert r.status_code == 200 and "Endringen er lagret" in r.text
    assert [e["token"] for e in audit_lines(tmp_path)] == ["bob"]
    assert apply(app, key, token=TOKEN).status_code == 409  # applied once only


def test_a_change_checked_before_another_write_is_not_applied(app: TestClient, root: Path) -> None:
    r = upload(app, "mini.ttl", mini(root).replace(TITLE_OLD, TITLE_NEW, 1).encode())
    key = key_of(r.text)
    assert app.post("/store?default", content=comment("between").encode(), headers=NT).status_code == 200
    before = hashes(root)
    r = apply(app, key, {**AUTH, "Accept": "application/json"})
    assert r.status_code == 409 and "endret siden endringen ble kontrollert" in r.json()["error"]  # (the page's nb cookie)
    assert hashes(root) == before


def test_bad_uploads_are_explained(app: TestClient, root: Path) -> None:
    r = upload(app, "notes.txt", b"hello", lang="en")
    assert r.status_code == 400 and ".ttl, .csv, .xlsx" in r.text
    r = upload(app, "mini.ttl", b"tiltak:x a k2:Tiltak", lang="en")  # unknown prefix, no final dot
    assert r.status_code == 400 and "cannot be read" in r.text and "Traceback" not in r.text
    r = upload(app, "tiltak.csv", b"name\nx\n", lang="en")
    assert r.status_code == 400 and "nr" in r.text


def _table(app: TestClient, edits: dict[str, str]) -> bytes:
    """The tiltak table as the export gives it (the canned query over the served data), tiltak 1.1 edited."""
    from k2020graph.exports import TABLE_COLUMNS, tiltak_table
    from k2020graph.queries import load_catalogue

    ctx = app.app.state.k2020  # type: ignore[attr-defined]
    table = tiltak_table(ctx.kg.store, load_catalogue(ctx.kg.project.query_files))
    out = io.StringIO()
    w = csv.DictWriter(out, TABLE_COLUMNS)
    w.writeheader()
    for row in table:
        w.writerow({**row, **edits} if row["nr"] == "1.1" else row)
    return out.getvalue().encode("utf-8")


def test_an_edited_table_becomes_corrections(app: TestClient, root: Path, tmp_path: Path) -> None:
    r = upload(app, "tiltak.csv", _table(app, {"end": "2021"}), author="Kari Nordmann")
    assert r.status_code == 200, r.text
    assert "tiltak 1.1 (rad 2): end: ∅ → 2021" in r.text
    r = apply(app, key_of(r.text), {**AUTH, "Accept": "application/json"})
    assert r.status_code == 200 and r.json()["files"] == ["data/turtle/corrections.ttl"]
    corrections = (root / "data/turtle/corrections.ttl").read_text(encoding="utf-8")
    assert 'dct:creator "Kari Nordmann"' in corrections and '"2021"^^xsd:gYear' in corrections
    page = app.get("/id/tiltak/k2020-1.1").text
    assert "2021" in page[page.index('id="history"') :]
    unmappable = upload(app, "tiltak.csv", _table(app, {"strategy": "2"}), lang="en")
    assert unmappable.status_code == 422 and "cannot be changed here" in unmappable.text
    assert 'name="change"' not in unmappable.text
