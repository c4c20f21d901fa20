"""One state of a project's knowledge — ontology, shapes and data, file by file — from the work tree,
from a set of files given on the command line, or from a git revision (read with git, no checkout)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rdflib import Graph

from ..errors import InputError
from ..loading import parse_quads, read_quads
from ..namespaces import DEFAULT_BASE, bind_prefixes
from ..project import LAYOUT, Project
from ..terms import to_rdflib
from .triples import Triple

#: The parts of a project that a change may touch, with the folder each lives in.
ROLES: dict[str, str] = {"ontology": LAYOUT["ontology"], "shapes": LAYOUT["shapes"], "data": LAYOUT["data"]}


def role_of(path: str) -> str | None:
    """The role of a project-relative path such as ``data/turtle/actors.ttl`` (``None``: none of them)."""
    p = PurePosixPath(path)
    if p.suffix != ".ttl":
        return None
    for role, folder in ROLES.items():
        if str(p.parent) == folder:
            return role
    return None


def _triples(quads: Iterable) -> frozenset[Triple]:  # type: ignore[type-arg]
    return frozenset((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in quads)  # type: ignore[misc]


@dataclass(frozen=True)
class Snapshot:
    """Triples per project-relative path (``data/turtle/actors.ttl`` → its triples). Immutable."""

    files: Mapping[str, frozenset[Triple]]

    def of(self, role: str) -> dict[str, frozenset[Triple]]:
        return {path: triples for path, triples in self.files.items() if role_of(path) == role}

    def graph(self, role: str) -> Graph:
        """A new graph holding every triple of ``role``'s files."""
        g = bind_prefixes(Graph())
        for triples in self.of(role).values():
            for t in triples:
                g.add(t)
        return g


def from_project(project: Project, base: str = DEFAULT_BASE) -> Snapshot:
    """The project as its files are now (the work tree)."""
    files = {}
    for path in [*project.ontology_files, *project.shape_files, *project.data_files]:
        files[path.relative_to(project.root).as_posix()] = _triples(read_quads(path, base))
    return Snapshot(files)


def with_files(snapshot: Snapshot, paths: Sequence[Path], base: str = DEFAULT_BASE) -> tuple[Snapshot, dict[str, Path]]:
    """``snapshot`` with the given data files: one named like a data file replaces it, another is added.

    Returns the new snapshot and, for each project path touched, the file given for it.
    """
    files = dict(snapshot.files)
    given: dict[str, Path] = {}
    for path in paths:
        name = f"{LAYOUT['data']}/{path.name}"
        if name in given:
            raise InputError(
                f"two files named {path.name!r} given ({given[name]} and {path}); each replaces or adds one data file / "
                f"to filer heter {path.name!r}; hver erstatter eller legger til én datafil",
                path,
            )
        if not path.is_file():
            raise InputError("no such file / filen finnes ikke", path)
        given[name] = path
        files[name] = _triples(read_quads(path, base))
    return Snapshot(files), given


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed (needed for a git revision) / git er ikke installert") from None


def resolve_revision(root: Path, rev: str) -> tuple[str, str]:
    """(the commit ``rev`` names, ``root``'s path inside its repository); an :class:`InputError` if none."""
    inside = _git(root, "rev-parse", "--show-prefix")
    if inside.returncode != 0:
        raise InputError(
            "is not inside a git repository, so there is no revision to compare with / "
            "er ikke i et git-depot, så det finnes ingen revisjon å sammenligne med",
            root,
        )
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if not rev or rev.startswith("-") or found.returncode != 0:
        raise InputError(
            f"unknown git revision {rev!r} (a commit, branch or tag such as HEAD, HEAD~1, main) / "
            f"ukjent git-revisjon {rev!r} (en commit, gren eller tag, som HEAD, HEAD~1, main)",
            root,
        )
    return found.stdout.decode().strip(), inside.stdout.decode("utf-8", "surrogateescape").strip()


def from_git(project: Project, rev: str, roles: Sequence[str] = tuple(ROLES), base: str = DEFAULT_BASE) -> Snapshot:
    """The project's files of ``roles`` as they were at git revision ``rev`` of the repository holding its root."""
    commit, prefix = resolve_revision(project.root, rev)
    folders = [ROLES[r] for r in roles]
    listing = _git(project.root, "ls-tree", "-r", "-z", "--full-name", commit, "--", *folders)
    if listing.returncode != 0:
        raise InputError(f"git ls-tree failed: {listing.stderr.decode(errors='replace').strip()}", project.root)
    wanted: list[tuple[str, str]] = []  # (object id, project-relative path)
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        full = name.decode("utf-8", "surrogateescape")
        rel = full[len(prefix) :] if prefix and full.startswith(prefix) else full
        if kind == "blob" and mode != "120000" and role_of(rel) in roles:
            wanted.append((oid, rel))
    contents = _cat_blobs(project.root, [oid for oid, _ in wanted])
    files = {}
    for (_oid, rel), data in zip(wanted, contents, strict=True):
        try:
            files[rel] = _triples(parse_quads(data, project.root / rel, base))
        except InputError as exc:  # name the file as it was at the revision: "HEAD:data/turtle/x.ttl"
            raise InputError(exc.message, f"{rev}:{rel}", exc.line, exc.column) from None
    return Snapshot(files)


def _cat_blobs(root: Path, oids: Sequence[str]) -> list[bytes]:
    """The contents of the blobs ``oids``, in one ``git cat-file --batch``."""
    if not oids:
        return []
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid in oids).encode())
    if out.returncode != 0:
        raise InputError(f"git cat-file failed: {out.stderr.decode(errors='replace').strip()}", root)
    data = out.stdout
    blobs = []
    pos = 0
    for _ in oids:
        header_end = data.index(b"\n", pos)
        size = int(data[pos:header_end].split()[2])
        start = header_end + 1
        blobs.append(data[start : start + size])
        pos = start + size + 1
    return blobs
