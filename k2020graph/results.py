"""Writing query results: an aligned table for people, CSV/TSV for spreadsheets, SPARQL JSON for tools."""

from __future__ import annotations

import csv
import io
import json

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .store import AskResult, GraphResult, Result, SelectResult


def plain(term: Node | None) -> str:
    """A cell's text: IRIs and literal values as they are, unbound as empty."""
    return "" if term is None else str(term)


def _json_term(term: Node | None) -> dict[str, str] | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = str(term.datatype)
    return out


def to_json(result: Result) -> str:
    """SPARQL 1.1 Query Results JSON (or Turtle text for graph results)."""
    if isinstance(result, AskResult):
        return json.dumps({"head": {}, "boolean": result.value})
    if isinstance(result, GraphResult):
        return result.graph.serialize(format="json-ld")
    bindings = [
        {v: j for v, t in zip(result.variables, row, strict=True) if (j := _json_term(t)) is not None} for row in result.rows
    ]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1)


def to_delimited(result: Result, delimiter: str = ",") -> str:
    if isinstance(result, AskResult):
        return f"boolean\n{str(result.value).lower()}\n"
    if isinstance(result, GraphResult):
        result = SelectResult(["s", "p", "o"], sorted(result.graph))  # type: ignore[arg-type]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([plain(t) for t in row])
    return buf.getvalue()


def to_table(result: Result, max_width: int = 60) -> str:
    if isinstance(result, AskResult):
        return ("ja / yes" if result.value else "nei / no") + "\n"
    if isinstance(result, GraphResult):
        return result.graph.serialize(format="turtle")
    cells = [[" ".join(plain(t).split()) for t in row] for row in result.rows]  # one line per row: paragraphs joined
    clip = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    widths = [len(v) for v in result.variables]
    for row in clip:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in clip]
    out.append(f"({len(cells)} rader / rows)")
    return "\n".join(out) + "\n"


FORMATS = {
    "table": to_table,
    "csv": lambda r: to_delimited(r, ","),
    "tsv": lambda r: to_delimited(r, "\t"),
    "json": to_json,
}
