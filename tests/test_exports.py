"""Exports: every format parses to the same graph, byte-identical twice; the tiltak table, checked independently."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from k2020graph.cli import main
from k2020graph.exports import GRAPH_FORMATS, TABLE_COLUMNS, export_graph
from k2020graph.namespaces import K2, PLAN, SRC

ROOT = Path(__file__).resolve().parent.parent
PARSE_AS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml", "trig": "trig"}


@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
def test_export_parses_back_to_the_graph_and_is_stable(kg, fmt: str) -> None:  # type: ignore[no-untyped-def]
    first = export_graph(kg.full_graph, fmt)
    assert export_graph(kg.full_graph, fmt) == first, "two exports of the same data differ"
    back = Graph()
    if fmt == "trig":
        from rdflib import Dataset

        ds = Dataset()
        ds.parse(data=first, format="trig")
        for s, p, o, _g in ds.quads():
            back.add((s, p, o))
    else:
        back.parse(data=first, format=PARSE_AS[fmt])
    assert len(back) == len(kg.full_graph)
    assert isomorphic(back, kg.full_graph)


@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
def test_export_is_byte_identical_across_processes(tmp_path: Path, fmt: str) -> None:
    """Two processes with different hash seeds (set and dict order of strings change with it) write the same bytes."""
    outputs = []
    for seed in ("1", "2"):
        target = tmp_path / f"{seed}.{fmt}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        args = [sys.executable, "-m", "k2020graph", "export", "--root", str(ROOT), "--format", fmt, "-o", str(target)]
        subprocess.run(args, env=env, check=True, capture_output=True, timeout=300)
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1], f"{fmt}: exports of two processes differ"


def test_export_command_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "k2020.nt"
    assert main(["export", "--root", str(ROOT), "--format", "ntriples", "-o", str(target)]) == 0
    assert len(Graph().parse(target, format="nt")) > 1000


def test_export_rejects_unknown_format(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["export", "--root", str(ROOT), "--format", "yaml"]) == 2
    assert "unknown export format" in capsys.readouterr().err


def _expected_table(kg) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The table computed with rdflib's graph API, independently of the export's SPARQL."""
    g = kg.data_graph
    out: dict[str, dict[str, str]] = {}

    def record_of(tiltak, doc):  # type: ignore[no-untyped-def]
        for rec in g.subjects(K2.recordOf, tiltak):
            if any(g.value(loc, DCTERMS.isPartOf) == doc for loc in g.objects(rec, DCTERMS.source)):
                return rec
        return None

    def year_of(rec):  # type: ignore[no-untyped-def]
        for loc in g.objects(rec, DCTERMS.source):
            doc = g.value(loc, DCTERMS.isPartOf)
            for p in (DCTERMS.modified, DCTERMS.issued, DCTERMS.temporal):  # a revised document counts from its revision
                if g.value(doc, p) is not None:
                    return int(str(g.value(doc, p))[:4])
        return 0

    def newest(tiltak, prop):  # type: ignore[no-untyped-def]
        """The direct layer's rule, written out: the values of the newest record that states ``prop``."""
        stating = [(year_of(r), v) for r in g.subjects(K2.recordOf, tiltak) for v in g.objects(r, prop)]
        top = max((y for y, _ in stating), default=None)
        return [v for y, v in stating if y == top]

    def nb_label(concept):  # type: ignore[no-untyped-def]
        return next((str(lbl) for lbl in g.objects(concept, SKOS.prefLabel) if lbl.language == "nb"), "")

    for t in g.subjects(K2.inPlan, PLAN.k2020):
        if (t, RDF.type, K2.Tiltak) not in g:
            continue
        answers = {v.toPython() for v in newest(t, K2.continuedInK2025)}
        silent = any((r, K2.silentOn, K2.continuedInK2025) in g for r in g.subjects(K2.recordOf, t))
        starts = newest(t, K2.start)
        earliest = [int(str(s)[:4]) for s in starts if s.datatype == XSD.gYear or str(s).endswith("0-tallet")]
        latest = [int(str(s)) if s.datatype == XSD.gYear else int(str(s)[:4]) + 9 for s in starts if str(s)[:4].isdigit()]
        direct = {
            "status": ";".join(sorted(nb_label(c) for c in newest(t, K2.status))),
            "continuation_status": "yes" if True in answers else "no" if answers else "not stated" if silent else "",
            "start_earliest": ";".join(str(y) for y in earliest),
            "start_latest": ";".join(str(y) for y in latest),
            "end_year": ";".join(str(e) for e in newest(t, K2.end) if e.datatype == XSD.gYear),
        }
        nr = str(g.value(t, SKOS.notation))
        final, early = record_of(t, SRC["seed-001"]), record_of(t, SRC["seed-000"])
        cont = g.value(final, K2.continuedInK2025) if final is not None else None
        refs = sorted(
            (
                (int(g.value(c, K2.position)), str(g.value(g.value(c, K2.toTiltak), SKOS.notation)))
                for c in g.subjects(K2.fromTiltak, t)
            ),
        )

        def val(rec, prop):  # type: ignore[no-untyped-def]
            v = g.value(rec, prop) if rec is not None else None
            return "" if v is None else str(v)

        out[nr] = {
            "nr": nr,
            "name": val(final, DCTERMS.title),
            "strategy": nr.split(".")[0],
            "type": "; ".join(sorted(str(t) for t in g.objects(final, K2.typeText))) if final is not None else "",
            "responsible": ";".join(sorted({str(g.value(a, SKOS.notation)) for a in g.objects(early, K2.responsible)}))
            if early
            else "",
            "start": val(final, K2.start),
            "end": val(final, K2.end),
            "continued_k2025": "" if cont is None else ("yes" if cont.toPython() else "no"),
            "k2025_refs": ";".join(r for _, r in refs),
            "cross_listed_with": ";".join(sorted(str(g.value(o, SKOS.notation)) for o in g.objects(t, K2.crossListedWith))),
            **direct,
        }
    return out


def test_tiltak_table_csv(kg, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["export", "--root", str(ROOT), "--table", "tiltak", "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == ",".join(TABLE_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = _expected_table(kg)
    assert len(rows) == len(expected) >= 60
    for row in rows:
        assert row == expected[row["nr"]], row["nr"]
    # the headline facts, straight from the source table (seed 001 lines 542-562 and 000's row 3.14)
    by_nr = {r["nr"]: r for r in rows}
    assert by_nr["3.14"]["cross_listed_with"] == "4.4" and by_nr["3.14"]["k2025_refs"] == "1.1"
    assert by_nr["3.13"]["k2025_refs"] == "1.31;3.7"
    assert by_nr["1.1"]["responsible"] == "KP" and by_nr["1.1"]["continued_k2025"] == "yes"
    assert by_nr["2.4"]["continued_k2025"] == ""


def test_tiltak_table_xlsx(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    target = tmp_path / "tiltak.xlsx"
    assert main(["export", "--root", str(ROOT), "--table", "tiltak", "--format", "xlsx", "-o", str(target)]) == 0
    ws = load_workbook(target).active
    header = [c.value for c in ws[1]]
    assert header == list(TABLE_COLUMNS)
    rows = [
        {c: "" if v is None else str(v) for c, v in zip(header, r, strict=True)}
        for r in ws.iter_rows(min_row=2, values_only=True)
    ]
    expected = _expected_table(kg)
    assert len(rows) == len(expected) >= 60
    assert all(row == expected[row["nr"]] for row in rows)


def test_table_rejects_graph_formats(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["export", "--root", str(ROOT), "--table", "tiltak", "--format", "turtle"]) == 2
    assert "--table tiltak takes --format csv or xlsx" in capsys.readouterr().err
