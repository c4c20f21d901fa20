"""Running one query on a pyoxigraph store and writing its result, capped, straight from pyoxigraph.

:func:`execute` takes and returns plain data (str, bytes, numbers, lists, dicts), so that it can run in
a worker process (:mod:`.pool`) as well as in the calling one. Results are serialised by pyoxigraph
itself, never converted to rdflib: SELECT results are written as TSV into a writer that stops the
serialiser once the row cap is passed (one row per line, so counting is exact), then re-written by
pyoxigraph in the requested format.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

import pyoxigraph as ox

from .negotiation import GRAPH_FORMATS, RESULT_FORMATS

_RESULTS = {f.name: f.results for f in RESULT_FORMATS}
_RDF = {f.name: f.rdf for f in GRAPH_FORMATS}
_POSITION = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.S)

#: The key added to SPARQL JSON results that were cut at the row cap.
TRUNCATED_KEY = "k2020:truncated"


class _Full(Exception):
    """Raised inside pyoxigraph's serialiser to stop it: the cap is reached."""


class _CappedLines:
    """A binary writer that keeps the first ``limit`` lines and stops the writer on the next one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lines = 0
        self.chunks: list[bytes] = []
        self.full = False

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        count = chunk.count(b"\n")
        if self.lines + count > self.limit:
            keep, pos = self.limit - self.lines, -1
            for _ in range(keep):
                pos = chunk.index(b"\n", pos + 1)
            self.chunks.append(chunk[: pos + 1])
            self.lines = self.limit
            self.full = True
            raise _Full
        self.chunks.append(chunk)
        self.lines += count
        return len(chunk)

    def flush(self) -> None:
        pass

    def value(self) -> bytes:
        return b"".join(self.chunks)


def term(spec: list[str] | tuple[str, ...]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A pyoxigraph term from its plain form: ``("iri", value)``, ``("bnode", id)``, ``("literal", value, datatype, lang)``."""
    kind, value = spec[0], spec[1]
    if kind == "iri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    datatype, lang = (list(spec[2:4]) + [None, None])[:2]
    if lang:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)


def plain_term(node: Any) -> tuple[str, ...]:
    """The plain form of an rdflib term (for :func:`term`)."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, URIRef):
        return ("iri", str(node))
    if isinstance(node, BNode):
        return ("bnode", str(node))
    if isinstance(node, Literal):
        return ("literal", str(node), str(node.datatype) if node.datatype else "", node.language or "")
    raise TypeError(f"unsupported term {node!r}")


def syntax_error(exc: SyntaxError) -> dict[str, Any]:
    message = str(exc.msg if exc.msg else exc)
    m = _POSITION.match(message)
    if m:
        return {"ok": False, "kind": "syntax", "line": int(m.group(1)), "column": int(m.group(2)), "message": m.group(3)}
    return {"ok": False, "kind": "syntax", "line": exc.lineno, "column": exc.offset, "message": message}


def execute(store: ox.Store, request: dict[str, Any]) -> dict[str, Any]:
    """Run ``request["query"]`` and serialise its result; errors come back as data, never raised.

    The request holds ``query``, ``results`` (a result format name), ``graph`` (a graph format name),
    ``row_cap``, and optionally ``base_iri`` (against which relative IRIs in the query resolve, as a
    ``BASE`` at its start would), ``default_graph`` and ``named_graphs`` (lists of IRIs), ``substitutions``
    (variable -> plain term) and ``prefixes`` (for Turtle and RDF/XML).
    """
    cap = int(request.get("row_cap") or 0) or 10_000
    kwargs: dict[str, Any] = {}
    if request.get("base_iri"):
        kwargs["base_iri"] = request["base_iri"]
    if request.get("default_graph"):
        kwargs["default_graph"] = [ox.NamedNode(iri) for iri in request["default_graph"]]
    if request.get("named_graphs"):
        kwargs["named_graphs"] = [ox.NamedNode(iri) for iri in request["named_graphs"]]
    if request.get("substitutions"):
        kwargs["substitutions"] = {ox.Variable(k): term(v) for k, v in request["substitutions"].items()}
    try:
        result = store.query(request["query"], **kwargs)
        if isinstance(result, ox.QueryBoolean):
            body = result.serialize(format=_RESULTS[request.get("results") or "json"])
            return {"ok": True, "kind": "boolean", "body": body, "truncated": False, "count": 1}
        if isinstance(result, ox.QuerySolutions):
            return _solutions(result, request.get("results") or "json", cap)
        return _triples(result, request.get("graph") or "turtle", cap, request.get("prefixes") or {})
    except SyntaxError as exc:
        return syntax_error(exc)
    except (OSError, RuntimeError, ValueError, TypeError) as exc:  # evaluation errors (pyoxigraph raises these)
        return {"ok": False, "kind": "error", "message": str(exc) or type(exc).__name__}


def _solutions(result: ox.QuerySolutions, fmt: str, cap: int) -> dict[str, Any]:
    writer = _CappedLines(cap + 1)  # the header line and ``cap`` rows
    try:
        result.serialize(writer, ox.QueryResultsFormat.TSV)  # type: ignore[arg-type]  # any object with write()
    except _Full:
        pass
    tsv = writer.value()
    count = max(0, tsv.count(b"\n") - 1)
    if fmt == "tsv":
        body = tsv
    else:
        body = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=_RESULTS[fmt]) or b""
        if writer.full and fmt == "json":
            marker = f'{{"{TRUNCATED_KEY}":true,"k2020:rowCap":{cap},'.encode()
            body = marker + body[1:]
    return {"ok": True, "kind": "solutions", "body": body, "truncated": writer.full, "count": count}


def _triples(result: ox.QueryTriples, fmt: str, cap: int, prefixes: dict[str, str]) -> dict[str, Any]:
    triples = list(islice(result, cap + 1))
    truncated = len(triples) > cap
    del triples[cap:]
    rdf = _RDF[fmt]
    body = (
        ox.serialize(triples, format=rdf, prefixes=prefixes if rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None)
        or b""
    )
    if truncated and rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
        body = f"# k2020graph: truncated at {cap} triples (the row cap) / avkortet ved {cap} tripler\n".encode() + body
    return {"ok": True, "kind": "triples", "body": body, "truncated": truncated, "count": len(triples)}
