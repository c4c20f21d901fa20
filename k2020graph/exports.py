"""Exports: the whole graph in a stable order, and the flat tiltak table for spreadsheet users."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from rdflib import Graph

from .namespaces import bind_prefixes
from .queries import CannedQuery
from .results import plain
from .store import SelectResult, Store

#: format name -> (rdflib serializer, file suffix)
GRAPH_FORMATS: dict[str, tuple[str, str]] = {
    "turtle": ("turtle", "ttl"),
    "ntriples": ("nt", "nt"),
    "jsonld": ("json-ld", "jsonld"),
    "rdfxml": ("pretty-xml", "rdf"),
    "trig": ("trig", "trig"),
}

TABLE_COLUMNS = (
    "nr",
    "name",
    "strategy",
    "type",
    "responsible",
    "start",
    "end",
    "continued_k2025",
    "k2025_refs",
    "cross_listed_with",
)


def _sort_key(triple):  # type: ignore[no-untyped-def]
    return tuple(t.n3() for t in triple)


def stable_graph(graph: Graph) -> Graph:
    """A copy of ``graph`` whose triples were added in sorted order, so that serialisers are deterministic."""
    out = bind_prefixes(Graph())
    for triple in sorted(graph, key=_sort_key):
        out.add(triple)
    return out


def export_graph(graph: Graph, fmt: str) -> bytes:
    """The whole graph in ``fmt``; two exports of the same data are byte-identical."""
    if fmt not in GRAPH_FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "ntriples":  # sort the lines themselves: the N-Triples serialiser follows store order
        lines = sorted(set(stable_graph(graph).serialize(format="nt").splitlines()))
        return ("\n".join(line for line in lines if line) + "\n").encode()
    if fmt == "trig":  # the whole graph as the dataset's default graph (no generated graph name)
        from rdflib import Dataset

        ds = Dataset()
        for prefix, ns in bind_prefixes(Graph()).namespaces():
            ds.bind(prefix, ns, override=True, replace=True)
        for triple in sorted(graph, key=_sort_key):
            ds.default_graph.add(triple)
        data = ds.serialize(format="trig", encoding="utf-8")
        return data if isinstance(data, bytes) else data.encode()
    data = stable_graph(graph).serialize(format=GRAPH_FORMATS[fmt][0], encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode()


def tiltak_table(store: Store, catalogue: Mapping[str, CannedQuery]) -> list[dict[str, str]]:
    """One row per K2020 tiltak number, in number order, with :data:`TABLE_COLUMNS`."""
    result = catalogue["tiltak-table"].run(store)
    assert isinstance(result, SelectResult)
    rows = [{c: plain(row.get(c)) for c in TABLE_COLUMNS} for row in result.dicts()]
    rows.sort(key=lambda r: tuple(int(p) for p in r["nr"].split(".")))
    return rows


def table_csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=TABLE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def table_xlsx(rows: list[dict[str, str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "tiltak"
    ws.append(list(TABLE_COLUMNS))
    for row in rows:
        ws.append([row[c] for c in TABLE_COLUMNS])
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
