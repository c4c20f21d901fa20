"""The semantic diff of two graphs: changes grouped per resource, with labels.

Triples are compared as RDF (blank nodes by structure, see :mod:`.triples`). A triple about a blank
node is shown under the named resource it hangs from, by the path of properties that leads to it
("kilde › linje"); a blank node nothing named points at is shown as an anonymous node of its own. On
one resource and path, a value removed and a value added are one value changed ("2020 → 2021"); with
several, they pair up by language tag.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS, XSD, NamespaceManager
from rdflib.term import Node

from ..namespaces import bind_prefixes
from .texts import text
from .triples import Triple, triple_diff

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
#: Literals of these datatypes are shown bare (2021, not "2021"^^xsd:gYear).
BARE = {XSD.integer, XSD.decimal, XSD.double, XSD.gYear, XSD.date, XSD.dateTime, XSD.boolean, XSD.nonNegativeInteger}


@dataclass(frozen=True)
class Value:
    """A value as the diff shows it: a term, or for a blank node the description of what it says."""

    term: Node
    blank: str | None = None  # "[ p o ; … ]" for a blank node

    @property
    def key(self) -> str:
        return self.blank if self.blank is not None else self.term.n3()


@dataclass(frozen=True)
class ValueChange:
    """On ``path`` (the properties from the resource; more than one through blank nodes): ``old`` became
    ``new``; one of them is ``None`` for a value only added or only removed."""

    path: tuple[URIRef, ...]
    old: Value | None
    new: Value | None

    @property
    def kind(self) -> str:
        return "changed" if self.old and self.new else "added" if self.new else "removed"


@dataclass(frozen=True)
class ResourceDiff:
    resource: Node
    status: str  # added (the resource is new), removed (gone) or changed
    changes: tuple[ValueChange, ...]


@dataclass(frozen=True)
class GraphDiff:
    resources: tuple[ResourceDiff, ...]
    added: int  # triples
    removed: int
    labels: dict[Node, dict[str, str]]

    def label(self, node: Node, lang: str) -> str:
        names = self.labels.get(node, {})
        return names.get(lang) or names.get("nb") or names.get("nn") or names.get("en") or names.get("") or ""


def _short(node: Node, names: NamespaceManager) -> str:
    if isinstance(node, URIRef):
        try:
            return names.normalizeUri(node)
        except Exception:  # noqa: BLE001 - rdflib raises plain exceptions for unbindable IRIs
            return f"<{node}>"
    return node.n3(names) if isinstance(node, Literal) else str(node.n3())


def _names() -> NamespaceManager:
    return bind_prefixes(Graph()).namespace_manager


def _anchor(node: Node, parents: dict[Node, list[tuple[Node, Node]]]) -> tuple[Node, tuple[Node, ...]]:
    """The named resource ``node`` hangs from and the properties leading to it (breadth first, the
    shortest path, ties broken by the spelling of the terms). ``node`` itself when nothing named holds it."""
    if not isinstance(node, BNode):
        return node, ()
    frontier: list[tuple[Node, tuple[Node, ...]]] = [(node, ())]
    seen = {node}
    while frontier:
        step: list[tuple[Node, tuple[Node, ...]]] = []
        for current, path in frontier:
            for subject, prop in sorted(parents.get(current, ()), key=lambda sp: (sp[0].n3(), sp[1].n3())):
                if not isinstance(subject, BNode):
                    return subject, (prop, *path)
                if subject not in seen:
                    seen.add(subject)
                    step.append((subject, (prop, *path)))
        frontier = step
    return node, ()


def _describe(node: Node, children: dict[Node, list[tuple[Node, Node]]], names: NamespaceManager, depth: int = 0) -> str:
    """A blank node spelt by what it says: "[ k2:lineStart 40 ; … ]" (its label never shows)."""
    if not isinstance(node, BNode):
        return _short(node, names)
    if depth > 6:
        return "[…]"
    inner = sorted(f"{_short(p, names)} {_describe(o, children, names, depth + 1)}" for p, o in children.get(node, ()))
    return "[ " + " ; ".join(inner) + " ]" if inner else "[]"


def _index(triples: Iterable[Triple]) -> tuple[dict[Node, list[tuple[Node, Node]]], dict[Node, list[tuple[Node, Node]]]]:
    """(blank node → its (subject, property) parents, node → its (property, object) children)."""
    parents: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    children: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in triples:
        if isinstance(o, BNode):
            parents[o].append((s, p))
        if isinstance(s, BNode):
            children[s].append((p, o))
    return parents, children


def _entries(
    changed: frozenset[Triple], graph: frozenset[Triple], names: NamespaceManager
) -> dict[Node, dict[tuple[Node, ...], dict[str, Value]]]:
    """resource → path → values (by key), for the triples ``changed`` of ``graph``."""
    parents, children = _index(graph)
    described = {s for s, _p, _o in changed if isinstance(s, BNode)}  # shown by their own paths
    out: dict[Node, dict[tuple[Node, ...], dict[str, Value]]] = defaultdict(lambda: defaultdict(dict))
    for s, p, o in changed:
        if isinstance(o, BNode) and o in described:
            continue
        root, path = _anchor(s, parents)
        value = Value(o, _describe(o, children, names)) if isinstance(o, BNode) else Value(o)
        out[root][(*path, p)][value.key] = value
    return out


def _lang(v: Value) -> str | None:
    return v.term.language if isinstance(v.term, Literal) else None


def _pair(old: list[Value], new: list[Value], path: tuple[URIRef, ...]) -> list[ValueChange]:
    if len(old) == 1 and len(new) == 1:
        return [ValueChange(path, old[0], new[0])]
    out = []
    old, new = list(old), list(new)
    for lang in sorted({v.term.language for v in old if isinstance(v.term, Literal) and v.term.language}):
        o = [v for v in old if _lang(v) == lang]
        n = [v for v in new if _lang(v) == lang]
        if len(o) == 1 and len(n) == 1:
            out.append(ValueChange(path, o[0], n[0]))
            old.remove(o[0])
            new.remove(n[0])
    out.extend(ValueChange(path, v, None) for v in old)
    out.extend(ValueChange(path, None, v) for v in new)
    return out


def _labels(nodes: set[Node], graphs: Sequence[Graph | frozenset[Triple]]) -> dict[Node, dict[str, str]]:
    wanted = {n for n in nodes if isinstance(n, URIRef)}
    out: dict[Node, dict[str, str]] = {n: {} for n in wanted}
    notations: dict[Node, str] = {}
    for g in graphs:
        for s, p, o in g:  # type: ignore[misc]
            if s in wanted and isinstance(o, Literal):
                if p in LABEL_PROPERTIES:
                    out[s].setdefault(o.language or "", str(o))
                elif p == SKOS.notation:
                    notations.setdefault(s, str(o))
    for node, notation in notations.items():
        if not out[node]:
            out[node][""] = notation
    return out


def diff_graphs(old: Iterable[Triple], new: Iterable[Triple], vocabulary: Sequence[Graph] = ()) -> GraphDiff:
    """What tells ``new`` from ``old``, per resource. Labels come from both graphs and ``vocabulary``
    (the ontology, which names the properties)."""
    d = triple_diff(old, new)
    names = _names()
    removed, added = _entries(d.removed, d.old, names), _entries(d.added, d.new, names)
    old_subjects = {s for s, _p, _o in d.old}
    new_subjects = {s for s, _p, _o in d.new}
    resources = []
    for root in sorted(set(removed) | set(added), key=lambda n: (isinstance(n, BNode), str(n))):
        before, after = removed.get(root, {}), added.get(root, {})
        changes: list[ValueChange] = []
        for path in sorted(set(before) | set(after), key=lambda p: [str(x) for x in p]):
            b, a = before.get(path, {}), after.get(path, {})
            same = set(b) & set(a)  # a blank node relabelled, its content unchanged
            olds = [v for k, v in sorted(b.items()) if k not in same]
            news = [v for k, v in sorted(a.items()) if k not in same]
            changes.extend(_pair(olds, news, path))  # type: ignore[arg-type]
        if not changes:
            continue
        status = "added" if root not in old_subjects else "removed" if root not in new_subjects else "changed"
        resources.append(ResourceDiff(root, status, tuple(changes)))
    nodes: set[Node] = set()
    for r in resources:
        nodes.add(r.resource)
        for c in r.changes:
            nodes.update(c.path)
            nodes.update(v.term for v in (c.old, c.new) if v is not None)
    labels = _labels(nodes, [d.new, d.old, *vocabulary])  # a resource's current name first
    return GraphDiff(tuple(resources), len(d.added), len(d.removed), labels)


# --------------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------------


def _show_value(v: Value, diff: GraphDiff, lang: str, names: NamespaceManager) -> str:
    term = v.term
    if v.blank is not None:
        return v.blank
    if isinstance(term, Literal):
        if term.datatype in BARE:
            return str(term)
        return _short(term, names)
    label = diff.label(term, lang)
    return f"{label} ({_short(term, names)})" if label else _short(term, names)


def _show_path(path: Sequence[Node], diff: GraphDiff, lang: str, names: NamespaceManager) -> str:
    return " › ".join(diff.label(p, lang) or _short(p, names) for p in path)


def _heading(r: ResourceDiff, diff: GraphDiff, lang: str, names: NamespaceManager) -> str:
    if isinstance(r.resource, BNode):
        return f"[{text('anonymous', lang)} {r.resource}] ({text('status_' + r.status, lang)})"
    label = diff.label(r.resource, lang)
    name = f"{label} ({_short(r.resource, names)})" if label else _short(r.resource, names)
    return f"{name}, {text('status_' + r.status, lang)}:"


def format_text(diff: GraphDiff, lang: str = "nb") -> str:
    """One block per resource: "sluttår: 2020 → 2021", "+ kommentar: …", "− kilde: …"."""
    if not diff.resources:
        return text("no_changes", lang) + "\n"
    names = _names()
    lines = []
    for r in diff.resources:
        lines.append(_heading(r, diff, lang, names))
        for c in r.changes:
            path = _show_path(c.path, diff, lang, names)
            if c.old is not None and c.new is not None:
                lines.append(f"  {path}: {_show_value(c.old, diff, lang, names)} → {_show_value(c.new, diff, lang, names)}")
            elif c.new is not None:
                lines.append(f"  + {path}: {_show_value(c.new, diff, lang, names)}")
            elif c.old is not None:
                lines.append(f"  − {path}: {_show_value(c.old, diff, lang, names)}")
        lines.append("")
    lines.append(text("diff_summary", lang, resources=len(diff.resources), added=diff.added, removed=diff.removed))
    return "\n".join(lines) + "\n"


def _term_json(v: Value | None, diff: GraphDiff, lang: str) -> dict[str, object] | None:
    if v is None:
        return None
    term = v.term
    if v.blank is not None:
        return {"type": "bnode", "value": v.blank}
    if isinstance(term, Literal):
        out: dict[str, object] = {"type": "literal", "value": str(term)}
        if term.language:
            out["lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "iri", "value": str(term), "label": diff.label(term, lang) or None}


def format_json(diff: GraphDiff, lang: str = "nb") -> str:
    names = _names()
    payload = {
        "triples_added": diff.added,
        "triples_removed": diff.removed,
        "resources": [
            {
                "resource": str(r.resource) if isinstance(r.resource, URIRef) else f"_:{r.resource}",
                "label": diff.label(r.resource, lang) or None,
                "status": r.status,
                "changes": [
                    {
                        "kind": c.kind,
                        "path": [str(p) for p in c.path],
                        "path_labels": [diff.label(p, lang) or _short(p, names) for p in c.path],
                        "old": _term_json(c.old, diff, lang),
                        "new": _term_json(c.new, diff, lang),
                    }
                    for c in r.changes
                ],
            }
            for r in diff.resources
        ],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


FORMATTERS = {"text": format_text, "json": format_json}
