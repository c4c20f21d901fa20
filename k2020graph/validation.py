"""Validation against the SHACL shapes: a pure function over graphs, and the report's formats.

:func:`validate_graphs` never changes the graphs it is given: data and ontology are copied into one
fresh graph, which pyshacl then uses in place, and the shapes into another (pyshacl adds axioms to it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from .namespaces import bind_prefixes

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
LANGS = ("nb", "en")


@dataclass(frozen=True)
class ValidationResult:
    focus: Node
    severity: str
    source_shape: Node | None
    path: Node | None
    value: Node | None
    messages: dict[str, str]
    #: The constraint component that fired (sh:sourceConstraintComponent, e.g. sh:MinCountConstraintComponent).
    constraint: Node | None
    #: The constraint node itself where there is one (sh:sourceConstraint): a SPARQL constraint such as
    #: k2sh:EndNotBeforeStart, whose holder property shape is ``source_shape``.
    source_constraint: Node | None = None

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages.get("") or next(iter(self.messages.values()), "")


@dataclass
class ValidationReport:
    results: list[ValidationResult]
    report_graph: Graph
    labels: dict[Node, dict[str, str]] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        """True when no result is a Violation (warnings and infos are allowed)."""
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def label(self, node: Node | None, lang: str) -> str:
        if node is None:
            return ""
        names = self.labels.get(node, {})
        return names.get(lang) or names.get("nb") or names.get("nn") or names.get("en") or names.get("") or ""


#: Parsed SPARQL texts by (text, prefixes). A caller that validates many small graphs against the same
#: shapes (the shape tests) may keep one such dict and pass it to every :func:`validate_graphs` call, so
#: that each constraint's text is parsed once in all; the caller owns it, nothing here keeps it.
ParsedQueries = dict[tuple[str, frozenset[tuple[str, str]]], object]


class _ParsedOnceGraph(Graph):
    """A graph that parses each SPARQL text once (pyshacl sends the same text for every focus node).

    The cache belongs to this one graph object, which lives for one validation, unless the caller hands
    in its own (see :data:`ParsedQueries`): no process-wide state is touched (unlike patching rdflib's
    processor or registering custom evaluators).
    """

    def __init__(self, parsed: ParsedQueries | None = None) -> None:
        super().__init__()
        self._parsed: ParsedQueries = {} if parsed is None else parsed

    def query(
        self,
        query_object,
        processor="sparql",
        result="sparql",
        initNs=None,
        initBindings=None,  # type: ignore[no-untyped-def, override]  # noqa: N803
        use_store_provided=True,
        **kwargs,
    ):
        if isinstance(query_object, str):
            key = (query_object, frozenset((k, str(v)) for k, v in (initNs or {}).items()))
            prepared = self._parsed.get(key)
            if prepared is None:
                from rdflib.plugins.sparql import prepareQuery

                prepared = self._parsed[key] = prepareQuery(query_object, initNs=initNs or {})
            query_object = prepared
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


def validate_graphs(
    data: Graph, shapes: Graph, ontology: Graph | None = None, *, parsed_queries: ParsedQueries | None = None
) -> ValidationReport:
    """Validate ``data`` (with ``ontology`` mixed in) against ``shapes``. Pure: no graph argument is changed.

    The data and the ontology are copied into one fresh graph that pyshacl may use in place, the shapes
    into another (pyshacl adds axioms to its shapes graph). ``parsed_queries``, when given, is a cache of
    parsed SPARQL texts that the caller keeps across calls with the same shapes; without it each
    validation parses each text once.
    """
    import pyshacl

    work = _ParsedOnceGraph(parsed_queries)
    for source in (data, ontology):
        if source is not None:
            for triple in source:
                work.add(triple)
    # pyshacl adds a few RDFS/OWL axioms (owl:Class rdfs:subClassOf rdfs:Class, ...) to the shapes graph it
    # is given: hand it a copy, so that the caller's shapes graph stays as it was.
    shapes_copy = Graph()
    for triple in shapes:
        shapes_copy.add(triple)
    _conforms, report_graph, _text = pyshacl.validate(
        work,
        shacl_graph=shapes_copy,
        advanced=True,
        inference="none",
        allow_warnings=True,
        inplace=True,
    )
    assert isinstance(report_graph, Graph)
    # pyshacl drops the language tags of SPARQL constraints' messages: recover them from the shapes.
    known_lang = {str(m): m.language for m in shapes.objects(None, SH.message) if isinstance(m, Literal) and m.language}
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        messages: dict[str, str] = {}
        for msg in report_graph.objects(node, SH.resultMessage):
            lang = (msg.language if isinstance(msg, Literal) and msg.language else None) or known_lang.get(str(msg), "")
            messages.setdefault(lang, str(msg))
        severity = report_graph.value(node, SH.resultSeverity)
        results.append(
            ValidationResult(
                focus=report_graph.value(node, SH.focusNode),  # type: ignore[arg-type]
                severity=SEVERITIES.get(severity, str(severity)),  # type: ignore[call-overload]
                source_shape=report_graph.value(node, SH.sourceShape),
                path=report_graph.value(node, SH.resultPath),
                value=report_graph.value(node, SH.value),
                messages=messages,
                constraint=report_graph.value(node, SH.sourceConstraintComponent),
                source_constraint=report_graph.value(node, SH.sourceConstraint),
            )
        )
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    results.sort(key=lambda r: (order.get(r.severity, 3), str(r.focus), str(r.source_shape), str(r.value)))
    labels = _labels(data, ontology, {n for r in results for n in (r.focus, r.value, r.path) if n is not None})
    return ValidationReport(results, bind_prefixes(report_graph), labels)


def _labels(data: Graph, ontology: Graph | None, nodes: set[Node]) -> dict[Node, dict[str, str]]:
    out: dict[Node, dict[str, str]] = {}
    graphs = [g for g in (data, ontology) if g is not None]
    for node in nodes:
        if not isinstance(node, URIRef):
            continue
        names: dict[str, str] = {}
        for g in graphs:
            for prop in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
                for lit in g.objects(node, prop):
                    if isinstance(lit, Literal):
                        names.setdefault(lit.language or "", str(lit))
        out[node] = names
    return out


def _short(node: Node | None, graph: Graph) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - rdflib raises plain exceptions for unbindable IRIs
            return f"<{node}>"
    return node.n3() if hasattr(node, "n3") else str(node)


TEXT = {
    "nb": {
        "ok": "Grafen er gyldig",
        "bad": "Grafen er ikke gyldig",
        "Violation": "brudd",
        "Warning": "advarsel",
        "Info": "info",
        "shape": "form",
        "value": "verdi",
        "path": "egenskap",
    },
    "en": {
        "ok": "The graph conforms",
        "bad": "The graph does not conform",
        "Violation": "violation",
        "Warning": "warning",
        "Info": "info",
        "shape": "shape",
        "value": "value",
        "path": "property",
    },
}


def format_text(report: ValidationReport, lang: str = "nb") -> str:
    """Results grouped by focus node, with labels and the shape's message in ``lang``."""
    t = TEXT[lang]
    g = report.report_graph
    by_focus: dict[Node, list[ValidationResult]] = defaultdict(list)
    for r in report.results:
        by_focus[r.focus].append(r)
    lines = []
    for focus, results in by_focus.items():
        label = report.label(focus, lang)
        lines.append(f"{_short(focus, g)}" + (f"  «{label}»" if label else ""))
        for r in results:
            lines.append(f"  [{t[r.severity]}] {r.message(lang)}")
            details = []
            if r.path is not None:
                details.append(f"{t['path']}: {_short(r.path, g)}")
            if r.value is not None:
                details.append(f"{t['value']}: {_short(r.value, g)}")
            if r.source_shape is not None:
                details.append(f"{t['shape']}: {_short(r.source_shape, g)}")
            if details:
                lines.append("      " + "; ".join(details))
        lines.append("")
    counts = ", ".join(f"{report.count(s)} {t[s]}" for s in ("Violation", "Warning", "Info"))
    lines.append(f"{t['ok'] if report.conforms else t['bad']}: {counts}.")
    return "\n".join(lines) + "\n"


def format_json(report: ValidationReport, lang: str = "nb") -> str:
    def s(n: Node | None) -> str | None:
        return None if n is None else str(n)

    payload = {
        "conforms": report.conforms,
        "counts": {sev: report.count(sev) for sev in ("Violation", "Warning", "Info")},
        "results": [
            {
                "focus": s(r.focus),
                "focus_label": report.label(r.focus, lang) or None,
                "severity": r.severity,
                "path": s(r.path),
                "value": s(r.value),
                "source_shape": s(r.source_shape),
                "constraint": s(r.constraint),
                "source_constraint": s(r.source_constraint),
                "message": r.message(lang),
                "messages": r.messages,
            }
            for r in report.results
        ],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def format_turtle(report: ValidationReport, lang: str = "nb") -> str:
    return report.report_graph.serialize(format="turtle")


def format_junit(report: ValidationReport, lang: str = "nb") -> str:
    """One test case per focus node; violations are failures, warnings and infos system-out notes."""
    g = report.report_graph
    by_focus: dict[Node, list[ValidationResult]] = defaultdict(list)
    for r in report.results:
        by_focus[r.focus].append(r)
    cases = []
    failures = 0
    for focus, results in by_focus.items():
        name = quoteattr(_short(focus, g))
        violations = [r for r in results if r.severity == "Violation"]
        notes = [r for r in results if r.severity != "Violation"]
        body = ""
        if violations:
            failures += 1
            text = "\n".join(f"{_short(r.source_shape, g)}: {r.message(lang)}" for r in violations)
            body += f'<failure message={quoteattr(violations[0].message(lang))} type="Violation">{escape(text)}</failure>'
        if notes:
            body += "<system-out>" + escape("\n".join(f"[{r.severity}] {r.message(lang)}" for r in notes)) + "</system-out>"
        cases.append(f'  <testcase classname="k2020graph.shacl" name={name}>{body}</testcase>')
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="k2020graph validate" '
        f'tests="{max(len(cases), 1)}" failures="{failures}" errors="0">\n'
    )
    if not cases:
        cases.append('  <testcase classname="k2020graph.shacl" name="conforms"/>')
    return head + "\n".join(cases) + "\n</testsuite>\n"


FORMATTERS = {"text": format_text, "json": format_json, "turtle": format_turtle, "junit": format_junit}
