"""Reading the project's Turtle files into graphs and stores, with errors that name file, line and column."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph

from .errors import InputError
from .namespaces import DEFAULT_BASE, bind_prefixes
from .project import Project
from .store import OxigraphStore

if TYPE_CHECKING:
    from .shacl import HeldStore


def _progress(items: Sequence[Path], label: str) -> Iterable[Path]:
    """A progress bar on a terminal, nothing when piped (tqdm's ``disable=None`` checks for a TTY)."""
    if len(items) < 8 or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="file", leave=False)


def read_quads(path: Path, base: str = DEFAULT_BASE) -> list[ox.Quad]:
    """Parse one Turtle file with pyoxigraph; a syntax error becomes an :class:`InputError` with its position.

    ``base`` rebases the project's IRIs: data is written against :data:`DEFAULT_BASE`, and a
    deployment may serve it under another persistent base.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path) from None
    return parse_quads(data, path, base)


def parse_quads(data: bytes, path: Path, base: str = DEFAULT_BASE) -> list[ox.Quad]:
    """Parse Turtle ``data`` as if read from ``path`` (which names it in errors and resolves relative IRIs).

    For contents that are not in a file of their own, such as a file at an older git revision.
    """
    try:
        quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
    except SyntaxError as exc:
        message = str(exc.msg).split(" (", 1)[0] if exc.msg else "syntax error"
        raise InputError(f"Turtle syntax error: {message}", path, exc.lineno, exc.offset) from None
    except ValueError as exc:  # invalid UTF-8 and the like
        raise InputError(f"cannot parse file: {exc}", path) from None
    _check_literals(quads, path, data)
    if base != DEFAULT_BASE:
        quads = [rebase_quad(q, DEFAULT_BASE, base) for q in quads]
    return quads


def _check_literals(quads: list[ox.Quad], path: Path, data: bytes) -> None:
    """Refuse an ill-typed literal such as ``"abc"^^xsd:integer`` or ``"2016-13-45"^^xsd:date``.

    Treated like a syntax error (unusable input, exit 2) rather than a SHACL violation: the value is
    unknown, so no query, comparison or export can use it, whichever property it sits on.
    """
    from .xsd import checked, ill_typed

    for quad in quads:
        obj = quad.object
        if not isinstance(obj, ox.Literal) or not checked(obj.datatype.value):
            continue
        reason = ill_typed(obj.value, obj.datatype.value)
        if reason is None:
            continue
        datatype = obj.datatype.value.replace("http://www.w3.org/2001/XMLSchema#", "xsd:")
        shown = obj.value if len(obj.value) <= 60 else obj.value[:60] + "…"
        literal = f"{json.dumps(shown, ensure_ascii=False)}^^{datatype}"  # quoted and escaped: stays one line
        raise InputError(
            f"ill-typed literal / ugyldig literal {literal} ({reason}), "
            f"subject / subjekt {quad.subject}, property / egenskap {quad.predicate}",
            path,
            _line_of(data, obj.value),
        )


def _line_of(data: bytes, value: str) -> int | None:
    """The first line where ``value`` stands quoted before ``^^`` (best effort: escapes are not undone)."""
    pattern = re.compile(r"([\"'])" + re.escape(value) + r"\1\^\^")
    for lineno, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if pattern.search(line):
            return lineno
    return None


def _rebase_term(term, old: str, new: str):  # type: ignore[no-untyped-def]
    if isinstance(term, ox.NamedNode) and term.value.startswith(old):
        return ox.NamedNode(new + term.value[len(old) :])
    return term


def rebase_quad(quad: ox.Quad, old: str, new: str) -> ox.Quad:
    return ox.Quad(
        _rebase_term(quad.subject, old, new),
        _rebase_term(quad.predicate, old, new),
        _rebase_term(quad.object, old, new),
    )


def quads_to_graph(quads: Iterable[ox.Quad], graph: Graph | None = None, terms: dict | None = None) -> Graph:  # type: ignore[type-arg]
    """An rdflib graph holding ``quads`` (their default-graph triples).

    ``terms`` maps pyoxigraph terms to the rdflib terms already made for them, and is filled in: each
    distinct term is converted once (a caller building several graphs from the same files passes one).
    """
    from .terms import rdflib_terms

    graph = bind_prefixes(graph if graph is not None else Graph())
    term = rdflib_terms({} if terms is None else terms)
    add = graph.add
    for q in quads:
        add((term(q.subject), term(q.predicate), term(q.object)))  # type: ignore[arg-type]
    return graph


@dataclass
class LoadedFiles:
    """Parsed files, kept per file so that callers can tell where a triple came from."""

    quads: dict[Path, list[ox.Quad]] = field(default_factory=dict)

    def all(self) -> Iterator[ox.Quad]:
        for quads in self.quads.values():
            yield from quads

    def graph(self, terms: dict | None = None) -> Graph:  # type: ignore[type-arg]
        return quads_to_graph(self.all(), terms=terms)

    def __len__(self) -> int:
        return sum(len(q) for q in self.quads.values())


def load_files(paths: Sequence[Path], base: str = DEFAULT_BASE, label: str = "loading") -> LoadedFiles:
    loaded = LoadedFiles()
    for path in _progress(paths, label):
        loaded.quads[path] = read_quads(path, base)
    return loaded


@dataclass
class KnowledgeGraph:
    """A project loaded: ontology, data and shapes as parsed files; graphs and the store built on demand.

    ``data`` holds the data files as written; ``derived`` the triples that the rules in ``rules/``
    derive from them (the direct layer, :mod:`k2020graph.derive`), computed by :meth:`load`. The
    store, :attr:`full_graph` and :attr:`data_and_derived_graph` hold both; :attr:`data_graph` and
    :attr:`base_full_graph` only what the files state.

    Nothing here is module-level state: every caller holds its own ``KnowledgeGraph``.
    """

    project: Project
    ontology: LoadedFiles
    data: LoadedFiles
    base: str = DEFAULT_BASE
    derived: list[ox.Quad] = field(default_factory=list)

    @classmethod
    def load(
        cls,
        project: Project,
        data_files: Sequence[Path] | None = None,
        base: str = DEFAULT_BASE,
        derive: bool = True,
    ) -> KnowledgeGraph:
        """Read the files and, unless ``derive`` is false, materialise the rules' direct layer."""
        from .derive import derive as run_rules
        from .derive import read_rules

        files = list(data_files) if data_files is not None else project.data_files
        if not files:
            raise InputError("no data files (*.ttl) found", project.root / "data/turtle")
        kg = cls(
            project=project,
            ontology=load_files(project.ontology_files, base, "ontology"),
            data=load_files(files, base, "data"),
            base=base,
        )
        if derive:
            rules = read_rules(project.rule_files)
            store = OxigraphStore([*kg.ontology.all(), *kg.data.all()])
            kg.derived = run_rules(store.raw, rules, base)
            store.raw.bulk_extend(kg.derived)
            kg.__dict__["store"] = store  # the cached property below, already built
        return kg

    @cached_property
    def _terms(self) -> dict:  # type: ignore[type-arg]
        """The rdflib term made for each pyoxigraph term so far: the graphs below share their terms."""
        return {}

    @cached_property
    def shapes_graph(self) -> Graph:
        # Read-only after loading and without contexts: rdflib's plain dict store adds and looks up in
        # about half the time of its default store (compiling the shapes is mostly such lookups).
        return quads_to_graph(load_files(self.project.shape_files, self.base, "shapes").all(), Graph(store="SimpleMemory"))

    @cached_property
    def ontology_graph(self) -> Graph:
        return self.ontology.graph(self._terms)

    @cached_property
    def data_graph(self) -> Graph:
        """The data as the files state it, without the derived layer."""
        return self.data.graph(self._terms)

    @cached_property
    def derived_graph(self) -> Graph:
        """The derived direct layer alone."""
        return quads_to_graph(self.derived, terms=self._terms)

    @cached_property
    def data_and_derived_graph(self) -> Graph:
        """The data with the derived layer: what ``validate`` checks."""
        return quads_to_graph([*self.data.all(), *self.derived], terms=self._terms)

    @cached_property
    def full_graph(self) -> Graph:
        """Ontology, data and derived layer together: what is queried, exported and served."""
        return quads_to_graph([*self.ontology.all(), *self.data.all(), *self.derived], terms=self._terms)

    @cached_property
    def base_full_graph(self) -> Graph:
        """Ontology and data without the derived layer (``export --no-derived``)."""
        return quads_to_graph([*self.ontology.all(), *self.data.all()], terms=self._terms)

    def held_store(self) -> HeldStore | None:
        """The store for validating :attr:`data_and_derived_graph` with :attr:`ontology_graph` (the
        ``held`` of :func:`k2020graph.validation.validate_graphs`), or None where it cannot stand in."""
        from .shacl import held_store

        return held_store(self.store.raw, [*self.ontology.all(), *self.data.all(), *self.derived])

    @cached_property
    def store(self) -> OxigraphStore:
        """The embedded default store, holding ontology, data and the derived layer."""
        return OxigraphStore([*self.ontology.all(), *self.data.all(), *self.derived])
