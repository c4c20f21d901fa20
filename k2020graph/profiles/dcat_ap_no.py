"""The knowledge graph as a DCAT-AP-NO 2 catalogue: one ``dcat:Dataset``, its dumps, its SPARQL endpoint.

Where each value comes from:

- computed from the data: the identifiers, the distributions (one per dump format of
  :data:`k2020graph.exports.GRAPH_FORMATS`, with byte size and SHA-256 of the very bytes the dump
  serves), the temporal coverage (the earliest and latest year the data states), the languages (the
  language tags of its literals);
- from the catalogue metadata file (:data:`k2020graph.profiles.METADATA_FILE`): titles, descriptions,
  keywords, themes, spatial coverage and, where someone who knows them writes them there, publisher,
  contact point and licence;
- the rest is reported as a :class:`~k2020graph.profiles.Gap`, never guessed.

The catalogue's nodes live at its public address: ``{public_url}catalog`` is the catalogue,
``…catalog#dataset`` the dataset, ``…catalog#sparql`` the endpoint, ``…catalog#dump-ttl`` a dump.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS, XSD
from rdflib.term import Node

from ..exports import GRAPH_FORMATS, export_graph
from ..namespaces import DCAT, EU_FILE_TYPE, EU_LANGUAGE, IANA_MEDIA_TYPE, K2, SPDX, VCARD
from . import ProfileExport, ordered, profile_graph

#: exports format name -> (IANA media type, EU file type code, name of the format for people)
MEDIA: dict[str, tuple[str, str, str]] = {
    "turtle": ("text/turtle", "RDF_TURTLE", "Turtle"),
    "ntriples": ("application/n-triples", "RDF_N_TRIPLES", "N-Triples"),
    "jsonld": ("application/ld+json", "JSON_LD", "JSON-LD"),
    "rdfxml": ("application/rdf+xml", "RDF_XML", "RDF/XML"),
    "trig": ("application/trig", "RDF_TRIG", "TriG"),
}
assert set(MEDIA) == set(GRAPH_FORMATS)

#: language tag of the data -> EU language authority code (the vocabulary DCAT-AP-NO names for dct:language)
LANGUAGES = {"nb": "NOB", "nn": "NNO", "en": "ENG", "no": "NOR"}

SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
#: The EU authority tables whose concepts the shapes check by ``skos:inScheme`` (their RDF is not fetched:
#: the export states the membership of each concept it uses, as the tables themselves do).
EU_SCHEMES = ("data-theme", "file-type", "language", "licence", "country", "access-right", "frequency")
_YEAR_PROPERTIES = (K2.startYear, K2.endYear, K2.year, K2.start, K2.end)


@dataclass(frozen=True)
class DumpFigures:
    """A dump's byte size and SHA-1, where the catalogue is made without the dump's bytes (a streamed pass)."""

    size: int
    sha1: str


@dataclass(frozen=True)
class DataFacts:
    """What the catalogue reads from the data, where it is asked of a store instead of an rdflib graph."""

    languages: list[str]  # EU language codes, as :func:`languages` gives them
    span: tuple[int, int] | None  # as :func:`years` gives it


def catalog_iri(public_url: str) -> str:
    """The catalogue's IRI: its address on the server, ``{public_url}catalog``."""
    return public_url + "catalog"


def dump_bytes(graph: Graph) -> dict[str, bytes]:
    """Every dump of ``graph``, by format name: the bytes ``/dump.{suffix}`` serves and ``export`` writes."""
    return {fmt: export_graph(graph, fmt) for fmt in GRAPH_FORMATS}


def years(data: Graph) -> tuple[int, int] | None:
    """The earliest and the latest year (``xsd:gYear``) that the data states, or None if it states none."""
    found = [
        int(str(o)[:4])
        for p in _YEAR_PROPERTIES
        for o in data.objects(None, p)
        if isinstance(o, Literal) and o.datatype == XSD.gYear and str(o)[:4].isdigit()
    ]
    return (min(found), max(found)) if found else None


def languages(data: Graph) -> list[str]:
    """The EU language codes of the language tags the data's literals carry."""
    tags = {o.language.split("-")[0].lower() for o in data.objects() if isinstance(o, Literal) and o.language}
    return sorted(LANGUAGES[t] for t in tags if t in LANGUAGES)


def dcat_ap_no(
    data: Graph | DataFacts, dumps: Mapping[str, bytes | DumpFigures], metadata: Graph, public_url: str
) -> ProfileExport:
    """The DCAT-AP-NO catalogue of ``data``.

    ``data`` is the data graph, or what a store-side query found in it (:class:`DataFacts`). ``dumps`` are
    the dump bytes by format name (:func:`dump_bytes`), or their figures (:class:`DumpFigures`) where the
    dumps are streamed and never held whole. ``metadata`` the catalogue
    metadata file parsed with :func:`catalog_iri` as its base, ``public_url`` the server's address.
    """
    out = ProfileExport(profile_graph())
    g = out.graph
    catalog = URIRef(catalog_iri(public_url))
    dataset = URIRef(catalog + "#dataset")
    service = URIRef(catalog + "#sparql")
    for triple in metadata:
        g.add(triple)
    licences = ordered(g.objects(dataset, DCTERMS.license))
    for lic in licences:  # DCAT-AP-NO puts the licence on the distributions
        g.remove((dataset, DCTERMS.license, lic))

    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.identifier, Literal(str(catalog))))
    g.add((catalog, FOAF.homepage, URIRef(public_url)))
    g.add((catalog, DCAT.dataset, dataset))
    g.add((catalog, DCAT.service, service))

    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
    g.add((dataset, DCAT.landingPage, URIRef(public_url)))
    for code in data.languages if isinstance(data, DataFacts) else languages(data):
        g.add((dataset, DCTERMS.language, EU_LANGUAGE[code]))
    span = data.span if isinstance(data, DataFacts) else years(data)
    if span is None:
        out.gap(dataset, DCTERMS.temporal, "dataene oppgir ingen årstall", "the data states no year", mandatory=False)
    else:
        period = URIRef(catalog + "#temporal")
        g.add((dataset, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        # DCAT-AP-NO takes dates only: the first day of the first year, the last day of the last
        g.add((period, DCAT.startDate, Literal(f"{span[0]:04d}-01-01", datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(f"{span[1]:04d}-12-31", datatype=XSD.date)))

    for fmt, (_, suffix) in GRAPH_FORMATS.items():
        if fmt not in dumps:
            continue
        media, file_type, name = MEDIA[fmt]
        body = dumps[fmt]
        dist = URIRef(f"{catalog}#dump-{suffix}")
        url = URIRef(f"{public_url}dump.{suffix}")
        g.add((dataset, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"Hele grafen som {name}", lang="nb")))
        g.add((dist, DCTERMS.title, Literal(f"The whole graph as {name}", lang="en")))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, IANA_MEDIA_TYPE[media]))
        g.add((dist, DCTERMS.format, EU_FILE_TYPE[file_type]))
        figures = body if isinstance(body, DumpFigures) else DumpFigures(len(body), hashlib.sha1(body).hexdigest())
        g.add((dist, DCAT.byteSize, Literal(str(figures.size), datatype=XSD.decimal)))
        # DCAT-AP-NO 2's Checksum shape takes SHA-1 and nothing else (as DCAT-AP 2 does), and one checksum
        # per distribution; the dumps' SHA-256 is in their Repr-Digest header (RFC 9530) instead.
        checksum = URIRef(f"{dist}-sha1")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha1))
        g.add((checksum, SPDX.checksumValue, Literal(figures.sha1, datatype=XSD.hexBinary)))
        for lic in licences:
            g.add((dist, DCTERMS.license, lic))

    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.identifier, Literal(str(service))))
    g.add((service, DCAT.endpointURL, URIRef(public_url + "sparql")))
    g.add((service, DCAT.endpointDescription, URIRef(public_url + "sparql")))  # GET without a query: the service description
    g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((SPARQL_PROTOCOL, DCTERMS.title, Literal("SPARQL 1.1 Protocol", lang="en")))
    _schemes(g)
    g.add((service, DCAT.servesDataset, dataset))

    _report_gaps(out, catalog, dataset, service, licences)
    return out


def _schemes(g: Graph) -> None:
    """State the scheme of every EU authority concept the catalogue uses (the shapes check ``skos:inScheme``)."""
    used = {o for o in g.objects() if isinstance(o, URIRef) and str(o).startswith(EU_AUTHORITY)}
    for concept in sorted(used):
        table = str(concept)[len(EU_AUTHORITY) :].split("/", 1)
        if len(table) == 2 and table[0] in EU_SCHEMES and table[1]:
            g.add((concept, RDF.type, SKOS.Concept))
            g.add((concept, SKOS.inScheme, URIRef(EU_AUTHORITY + table[0])))


def _report_gaps(out: ProfileExport, catalog: URIRef, dataset: URIRef, service: URIRef, licences: list[Node]) -> None:
    g = out.graph
    for node, prop, what_nb, what_en in (
        (catalog, DCTERMS.title, "katalogens tittel", "the catalogue's title"),
        (catalog, DCTERMS.description, "katalogens beskrivelse", "the catalogue's description"),
        (dataset, DCTERMS.title, "datasettets tittel", "the dataset's title"),
        (dataset, DCTERMS.description, "datasettets beskrivelse", "the dataset's description"),
        (dataset, DCAT.theme, "datasettets tema", "the dataset's theme"),
        (service, DCTERMS.title, "endepunktets tittel", "the endpoint's title"),
    ):
        if g.value(node, prop) is None:
            out.gap(node, prop, f"{what_nb} står ikke i katalogmetadatafilen", f"{what_en} is not in the catalogue metadata file")
    for node in (catalog, dataset):
        if g.value(node, DCTERMS.publisher) is None:
            out.gap(
                node,
                DCTERMS.publisher,
                "ingen kilde oppgir hvem som utgir datasettet; skriv det i katalogmetadatafilen",
                "no source states who publishes the dataset; write it in the catalogue metadata file",
            )
    if g.value(dataset, DCAT.contactPoint) is None:
        out.gap(
            dataset,
            DCAT.contactPoint,
            "ingen kilde oppgir et kontaktpunkt for datasettet",
            "no source states a contact point for the dataset",
            mandatory=False,
        )
    else:
        for contact in g.objects(dataset, DCAT.contactPoint):
            if not (set(g.objects(contact, RDF.type)) & {VCARD.Organization, VCARD.Group}):
                out.gap(contact, RDF.type, "kontaktpunktet er ikke en vcard:Organization", "the contact is no vcard:Organization")
    if not licences:
        out.gap(
            dataset,
            DCTERMS.license,
            "ingen kilde oppgir lisensen for dataene (ontologiens CC BY 4.0 gjelder ontologien)",
            "no source states the data's licence (the ontology's CC BY 4.0 covers the ontology)",
            mandatory=False,
        )
