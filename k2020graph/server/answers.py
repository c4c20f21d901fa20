"""Answers for people who don't write SPARQL: a resource page's facts first, and one-click answer tables.

* :func:`fact_sheet`: a tiltak's or a measure's direct facts (the derived layer, ``rules/``) in reading
  order, each with the citations of its :class:`k2:DirectStatement` trace, and where the records of
  different sources state different values, what each source says.
* :func:`answer_table`: "which tiltak did this unit own (this strategy hold, this scheme fund, this
  K2025 tiltak take over), and what became of them in K2025": one row per K2020 number, cross-listed
  twins marked, with counts that add up.
* :func:`document_sheet` and :func:`location_sheet`: what a person needs to check a source.

Like :mod:`.views`, nothing here writes HTML or changes the store; every query is small and bounded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from .context import Context
from .texts import text
from .views import DCT, FOAF, ORG, RDF_TYPE, Labeller, ResourceView, TermView, bind, natural_key, value_of

PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@dataclass
class Fact:
    key: str
    label: str
    values: list[TermView]
    citations: list[TermView] = field(default_factory=list)
    note: str | None = None
    note_links: list[TermView] = field(default_factory=list)
    lang: str | None = None  # the language of a text value, where it is not the page's


@dataclass
class SourceSays:
    citation: TermView
    values: list[TermView]


@dataclass
class Disagreement:
    label: str
    sources: list[SourceSays]


@dataclass
class FactSheet:
    facts: list[Fact]
    disagreements: list[Disagreement] = field(default_factory=list)


@dataclass
class AnswerRow:
    tiltak: TermView
    number: str
    name: str
    responsible: list[TermView]
    status: str
    period: str
    continued: str
    continued_key: str  # yes, no, twin, none
    k2025: list[TermView]
    twin: TermView | None = None  # the number under which the source answers, for a twin
    name_lang: str | None = None  # the name's language where it is not the page's (its lang attribute)


@dataclass
class AnswerTable:
    title: str
    rows: list[AnswerRow]
    counts: dict[str, int]
    measures: int
    summary: str
    show_responsible: bool = False


# -- the direct facts ------------------------------------------------------------------------------------

#: (text key, direct properties) in reading order; "period" is composed of two.
FACT_ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fact_name", ("name",)),
    ("fact_responsible", ("responsibleActor",)),
    ("fact_period", ("startedText", "endedText")),
    ("fact_status", ("tiltakStatus",)),
    ("fact_continued", ("continuationStatus",)),
    ("fact_continues_as", ("continuesAs",)),
    ("fact_schemes", ("grantScheme",)),
    ("fact_type", ("typeOfTiltak",)),
    ("fact_grant_from", ("grantFrom",)),
    ("fact_grant_to", ("grantTo",)),
    ("fact_goal", ("aim",)),
    ("fact_web", ("webPage",)),
)

#: The record property each direct property is derived from (``rules/*.rq``, their ``#+ from:``).
RECORD_PROPERTY = {
    "name": DCT + "title",
    "responsibleActor": "k2:responsible",
    "startedText": "k2:start",
    "endedText": "k2:end",
    "tiltakStatus": "k2:status",
    "continuationStatus": "k2:continuedInK2025",
    "grantScheme": "k2:usesScheme",
    "typeOfTiltak": "k2:tiltakType",
    "aim": "k2:goal",
    "webPage": FOAF + "page",
}

#: The statement property of a composed fact: the start rule's statements are about k2:started.
STATEMENT_PROPERTY = {"startedText": "started", "endedText": "ended"}


def is_k2020_tiltak_or_measure(ctx: Context, iri: str) -> bool:
    k2 = ctx.prefixes["k2"]
    node = ox.NamedNode(iri)
    kinds = {value_of(q.object) for q in ctx.store.raw.quads_for_pattern(node, ox.NamedNode(RDF_TYPE), None)}
    return bool(kinds & {k2 + "Tiltak", k2 + "Measure"}) and _has_direct(ctx, node)


def _has_direct(ctx: Context, node: ox.NamedNode) -> bool:
    k2 = ctx.prefixes["k2"]
    return any(True for _ in ctx.store.raw.quads_for_pattern(node, ox.NamedNode(k2 + "continuationStatus"), None)) or any(
        True for _ in ctx.store.raw.quads_for_pattern(node, ox.NamedNode(k2 + "name"), None)
    )


def _objects(ctx: Context, iri: str, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]:
    return [q.object for q in ctx.store.raw.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None)]


def _citations(ctx: Context, labels: Labeller, subject: str, prop: str, lang: str) -> tuple[list[TermView], dict[str, int]]:
    """The source locations of the direct statements of ``subject``'s ``prop``, and the values' positions."""
    query = (
        "SELECT ?loc ?value ?pos WHERE { ?s k2:statementSubject ?this ; k2:statementProperty ?p ; "
        "k2:statementValue ?value . OPTIONAL { ?s dct:source ?loc } OPTIONAL { ?s k2:position ?pos } }"
    )
    result = ctx.store.raw.query(
        ctx.sparql_prefixes() + bind(query, {"this": ox.NamedNode(subject), "p": ox.NamedNode(ctx.prefixes["k2"] + prop)})
    )
    locations: list[str] = []
    positions: dict[str, int] = {}
    for row in result:  # type: ignore[union-attr]
        loc = row["loc"]
        if isinstance(loc, ox.NamedNode) and loc.value not in locations:
            locations.append(loc.value)
        if row["pos"] is not None:
            positions[str(row["value"])] = int(row["pos"].value)
    views = [labels.source(loc, lang) for loc in locations]
    return sorted(views, key=lambda v: v.sort_key), positions


def _pick_texts(labels: Labeller, values: list[ox.Literal], lang: str) -> list[ox.Literal]:
    best = labels.pick(values, lang)
    return [best] if best is not None else []


def fact_sheet(ctx: Context, labels: Labeller, iri: str, lang: str) -> FactSheet:
    """The direct facts of a tiltak or measure, each with its citations; and the sources' disagreements."""
    k2 = ctx.prefixes["k2"]
    facts: list[Fact] = []
    for key, props in FACT_ORDER:
        if key == "fact_period":
            start = [o for o in _objects(ctx, iri, k2 + "startedText") if isinstance(o, ox.Literal)]
            end = [o for o in _objects(ctx, iri, k2 + "endedText") if isinstance(o, ox.Literal)]
            if not start and not end:
                continue
            s = start[0].value if start else "?"
            shown = f"{s}–{end[0].value}" if end else text("period_open", lang, start=s)
            cites: list[TermView] = []
            for prop in ("started", "ended"):
                more, _ = _citations(ctx, labels, iri, prop, lang)
                cites += [c for c in more if c.href not in {x.href for x in cites}]
            facts.append(Fact(key, text(key, lang), [TermView("literal", shown)], cites))
            continue
        prop = props[0]
        objects = _objects(ctx, iri, k2 + prop)
        if not objects:
            continue
        cites, positions = _citations(ctx, labels, iri, STATEMENT_PROPERTY.get(prop, prop), lang)
        literals = [o for o in objects if isinstance(o, ox.Literal)]
        value_lang = None
        if literals and all(lit.language for lit in literals):
            literals = _pick_texts(labels, literals, lang)
            value_lang = literals[0].language if literals and literals[0].language not in (lang, None) else None
        nodes = [o for o in objects if isinstance(o, ox.NamedNode)]
        if prop == "continuesAs":
            nodes.sort(key=lambda n: (positions.get(str(n), 999), natural_key(n.value)))
        else:
            nodes.sort(key=lambda n: natural_key(labels.display(n.value, lang)))
        views = [labels.term(n, lang) for n in nodes] + [labels.term(lit, lang) for lit in literals]
        fact = Fact(key, text(key, lang), views, cites, lang=value_lang)
        if prop == "continuationStatus":
            _twin_note(ctx, labels, iri, objects, fact, lang)
        facts.append(fact)
    for key, predicates in (
        ("fact_strategy", (k2 + "strategy", k2 + "inferredStrategy")),
        ("fact_twin", (k2 + "crossListedWith",)),
    ):
        nodes = [o for p in predicates for o in _objects(ctx, iri, p) if isinstance(o, ox.NamedNode)]
        if nodes:
            facts.append(
                Fact(key, text(key, lang), [labels.term(n, lang) for n in sorted(nodes, key=lambda n: natural_key(n.value))])
            )
    numbers = _measure_numbers(ctx, iri)
    if numbers:
        facts.append(Fact("fact_numbers", text("fact_numbers", lang), [labels.term(ox.NamedNode(n), lang) for n in numbers]))
    return FactSheet(facts, disagreements(ctx, labels, iri, lang))


def _measure_numbers(ctx: Context, iri: str) -> list[str]:
    """A measure's K2020 numbers (none for a tiltak)."""
    measure = ox.NamedNode(ctx.prefixes["k2"] + "measure")
    return sorted(
        {value_of(q.subject) for q in ctx.store.raw.quads_for_pattern(None, measure, ox.NamedNode(iri))}, key=natural_key
    )


def _twin_note(ctx: Context, labels: Labeller, iri: str, objects: list, fact: Fact, lang: str) -> None:  # type: ignore[type-arg]
    """A number whose own cell is blank: say what the source answers under its twin number."""
    not_stated = ctx.base + "id/concept/continuation-not-stated"
    if [str(o) for o in objects] != [f"<{not_stated}>"]:
        return
    k2 = ctx.prefixes["k2"]
    for measure in _objects(ctx, iri, k2 + "measure"):
        if not isinstance(measure, ox.NamedNode):
            continue
        answers = [o for o in _objects(ctx, measure.value, k2 + "continuationStatus") if isinstance(o, ox.NamedNode)]
        if not answers or answers[0].value == not_stated:
            continue
        for twin in _measure_numbers(ctx, measure.value):
            if twin != iri and any(str(a) == str(answers[0]) for a in _objects(ctx, twin, k2 + "continuationStatus")):
                twin_view = labels.term(ox.NamedNode(twin), lang)
                fact.note = text("twin_answer", lang, twin=twin_view.text, answer=labels.display(answers[0].value, lang))
                fact.note_links = [twin_view] + [
                    labels.term(k, lang) for k in _objects(ctx, twin, k2 + "continuesAs") if isinstance(k, ox.NamedNode)
                ]
                return


def disagreements(ctx: Context, labels: Labeller, iri: str, lang: str) -> list[Disagreement]:
    """Where records of different sources state different values of one fact: each source's values.

    Titles are compared only within one language (a nynorsk and a bokmål title are two wordings,
    not a disagreement). For a measure the records of all its numbers count.
    """
    k2 = ctx.prefixes["k2"]
    numbers = _measure_numbers(ctx, iri) or [iri]
    out: list[Disagreement] = []
    for key, props in FACT_ORDER:
        for prop in props:
            record_property = RECORD_PROPERTY.get(prop)
            if record_property is None:
                continue
            predicate = k2 + record_property[3:] if record_property.startswith("k2:") else record_property
            query = (
                "SELECT ?record ?loc ?value WHERE { ?record k2:recordOf ?t ; ?p ?value ; dct:source ?loc . "
                "VALUES ?t { " + " ".join(f"<{n}>" for n in numbers) + " } }"
            )
            result = ctx.store.raw.query(ctx.sparql_prefixes() + bind(query, {"p": ox.NamedNode(predicate)}))
            by_location: dict[str, list[ox.NamedNode | ox.Literal]] = defaultdict(list)
            for row in result:  # type: ignore[union-attr]
                by_location[row["loc"].value].append(row["value"])
            if len(by_location) < 2:
                continue
            if prop == "name":
                by_lang: dict[str | None, set[frozenset[str]]] = defaultdict(set)
                for values in by_location.values():
                    for v in values:
                        by_lang[getattr(v, "language", None)].add(frozenset({v.value}))
                if all(len(sets) < 2 for sets in by_lang.values()):
                    continue
            elif len({frozenset(v.value for v in values) for values in by_location.values()}) < 2:
                continue
            says = [
                SourceSays(labels.source(loc, lang), [labels.term(v, lang) for v in sorted(values, key=lambda v: v.value)])
                for loc, values in by_location.items()
            ]
            says.sort(key=lambda s: s.citation.sort_key)
            label = (
                text(key, lang)
                if len(props) == 1
                else text(key, lang) + (" (start)" if prop.startswith("start") else " (slutt)" if lang == "nb" else " (end)")
            )
            out.append(Disagreement(label, says))
    return out


# -- answer tables ---------------------------------------------------------------------------------------

#: For each kind of page: the title key, and the pattern that binds ``?t`` (K2020 tiltak) for ``?this``.
ANSWERS: dict[str, tuple[str, str]] = {
    "actor": ("ans_owned", "{ ?t k2:responsibleActor ?this } UNION { ?t k2:responsibleActor/org:unitOf ?this }"),
    "strategy": ("ans_strategy", "?t k2:strategy ?this ."),
    "scheme": ("ans_scheme", "{ ?t k2:grantScheme ?this } UNION { ?record k2:recordOf ?t ; k2:usesScheme ?this }"),
    "k2025": ("ans_k2025", "{ ?t k2:continuesAs ?this } UNION { ?t k2:measure/k2:continuesAs ?this }"),
}


def plural(key: str, n: int) -> str:
    """The text key for ``n`` of something: ``key + "_one"`` for one, else ``key``."""
    return key + "_one" if n == 1 else key


def answer_kind(ctx: Context, iri: str) -> str | None:
    """Which answer table a resource's page opens with, if any."""
    k2 = ctx.prefixes["k2"]
    kinds = {value_of(q.object) for q in ctx.store.raw.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), None)}
    if kinds & {ORG + "FormalOrganization", ORG + "OrganizationalUnit", ORG + "Organization", k2 + "ActorGroup"}:
        return "actor"
    if k2 + "Strategy" in kinds:
        return "strategy"
    if k2 + "GrantScheme" in kinds:
        return "scheme"
    to_tiltak = ox.NamedNode(k2 + "toTiltak")
    if k2 + "Tiltak" in kinds and any(True for _ in ctx.store.raw.quads_for_pattern(None, to_tiltak, ox.NamedNode(iri))):
        return "k2025"  # a tiltak that K2020 tiltak continue as
    return None


@dataclass
class _Found:
    number: str
    measure: str | None = None
    names: list[ox.Literal] = field(default_factory=list)
    status: set[str] = field(default_factory=set)
    start: set[str] = field(default_factory=set)
    end: set[str] = field(default_factory=set)
    continued: set[str] = field(default_factory=set)
    k2025: dict[str, int] = field(default_factory=dict)
    responsible: set[str] = field(default_factory=set)


#: One query for every row of an answer table: the direct facts of each K2020 tiltak that ``?t`` binds.
_ROWS = """SELECT ?t ?nr ?m ?name ?status ?start ?end ?cont ?k ?pos ?resp WHERE {
  %s
  ?t a k2:Tiltak ; skos:notation ?nr .
  OPTIONAL { ?t k2:measure ?m }
  OPTIONAL { ?t k2:name ?name }
  OPTIONAL { ?t k2:tiltakStatus ?status }
  OPTIONAL { ?t k2:startedText ?start }
  OPTIONAL { ?t k2:endedText ?end }
  OPTIONAL { ?t k2:continuationStatus ?cont }
  OPTIONAL { ?t k2:responsibleActor ?resp }
  OPTIONAL { ?t k2:continuesAs ?k .
    OPTIONAL { ?st k2:statementSubject ?t ; k2:statementProperty k2:continuesAs ; k2:statementValue ?k ; k2:position ?pos } }
}"""


def answer_table(ctx: Context, labels: Labeller, iri: str, lang: str, kind: str) -> AnswerTable | None:
    title_key, where = ANSWERS[kind]
    result = ctx.store.raw.query(ctx.sparql_prefixes() + bind(_ROWS % where, {"this": ox.NamedNode(iri)}))
    found: dict[str, _Found] = {}
    for row in result:  # type: ignore[union-attr]
        f = found.setdefault(row["t"].value, _Found(row["nr"].value))
        values = {name: row[name] for name in ("m", "name", "status", "start", "end", "cont", "k", "pos", "resp")}
        if isinstance(values["m"], ox.NamedNode):
            f.measure = values["m"].value
        if isinstance(values["name"], ox.Literal) and values["name"] not in f.names:
            f.names.append(values["name"])
        for attr, name in (
            ("status", "status"),
            ("start", "start"),
            ("end", "end"),
            ("continued", "cont"),
            ("responsible", "resp"),
        ):
            if values[name] is not None:
                getattr(f, attr).add(values[name].value)
        if values["k"] is not None:
            position = int(values["pos"].value) if values["pos"] is not None else 999
            f.k2025[values["k"].value] = min(position, f.k2025.get(values["k"].value, 999))
    if not found:
        return None
    k2 = ctx.prefixes["k2"]
    concept = ctx.base + "id/concept/continuation-"
    rows: list[AnswerRow] = []
    for t, f in sorted(found.items(), key=lambda kv: natural_key(kv[1].number)):
        best = labels.pick(f.names, lang)
        period = f"{min(f.start) if f.start else '?'}–{min(f.end) if f.end else ''}" if f.start or f.end else ""
        own = sorted(f.continued)
        key = {concept + "yes": "yes", concept + "no": "no"}.get(own[0] if own else "", "none")
        continued = labels.display(own[0], lang) if own else text("not_stated", lang)
        k2025_views = [labels.term(ox.NamedNode(k), lang) for k in sorted(f.k2025, key=lambda k: (f.k2025[k], natural_key(k)))]
        twin_view = None
        if key == "none" and f.measure is not None:
            for twin in _measure_numbers(ctx, f.measure):
                twin_answer = [o.value for o in _objects(ctx, twin, k2 + "continuationStatus") if isinstance(o, ox.NamedNode)]
                if twin != t and twin_answer and twin_answer[0] in (concept + "yes", concept + "no"):
                    twin_view = labels.term(ox.NamedNode(twin), lang)
                    twin_view.text = ", ".join(value_of(n) for n in _objects(ctx, twin, SKOS + "notation")) or twin_view.text
                    key = "twin"
                    continued = f"{labels.display(twin_answer[0], lang)} ({text('twin_via', lang, twin=twin_view.text)})"
                    if not k2025_views:
                        k2025_views = [
                            labels.term(o, lang) for o in _objects(ctx, twin, k2 + "continuesAs") if isinstance(o, ox.NamedNode)
                        ]
                    break
        rows.append(
            AnswerRow(
                tiltak=labels.term(ox.NamedNode(t), lang),
                number=f.number,
                name=best.value if best is not None else "",
                name_lang=labels.foreign(best.language, lang) if best is not None else None,
                responsible=sorted((labels.term(ox.NamedNode(r), lang) for r in f.responsible), key=lambda v: v.sort_key),
                status=", ".join(sorted(labels.display(v, lang) for v in f.status)),
                period=period,
                continued=continued,
                continued_key=key,
                k2025=k2025_views,
                twin=twin_view,
            )
        )
    counts = {k: sum(1 for r in rows if r.continued_key == k) for k in ("yes", "no", "twin", "none")}
    measures = len({found[r.tiltak.iri or ""].measure or r.tiltak.iri for r in rows})
    summary = text(plural("ans_summary", len(rows)), lang, total=len(rows), yes=counts["yes"], no=counts["no"])
    if counts["twin"]:
        summary += text(plural("ans_twins", counts["twin"]), lang, n=counts["twin"])
    if counts["none"]:
        summary += text("ans_other", lang, n=counts["none"])
    summary += "."
    if measures != len(rows):
        summary += " " + text(plural("ans_measures", measures), lang, n=measures)
    name = labels.display(iri, lang)
    title = text(title_key, lang, name=name)
    show_responsible = kind != "actor" or any(
        len(r.responsible) > 1 or (r.responsible and r.responsible[0].iri != iri) for r in rows
    )
    return AnswerTable(title, rows, counts, measures, summary, show_responsible)


# -- sources --------------------------------------------------------------------------------------------


def document_sheet(ctx: Context, labels: Labeller, iri: str, lang: str) -> list[Fact] | None:
    """Title, short name, date, publisher, public address and language of a source document."""
    k2 = ctx.prefixes["k2"]
    kinds = {value_of(o) for o in _objects(ctx, iri, RDF_TYPE)}
    if k2 + "SourceDocument" not in kinds:
        return None
    silent = {value_of(o) for o in _objects(ctx, iri, k2 + "silentOn")}
    facts: list[Fact] = []

    def texts_of(predicate: str) -> list[TermView]:
        lits = [o for o in _objects(ctx, iri, predicate) if isinstance(o, ox.Literal)]
        return [labels.term(lit, lang) for lit in _pick_texts(labels, lits, lang)]

    def nodes_of(predicate: str) -> list[TermView]:
        return [labels.term(o, lang) for o in _objects(ctx, iri, predicate) if isinstance(o, ox.NamedNode | ox.Literal)]

    own = [labels.source(value_of(o), lang) for o in _objects(ctx, iri, DCT + "source") if isinstance(o, ox.NamedNode)]
    own.sort(key=lambda v: v.sort_key)
    facts.append(Fact("doc_title", text("doc_title", lang), texts_of(DCT + "title"), own))
    short = texts_of(DCT + "alternative")
    if short:
        facts.append(Fact("doc_short", text("doc_short", lang), short))
    issued = nodes_of(DCT + "issued")
    modified = nodes_of(DCT + "modified")  # a document that gives only the date of its last change
    if issued:
        facts.append(Fact("doc_date", text("doc_date", lang), issued))
    if modified:
        facts.append(Fact("doc_date" if not issued else "doc_modified", text("doc_modified", lang), modified))
    elif not issued and DCT + "issued" in silent:
        facts.append(Fact("doc_date", text("doc_date", lang), [TermView("literal", text("doc_no_date", lang))]))
    covers = nodes_of(DCT + "temporal")
    if covers:
        facts.append(Fact("doc_covers", text("doc_covers", lang), covers))
    publisher = nodes_of(DCT + "publisher")
    facts.append(Fact("doc_publisher", text("doc_publisher", lang), publisher or [TermView("literal", text("not_stated", lang))]))
    address = nodes_of(FOAF + "page")
    facts.append(Fact("doc_address", text("doc_address", lang), address or [TermView("literal", text("doc_no_address", lang))]))
    languages = [labels.display(value_of(o), lang).rsplit("/", 1)[-1] for o in _objects(ctx, iri, DCT + "language")]
    if languages:
        facts.append(Fact("doc_language", text("doc_language", lang), [TermView("literal", ", ".join(sorted(languages)))]))
    return facts


def location_sheet(ctx: Context, labels: Labeller, iri: str, lang: str) -> list[Fact] | None:
    """The document, the lines and the quoted text of a source location."""
    k2 = ctx.prefixes["k2"]
    kinds = {value_of(o) for o in _objects(ctx, iri, RDF_TYPE)}
    if k2 + "SourceLocation" not in kinds:
        return None
    facts: list[Fact] = []
    docs = [o for o in _objects(ctx, iri, DCT + "isPartOf") if isinstance(o, ox.NamedNode)]
    if docs:
        facts.append(Fact("loc_document", text("loc_document", lang), [labels.term(d, lang) for d in docs]))
    start = [value_of(o) for o in _objects(ctx, iri, k2 + "lineStart")]
    end = [value_of(o) for o in _objects(ctx, iri, k2 + "lineEnd")]
    if start:
        shown = start[0] if not end or end[0] == start[0] else f"{start[0]}–{end[0]}"
        facts.append(Fact("loc_lines", text("loc_lines", lang), [TermView("literal", shown)]))
    quotes = [o for o in _objects(ctx, iri, k2 + "quote") if isinstance(o, ox.Literal)]
    for quote in quotes:
        facts.append(Fact("loc_quote", text("loc_quote", lang), [TermView("literal", quote.value)], lang=quote.language))
    return facts


#: What a funding flow's and a figure's page states first: (class, properties in reading order).
THING_FACTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("FundingFlow", ("grantor", "recipient", "forTiltak", "viaScheme", "amount", "year", "quote")),
    ("Figure", ("about", "quantity", "value", "unit", "year", "quote")),
)


def thing_sheet(ctx: Context, labels: Labeller, iri: str, lang: str) -> list[Fact] | None:
    """A funding flow's or a figure's statements, named by the ontology's labels, cited by its sources."""
    k2 = ctx.prefixes["k2"]
    kinds = {value_of(o) for o in _objects(ctx, iri, RDF_TYPE)}
    for cls, props in THING_FACTS:
        if k2 + cls not in kinds:
            continue
        cites = sorted(
            (labels.source(value_of(o), lang) for o in _objects(ctx, iri, DCT + "source") if isinstance(o, ox.NamedNode)),
            key=lambda v: v.sort_key,
        )
        facts = []
        for prop in props:
            objects = [o for o in _objects(ctx, iri, k2 + prop) if isinstance(o, ox.NamedNode | ox.Literal)]
            if not objects:
                continue
            label = labels.display(k2 + prop, lang)
            views = [labels.term(o, lang) for o in objects]
            quote_lang = next((o.language for o in objects if isinstance(o, ox.Literal) and o.language), None)
            facts.append(Fact(prop, label[:1].upper() + label[1:], views, lang=quote_lang if quote_lang != lang else None))
        if facts:
            facts[-1].citations = cites
        return facts
    return None


# -- the page ---------------------------------------------------------------------------------------------

#: Sections of :data:`.views.HIGHLIGHTS` that an answer table replaces, by kind of answer.
REPLACED = {"actor": {"sec_responsible"}, "scheme": {"sec_used_by"}, "k2025": {"sec_k2020"}, "strategy": {"sec_tiltak"}}


def enrich(ctx: Context, labels: Labeller, view: ResourceView, lang: str) -> ResourceView:
    """Put the facts first on ``view``: a tiltak's facts, an answer table, a source's particulars."""
    iri = view.iri
    if is_k2020_tiltak_or_measure(ctx, iri):
        view.facts = fact_sheet(ctx, labels, iri, lang)
    kind = answer_kind(ctx, iri)
    if kind is not None:
        view.answer = answer_table(ctx, labels, iri, lang, kind)
        if view.answer is not None:
            view.sections = [s for s in view.sections if s.key not in REPLACED[kind]]
    doc = document_sheet(ctx, labels, iri, lang)
    if doc is not None:
        view.about, view.about_title = doc, text("doc_facts", lang)
    thing = thing_sheet(ctx, labels, iri, lang)
    if thing is not None:
        view.about, view.about_title = thing, text("facts", lang)
    loc = location_sheet(ctx, labels, iri, lang)
    if loc is not None:
        view.about, view.about_title = loc, text("loc_facts", lang)
    return view
