"""Exports: the whole graph in a stable order, and the flat tiltak table for spreadsheet users."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from .namespaces import PREFIXES, bind_prefixes
from .queries import CannedQuery
from .results import plain
from .store import SelectResult, Store

#: format name -> (rdflib serializer, file suffix)
GRAPH_FORMATS: dict[str, tuple[str, str]] = {
    "turtle": ("turtle", "ttl"),
    "ntriples": ("nt", "nt"),
    "jsonld": ("json-ld", "jsonld"),
    "rdfxml": ("xml", "rdf"),
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
    # The direct layer (rules/): derived, read-only on import (DERIVED_COLUMNS).
    "status",
    "continuation_status",
    "start_earliest",
    "start_latest",
    "end_year",
)
#: The table's columns that the direct layer gives: shown for reading, never mapped back by an import.
DERIVED_COLUMNS = frozenset({"status", "continuation_status", "start_earliest", "start_latest", "end_year"})


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
    if fmt == "jsonld":
        return _jsonld(graph)
    if fmt == "rdfxml":
        return _rdfxml(graph)
    data = stable_graph(graph).serialize(format=GRAPH_FORMATS[fmt][0], encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode()


# -- JSON-LD and RDF/XML: rdflib's serialisers order namespaces and nodes by Python's set order, which changes
# with PYTHONHASHSEED from one process to the next; these two are written in a sorted order of their own.


def _sorted_json(value: Any, key: str | None = None) -> Any:
    """``value`` with every JSON array sorted (their order carries no meaning in JSON-LD, except in ``@list``)."""
    if isinstance(value, dict):
        return {k: _sorted_json(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return items if key == "@list" else sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _jsonld(graph: Graph) -> bytes:
    """Compact JSON-LD with the project's prefixes as its context, nodes and values in sorted order."""
    stable = stable_graph(graph)
    context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    doc = json.loads(stable.serialize(format="json-ld", context=context, auto_compact=True))
    if isinstance(doc, dict) and "@graph" not in doc and "@context" in doc:  # a single node: keep the @graph form
        ctx = doc.pop("@context")
        doc = {"@context": ctx, "@graph": [doc]}
    return (json.dumps(_sorted_json(doc), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_NCNAME_TAIL = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*$")


def _rdfxml(graph: Graph) -> bytes:
    """RDF/XML, one ``rdf:Description`` per subject in sorted order, properties sorted within it."""
    prefixes = {str(ns): prefix for prefix, ns in PREFIXES.items()}
    used: dict[str, str] = {str(RDF): "rdf"}

    def qname(iri: str) -> str:
        tail = _NCNAME_TAIL.search(iri)
        if tail is None:
            raise ValueError(f"cannot write the property <{iri}> in RDF/XML: it does not end in an XML name")
        ns, local = iri[: tail.start()], tail.group()
        if ns not in used:
            used[ns] = prefixes.get(ns) or f"ns{len([p for p in used.values() if p.startswith('ns')]) + 1}"
        return f"{used[ns]}:{local}"

    def node_attr(term: object, name: str) -> str:
        if isinstance(term, BNode):
            return f"rdf:nodeID={quoteattr('b' + str(term))}"
        return f"rdf:{name}={quoteattr(str(term))}"

    body: list[str] = []
    triples = sorted(graph, key=_sort_key)
    subject = None
    for s, p, o in triples:
        if s != subject:
            if subject is not None:
                body.append("  </rdf:Description>")
            body.append(f"  <rdf:Description {node_attr(s, 'about')}>")
            subject = s
        tag = qname(str(p))
        if isinstance(o, Literal):
            attrs = ""
            if o.language:
                attrs = f" xml:lang={quoteattr(o.language)}"
            elif o.datatype is not None:
                attrs = f" rdf:datatype={quoteattr(str(o.datatype))}"
            body.append(f"    <{tag}{attrs}>{escape(str(o))}</{tag}>")
        elif isinstance(o, URIRef | BNode):
            body.append(f"    <{tag} {node_attr(o, 'resource')}/>")
    if subject is not None:
        body.append("  </rdf:Description>")
    declarations = "".join(f"\n  xmlns:{prefix}={quoteattr(ns)}" for ns, prefix in sorted(used.items(), key=lambda i: i[1]))
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{declarations}\n>'
    return ("\n".join([head, *body, "</rdf:RDF>"]) + "\n").encode("utf-8")


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
