"""``k2020graph import --table tiltak``: an edited copy of the exported table read back as a change.

Every test works on a copy of the repository's ontology, data, shapes and queries in a temporary
directory; the real data is never written. Expected values come from the exported table and the data
files as read here (the table's row numbers: the header is row 1), not from the import code.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from k2020graph.cli import main
from k2020graph.turtle_style import check_turtle_style

ROOT = Path(__file__).resolve().parent.parent
K2 = "https://w3id.org/k2020graph/def#"
ID = "https://w3id.org/k2020graph/id/"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    for part in ("ontology", "data/turtle", "shapes", "queries", "rules"):
        shutil.copytree(ROOT / part, copy / part)
    return copy


def _digests(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / "data/turtle").iterdir())}


def _export(root: Path, fmt: str, capsys) -> Path:  # type: ignore[no-untyped-def]
    target = root.parent / f"tiltak.{fmt}"
    assert main(["export", "--root", str(root), "--table", "tiltak", "--format", fmt, "-o", str(target)]) == 0
    capsys.readouterr()
    return target


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _import(root: Path, path: Path, capsys, *extra: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code = main(["import", "--root", str(root), "--table", "tiltak", str(path), "--author", "Test Steward", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_unedited_table_is_no_change(root: Path, fmt: str, capsys) -> None:  # type: ignore[no-untyped-def]
    table = _export(root, fmt, capsys)
    before = _digests(root)
    code, out = _import(root, table, capsys, "--apply")
    assert code == 0, out
    assert "Ingen endringer" in out
    assert _digests(root) == before
    assert not (root / "data/turtle/corrections.ttl").exists()


def test_norwegian_excel_csv_is_read(root: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Excel in a Norwegian locale saves CSV with ';' between cells, CRLF, and a BOM ("CSV UTF-8") or
    in Windows-1252 ("CSV (semikolonseparert)")."""
    rows = _rows(_export(root, "csv", capsys))
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    utf8 = root.parent / "excel-utf8.csv"
    utf8.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    ansi = root.parent / "excel-ansi.csv"
    ansi.write_bytes(buf.getvalue().encode("cp1252"))  # å, ø, «», – are all in Windows-1252
    for path in (utf8, ansi):
        code, out = _import(root, path, capsys)
        assert code == 0, out
        assert "Ingen endringer" in out
    # An unknown number in the same form is explained with its row: the cells were split by ';'
    rows.append(["9.99", "Nytt tiltak", "9", "", "", "", "", "", "", ""])
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    utf8.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    code, out = _import(root, utf8, capsys)
    assert code == 2
    assert f"rad {len(rows)}, nr = '9.99'" in out


def test_unmappable_cells_are_explained_row_by_row(root: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    table = _export(root, "csv", capsys)
    rows = _rows(table)
    header = rows[0]
    col = {name: i for i, name in enumerate(header)}
    number = {r[col["nr"]]: n for n, r in enumerate(rows[1:], 2)}  # spreadsheet row numbers
    edited = [list(r) for r in rows]
    edited[number["3.2"] - 1][col["type"]] = "Tilskudd"  # a composed column
    edited[number["3.4"] - 1][col["nr"]] = "3.99"  # a changed number: unknown
    edited[number["2.1"] - 1][col["strategy"]] = "3"  # follows from the number
    edited[number["1.3"] - 1][col["end"]] = ""  # emptied: cannot withdraw the source's value
    edited[number["1.4"] - 1][col["end"]] = "snart"  # not a year
    edited[number["1.5"] - 1][col["responsible"]] = "XYZ"  # no such actor code
    path = root.parent / "edited.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(edited)
    before = _digests(root)
    code, out = _import(root, path, capsys, "--apply", "--lang", "en")
    assert code == 2, out
    expected = [
        f"row {number['3.2']}, type = 'Tilskudd': composed column",
        f"row {number['3.4']}, nr = '3.99': unknown K2020 tiltak number",
        f"row {number['2.1']}, strategy = '3': the strategy follows from the number",
        f"row {number['1.3']}, end = '': an empty cell cannot override",
        f"row {number['1.4']}, end = 'snart': the end must be a year",
        f"row {number['1.5']}, responsible = 'XYZ': unknown actor code",
    ]
    for line in expected:
        assert line in out, out
    assert "Nothing was written" in out
    assert _digests(root) == before


def test_derived_columns_are_read_only(root: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The direct layer's columns are shown for reading; an edit of one is refused with the reason."""
    table = _export(root, "csv", capsys)
    rows = _rows(table)
    col = {name: i for i, name in enumerate(rows[0])}
    number = {r[col["nr"]]: n for n, r in enumerate(rows[1:], 2)}
    # the export shows them (from the rules): 3.13's start is a year, and it continues (the final table's "Ja")
    row = rows[number["3.13"] - 1]
    assert row[col["start_earliest"]] == row[col["start_latest"]] == row[col["start"]] != ""
    assert row[col["continuation_status"]] == row[col["continued_k2025"]] == "yes"
    edited = [list(r) for r in rows]
    edited[number["3.13"] - 1][col["start_earliest"]] = "1999"
    edited[number["3.2"] - 1][col["continuation_status"]] = "no"
    path = root.parent / "edited.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(edited)
    before = _digests(root)
    code, out = _import(root, path, capsys, "--apply", "--lang", "en")
    assert code == 2, out
    assert f"row {number['3.13']}, start_earliest = '1999': derived column" in out, out
    assert f"row {number['3.2']}, continuation_status = 'no': derived column" in out, out
    assert "edit the source column" in out
    assert _digests(root) == before
    code, out = _import(root, path, capsys, "--lang", "nb")
    assert "avledet kolonne" in out and code == 2


def test_edited_end_year_is_shown_validated_and_applied(root: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    table = _export(root, "xlsx", capsys)
    wb = load_workbook(table)
    ws = wb["tiltak"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "1.3")
    end = ws.cell(row, header.index("end") + 1)
    assert end.value == "2020"  # seed 001's end year for 1.3
    end.value = 2021  # typed in the spreadsheet: a number
    row14 = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "1.4")
    responsible = ws.cell(row14, header.index("responsible") + 1)
    assert responsible.value == "KP"  # seed 000's division for 1.4
    responsible.value = "KP;PH"
    edited = root.parent / "edited.xlsx"
    wb.save(edited)
    before = _digests(root)

    code, out = _import(root, edited, capsys)  # without --apply: shown, nothing written
    assert code == 0, out
    assert f"tiltak 1.3 (rad {row}): end: 2020 → 2021" in out
    assert f"tiltak 1.4 (rad {row14}): responsible: KP → KP;PH" in out
    assert "Endringen er gyldig" in out and "Ikke skrevet" in out
    assert _digests(root) == before

    code, out = _import(root, edited, capsys, "--apply")
    assert code == 0, out
    corrections = root / "data/turtle/corrections.ttl"
    assert corrections.exists()
    assert check_turtle_style(corrections) == []
    after = _digests(root)
    assert {k: v for k, v in after.items() if k != "corrections.ttl"} == before  # no transcription edited
    # written as every HTTP write is: through the journal (gone once done) and into the audit log
    assert not list((root / "data/turtle").glob(".*"))
    (entry,) = [json.loads(line) for line in (root / ".k2020graph/audit/audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert entry["operation"] == "IMPORT" and entry["token"] == "cli:Test Steward"
    assert entry["files"] == ["data/turtle/corrections.ttl"] and entry["removed_count"] == 0
    assert any(f"<{ID}tiltak/k2020-1.3>" in t for t in entry["added"])
    g = Graph().parse(corrections, format="turtle")
    (record,) = g.subjects(URIRef(K2 + "end"), Literal("2021", datatype=XSD.gYear))
    assert (record, URIRef(K2 + "recordOf"), URIRef(ID + "tiltak/k2020-1.3")) in g
    assert (record, PROV.wasRevisionOf, URIRef(ID + "record/seed001-k2020-1.3")) in g
    (location,) = g.objects(record, DCTERMS.source)
    assert (location, URIRef(K2 + "lineStart"), Literal(row)) in g
    (document,) = g.objects(location, DCTERMS.isPartOf)
    assert (document, RDF.type, URIRef(K2 + "SourceDocument")) in g
    assert (document, DCTERMS.creator, Literal("Test Steward")) in g
    assert next(g.objects(document, DCTERMS.issued)).datatype == XSD.date  # the direct layer's "newest source"
    (record14,) = g.subjects(URIRef(K2 + "recordOf"), URIRef(ID + "tiltak/k2020-1.4"))
    assert set(g.objects(record14, URIRef(K2 + "responsible"))) == {URIRef(ID + "actor/hdir-kp"), URIRef(ID + "actor/hdir-ph")}
    assert set(g.objects(record14, PROV.wasRevisionOf)) == {URIRef(ID + "record/seed000-k2020-1.4")}

    again = _export(root, "csv", capsys)
    (shown,) = [r for r in _rows(again) if r[0] == "1.3"]
    assert shown[_rows(again)[0].index("end")] == "2021"
    (shown14,) = [r for r in _rows(again) if r[0] == "1.4"]
    assert shown14[_rows(again)[0].index("responsible")] == "KP;PH"
    # The same file again: its derived end_year (2020) is older than the data now (2021), so it is refused
    # as an edit of a read-only column, with the hint to export again.
    code, out = _import(root, edited, capsys)
    assert code == 2 and f"rad {row}, end_year = '2020': avledet kolonne" in out and "eksporter tabellen på nytt" in out
    # The same edit in a fresh export: already in the data, no change.
    fresh = load_workbook(_export(root, "xlsx", capsys))
    ws = fresh["tiltak"]
    ws.cell(next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "1.3"), header.index("end") + 1).value = 2021
    fresh.save(edited)
    code, out = _import(root, edited, capsys)
    assert code == 0 and "Ingen endringer" in out


def test_change_that_breaks_a_rule_exits_1_and_writes_nothing(root: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """1.3 has no K2025 number; saying it continued into K2025 contradicts that (a Violation)."""
    rows = _rows(_export(root, "csv", capsys))
    col = {name: i for i, name in enumerate(rows[0])}
    (r13,) = [r for r in rows if r[0] == "1.3"]
    assert r13[col["continued_k2025"]] == "no" and r13[col["k2025_refs"]] == ""
    r13[col["continued_k2025"]] = "yes"
    path = root.parent / "edited.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    before = _digests(root)
    code, out = _import(root, path, capsys, "--apply", "--lang", "en")
    assert code == 1, out
    assert "continued_k2025: no → yes" in out
    assert "Continuation" in out  # the shape's message
    assert "Nothing was written" in out
    assert _digests(root) == before


def test_unusable_input_exits_2(root: Path, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out = _import(root, tmp_path / "missing.csv", capsys)
    assert code == 2 and "finnes ikke" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("nummer,navn\n1.1,x\n", encoding="utf-8")
    code, out = _import(root, bad, capsys)
    assert code == 2 and "no column 'nr'" in out
    notxlsx = tmp_path / "broken.xlsx"
    notxlsx.write_bytes(b"not a zip")
    code, out = _import(root, notxlsx, capsys)
    assert code == 2 and "xlsx" in out
