"""The derived "direct layer": runs the rules in ``rules/*.rq`` over a loaded store.

Each rule is one SPARQL query per concern (a property of the direct layer, the kinds of actors), with
``#+`` metadata lines on top as the canned queries have them (``title@nb``, ``title@en``, ``derives``,
``from``, ``description@en``). Two kinds:

* A **statement rule** is a ``SELECT`` of what the records state, one row per record (and value):
  ``?tiltak`` (the K2020 tiltak the row is about), ``?record`` (the ``k2:TiltakRecord`` that states it)
  and one column per property it derives, named by the property's local name (``?name`` for
  ``k2:name``); optionally ``?via`` (the continuation or funding flow between the record and the
  value), ``?position`` (kept on the statement) and ``?fallback`` (true: a row used only where no
  row of the rule for that subject is a non-fallback one, at any date: "not stated").
  :func:`derive` applies one policy to all of them, written once here: for each subject (the tiltak,
  and its measure merged over its numbers) and rule, the rows of the newest source win (a source's
  year is that of its ``dct:modified`` (its last change), else of its ``dct:issued``, else of its
  ``dct:temporal``, else 0); an older source's rows
  only where no newer one has a row (is silent). Each winning value gets the direct triple, and each
  (subject, property, record or via) one ``k2:DirectStatement``: ``k2:statementSubject``,
  ``k2:statementProperty``, ``k2:statementValue`` (its values), ``prov:wasDerivedFrom`` the record
  (and the via), ``dct:source`` the via's source locations, else the record's (document and lines),
  ``k2:position`` where given.
* A **``CONSTRUCT`` rule** (``actor-kind.rq``) gives its triples as they are.

Every rule reads the data only, never another rule's output, so the rules run in one pass, in any
order, and running them again over the data with the derived triples gives the same triples (a test
checks this).

:func:`derive` is pure: it only queries the store it is given and returns the derived triples;
:meth:`k2020graph.loading.KnowledgeGraph.load` adds them to its store and keeps them apart
(``KnowledgeGraph.derived``) so that exports can leave them out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError
from .namespaces import DEFAULT_BASE

_Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
_META = re.compile(r"^#\+\s*([\w-]+)(?:@([a-z]{2}))?\s*:\s*(.*?)\s*$")
_K2 = "https://w3id.org/k2020graph/def#"
_PREFIXED = re.compile(r"^k2:([A-Za-z]\w*)$")
_KEYS = ("tiltak", "record", "via", "position", "fallback")

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
_SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")


@dataclass(frozen=True)
class _Terms:
    """The ontology's terms that a derivation writes, in the namespace of the data's base."""

    k2: str

    def __getitem__(self, local: str) -> ox.NamedNode:
        return ox.NamedNode(self.k2 + local)


#: Per record: its source's year; per K2020 tiltak: its measure. Read once per derivation.
_CONTEXT = """PREFIX dct: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX k2: <https://w3id.org/k2020graph/def#>
SELECT ?record ?year ?tiltak ?measure ?thing ?location WHERE {
  {
    ?record a k2:TiltakRecord .
    OPTIONAL {
      SELECT ?record (MAX(?y) AS ?year) WHERE {
        ?record a k2:TiltakRecord ; dct:source/dct:isPartOf ?document .
        OPTIONAL { ?document dct:modified ?modified }
        OPTIONAL { ?document dct:issued ?issued }
        OPTIONAL { ?document dct:temporal ?covered }
        BIND(COALESCE(xsd:integer(SUBSTR(STR(COALESCE(?modified, ?issued, ?covered)), 1, 4)), 0) AS ?y)
      } GROUP BY ?record
    }
  }
  UNION { ?tiltak a k2:Tiltak ; k2:measure ?measure }
  UNION {
    VALUES ?kind { k2:TiltakRecord k2:Continuation k2:FundingFlow }
    ?thing a ?kind ; dct:source ?location .
  }
}"""


@dataclass(frozen=True)
class Rule:
    """One derivation rule: a ``SELECT`` (statement rule) or ``CONSTRUCT`` query and what its header says."""

    name: str
    path: Path
    text: str
    title: dict[str, str] = field(default_factory=dict)
    derives: tuple[str, ...] = ()
    source: str = ""
    description: str = ""
    construct: bool = False


def read_rule(path: Path) -> Rule:
    """Read one rule file; a file without a title or without ``derives`` is unusable input."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read rule: {exc}", path) from None
    title: dict[str, str] = {}
    derives: list[str] = []
    source = ""
    description: list[str] = []
    for line in text.splitlines():
        m = _META.match(line)
        if not m:
            continue
        key, lang, value = m.groups()
        if key == "title" and lang:
            title[lang] = value
        elif key == "derives":
            derives.extend(v.strip() for v in value.split(",") if v.strip())
        elif key == "from":
            source = value
        elif key == "description":
            description.append(value)
    if not title or not derives:
        raise InputError("rule header lacks '#+ title@en:' or '#+ derives:' / regelen mangler tittel eller 'derives'", path)
    construct = bool(re.search(r"^\s*CONSTRUCT\b", text, re.MULTILINE | re.IGNORECASE))
    if not construct:
        if not re.search(r"^\s*SELECT\b", text, re.MULTILINE | re.IGNORECASE):
            raise InputError(
                "a rule must be a SPARQL SELECT (statement rule) or CONSTRUCT query"
                " / en regel må være en SPARQL SELECT- (utsagnsregel) eller CONSTRUCT-spørring",
                path,
            )
        for term in derives:
            m = _PREFIXED.match(term)
            if not m or not re.search(rf"\?{m.group(1)}\b", text):
                raise InputError(
                    f"a statement rule derives k2: properties, each as a ?column of that name: {term}"
                    f" / en utsagnsregel utleder k2:-egenskaper, hver som en ?kolonne med det navnet: {term}",
                    path,
                )
    return Rule(path.stem, path, text, title, tuple(derives), source, " ".join(description), construct)


def read_rules(paths: Iterable[Path]) -> list[Rule]:
    return [read_rule(p) for p in sorted(paths)]


def _run(store: ox.Store, rule: Rule, text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    try:
        return store.query(text)
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(f"rule cannot run / regelen kan ikke kjøres: {exc}", rule.path) from None


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def derive(store: ox.Store, rules: Sequence[Rule], base: str = DEFAULT_BASE) -> list[ox.Quad]:
    """The triples that ``rules`` derive from ``store`` (default graph), without duplicates.

    The store is only queried. Rules are written against :data:`DEFAULT_BASE`; data loaded under
    another base is matched by rewriting the rule text the same way the data was rebased.
    """

    def rebased(text: str) -> str:
        return text if base == DEFAULT_BASE else text.replace(DEFAULT_BASE, base)

    out: dict[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, _Term], None] = {}
    statement_rules = [r for r in rules if not r.construct]
    for rule in rules:
        if rule.construct:
            result = _run(store, rule, rebased(rule.text))
            if not isinstance(result, ox.QueryTriples):
                raise InputError("a rule must be a SPARQL CONSTRUCT query / en regel må være en CONSTRUCT-spørring", rule.path)
            for t in result:
                out[(t.subject, t.predicate, t.object)] = None  # type: ignore[index]
    if statement_rules:
        year: dict[_Term, int] = {}
        measure: dict[_Term, _Term] = {}
        locations: dict[_Term, list[_Term]] = defaultdict(list)
        for row in store.query(rebased(_CONTEXT)):  # type: ignore[union-attr]
            record, thing = row["record"], row["thing"]
            if thing is not None:
                locations[thing].append(row["location"])
            elif record is not None:
                y = row["year"]
                year[record] = int(y.value) if y is not None else 0
            else:
                measure[row["tiltak"]] = row["measure"]
        terms = _Terms(rebased(_K2))
        for rule in statement_rules:
            _statements(store, rule, rebased(rule.text), year, measure, locations, terms, out)
    return [ox.Quad(s, p, o) for s, p, o in out]


def _statements(
    store: ox.Store,
    rule: Rule,
    text: str,
    year: dict[_Term, int],
    measure: dict[_Term, _Term],
    locations: dict[_Term, list[_Term]],
    terms: _Terms,
    out: dict,  # type: ignore[type-arg]
) -> None:
    """Add the direct triples and their statements of one statement rule to ``out``."""
    result = _run(store, rule, text)
    if not isinstance(result, ox.QuerySolutions):
        raise InputError("a statement rule must be a SPARQL SELECT query / en utsagnsregel må være en SELECT-spørring", rule.path)
    locals_ = [found.group(1) for d in rule.derives if (found := _PREFIXED.match(d))]
    props = [(local, terms[local]) for local in locals_]
    statement, subject_of, property_of, value_of, position_of = (
        terms[n] for n in ("DirectStatement", "statementSubject", "statementProperty", "statementValue", "position")
    )
    columns = [v.value for v in result.variables]
    if columns[:2] != ["tiltak", "record"] or any(local not in columns for local, _ in props):
        raise InputError(
            "a statement rule selects ?tiltak ?record first, then a column per derived property"
            " / en utsagnsregel velger ?tiltak ?record først, så en kolonne per utledet egenskap",
            rule.path,
        )
    props_at = [(columns.index(local), local, prop) for local, prop in props]
    i_fallback, i_via, i_position = (columns.index(c) if c in columns else None for c in ("fallback", "via", "position"))
    # Per subject (the row's tiltak, and the tiltak's measure): the rows of the newest source that has a
    # non-fallback row, and the fallback rows (used only where there is no other row).
    newest: dict[_Term, tuple[int, list[ox.QuerySolution]]] = {}
    fallback: dict[_Term, list[ox.QuerySolution]] = defaultdict(list)
    for row in result:
        tiltak, record = row[0], row[1]
        if tiltak is None or record is None:
            raise InputError("a statement rule's row lacks ?tiltak or ?record / en rad mangler ?tiltak eller ?record", rule.path)
        m = measure.get(tiltak)
        subjects = (tiltak,) if m is None else (tiltak, m)
        if i_fallback is not None and (fb := row[i_fallback]) is not None and fb.value == "true":
            for s in subjects:
                fallback[s].append(row)
            continue
        y = year.get(record, 0)
        for s in subjects:
            have = newest.get(s)
            if have is None or y > have[0]:
                newest[s] = (y, [row])
            elif y == have[0]:
                have[1].append(row)
    chosen = [(s, rows) for s, (_, rows) in newest.items()]
    chosen += [(s, rows) for s, rows in fallback.items() if s not in newest]
    # One statement per (record or via, property), naming every subject it is the winning statement for
    # (a K2020 tiltak and, through it, the tiltak's measure): the same record row, said once.
    seen: set[str] = set()
    for subject, winners in chosen:
        for row in winners:
            record = row[1]
            via = row[i_via] if i_via is not None else None
            # statement:<record or via>_<property>, e.g. …/id/statement/record-seed001-k2020-3.2_name
            head, _, path = (via or record).value.partition("/id/")  # type: ignore[union-attr]
            key = f"{head}/id/statement/{path.replace('/', '-')}"
            for i, local, prop in props_at:
                value = row[i]
                if value is None:
                    continue
                out[(subject, prop, value)] = None
                name = f"{key}_{local}"
                st = ox.NamedNode(name)
                out[(st, subject_of, subject)] = None
                out[(st, value_of, value)] = None
                if name in seen:
                    continue
                seen.add(name)
                out[(st, _RDF_TYPE, statement)] = None
                out[(st, property_of, prop)] = None
                out[(st, _DERIVED_FROM, record)] = None
                if via is not None:
                    out[(st, _DERIVED_FROM, via)] = None
                for location in locations.get(via or record, ()):  # where it is said: the via's lines, else the record's
                    out[(st, _SOURCE, location)] = None
                if i_position is not None and row[i_position] is not None:
                    out[(st, position_of, row[i_position])] = None
