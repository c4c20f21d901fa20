"""What every route needs, held by one object per application (``app.state.k2020``), never by a module.

:class:`Settings` are the knobs; :class:`Context` holds the loaded store, the catalogue, the worker
pool and the helpers that turn a query into a response or into a clear error (:class:`Problem`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..loading import KnowledgeGraph
from ..namespaces import DEFAULT_BASE, PREFIXES
from ..queries import CannedQuery
from ..store import OxigraphStore
from .cache import BoundedLRU, ResultCache, approx_size, request_key
from .engine import plain_term
from .guard import Inspection, inspect
from .limits import FRESH, Limits, NoSlot, OverLimit, Policy, Ticket, client_key, query_shape
from .nesting import too_deep
from .pool import QueryPool, QueryTimeout, WorkerLost
from .remote import RemotePool, RemoteServedStore
from .texts import both, text

T = TypeVar("T")

_MEMO_TEXT_LIMIT = 20_000  # characters: longer query texts are inspected every time, not remembered
_MB = 1024 * 1024
#: The memos of the pages and the query check: share of Settings.memo_mb, and entries at most.
MEMO_SHARES = {"labels": (0.5, 50_000), "subjects": (0.25, 50_000), "inspect": (0.25, 512)}
#: Whole-graph artefacts (counts, dumps): a fixed set of keys, bounded all the same.
DERIVED_MB, DERIVED_ENTRIES = 512, 32
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000/"
_ABSOLUTE_IRI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*:[^\s<>\"{}|\\^`]*")


@dataclass(frozen=True)
class Settings:
    """How the server behaves. ``base`` None means the data's own base (``KnowledgeGraph.base``)."""

    base: str | None = None
    timeout: float = 10.0  # seconds per query
    row_cap: int = 10_000  # rows (or triples) per result at most
    max_query_length: int = 100_000  # characters
    max_body: int = 1_000_000  # bytes of a POST body
    workers: int = 2  # worker processes kept ready
    max_workers: int = 4  # worker processes at most (queries running at once)
    worker_memory_mb: int | None = 2048  # address space a worker may add to what it shares
    cors_origins: tuple[str, ...] = ("*",)
    page_limit: int = 500  # rows per section (and per index page) on the HTML pages
    cache_mb: int = 64  # answers kept for repeated queries (the data is read-only while served); 0: none
    limits: bool = True  # per-client limits and lanes (:mod:`.limits`); False: first come, first served
    client_parallel: int = 5  # queries in flight per client (address and User-Agent), as WDQS
    client_budget: float = 60.0  # query-seconds per client per minute, as WDQS
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For names the client
    memo_mb: int = 16  # the pages' label and link look-ups and the query check's memo, together
    public_url: str | None = None  # the address clients reach the server at (None: DEFAULT_PUBLIC_URL)
    # Slow and greedy clients (see .connections): seconds for a request's line and headers (from their
    # first byte), for its whole body, and of idleness before a request starts; open connections at most.
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keepalive_timeout: float = 5.0
    max_connections_per_client: int = 32
    max_connections: int = 512
    max_head_bytes: int = 512 * 1024  # request line and headers; a GET of max_query_length, percent-encoded, fits
    catalog_metadata: Path | None = None  # /catalog's metadata file (None: the project's data/catalog/catalog.ttl)
    # Guarded writes (:mod:`.writes`): off unless a token is given. (name, token) pairs; the audit log's
    # folder (None: <root>/.k2020graph/audit); bytes of a /store or /update body at most.
    write_tokens: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    audit_dir: Path | None = None
    max_write_body: int = 16 * 1024 * 1024


class Problem(Exception):
    """An error answer: the status, a message for people, and extra headers.

    Made with :meth:`of`, it knows its text's key, so a page can say it in its reader's language;
    otherwise (and for the endpoint and the API) the message holds both languages.
    """

    def __init__(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        key: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.key = key
        self.values = dict(values or {})

    @classmethod
    def of(cls, status: int, key: str, headers: Mapping[str, str] | None = None, **values: object) -> Problem:
        return cls(status, both(key, **values), headers, key, values)

    def localized(self, lang: str) -> str:
        return text(self.key, lang, **self.values) if self.key else self.message


def rebase(iri: str, base: str) -> str:
    return base + iri[len(DEFAULT_BASE) :] if iri.startswith(DEFAULT_BASE) else iri


def rebase_query(text: str, base: str) -> str:
    """A query written against the default base, rewritten for data served under ``base``."""
    return text if base == DEFAULT_BASE else text.replace("<" + DEFAULT_BASE, "<" + base)


_LOST = {"stack": (400, "err_stack"), "memory": (503, "err_lost"), "killed": (503, "err_killed"), "zygote": (503, "err_killed")}


def _lost(exc: WorkerLost) -> Problem:
    """The answer to a query whose worker died, by the cause of its death."""
    if exc.death is None:
        return Problem.of(503, "err_unavailable", {"Retry-After": "1"})
    status, key = _LOST.get(exc.death.kind, (503, "err_crashed"))
    return Problem.of(status, key, {"Retry-After": "1"} if status == 503 else None)


def check_public_url(value: str) -> str:
    """``value`` as the server's public address (ending in ``/``); ValueError (in nb and en) if it is none.

    An absolute http(s) URL with a host, without user, query or fragment: redirects and the VoID and
    service descriptions name the server by it, never by what a request says (its ``Host`` header).
    """
    reason = None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number from 0 to 65535)
    except ValueError:
        parts, reason = None, "err_public_url_port"
    if parts is None:
        pass
    elif not value.isprintable() or any(c in value for c in ' \\"<>`{}|^'):
        reason = "err_public_url_chars"
    elif parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        reason = "err_public_url_absolute"
    elif "@" in parts.netloc or parts.query or parts.fragment or "?" in value or "#" in value:
        reason = "err_public_url_extra"
    if reason is not None:
        raise ValueError(both(reason, value=value))
    return value if value.endswith("/") else value + "/"


def check_iri(value: str, param: str) -> str:
    if not _ABSOLUTE_IRI.fullmatch(value):
        raise Problem.of(400, "err_graph_iri", param=param, value=value)
    return value


@dataclass
class Context:
    settings: Settings
    store: OxigraphStore | RemoteServedStore
    base: str
    catalogue: dict[str, CannedQuery]
    kg: KnowledgeGraph | None = None
    pool: QueryPool | RemotePool = field(init=False)
    answers: ResultCache = field(init=False)
    limits: Limits | None = field(init=False)
    memos: dict[str, BoundedLRU] = field(init=False, repr=False)
    version: str = field(init=False)
    prefixes: dict[str, str] = field(init=False)
    public_url: str = field(init=False)
    modified: str | None = None  # when the data last changed by an accepted write (the audit log's last time)
    swap_hooks: list[Callable[[], None]] = field(init=False, repr=False)  # called after :meth:`replace_data`
    _swap_lock: threading.Lock = field(init=False, repr=False)
    templates_dir: Path = Path(__file__).parent / "templates"

    def __post_init__(self) -> None:
        self.version = self.store.version  # computed now, not on the first request
        self.prefixes = {p: rebase(str(ns), self.base) for p, ns in PREFIXES.items()}
        self.catalogue = {
            name: dataclasses.replace(q, text=rebase_query(q.text, self.base)) for name, q in self.catalogue.items()
        }
        s = self.settings
        self.public_url = check_public_url(s.public_url or DEFAULT_PUBLIC_URL)
        self.answers = ResultCache(s.cache_mb * _MB)
        # Everything the server remembers per request input is in one of these, each bounded.
        self.memos = {name: BoundedLRU(int(s.memo_mb * _MB * share), entries) for name, (share, entries) in MEMO_SHARES.items()}
        self.memos["derived"] = BoundedLRU(DERIVED_MB * _MB, DERIVED_ENTRIES)
        self.pool: QueryPool | RemotePool
        if isinstance(self.store, RemoteServedStore):  # serve --store URL: queries go to the remote store
            self.pool = RemotePool(self.store.raw, max_size=s.max_workers)
        else:
            source = self.store.path if self.store.path is not None else self.store.raw  # on disk: each worker opens it
            self.pool = QueryPool(source, size=s.workers, max_size=s.max_workers, memory_mb=s.worker_memory_mb)
        policy = Policy(
            slots=self.pool.max_size,
            cores=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0,
            parallel=s.client_parallel,
            budget=s.client_budget,
            timeout=s.timeout,
        )
        self.limits = Limits(policy) if s.limits else None
        self.swap_hooks = []
        self._swap_lock = threading.Lock()

    def replace_data(self, kg: KnowledgeGraph, modified: str | None = None) -> None:
        """Serve ``kg`` from now on (an accepted write): new store, version (so every ETag and cache key
        changes), a new worker pool forked from the new store; the answers and memos of the old data
        dropped. The old pool is closed once the queries running in it have ended.

        The new store and pool are built first; the swap itself is a few assignments under a lock.
        """
        store = kg.store
        version = store.version
        s = self.settings
        pool = QueryPool(store.raw, size=s.workers, max_size=s.max_workers, memory_mb=s.worker_memory_mb)
        pool.start()
        with self._swap_lock:
            old_pool = self.pool
            # The version last: a request that reads the new version (its cache key, its ETag) and then
            # the store or the pool finds the new ones, so nothing old is filed under the new version.
            self.kg, self.store, self.pool = kg, store, pool
            self.version = version
            if modified is not None:
                self.modified = modified
            for memo in self.memos.values():
                memo.clear()
            self.answers.retire(version)
            for hook in self.swap_hooks:
                hook()
        assert isinstance(old_pool, QueryPool)  # writes are refused with --store/--store-dir (cli.cmd_serve)
        threading.Thread(target=old_pool.close_when_idle, args=(s.timeout + 5,), daemon=True).start()

    # -- small helpers --------------------------------------------------------------------------------

    def inspect(self, query: str) -> Inspection:
        """:func:`.guard.inspect`, remembered for the last few hundred short texts (canned queries repeat)."""
        if len(query) > _MEMO_TEXT_LIMIT:
            return inspect(query)
        return self.memos["inspect"].get_or_build(query, lambda: inspect(query), lambda _: approx_size(query) + 200)

    def cached(self, key: str, build: Callable[[], T], size: Callable[[T], int] | None = None) -> T:
        """``build()``, remembered under ``key`` while it fits the derived memo (the data never changes)."""
        return self.memos["derived"].get_or_build(key, build, size)

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (relative to the server's root) at the configured public address."""
        return self.public_url + path.lstrip("/")

    def client_of(self, request: Any) -> str:
        """The client a request counts against (:func:`.limits.client_key`); ``request`` is a Starlette request."""
        peer = request.client.host if request.client else None
        headers = request.headers
        return client_key(peer, headers.get("user-agent"), headers.get("x-forwarded-for"), self.settings.trusted_proxies)

    def etag(self, *parts: object) -> str:
        digest = hashlib.sha256("\x00".join(map(str, parts)).encode()).hexdigest()[:16]
        return f'"{self.version}-{digest}"'

    def sparql_prefixes(self) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes.items())

    # -- running queries ----------------------------------------------------------------------------

    def check_length(self, query: str) -> None:
        if len(query) > self.settings.max_query_length:
            raise Problem.of(413, "err_too_long", size=len(query), limit=self.settings.max_query_length)

    async def _admit(self, client: str, shape: str) -> Ticket | None:
        """A started ticket of :attr:`limits` (None without limits), or the 429/503 :class:`Problem`."""
        if self.limits is None:
            return None
        try:
            return await self.limits.acquire(client, shape, self.settings.timeout)
        except OverLimit as exc:
            over = "err_client_parallel" if exc.reason == "parallel" else "err_client_budget"
            raise Problem.of(429, over, {"Retry-After": str(exc.retry_after)}, limit=exc.limit) from None
        except NoSlot:
            raise Problem.of(503, "err_busy", {"Retry-After": "1"}, seconds=self.settings.timeout) from None

    async def execute(
        self,
        query: str,
        *,
        results: str = "json",
        graph: str = "turtle",
        default_graph: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        bindings: Mapping[str, Any] | None = None,
        client: str = "-",
    ) -> dict[str, Any]:
        """Run ``query`` in a worker; the worker's successful reply, or a :class:`Problem`.

        A query answered before for this data version (same text, bindings, format, dataset and row
        cap) is answered from :attr:`answers` without a worker; the reply's ``cached`` says which.
        Otherwise the query counts against ``client`` (:meth:`client_of`) under :attr:`limits`: 429
        when the client is over its limits, and it waits for a slot of its lane (503 if none comes).
        """
        request = {
            "query": query,
            "base_iri": self.base,  # relative IRIs in a query resolve against the data's base (configured, never the Host)
            "results": results,
            "graph": graph,
            "row_cap": self.settings.row_cap,
            "default_graph": list(default_graph),
            "named_graphs": list(named_graphs),
            "substitutions": {k: plain_term(v) for k, v in (bindings or {}).items()},
            "prefixes": self.prefixes,
        }
        deep = too_deep(query)
        if deep is not None:  # the engine's parser would overflow its stack on it
            raise Problem.of(400, "err_nested", limit=deep.limit, line=deep.line, column=deep.column)
        # The prefixes are this context's own and never change: left out of the key, which is built per request.
        key = request_key(self.version, {k: v for k, v in request.items() if k != "prefixes"})
        hit = self.answers.get(key)
        if hit is not None:
            return {**hit, "cached": True}
        shape = query_shape(query) if self.limits is not None else ""
        for attempt in (1, 2):
            ticket = await self._admit(client, shape)
            # A shape never seen runs on a lease: past it, the query is stopped and queued again as heavy.
            lease = self.limits.policy.expensive if self.limits is not None else self.settings.timeout
            run_for = (
                lease if ticket is not None and ticket.lane == FRESH and attempt == 1 and lease < self.settings.timeout else None
            )
            timed_out = False
            try:
                reply = await self.pool.run(request, run_for or self.settings.timeout)
            except QueryTimeout as exc:
                timed_out = not exc.busy
                if run_for is not None and timed_out:
                    continue  # (after ``finally``) the shape is now known to be expensive
                reason = "err_busy" if exc.busy else "err_timeout"
                raise Problem.of(503, reason, {"Retry-After": "1"}, seconds=exc.seconds) from None
            except WorkerLost as exc:
                # as costly as a timeout, unless its worker was killed from outside (then it ran again, and again)
                timed_out = exc.death is None or not exc.death.retry
                raise _lost(exc) from None
            finally:
                if ticket is not None and self.limits is not None:
                    self.limits.leave(ticket, timed_out=timed_out)
            break
        if reply["ok"]:
            self.answers.put(key, reply, key_bytes=approx_size(key))
            return {**reply, "cached": False}
        if reply["kind"] == "syntax":
            raise Problem.of(400, "err_syntax", line=reply["line"], column=reply["column"], message=reply["message"])
        message = reply["message"]
        if "Too many open files" in message or "os error 24" in message:
            raise Problem.of(400, "err_sandbox")
        raise Problem.of(400, "err_query", message=message)
