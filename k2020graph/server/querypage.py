"""The query page (``/query``): an editor pre-filled from the canned queries, results as a linked table.

It works without JavaScript (a form, rendered by the server); a few lines of inline script only load
a chosen canned query at once. Nothing is fetched from the internet. Queries run exactly as at
``/sparql`` (same checks, timeout and row cap), with a canned query's parameters bound as RDF terms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..errors import QueryError
from ..queries import CannedQuery
from .context import Context, Problem
from .linkeddata import Site, choose_lang
from .sparql import check_query, read_body
from .views import TermView

SHOWN_ROWS = 1000  # rows drawn in the page's table; the downloads hold them all (up to the row cap)


@dataclass
class Outcome:
    """What a run gave: a table, a boolean, a graph as Turtle, or an error."""

    columns: list[str] = field(default_factory=list)
    rows: list[list[TermView | None]] = field(default_factory=list)
    count: int = 0
    boolean: bool | None = None
    turtle: str | None = None
    truncated: bool = False
    error: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # of an error answer (Retry-After)
    downloads: list[tuple[str, str]] = field(default_factory=list)


def _cell(site: Site, binding: dict[str, str] | None, lang: str) -> TermView | None:
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return site.labels.term(ox.NamedNode(value), lang)
    if kind == "bnode":
        return TermView("bnode", f"_:{value}")
    datatype = binding.get("datatype")
    literal = (
        ox.Literal(value, language=binding["xml:lang"])
        if "xml:lang" in binding
        else (ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value))
    )
    return site.labels.term(literal, lang)


def make_router(ctx: Context, site: Site) -> APIRouter:
    router = APIRouter(tags=["Linked data"])

    async def handle(request: Request, fields: dict[str, str]) -> HTMLResponse:
        lang = choose_lang(request)
        name = fields.get("name", "")
        canned: CannedQuery | None = ctx.catalogue.get(name)
        query = fields.get("query", "").replace("\r\n", "\n")
        load = fields.get("action") == "load" or (canned is not None and not query.strip())
        if load and canned is not None:
            query = canned.text
        values = {k[2:]: v for k, v in fields.items() if k.startswith("p.") and v.strip()}
        outcome: Outcome | None = None
        if query.strip() and not load:
            outcome = await run(query, canned, values, lang, ctx.client_of(request))
        if not query.strip():
            query = ctx.sparql_prefixes() + "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 20\n"
        response = site.render(
            request,
            "query.html",
            lang,
            status=outcome.status if outcome else 200,
            query=query,
            selected=canned,
            values=values,
            catalogue=list(ctx.catalogue.values()),
            outcome=outcome,
            shown=SHOWN_ROWS,
            prefixes=ctx.prefixes,
        )
        if outcome is not None:
            response.headers.update(outcome.headers)
        return response

    async def run(query: str, canned: CannedQuery | None, values: dict[str, str], lang: str, client: str) -> Outcome:
        outcome = Outcome()
        try:
            form = check_query(ctx, query)
            bindings = canned.bindings(values) if canned is not None else None
            graph = form in ("CONSTRUCT", "DESCRIBE")
            reply = await ctx.execute(query, results="json", graph="turtle", bindings=bindings, client=client)
        except QueryError as exc:
            outcome.error, outcome.status = str(exc), 400
            return outcome
        except Problem as exc:
            outcome.error, outcome.status, outcome.headers = exc.localized(lang), exc.status, exc.headers
            return outcome
        outcome.truncated, outcome.count = reply["truncated"], reply["count"]
        if canned is not None and query == canned.text:
            link = f"/api/queries/{canned.name}?" + urlencode(values)
            outcome.downloads = [("CSV", link + "&format=csv"), ("SPARQL JSON", link + "&format=json")]
        else:
            link = "/sparql?" + urlencode({"query": query})
            outcome.downloads = (
                [("Turtle", link + "&format=turtle"), ("N-Triples", link + "&format=ntriples")]
                if graph or reply["kind"] == "triples"
                else [("CSV", link + "&format=csv"), ("SPARQL JSON", link + "&format=json")]
            )
        if reply["kind"] == "triples":
            outcome.turtle = reply["body"].decode("utf-8")
            return outcome
        data: dict[str, Any] = json.loads(reply["body"])
        if "boolean" in data:
            outcome.boolean = bool(data["boolean"])
            return outcome
        outcome.columns = list(data["head"]["vars"])
        for binding in data["results"]["bindings"][:SHOWN_ROWS]:
            outcome.rows.append([_cell(site, binding.get(v), lang) for v in outcome.columns])
        return outcome

    @router.get("/query", name="query_page", response_class=HTMLResponse, summary="The query page (HTML)")
    async def query_get(request: Request) -> HTMLResponse:
        return await handle(request, dict(request.query_params))

    @router.post("/query", response_class=HTMLResponse, include_in_schema=False)
    async def query_post(request: Request) -> HTMLResponse:
        from urllib.parse import parse_qsl

        body = await read_body(request, ctx.settings.max_body)
        fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        return await handle(request, fields)

    return router
