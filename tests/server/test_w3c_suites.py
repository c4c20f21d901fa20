"""The W3C SPARQL 1.1 test suites, read from their manifests: Protocol, Service Description, JSON and CSV/TSV results.

The suites live beside the checkout (``../shared/w3c-rdf-tests/sparql/sparql11/``, the same copy in CI); they
are read, never copied. Each manifest entry becomes one test:

- **protocol/**: every ``ht:Request`` of an entry is sent as written (method, path under ``/sparql/``, headers,
  body in its declared encoding) to the application over a store holding the entries' ``ut:graphData`` as
  named graphs; the answer must have the expected status class, and for ``mf:expectedFormat`` a media type of
  that family (``boolean``: SPARQL JSON/XML results; ``tabular``: JSON, XML, CSV, TSV; ``RDF``: RDF/XML,
  Turtle, N-Triples, RDFa) whose boolean is ``mf:expectedBoolean``. The endpoint is read-only, so an update
  request that the manifest expects to succeed must instead be refused with 403 and a message in both
  languages, the queries that follow it must see the store unchanged (their ASK is false: what they look for
  is what the update would have written), and the store must hold what it held before.
- **json-res/**, **csv-tsv-res/**: the entry's data in a store of its own, its query sent by POST with the
  result format asked for by ``Accept``, the answer compared with the expected file by content (see
  :func:`same_term` and :func:`compare_rows` for the rules).
- **service-description/**: the three conformance criteria of SPARQL 1.1 Service Description, section 4,
  checked on ``GET /sparql`` of a real server process.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from k2020graph.server import Settings, create_app
from k2020graph.store import OxigraphStore

REPO = Path(__file__).resolve().parents[2]
SUITES = REPO.parent / "shared" / "w3c-rdf-tests" / "sparql" / "sparql11"
MISSING = f"the W3C test suites are not beside the checkout ({SUITES})"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
XSD = "http://www.w3.org/2001/XMLSchema#"
SRX = "{http://www.w3.org/2005/sparql-results#}"

#: The media types of each ``mf:expectedFormat`` (the protocol manifest's test names list them).
FORMAT_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {"application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "text/plain", "application/xhtml+xml"},
}
#: The read-only refusal of an update, as the endpoint words it (texts.py ``err_update``).
READ_ONLY = ("read-only", "skrivebeskyttet")


def manifest(suite: str) -> Graph | None:
    path = SUITES / suite / "manifest.ttl"
    if not path.is_file():
        return None
    return Graph().parse(path, format="turtle", publicID=path.as_uri())


def entries(graph: Graph) -> list[Node]:
    root = next(graph.subjects(RDF.type, MF.Manifest))
    head = graph.value(root, MF.entries)
    assert head is not None
    return list(Collection(graph, head))  # type: ignore[arg-type]


def local_name(node: Node) -> str:
    return str(node).rsplit("#", 1)[-1]


def file_of(node: Node | None) -> Path:
    assert isinstance(node, URIRef) and str(node).startswith("file://"), node
    return Path(str(node)[len("file://") :])


def missing_suite() -> list[Any]:
    return [pytest.param(None, id="suite-missing", marks=pytest.mark.skip(reason=MISSING))]


# ---- the protocol suite --------------------------------------------------------------------------------


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  # expected status classes: 2, 3, 4, 5
    expected_format: str | None
    expected_boolean: bool | None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def is_update(self) -> bool:
        """An update operation (SPARQL 1.1 Protocol 2.2): by direct POST, by form, or a using-graph parameter."""
        form = self.body.decode("utf-8", "replace") if self.body is not None and self.content_type.endswith("urlencoded") else ""
        params = self.path.partition("?")[2] + "&" + form
        names = {p.split("=", 1)[0] for p in params.split("&")}
        return self.content_type == "application/sparql-update" or bool(
            names & {"update", "using-graph-uri", "using-named-graph-uri"}
        )


@dataclass
class ProtocolCase:
    name: str
    title: str
    requests: list[HttpRequest]
    graphs: dict[str, Path] = field(default_factory=dict)  # graph name -> data file

    def is_update(self) -> bool:
        """The manifest names its update tests ``update_*`` and ``bad_update_*`` (its requests do not always show it)."""
        return "update" in self.name


def _status_class(node: Node) -> int:
    m = re.fullmatch(r".*StatusCode(\d)xx", str(node))
    assert m, f"unknown status {node}"
    return int(m.group(1))


def _request(g: Graph, node: Node) -> HttpRequest:
    headers: dict[str, str] = {}
    header_list = g.value(node, HT.headers)
    if header_list is not None:
        for h in Collection(g, header_list):  # type: ignore[arg-type]
            headers[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
    body = None
    content = g.value(node, HT.body)
    if content is not None:
        encoding = str(g.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(content, CNT.chars)).encode(encoding)
    resp = g.value(node, HT.resp)
    boolean = g.value(resp, MF.expectedBoolean)
    fmt = g.value(resp, MF.expectedFormat)
    return HttpRequest(
        method=str(g.value(node, HT.methodName)),
        path=str(g.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        statuses={_status_class(s) for s in g.objects(resp, MF.expectedStatus)},
        expected_format=str(fmt) if fmt is not None else None,
        expected_boolean=boolean.toPython() if isinstance(boolean, Literal) else None,
    )


def protocol_cases() -> list[ProtocolCase]:
    g = manifest("protocol")
    if g is None:
        return []
    cases = []
    for entry in entries(g):
        action = g.value(entry, MF.action)
        request_list = g.value(action, HT.requests)
        requests = [_request(g, r) for r in Collection(g, request_list)]  # type: ignore[arg-type]
        graphs = {str(g.value(d, RDFS.label)): file_of(g.value(d, UT.graph)) for d in g.objects(entry, UT.graphData)}
        cases.append(ProtocolCase(local_name(entry), str(g.value(entry, MF.name)), requests, graphs))
    return cases


PROTOCOL = protocol_cases()


def protocol_params(updates: bool) -> list[Any]:
    if not SUITES.is_dir():
        return missing_suite()
    return [pytest.param(c, id=c.name) for c in PROTOCOL if c.is_update() == updates]


@pytest.fixture(scope="module")
def protocol_client() -> Iterator[TestClient]:
    """One application over every graph the protocol entries need, each in its named graph, at www.example."""
    quads: list[ox.Quad] = []
    seen: set[str] = set()
    for case in PROTOCOL:
        for name, path in case.graphs.items():
            if name not in seen:
                seen.add(name)
                quads += [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name)) for t in ox.parse(path=str(path))]
    app = create_app(OxigraphStore(quads), Settings(timeout=10, workers=1, max_workers=2, cache_mb=0))
    with TestClient(app, base_url="http://www.example") as c:
        yield c


def _boolean(response: httpx.Response) -> bool:
    ctype = response.headers["content-type"].split(";")[0]
    if ctype == "application/sparql-results+json":
        value = json.loads(response.content)["boolean"]
        assert isinstance(value, bool)
        return value
    found = ET.fromstring(response.content).find(f"{SRX}boolean")
    assert found is not None and found.text in ("true", "false"), response.text
    return found.text == "true"


def send(client: TestClient, request: HttpRequest) -> httpx.Response:
    return client.request(request.method, request.path, headers=request.headers, content=request.body, follow_redirects=True)


def check_answer(response: httpx.Response, request: HttpRequest, boolean: bool | None) -> None:
    where = f"{request.method} {request.path}: {response.status_code} {response.text[:300]}"
    assert response.status_code // 100 in request.statuses, where
    if request.expected_format is not None:
        ctype = response.headers["content-type"].split(";")[0].strip()
        assert ctype in FORMAT_TYPES[request.expected_format], where
    if boolean is not None:
        assert _boolean(response) is boolean, where


def dataset_state(client: TestClient) -> list[tuple[str, int]]:
    """Every graph of the store with its size, read through the endpoint."""
    r = client.get(
        "/sparql",
        params={"query": "SELECT ?g (COUNT(*) AS ?n) { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?g ORDER BY ?g"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    return [(row.get("g", {}).get("value", ""), int(row["n"]["value"])) for row in rows]


@pytest.mark.parametrize("case", protocol_params(updates=False))
def test_protocol_query(protocol_client: TestClient, case: ProtocolCase) -> None:
    for request in case.requests:
        check_answer(send(protocol_client, request), request, request.expected_boolean)


@pytest.mark.parametrize("case", protocol_params(updates=True))
def test_protocol_update_on_a_read_only_endpoint(protocol_client: TestClient, case: ProtocolCase) -> None:
    before = dataset_state(protocol_client)
    assert before, "the store holds the suite's graphs"
    first, *rest = case.requests
    response = send(protocol_client, first)
    if 2 in first.statuses:  # a well-formed update: a read-only service refuses it, saying why
        assert response.status_code == 403, response.text
        for word in READ_ONLY:
            assert word in response.text
    else:  # a malformed update request: an error for any service
        assert response.status_code // 100 in first.statuses, response.text
    for request in rest:  # what the update would have written is not there
        assert not request.is_update()
        check_answer(send(protocol_client, request), request, False if request.expected_boolean else None)
    assert dataset_state(protocol_client) == before


# ---- the result-format suites ----------------------------------------------------------------------------


@dataclass
class ResultCase:
    name: str
    query: Path
    data: Path
    result: Path

    @property
    def kind(self) -> str:
        return {".srj": "json", ".csv": "csv", ".tsv": "tsv"}[self.result.suffix]


MEDIA = {"json": "application/sparql-results+json", "csv": "text/csv", "tsv": "text/tab-separated-values"}


def result_cases(suite: str) -> list[ResultCase]:
    g = manifest(suite)
    if g is None:
        return []
    out = []
    for entry in entries(g):
        action = g.value(entry, MF.action)
        out.append(
            ResultCase(
                f"{suite}/{local_name(entry)}",
                file_of(g.value(action, QT.query)),
                file_of(g.value(action, QT.data)),
                file_of(g.value(entry, MF.result)),
            )
        )
    return out


RESULTS = result_cases("json-res") + result_cases("csv-tsv-res")


def result_params() -> list[Any]:
    if not SUITES.is_dir():
        return missing_suite()
    return [pytest.param(c, id=c.name) for c in RESULTS]


@pytest.fixture(scope="module")
def data_clients() -> Iterator[dict[Path, TestClient]]:
    """One application per data file of the result-format suites, started when first needed."""
    clients: dict[Path, TestClient] = {}
    opened: list[TestClient] = []

    class Clients(dict):  # type: ignore[type-arg]
        def __missing__(self, data: Path) -> TestClient:
            store = OxigraphStore(ox.parse(path=str(data), base_iri=data.as_uri()))
            client = TestClient(create_app(store, Settings(timeout=10, workers=1, max_workers=1, cache_mb=0)))
            client.__enter__()
            opened.append(client)
            self[data] = client
            return client

    clients = Clients()
    try:
        yield clients
    finally:
        for client in opened:
            client.__exit__(None, None, None)


# A term: ("uri", iri) | ("bnode", label) | ("literal", lexical, datatype, lang); None for unbound.
Term = tuple[str, ...]
NUMERIC = {
    "decimal": {
        XSD + t
        for t in (
            "decimal integer nonPositiveInteger negativeInteger long int short byte nonNegativeInteger "
            "unsignedLong unsignedInt unsignedShort unsignedByte positiveInteger"
        ).split()
    },
    "float": {XSD + "float"},
    "double": {XSD + "double"},
}


def _numeric_family(datatype: str) -> str | None:
    return next((family for family, types in NUMERIC.items() if datatype in types), None)


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def same_term(expected: Term, actual: Term, bnodes: dict[str, str]) -> bool:
    """RDF term equality, with two allowances the suites need.

    Blank nodes match when their labels correspond one to one (``bnodes`` keeps the pairing). Numeric
    literals match by value within one XSD value space (the decimal family with the integer types derived
    from it; float; double): the store keeps a literal's value, so ``"1.0E6"^^xsd:double`` comes back as
    ``"1000000"^^xsd:double`` and ``"-3"^^xsd:negativeInteger`` as ``-3`` (xsd:integer), which the suite's
    own expected files already write differently from its data (``1.0e6``).
    """
    if expected[0] == "bnode" and actual[0] == "bnode":
        if expected[1] in bnodes:
            return bnodes[expected[1]] == actual[1]
        if actual[1] in bnodes.values():
            return False
        bnodes[expected[1]] = actual[1]
        return True
    if expected == actual:
        return True
    if expected[0] == actual[0] == "literal" and not expected[3] and not actual[3]:
        family = _numeric_family(expected[2])
        if family is not None and family == _numeric_family(actual[2]):
            a, b = _number(expected[1]), _number(actual[1])
            return a is not None and a == b
    return False


def compare_rows(
    expected_vars: list[str], expected: list[dict[str, Term]], actual_vars: list[str], actual: list[dict[str, Term]]
) -> None:
    """The same variables (in any order: ``SELECT *`` leaves it open) and the same rows in the same order.

    Every query of these suites has an ORDER BY that fixes the order of its rows.
    """
    assert sorted(actual_vars) == sorted(expected_vars)
    assert len(actual) == len(expected), f"{len(actual)} rows, expected {len(expected)}"
    bnodes: dict[str, str] = {}
    for number, (want, got) in enumerate(zip(expected, actual, strict=True), start=1):
        for var in expected_vars:
            w, g = want.get(var), got.get(var)
            assert (w is None) == (g is None), f"row {number}, ?{var}: expected {w}, got {g}"
            if w is not None and g is not None:
                assert same_term(w, g, bnodes), f"row {number}, ?{var}: expected {w}, got {g}"


def _json_term(value: dict[str, str]) -> Term:
    kind = value["type"]
    if kind == "uri":
        return ("uri", value["value"])
    if kind == "bnode":
        return ("bnode", value["value"])
    assert kind in ("literal", "typed-literal"), value
    lang = value.get("xml:lang", "")
    datatype = value.get("datatype", "" if lang else XSD + "string")  # RDF 1.1: a simple literal is an xsd:string
    return ("literal", value["value"], datatype, lang.lower())


def parse_json(body: bytes) -> tuple[list[str], list[dict[str, Term]] | bool]:
    doc = json.loads(body)
    if "boolean" in doc:
        return [], bool(doc["boolean"])
    rows = [{var: _json_term(v) for var, v in b.items()} for b in doc["results"]["bindings"]]
    return list(doc["head"]["vars"]), rows


_TSV_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?')
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _tsv_term(cell: str) -> Term | None:
    """One TSV cell (SPARQL 1.1 Query Results TSV, section 3): a term in SPARQL syntax, empty when unbound."""
    if cell == "":
        return None
    if cell.startswith("<") and cell.endswith(">"):
        return ("uri", cell[1:-1])
    if cell.startswith("_:"):
        return ("bnode", cell[2:])
    m = _TSV_STRING.fullmatch(cell)
    if m:
        lexical = re.sub(r"\\(.)", lambda e: _ESCAPES.get(e.group(1), e.group(0)), m.group(1))
        lang = (m.group(2) or "").lower()
        return ("literal", lexical, m.group(3) or ("" if lang else XSD + "string"), lang)
    if cell in ("true", "false"):
        return ("literal", cell, XSD + "boolean", "")
    if re.fullmatch(r"[+-]?[0-9]+", cell):
        return ("literal", cell, XSD + "integer", "")
    if re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", cell):
        return ("literal", cell, XSD + "decimal", "")
    if re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+", cell):
        return ("literal", cell, XSD + "double", "")
    raise AssertionError(f"not a TSV term: {cell!r}")


def parse_tsv(body: bytes) -> tuple[list[str], list[dict[str, Term]]]:
    lines = body.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = lines[0].split("\t")
    assert all(h.startswith("?") for h in header), header
    names = [h[1:] for h in header]
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == len(names), line
        rows.append({n: t for n, c in zip(names, cells, strict=True) if (t := _tsv_term(c)) is not None})
    return names, rows


def parse_csv(body: bytes) -> tuple[list[str], list[dict[str, Term]]]:
    """CSV keeps only strings (section 2): a cell is an IRI, a blank node ``_:label`` or a literal's lexical form.

    Cells are compared as literals without a datatype, except that blank nodes pair up by label and
    numbers match by value (``1.0E6`` and ``1000000``), the CSV form of :func:`same_term`'s rules.
    """
    rows_text = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    names, rows = rows_text[0], []
    for cells in rows_text[1:]:
        row: dict[str, Term] = {}
        for name, cell in zip(names, cells, strict=True):
            if cell == "":
                continue
            if cell.startswith("_:"):
                row[name] = ("bnode", cell[2:])
            elif _number(cell) is not None:
                row[name] = ("literal", str(_number(cell)), XSD + "decimal", "")
            else:
                row[name] = ("literal", cell, "", "")
        rows.append(row)
    return names, rows


PARSERS = {"json": parse_json, "tsv": parse_tsv, "csv": parse_csv}


@pytest.mark.parametrize("case", result_params())
def test_result_format(data_clients: dict[Path, TestClient], case: ResultCase) -> None:
    client = data_clients[case.data]
    r = client.post(
        "/sparql",
        content=case.query.read_bytes(),
        headers={"Content-Type": "application/sparql-query", "Accept": MEDIA[case.kind]},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == MEDIA[case.kind]
    want_vars, want = PARSERS[case.kind](case.result.read_bytes())  # type: ignore[operator]
    got_vars, got = PARSERS[case.kind](r.content)  # type: ignore[operator]
    if isinstance(want, bool):
        assert got == want
        return
    assert isinstance(got, list)
    compare_rows(want_vars, want, got_vars, got)


# ---- the service description suite ------------------------------------------------------------------------

#: The terms of the Service Description vocabulary (SPARQL 1.1 Service Description, section 3).
SD_CLASSES = {"Service", "Language", "Function", "Aggregate", "EntailmentRegime", "EntailmentProfile"}
SD_CLASSES |= {"GraphCollection", "Dataset", "Graph", "NamedGraph", "Feature"}
SD_INSTANCES = {"SPARQL10Query", "SPARQL11Query", "SPARQL11Update"}
SD_INSTANCES |= {"DereferencesURIs", "UnionDefaultGraph", "RequiresDataset", "EmptyGraphs", "BasicFederatedQuery"}
SD_SERVICE_PROPERTIES = {
    "endpoint",
    "feature",
    "defaultEntailmentRegime",
    "defaultSupportedEntailmentProfile",
    "extensionFunction",
    "extensionAggregate",
    "languageExtension",
    "supportedLanguage",
    "propertyFeature",
    "defaultDataset",
    "availableGraphs",
    "resultFormat",
    "inputFormat",
}
SD_PROPERTIES = SD_SERVICE_PROPERTIES | {"entailmentRegime", "supportedEntailmentProfile", "namedGraph", "defaultGraph"}
SD_PROPERTIES |= {"name", "graph"}
RDF_MEDIA = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


def sd_params() -> list[Any]:
    g = manifest("service-description")
    if g is None:
        return missing_suite()
    return [pytest.param(local_name(e), id=local_name(e)) for e in entries(g)]


@pytest.fixture(scope="module")
def description(server: Any) -> tuple[str, list[tuple[str, httpx.Response]]]:
    """``GET /sparql`` of a real server: without Accept (as a plain fetch) and asking for each RDF syntax."""
    endpoint = server.url + "/sparql"
    answers = [("(no Accept)", httpx.get(endpoint, headers={"Accept": ""}, timeout=30))]
    answers += [(m, httpx.get(endpoint, headers={"Accept": m}, timeout=30)) for m in RDF_MEDIA]
    return endpoint, answers


def _described(response: httpx.Response) -> Graph:
    ctype = response.headers["content-type"].split(";")[0].strip()
    assert ctype in RDF_MEDIA, f"not RDF: {ctype}"
    return Graph().parse(data=response.content, format=RDF_MEDIA[ctype])


@pytest.mark.parametrize("check", sd_params())
def test_service_description(description: tuple[str, list[tuple[str, httpx.Response]]], check: str) -> None:
    endpoint, answers = description
    for accept, response in answers:
        assert response.status_code == 200, f"{accept}: {response.status_code} {response.text[:200]}"
        g = _described(response)
        if check == "returns-rdf":
            assert len(g) > 0, accept
        elif check == "has-endpoint-triple":  # ?service sd:endpoint <the URL that was fetched>
            assert (None, SD.endpoint, URIRef(endpoint)) in g, accept
        elif check == "conforms-to-schema":
            check_sd_schema(g)
        else:
            raise AssertionError(f"a service-description test this file does not know: {check}")


def check_sd_schema(g: Graph) -> None:
    """The description uses the vocabulary as section 3 defines it: known terms, typed by domain and range."""
    sd = str(SD)
    for s, p, o in g:
        if str(p).startswith(sd):
            assert str(p)[len(sd) :] in SD_PROPERTIES, f"unknown property {p}"
        for term in (s, o):
            if isinstance(term, URIRef) and str(term).startswith(sd):
                assert str(term)[len(sd) :] in SD_CLASSES | SD_INSTANCES, f"unknown term {term}"
    for ng in g.subjects(RDF.type, SD.NamedGraph):  # every named graph has a name
        assert g.value(ng, SD.name) is not None, f"sd:NamedGraph {ng} without sd:name"
    services = set(g.subjects(RDF.type, SD.Service))
    assert services, "no sd:Service"
    for name in SD_SERVICE_PROPERTIES:
        for s in g.subjects(SD[name], None):
            assert s in services, f"{s} has sd:{name} but is not an sd:Service"
    for s in services:
        assert isinstance(g.value(s, SD.endpoint), URIRef), f"{s}: sd:endpoint must be an IRI"
        languages = set(g.objects(s, SD.supportedLanguage))
        assert languages and languages <= {SD[n] for n in SD_INSTANCES}, languages
        assert all(isinstance(f, URIRef) for f in g.objects(s, SD.resultFormat))
    for dataset in g.objects(None, SD.defaultDataset):
        assert (dataset, RDF.type, SD.Dataset) in g
        assert g.value(dataset, SD.defaultGraph) is not None or g.value(dataset, SD.namedGraph) is not None
    for graph in g.objects(None, SD.defaultGraph):
        assert (graph, RDF.type, SD.Graph) in g
    for named in g.objects(None, SD.namedGraph):
        assert (named, RDF.type, SD.NamedGraph) in g


# ---- the suites are there and were read -------------------------------------------------------------------


def test_every_suite_yields_tests() -> None:
    if not SUITES.is_dir():
        pytest.skip(MISSING)
    counts = {
        "protocol queries": len(protocol_params(updates=False)),
        "protocol updates": len(protocol_params(updates=True)),
        "results": len(RESULTS),
        "service description": len(sd_params()),
    }
    assert all(n > 0 for n in counts.values()), counts
    assert counts["protocol queries"] + counts["protocol updates"] == len(entries(manifest("protocol")))  # type: ignore[arg-type]
