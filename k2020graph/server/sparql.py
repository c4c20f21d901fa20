"""The SPARQL 1.1 Protocol at ``/sparql``: query by GET, by POST form and by POST ``application/sparql-query``.

Read-only. Every request is checked before it runs (:mod:`.guard`): updates are refused with 403, anything
that would fetch a URL with 400; the result format is negotiated before the query runs (406 when
nothing fits); the ETag depends on the data version and the request, so a client's ``If-None-Match``
is answered with 304 without running anything. Queries run in worker processes (:mod:`.pool`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from .context import Context, Problem, check_iri
from .negotiation import GRAPH_FORMATS, HTML, RESULT_FORMATS, Format, choose, listing

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

_QUERY_PARAMS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"}, "description": "The SPARQL query."},
    {
        "name": "default-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "description": "A graph of the store to use as the default graph (repeatable).",
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "description": "A graph of the store to make available to GRAPH (repeatable).",
    },
    {
        "name": "format",
        "in": "query",
        "schema": {"type": "string", "enum": [f.name for f in (*RESULT_FORMATS, *GRAPH_FORMATS)]},
        "description": "The result format, overriding Accept (for links).",
    },
]
_RESPONSES = {
    "200": {
        "description": "SELECT/ASK results (JSON, XML, CSV, TSV) or a graph (Turtle, N-Triples, JSON-LD, RDF/XML); "
        "without a query, the service description. Header K2020-Truncated: true when the row cap cut the result.",
        "content": {f.media_type: {} for f in (*RESULT_FORMATS, *GRAPH_FORMATS)},
    },
    "304": {"description": "Not modified (If-None-Match matched the ETag)."},
    "308": {"description": "/sparql/ (with a trailing slash): the same request belongs at /sparql."},
    "400": {"description": "Syntax error (with line and column), SERVICE/LOAD, or a bad graph IRI."},
    "403": {"description": "An update: the endpoint is read-only."},
    "406": {"description": "No acceptable format."},
    "413": {"description": "The query or the request body is too long."},
    "415": {"description": "Unsupported request content type."},
    "429": {
        "description": "Too many queries in flight from this client, or its query-seconds per minute used up (see Retry-After)."
    },
    "503": {"description": "The query ran past the timeout and was stopped, or no worker came free (see Retry-After)."},
}


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) more than ``limit`` bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem.of(413, "err_body", limit=limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Problem.of(413, "err_body", limit=limit)
    return bytes(body)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem.of(400, "err_encoding") from None


def _single(values: Sequence[str] | None) -> str | None:
    if not values:
        return None
    if len(values) > 1:
        raise Problem.of(400, "err_two_queries")
    return values[0]


def result_response(reply: dict[str, Any], media_type: str, etag: str, headers: dict[str, str]) -> Response:
    """A worker's (or the cache's) successful reply as the response, with its ETag and the K2020-* headers."""
    headers = {**headers, "ETag": etag, "K2020-Rows": str(reply["count"]), "K2020-Cache": "hit" if reply["cached"] else "miss"}
    if reply["truncated"]:
        headers["K2020-Truncated"] = "true"
    return Response(reply["body"], media_type=media_type, headers=headers)


def not_modified(request: Request, etag: str, headers: dict[str, str]) -> Response | None:
    match = request.headers.get("if-none-match")
    if match and (match.strip() == "*" or etag in [m.strip() for m in match.split(",")]):
        return Response(status_code=304, headers={"ETag": etag, **headers})
    return None


def check_query(ctx: Context, query: str) -> str | None:
    """Refuse what the endpoint never runs (too long, an update, SERVICE/LOAD); the query's form otherwise.

    An update is refused with 403 Forbidden, not 400: the request is understood and may well be valid
    SPARQL Update, but this service does not perform updates (it is read-only by design).
    """
    ctx.check_length(query)
    found = ctx.inspect(query)
    if found.form == "UPDATE":
        raise Problem.of(403, "err_update")
    if found.refusal:
        raise Problem.of(400, "err_fetch", reason=found.refusal)
    return found.form


def result_formats(form: str | None) -> tuple[Format, ...]:
    return GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else RESULT_FORMATS


async def answer(
    ctx: Context,
    request: Request,
    query: str,
    fmt: str | None,
    default_graph: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
) -> Response:
    """Check, negotiate, run and write one query (shared by GET and both POST forms)."""
    form = check_query(ctx, query)
    for iri in default_graph:
        check_iri(iri, "default-graph-uri")
    for iri in named_graphs:
        check_iri(iri, "named-graph-uri")
    offers = result_formats(form)
    chosen = choose(fmt, request.headers.get("accept"), offers)
    if chosen is None:
        raise Problem.of(406, "err_406", formats=listing(offers))
    headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
    etag = ctx.etag("sparql", query, chosen.name, "|".join(default_graph), "|".join(named_graphs))
    cached = not_modified(request, etag, headers)
    if cached is not None:
        return cached
    reply = await ctx.execute(
        query,
        results=chosen.name if chosen in RESULT_FORMATS else "json",
        graph=chosen.name if chosen in GRAPH_FORMATS else "turtle",
        default_graph=default_graph,
        named_graphs=named_graphs,
        client=ctx.client_of(request),
    )
    # The form as the engine saw it decides the format family (the text check may not have known it).
    if reply["kind"] == "triples" and chosen not in GRAPH_FORMATS:
        chosen = GRAPH_FORMATS[0]
    return result_response(reply, chosen.content_type, etag, headers)


def service_description(ctx: Context, request: Request, fmt: str | None) -> Response:
    offers = (*GRAPH_FORMATS, HTML)
    chosen = choose(fmt, request.headers.get("accept"), offers)
    if chosen is None:
        raise Problem.of(406, "err_406", formats=listing(offers))
    if chosen is HTML:
        return RedirectResponse("/query", status_code=303)  # relative: never the request's Host
    endpoint = ctx.url("sparql")
    headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
    etag = ctx.etag("sd", endpoint, chosen.name)
    cached = not_modified(request, etag, headers)
    if cached is not None:
        return cached
    assert chosen.rdf is not None
    body = ox.serialize(
        _service_triples(ctx, endpoint, ctx.url(".well-known/void")),
        format=chosen.rdf,
        prefixes={"sd": SD, "void": VOID, "dct": DCT, "rdfs": RDFS} if chosen.rdf is not ox.RdfFormat.N_TRIPLES else None,
    )
    return Response(body, media_type=chosen.content_type, headers={**headers, "ETag": etag})


def _service_triples(ctx: Context, endpoint: str, void_url: str) -> list[ox.Triple]:
    n = ox.NamedNode
    service, dataset, graph = n(endpoint), ox.BlankNode("dataset"), ox.BlankNode("default")
    s = ctx.settings
    out = [
        ox.Triple(service, n(RDF_TYPE), n(SD + "Service")),
        ox.Triple(service, n(SD + "endpoint"), service),
        ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(service, n(DCT + "title"), ox.Literal("SPARQL-endepunkt for Kompetanseløft 2020-grafen", language="nb")),
        ox.Triple(service, n(DCT + "title"), ox.Literal("SPARQL endpoint of the Kompetanseløft 2020 graph", language="en")),
        ox.Triple(
            service,
            n(RDFS + "comment"),
            ox.Literal(
                f"Read-only: no update, no SERVICE, no LOAD. Timeout {s.timeout:g} s per query; "
                f"at most {s.row_cap} rows (header K2020-Truncated: true when cut). Data version {ctx.version}.",
                language="en",
            ),
        ),
        ox.Triple(
            service,
            n(RDFS + "comment"),
            ox.Literal(
                f"Bare lesing: ingen oppdatering, ingen SERVICE, ingen LOAD. Tidsavbrudd {s.timeout:g} s per spørring; "
                f"høyst {s.row_cap} rader (K2020-Truncated: true når resultatet er avkortet). Dataversjon {ctx.version}.",
                language="nb",
            ),
        ),
        ox.Triple(service, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, n(RDF_TYPE), n(SD + "Dataset")),
        ox.Triple(dataset, n(SD + "defaultGraph"), graph),
        ox.Triple(dataset, n(RDFS + "seeAlso"), n(void_url)),
        ox.Triple(graph, n(RDF_TYPE), n(SD + "Graph")),
        ox.Triple(
            graph, n(VOID + "triples"), ox.Literal(str(len(ctx.store)), datatype=n("http://www.w3.org/2001/XMLSchema#integer"))
        ),
    ]
    for f in (*RESULT_FORMATS, *GRAPH_FORMATS):
        if f.w3c:
            out.append(ox.Triple(service, n(SD + "resultFormat"), n(f.w3c)))
    return out


def make_router(ctx: Context) -> APIRouter:
    router = APIRouter(tags=["SPARQL"])

    @router.get(
        "/sparql",
        name="sparql_get",
        summary="SPARQL query by GET (without a query: the service description)",
        response_class=Response,
        openapi_extra={"parameters": _QUERY_PARAMS, "responses": _RESPONSES},
    )
    async def sparql_get(request: Request) -> Response:
        params = request.query_params
        if "update" in params:
            raise Problem.of(403, "err_update")
        query = _single(params.getlist("query"))
        if query is None:
            return service_description(ctx, request, params.get("format"))
        return await answer(
            ctx, request, query, params.get("format"), params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
        )

    @router.post(
        "/sparql",
        name="sparql_post",
        summary="SPARQL query by POST (form-encoded, or the query itself as application/sparql-query)",
        response_class=Response,
        openapi_extra={
            "parameters": _QUERY_PARAMS[1:],
            "requestBody": {
                "required": True,
                "content": {
                    FORM_TYPE: {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "query": {"type": "string"},
                                "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                                "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                                "format": {"type": "string"},
                            },
                            "required": ["query"],
                        }
                    },
                    QUERY_TYPE: {"schema": {"type": "string"}},
                },
            },
            "responses": _RESPONSES,
        },
    )
    async def sparql_post(request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        params = request.query_params
        if ctype == UPDATE_TYPE or "update" in params:
            raise Problem.of(403, "err_update")
        if ctype not in (FORM_TYPE, QUERY_TYPE):
            raise Problem.of(415, "err_media", ctype=ctype or "(none)")
        body = await read_body(request, ctx.settings.max_body)
        if ctype == QUERY_TYPE:
            query = _decode(body)
            return await answer(
                ctx, request, query, params.get("format"), params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
            )
        form = parse_qs(_decode(body), keep_blank_values=True)
        if "update" in form:
            raise Problem.of(403, "err_update")
        form_query = _single(form.get("query"))
        if form_query is None:
            raise Problem.of(400, "err_no_query")
        fmt = _single(form.get("format")) or params.get("format")
        return await answer(
            ctx,
            request,
            form_query,
            fmt,
            form.get("default-graph-uri", []) + params.getlist("default-graph-uri"),
            form.get("named-graph-uri", []) + params.getlist("named-graph-uri"),
        )

    @router.api_route("/sparql/", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
    async def sparql_slash(request: Request) -> Response:
        """``/sparql/`` (the W3C protocol tests write the endpoint so): a 308 to ``/sparql``, method and body kept.

        The Location is a path, never built from the request's Host; the query string goes along unchanged.
        """
        query = request.url.query
        return Response(status_code=308, headers={"Location": "/sparql" + (f"?{query}" if query else "")})

    return router
