"""Serving on top of a remote SPARQL 1.1 store (``k2020graph serve --store URL``).

:class:`RemoteServedStore` stands where the embedded store stands in :class:`~.context.Context`: its
``raw`` answers the few calls the pages make of a pyoxigraph store (``query``, ``quads_for_pattern``,
iteration, ``len``) by asking the remote store. :class:`RemotePool` stands where the worker pool stands:
``run(request, timeout)`` gives the reply :func:`.engine.execute` gives, so the endpoint, the API and
the query page are unchanged, with the same timeout, row cap and result formats.

Safety: every query has been through the endpoint's check (:mod:`.guard`) before it gets here, and
:meth:`RemotePool.run` checks it once more (no worker sandbox stands behind it here): no update,
``SERVICE`` or ``LOAD`` ever reaches the store. The dataset is pinned: every request names the
published graph as the default graph and an empty set of named graphs in the protocol, which takes
precedence over ``FROM``/``FROM NAMED`` in the query text, so no query reads another graph of the store.
Results are read from the store as a stream and parsed lazily, stopped at the row cap; a query past
its timeout is given up (the store may still finish it; its own limits apply there).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

from ..remote import Remote, RemoteError, _failure, shown
from .engine import _solutions, _triples, term
from .guard import inspect
from .pool import QueryTimeout, WorkerLost

#: Named graphs that exist in no store: the dataset of a request that names graphs of its own (the
#: embedded store has only its default graph, so such a dataset is empty there too).
NO_GRAPH = "urn:k2020graph:no-such-graph"
_XML = "application/sparql-results+xml"
_NT = "application/n-triples"
_ACCEPT = f"{_XML}, {_NT};q=0.9, text/plain;q=0.5"


def _values(query: str, substitutions: dict[Any, Any]) -> str:
    """Bind variables with a VALUES block at the end of the outermost WHERE group (terms in N-Triples form)."""
    names = [v.value if isinstance(v, ox.Variable) else str(v) for v in substitutions]
    terms = [str(t) for t in substitutions.values()]
    head, sep, tail = query.rpartition("}")
    if not sep:
        raise ValueError("query has no group graph pattern to bind into")
    block = "VALUES (" + " ".join("?" + n for n in names) + ") { (" + " ".join(terms) + ") }"
    return head + "\n" + block + "\n}" + tail


class RemoteRaw:
    """What the pages ask of a pyoxigraph store, answered by the remote store's published graph."""

    def __init__(self, remote: Remote, timeout: float) -> None:
        self.remote = remote
        self.timeout = timeout

    def open(self, query: str, dataset_given: bool = False, timeout: float | None = None, accept: str = _ACCEPT) -> Any:
        """The store's HTTP response to ``query`` (a stream), the dataset pinned to the published graph."""
        fields = [("query", query)]
        if dataset_given:  # graphs the embedded store does not have either: an empty dataset
            fields += [("default-graph-uri", NO_GRAPH), ("named-graph-uri", NO_GRAPH)]
        elif self.remote.graph is not None:  # the published graph, and no named graph at all
            fields += [("default-graph-uri", self.remote.graph), ("named-graph-uri", NO_GRAPH)]
        # else (--graph default): the store's own default graph; it cannot be pinned by the protocol
        body = urllib.parse.urlencode(fields).encode()
        headers = {**self.remote.headers(), "Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        request = urllib.request.Request(self.remote.endpoint, data=body, method="POST", headers=headers)
        try:
            return self.remote.opener().open(request, timeout=timeout or self.timeout)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise _failure(exc, self.remote.endpoint) from None

    def query(self, query: str, substitutions: dict[Any, Any] | None = None, **_: Any) -> Any:
        text = _values(query, substitutions) if substitutions else query
        response = self.open(text)
        kind = response.headers.get_content_type()
        if kind == _XML:
            return ox.parse_query_results(response, ox.QueryResultsFormat.XML)
        quads = ox.parse(response, format=ox.RdfFormat.TURTLE if kind == "text/turtle" else ox.RdfFormat.N_TRIPLES)
        return [q.triple for q in quads]

    def triples_stream(self) -> Any:
        """The store's HTTP response with the whole published graph, asked for in N-Triples (a stream)."""
        return self.open("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", accept=f"{_NT}, text/turtle;q=0.5")

    def quads_for_pattern(self, subject: Any, predicate: Any, obj: Any, graph: Any = None) -> list[ox.Quad]:
        parts = [str(t) if t is not None else f"?{name}" for t, name in ((subject, "s"), (predicate, "p"), (obj, "o"))]
        result = self.query(f"SELECT * WHERE {{ {' '.join(parts)} }}")
        out = []
        for solution in result:
            s = subject if subject is not None else solution["s"]
            p = predicate if predicate is not None else solution["p"]
            o = obj if obj is not None else solution["o"]
            out.append(ox.Quad(s, p, o))
        return out

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self.quads_for_pattern(None, None, None))

    def __len__(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        for solution in result:
            return int(solution["n"].value)
        return 0


class RemoteServedStore:
    """The remote store, as :class:`~.context.Context` holds a store: ``raw``, ``version``, ``len``, ``path``."""

    path = None

    def __init__(self, remote: Remote, timeout: float) -> None:
        self.remote = remote
        self.raw = RemoteRaw(remote, timeout)
        self._length = len(self.raw)  # also checks, before serving, that the store answers
        key = f"{remote.endpoint}\x00{remote.graph}\x00{self._length}"
        self.version = "remote-" + hashlib.sha256(key.encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return self._length


class RemotePool:
    """Stands for the worker pool: :meth:`run` answers a request from the remote store, at most ``max_size`` at once."""

    def __init__(self, raw: RemoteRaw, max_size: int = 4) -> None:
        self.raw = raw
        self.size = self.max_size = max(1, max_size)
        self._slots = threading.BoundedSemaphore(self.max_size)
        self._lock = threading.Lock()
        self._running = 0
        self._ended: dict[str, int] = {}

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def worker_pids(self) -> list[int]:
        return []

    def health(self) -> dict[str, Any]:
        with self._lock:
            return {
                "ready": self.max_size - self._running,
                "running": self._running,
                "ended": dict(self._ended),
                "remote": shown(self.raw.remote.endpoint),
            }

    def _count(self, kind: str) -> None:
        with self._lock:
            self._ended[kind] = self._ended.get(kind, 0) + 1

    async def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        found = inspect(request["query"])  # again: no sandbox stands behind this pool
        if found.form == "UPDATE" or found.refusal:
            return {"ok": False, "kind": "error", "message": found.refusal or "updates are not run"}
        deadline = time.monotonic() + timeout
        if not await asyncio.to_thread(self._slots.acquire, True, timeout):
            raise QueryTimeout(timeout, busy=True)
        with self._lock:
            self._running += 1
        done = threading.Event()

        def work() -> dict[str, Any]:
            try:
                return self._execute(request, max(0.001, deadline - time.monotonic()))
            finally:
                with self._lock:
                    self._running -= 1
                self._slots.release()  # when the request really ends, not when it is given up
                done.set()

        try:
            return await asyncio.wait_for(asyncio.to_thread(work), max(0.001, deadline - time.monotonic()))
        except TimeoutError:
            self._count("timeout")
            raise QueryTimeout(timeout) from None
        except RemoteError as exc:
            self._count("unavailable")
            raise WorkerLost(str(exc)) from None

    def _execute(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        query = request["query"]
        if request.get("base_iri"):
            query = f"BASE <{request['base_iri']}>\n{query}"
        if request.get("substitutions"):
            query = _values(query, {ox.Variable(k): term(v) for k, v in request["substitutions"].items()})
        dataset_given = bool(request.get("default_graph") or request.get("named_graphs"))
        cap = int(request.get("row_cap") or 0) or 10_000
        try:
            response = self.raw.open(query, dataset_given, timeout)
        except RemoteError as exc:
            if exc.status == 400:
                return {"ok": False, "kind": "error", "message": str(exc)}
            raise
        with response:
            kind = response.headers.get_content_type()
            try:
                if kind == _XML:
                    result = ox.parse_query_results(response, ox.QueryResultsFormat.XML)
                    if isinstance(result, ox.QueryBoolean):
                        body = result.serialize(format=_results_format(request.get("results") or "json"))
                        return {"ok": True, "kind": "boolean", "body": body, "truncated": False, "count": 1}
                    return _solutions(result, request.get("results") or "json", cap)
                rdf = ox.RdfFormat.TURTLE if kind == "text/turtle" else ox.RdfFormat.N_TRIPLES
                triples = (q.triple for q in ox.parse(response, format=rdf))
                return _triples(triples, request.get("graph") or "turtle", cap, request.get("prefixes") or {})  # type: ignore[arg-type]
            except (SyntaxError, ValueError, OSError) as exc:
                raise RemoteError(f"{shown(self.raw.remote.endpoint)}: unreadable answer ({exc}) / uleselig svar") from None


def _results_format(name: str) -> ox.QueryResultsFormat:
    from .engine import _RESULTS

    fmt = _RESULTS[name]
    assert fmt is not None  # every result format has a serialiser for booleans
    return fmt
