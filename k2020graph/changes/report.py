"""The validation of a change in every output format (text in nb/en, JSON, Turtle, JUnit XML), each
saying which results the change brings in. By default only those are listed, with counts of the rest;
``everything=True`` (``--all``) lists every result, the new ones marked."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD, NamespaceManager
from rdflib.term import Node

from ..namespaces import K2SH, bind_prefixes
from ..validation import ValidationReport, ValidationResult, count_phrase, result_json, result_lines, stable_turtle
from .change import ChangeReport, ResultKey, result_key
from .texts import text

SEVERITY_ORDER = ("Violation", "Warning", "Info")
#: Marks, in the Turtle report, a result that the change brings in.
NEW_IN_CHANGE = K2SH.newInChange


def show(node: Node | None, graphs: Sequence[Graph], names: NamespaceManager | None = None, depth: int = 0) -> str:
    """``node`` in Turtle's short form; a blank node (a property path, say) spelt out in brackets."""
    if names is None:
        names = bind_prefixes(Graph()).namespace_manager
    if node is None:
        return ""
    if isinstance(node, URIRef):
        try:
            return names.normalizeUri(node)
        except Exception:  # noqa: BLE001 - rdflib raises plain exceptions for unbindable IRIs
            return f"<{node}>"
    if isinstance(node, BNode):
        if depth > 4:
            return "[…]"
        for g in graphs:
            pairs = [
                f"{show(p, graphs, names, depth + 1)} {show(o, graphs, names, depth + 1)}"
                for p, o in g.predicate_objects(node)  # type: ignore[misc]
            ]
            if pairs:
                return "[ " + " ; ".join(sorted(pairs)) + " ]"
        return "[]"
    return node.n3(names)


def _counts(results: Sequence[ValidationResult], lang: str) -> str:
    return count_phrase(results, lang)


def _files_line(report: ChangeReport, lang: str) -> str:
    change = report.change
    parts = []
    for f in change.files:
        part = f"{f.path} {text(f.status, lang)}"
        if f.given is not None and f.given != f.path:
            part += f" ({text('from', lang)} {f.given})"
        parts.append(part)
    removed, added = len(change.removed), len(change.added)
    for role in ("ontology", "shapes"):
        r, a = change.triples[role]
        removed, added = removed + len(r), added + len(a)
    what = text("triples", lang, added=added, removed=removed) if (added or removed) else text("no_triples", lang)
    return f"{text('change', lang)}: {'; '.join(parts) or text('no_files', lang)}. {what[0].upper() + what[1:]}."


def _block(
    results: Sequence[ValidationResult],
    validation: ValidationReport,
    graphs: Sequence[Graph],
    lang: str,
    note: Callable[[ValidationResult], str] = lambda r: "",
) -> list[str]:
    names = bind_prefixes(Graph()).namespace_manager
    return result_lines(results, validation, lang, show=lambda n: show(n, graphs, names), note=note)


def _graphs(report: ChangeReport, side: str) -> list[Graph]:
    validation = report.changed if side == "changed" else report.base
    return [validation.report_graph, report.change.graph(side, "shapes"), report.change.graph(side, "data")]


def format_text(report: ChangeReport, lang: str = "nb", everything: bool = False) -> str:
    lines = [_files_line(report, lang), ""]
    graphs = _graphs(report, "changed")
    if report.new:
        lines.append(text("new_head", lang) + ":")
        lines.extend(_block(report.new, report.changed, graphs, lang))
    else:
        lines.extend([text("no_new", lang), ""])
    if everything:
        reworded = {id(w.after): w.before for w in report.reworded}

        def note(r: ValidationResult) -> str:
            before = reworded.get(id(r))
            return text("reworded", lang, before=f"«{before.message(lang)}»") if before is not None else ""

        if report.existing:
            lines.append(text("existing_head", lang) + ":")
            lines.extend(_block(report.existing, report.changed, graphs, lang, note))
        if report.resolved:
            lines.append(text("resolved_head", lang) + ":")
            lines.extend(_block(report.resolved, report.base, _graphs(report, "base"), lang))
    else:
        if report.existing:
            lines.append(text("existing_count", lang, counts=_counts(report.existing, lang)))
    if report.resolved:
        lines.append(text("resolved_count", lang, counts=_counts(report.resolved, lang)))
    verdict = text("ok", lang) if report.conforms else text("bad", lang)
    lines.append(f"{verdict}: {text('new_counts', lang, counts=_counts(report.new, lang))}.")
    return "\n".join(lines) + "\n"


def _result_json(r: ValidationResult, validation: ValidationReport, lang: str, status: str) -> dict[str, object]:
    return {"status": status, "new": status == "new", **result_json(r, validation, lang)}


def format_json(report: ChangeReport, lang: str = "nb", everything: bool = False) -> str:
    """``results``: the new results (with ``everything``, every result of the graph with the change,
    ``status`` new / existing / reworded, and the ``resolved`` ones); counts of each kind always."""
    reworded = {id(w.after): w.before for w in report.reworded}
    listed = [_result_json(r, report.changed, lang, "new") for r in report.new]
    if everything:
        for r in report.existing:
            entry = _result_json(r, report.changed, lang, "reworded" if id(r) in reworded else "existing")
            if id(r) in reworded:
                entry["messages_before"] = reworded[id(r)].messages
            listed.append(entry)
    change = report.change

    def counts(results: Sequence[ValidationResult]) -> dict[str, int]:
        return {s: sum(1 for r in results if r.severity == s) for s in SEVERITY_ORDER}

    payload: dict[str, object] = {
        "conforms": report.conforms,
        "counts": counts(report.new) if not everything else counts(report.changed.results),
        "new_counts": counts(report.new),
        "existing_counts": counts(report.existing),
        "resolved_counts": counts(report.resolved),
        "change": {
            "files": [{"path": f.path, "status": f.status, "given": f.given} for f in change.files],
            "triples_added": sum(len(a) for _r, a in change.triples.values()),
            "triples_removed": sum(len(r) for r, _a in change.triples.values()),
        },
        "results": listed,
    }
    if everything:
        payload["resolved"] = [_result_json(r, report.base, lang, "resolved") for r in report.resolved]
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def _copy_node(source: Graph, node: Node, target: Graph, depth: int = 0) -> None:
    """``node``'s triples and, recursively, those of the blank nodes it points at."""
    for p, o in source.predicate_objects(node):  # type: ignore[misc]
        target.add((node, p, o))  # type: ignore[arg-type]
        if isinstance(o, BNode) and depth < 16:
            _copy_node(source, o, target, depth + 1)


def format_turtle(report: ChangeReport, lang: str = "nb", everything: bool = False) -> str:
    """A SHACL validation report of the graph with the change: the new results (every result with
    ``everything``); each new one also says ``k2sh:newInChange true``. ``sh:conforms`` is false when
    the change brings in a Violation."""
    source = report.changed.report_graph
    change = report.change
    data, shapes = change.graph("changed", "data"), change.graph("changed", "shapes")
    wanted: defaultdict[ResultKey, int] = defaultdict(int)
    for r in report.new:
        wanted[report.keys[id(r)]] += 1
    listed = defaultdict(int, wanted)
    if everything:
        for r in report.existing:
            listed[report.keys[id(r)]] += 1
    out = bind_prefixes(Graph())
    root = BNode()
    out.add((root, RDF.type, SH.ValidationReport))
    out.add((root, SH.conforms, Literal(report.conforms)))
    by_node = {}
    for node in source.subjects(RDF.type, SH.ValidationResult):
        by_node[node] = _key_of_report_node(source, node, report.changed.results, report, data, shapes)
    for node, key in sorted(by_node.items(), key=lambda kv: str(kv[1])):
        if key is None or listed[key] <= 0:
            continue
        listed[key] -= 1
        out.add((root, SH.result, node))
        _copy_node(source, node, out)
        if wanted[key] > 0:
            wanted[key] -= 1
            out.add((node, NEW_IN_CHANGE, Literal(True, datatype=XSD.boolean)))
    return stable_turtle(out)


def _key_of_report_node(source: Graph, node: Node, results: Sequence[ValidationResult], report: ChangeReport, data, shapes):  # type: ignore[no-untyped-def]
    """The key of the result that report node ``node`` holds (matched on its focus, shape, path, value, constraint)."""
    focus = source.value(node, SH.focusNode)
    for r in results:
        if (
            r.focus == focus
            and r.source_shape == source.value(node, SH.sourceShape)
            and r.value == source.value(node, SH.value)
            and r.constraint == source.value(node, SH.sourceConstraintComponent)
            and r.path == source.value(node, SH.resultPath)
        ):
            return result_key(r, data, source, shapes)
    return None


def format_junit(report: ChangeReport, lang: str = "nb", everything: bool = False) -> str:
    """One test case per focus node. A new Violation is a failure; results already there (listed with
    ``everything``) are notes in system-out, so the failures match the exit code."""
    graphs = _graphs(report, "changed")
    names = bind_prefixes(Graph()).namespace_manager
    by_focus: dict[Node, list[tuple[ValidationResult, bool]]] = defaultdict(list)
    for r in report.new:
        by_focus[r.focus].append((r, True))
    if everything:
        for r in report.existing:
            by_focus[r.focus].append((r, False))
    new_mark, old_mark = text("new_mark", lang), text("already_mark", lang)
    cases, failures = [], 0
    for focus, group in by_focus.items():
        violations = [r for r, new in group if new and r.severity == "Violation"]
        notes = [(r, new) for r, new in group if not (new and r.severity == "Violation")]
        body = ""
        if violations:
            failures += 1
            detail = "\n".join(f"{show(r.source_shape, graphs, names)}: {r.message(lang)}" for r in violations)
            body += (
                f"<failure message={quoteattr(f'[{new_mark}] ' + violations[0].message(lang))} "
                f'type="Violation">{escape(detail)}</failure>'
            )
        if notes:
            note = "\n".join(f"[{r.severity}, {new_mark if new else old_mark}] {r.message(lang)}" for r, new in notes)
            body += f"<system-out>{escape(note)}</system-out>"
        cases.append(f'  <testcase classname="k2020graph.shacl" name={quoteattr(show(focus, graphs, names))}>{body}</testcase>')
    if not cases:
        cases.append('  <testcase classname="k2020graph.shacl" name="change conforms"/>')
    counts = "".join(
        f'    <property name="{kind}.{s}" value="{sum(1 for r in rs if r.severity == s)}"/>\n'
        for kind, rs in (("new", report.new), ("existing", report.existing), ("resolved", report.resolved))
        for s in SEVERITY_ORDER
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="k2020graph validate (change)" '
        f'tests="{len(cases)}" failures="{failures}" errors="0">\n  <properties>\n{counts}  </properties>\n'
        + "\n".join(cases)
        + "\n</testsuite>\n"
    )


FORMATTERS: dict[str, Callable[[ChangeReport, str, bool], str]] = {
    "text": format_text,
    "json": format_json,
    "turtle": format_turtle,
    "junit": format_junit,
}
