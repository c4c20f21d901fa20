"""Content negotiation: the formats the server writes, ``Accept`` with q-values, and the ``format`` parameter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    aliases: tuple[str, ...] = ()  # other names and media types that select this format
    results: ox.QueryResultsFormat | None = None  # for SELECT/ASK results
    rdf: ox.RdfFormat | None = None  # for graphs
    w3c: str | None = None  # the W3C format IRI (for the service description)

    @property
    def content_type(self) -> str:
        text = self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml"))
        return f"{self.media_type}; charset=utf-8" if text else self.media_type

    def names(self) -> tuple[str, ...]:
        return (self.name, self.media_type, self.extension, *self.aliases)


_W3C = "http://www.w3.org/ns/formats/"

JSON = Format(
    "json",
    "application/sparql-results+json",
    "srj",
    ("application/json",),
    ox.QueryResultsFormat.JSON,
    w3c=_W3C + "SPARQL_Results_JSON",
)
XML = Format(
    "xml",
    "application/sparql-results+xml",
    "srx",
    ("application/xml", "text/xml"),
    ox.QueryResultsFormat.XML,
    w3c=_W3C + "SPARQL_Results_XML",
)
CSV = Format("csv", "text/csv", "csv", (), ox.QueryResultsFormat.CSV, w3c=_W3C + "SPARQL_Results_CSV")
TSV = Format("tsv", "text/tab-separated-values", "tsv", (), ox.QueryResultsFormat.TSV, w3c=_W3C + "SPARQL_Results_TSV")
TURTLE = Format("turtle", "text/turtle", "ttl", ("application/x-turtle",), rdf=ox.RdfFormat.TURTLE, w3c=_W3C + "Turtle")
NTRIPLES = Format("ntriples", "application/n-triples", "nt", ("text/plain",), rdf=ox.RdfFormat.N_TRIPLES, w3c=_W3C + "N-Triples")
JSONLD = Format(
    "jsonld", "application/ld+json", "jsonld", ("json-ld", "application/json"), rdf=ox.RdfFormat.JSON_LD, w3c=_W3C + "JSON-LD"
)
RDFXML = Format("rdfxml", "application/rdf+xml", "rdf", ("xml-rdf", "owl"), rdf=ox.RdfFormat.RDF_XML, w3c=_W3C + "RDF_XML")
HTML = Format("html", "text/html", "html", ("application/xhtml+xml",))

#: In order of the server's preference: the first is the default.
RESULT_FORMATS: tuple[Format, ...] = (JSON, XML, CSV, TSV)
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML)
PAGE_FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)


@dataclass(frozen=True)
class Range:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 2 exact, 1 ``type/*``, 0 ``*/*``, -1 not at all."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str) -> list[Range]:
    ranges: list[Range] = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if media == "*":
            media = "*/*"
        main, slash, sub = media.partition("/")
        if not slash or not main or not sub:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(Range(main, sub, q, order))
    return ranges


def negotiate(accept: str | None, offers: Sequence[Format]) -> Format | None:
    """The offer the client prefers; the first offer without an ``Accept``; ``None`` when nothing fits.

    For each offered media type (and its aliases) the most specific matching range gives its q; the
    highest q wins; ties go to the offer matched exactly, then by its main media type rather than an
    alias, then to the client's order, then to the server's. A format whose media type the client
    refuses outright (``q=0``) is never chosen.
    """
    if not accept or not accept.strip():
        return offers[0] if offers else None
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0] if offers else None
    best: tuple[float, int, int, int, int] | None = None
    chosen: Format | None = None
    for rank, offer in enumerate(offers):
        media_types = (offer.media_type, *(a for a in offer.aliases if "/" in a))
        candidates = []
        refused = False
        for primary, media in enumerate(media_types):
            matched = [(spec, r) for r in ranges if (spec := r.matches(media)) >= 0]
            if not matched:
                continue
            spec, rng = max(matched, key=lambda m: (m[0], -m[1].order))
            if rng.q <= 0:
                refused = refused or spec == 2  # the client said no to this very type
                continue
            candidates.append((rng.q, spec, int(primary == 0), -rng.order, -rank))
        if refused or not candidates:
            continue
        key = max(candidates)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def by_name(name: str, offers: Sequence[Format]) -> Format | None:
    """The offer that ``name`` (a short name, an extension or a media type) selects."""
    wanted = name.strip().lower()
    for offer in offers:
        if wanted in offer.names():
            return offer
    return None


def choose(fmt: str | None, accept: str | None, offers: Sequence[Format]) -> Format | None:
    """The ``format`` parameter when given, else ``Accept``."""
    if fmt:
        return by_name(fmt, offers)
    return negotiate(accept, offers)


def listing(offers: Sequence[Format]) -> str:
    return ", ".join(f"{f.name} ({f.media_type})" for f in offers)
