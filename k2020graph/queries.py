"""The canned-query catalogue, built from ``queries/*.rq`` only, and running a query with typed parameters.

Each file holds one query. Its metadata sits in comment lines at the top, so the file stays valid SPARQL
(after grlc's ``#+`` convention)::

    #+ title@nb: Tiltak som videreføres i K2025
    #+ title@en: Tiltak continued into K2025
    #+ description@nb: …
    #+ description@en: …
    #+ tags: k2025, divisjon
    #+ param: division | code | PH | Kortkode for ansvarlig enhet | Short code of the responsible unit
    #+ values: division | SELECT DISTINCT ?value WHERE { ?record k2:responsible/skos:notation ?value }
    #+ column: nr | Nr. | No.

A ``param`` line is ``name | type | default | help@nb | help@en``; an empty default makes it required.
Types: ``string``, ``code`` (a short code such as PH), ``integer``, ``year``, ``boolean``, ``iri``.
Values are bound as RDF terms (never pasted into the query text).

A ``values`` line declares where a parameter's allowed values come from: a SELECT over the data (with
the query's own PREFIX lines) whose ``?value`` is a canonical value and whose other variables, if any,
are other spellings the query accepts (a name, a slug). A value given is matched case-insensitively (``ph`` → ``PH``);
one that matches nothing is refused with the list of the valid ones. A ``column`` line gives a result
variable's heading in each language (``var | heading@nb | heading@en``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import InputError, QueryError
from .store import Result, SelectResult, Store

PARAM_TYPES = ("string", "code", "integer", "year", "boolean", "iri")
#: The longest value (in characters) each type takes, checked before anything else.
MAX_LENGTH = {"string": 200, "code": 32, "boolean": 8, "iri": 2000}  # integers and years: by their pattern
MAX_INTEGER_DIGITS = 18  # fits a signed 64-bit integer, as SPARQL engines hold xsd:integer
_META = re.compile(r"^#\+\s*([\w-]+)(?:@([a-z]{2}))?\s*:\s*(.*?)\s*$")
_PREFIX_LINE = re.compile(r"^\s*PREFIX\s+[^\n]*$", re.IGNORECASE | re.MULTILINE)
#: How many allowed values a refusal lists before it says how many more there are.
LISTED_VALUES = 60


class Queryable(Protocol):
    """What reading the allowed values needs of a store: SELECT queries."""

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result: ...


@dataclass(frozen=True)
class Allowed:
    """A parameter's allowed values, read from the data: the canonical values, in order, and the other
    spellings the query itself accepts for them (aliases: a name, a slug), lower-cased."""

    values: tuple[str, ...]
    aliases: frozenset[str] = frozenset()

    @classmethod
    def of(cls, values: list[str], aliases: list[str] = []) -> Allowed:  # noqa: B006 (never mutated)
        return cls(tuple(sorted(set(values), key=_natural)), frozenset(a.lower() for a in aliases))

    def match(self, raw: str) -> str | None:
        """The value to bind for ``raw``: the canonical value it spells (case-insensitively), ``raw``
        itself if it is an alias (the query matches those as it always did), else ``None``."""
        low = raw.strip().lower()
        for value in self.values:
            if value.lower() == low:
                return value
        return raw if low in self.aliases else None

    def listing(self) -> str:
        shown = ", ".join(self.values[:LISTED_VALUES])
        more = len(self.values) - LISTED_VALUES
        return shown + (f" … (+{more})" if more > 0 else "")


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts 3.9 before 3.14 and 2 before 12."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower()) for part in re.split(r"(\d+)", text) if part)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    help: dict[str, str]
    values_query: str | None = None  # the SELECT that lists the allowed values (``#+ values:``), if any

    @property
    def required(self) -> bool:
        return self.default is None

    def bind(self, raw: str) -> Node:
        """The RDF term for a raw string value, or a :class:`QueryError` saying why it is ill-typed.

        Checked by the declared type and length only (nothing runs before): integers and years are
        ASCII digits with an optional sign (``int()`` would also take '٣' and fail past 4300 digits).
        """
        limit = MAX_LENGTH.get(self.type)
        if limit is not None and len(raw) > limit:
            raise self._error(raw, f"is longer than {limit} characters", f"er lengre enn {limit} tegn")
        if self.type in ("string", "code"):
            if self.type == "code" and not re.fullmatch(r"[A-Za-z0-9.\-]{1,32}", raw):
                raise self._error(
                    raw, "is not a short code (letters, digits, '.', '-')", "er ikke en kortkode (bokstaver, sifre, '.', '-')"
                )
            return Literal(raw)
        if self.type == "integer":
            if not re.fullmatch(rf"[+-]?[0-9]{{1,{MAX_INTEGER_DIGITS}}}", raw):
                raise self._error(
                    raw,
                    f"is not an integer (ASCII digits 0-9, at most {MAX_INTEGER_DIGITS}, with an optional sign)",
                    f"er ikke et heltall (sifrene 0-9, høyst {MAX_INTEGER_DIGITS}, eventuelt med fortegn)",
                )
            return Literal(int(raw), datatype=XSD.integer)
        if self.type == "year":
            if not re.fullmatch(r"[+-]?[0-9]{4}", raw):
                raise self._error(raw, "is not a year (four ASCII digits 0-9)", "er ikke et årstall (fire sifre 0-9)")
            return Literal(int(raw), datatype=XSD.integer)
        if self.type == "boolean":
            low = raw.strip().lower()
            if low not in ("true", "false", "yes", "no", "ja", "nei", "1", "0"):
                raise self._error(raw, "is not a boolean (true/false)", "er ikke en sannhetsverdi (true/false)")
            return Literal(low in ("true", "yes", "ja", "1"))
        if self.type == "iri":
            if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.\-]*:[^\s<>\"{}|\\^`]+", raw):
                raise self._error(raw, "is not an absolute IRI", "er ikke en absolutt IRI")
            return URIRef(raw)
        raise QueryError(f"parameter {self.name!r} has unknown type {self.type!r} / parameteret har ukjent type")

    def _error(self, raw: str, en: str, nb: str) -> QueryError:
        shown = repr(raw) if len(raw) <= 40 else f"{raw[:40]!r}… ({len(raw)} characters / tegn)"
        return QueryError(f"parameter {self.name!r}: {shown} {en} / parameteret {self.name!r}: {shown} {nb}")


@dataclass(frozen=True)
class CannedQuery:
    name: str
    path: Path
    text: str
    title: dict[str, str]
    description: dict[str, str]
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...] = field(default=())
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # variable -> {lang: heading}

    def heading(self, variable: str, lang: str) -> str:
        """The column's heading in ``lang`` (the variable's name where the query gives none)."""
        titles = self.columns.get(variable, {})
        return titles.get(lang) or titles.get("nb") or variable

    def allowed_values(self, store: Queryable) -> dict[str, Allowed]:
        """Each parameter's allowed values in ``store``'s data (those with a ``values`` line only)."""
        prefixes = "\n".join(m.group(0).strip() for m in _PREFIX_LINE.finditer(self.text))
        out: dict[str, Allowed] = {}
        for p in self.parameters:
            if p.values_query is None:
                continue
            result = store.query(prefixes + "\n" + p.values_query)
            rows = result.dicts() if isinstance(result, SelectResult) else []
            values = [str(r["value"]) for r in rows if r.get("value") not in (None, Literal(""))]
            aliases = [str(t) for r in rows for k, t in r.items() if k != "value" and t is not None and str(t)]
            out[p.name] = Allowed.of(values, aliases)
        return out

    def bindings(self, values: Mapping[str, str], allowed: Mapping[str, Allowed] | None = None) -> dict[str, Node]:
        """The parameters as RDF terms: each checked by its type and length, then, where ``allowed``
        holds its allowed values, matched to one of them (case-insensitively; the canonical value is bound)."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            names = ", ".join(known) or "none"
            raise QueryError(
                f"query {self.name!r}: unknown parameter {', '.join(unknown)} (allowed: {names}) / "
                f"ukjent parameter {', '.join(unknown)} (tillatt: {names})"
            )
        out: dict[str, Node] = {}
        for p in self.parameters:
            raw = values.get(p.name, p.default)
            if raw is None:
                raise QueryError(
                    f"query {self.name!r}: missing required parameter {p.name!r} ({p.type}) / "
                    f"mangler parameteret {p.name!r} ({p.type})"
                )
            term = p.bind(raw)  # the type and length first (issue 8), on the value as given
            if allowed is not None and p.name in allowed:
                canonical = allowed[p.name].match(raw)
                if canonical is None:
                    raise self._not_allowed(p, raw, allowed[p.name])
                term = p.bind(canonical)
            out[p.name] = term
        return out

    def _not_allowed(self, p: Parameter, raw: str, allowed: Allowed) -> QueryError:
        shown = repr(raw) if len(raw) <= 40 else f"{raw[:40]!r}…"
        if not allowed.values:
            return QueryError(
                f"parameter {p.name!r}: {shown} is not allowed: the data holds no values for it / "
                f"parameteret {p.name!r}: {shown} er ikke tillatt: dataene har ingen verdier for det"
            )
        listing = allowed.listing()
        return QueryError(
            f"parameter {p.name!r}: {shown} is not one of the valid values: {listing} / "
            f"parameteret {p.name!r}: {shown} er ikke blant de gyldige verdiene: {listing}"
        )

    def run(self, store: Store, values: Mapping[str, str] | None = None) -> Result:
        """Run with ``values`` checked by type and against the allowed values in ``store``'s data."""
        values = values or {}
        self.bindings(values)  # type and length first: nothing runs for an ill-typed value
        return store.query(self.text, self.bindings(values, self.allowed_values(store)))

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "parameters": [
                {"name": p.name, "type": p.type, "default": p.default, "required": p.required, "help": p.help}
                for p in self.parameters
            ],
            "columns": {var: dict(titles) for var, titles in self.columns.items()},
        }


def parse_query_file(path: Path) -> CannedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read query: {exc}", path) from None
    title: dict[str, str] = {}
    description: dict[str, str] = {}
    tags: tuple[str, ...] = ()
    params: list[Parameter] = []
    value_queries: dict[str, tuple[str, int]] = {}
    columns: dict[str, dict[str, str]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#+"):
            continue
        m = _META.match(line)
        if not m:
            raise InputError(f"malformed metadata line {line!r}", path, lineno)
        key, lang, value = m.group(1), m.group(2) or "", m.group(3)
        if key == "title":
            title[lang] = value
        elif key == "description":
            description[lang] = (description.get(lang, "") + " " + value).strip()
        elif key == "tags":
            tags = tuple(t.strip() for t in value.split(",") if t.strip())
        elif key == "param":
            parts = [p.strip() for p in value.split("|")]
            if len(parts) != 5 or parts[1] not in PARAM_TYPES:
                raise InputError(
                    f"param line must be 'name | type | default | help@nb | help@en' with type in {PARAM_TYPES}", path, lineno
                )
            params.append(Parameter(parts[0], parts[1], parts[2] or None, {"nb": parts[3], "en": parts[4]}))
        elif key == "values":
            name, sep, select = value.partition("|")
            if not sep or not name.strip() or not select.strip():
                raise InputError("values line must be 'name | SELECT …' (a query giving ?value)", path, lineno)
            value_queries[name.strip()] = (select.strip(), lineno)
        elif key == "column":
            parts = [p.strip() for p in value.split("|")]
            if len(parts) != 3 or not all(parts):
                raise InputError("column line must be 'variable | heading@nb | heading@en'", path, lineno)
            columns[parts[0]] = {"nb": parts[1], "en": parts[2]}
        else:
            raise InputError(f"unknown metadata key {key!r}", path, lineno)
    for lang in ("nb", "en"):
        if lang not in title:
            raise InputError(f"query metadata lacks 'title@{lang}'", path)
    known = {p.name for p in params}
    for name, (select, lineno) in value_queries.items():
        if name not in known:
            raise InputError(f"values line for {name!r}, which is no parameter of this query", path, lineno)
        _check_values_query(path, lineno, text, select)
    params = [dataclasses.replace(p, values_query=value_queries[p.name][0]) if p.name in value_queries else p for p in params]
    _check_query(path, text, params)
    return CannedQuery(path.stem, path, text, title, description, tags, tuple(params), columns)


def _check_values_query(path: Path, lineno: int, text: str, select: str) -> None:
    """A ``values`` line's SELECT parses with the query's prefixes and projects ``?value``."""
    import pyoxigraph as ox

    prefixes = "\n".join(m.group(0).strip() for m in _PREFIX_LINE.finditer(text))
    try:
        result = ox.Store().query(prefixes + "\n" + select)
    except SyntaxError as exc:
        raise InputError(f"values line: SPARQL syntax error: {exc.msg}", path, lineno) from None
    if not isinstance(result, ox.QuerySolutions) or ox.Variable("value") not in result.variables:
        raise InputError("values line: the SELECT must project ?value", path, lineno)


def _check_query(path: Path, text: str, params: list[Parameter]) -> None:
    """Parse the query, and check that every parameter can be bound.

    Binding follows SEP-0007 (as pyoxigraph implements it; rdflib's ``initBindings`` and a VALUES
    block behave alike): a parameter is a variable of the outermost query, so it must be projected
    by it. Checked once here, against an empty store, so a query can't silently ignore a parameter.
    """
    import pyoxigraph as ox

    subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(p.name): ox.Literal(p.default or "x") for p in params
    }
    try:
        ox.Store().query(text, substitutions=subs or None)
    except SyntaxError as exc:
        raise InputError(f"SPARQL syntax error: {exc.msg}", path, exc.lineno, exc.offset) from None
    except RuntimeError as exc:
        raise InputError(f"a parameter is not a projected variable of the outermost SELECT: {exc}", path) from None


def load_catalogue(paths: list[Path]) -> dict[str, CannedQuery]:
    """Name -> query, for every ``*.rq`` file; the name is the file name without ``.rq``."""
    return {q.name: q for q in (parse_query_file(p) for p in sorted(paths))}


def get(catalogue: Mapping[str, CannedQuery], name: str) -> CannedQuery:
    try:
        return catalogue[name]
    except KeyError:
        close = [n for n in catalogue if name in n or n in name]
        hint = f" (did you mean {', '.join(close[:3])}?)" if close else " ('k2020graph queries' lists them)"
        raise QueryError(f"no canned query named {name!r}{hint}") from None
