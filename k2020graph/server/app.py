"""The application factory and the ``k2020graph serve`` entry point.

``create_app(kg_or_store, settings)`` assembles the routers (:mod:`.sparql`, :mod:`.api`,
:mod:`.linkeddata`, :mod:`.querypage`) around one :class:`~.context.Context`; nothing lives at module
level, so two applications in one process never share state. The worker pool is started by the
application's lifespan (after loading, before serving) and stopped with it.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import InputError
from ..loading import KnowledgeGraph
from ..namespaces import DEFAULT_BASE
from ..project import Project
from ..queries import CannedQuery, load_catalogue
from ..remote import Remote
from ..store import OxigraphStore, RdflibStore, Store
from . import api, diagrampages, linkeddata, querypage, searchpage, sparql, vendor
from .connections import BodyTimeout, Limits, guarded_protocol
from .context import Context, Problem, Settings, check_public_url
from .negotiation import HTML, JSON, negotiate
from .pool import open_missing_standard_fds
from .remote import RemoteServedStore
from .texts import both, text

__all__ = ["Settings", "create_app", "run"]

log = logging.getLogger("k2020graph.server")
access_log = logging.getLogger("k2020graph.access")

DESCRIPTION = """\
SPARQL 1.1 endpoint, canned queries and linked-data pages over the Kompetanseløft 2020 knowledge graph.
Read-only; SERVICE and LOAD are refused; each query has a timeout and a row cap.

*SPARQL-endepunkt, ferdige spørringer og lenkede data for kunnskapsgrafen over Kompetanseløft 2020.*
"""


def _oxigraph_store(
    kg_or_store: KnowledgeGraph | Store | RemoteServedStore,
) -> tuple[OxigraphStore | RemoteServedStore, KnowledgeGraph | None]:
    if isinstance(kg_or_store, KnowledgeGraph):
        return kg_or_store.store, kg_or_store
    if isinstance(kg_or_store, OxigraphStore):
        return kg_or_store, None
    if isinstance(kg_or_store, RdflibStore):  # copied: the endpoint serialises straight from pyoxigraph
        return OxigraphStore.from_graph(kg_or_store.graph), None
    if isinstance(kg_or_store, RemoteServedStore):  # serve --store URL
        return kg_or_store, None
    raise TypeError(f"create_app needs a KnowledgeGraph or an in-memory store, not {type(kg_or_store).__name__}")


#: The pages' policy: scripts, styles and everything else from this site only, no inline script, no
#: plug-ins, no <base>, forms to this site, and never inside another site's frame.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: Everything else (data, JSON, CSS, scripts) is never a document: if a browser shows it, nothing runs.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def security_headers(content_type: str) -> dict[str, str]:
    """The headers every answer carries; the Content-Security-Policy depends on whether it is a page."""
    html = content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")
    return {
        "Content-Security-Policy": PAGE_CSP if html else DATA_CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


class SecurityHeaders:
    """Adds :func:`security_headers` to every answer that does not set them itself (an ASGI middleware)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                ctype = next((v.decode("latin-1") for n, v in headers if n.lower() == b"content-type"), "")
                for name, value in security_headers(ctype).items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


def _error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None, problem: Problem | None = None
) -> Response:
    """An error in the form the client reads: JSON for the API, HTML for browsers, plain text otherwise.

    It carries the security headers itself: a 500 answer is sent from outside the middleware.
    """
    headers = dict(headers or {})
    path = request.url.path
    response: Response
    if path.startswith("/api/"):
        response = JSONResponse({"status": status, "error": message}, status_code=status, headers=headers)
    elif not path.startswith("/sparql") and negotiate(request.headers.get("accept"), (JSON, HTML)) is HTML:
        state = request.app.state
        site: linkeddata.Site = state.site
        lang = linkeddata.choose_lang(request)
        shown = problem.localized(lang) if problem is not None else message
        response = site.render(request, "error.html", lang, status, title=f"{status} {text('error', lang)}", message=shown)
        response.headers.update(headers)
    else:
        response = PlainTextResponse(message + "\n", status_code=status, headers=headers)
    for name, value in security_headers(response.headers.get("content-type", "")).items():
        response.headers.setdefault(name, value)
    return response


class AccessLog:
    """One log line per request: client, method, target, status and duration (a plain ASGI middleware)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - start) * 1000
            query = scope.get("query_string", b"").decode("latin-1")
            target = scope.get("path", "") + (f"?{query}" if query else "")
            if len(target) > 200:
                target = target[:197] + "..."
            client = scope.get("client") or ("-", 0)
            access_log.info('%s "%s %s" %d %.1f ms', client[0], scope.get("method", "-"), target, status[0], ms)


class HeadAsGet:
    """HEAD on every GET route (RFC 9110 9.3.2): run as the GET, same status and headers, no body.

    The GET's ``Content-Length`` stays, as HEAD requires. Routes without GET still answer 405.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headless(message: Any) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # a streamed body's chunks are dropped; its end is sent empty
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headless)


def create_app(
    kg_or_store: KnowledgeGraph | Store | RemoteServedStore,
    settings: Settings | None = None,
    catalogue: dict[str, CannedQuery] | None = None,
) -> FastAPI:
    """A FastAPI application serving ``kg_or_store`` (a :class:`KnowledgeGraph`, or a store).

    The canned queries come from ``catalogue``, else from the knowledge graph's project. The base IRI
    is ``settings.base``, else the graph's own (load the data with ``KnowledgeGraph.load(..., base=)``
    to serve it under another base).
    """
    settings = settings or Settings()
    store, kg = _oxigraph_store(kg_or_store)
    if catalogue is None:
        catalogue = load_catalogue(kg.project.query_files) if kg is not None else {}
    base = settings.base or (kg.base if kg is not None else DEFAULT_BASE)
    if kg is not None and base != kg.base:
        raise ValueError(f"the data was loaded under {kg.base}, not {base}: load it with KnowledgeGraph.load(..., base={base!r})")
    ctx = Context(settings=settings, store=store, base=base, catalogue=catalogue, kg=kg)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.pool.start()  # fork the workers now: after loading, before the first request
        try:
            yield
        finally:
            ctx.pool.close()

    app = FastAPI(
        title="k2020graph",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: nothing is loaded from the internet
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.k2020 = ctx
    site = linkeddata.Site(ctx)
    app.state.site = site

    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem) -> Response:
        return _error_response(request, exc.status, exc.message, exc.headers, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error_response(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        return _error_response(request, 400, reasons)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.error("error while answering %s %s", request.method, request.url.path, exc_info=exc)
        return _error_response(request, 500, both("err_internal"))

    app.add_middleware(HeadAsGet)  # the innermost: the routes and their error handlers see a GET
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS", *(["PUT", "DELETE"] if settings.write_tokens else [])],
        allow_headers=["*"],
        expose_headers=["ETag", "K2020-Truncated", "K2020-Rows", "K2020-Cache", "Content-Language"],
        max_age=3600,
    )
    app.add_middleware(BodyTimeout, seconds=settings.body_timeout)  # a stalled body: 408, the connection closed
    app.add_middleware(SecurityHeaders)  # outside CORS: its preflight answers get them too
    app.add_middleware(AccessLog)  # the outermost: every request, CORS preflights too

    app.state.vendor = vendor.Vendor(vendor.default_node_modules())  # npm's files, if `npm ci` put them there
    app.include_router(vendor.make_router())  # /static/vendor/…: before the mount, which would take it
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.include_router(sparql.make_router(ctx))
    app.include_router(api.make_router(ctx))
    app.include_router(querypage.make_router(ctx, site))
    app.state.search = searchpage.SearchService(ctx)  # the search index, built on the first search per data version
    app.include_router(searchpage.make_router(ctx, site, app.state.search))
    if settings.write_tokens:  # writes exist only when a token is configured
        from . import changepage, writes

        write_path = writes.setup(ctx)
        app.include_router(writes.make_router(ctx, write_path))
        app.include_router(changepage.make_router(ctx, write_path, site))  # /change: the page over the same road
    app.include_router(diagrampages.make_router(ctx, site))  # /lineage, /funding
    app.include_router(linkeddata.make_router(ctx, site))
    app.include_router(linkeddata.make_fallback_router(ctx, site))
    return app


def _logging() -> dict[str, Any]:
    fmt = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": fmt},
        "handlers": {"stderr": handler},
        "loggers": {
            "k2020graph": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def _on_disk_app(project: Project, store_dir: Path, settings: Settings) -> FastAPI:
    """The application over the on-disk store in ``store_dir``, loaded from ``project`` first if it holds none."""
    from ..ondisk import load_store_dir, open_store_dir, read_record

    base = settings.base or DEFAULT_BASE
    if read_record(store_dir) is None:
        load_store_dir(KnowledgeGraph.load(project, base=base), store_dir)  # once; the parsed files are then dropped
    return create_app(open_store_dir(store_dir, base), settings, catalogue=load_catalogue(project.query_files))


def run(
    project: Project,
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    store_dir: Path | None = None,
    store: Remote | None = None,
) -> None:
    """Load ``project`` and serve it with uvicorn until interrupted (``k2020graph serve``).

    ``store_dir``: serve the on-disk store there (loaded from ``project`` first if it holds none).
    ``store``: serve the graph published in that remote store (``k2020graph publish``); nothing is loaded.
    """
    import uvicorn

    # Started with stdin, stdout or stderr closed, the server would hand those numbers to its own
    # sockets (and write its log into one): fill them with /dev/null before anything is opened.
    open_missing_standard_fds()
    if sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - lives as long as the process
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - lives as long as the process
    listening = listen(host, port)  # before loading: a taken port is said at once, before any "serving …" line
    port = listening.getsockname()[1]  # --port 0: the one the system chose
    settings = settings or Settings()
    if settings.public_url is None:  # clients reach the server where it listens
        shown_host = f"[{host}]" if ":" in host else host
        settings = dataclasses.replace(settings, public_url=check_public_url(f"http://{shown_host}:{port}/"))
    start = time.perf_counter()
    if settings.write_tokens:
        if store is not None or store_dir is not None:
            raise ValueError("writes need the data in memory, not --store or --store-dir")
        from .writes import prepare

        if prepare(project.root):
            sys.stderr.write("k2020graph: finished a write that a stop had interrupted (see the audit log)\n")
    if store is not None:
        remote = RemoteServedStore(store, settings.timeout)
        app = create_app(remote, settings, catalogue=load_catalogue(project.query_files))
    elif store_dir is not None:
        app = _on_disk_app(project, store_dir, settings)
    else:
        app = create_app(KnowledgeGraph.load(project, base=settings.base or DEFAULT_BASE), settings)
    ctx: Context = app.state.k2020
    cache = f"result cache {settings.cache_mb} MB" if settings.cache_mb else "no result cache"
    sys.stderr.write(
        f"k2020graph: {len(ctx.store)} triples (data version {ctx.version}) loaded in {time.perf_counter() - start:.2f} s; "
        f"serving http://{host}:{port}/ as {ctx.public_url} (base {ctx.base}, timeout {settings.timeout:g} s, {cache})\n"
    )
    sys.stderr.flush()
    limits = Limits(
        header_timeout=settings.header_timeout,
        keepalive_timeout=settings.keepalive_timeout,
        max_connections_per_client=settings.max_connections_per_client,
        max_connections=settings.max_connections,
        max_head_bytes=settings.max_head_bytes,
        uncapped=frozenset(settings.trusted_proxies),  # a proxy's connections carry many clients
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=guarded_protocol(limits),  # uvicorn's own protocol with header/idle timeouts and connection caps
        timeout_keep_alive=settings.keepalive_timeout,  # type: ignore[arg-type]  # typed int, used as call_later's delay
        log_config=_logging(),
        access_log=False,  # AccessLog writes one line per request, with its duration
        server_header=False,
        proxy_headers=False,  # uvicorn would believe X-Forwarded-For from 127.0.0.1; --trusted-proxy decides that
        timeout_graceful_shutdown=max(1, int(settings.timeout) + 1),  # then running queries are cancelled, workers killed
    )
    try:
        _graceful_server(config).run(sockets=[listening])  # what uvicorn.run does, on the socket bound above
    finally:
        listening.close()


def _graceful_server(config: Any) -> Any:
    """uvicorn's server, except that a stop asked for by SIGINT or SIGTERM that shut down gracefully exits 0.

    uvicorn (0.29 and later) raises the captured signal again once it has shut down, so that the process
    ends "by" the signal: 130 for SIGINT, death by SIGTERM. Here a requested stop that completed is the
    server doing its job, and service managers and ``make serve`` read exit status 0.
    """
    import contextlib

    import uvicorn

    class GracefulServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                try:
                    yield
                finally:
                    self._captured_signals.clear()  # served: the graceful shutdown has run

    return GracefulServer(config)


#: Why a server cannot listen, in both languages.
_LISTEN_REASONS = {
    errno.EADDRINUSE: "porten er i bruk (velg en annen med --port) / the port is in use (choose another with --port)",
    errno.EACCES: "ingen tilgang til porten (porter under 1024 krever root) / permission denied (ports below 1024 need root)",
    errno.EADDRNOTAVAIL: "adressen finnes ikke på denne maskinen / the address is not on this machine",
}


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` as uvicorn binds it; an :class:`InputError` (exit 2) saying why it can't."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = _LISTEN_REASONS.get(exc.errno or 0) or (exc.strerror or str(exc))
        raise InputError(f"kan ikke lytte på / cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock
