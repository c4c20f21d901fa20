"""External SPARQL 1.1 stores: publishing the graph into one, and asking it the canned queries.

:func:`publish` replaces one named graph of the store with the knowledge graph in a single Graph Store
Protocol request (``PUT``), then counts the triples of that graph with SPARQL to check that all arrived.
:class:`RemoteStore` is the :class:`~k2020graph.store.Store` over such a store: queries go through
SPARQLWrapper, restricted to the published graph (``default-graph-uri``), and the answers are brought
to the form the embedded store gives (:func:`normalise`), whatever the store's quirks.

Nothing here changes anything local, and no message ever holds the password.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .errors import K2020Error
from .namespaces import DEFAULT_GRAPH
from .store import AskResult, GraphResult, Result, SelectResult, _values_block, sparqlwrapper_for

XSD = "http://www.w3.org/2001/XMLSchema#"
#: Integer types some stores answer for what the SPARQL engine computes as xsd:integer (COUNT, SUM).
_INTEGER_ALIASES = {XSD + t for t in ("int", "long", "short", "byte")}


class RemoteError(K2020Error):
    """The store could not be reached, refused the request or answered something unexpected (exit 2)."""

    def __init__(self, message: str, status: int | None = None, timed_out: bool = False) -> None:
        super().__init__(message)
        self.status = status  # the store's HTTP status, if it answered
        self.timed_out = timed_out  # it did not answer within the timeout


class CountMismatch(K2020Error):
    """The store took the data but holds another number of triples in the graph afterwards (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class Remote:
    """Where and how to reach a store. ``gsp`` None: derived from ``endpoint`` (:meth:`gsp_url`)."""

    endpoint: str
    graph: str | None = DEFAULT_GRAPH
    gsp: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    timeout: float = 60.0

    def __post_init__(self) -> None:
        for name, url in (("--endpoint", self.endpoint), ("--gsp", self.gsp)):
            if url is None:
                continue
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise RemoteError(f"{name}: {url!r} is not an http(s) URL / er ikke en http(s)-adresse")
            if "@" in parts.netloc:
                raise RemoteError(
                    f"{name}: give the user name and password with --user and --password, not in the URL / "
                    "oppgi brukernavn og passord med --user og --password, ikke i adressen"
                )

    def gsp_url(self) -> str:
        """The Graph Store Protocol address: ``gsp`` if given, else derived from the query endpoint.

        Oxigraph server: ``/query`` -> ``/store``; Virtuoso: ``/sparql`` -> ``/sparql-graph-crud-auth``
        (``/sparql-graph-crud`` without credentials); Fuseki: ``/DATASET/query`` or ``/DATASET/sparql``
        -> ``/DATASET/data``.
        """
        if self.gsp:
            return self.gsp
        parts = urllib.parse.urlsplit(self.endpoint)
        path = parts.path.rstrip("/")
        head, _, last = path.rpartition("/")
        if path == "/query":
            new = "/store"
        elif path in ("/sparql", "/sparql-auth"):
            new = "/sparql-graph-crud-auth" if self.user else "/sparql-graph-crud"
        elif head and last in ("query", "sparql"):
            new = head + "/data"
        else:
            raise RemoteError(
                f"cannot tell the Graph Store Protocol address of {self.endpoint}: give it with --gsp URL / "
                f"kan ikke utlede adressen for Graph Store Protocol fra {self.endpoint}: oppgi den med --gsp URL"
            )
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new, "", ""))

    def graph_target(self) -> str:
        """The GSP address of the graph: ``?graph=IRI`` (or ``?default``)."""
        url = self.gsp_url()
        sep = "&" if "?" in url else "?"
        if self.graph is None:
            return url + sep + "default"
        return url + sep + urllib.parse.urlencode({"graph": self.graph})

    def opener(self) -> urllib.request.OpenerDirector:
        """A urllib opener that answers Basic and Digest challenges with the credentials (if any)."""
        handlers: list[urllib.request.BaseHandler] = []
        if self.user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in (self.endpoint, self.gsp_url()):
                passwords.add_password(None, url, self.user, self.password or "")  # type: ignore[arg-type]
            handlers += [urllib.request.HTTPBasicAuthHandler(passwords), urllib.request.HTTPDigestAuthHandler(passwords)]
        return urllib.request.build_opener(*handlers)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def shown(url: str) -> str:
    """``url`` without a query string, for messages."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _failure(exc: BaseException, url: str) -> RemoteError:
    """One clear line (bokmål and English) for a failed request to ``url``."""
    where = shown(url)
    if isinstance(exc, urllib.error.HTTPError):
        error = _http_failure(exc, where)
        error.status = exc.code
        return error
    reason: Any = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError | socket.timeout):
        return RemoteError(f"{where}: the store did not answer in time / lageret svarte ikke i tide", timed_out=True)
    text = getattr(reason, "strerror", None) or str(reason)
    return RemoteError(f"{where}: cannot reach the store ({text}) / får ikke kontakt med lageret ({text})")


def _http_failure(exc: urllib.error.HTTPError, where: str) -> RemoteError:
    """The message for an HTTP error answer of the store."""
    status = exc.code
    try:
        detail = exc.read(300).decode("utf-8", "replace").strip().splitlines()
    except OSError:
        detail = []
    said = f": {detail[0][:200]}" if detail else ""
    if status in (401, 403):
        return RemoteError(
            f"{where}: the store refused access (HTTP {status}); check --user/--password or --token / "
            f"lageret nektet tilgang (HTTP {status}); sjekk --user/--password eller --token"
        )
    if status == 404:
        return RemoteError(f"{where}: no such address on the store (HTTP 404) / adressen finnes ikke på lageret (HTTP 404)")
    return RemoteError(f"{where}: the store answered HTTP {status}{said} / lageret svarte HTTP {status}{said}")


def _request(remote: Remote, url: str, data: bytes | None = None, method: str = "GET", headers: Mapping[str, str] = {}) -> bytes:
    request = urllib.request.Request(url, data=data, method=method, headers={**remote.headers(), **headers})
    try:
        if data and remote.user is not None:
            _authorize(remote, request)
        with remote.opener().open(request, timeout=remote.timeout) as response:
            return bytes(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _failure(exc, url) from None


def _authorize(remote: Remote, request: urllib.request.Request) -> None:
    """Answer the store's challenge before the body is sent: ask with HEAD, then sign ``request``.

    urllib would send the whole body once without credentials and again with them; Virtuoso closes the
    first connection unread and answers the second with 501. (curl sends ``Expect: 100-continue``.)
    """
    probe = urllib.request.Request(request.full_url, method="HEAD", headers=remote.headers())
    try:
        with urllib.request.build_opener().open(probe, timeout=remote.timeout):
            return  # no challenge: the opener answers one if the PUT gets it
    except urllib.error.HTTPError as exc:
        if exc.code != 401:
            return
        challenge = exc.headers.get("WWW-Authenticate", "")
    scheme, _, rest = challenge.partition(" ")
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, request.full_url, remote.user or "", remote.password or "")  # type: ignore[arg-type]
    if scheme.lower() == "digest":
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        signed = urllib.request.HTTPDigestAuthHandler(passwords).get_authorization(request, fields)
        if signed:
            request.add_unredirected_header("Authorization", f"Digest {signed}")
    elif scheme.lower() == "basic":
        import base64

        pair = f"{remote.user}:{remote.password or ''}".encode()
        request.add_unredirected_header("Authorization", "Basic " + base64.b64encode(pair).decode("ascii"))


@dataclass(frozen=True)
class Published:
    graph: str | None
    gsp: str
    sent: int  # triples sent
    found: int  # triples the store holds in the graph afterwards


def publish(remote: Remote, ntriples: bytes, triples: int) -> Published:
    """Replace the remote graph with ``ntriples`` (``triples`` of them) in one PUT, then count it there.

    :class:`RemoteError` if the store is unreachable or refuses; :class:`CountMismatch` if it holds
    another number of triples afterwards.
    """
    target = remote.graph_target()
    try:
        _request(remote, target, ntriples, "PUT", {"Content-Type": "application/n-triples"})
    except RemoteError as exc:
        if exc.status is not None or exc.timed_out:
            raise  # the store's own answer, or no answer in time: that is the message
        # A store that refuses may close the connection before it has read the body (a broken pipe
        # here): ask again without one, so that the message gives its real answer (a 404 only says
        # that the graph does not exist yet, which is no reason).
        try:
            _request(remote, target, None, "HEAD")
        except RemoteError as probe:
            if probe.status != 404:
                raise probe from None
        raise
    found = RemoteStore(remote).count()
    result = Published(remote.graph, remote.gsp_url(), triples, found)
    if found != triples:
        raise CountMismatch(
            f"{shown(remote.endpoint)}: sent {triples} triples but the graph holds {found} / "
            f"sendte {triples} tripler, men grafen har {found}"
        )
    return result


class RemoteStore:
    """A :class:`~k2020graph.store.Store` over a remote SPARQL 1.1 endpoint, restricted to one graph."""

    def __init__(self, remote: Remote) -> None:
        self.remote = remote

    def _wrapper(self, sparql: str, return_format: str):  # type: ignore[no-untyped-def]
        from SPARQLWrapper import BASIC

        wrapper = sparqlwrapper_for(self.remote.endpoint, sparql)
        wrapper.setReturnFormat(return_format)
        wrapper.setTimeout(max(1, int(self.remote.timeout)))
        wrapper.setMethod("POST")
        if self.remote.graph is not None:
            wrapper.addDefaultGraph(self.remote.graph)
        if self.remote.user is not None:
            wrapper.setHTTPAuth(BASIC)
            wrapper.setCredentials(self.remote.user, self.remote.password or "")
        for name, value in self.remote.headers().items():
            wrapper.addCustomHttpHeader(name, value)
        return wrapper

    def _run(self, wrapper: Any) -> Any:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException, Unauthorized

        try:
            return wrapper.query().convert()
        except (urllib.error.URLError, OSError) as exc:
            raise _failure(exc, self.remote.endpoint) from None
        except Unauthorized:
            where = shown(self.remote.endpoint)
            raise RemoteError(
                f"{where}: the store refused access (HTTP 401); check --user/--password or --token / "
                "lageret nektet tilgang (HTTP 401); sjekk --user/--password eller --token"
            ) from None
        except SPARQLWrapperException as exc:
            first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            raise RemoteError(f"{shown(self.remote.endpoint)}: {first}") from None
        except ValueError as exc:  # a body that is not the format asked for
            raise RemoteError(
                f"{shown(self.remote.endpoint)}: the store's answer cannot be read ({exc}) / lagerets svar kan ikke leses"
            ) from None

    def count(self) -> int:
        pattern = "?s ?p ?o" if self.remote.graph is None else f"GRAPH <{self.remote.graph}> {{ ?s ?p ?o }}"
        wrapper = self._wrapper(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", "json")
        wrapper.clearParameter("default-graph-uri")  # the GRAPH pattern names it
        result = _select(self._run(wrapper))
        try:
            value = result.rows[0][0]
            return int(str(value))
        except (IndexError, ValueError):
            raise RemoteError(
                f"{shown(self.remote.endpoint)}: the store did not answer a count / lageret svarte ikke med et antall"
            ) from None

    def __len__(self) -> int:
        return self.count()

    @property
    def version(self) -> str:
        return f"remote-{self.count()}"

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        from rdflib import Graph
        from SPARQLWrapper import JSON, N3

        text = _values_block(sparql, bindings) if bindings else sparql
        wrapper = self._wrapper(text, JSON)
        if wrapper.queryType in ("CONSTRUCT", "DESCRIBE"):
            wrapper.setReturnFormat(N3)
            data = self._run(wrapper)
            graph = Graph()
            graph.parse(data=data, format="turtle")
            return GraphResult(graph)
        payload = self._run(wrapper)
        if isinstance(payload, dict) and "boolean" in payload:
            return AskResult(_boolean(payload["boolean"]))
        return _select(payload, boolean_variables(sparql))


def _boolean(value: object) -> bool:
    return value in (True, 1, "true", "1")


def _select(payload: Any, booleans: frozenset[str] = frozenset()) -> SelectResult:
    try:
        variables: list[str] = list(payload["head"]["vars"])
        rows = [tuple(normalise(b.get(v), v in booleans) for v in variables) for b in payload["results"]["bindings"]]
    except (KeyError, TypeError, AttributeError):
        raise RemoteError(
            "the store's answer is not SPARQL JSON results / lagerets svar er ikke SPARQL JSON-resultater"
        ) from None
    return SelectResult(variables, rows)


def normalise(binding: Mapping[str, str] | None, boolean: bool = False) -> Node | None:
    """An rdflib term for one SPARQL JSON binding, spelt as the embedded store gives it.

    Store quirks undone: Virtuoso's ``typed-literal`` type, booleans as ``1``/``0``, derived integer
    types (``xsd:int``, ``xsd:long``) for computed integers, ``xsd:string`` on simple literals, and the
    case of language tags (lower case, as pyoxigraph keeps them). ``boolean``: the query computes the
    value as a boolean (:func:`boolean_variables`), which Virtuoso answers as the integer 1 or 0.
    """
    if binding is None:
        return None
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    lang = binding.get("xml:lang") or binding.get("lang")
    if lang:
        return Literal(value, lang=lang.lower())
    datatype = binding.get("datatype")
    if not datatype or datatype == XSD + "string":
        return Literal(value)
    if datatype == XSD + "boolean" and value in ("1", "0"):
        value = "true" if value == "1" else "false"
    if datatype in _INTEGER_ALIASES:
        datatype = XSD + "integer"
    if boolean and datatype == XSD + "integer" and value in ("1", "0"):
        return Literal("true" if value == "1" else "false", datatype=URIRef(XSD + "boolean"))
    return Literal(value, datatype=URIRef(datatype))


_BOOLEAN_CALLS = {
    "RelationalExpression",
    "ConditionalAndExpression",
    "ConditionalOrExpression",
    "UnaryNot",
    "Builtin_BOUND",
    "Builtin_isIRI",
    "Builtin_isBLANK",
    "Builtin_isLITERAL",
    "Builtin_isNUMERIC",
    "Builtin_sameTerm",
    "Builtin_REGEX",
    "Builtin_CONTAINS",
    "Builtin_STRSTARTS",
    "Builtin_STRENDS",
    "Builtin_LANGMATCHES",
    "Builtin_EXISTS",
    "Builtin_NOTEXISTS",
}


def _is_boolean(expr: Any, known: set[str]) -> bool:
    from rdflib.term import Variable

    if isinstance(expr, Literal):
        return expr.datatype is not None and str(expr.datatype) == XSD + "boolean"
    if isinstance(expr, Variable):
        return str(expr) in known
    name = getattr(expr, "name", None)
    if name in _BOOLEAN_CALLS:
        return True
    if name == "Builtin_COALESCE":
        return all(_is_boolean(a, known) for a in expr.arg)
    if name == "Builtin_IF":
        return _is_boolean(expr.arg2, known) and _is_boolean(expr.arg3, known)
    return False


def boolean_variables(sparql: str) -> frozenset[str]:
    """The variables of a SELECT query that are bound to booleans computed by the query (``BIND(… AS ?v)``).

    Virtuoso answers such values as ``1``/``0`` typed ``xsd:integer``; knowing from the query which
    variables are booleans lets :class:`RemoteStore` answer them as the embedded store does. Empty when
    rdflib cannot parse the query.
    """
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        algebra = prepareQuery(sparql).algebra
    except Exception:  # noqa: BLE001 - rdflib's parser raises many kinds; then nothing is known
        return frozenset()
    known: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, CompValue):
            for value in node.values():
                walk(value)
            if node.name == "Extend" and _is_boolean(node.expr, known):
                known.add(str(node.var))
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(algebra)
    return frozenset(known)
