"""A change as data: two snapshots of the project, what tells them apart, and what validating it in
context finds — the results that the change brings in, apart from those already there.

Every function here is pure: it reads its arguments and returns new objects. The validation engine is
an argument (by default :func:`k2020graph.validation.validate_graphs`), so a faster or incremental
engine plugs in without touching this module.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import BNode, Graph
from rdflib.term import Node

from ..derive import Rule, derive
from ..loading import quads_to_graph
from ..project import Project
from ..validation import ValidationReport, ValidationResult, validate_graphs
from . import snapshot as snapshots
from .snapshot import ROLES, Snapshot
from .triples import Triple, same_graph, triple_diff

Validator = Callable[[Graph, Graph, Graph | None], ValidationReport]


@dataclass(frozen=True)
class FileChange:
    """One project file the change touches. ``status``: added, removed, modified or unchanged (a file
    given that says what the repository's file says already)."""

    path: str
    status: str
    given: str | None = None


@dataclass(frozen=True)
class Change:
    """The project before (``base``) and after (``changed``), file by file.

    A changed file that differs from the old one only in the labels of its blank nodes holds the old
    file's triples, so both sides share their blank nodes wherever nothing changed.
    """

    base: Snapshot
    changed: Snapshot
    files: tuple[FileChange, ...]

    @cached_property
    def _graphs(self) -> dict[tuple[str, str], Graph]:
        graphs: dict[tuple[str, str], Graph] = {}
        for role in ROLES:
            graphs["base", role] = self.base.graph(role)
            same = self.base.of(role) == self.changed.of(role)
            graphs["changed", role] = graphs["base", role] if same else self.changed.graph(role)
        return graphs

    def graph(self, side: str, role: str) -> Graph:
        """``side`` base or changed, ``role`` ontology, shapes or data. One graph object per side and
        role (the same for both sides when the role's files are unchanged): callers must not change it."""
        return self._graphs[side, role]

    @cached_property
    def triples(self) -> dict[str, tuple[frozenset[Triple], frozenset[Triple]]]:
        """Per role, (triples removed, triples added), blank nodes in canonical form."""
        out: dict[str, tuple[frozenset[Triple], frozenset[Triple]]] = {}
        for role in ROLES:
            old_files, new_files = self.base.of(role), self.changed.of(role)
            differing = {p for p in set(old_files) | set(new_files) if old_files.get(p) is not new_files.get(p)}
            differing = {p for p in differing if old_files.get(p) != new_files.get(p)}
            if not differing:
                out[role] = (frozenset(), frozenset())
                continue
            # Only the files that differ are compared (each file's blank nodes are its own, so this is exact),
            # less a triple that a file both sides share still holds.
            d = triple_diff(
                _union({p: old_files[p] for p in differing if p in old_files}),
                _union({p: new_files[p] for p in differing if p in new_files}),
            )
            shared = [triples for p, triples in old_files.items() if p not in differing]
            out[role] = (
                frozenset(t for t in d.removed if not any(t in f for f in shared)),
                frozenset(t for t in d.added if not any(t in f for f in shared)),
            )
        return out

    @property
    def removed(self) -> frozenset[Triple]:
        return self.triples["data"][0]

    @property
    def added(self) -> frozenset[Triple]:
        return self.triples["data"][1]

    @property
    def is_empty(self) -> bool:
        """True when no role's triples differ (files may still have been given)."""
        return all(not r and not a for r, a in self.triples.values())


def _union(files: dict[str, frozenset[Triple]]) -> set[Triple]:
    out: set[Triple] = set()
    for triples in files.values():
        out.update(triples)
    return out


def between(base: Snapshot, changed: Snapshot, given: dict[str, Path] | None = None) -> Change:
    """The change from ``base`` to ``changed``. ``given``: project path → the file given for it."""
    given = given or {}
    aligned = dict(changed.files)
    files = []
    for path in sorted(set(base.files) | set(changed.files)):
        old, new = base.files.get(path), changed.files.get(path)
        shown = str(given[path]) if path in given else None
        if old is None:
            files.append(FileChange(path, "added", shown))
        elif new is None:
            files.append(FileChange(path, "removed", shown))
        elif old == new or same_graph(old, new):
            aligned[path] = old
            if shown is not None:
                files.append(FileChange(path, "unchanged", shown))
        else:
            files.append(FileChange(path, "modified", shown))
    return Change(base, Snapshot(aligned), tuple(files))


def with_files(project: Project, paths: Sequence[Path]) -> Change:
    """The repository's data with ``paths``: a file named like a data file replaces it, another is added."""
    base = snapshots.from_project(project)
    changed, given = snapshots.with_files(base, paths)
    return between(base, changed, given)


def since(project: Project, rev: str) -> Change:
    """The project as in its work tree, against git revision ``rev`` (ontology, shapes and data)."""
    old = snapshots.from_git(project, rev)
    return between(old, snapshots.from_project(project))


# --------------------------------------------------------------------------------------------------
# Validation in context
# --------------------------------------------------------------------------------------------------

ResultKey = tuple[str, str, str, str, str, str]


def _describe(node: Node | None, graphs: Sequence[Graph], depth: int = 0, seen: frozenset[Node] = frozenset()) -> str:
    """A spelling of ``node`` that does not depend on blank-node labels: a blank node is spelt by
    what it says (its properties and values, recursively), which is how a property path, say, is known."""
    if node is None:
        return ""
    if not isinstance(node, BNode):
        return node.n3()
    if depth > 8 or node in seen:
        return "[…]"
    for g in graphs:
        pairs = sorted(
            f"{p.n3()} {_describe(o, graphs, depth + 1, seen | {node})}"
            for p, o in g.predicate_objects(node)  # type: ignore[misc]
        )
        if pairs:
            return "[" + " ; ".join(pairs) + "]"
    return "[]"


def result_key(result: ValidationResult, data: Graph, report: Graph, shapes: Graph) -> ResultKey:
    """What makes a result the same result before and after a change: focus node, shape, path,
    value, constraint component and severity (not the message, which may quote counts or values)."""

    def spell(node: Node | None, graphs: Sequence[Graph]) -> str:
        text = _describe(node, graphs)
        if isinstance(node, BNode):  # long descriptions of blank nodes: keep a digest
            return "_:" + hashlib.sha256(text.encode()).hexdigest()[:24]
        return text

    return (
        spell(result.focus, (data, report)),
        spell(result.source_shape, (shapes, report)),
        spell(result.path, (report, shapes)),
        spell(result.value, (data, report)),
        spell(result.constraint, (shapes, report)),
        result.severity,
    )


@dataclass(frozen=True)
class Reworded:
    """A result that was there before the change and still is, but whose message now reads otherwise
    (a SPARQL constraint's message may quote a count or a value that the change altered)."""

    before: ValidationResult
    after: ValidationResult


@dataclass
class ChangeReport:
    """The validation of a change in context."""

    change: Change
    base: ValidationReport
    changed: ValidationReport
    new: list[ValidationResult]
    existing: list[ValidationResult]
    reworded: list[Reworded]
    resolved: list[ValidationResult]
    keys: dict[int, ResultKey] = field(default_factory=dict)  # id(result) → its key, for the formats

    @property
    def conforms(self) -> bool:
        """True when the change brings in no Violation (whatever was there before)."""
        return not any(r.severity == "Violation" for r in self.new)

    def is_new(self, result: ValidationResult) -> bool:
        return any(r is result for r in self.new)


def classify(change: Change, base: ValidationReport, changed: ValidationReport) -> ChangeReport:
    """Sort the changed graph's results into new, already there (possibly reworded), and resolved."""
    keys: dict[int, ResultKey] = {}
    before: dict[ResultKey, list[ValidationResult]] = defaultdict(list)
    none = Graph()

    def report_graph(report: ValidationReport, r: ValidationResult) -> Graph:
        # read (and so built, see ValidationReport.report_graph) only where a blank node is to be spelt
        blank = any(isinstance(n, BNode) for n in (r.focus, r.source_shape, r.path, r.value, r.constraint))
        return report.report_graph if blank else none

    for r in base.results:
        k = keys[id(r)] = result_key(r, change.graph("base", "data"), report_graph(base, r), change.graph("base", "shapes"))
        before[k].append(r)
    new, existing, reworded = [], [], []
    for r in changed.results:
        k = keys[id(r)] = result_key(
            r, change.graph("changed", "data"), report_graph(changed, r), change.graph("changed", "shapes")
        )
        candidates = before.get(k)
        if not candidates:
            new.append(r)
            continue
        match = next((c for c in candidates if c.messages == r.messages), None)
        if match is None:
            match = candidates[0]
            reworded.append(Reworded(match, r))
        candidates.remove(match)
        existing.append(r)
    resolved = [r for rs in before.values() for r in rs]
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    resolved.sort(key=lambda r: (order.get(r.severity, 3), str(r.focus), str(r.source_shape), str(r.value)))
    return ChangeReport(change, base, changed, new, existing, reworded, resolved, keys)


def with_derived(data: Graph, ontology: Graph, rules: Sequence[Rule]) -> Graph:
    """``data`` with the direct layer that ``rules`` derive from it (over the data and the ontology), as loading does."""
    if not rules:
        return data
    from ..store import OxigraphStore

    store = OxigraphStore.from_graph(data + ontology)
    out = Graph()
    for t in data:
        out.add(t)
    return quads_to_graph(derive(store.raw, rules), out)


def _data_delta(change: Change, base: Graph, changed: Graph) -> tuple[set[Triple], set[Triple]]:
    """(added, removed) data triples, as the nodes of ``base`` and ``changed`` spell them: from the files
    that differ (cheap set operations on small files), less a triple another file still holds."""
    added: set[Triple] = set()
    removed: set[Triple] = set()
    old_files, new_files = change.base.of("data"), change.changed.of("data")
    for path in set(old_files) | set(new_files):
        old, new = old_files.get(path, frozenset()), new_files.get(path, frozenset())
        if old is new or old == new:
            continue
        removed |= old - new
        added |= new - old
    return {t for t in added if t not in base}, {t for t in removed if t not in changed}  # type: ignore[operator]


def check(
    change: Change,
    validate: Validator | None = None,
    rules: Sequence[Rule] = (),
    *,
    base_report: ValidationReport | None = None,
    shapes: object = None,
) -> ChangeReport:
    """Validate ``change`` in context and tell which results it brings in: the one road of every change
    (``validate FILE…``, ``--changed-since``, ``import --table``, ``/store``, ``/update``, ``/change``).

    The base side is validated in full unless the caller knows its report (``base_report``: a server
    keeps the report of the data it serves). The changed side is validated **incrementally**
    (:func:`k2020graph.validation.validate_incremental`, from the base report) when only data changed
    and no engine was chosen; with ``validate`` (an engine the caller chose, pyshacl say) or when the
    ontology or the shapes changed, it is validated in full. ``shapes``: the changed side's shapes
    compiled by :func:`k2020graph.shacl.compile_shapes`, for a caller that checks many changes.

    With ``rules`` (the project's ``rules/*.rq``), each side is validated with the direct layer they derive
    from it, as ``validate`` without files does, so a change that breaks a derived fact is seen too.
    When no triple differs, the changed side is the base: one validation, nothing new.
    """
    from ..validation import validate_incremental

    engine = validate or validate_graphs
    data: dict[str, Graph] = {}

    def data_of(side: str) -> Graph:
        if side not in data:
            data[side] = with_derived(change.graph(side, "data"), change.graph(side, "ontology"), rules)
        return data[side]

    def full(side: str) -> ValidationReport:
        # pyshacl adds a few RDFS triples to the shapes graph it is given: give it a copy
        copy = Graph()
        for t in change.graph(side, "shapes"):
            copy.add(t)
        return engine(data_of(side), copy, change.graph(side, "ontology"))

    base = base_report if base_report is not None else full("base")
    if change.is_empty:
        changed = base
    elif validate is None and not any(change.triples[role][0] or change.triples[role][1] for role in ("ontology", "shapes")):
        before, after = data_of("base"), data_of("changed")
        if rules:
            added = {t for t in after if t not in before}  # the derived layer may change too
            removed = {t for t in before if t not in after}
        else:
            added, removed = _data_delta(change, before, after)
        compiled = shapes if shapes is not None else change.graph("changed", "shapes")
        changed = validate_incremental(base, before, after, added, removed, compiled, change.graph("changed", "ontology"))
    else:
        changed = full("changed")
    return classify(change, base, changed)
