"""CLI output checked by content: every row and value of the library's answer, in every output format.

The expected rows are the library's own result (``CannedQuery.run``); the CSV/TSV/JSON text is parsed back
with the standard library's readers, so a writer that drops, adds or changes a row fails here.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from k2020graph.cli import main
from k2020graph.store import AskResult, SelectResult

ROOT = Path(__file__).resolve().parent.parent
QUERY_NAMES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
HEADLINE = ("continued-into-k2025", {"division": "PH"})


def test_queries_were_collected() -> None:
    assert len(QUERY_NAMES) >= 20


def _cells(result: SelectResult) -> list[list[str]]:
    return [["" if t is None else str(t) for t in row] for row in result.rows]


def _json_rows(result: SelectResult) -> list[dict[str, tuple[str, str | None]]]:
    """(value, language or datatype) per bound variable, from the rdflib terms."""
    out = []
    for row in result.rows:
        cells: dict[str, tuple[str, str | None]] = {}
        for var, term in zip(result.variables, row, strict=True):
            if term is None:
                continue
            extra = None
            if isinstance(term, Literal):
                extra = term.language or (str(term.datatype) if term.datatype else None)
            cells[var] = (str(term), extra)
        out.append(cells)
    return out


def _parsed_json_rows(payload: dict) -> list[dict[str, tuple[str, str | None]]]:  # type: ignore[type-arg]
    return [
        {var: (b["value"], b.get("xml:lang") or b.get("datatype")) for var, b in binding.items()}
        for binding in payload["results"]["bindings"]
    ]


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_format_carries_every_row(kg, catalogue, name: str) -> None:  # type: ignore[no-untyped-def]
    from k2020graph.results import FORMATS

    result = catalogue[name].run(kg.store)
    if isinstance(result, AskResult):
        assert json.loads(FORMATS["json"](result))["boolean"] is result.value
        return
    assert isinstance(result, SelectResult)
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        rows = list(csv.reader(io.StringIO(FORMATS[fmt](result)), delimiter=delimiter))
        assert rows[0] == result.variables, fmt
        assert rows[1:] == _cells(result), f"{fmt}: rows differ from the library's answer"
    payload = json.loads(FORMATS["json"](result))
    assert payload["head"]["vars"] == result.variables
    assert _parsed_json_rows(payload) == _json_rows(result)
    table = FORMATS["table"](result)
    assert table.rstrip().endswith(f"({len(result.rows)} rader / rows)")
    assert len(table.splitlines()) == len(result.rows) + 3  # header, rule, rows, count


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_the_command_prints_the_librarys_rows(kg, catalogue, capsys, fmt: str) -> None:  # type: ignore[no-untyped-def]
    name, params = HEADLINE
    result = catalogue[name].run(kg.store, params)
    assert isinstance(result, SelectResult) and len(result.rows) >= 2
    args = ["query", name, "--root", str(ROOT), "--format", fmt] + [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
    assert main(args) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        assert _parsed_json_rows(json.loads(out)) == _json_rows(result)
        return
    rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
    assert rows == [result.variables, *_cells(result)]
    # and the rows are the tiltak the source says: every one has PH as responsible
    assert all(isinstance(row[result.variables.index("tiltak")], URIRef) for row in result.rows)
