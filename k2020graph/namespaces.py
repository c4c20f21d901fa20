"""Every namespace of the project, declared once, and ``bind_prefixes`` to put them on a graph."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, XSD

#: The default base of every IRI the project mints. Data files are written against it; a
#: deployment may serve the same data under another base (see :func:`k2020graph.loading.rebase`).
DEFAULT_BASE = "https://w3id.org/k2020graph/"
#: The named graph an external store holds the knowledge graph in when none is given (:mod:`k2020graph.remote`).
DEFAULT_GRAPH = DEFAULT_BASE + "graph"

K2 = Namespace(DEFAULT_BASE + "def#")
K2SH = Namespace(DEFAULT_BASE + "shapes#")
ID = Namespace(DEFAULT_BASE + "id/")

PLAN = Namespace(ID + "plan/")
STRATEGY = Namespace(ID + "strategy/")
TILTAK = Namespace(ID + "tiltak/")
MEASURE = Namespace(ID + "measure/")
RECORD = Namespace(ID + "record/")
CONT = Namespace(ID + "continuation/")
ACTOR = Namespace(ID + "actor/")
SCHEME = Namespace(ID + "scheme/")
FLOW = Namespace(ID + "flow/")
FIGURE = Namespace(ID + "figure/")
SRC = Namespace(ID + "source/")
CONCEPT = Namespace(ID + "concept/")
EVENT = Namespace(ID + "event/")
CUBE = Namespace(ID + "cube/")

#: W3C RDF Data Cube and the SDMX components it reuses (statistics tables of seed 002).
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")

#: Prefix -> namespace, in the order they are bound and written.
PREFIXES: dict[str, Namespace] = {
    "k2": K2,
    "k2sh": K2SH,
    "plan": PLAN,
    "strategy": STRATEGY,
    "tiltak": TILTAK,
    "measure": MEASURE,
    "record": RECORD,
    "cont": CONT,
    "actor": ACTOR,
    "scheme": SCHEME,
    "flow": FLOW,
    "figure": FIGURE,
    "src": SRC,
    "concept": CONCEPT,
    "event": EVENT,
    "cube": CUBE,
    "dct": Namespace(str(DCTERMS)),
    "foaf": Namespace(str(FOAF)),
    "org": Namespace(str(ORG)),
    "owl": Namespace(str(OWL)),
    "prov": Namespace(str(PROV)),
    "qb": QB,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "schema": Namespace(str(SDO)),
    "sdmx-attribute": SDMX_ATTRIBUTE,
    "sdmx-measure": SDMX_MEASURE,
    "sh": Namespace(str(SH)),
    "skos": Namespace(str(SKOS)),
    "xsd": Namespace(str(XSD)),
}

#: The namespaces that the project owns; the closure rule checks every IRI in them.
OWN_NAMESPACES: tuple[str, ...] = (str(K2), str(ID))


def bind_prefixes(graph: Graph) -> Graph:
    """Bind every project prefix on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def sparql_prefixes() -> str:
    """The PREFIX lines for every project prefix, for queries built in code."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


# -- The vocabularies of the registers' profiles (k2020graph.profiles): bound on the profiles' exports only.

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATNO = Namespace("https://data.norge.no/vocabulary/dcatno#")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
CPSVNO = Namespace("https://data.norge.no/vocabulary/cpsvno#")
CV = Namespace("http://data.europa.eu/m8g/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
#: EU controlled vocabularies (publications.europa.eu authority tables) and Norwegian ones that DCAT-AP-NO names.
EU_DATA_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
IANA_MEDIA_TYPE = Namespace("https://www.iana.org/assignments/media-types/")
LOS_TEMA = Namespace("https://psi.norge.no/los/tema/")

PROFILE_PREFIXES: dict[str, Namespace] = {
    "adms": ADMS,
    "cpsv": CPSV,
    "cpsvno": CPSVNO,
    "cv": CV,
    "dcat": DCAT,
    "dcatno": DCATNO,
    "spdx": SPDX,
    "vcard": VCARD,
}
