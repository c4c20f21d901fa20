"""The query page (``/query``): an editor pre-filled from the canned queries, results as a linked table.

It works without JavaScript (a form, rendered by the server: choose a canned query, press "Load").
With JavaScript and the YASGUI files installed (``npm ci``, served by :mod:`.vendor`), ``query.js``
puts YASGUI in its place: highlighting, completion from the graph's own prefixes, classes and
properties (``/query/vocabulary.json``), the canned queries as tabs with their parameter forms
(``/query/canned.json``), sortable paged results with the queries' own column headings, run through
``/query/run``. Nothing is fetched from the internet. Queries run exactly as at ``/sparql`` (same
checks, timeout and row cap), with a canned query's parameters checked against their allowed values
and bound as RDF terms; errors are said in plain words, with the line and column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from rdflib.term import Node

from ..errors import QueryError
from ..queries import Allowed, CannedQuery
from ..store import OxigraphStore, Result, SelectResult
from . import tables
from .context import Context, Problem
from .linkeddata import Site, choose_lang
from .sparql import check_query, read_body
from .texts import text
from .vendor import Vendor
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
    headings: list[str] = field(default_factory=list)  # the columns as a person reads them
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


class _RawStore:
    """A served store's ``raw`` as a :class:`~k2020graph.store.Store` for SELECTs (a remote one has only ``raw``)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        from ..terms import to_rdflib

        result = self.raw.query(sparql)
        variables = [v.value for v in result.variables]
        return SelectResult(variables, [tuple(to_rdflib(sol[v]) for v in variables) for sol in result])


def allowed_values(ctx: Context, canned: CannedQuery) -> dict[str, Allowed]:
    """``canned``'s allowed parameter values in the served data, remembered until the data changes."""
    if not any(p.values_query for p in canned.parameters):
        return {}
    store = ctx.store if isinstance(ctx.store, OxigraphStore) else _RawStore(ctx.store.raw)
    return ctx.cached("allowed:" + canned.name, lambda: canned.allowed_values(store))  # type: ignore[no-any-return]


def check_values(ctx: Context, canned: CannedQuery, values: Mapping[str, str]) -> dict[str, Node]:
    """The bindings of ``values``: typed and length-checked first (nothing runs for an ill-typed value),
    then matched to the allowed values; a :class:`QueryError` that says which values are valid."""
    canned.bindings(values)
    return canned.bindings(values, allowed_values(ctx, canned))


_PREFIXED_END = re.compile(r"([A-Za-z][\w.-]*)?:[\w.%-]*$")
_QUOTED = re.compile(r'"([^"]{1,12})"')


def explain(problem: Problem, query: str, lang: str, prefixes: Mapping[str, str]) -> str:
    """A syntax error in plain words, with its line and column, in ``lang``; other problems as they are.

    The parser says where it stopped and which grammar rules it expected there; a reader needs to
    know what to change: a prefix to declare, an IRI to write between < and >, a bracket to close.
    """
    if problem.key != "err_syntax":
        return problem.localized(lang)
    line, column = int(str(problem.values.get("line") or 1)), int(str(problem.values.get("column") or 1))
    message = str(problem.values.get("message", ""))
    lines = query.split("\n")
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    where = {"line": line, "column": column}
    if "Prefix not found" in message:
        m = _PREFIXED_END.search(here[: max(column - 1, 0)])
        prefix = (m.group(1) or "") if m else ""
        if prefix in prefixes:
            hint = text("q_prefix_known", lang, declaration=f"PREFIX {prefix}: <{prefixes[prefix]}>")
        else:
            hint = text("q_prefix_unknown", lang, known=", ".join(sorted(prefixes)))
        return text("q_err_prefix", lang, prefix=prefix, **where) + " " + hint
    if "IRI parsing failed" in message or "Invalid IRI" in message:
        return text("q_err_iri", lang, **where)
    near = here[max(column - 1, 0) : max(column - 1, 0) + 24].strip()
    rest = "\n".join([here[max(column - 1, 0) :], *lines[line:]])
    if not rest.strip():
        whole = query.rstrip()
        tail = whole[-24:]
        if len(whole) > 24 and not whole[-25].isspace() and " " in tail:  # not from the middle of a word
            tail = tail.split(" ", 1)[1]
        tail = tail.strip()
        return text("q_err_end", lang, near=tail, **where)
    expected = sorted(set(_QUOTED.findall(message)))
    out = text("q_err_near", lang, near=near, **where)
    if expected and "[" not in message.replace("[_]", ""):
        out += " " + text("q_err_expected", lang, tokens=" ".join(expected))
    return out


def make_router(ctx: Context, site: Site) -> APIRouter:
    router = APIRouter(tags=["Linked data"])

    async def handle(request: Request, fields: dict[str, str]) -> Response:
        lang = choose_lang(request)
        asked = tables.wanted(request)  # ?download=csv|xlsx (&sep=semicolon): the result table as a file
        if asked is not None:
            return await download(request, fields, lang, *asked)
        name = fields.get("name", "")
        canned: CannedQuery | None = ctx.catalogue.get(name)
        query = fields.get("query", "").replace("\r\n", "\n")
        load = fields.get("action") == "load" or (canned is not None and not query.strip())
        if load and canned is not None:
            query = canned.text
        values = {k[2:]: v for k, v in fields.items() if k.startswith("p.") and v.strip()}
        outcome: Outcome | None = None
        unknown = text("err_unknown_query", lang, name=f"«{name}»") if name and canned is None else None
        if query.strip() and not load and unknown is None:
            outcome = await run(query, canned, values, lang, ctx.client_of(request))
        if not query.strip():
            query = ctx.sparql_prefixes() + "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 20\n"
        vendor: Vendor = request.app.state.vendor
        installed = vendor.has("yasgui/yasgui.min.js", "yasgui/yasgui.min.css")
        plain = fields.get("editor") == "plain"  # the plain form by choice (a textarea suits some readers better)
        response = site.render(
            request,
            "query.html",
            lang,
            status=404 if unknown else (outcome.status if outcome else 200),
            query=query,
            selected=canned,
            unknown=unknown,
            values=values,
            allowed=allowed_values(ctx, canned) if canned is not None else {},
            catalogue=list(ctx.catalogue.values()),
            outcome=outcome,
            shown=SHOWN_ROWS,
            prefixes=ctx.prefixes,
            yasgui=installed and not plain,
            installed=installed,
            plain=plain,
        )
        if outcome is not None:
            response.headers.update(outcome.headers)
        return response

    async def run(query: str, canned: CannedQuery | None, values: dict[str, str], lang: str, client: str) -> Outcome:
        outcome = Outcome()
        try:
            form = check_query(ctx, query)
            bindings = check_values(ctx, canned, values) if canned is not None else None
            graph = form in ("CONSTRUCT", "DESCRIBE")
            reply = await ctx.execute(query, results="json", graph="turtle", bindings=bindings, client=client)
        except QueryError as exc:
            outcome.error, outcome.status = str(exc), 400
            return outcome
        except Problem as exc:
            outcome.error, outcome.status, outcome.headers = explain(exc, query, lang, ctx.prefixes), exc.status, exc.headers
            return outcome
        outcome.truncated, outcome.count = reply["truncated"], reply["count"]
        if graph or reply["kind"] == "triples":
            outcome.downloads = download_links(query, canned, values, lang, "graph")
            outcome.turtle = reply["body"].decode("utf-8")
            return outcome
        data: dict[str, Any] = json.loads(reply["body"])
        if "boolean" in data:
            outcome.downloads = download_links(query, canned, values, lang, "boolean")
            outcome.boolean = bool(data["boolean"])
            return outcome
        outcome.downloads = download_links(query, canned, values, lang, "table")
        outcome.columns = list(data["head"]["vars"])
        outcome.headings = [canned.heading(v, lang) if canned is not None else v for v in outcome.columns]
        for binding in data["results"]["bindings"][:SHOWN_ROWS]:
            outcome.rows.append([_cell(site, binding.get(v), lang) for v in outcome.columns])
        return outcome

    async def download(request: Request, fields: dict[str, str], lang: str, fmt: str, sep: str) -> Response:
        """The result table of the query in ``fields`` as a file: CSV (UTF-8 with a BOM; ``;`` for Excel) or XLSX.

        The query is run exactly as the page runs it (the same checks, parameter values, worker pool,
        limits per client, timeout and row cap); only a SELECT has a table. The columns carry a
        canned query's own headings in ``lang``; the cells are the values themselves (IRIs whole).
        """
        name = fields.get("name", "")
        canned = ctx.catalogue.get(name) if name else None
        if name and canned is None:
            raise Problem.of(404, "err_unknown_query", name=f"«{name[:80]}»")
        query = fields.get("query", "").replace("\r\n", "\n")
        if not query.strip() and canned is not None:
            query = canned.text
        if not query.strip():
            raise Problem.of(400, "q_download_empty")
        values = {k[2:]: v for k, v in fields.items() if k.startswith("p.") and v.strip()}
        try:
            form = check_query(ctx, query)
            if form is not None and form != "SELECT":  # refused before it runs: its answer is no table
                raise Problem.of(400, _NOT_A_TABLE[form])
            bindings = check_values(ctx, canned, values) if canned is not None else None
            reply = await ctx.execute(query, results="json", graph="turtle", bindings=bindings, client=ctx.client_of(request))
        except QueryError as exc:
            raise Problem(400, str(exc)) from None
        except Problem as exc:
            if exc.key == "err_syntax":
                raise Problem(exc.status, explain(exc, query, lang, ctx.prefixes), exc.headers) from None
            raise
        if reply["kind"] == "triples":  # the engine's own view of the form, where the text check did not know it
            raise Problem.of(400, _NOT_A_TABLE["CONSTRUCT"])
        if reply["kind"] == "boolean":
            raise Problem.of(400, _NOT_A_TABLE["ASK"])
        stem = canned.name if canned is not None else "query"
        table = tables.from_sparql_json(stem, reply["body"])
        if canned is not None:
            table.columns = [canned.heading(v, lang) for v in table.columns]
        response = tables.download(table, fmt, sep, stem)
        response.headers["Cache-Control"] = "no-store"
        response.headers["K2020-Truncated"] = str(reply["truncated"]).lower()  # the row cap cut it short
        return response

    @router.get("/query", name="query_page", response_class=HTMLResponse, summary="The query page (HTML)")
    async def query_get(request: Request) -> Response:
        return await handle(request, dict(request.query_params))

    @router.post("/query", response_class=HTMLResponse, include_in_schema=False)
    async def query_post(request: Request) -> Response:
        body = await read_body(request, ctx.settings.max_body)
        fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        return await handle(request, fields)

    @router.post("/query/run", include_in_schema=False)
    async def query_run(request: Request) -> Response:
        """What the editor (YASGUI) runs: the query, and for a canned query its name and ``p.*`` values.

        SELECT and ASK answer SPARQL results JSON, CONSTRUCT and DESCRIBE Turtle; an error is a 400 (or
        the limit's status) with the message in plain words in the page's language, as text.
        """
        body = await read_body(request, ctx.settings.max_body)
        fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        lang = fields["lang"] if fields.get("lang") in ("nb", "en") else choose_lang(request)
        query = fields.get("query", "")
        name = fields.get("name", "")
        canned = ctx.catalogue.get(name) if name else None
        plain = "text/plain; charset=utf-8"
        if name and canned is None:
            return Response(text("err_unknown_query", lang, name=f"«{name}»"), status_code=404, media_type=plain)
        values = {k[2:]: v for k, v in fields.items() if k.startswith("p.") and v.strip()}
        try:
            form = check_query(ctx, query)
            bindings = check_values(ctx, canned, values) if canned is not None else None
            reply = await ctx.execute(query, results="json", graph="turtle", bindings=bindings, client=ctx.client_of(request))
        except QueryError as exc:
            return Response(str(exc), status_code=400, media_type=plain)
        except Problem as exc:
            return Response(
                explain(exc, query, lang, ctx.prefixes), status_code=exc.status, media_type=plain, headers=exc.headers
            )
        headers = {"Cache-Control": "no-store", "K2020-Truncated": str(reply["truncated"]).lower()}
        if form in ("CONSTRUCT", "DESCRIBE") or reply["kind"] == "triples":
            return Response(reply["body"], media_type="text/turtle; charset=utf-8", headers=headers)
        return Response(reply["body"], media_type="application/sparql-results+json", headers=headers)

    @router.get("/query/canned.json", include_in_schema=False)
    async def canned_json(request: Request) -> JSONResponse:
        """The canned queries for the editor's tabs: titles, text, parameters with their allowed values,
        and each column's heading, in the page's language."""
        lang = choose_lang(request)
        out = []
        for q in ctx.catalogue.values():
            allowed = allowed_values(ctx, q)
            out.append(
                {
                    "name": q.name,
                    "title": q.title.get(lang, q.title["nb"]),
                    "description": q.description.get(lang, ""),
                    "query": q.text,
                    "parameters": [
                        {
                            "name": p.name,
                            "type": p.type,
                            "default": p.default,
                            "help": p.help.get(lang, ""),
                            "values": list(allowed[p.name].values) if p.name in allowed else None,
                        }
                        for p in q.parameters
                    ],
                    "headings": {v: q.heading(v, lang) for v in q.columns},
                }
            )
        return JSONResponse({"queries": out}, headers={"Cache-Control": "no-cache", "Vary": "Accept-Language, Cookie"})

    @router.get("/query/vocabulary.json", include_in_schema=False)
    async def vocabulary_json() -> JSONResponse:
        """What the editor completes: the graph's prefixes, and the classes and properties it declares or uses."""
        return JSONResponse(ctx.cached("vocabulary", lambda: vocabulary(ctx)), headers={"Cache-Control": "no-cache"})

    return router


#: What a download of a query that gives no table says (by the query's form).
_NOT_A_TABLE = {"ASK": "q_download_ask", "CONSTRUCT": "q_download_graph", "DESCRIBE": "q_download_graph"}


def download_links(
    query: str, canned: CannedQuery | None, values: Mapping[str, str], lang: str, kind: str
) -> list[tuple[str, str]]:
    """The links under a result of ``kind`` ("table", "boolean" or "graph"): for a table its CSV, Excel CSV
    and XLSX (run again through ``/query``, within the same limits) and SPARQL JSON; for a yes or no its
    SPARQL JSON; for a graph its Turtle and N-Triples."""
    if kind == "graph":
        link = "/sparql?" + urlencode({"query": query})
        return [("Turtle", link + "&format=turtle"), ("N-Triples", link + "&format=ntriples")]
    fields = {"lang": lang}
    if canned is not None:
        fields["name"] = canned.name
        fields.update({"p." + k: v for k, v in values.items()})
    if canned is None or query != canned.text:  # a canned query's own text is found by its name
        fields["query"] = query
    here = "/query?" + urlencode(fields)
    if canned is not None and query == canned.text:
        json_link = f"/api/queries/{canned.name}?" + urlencode({**values, "format": "json"})
    else:
        json_link = "/sparql?" + urlencode({"query": query, "format": "json"})
    if kind == "boolean":
        return [("SPARQL JSON", json_link)]
    return [
        (text("table_csv", lang), here + "&download=csv"),
        (text("table_csv_excel", lang), here + "&download=csv&sep=semicolon"),
        (text("table_xlsx", lang), here + "&download=xlsx"),
        ("SPARQL JSON", json_link),
    ]


_CLASSES = """SELECT DISTINCT ?term WHERE {
  { ?term a ?kind VALUES ?kind { <http://www.w3.org/2002/07/owl#Class> <http://www.w3.org/2000/01/rdf-schema#Class> } }
  UNION { [] a ?term }
  FILTER(isIRI(?term))
} ORDER BY ?term"""
_PROPERTIES = """SELECT DISTINCT ?term WHERE {
  { ?term a ?kind VALUES ?kind { <http://www.w3.org/2002/07/owl#ObjectProperty> <http://www.w3.org/2002/07/owl#DatatypeProperty>
      <http://www.w3.org/2002/07/owl#AnnotationProperty> <http://www.w3.org/1999/02/22-rdf-syntax-ns#Property> } }
  UNION { [] ?term [] }
  FILTER(isIRI(?term))
} ORDER BY ?term"""


def vocabulary(ctx: Context) -> dict[str, Any]:
    """The prefixes (as the editor completes them: ``k2: <…>``), classes and properties, and the base
    under which the graph's own resources have pages here."""
    raw = ctx.store.raw

    def terms(query: str) -> list[str]:
        result = raw.query(query)
        return [sol["term"].value for sol in result] if isinstance(result, ox.QuerySolutions) else []

    classes, properties = terms(_CLASSES), terms(_PROPERTIES)
    return {
        "base": ctx.base,
        "prefixes": dict(ctx.prefixes),
        "prefixDeclarations": [f"{p}: <{ns}>" for p, ns in sorted(ctx.prefixes.items())],
        "classes": classes,
        "properties": properties,
    }
