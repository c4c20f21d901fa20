"""The canned queries over HTTP: ``/api/queries`` lists the catalogue, ``/api/queries/{name}`` runs one.

The catalogue is the package's own (:mod:`k2020graph.queries`, built from ``queries/*.rq``); parameters
are checked and typed by :meth:`CannedQuery.bindings`, matched to their allowed values in the data
(case-insensitively, ``ph`` → ``PH``; otherwise a 400 that lists the valid ones), and bound as RDF
terms, never pasted into the text. Each canned query gets its own path in the OpenAPI document, with its parameters.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ..errors import QueryError
from ..queries import CannedQuery, Parameter
from . import tables
from .context import Context, Problem
from .negotiation import CSV, JSON, TSV, choose, listing
from .querypage import check_values
from .sparql import not_modified, result_response

API_FORMATS = (JSON, CSV, TSV)
_SCHEMA_TYPES = {"integer": "integer", "year": "integer", "boolean": "boolean"}


def _parameter_doc(p: Parameter) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": _SCHEMA_TYPES.get(p.type, "string")}
    if p.default is not None:
        schema["default"] = p.default
    if p.type == "iri":
        schema["format"] = "iri"
    return {
        "name": p.name,
        "in": "query",
        "required": p.required,
        "schema": schema,
        "description": f"{p.help.get('en', '')} / {p.help.get('nb', '')} ({p.type})",
    }


def _format_doc() -> dict[str, Any]:
    return {
        "name": "format",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": [f.name for f in API_FORMATS]},
        "description": "json (SPARQL results JSON, the default), csv or tsv; overrides Accept.",
    }


_RUN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rows, as SPARQL 1.1 results JSON, CSV or TSV.",
        "content": {f.media_type: {} for f in API_FORMATS},
    },
    400: {
        "description": "A parameter is missing, unknown, ill-typed or not one of its allowed values; the message says "
        "which and why, and lists the valid values."
    },
    404: {"description": "No canned query has this name."},
    406: {"description": "No acceptable format."},
    429: {
        "description": "Too many queries in flight from this client, or its query-seconds per minute used up (see Retry-After)."
    },
    503: {"description": "The query ran past the timeout and was stopped, or no worker came free (see Retry-After)."},
}


def describe(ctx: Context, q: CannedQuery) -> dict[str, Any]:
    out = q.describe()
    out["url"] = ctx.url("api/queries/" + quote(q.name, safe=""))  # the public address, not the request's Host
    out["query"] = q.text
    return out


def make_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["Canned queries"])

    @router.get(
        "/queries",
        name="list_canned_queries",
        summary="The catalogue of canned queries (titles and descriptions in nb and en, parameters)",
    )
    async def list_queries(request: Request) -> list[dict[str, Any]]:
        return [describe(ctx, q) for q in ctx.catalogue.values()]

    async def run(name: str, request: Request) -> Response:
        query = ctx.catalogue.get(name)
        if query is None:
            raise Problem.of(404, "err_unknown_query", name=repr(name))
        values = {k: v for k, v in request.query_params.items() if k not in ("format", "download", "sep")}
        try:
            bindings = check_values(ctx, query, values)  # typed, length-bounded, then one of the allowed values
        except QueryError as exc:
            raise Problem(400, str(exc)) from None
        asked = tables.wanted(request)  # ?download=csv|xlsx: the rows as a file for a spreadsheet
        if asked is not None:
            reply = await ctx.execute(query.text, results="json", bindings=bindings, client=ctx.client_of(request))
            return tables.download(tables.from_sparql_json(name, reply["body"]), *asked, stem=name)
        chosen = choose(request.query_params.get("format"), request.headers.get("accept"), API_FORMATS)
        if chosen is None:
            raise Problem.of(406, "err_406", formats=listing(API_FORMATS))
        headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
        etag = ctx.etag("api", name, sorted(values.items()), chosen.name)
        cached = not_modified(request, etag, headers)
        if cached is not None:
            return cached
        reply = await ctx.execute(query.text, results=chosen.name, bindings=bindings, client=ctx.client_of(request))
        return result_response(reply, chosen.content_type, etag, headers)

    # One documented path per canned query, with its own parameters, then the generic one.
    def endpoint(name: str):  # type: ignore[no-untyped-def]
        async def run_one(request: Request) -> Response:
            return await run(name, request)

        return run_one

    for q in ctx.catalogue.values():
        router.add_api_route(
            f"/queries/{q.name}",
            endpoint(q.name),
            methods=["GET"],
            name=f"canned_{q.name}",
            summary=q.title.get("en", q.name),
            description=f"{q.description.get('en', '')}\n\n*{q.title.get('nb', '')}*: {q.description.get('nb', '')}",
            response_class=Response,
            responses=_RUN_RESPONSES,
            openapi_extra={"parameters": [_parameter_doc(p) for p in q.parameters] + [_format_doc()]},
        )

    @router.get(
        "/queries/{name}",
        name="run_canned_query",
        summary="Run a canned query by name, its parameters in the query string",
        response_class=Response,
        responses=_RUN_RESPONSES,
        openapi_extra={"parameters": [_format_doc()]},
    )
    async def run_named(name: str, request: Request) -> Response:
        return await run(name, request)

    @router.get("/status", name="status", summary="Data version, size and the server's limits")
    async def status() -> JSONResponse:
        s = ctx.settings
        return JSONResponse(
            {
                "version": ctx.version,
                "triples": len(ctx.store),
                "base": ctx.base,
                "timeout": s.timeout,
                "rowCap": s.row_cap,
                "maxQueryLength": s.max_query_length,
                "maxBody": s.max_body,
                "workers": {**ctx.pool.health(), "max": s.max_workers},
                "cache": ctx.answers.stats().as_dict(),
                "limits": None
                if ctx.limits is None
                else {
                    "clientParallel": s.client_parallel,
                    "clientBudgetPerMinute": s.client_budget,
                    **ctx.limits.stats(),
                },
                "memos": {name: memo.stats().as_dict() for name, memo in ctx.memos.items()},
            }
        )

    return router
