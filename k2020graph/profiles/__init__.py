"""Exports for other registers: the knowledge graph in the Norwegian application profiles.

- :mod:`.dcat_ap_no`: the graph as a ``dcat:Dataset`` in a ``dcat:Catalog`` (DCAT-AP-NO 2), for
  data.norge.no to harvest;
- :mod:`.cpsv_ap_no`: each grant scheme as a ``cpsv:PublicService`` (CPSV-AP-NO 1).

Each is a pure function from graphs to a :class:`ProfileExport`: the profile's graph and the
:class:`Gap` list, one per value the profile asks for that no source states. A gap is reported, never
filled with a guess; where the profile makes the value mandatory, the export does not conform until
someone who knows the value supplies it (the catalogue metadata file, ``data/catalog/catalog.ttl``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from ..errors import InputError
from ..loading import KnowledgeGraph
from ..namespaces import PROFILE_PREFIXES, bind_prefixes

PROFILES = ("dcat-ap-no", "cpsv-ap-no")

#: The catalogue metadata file, relative to the project root (not under data/turtle/: it is not data).
METADATA_FILE = "data/catalog/catalog.ttl"


@dataclass(frozen=True)
class Gap:
    """A value the profile asks for (``mandatory``: its shapes require it) that no source gives."""

    focus: str  # the node that lacks it
    path: str  # the property
    mandatory: bool
    nb: str
    en: str

    def line(self) -> str:
        kind = "påkrevd / mandatory" if self.mandatory else "anbefalt / recommended"
        return f"mangler / missing ({kind}): <{self.focus}> <{self.path}>: {self.nb} / {self.en}"


@dataclass
class ProfileExport:
    graph: Graph
    gaps: list[Gap] = field(default_factory=list)

    def gap(self, focus: Node | str, path: Node | str, nb: str, en: str, mandatory: bool = True) -> None:
        self.gaps.append(Gap(str(focus), str(path), mandatory, nb, en))


def ordered(nodes: Iterable[Node]) -> list[Node]:
    """``nodes`` in a stable order (their N-Triples form), whatever their kinds."""
    return sorted(nodes, key=lambda n: n.n3())


def profile_graph() -> Graph:
    """An empty graph with the project's and the profiles' prefixes bound."""
    graph = bind_prefixes(Graph())
    for prefix, namespace in PROFILE_PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def load_metadata(path: Path, catalog_iri: str) -> Graph:
    """The catalogue metadata file, its relative IRIs resolved against ``catalog_iri``.

    An unreadable or malformed file is an :class:`InputError` naming the file and the line.
    """
    import pyoxigraph as ox

    from ..loading import quads_to_graph

    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc
        raise InputError(f"cannot read the catalogue metadata / kan ikke lese katalogmetadataene: {reason}", path) from None
    try:
        quads = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=catalog_iri)
        return quads_to_graph(quads)
    except SyntaxError as exc:
        message = str(exc.msg).split(" (", 1)[0] if exc.msg else "syntax error"
        raise InputError(f"Turtle syntax error / syntaksfeil i Turtle: {message}", path, exc.lineno, exc.offset) from None
    except ValueError as exc:  # invalid UTF-8 and the like
        raise InputError(f"cannot parse the file / kan ikke tolke filen: {exc}", path) from None


def default_metadata(root: Path | None, path: Path | None, catalog_iri: str) -> Graph:
    """The metadata file at ``path``, else the project's (none at all: an empty graph, every value a gap)."""
    if path is not None:
        return load_metadata(path, catalog_iri)
    if root is not None and (root / METADATA_FILE).is_file():
        return load_metadata(root / METADATA_FILE, catalog_iri)
    return Graph()


def export_profile(
    kg: KnowledgeGraph,
    profile: str,
    public_url: str,
    metadata_path: Path | None = None,
    dumps: dict[str, bytes] | None = None,
) -> ProfileExport:
    """``kg`` in ``profile`` (one of :data:`PROFILES`): what ``export --profile`` writes and ``/catalog`` serves.

    ``metadata_path`` defaults to the project's :data:`METADATA_FILE`; ``dumps`` (DCAT-AP-NO only) are
    the dump bytes by format, computed from ``kg`` when not given.
    """
    if profile == "cpsv-ap-no":
        from .cpsv_ap_no import cpsv_ap_no

        return cpsv_ap_no(kg.data_graph)
    if profile != "dcat-ap-no":
        raise InputError(f"unknown profile {profile!r} (choose from {', '.join(PROFILES)}) / ukjent profil")
    from .dcat_ap_no import catalog_iri, dcat_ap_no, dump_bytes

    metadata = default_metadata(kg.project.root, metadata_path, catalog_iri(public_url))
    return dcat_ap_no(kg.data_graph, dumps if dumps is not None else dump_bytes(kg.full_graph), metadata, public_url)
