"""What the HTML pages show, computed from the store: labels, links, sources, and one resource's page.

Nothing here writes HTML (the templates do); these functions read the store (never change it) and
return plain objects. Their own queries are small and bounded, so they run in the server process.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from .composed import composed_label
from .context import Context
from .texts import EXTERNAL_LABELS, text

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"

RDF_TYPE = RDF + "type"
DCT_SOURCE = DCT + "source"
LABEL_PREDICATES = (RDFS + "label", SKOS + "prefLabel", FOAF + "name", DCT + "title")
_LANG_ORDER = {"nb": ("nb", "nn", "no", "", "en"), "en": ("en", "", "nb", "nn", "no")}
_DIGITS = re.compile(r"(\d+)")
#: The IRIs that become links as they are: every other scheme (javascript:, data:, …) is shown as text.
LINK_SCHEMES = ("http:", "https:", "mailto:")
#: Datatypes whose values read plainly (no tag on the pages).
_PLAIN_DATATYPES = {
    None,
    XSD + "string",
    RDF + "langString",
    XSD + "integer",
    XSD + "decimal",
    XSD + "gYear",
    XSD + "date",
    XSD + "boolean",
}


def natural_key(value: str) -> tuple[object, ...]:
    """Sort key that puts "3.2" before "3.14" and "K2020" before "K2025"."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in _DIGITS.split(value))


def site_path(rest: str) -> str | None:
    """``/`` + ``rest`` as a path of this site, or None where a browser would read it as another host.

    ``//host/x`` and ``/\\host/x`` are protocol-relative: they leave the site.
    """
    if rest.startswith(("/", "\\")):
        return None
    return "/" + rest


def linkable(iri: str) -> bool:
    """Whether ``iri`` may be an ``href`` as it is: http(s) and mailto only."""
    return iri[:7].lower().startswith(LINK_SCHEMES)


def value_of(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> str:
    """The lexical value of a term (a quoted triple's N-Triples form)."""
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else str(term)


def bind(query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """``query`` with a VALUES block binding ``bindings`` at the start of its (first) WHERE group.

    For the site's own queries: pyoxigraph's substitutions only bind projected variables. Terms are
    written in N-Triples form by pyoxigraph (which checks IRIs), so no value can change the query.
    """
    if not bindings:
        return query
    names = " ".join(f"?{k}" for k in bindings)
    values = " ".join(str(v) for v in bindings.values())
    head, sep, tail = query.partition("WHERE {")
    if not sep:
        raise ValueError("query has no WHERE group")
    return f"{head}WHERE {{ VALUES ({names}) {{ ({values}) }} {tail}"


@dataclass
class TermView:
    kind: str  # iri, bnode, literal
    text: str
    href: str | None = None  # None: shown as text, not a link
    curie: str | None = None
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    local: bool = False  # a page of this site
    lang_attr: str | None = None  # the text's language where it is not the page's: the element's lang attribute

    @property
    def sort_key(self) -> tuple[object, ...]:
        return natural_key(self.text)


@dataclass
class Incoming:
    subject: TermView
    context: list[TermView]
    sources: list[TermView]


@dataclass
class IncomingGroup:
    predicate: TermView
    items: list[Incoming]
    more: int = 0


@dataclass
class PropertyRow:
    predicate: TermView
    values: list[TermView]


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[list[TermView]]]
    more: int = 0


@dataclass
class Card:
    """A resource shown inside another's page (a tiltak's records), with its own properties and sources."""

    subject: TermView
    properties: list[PropertyRow]
    sources: list[TermView]


@dataclass
class ResourceView:
    iri: str
    title: str
    subtitle: str | None
    curie: str | None
    types: list[TermView]
    properties: list[PropertyRow]
    sources: list[TermView]
    sections: list[Section] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    cards_title: str = ""
    incoming: list[IncomingGroup] = field(default_factory=list)
    # set by :func:`.answers.enrich`: the facts first, the answer table, a source's particulars
    facts: Any = None
    answer: Any = None
    about: Any = None
    about_title: str = ""
    title_lang: str | None = None  # the title's language where it is not the page's
    subtitle_lang: str | None = None

    @property
    def empty(self) -> bool:
        return not self.properties and not self.incoming and not self.types


class Labeller:
    """Labels, prefixed names, links and source locations for IRIs.

    Look-ups are remembered in the context's bounded memos ``labels`` and ``subjects`` (the data never
    changes while the server runs; the IRIs shown come from requests, so the memos have bounds).
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.base = ctx.base
        self.k2 = ctx.prefixes["k2"]
        # longest namespace first, so that id/tiltak/ wins over id/
        self._prefixes = sorted(ctx.prefixes.items(), key=lambda kv: -len(kv[1]))
        self._labels = ctx.memos["labels"]
        self._subjects = ctx.memos["subjects"]

    @property
    def raw(self) -> Any:
        """The store served now (an accepted write replaces it): a pyoxigraph store, or the remote store's
        stand-in with the same ``query``/``quads_for_pattern`` (``serve --store``)."""
        return self.ctx.store.raw

    # -- names ---------------------------------------------------------------------------------------

    def curie(self, iri: str) -> str | None:
        for prefix, ns in self._prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns) :]
                if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", local) and not local.endswith("."):
                    return f"{prefix}:{local}"
        return None

    def is_subject(self, iri: str) -> bool:
        def build() -> bool:
            return next(iter(self.raw.quads_for_pattern(ox.NamedNode(iri), None, None)), None) is not None

        return self._subjects.get_or_build(iri, build)

    def href(self, iri: str) -> tuple[str | None, bool]:
        """The link for ``iri`` (None: no link), and whether it is a page of this site.

        Only pages of this site and http(s) or mailto IRIs are links: a ``javascript:`` IRI in a
        result is shown as text, never as something to click.
        """
        if iri.startswith(self.base):
            path = site_path(iri[len(self.base) :])
            if path is not None:
                return path, True
            return "/resource?iri=" + quote(iri, safe=""), True
        if self.is_subject(iri):
            return "/resource?iri=" + quote(iri, safe=""), True
        return (iri, False) if linkable(iri) else (None, False)

    def literals(self, iri: str, predicate: str) -> list[ox.Literal]:
        return [
            q.object
            for q in self.raw.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None)
            if isinstance(q.object, ox.Literal)
        ]

    def pick(self, literals: Iterable[ox.Literal], lang: str) -> ox.Literal | None:
        order = _LANG_ORDER.get(lang, _LANG_ORDER["nb"])
        ranked = sorted(
            literals, key=lambda lit: (order.index(lit.language or "") if (lit.language or "") in order else 99, lit.value)
        )
        return ranked[0] if ranked else None

    def label(self, iri: str, lang: str) -> str | None:
        def build() -> str | None:
            for predicate in LABEL_PREDICATES:
                best = self.pick(self.literals(iri, predicate), lang)
                if best is not None:
                    return best.value
            if iri in EXTERNAL_LABELS:
                return EXTERNAL_LABELS[iri].get(lang) or EXTERNAL_LABELS[iri]["en"]
            return self.composed_label(iri, lang) or self.location_text(iri, lang)

        return self._labels.get_or_build((iri, lang), build)

    def text_of(self, iri: str, predicate: str, lang: str) -> str | None:
        best = self.pick(self.literals(iri, predicate), lang)
        return best.value if best is not None else None

    def display(self, iri: str, lang: str) -> str:
        return self.label(iri, lang) or self.curie(iri) or iri

    def label_language(self, iri: str, lang: str) -> str | None:
        """The language tag of the label :meth:`label` shows for ``iri`` on a ``lang`` page (None: untagged)."""

        def build() -> str | None:
            for predicate in LABEL_PREDICATES:
                best = self.pick(self.literals(iri, predicate), lang)
                if best is not None:
                    return best.language or None
            return None

        return self._labels.get_or_build(("label-language", iri, lang), build)

    def foreign(self, tag: str | None, lang: str) -> str | None:
        """``tag`` when a text in that language stands on a ``lang`` page (it then needs a lang attribute)."""
        return tag if tag and tag.lower() != lang else None

    # -- terms ---------------------------------------------------------------------------------------

    def term(self, node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, lang: str) -> TermView:
        if isinstance(node, ox.NamedNode):
            href, local = self.href(node.value)
            foreign = self.foreign(self.label_language(node.value, lang), lang)
            shown_text = self.display(node.value, lang)
            return TermView("iri", shown_text, href, self.curie(node.value), node.value, local=local, lang_attr=foreign)
        if isinstance(node, ox.BlankNode):
            return TermView("bnode", f"_:{node.value}")
        if isinstance(node, ox.Literal):
            datatype = node.datatype.value if node.datatype else None
            shown = None if datatype in _PLAIN_DATATYPES else self.curie(datatype) or datatype
            value = node.value
            if datatype == XSD + "boolean":
                value = text("yes" if value in ("true", "1") else "no", lang)
            return TermView("literal", value, lang=node.language, datatype=shown, lang_attr=self.foreign(node.language, lang))
        return TermView("literal", str(node))

    def objects(self, iri: str, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]:
        return [q.object for q in self.raw.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None)]

    def composed_label(self, iri: str, lang: str) -> str | None:
        """A readable name for an unlabelled resource from what it states (:mod:`.composed`)."""
        return composed_label(self, iri, lang)

    def document_name(self, doc: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, lang: str) -> str:
        """A source document as citations name it: its short name, else its title."""
        if not isinstance(doc, ox.NamedNode):
            return "?"
        short = self.pick(self.literals(doc.value, DCT + "alternative"), lang)
        return short.value if short is not None else self.display(doc.value, lang)

    def location_text(self, iri: str, lang: str) -> str | None:
        """A source location as a citation: "Sluttrapport K2020, tabell 1, rad 3.14" for a row of a
        document's table of tiltak, else "Sluttrapport K2020, linje 5" (None if ``iri`` is no location)."""
        node = ox.NamedNode(iri)
        start = [value_of(q.object) for q in self.raw.quads_for_pattern(node, ox.NamedNode(self.k2 + "lineStart"), None)]
        if not start:
            return None
        docs = [q.object for q in self.raw.quads_for_pattern(node, ox.NamedNode(DCT + "isPartOf"), None)]
        end = [value_of(q.object) for q in self.raw.quads_for_pattern(node, ox.NamedNode(self.k2 + "lineEnd"), None)]
        name = self.document_name(docs[0], lang) if docs else "?"
        table = (
            self.pick(self.literals(docs[0].value, self.k2 + "tableName"), lang)
            if docs and isinstance(docs[0], ox.NamedNode)
            else None
        )
        if table is not None:
            record = ox.NamedNode(self.k2 + "TiltakRecord")
            numbers = sorted(
                {
                    value_of(n)
                    for q in self.raw.quads_for_pattern(None, ox.NamedNode(DCT_SOURCE), node)
                    if isinstance(q.subject, ox.NamedNode) and record in self.objects(q.subject.value, RDF_TYPE)
                    for t in self.objects(q.subject.value, self.k2 + "recordOf")
                    if isinstance(t, ox.NamedNode)
                    for n in self.objects(t.value, SKOS + "notation")
                },
                key=natural_key,
            )
            if numbers:
                return f"{name}, {table.value}, {text('row', lang)} {' / '.join(numbers)}"
        if end and end[0] != start[0]:
            return f"{name}, {text('lines', lang)} {start[0]}–{end[0]}"
        return f"{name}, {text('line', lang)} {start[0]}"

    def source(self, iri: str, lang: str) -> TermView:
        """A source location as a link reading "seed-001, lines 283–291"."""
        return self.term(ox.NamedNode(iri), lang)

    def sources_of(self, iri: str, lang: str) -> list[TermView]:
        node = ox.NamedNode(iri)
        out = [
            self.source(q.object.value, lang)
            for q in self.raw.quads_for_pattern(node, ox.NamedNode(DCT_SOURCE), None)
            if isinstance(q.object, ox.NamedNode)
        ]
        return sorted(out, key=lambda v: v.sort_key)


# -- resource pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Highlight:
    """A section of a resource page for resources of some classes: a query with ``?this`` bound."""

    key: str
    classes: tuple[str, ...]  # local names in k2: or prefixed names
    columns: tuple[str, ...]
    where: str
    covers: tuple[str, ...] = ()  # incoming predicates it shows, left out of "links here"
    order: str = ""


HIGHLIGHTS: tuple[Highlight, ...] = (
    Highlight(
        "sec_k2025",
        ("k2:Tiltak",),
        ("tiltak", "position", "source"),
        "?c k2:fromTiltak ?this ; k2:toTiltak ?tiltak . OPTIONAL { ?c k2:position ?position } OPTIONAL { ?c dct:source ?source }",
        ("k2:fromTiltak",),
        "ORDER BY ?position",
    ),
    Highlight(
        "sec_k2020",
        ("k2:Tiltak",),
        ("tiltak", "position", "source"),
        "?c k2:toTiltak ?this ; k2:fromTiltak ?tiltak . OPTIONAL { ?c k2:position ?position } OPTIONAL { ?c dct:source ?source }",
        ("k2:toTiltak",),
    ),
    Highlight(
        "sec_flows",
        ("k2:Tiltak",),
        ("flow", "grantor", "recipient", "amount", "year", "source"),
        "?flow a k2:FundingFlow ; k2:forTiltak ?this . "
        "OPTIONAL { ?flow k2:grantor ?grantor } OPTIONAL { ?flow k2:recipient ?recipient } "
        "OPTIONAL { ?flow k2:amount ?amount } OPTIONAL { ?flow k2:year ?year } OPTIONAL { ?flow dct:source ?source }",
        ("k2:forTiltak",),
    ),
    Highlight(
        "sec_figures",
        ("k2:Tiltak", "k2:GrantScheme", "k2:Plan"),
        ("figure", "quantity", "value", "unit", "year", "source"),
        "?figure k2:about ?this . OPTIONAL { ?figure k2:quantity ?quantity } OPTIONAL { ?figure k2:value ?value } "
        "OPTIONAL { ?figure k2:unit ?unit } OPTIONAL { ?figure k2:year ?year } OPTIONAL { ?figure dct:source ?source }",
        ("k2:about",),
    ),
    Highlight(
        "sec_responsible",
        ("org:FormalOrganization", "org:OrganizationalUnit", "k2:ActorGroup"),
        ("tiltak", "record", "source"),
        "?record k2:responsible ?this ; k2:recordOf ?tiltak . OPTIONAL { ?record dct:source ?source }",
        ("k2:responsible",),
    ),
    Highlight(
        "sec_grants_given",
        ("org:FormalOrganization", "org:OrganizationalUnit", "k2:ActorGroup"),
        ("flow", "recipient", "tiltak", "amount", "year", "source"),
        "?flow k2:grantor ?this . OPTIONAL { ?flow k2:recipient ?recipient } OPTIONAL { ?flow k2:forTiltak ?tiltak } "
        "OPTIONAL { ?flow k2:amount ?amount } OPTIONAL { ?flow k2:year ?year } OPTIONAL { ?flow dct:source ?source }",
        ("k2:grantor",),
    ),
    Highlight(
        "sec_grants_received",
        ("org:FormalOrganization", "org:OrganizationalUnit", "k2:ActorGroup"),
        ("flow", "grantor", "tiltak", "amount", "year", "source"),
        "?flow k2:recipient ?this . OPTIONAL { ?flow k2:grantor ?grantor } OPTIONAL { ?flow k2:forTiltak ?tiltak } "
        "OPTIONAL { ?flow k2:amount ?amount } OPTIONAL { ?flow k2:year ?year } OPTIONAL { ?flow dct:source ?source }",
        ("k2:recipient",),
    ),
    Highlight(
        "sec_units",
        ("org:FormalOrganization",),
        ("name",),
        "?name org:unitOf ?this .",
        ("org:unitOf",),
    ),
    Highlight(
        "sec_used_by",
        ("k2:GrantScheme",),
        ("tiltak", "record", "source"),
        "?record k2:usesScheme ?this ; k2:recordOf ?tiltak . OPTIONAL { ?record dct:source ?source }",
        ("k2:usesScheme",),
    ),
    Highlight(
        "sec_flows",
        ("k2:GrantScheme",),
        ("flow", "grantor", "recipient", "tiltak", "amount", "year", "source"),
        "?flow k2:viaScheme ?this . OPTIONAL { ?flow k2:grantor ?grantor } OPTIONAL { ?flow k2:recipient ?recipient } "
        "OPTIONAL { ?flow k2:forTiltak ?tiltak } OPTIONAL { ?flow k2:amount ?amount } OPTIONAL { ?flow k2:year ?year } "
        "OPTIONAL { ?flow dct:source ?source }",
        ("k2:viaScheme",),
    ),
    Highlight(
        "sec_overall_assessment",
        ("k2:Strategy",),
        ("assessment", "source"),
        "?record k2:recordOfStrategy ?this ; k2:overallAssessmentText ?assessment . OPTIONAL { ?record dct:source ?source }",
        ("k2:recordOfStrategy",),
    ),
    Highlight(
        "sec_tiltak",
        ("k2:Strategy",),
        ("tiltak",),
        "{ ?tiltak k2:strategy ?this } UNION { ?tiltak k2:inferredStrategy ?this }",
        ("k2:strategy", "k2:inferredStrategy"),
    ),
    Highlight(
        "sec_strategies",
        ("k2:Plan",),
        ("name",),
        "?name a k2:Strategy ; k2:inPlan ?this .",
    ),
    Highlight(
        "sec_tiltak",
        ("k2:Plan",),
        ("tiltak", "strategy"),
        "?tiltak a k2:Tiltak ; k2:inPlan ?this . OPTIONAL { ?tiltak k2:strategy|k2:inferredStrategy ?strategy }",
        ("k2:inPlan",),
    ),
)


def expand(ctx: Context, name: str) -> str:
    prefix, _, local = name.partition(":")
    return ctx.prefixes[prefix] + local


def _highlight(ctx: Context, labels: Labeller, h: Highlight, iri: str, lang: str) -> Section | None:
    variables = " ".join(f"?{c}" for c in h.columns)
    query = f"{ctx.sparql_prefixes()}SELECT DISTINCT {variables} WHERE {{ {h.where} }} {h.order}"
    result = ctx.store.raw.query(bind(query, {"this": ox.NamedNode(iri)}))
    assert isinstance(result, ox.QuerySolutions)
    limit = ctx.settings.page_limit
    rows: list[list[list[TermView]]] = []
    more = 0
    # group rows that differ only in their source (one row per fact, its sources together)
    grouped: dict[tuple[str, ...], list[list[TermView]]] = {}
    for solution in result:
        cells: list[list[TermView]] = []
        key: list[str] = []
        for column in h.columns:
            node = solution[column]
            if column == "source":
                cells.append([labels.source(node.value, lang)] if isinstance(node, ox.NamedNode) else [])
            else:
                cells.append([labels.term(node, lang)] if node is not None else [])
                key.append(str(node))
        k = tuple(key)
        if k in grouped and "source" in h.columns:
            target = grouped[k][h.columns.index("source")]
            target.extend(v for v in cells[h.columns.index("source")] if v.href not in {t.href for t in target})
            continue
        if len(rows) >= limit:
            more += 1
            continue
        grouped[k] = cells
        rows.append(cells)
    if not rows:
        return None
    if not h.order:
        rows.sort(key=lambda r: r[0][0].sort_key if r[0] else ())
    # a column that no row fills (flows without amounts, say) is left out, not shown empty
    keep = [i for i in range(len(h.columns)) if any(row[i] for row in rows)]
    rows = [[row[i] for i in keep] for row in rows]
    return Section(h.key, text(h.key, lang), [text("col_" + h.columns[i], lang) for i in keep], rows, more)


def _properties(labels: Labeller, iri: str, lang: str, skip: set[str]) -> list[PropertyRow]:
    grouped: dict[str, list[TermView]] = defaultdict(list)
    for q in labels.raw.quads_for_pattern(ox.NamedNode(iri), None, None):
        p = q.predicate.value
        if p in skip:
            continue
        if p == DCT_SOURCE and isinstance(q.object, ox.NamedNode):
            continue  # shown as sources
        view = labels.term(q.object, lang)
        if view not in grouped[p]:
            grouped[p].append(view)
    first = {RDF_TYPE: 0, RDFS + "label": 1, SKOS + "prefLabel": 2, SKOS + "notation": 3, DCT + "title": 4}
    rows = []
    for p, values in grouped.items():
        order = _LANG_ORDER.get(lang, _LANG_ORDER["nb"])
        values.sort(key=lambda v: (order.index(v.lang) if v.lang in order else 9, v.sort_key))
        rows.append(PropertyRow(labels.term(ox.NamedNode(p), lang), values))
    rows.sort(key=lambda r: (first.get(r.predicate.iri or "", 9), r.predicate.text.lower()))
    return rows


CONTEXT_PREDICATES = ("recordOf", "fromTiltak", "toTiltak", "forTiltak", "about")


def describe(ctx: Context, labels: Labeller, iri: str, lang: str) -> ResourceView:
    node = ox.NamedNode(iri)
    raw = ctx.store.raw
    types = sorted({value_of(q.object) for q in raw.quads_for_pattern(node, ox.NamedNode(RDF_TYPE), None)})
    view = ResourceView(
        iri=iri,
        title=labels.display(iri, lang),
        title_lang=labels.foreign(labels.label_language(iri, lang), lang),
        subtitle=None,
        curie=labels.curie(iri),
        types=[labels.term(ox.NamedNode(t), lang) for t in types],
        properties=_properties(labels, iri, lang, {RDF_TYPE}),
        sources=labels.sources_of(iri, lang),
    )
    type_names = {labels.curie(t) for t in types}
    covered: set[str] = set()
    for h in HIGHLIGHTS:
        if type_names.isdisjoint(h.classes):
            continue
        section = _highlight(ctx, labels, h, iri, lang)
        if section is not None:
            view.sections.append(section)
            covered.update(expand(ctx, c) for c in h.covers)
    # A tiltak's records: each with what it states and where.
    record_of = ox.NamedNode(ctx.prefixes["k2"] + "recordOf")
    records = sorted({value_of(q.subject) for q in raw.quads_for_pattern(None, record_of, node)}, key=natural_key)
    if records:
        covered.add(record_of.value)
        view.cards_title = text("sec_records", lang)
        titles = [t for r in records for t in labels.literals(r, DCT + "title")]
        best = labels.pick(titles, lang)
        view.subtitle = best.value if best is not None else None
        view.subtitle_lang = labels.foreign(best.language if best is not None else None, lang)
        for record in records[: ctx.settings.page_limit]:
            view.cards.append(
                Card(
                    labels.term(ox.NamedNode(record), lang),
                    _properties(labels, record, lang, {RDF_TYPE, record_of.value}),
                    labels.sources_of(record, lang),
                )
            )
    view.incoming = _incoming(ctx, labels, node, lang, covered)
    return view


def _incoming(ctx: Context, labels: Labeller, node: ox.NamedNode, lang: str, skip: set[str]) -> list[IncomingGroup]:
    limit = ctx.settings.page_limit
    groups: dict[str, IncomingGroup] = {}
    context_predicates = [ox.NamedNode(ctx.prefixes["k2"] + p) for p in CONTEXT_PREDICATES]
    for q in ctx.store.raw.quads_for_pattern(None, None, node):
        p = q.predicate.value
        if p in skip:
            continue
        group = groups.get(p)
        if group is None:
            group = groups[p] = IncomingGroup(labels.term(q.predicate, lang), [])
        if len(group.items) >= limit:
            group.more += 1
            continue
        subject = q.subject
        context: list[TermView] = []
        if isinstance(subject, ox.NamedNode):
            for cp in context_predicates:
                for cq in ctx.store.raw.quads_for_pattern(subject, cp, None):
                    if cq.object != node:
                        context.append(labels.term(cq.object, lang))
            sources = labels.sources_of(subject.value, lang)
        else:
            sources = []
        group.items.append(Incoming(labels.term(subject, lang), context, sources))
    out = list(groups.values())
    for group in out:
        group.items.sort(key=lambda i: i.subject.sort_key)
    out.sort(key=lambda g: g.predicate.text.lower())
    return out
