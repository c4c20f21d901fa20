"""The store interface and its implementations.

A :class:`Store` answers SPARQL queries over one loaded graph. The library and both front ends (CLI,
HTTP) talk only to this interface, so that the embedded default (:class:`OxigraphStore`), rdflib's own
engine (:class:`RdflibStore`, the reference) and a remote SPARQL endpoint (:class:`SparqlEndpointStore`)
are interchangeable. Queries never change a store.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from .terms import n3, to_oxigraph, to_rdflib


@dataclass
class SelectResult:
    """Rows of a SELECT query, as rdflib terms (``None`` where a variable is unbound)."""

    variables: list[str]
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)

    def dicts(self) -> list[dict[str, Node | None]]:
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]


@dataclass
class AskResult:
    value: bool


@dataclass
class GraphResult:
    graph: Graph


Result = SelectResult | AskResult | GraphResult


@runtime_checkable
class Store(Protocol):
    """What every store offers. ``bindings`` bind variables to RDF terms, never by pasting text."""

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result: ...

    def __len__(self) -> int: ...

    @property
    def version(self) -> str:
        """A tag that changes whenever the data changes (an HTTP ETag, a cache key)."""
        ...


def _values_block(sparql: str, bindings: Mapping[str, Node]) -> str:
    """Bind variables for engines without native substitution: a VALUES block after the WHERE clause.

    The terms are written in N-Triples form by rdflib, so no value can change the query's structure.
    """
    names = list(bindings)
    values = "VALUES (" + " ".join(f"?{n}" for n in names) + ") { (" + " ".join(n3(bindings[n]) for n in names) + ") }"
    head, sep, tail = sparql.rpartition("}")
    if not sep:
        raise ValueError("query has no group graph pattern to bind into")
    # Place the VALUES inside the outermost WHERE group, so it joins with the whole pattern.
    return head + "\n" + values + "\n}" + tail


#: What a scan of SPARQL text skips whole, so that nothing inside it counts: comments, strings, IRIs.
SPARQL_OPAQUE = r'#[^\n]*|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>'

#: The opaque parts, or a SPARQL query form's or update operation's keyword.
_FORM_SCAN = re.compile(
    SPARQL_OPAQUE
    + r"|(?<![\w:?$])(?P<form>SELECT|CONSTRUCT|ASK|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)(?![\w:])",
    re.IGNORECASE,
)


def query_form(sparql: str) -> str | None:
    """The query's form (SELECT, CONSTRUCT, ASK, DESCRIBE, or an update keyword), upper case; None if none.

    SPARQLWrapper guesses it with a regular expression that keeps every other line of a comment block
    and sees "ADD" in a comment's "address": it then sent a canned query as an update (HTTP 400 from
    Oxigraph server). Here comments, strings and IRIs are skipped whole and a keyword is a whole word.
    """
    for m in _FORM_SCAN.finditer(sparql):
        if m.group("form"):
            return m.group("form").upper()
    return None


def sparqlwrapper_for(endpoint: str, sparql: str):  # type: ignore[no-untyped-def]
    """A SPARQLWrapper with ``sparql`` set and its query form decided by :func:`query_form`."""
    from SPARQLWrapper import SPARQLWrapper

    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(sparql)
    form = query_form(sparql)
    if form is not None:
        wrapper.queryType = form
    return wrapper


def quads_version(quads: Iterable[ox.Quad]) -> str:
    """The data version of a set of quads (duplicates count once): :attr:`OxigraphStore.version`."""
    digest = hashlib.sha256()
    for line in sorted({str(q) for q in quads}):
        digest.update(line.encode())
    return digest.hexdigest()[:20]


class OxigraphStore:
    """The embedded default store: an in-memory pyoxigraph store (fast SPARQL, low memory)."""

    def __init__(self, quads: Iterable[ox.Quad] = ()) -> None:
        self.raw = ox.Store()
        self.raw.bulk_extend(quads)
        self._version: str | None = None
        self._length: int | None = None
        self.path: Path | None = None  # the directory of an on-disk store (:meth:`on_disk`), else None

    @classmethod
    def on_disk(cls, path: Path, version: str, length: int) -> OxigraphStore:
        """The on-disk (RocksDB) store in ``path``, opened read-only; its ``version`` and size as recorded."""
        store = cls.__new__(cls)
        store.raw = ox.Store.read_only(str(path))
        store._version, store._length, store.path = version, length, path
        return store

    @classmethod
    def from_graph(cls, graph: Graph) -> OxigraphStore:
        return cls(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in graph)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return self._length if self._length is not None else len(self.raw)

    @property
    def version(self) -> str:
        if self._version is None:
            self._version = quads_version(self.raw)
        return self._version

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()
        }
        result = self.raw.query(sparql, substitutions=subs or None)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [tuple(to_rdflib(sol[v]) for v in variables) for sol in result]
            return SelectResult(variables, rows)
        if isinstance(result, ox.QueryBoolean):
            return AskResult(bool(result))
        graph = Graph()
        for triple in result:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))  # type: ignore[arg-type]
        return GraphResult(graph)

    def dump(self, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> bytes:
        data = self.raw.dump(format=fmt, from_graph=ox.DefaultGraph())
        assert data is not None  # no output file given: the bytes are returned
        return data


class RdflibStore:
    """rdflib's own SPARQL engine over an rdflib graph: the slow but well-known reference."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def __len__(self) -> int:
        return len(self.graph)

    @property
    def version(self) -> str:
        digest = hashlib.sha256()
        for line in sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in self.graph):
            digest.update(line.encode())
        return digest.hexdigest()[:20]

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        # rdflib's initBindings only pre-bind variables of the outer query (a subquery's copy stays free),
        # and a BIND to a pre-bound variable overrides it; so the VALUES block binds, joining like SEP-0007
        # substitution does in pyoxigraph. The initBindings as well only prune early what that join would
        # drop at the end: without them rdflib's engine evaluates the whole graph's rows first (10 minutes
        # for observation-provenance, whose OPTIONAL subquery runs again for every row).
        if bindings:
            early = {k: v for k, v in bindings.items() if not re.search(rf"\bAS\s+[?$]{re.escape(k)}\b", sparql, re.I)}
            result = self.graph.query(_values_block(sparql, bindings), initBindings=early)  # type: ignore[arg-type]
        else:
            result = self.graph.query(sparql)
        if result.type == "SELECT":
            variables = [str(v) for v in result.vars or []]
            return SelectResult(variables, [tuple(row) for row in result])  # type: ignore[arg-type]
        if result.type == "ASK":
            return AskResult(bool(result.askAnswer))
        graph = Graph()
        for triple in result:
            graph.add(triple)  # type: ignore[arg-type]
        return GraphResult(graph)


class SparqlEndpointStore:
    """A remote SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, Fuseki) reached with SPARQLWrapper."""

    def __init__(self, endpoint: str, timeout: float = 30.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout

    def _wrapper(self, sparql: str, return_format: str):  # type: ignore[no-untyped-def]
        wrapper = sparqlwrapper_for(self.endpoint, sparql)
        wrapper.setReturnFormat(return_format)
        wrapper.setTimeout(int(self.timeout))
        wrapper.setMethod("POST")
        return wrapper

    def __len__(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(result, SelectResult)
        return int(str(result.rows[0][0]))

    @property
    def version(self) -> str:
        return f"remote-{len(self)}"

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        from SPARQLWrapper import JSON, TURTLE

        text = _values_block(sparql, bindings) if bindings else sparql
        wrapper = self._wrapper(text, JSON)
        kind = wrapper.queryType
        if kind in ("CONSTRUCT", "DESCRIBE"):
            wrapper.setReturnFormat(TURTLE)
            data = wrapper.query().convert()
            graph = Graph()
            graph.parse(data=data, format="turtle")
            return GraphResult(graph)
        payload = wrapper.query().convert()
        if "boolean" in payload:
            return AskResult(bool(payload["boolean"]))
        variables: Sequence[str] = payload["head"]["vars"]
        rows = [tuple(_json_term(b.get(v)) for v in variables) for b in payload["results"]["bindings"]]
        return SelectResult(list(variables), rows)


def _json_term(binding: dict[str, str] | None) -> Node | None:
    from rdflib import BNode, Literal

    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)
