"""The linked-data site: every IRI under the base dereferences, plus indexes, ontology, VoID and dumps.

A request for ``/id/tiltak/k2020-3.14`` describes ``{base}id/tiltak/k2020-3.14``: HTML for browsers,
Turtle, JSON-LD, N-Triples or RDF/XML by ``Accept`` (or ``?format=``), always with ``Vary: Accept``.
The language of the pages is ``?lang=`` (remembered in a cookie), else ``Accept-Language``, else nb.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from rdflib import Graph

from .. import __version__
from ..exports import GRAPH_FORMATS as EXPORT_FORMATS
from ..exports import export_graph
from . import streamdump, tables
from .answers import enrich
from .context import Context, Problem
from .history import audit_history, history_view
from .negotiation import GRAPH_FORMATS, HTML, PAGE_FORMATS, Format, choose, listing
from .sparql import not_modified
from .texts import LANGS, TEXTS, both, text, translator
from .views import DCT, OWL, RDF_TYPE, RDFS, SKOS, XSD, Labeller, TermView, bind, describe, natural_key, site_path, value_of

VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"

#: dump file suffix -> (exports format name, media type)
DUMPS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "nt": ("ntriples", "application/n-triples"),
    "jsonld": ("jsonld", "application/ld+json"),
    "rdf": ("rdfxml", "application/rdf+xml"),
    "trig": ("trig", "application/trig"),
}
assert all(name in EXPORT_FORMATS for name, _ in DUMPS.values())


def choose_lang(request: Request) -> str:
    """``?lang=`` first, then the ``lang`` cookie, then ``Accept-Language``; bokmål by default."""
    for value in (request.query_params.get("lang"), request.cookies.get("lang")):
        if value in LANGS:
            return value
    best, best_q = "nb", -1.0
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = "nb" if tag.split("-")[0] in ("nb", "nn", "no") else "en" if tag.split("-")[0] == "en" else None
        if lang and q > best_q:
            best, best_q = lang, q
    return best


def same_page(request: Request, params: dict[str, str]) -> str:
    """A link to the page asked for, with other ``params``: its path, or none where the path would leave the site.

    A request for ``//evil.example/x`` must not link to ``//evil.example/x?lang=en`` (another host).
    """
    path = request.url.path
    if not path.startswith("/") or site_path(path[1:]) is None:
        path = ""  # "?…": the same document, whatever its path
    return f"{path}?{urlencode(params)}"


@dataclass
class IndexRow:
    subject: TermView
    types: list[TermView]
    name: str | None
    name_lang: str | None = None  # the title's language tag, for its lang attribute


class Site:
    """Builds the pages of one application (templates, labels, caches), from its :class:`Context`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.labels = Labeller(ctx)
        self.templates = Jinja2Templates(directory=str(ctx.templates_dir))
        self.templates.env.globals.update(version=__version__, data_version=ctx.version)
        ctx.swap_hooks.append(lambda: self.templates.env.globals.update(data_version=ctx.version))
        self.history = audit_history(ctx)  # the change history on resource pages (None: no audit log here)

    # -- responses ------------------------------------------------------------------------------------

    def render(self, request: Request, template: str, lang: str, status: int = 200, **values: Any) -> HTMLResponse:
        switch = {}
        for other in LANGS:
            params = dict(request.query_params)
            params["lang"] = other
            switch[other] = same_page(request, params)
        response = self.templates.TemplateResponse(
            request,
            template,
            {"lang": lang, "t": translator(lang), "switch": switch, "settings": self.ctx.settings, **values},
            status_code=status,
        )
        response.headers["Vary"] = "Accept, Accept-Language, Cookie"
        response.headers["Content-Language"] = lang
        if request.query_params.get("lang") in LANGS and request.cookies.get("lang") != lang:
            response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
        return response

    def rdf_response(self, request: Request, triples: Iterable[ox.Triple], fmt: Format, tag: str) -> Response:
        headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
        etag = self.ctx.etag(tag, fmt.name)
        cached = not_modified(request, etag, headers)
        if cached is not None:
            return cached
        assert fmt.rdf is not None
        prefixes = self.ctx.prefixes if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        body = ox.serialize(list(triples), format=fmt.rdf, prefixes=prefixes)
        return Response(body, media_type=fmt.content_type, headers={**headers, "ETag": etag})

    def negotiate_page(self, request: Request) -> Format:
        chosen = choose(request.query_params.get("format"), request.headers.get("accept"), PAGE_FORMATS)
        if chosen is None:
            raise Problem.of(406, "err_406", formats=listing(PAGE_FORMATS))
        return chosen

    def resource_response(self, request: Request, iri: str) -> Response:
        """The page or the triples of ``iri`` (404 when the graph says nothing about it)."""
        fmt = self.negotiate_page(request)
        if not self.exists(iri):
            if fmt is HTML:
                lang = choose_lang(request)
                message = f"{iri}\n{text('no_data', lang)}"
                return self.render(request, "error.html", lang, 404, title=text("not_found", lang), message=message)
            raise Problem(404, f"{iri}: " + both("no_data"))
        if fmt is not HTML:
            return self.rdf_response(request, self.description(iri), fmt, "resource:" + iri)
        lang = choose_lang(request)
        asked = tables.wanted(request)  # ?download=csv|xlsx: one of the page's tables as a file
        headers = {"Vary": "Accept, Accept-Language, Cookie", "Cache-Control": "no-cache"}
        etag = self.ctx.etag("page", iri, lang)
        cached = not_modified(request, etag, headers) if asked is None else None
        if cached is not None:
            return cached
        view = enrich(self.ctx, self.labels, describe(self.ctx, self.labels, iri, lang), lang)
        formats = [(f.name, f"?format={f.name}") for f in GRAPH_FORMATS]
        sparql = "/query?" + urlencode({"query": f"DESCRIBE <{iri}>"})
        history = history_view(self.history, iri, self.ctx.store.raw, self.labels, lang)
        from .diagrampages import charts_for  # the pictures of some kinds of resources (imports this module)

        charts = charts_for(self, iri, {v.iri for v in view.types if v.iri}, lang)
        page_tables = self.page_tables(view, charts, lang, history)
        if asked is not None:
            stem = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or "table"
            return tables.download(tables.pick(request, page_tables), *asked, stem=stem)
        table_links = {t.name: tables.download_links(request, t.name) for t in page_tables}
        response = self.render(
            request,
            "resource.html",
            lang,
            view=view,
            formats=formats,
            describe_link=sparql,
            history=history,
            charts=charts,
            table_links=table_links,
        )
        response.headers.update({"ETag": etag, "Cache-Control": "no-cache"})
        return response

    def page_tables(self, view: Any, charts: list[Any], lang: str, history: Any = None) -> list[tables.Table]:
        """The tables of a resource page, as it shows them: the answer table, the sources' disagreements, the
        sections, the pictures' tables and the change history."""
        found = []
        if view.answer is not None:
            a = view.answer
            keys = ["ans_col_nr", "ans_col_name", *(["ans_col_responsible"] if a.show_responsible else [])]
            keys += ["ans_col_status", "ans_col_period", "ans_col_continued", "ans_col_k2025"]
            found.append(tables.answer_table(a, [text(k, lang) for k in keys]))
        if view.facts is not None and view.facts.disagreements:
            columns = [text(k, lang) for k in ("col_fact", "source", "col_says")]
            found.append(tables.disagreements_table(view.facts.disagreements, columns))
        found += [tables.section_table(sec) for sec in view.sections]
        found += [tables.chart_table(chart) for chart in charts]
        if history and history["entries"]:
            found.append(tables.history_table(history, [text(k, lang) for k in ("history_time", "history_who", "history_what")]))
        return found

    # -- data ----------------------------------------------------------------------------------------

    def description(self, iri: str) -> list[ox.Triple]:
        """The triples about ``iri``: those it is the subject of, then those it is the object of (capped)."""
        node = ox.NamedNode(iri)
        raw = self.ctx.store.raw
        out = [q.triple for q in raw.quads_for_pattern(node, None, None)]
        cap = self.ctx.settings.row_cap
        for q in raw.quads_for_pattern(None, None, node):
            if len(out) >= cap:
                break
            out.append(q.triple)
        return out

    def exists(self, iri: str) -> bool:
        try:
            node = ox.NamedNode(iri)
        except ValueError:  # not an IRI at all, so not one of the graph's
            return False
        raw = self.ctx.store.raw
        return any(True for _ in raw.quads_for_pattern(node, None, None)) or any(
            True for _ in raw.quads_for_pattern(None, None, node)
        )

    def select(self, query: str, **bindings: ox.NamedNode | ox.Literal) -> ox.QuerySolutions:
        result = self.ctx.store.raw.query(self.ctx.sparql_prefixes() + bind(query, bindings))
        assert isinstance(result, ox.QuerySolutions)
        return result

    def index_rows(self, where: str, lang: str, **bindings: ox.NamedNode | ox.Literal) -> list[IndexRow]:
        """Subjects matching ``where`` (binding ``?s``), with their types and a title from their records."""
        types: dict[str, set[str]] = defaultdict(set)
        names: dict[str, list[ox.Literal]] = defaultdict(list)
        query = (
            f"SELECT ?s ?type ?name WHERE {{ {where} "
            "OPTIONAL { ?s a ?type } OPTIONAL { { ?s k2:name ?name } UNION { ?r k2:recordOf ?s ; dct:title ?name } } }"
        )
        for row in self.select(query, **bindings):
            s = row["s"]
            if not isinstance(s, ox.NamedNode):
                continue
            types[s.value]
            if row["type"] is not None:
                types[s.value].add(row["type"].value)
            if isinstance(row["name"], ox.Literal):
                names[s.value].append(row["name"])
        rows = []
        for iri, kinds in types.items():
            best = self.labels.pick(names.get(iri, []), lang)
            rows.append(
                IndexRow(
                    self.labels.term(ox.NamedNode(iri), lang),
                    [self.labels.term(ox.NamedNode(t), lang) for t in sorted(kinds)],
                    best.value if best is not None else None,
                    best.language if best is not None else None,
                )
            )
        rows.sort(key=lambda r: r.subject.sort_key)
        return rows

    def folders(self) -> list[tuple[str, int, list[str]]]:
        """The collections under ``{base}id/``: name, number of resources, their commonest types."""

        def build() -> list[tuple[str, int, list[str]]]:
            prefix = self.ctx.base + "id/"
            counts: Counter[str] = Counter()
            kinds: dict[str, Counter[str]] = defaultdict(Counter)
            query = "SELECT ?s ?type WHERE { ?s a ?type FILTER(STRSTARTS(STR(?s), ?prefix)) }"
            for row in self.select(query, prefix=ox.Literal(prefix)):
                folder = row["s"].value[len(prefix) :].split("/", 1)[0]
                counts[folder] += 1
                kinds[folder][row["type"].value] += 1
            return [(f, counts[f], [t for t, _ in kinds[f].most_common(3)]) for f in sorted(counts)]

        return self.ctx.cached("folders", build)  # type: ignore[no-any-return]

    def class_counts(self) -> dict[str, int]:
        def build() -> dict[str, int]:
            query = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"
            return {row["class"].value: int(row["n"].value) for row in self.select(query)}

        return self.ctx.cached("class_counts", build)  # type: ignore[no-any-return]

    def property_counts(self) -> dict[str, int]:
        def build() -> dict[str, int]:
            query = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
            return {row["p"].value: int(row["n"].value) for row in self.select(query)}

        return self.ctx.cached("property_counts", build)  # type: ignore[no-any-return]

    # -- the ontology -----------------------------------------------------------------------------------

    def ontology_terms(self, lang: str) -> dict[str, Any]:
        k2 = self.ctx.prefixes["k2"]
        raw = self.ctx.store.raw
        labels = self.labels
        counts = self.class_counts()
        prop_counts = self.property_counts()

        def values(iri: str, predicate: str) -> list[TermView]:
            return [labels.term(q.object, lang) for q in raw.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None)]

        def by_lang(iri: str, predicate: str) -> dict[str, str]:
            return {lit.language or "": lit.value for lit in labels.literals(iri, predicate)}

        classes, properties = [], []
        subjects = {
            q.subject.value
            for q in raw.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None)
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(k2)
        }
        for iri in sorted(subjects, key=lambda i: i.lower()):
            kinds = {value_of(q.object) for q in raw.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), None)}
            entry: dict[str, Any] = {
                "iri": iri,
                "id": iri[len(k2) :],
                "curie": labels.curie(iri),
                "label": by_lang(iri, RDFS + "label"),
                "definition": by_lang(iri, SKOS + "definition"),
                "types": [labels.term(ox.NamedNode(t), lang) for t in sorted(kinds)],
                "superclasses": values(iri, RDFS + "subClassOf"),
                "domain": values(iri, RDFS + "domain"),
                "range": values(iri, RDFS + "range"),
                "see_also": values(iri, RDFS + "seeAlso"),
            }
            if OWL + "Class" in kinds or RDFS + "Class" in kinds:
                entry["count"] = counts.get(iri, 0)
                entry["instances"] = "/instances?" + urlencode({"class": iri})
                classes.append(entry)
            else:
                entry["count"] = prop_counts.get(iri, 0)
                properties.append(entry)
        ontology = self.ctx.base + "def"
        header = {
            "iri": ontology,
            "title": labels.text_of(ontology, DCT + "title", lang),
            "description": labels.text_of(ontology, DCT + "description", lang),
            "version": [v.text for v in values(ontology, OWL + "versionInfo")],
            "modified": [v.text for v in values(ontology, DCT + "modified")],
            "license": values(ontology, DCT + "license"),
        }
        return {"classes": classes, "properties": properties, "header": header}

    def ontology_triples(self) -> list[ox.Triple]:
        prefix = self.ctx.base + "def"
        query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), ?prefix)) }"
        result = self.ctx.store.raw.query(bind(query, {"prefix": ox.Literal(prefix)}))
        return list(result)  # type: ignore[arg-type]

    # -- VoID ---------------------------------------------------------------------------------------------

    def void_triples(self) -> list[ox.Triple]:
        """The VoID description; its URLs are at the configured public address, never the request's host."""
        n, lit = ox.NamedNode, ox.Literal
        integer = n(XSD + "integer")
        here = self.ctx.url(".well-known/void")
        root = self.ctx.url("")
        ds = n(here + "#dataset")
        out = [
            ox.Triple(ds, n(RDF_TYPE), n(VOID + "Dataset")),
            ox.Triple(ds, n(DCT + "title"), lit("Kompetanseløft 2020 – kunnskapsgraf", language="nb")),
            ox.Triple(ds, n(DCT + "title"), lit("Kompetanseløft 2020 – knowledge graph", language="en")),
            ox.Triple(ds, n(DCT + "description"), lit(text("site_intro", "nb"), language="nb")),
            ox.Triple(ds, n(DCT + "description"), lit(text("site_intro", "en"), language="en")),
            ox.Triple(ds, n(FOAF + "homepage"), n(root)),
            ox.Triple(ds, n(VOID + "sparqlEndpoint"), n(self.ctx.url("sparql"))),
            ox.Triple(ds, n(VOID + "uriSpace"), lit(self.ctx.base + "id/")),
            ox.Triple(ds, n(VOID + "vocabulary"), n(self.ctx.prefixes["k2"])),
            ox.Triple(ds, n(VOID + "triples"), lit(str(len(self.ctx.store)), datatype=integer)),
            ox.Triple(ds, n(OWL + "versionInfo"), lit(self.ctx.version)),
            *(
                [ox.Triple(ds, n(DCT + "modified"), lit(self.ctx.modified, datatype=n(XSD + "dateTime")))]
                if self.ctx.modified
                else []
            ),
            ox.Triple(ds, n(VOID + "exampleResource"), n(self.ctx.prefixes["tiltak"] + "k2020-3.14")),
        ]
        for suffix in DUMPS:
            out.append(ox.Triple(ds, n(VOID + "dataDump"), n(self.ctx.url(f"dump.{suffix}"))))
        out.append(ox.Triple(ds, n(RDFS + "seeAlso"), n(self.ctx.url("catalog"))))  # the DCAT-AP-NO catalogue
        license_ = [q.object for q in self.ctx.store.raw.quads_for_pattern(n(self.ctx.base + "def"), n(DCT + "license"), None)]
        out += [ox.Triple(ds, n(DCT + "license"), lic) for lic in license_]
        for i, (cls, count) in enumerate(sorted(self.class_counts().items())):
            part = ox.BlankNode(f"class{i}")
            out += [
                ox.Triple(ds, n(VOID + "classPartition"), part),
                ox.Triple(part, n(VOID + "class"), n(cls)),
                ox.Triple(part, n(VOID + "entities"), lit(str(count), datatype=integer)),
            ]
        for i, (prop, count) in enumerate(sorted(self.property_counts().items())):
            part = ox.BlankNode(f"property{i}")
            out += [
                ox.Triple(ds, n(VOID + "propertyPartition"), part),
                ox.Triple(part, n(VOID + "property"), n(prop)),
                ox.Triple(part, n(VOID + "triples"), lit(str(count), datatype=integer)),
            ]
        return out

    # -- the DCAT-AP-NO catalogue -----------------------------------------------------------------------------

    def catalog(self) -> Any:
        """The catalogue (:mod:`k2020graph.profiles.dcat_ap_no`) at the public address, over the served dumps."""
        from ..errors import InputError
        from ..profiles import default_metadata
        from ..profiles.dcat_ap_no import DumpFigures, catalog_iri, dcat_ap_no

        def build() -> Any:
            kg = self.ctx.kg
            root = kg.project.root if kg is not None else None
            try:
                metadata = default_metadata(root, self.ctx.settings.catalog_metadata, catalog_iri(self.ctx.public_url))
            except InputError as exc:
                raise Problem(500, str(exc)) from None
            if streamdump.is_streamed(self.ctx.store):  # figures asked of the store: nothing held whole
                facts = self.data_facts()
                figures = {name: self.dump_figures(name) for name, _ in DUMPS.values()}
                sizes = {name: DumpFigures(f.size, f.sha1) for name, f in figures.items()}
                return dcat_ap_no(facts, sizes, metadata, self.ctx.public_url)
            data = kg.data_graph if kg is not None else self.rdflib_graph()
            dumps = {name: self.dump(name) for name, _ in DUMPS.values()}
            return dcat_ap_no(data, dumps, metadata, self.ctx.public_url)

        return self.ctx.cached("catalog", build, lambda c: 2048 * len(c.graph))

    def rdflib_graph(self) -> Graph:
        from ..loading import quads_to_graph

        # An rdflib graph costs roughly a kilobyte a triple: counted so against the derived memo.
        return self.ctx.cached("rdflib_graph", lambda: quads_to_graph(self.ctx.store.raw), lambda g: 1024 * len(g))

    # -- dumps ----------------------------------------------------------------------------------------------

    def dump(self, fmt: str) -> bytes:
        def graph():  # type: ignore[no-untyped-def]
            if self.ctx.kg is not None:
                return self.ctx.kg.full_graph  # the knowledge graph's own, already in memory
            return self.rdflib_graph()

        def build() -> bytes:
            return export_graph(graph(), fmt)

        return self.ctx.cached("dump:" + fmt, build, len)

    def dump_stream(self, fmt: str) -> Iterator[bytes]:
        """The whole graph in ``fmt`` read from a store not held here (:mod:`.streamdump`), in chunks."""
        from .remote import RemoteServedStore

        store = self.ctx.store
        if isinstance(store, RemoteServedStore):
            response = store.raw.triples_stream()
            with response:
                kind = response.headers.get_content_type()
                if fmt == "ntriples" and kind == "application/n-triples":  # the store's own bytes, passed on
                    while chunk := response.read(streamdump.CHUNK):
                        yield chunk
                    return
                rdf = ox.RdfFormat.TURTLE if kind == "text/turtle" else ox.RdfFormat.N_TRIPLES
                triples = (q.triple for q in ox.parse(response, format=rdf))
                yield from streamdump.rechunk(streamdump.serialise(triples, fmt, self.ctx.prefixes))
            return
        triples = (q.triple for q in store.raw.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        yield from streamdump.rechunk(streamdump.serialise(triples, fmt, self.ctx.prefixes))

    def dump_figures(self, fmt: str) -> streamdump.DumpFigures:
        """Byte size and checksums of the streamed dump in ``fmt``, from one streamed pass, kept."""
        return self.ctx.cached("dump-figures:" + fmt, lambda: streamdump.measure(self.dump_stream(fmt)), lambda _: 256)

    def data_facts(self) -> Any:
        """The languages and the span of years the data states, asked of the store (for the catalogue)."""
        from ..profiles.dcat_ap_no import _YEAR_PROPERTIES, LANGUAGES, DataFacts

        def build() -> DataFacts:
            tags = self.select('SELECT DISTINCT (LCASE(LANG(?o)) AS ?t) WHERE { ?s ?p ?o FILTER(LANG(?o) != "") }')
            found = {row["t"].value.split("-")[0] for row in tags if row["t"] is not None}
            values = " ".join(f"<{p}>" for p in _YEAR_PROPERTIES)
            query = (
                f"SELECT DISTINCT ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o "
                "FILTER(isLiteral(?o) && DATATYPE(?o) = xsd:gYear) }"
            )
            years = [int(row["o"].value[:4]) for row in self.select(query) if row["o"].value[:4].isdigit()]
            span = (min(years), max(years)) if years else None
            return DataFacts(sorted(LANGUAGES[t] for t in found if t in LANGUAGES), span)

        return self.ctx.cached("data-facts", build)


def owners(site: Site, lang: str) -> list[tuple[TermView, int]]:
    """The responsible units and actors of K2020 tiltak, each with its number of tiltak, for the home page."""
    query = "SELECT ?actor (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a k2:Tiltak ; k2:responsibleActor ?actor } GROUP BY ?actor"
    found = [(site.labels.term(row["actor"], lang), int(row["n"].value)) for row in site.select(query)]
    return sorted(found, key=lambda pair: (-pair[1], pair[0].sort_key))


def documents(site: Site, lang: str) -> list[TermView]:
    """The source documents, by their title, for the home page."""
    query = 'SELECT ?doc WHERE { ?doc a k2:SourceDocument ; k2:fileName ?file FILTER(STRENDS(?file, ".txt")) }'
    return sorted((site.labels.term(row["doc"], lang) for row in site.select(query)), key=lambda v: v.sort_key)


def make_router(ctx: Context, site: Site) -> APIRouter:
    router = APIRouter(tags=["Linked data"])
    base = ctx.base

    def index(request: Request, title: str, rows: list[IndexRow], lang: str, note: str = "") -> Response:
        keys: dict[str, Callable[[IndexRow], Any]] = {
            "label": lambda r: r.subject.sort_key,
            "name": lambda r: (r.name is None, natural_key(r.name or "")),  # rows without a title last
            "type": lambda r: tuple(t.sort_key for t in r.types),
        }
        order = tables.sorting(request, keys, "label")
        rows = sorted(rows, key=keys[order.column], reverse=order.descending)
        if order.column == "name" and order.descending:  # still the rows without a title last
            rows = [r for r in rows if r.name is not None] + [r for r in rows if r.name is None]
        named = any(r.name for r in rows)
        asked = tables.wanted(request)
        if asked is not None:
            columns = [text("label", lang), *([text("name", lang)] if named else []), text("type", lang), "IRI"]
            table = tables.Table("index", columns)
            for r in rows:
                cells: list[tables.Cell] = [r.subject.text, *([r.name or ""] if named else [])]
                table.rows.append([*cells, ", ".join(t.text for t in r.types), r.subject.iri])
            stem = request.url.path.strip("/").replace("/", "-") or "index"
            return tables.download(table, *asked, stem=stem)
        limit = ctx.settings.page_limit
        pages = max(1, -(-len(rows) // limit))
        try:
            page = min(pages, max(1, int(request.query_params.get("page", "1"))))
        except ValueError:
            page = 1
        links = {}
        for name, number in (("previous", page - 1), ("next", page + 1)):
            if 1 <= number <= pages:
                params = dict(request.query_params)
                params["page"] = str(number)
                links[name] = same_page(request, params)
        return site.render(
            request,
            "index.html",
            lang,
            title=title,
            rows=rows[(page - 1) * limit : page * limit],
            named=named,
            total=len(rows),
            page=page,
            pages=pages,
            links=links,
            note=note,
            order=order,
            downloads=tables.download_links(request),
        )

    @router.get("/", name="home", response_class=HTMLResponse, summary="The home page")
    def home(request: Request) -> Response:
        lang = choose_lang(request)
        counts = site.class_counts()
        main_classes = [
            (site.labels.term(ox.NamedNode(cls), lang), counts[cls], "/instances?" + urlencode({"class": cls}))
            for cls in sorted(counts, key=lambda c: -counts[c])
        ]
        folders = [(name, count, [site.labels.display(t, lang) for t in kinds]) for name, count, kinds in site.folders()]
        folder_titles = {name: text(f"folder_{name}", lang) for name, _, _ in site.folders() if f"folder_{name}" in TEXTS}
        asked = tables.wanted(request)
        if asked is not None:
            collections = tables.Table("collections", [text(k, lang) for k in ("collection", "count", "types")])
            for name, count, kinds in folders:
                collections.rows.append([folder_titles.get(name, f"/id/{name}/"), count, ", ".join(kinds)])
            classes = tables.Table("classes", [text("type", lang), text("count", lang), "IRI"])
            classes.rows += [[cls.text, count, cls.iri] for cls, count, _ in main_classes]
            return tables.download(tables.pick(request, [collections, classes]), *asked, stem="k2020graph")
        return site.render(
            request,
            "home.html",
            lang,
            table_links={name: tables.download_links(request, name) for name in ("collections", "classes")},
            owners=owners(site, lang),
            documents=documents(site, lang),
            folder_titles=folder_titles,
            triples=len(ctx.store),
            folders=folders,
            classes=main_classes,
            dumps=list(DUMPS),
            queries=list(ctx.catalogue.values()),
        )

    @router.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)  # browsers that ask before reading the page's <link>

    @router.get("/id/", response_class=HTMLResponse, summary="The collections of resources")
    def id_root(request: Request) -> Response:
        return home(request)

    @router.get("/id/{path:path}", summary="A resource (or, with a trailing slash, a collection)")
    def id_path(path: str, request: Request) -> Response:
        if path.endswith("/") or not path:
            lang = choose_lang(request)
            prefix = base + "id/" + path
            subjects = f"{{ SELECT DISTINCT ?s WHERE {{ ?s ?p ?o . FILTER(STRSTARTS(STR(?s), {ox.Literal(prefix)})) }} }}"
            rows = site.index_rows(subjects, lang)
            if not rows:
                raise Problem(404, f"{prefix}: " + both("no_data"))
            folder = path.rstrip("/")
            key = f"folder_{folder}"
            title = text(key, lang) if key in TEXTS else text("folder_other", lang, name=folder)
            return index(request, title, rows, lang, prefix)
        return site.resource_response(request, base + "id/" + path)

    @router.get("/def", name="ontology", summary="The ontology: documentation (HTML) or its triples")
    def ontology(request: Request) -> Response:
        fmt = site.negotiate_page(request)
        if fmt is not HTML:
            return site.rdf_response(request, site.ontology_triples(), fmt, "ontology")
        lang = choose_lang(request)
        return site.render(request, "ontology.html", lang, **site.ontology_terms(lang))

    @router.get("/def/{path:path}", summary="A resource under the ontology's namespace")
    def def_path(path: str, request: Request) -> Response:
        return site.resource_response(request, base + "def/" + path)

    @router.get("/resource", name="resource", summary="Any IRI of the graph, also outside the base")
    def any_resource(request: Request, iri: str) -> Response:
        path = site_path(iri[len(base) :]) if iri.startswith(base) else None
        if path is not None:  # a relative path of this site, never //host/… (see views.site_path)
            return RedirectResponse(path, status_code=303)
        return site.resource_response(request, iri)

    @router.get("/instances", name="instances", response_class=HTMLResponse, summary="The instances of a class")
    def instances(request: Request) -> Response:
        cls = request.query_params.get("class", "")
        lang = choose_lang(request)
        try:
            rows = site.index_rows("?s a ?class .", lang, **{"class": ox.NamedNode(cls)}) if cls else []
        except ValueError:
            raise Problem.of(400, "err_graph_iri", param="class", value=cls) from None
        label = site.labels.display(cls, lang) if cls else ""
        return index(request, f"{text('instances_of', lang)} {label}", rows, lang, cls)

    @router.get("/.well-known/void", name="void", summary="VoID description of the dataset")
    def void(request: Request) -> Response:
        offers = GRAPH_FORMATS
        fmt = choose(request.query_params.get("format"), request.headers.get("accept"), offers)
        if fmt is None:
            raise Problem.of(406, "err_406", formats=listing(offers))
        return site.rdf_response(request, site.void_triples(), fmt, "void:" + ctx.public_url)

    @router.get("/dump.{suffix}", name="dump", summary="The whole graph: ttl, nt, jsonld, rdf (RDF/XML) or trig")
    def dump(suffix: str, request: Request) -> Response:
        if suffix not in DUMPS:
            raise Problem(404, f"/dump.{suffix}: ttl, nt, jsonld, rdf, trig")
        name, media = DUMPS[suffix]
        headers = {"Cache-Control": "no-cache", "Content-Disposition": f'inline; filename="k2020graph.{suffix}"'}
        etag = ctx.etag("dump", suffix)
        cached = not_modified(request, etag, headers)
        if cached is not None:
            return cached
        if streamdump.is_streamed(ctx.store):  # read from the store as it is sent, never held whole
            # The digest is known only after a first whole pass (the catalogue's, or an earlier dump's).
            known = ctx.memos["derived"].lookup("dump-figures:" + name)
            if known is not None:
                headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(known.sha256).decode()}:"
            return StreamingResponse(site.dump_stream(name), media_type=media, headers={**headers, "ETag": etag})
        body = site.dump(name)
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        return Response(body, media_type=media, headers={**headers, "ETag": etag, "Repr-Digest": f"sha-256=:{digest}:"})

    @router.get("/catalog", name="catalog", summary="The DCAT-AP-NO catalogue of the dataset, for data.norge.no")
    def catalog(request: Request) -> Response:
        offers = GRAPH_FORMATS
        fmt = choose(request.query_params.get("format"), request.headers.get("accept"), offers)
        if fmt is None:
            raise Problem.of(406, "err_406", formats=listing(offers))
        result = site.catalog()
        headers = {"Vary": "Accept", "Cache-Control": "no-cache", "K2020-Catalog-Gaps": str(len(result.gaps))}
        etag = ctx.etag("catalog", ctx.public_url, fmt.name)
        cached = not_modified(request, etag, headers)
        if cached is not None:
            return cached
        body = export_graph(result.graph, fmt.name)
        return Response(body, media_type=fmt.content_type, headers={**headers, "ETag": etag})

    @router.get("/catalog/gaps", name="catalog_gaps", summary="The values the catalogue lacks because no source states them")
    def catalog_gaps() -> Response:
        gaps = [dataclasses.asdict(g) for g in site.catalog().gaps]
        return Response(json.dumps(gaps, ensure_ascii=False, indent=2), media_type="application/json")

    return router


def make_fallback_router(ctx: Context, site: Site) -> APIRouter:
    """The last route: any other path under the base that the graph knows; 404 otherwise."""
    router = APIRouter(include_in_schema=False)

    @router.get("/{path:path}")
    def anything(path: str, request: Request) -> Response:
        iri = ctx.base + path
        if path and site.exists(iri):
            return site.resource_response(request, iri)
        raise Problem(404, f"/{path}: " + both("no_data"))

    return router
