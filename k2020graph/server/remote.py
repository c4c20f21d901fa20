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
import concurrent.futures
import hashlib
import http.client
import queue
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
_JSON = "application/sparql-results+json"
_TSV = "text/tab-separated-values"
_ACCEPT = f"{_XML}, {_NT};q=0.9, text/plain;q=0.5"
#: result format asked for -> (the store's media type, its pyoxigraph format): its answer is passed on as it is
#: when it fits under the row cap (CSV cannot be read back by pyoxigraph: XML is asked for and converted)
_PASS = {
    "json": (_JSON, ox.QueryResultsFormat.JSON),
    "xml": (_XML, ox.QueryResultsFormat.XML),
    "tsv": (_TSV, ox.QueryResultsFormat.TSV),
}
_READ = {_JSON: ox.QueryResultsFormat.JSON, _XML: ox.QueryResultsFormat.XML, _TSV: ox.QueryResultsFormat.TSV}
#: Idle keep-alive connections kept to the store (more than the pool's slots are never in use at once).
_IDLE = 8
#: Seconds between two looks for a free slot of :class:`RemotePool` while all are taken.
_SLOT_POLL = 0.01


class _Connections:
    """Keep-alive HTTP/1.1 connections to the store, reused from one request to the next.

    A connection goes back only after its answer was read to the end; one the store closed is replaced.
    """

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port
        self.target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        self._idle: queue.LifoQueue[http.client.HTTPConnection] = queue.LifoQueue(_IDLE)

    def _new(self, timeout: float) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return kind(self.host, self.port, timeout=timeout)

    def post(self, body: bytes, headers: dict[str, str], timeout: float) -> _Answer:
        for attempt in (0, 1):
            try:
                conn = self._idle.get_nowait()
                reused = True
            except queue.Empty:
                conn, reused = self._new(timeout), False
            try:
                conn.timeout = timeout
                if conn.sock is not None:
                    conn.sock.settimeout(timeout)
                conn.request("POST", self.target, body=body, headers=headers)
                return _Answer(conn.getresponse(), conn, self)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.BadStatusLine):
                conn.close()
                if not reused or attempt:  # a fresh connection refused: the store is gone
                    raise
            except BaseException:
                conn.close()
                raise
        raise AssertionError("unreachable")

    def give_back(self, conn: http.client.HTTPConnection) -> None:
        try:
            self._idle.put_nowait(conn)
        except queue.Full:
            conn.close()


class _Answer:
    """The store's HTTP answer; its connection goes back to :class:`_Connections` when it was read through."""

    def __init__(self, response: http.client.HTTPResponse, conn: http.client.HTTPConnection, owner: _Connections) -> None:
        self.response, self.conn, self.owner = response, conn, owner
        self.headers = response.headers
        self.status = response.status

    def read(self, size: int = -1) -> bytes:
        return self.response.read(size)

    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self.response.isclosed() and not self.response.will_close:
            self.owner.give_back(self.conn)
        else:  # read only in part (a row cap, an error): the connection cannot be used again
            self.response.close()
            self.conn.close()


class _Tee:
    """A reader that keeps every byte it passes on."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.kept = bytearray()

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.source.read(size)
        self.kept += data
        return data


class _Replay:
    """The bytes already read, then the rest of the source."""

    def __init__(self, head: bytes, source: Any) -> None:
        self.head, self.source = memoryview(head), source

    def read(self, size: int = -1) -> bytes:
        if self.head:
            n = len(self.head) if size < 0 else min(size, len(self.head))
            out, self.head = bytes(self.head[:n]), self.head[n:]
            return out
        data: bytes = self.source.read(size)
        return data


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
        # Keep-alive connections, unless a password must answer the store's challenges (urllib's handlers do)
        plain = remote.user is None and urllib.parse.urlsplit(remote.endpoint).scheme in ("http", "https")
        self.connections = _Connections(remote.endpoint) if plain else None

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
        if self.connections is not None:
            try:
                answer = self.connections.post(body, headers, timeout or self.timeout)
            except (http.client.HTTPException, OSError, ValueError) as exc:
                raise _failure(exc, self.remote.endpoint) from None
            if answer.status >= 400:
                with answer:
                    error = urllib.error.HTTPError(self.remote.endpoint, answer.status, "", answer.headers, answer.response)  # type: ignore[arg-type]
                    raise _failure(error, self.remote.endpoint) from None
            return answer
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
        # Its own threads, one per slot: a request given up at its timeout keeps its thread (and its slot)
        # until the store's answer ends, and must not hold up anything else of the process (asyncio's
        # shared default executor would queue every later request behind such threads, past its timeout).
        self._threads = concurrent.futures.ThreadPoolExecutor(self.max_size, thread_name_prefix="k2020graph-remote")

    def start(self) -> None:
        pass

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

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
        # A slot is released by the thread whose request really ended (not when it was given up), so the wait
        # for one polls: it needs no thread of its own, and ends at the request's deadline whatever else runs.
        while not self._slots.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise QueryTimeout(timeout, busy=True)
            await asyncio.sleep(_SLOT_POLL)
        with self._lock:
            self._running += 1

        def work() -> dict[str, Any]:
            try:
                return self._execute(request, max(0.001, deadline - time.monotonic()))
            finally:
                with self._lock:
                    self._running -= 1
                self._slots.release()  # when the request really ends, not when it is given up

        try:
            running = asyncio.wrap_future(self._threads.submit(work))
            return await asyncio.wait_for(running, max(0.001, deadline - time.monotonic()))
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
        wanted = request.get("results") or "json"
        asked = _PASS.get(wanted, (_XML, ox.QueryResultsFormat.XML))[0]
        try:
            # The socket waits a little past the deadline: the pool reports a query past it as a timeout, not as a lost store.
            response = self.raw.open(query, dataset_given, timeout + 1.0, accept=f"{asked}, {_NT};q=0.9, text/plain;q=0.5")
        except RemoteError as exc:
            if exc.status == 400:
                return {"ok": False, "kind": "error", "message": str(exc)}
            raise
        with response:
            try:
                return self._read(response, wanted, asked, cap, request)
            except (SyntaxError, ValueError, OSError, http.client.HTTPException) as exc:
                failure = f"{shown(self.raw.remote.endpoint)}: unreadable answer ({exc}) / uleselig svar"
        # Raised here, after the handler, so that it carries no traceback of _read: pyoxigraph's result
        # iterators in that frame must be freed by this thread (freed on the event loop's thread, which gets
        # the error, they are leaked with "unsendable, but is being dropped on another thread").
        raise RemoteError(failure)

    def _read(self, response: Any, wanted: str, asked: str, cap: int, request: dict[str, Any]) -> dict[str, Any]:
        """The reply for the store's answer ``response``, read as a stream and stopped past the row cap."""
        kind = response.headers.get_content_type()
        if kind in _READ:
            tee = _Tee(response)
            result = ox.parse_query_results(tee, _READ[kind])  # type: ignore[arg-type]
            if isinstance(result, ox.QueryBoolean):
                body = result.serialize(format=_results_format(wanted))
                return {"ok": True, "kind": "boolean", "body": body, "truncated": False, "count": 1}
            count = 0
            for _ in result:
                count += 1
                if count > cap:
                    break
            else:
                while response.read(1 << 16):  # the end of the answer, so that the connection is reused
                    pass
                # The store's own answer, when it is in the format asked for, under the cap, and free
                # of store quirks (Virtuoso's JSON "typed-literal"): no second serialisation.
                if kind == asked and wanted in _PASS and not (kind == _JSON and b'"typed-literal"' in tee.kept):
                    return {"ok": True, "kind": "solutions", "body": bytes(tee.kept), "truncated": False, "count": count}
            again = ox.parse_query_results(_Replay(bytes(tee.kept), response), _READ[kind])  # type: ignore[arg-type]
            assert isinstance(again, ox.QuerySolutions)
            return _solutions(again, wanted, cap)
        rdf = ox.RdfFormat.TURTLE if kind == "text/turtle" else ox.RdfFormat.N_TRIPLES
        triples = (q.triple for q in ox.parse(response, format=rdf))
        return _triples(triples, request.get("graph") or "turtle", cap, request.get("prefixes") or {})  # type: ignore[arg-type]


def _results_format(name: str) -> ox.QueryResultsFormat:
    from .engine import _RESULTS

    fmt = _RESULTS[name]
    assert fmt is not None  # every result format has a serialiser for booleans
    return fmt
