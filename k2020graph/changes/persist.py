"""An accepted change, written back: which data file each triple goes to, the files written atomically
(all of them or none), and the audit log.

**Where a triple goes.** A removed triple leaves every data file that holds it. An added triple goes
to the file the caller names (a write to a named graph: the graph *is* that file), else to its
subject's *home file*:

1. the file that says what the subject is (holds its ``rdf:type``), else the first file that
   describes it (holds a triple with it as subject), in file-name order;
2. a blank node's home is the home of the resource that points at it;
3. a new resource goes to the file that holds the most resources of its namespace (its IRI up to
   the last ``/`` or ``#``; a new ``tiltak:k2020-9.9`` joins the other tiltak), ties by file name;
4. a resource of a namespace no file holds goes to ``data/turtle/new-resources.ttl``.

**All files or none.** Each new file is written to a temporary file in the same folder and fsynced;
then a journal naming every (temporary, final) pair and the audit entry is written and fsynced; then
the temporary files are renamed over the old ones, the folder fsynced, the audit entry appended and
the journal removed. A crash before the journal is complete leaves the old files (and stray temporary
files, removed on the next start); after it, :func:`recover` (run when the server starts) finishes the
renames and the audit entry. Each rename is atomic, so a file is always either old or new, never torn.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .turtle_edit import RDF_TYPE, base_iri_of, rewrite

NEW_RESOURCES_FILE = "new-resources.ttl"
JOURNAL = ".k2020graph-journal.json"
AUDIT_FILE = "audit.jsonl"


def audit_dir_of(root: Path) -> Path:
    """Where the audit log of the project at ``root`` is kept unless told otherwise (``serve --audit-dir``)."""
    return root / ".k2020graph" / "audit"


def namespace_of(iri: str) -> str:
    cut = max(iri.rfind("/"), iri.rfind("#"))
    return iri[: cut + 1] if cut >= 0 else iri


def place(
    files: Mapping[Path, Iterable[ox.Triple]],
    removed: Iterable[ox.Triple],
    added: Iterable[ox.Triple],
    data_dir: Path,
    target: Path | None = None,
) -> dict[Path, set[ox.Triple]]:
    """The data files after the change: ``files`` without ``removed``, with ``added`` placed by the
    rules of this module. Only the files whose triples change are returned."""
    old = {path: set(ts) for path, ts in files.items()}
    new = {path: set(ts) for path, ts in old.items()}
    for t in removed:
        for triples in new.values():
            triples.discard(t)
    added = list(added)
    if target is not None:
        new.setdefault(target, set()).update(added)
    else:
        homes = _Homes(old, added, data_dir)
        for t in added:
            new.setdefault(homes.of(t.subject), set()).add(t)  # type: ignore[arg-type]
    return {path: triples for path, triples in new.items() if triples != old.get(path)}


class _Homes:
    def __init__(self, files: Mapping[Path, set[ox.Triple]], added: list[ox.Triple], data_dir: Path) -> None:
        self.typed: dict[object, Path] = {}
        self.described: dict[object, Path] = {}
        self.pointed: dict[object, object] = {}
        per_ns: dict[str, Counter[Path]] = {}
        for path in sorted(files):
            for t in files[path]:
                s = t.subject
                if t.predicate.value == RDF_TYPE:
                    self.typed.setdefault(s, path)
                if s not in self.described:
                    self.described[s] = path
                    if isinstance(s, ox.NamedNode):
                        per_ns.setdefault(namespace_of(s.value), Counter())[path] += 1
                if isinstance(t.object, ox.BlankNode):
                    self.pointed.setdefault(t.object, s)
        for t in added:
            if isinstance(t.object, ox.BlankNode):
                self.pointed.setdefault(t.object, t.subject)
        self.per_ns = per_ns
        self.fallback = data_dir / NEW_RESOURCES_FILE

    def of(self, subject: object, depth: int = 0) -> Path:
        if subject in self.typed:
            return self.typed[subject]
        if subject in self.described:
            return self.described[subject]
        if isinstance(subject, ox.BlankNode):
            parent = self.pointed.get(subject)
            return self.of(parent, depth + 1) if parent is not None and depth < 32 else self.fallback
        if isinstance(subject, ox.NamedNode):
            counts = self.per_ns.get(namespace_of(subject.value))
            if counts:
                return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]
        return self.fallback


# -- writing ---------------------------------------------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(folder: Path, name: str, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def render(path: Path, triples: Iterable[ox.Triple]) -> bytes:
    """The new text of data file ``path`` holding exactly ``triples`` (see :mod:`.turtle_edit`)."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    header = "" if old else f"# Resources added over HTTP writes (k2020graph serve), placed by the rule in {__name__}.\n"
    return rewrite(old, triples, base_iri_of(path), header).encode("utf-8")


@dataclass(frozen=True)
class AuditEntry:
    id: str
    time: str
    token: str
    graph: str
    operation: str
    added: list[str]
    removed: list[str]
    files: list[str]

    def as_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "time": self.time,
                "token": self.token,
                "graph": self.graph,
                "operation": self.operation,
                "added_count": len(self.added),
                "removed_count": len(self.removed),
                "added": self.added,
                "removed": self.removed,
                "files": self.files,
            },
            ensure_ascii=False,
        )


def audit_entry(
    token: str, graph: str, operation: str, added: Iterable[ox.Triple], removed: Iterable[ox.Triple], files: Iterable[str]
) -> AuditEntry:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return AuditEntry(
        id=uuid.uuid4().hex,
        time=now,
        token=token,
        graph=graph,
        operation=operation,
        added=sorted(f"{t} ." for t in added),
        removed=sorted(f"{t} ." for t in removed),
        files=sorted(files),
    )


def _append_audit(audit_dir: Path, line: str) -> None:
    audit_dir.mkdir(parents=True, exist_ok=True)
    path = audit_dir / AUDIT_FILE
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _audit_has(audit_dir: Path, entry_id: str) -> bool:
    path = audit_dir / AUDIT_FILE
    if not path.exists():
        return False
    with open(path, encoding="utf-8") as fh:
        return any(f'"id": "{entry_id}"' in line for line in fh)


def commit(data_dir: Path, contents: Mapping[Path, bytes], audit_dir: Path, entry: AuditEntry) -> None:
    """Write ``contents`` (path → new bytes) all or none, then append ``entry`` to the audit log."""
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in contents.items():
            temps.append((_write_temp(path.parent, path.name, data), path))
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    journal = {"renames": [[str(tmp), str(final)] for tmp, final in temps], "audit_dir": str(audit_dir), "audit": entry.as_json()}
    jtmp = _write_temp(data_dir, JOURNAL, json.dumps(journal).encode())
    os.replace(jtmp, data_dir / JOURNAL)
    _fsync_dir(data_dir)
    _finish(data_dir, journal)


def _finish(data_dir: Path, journal: Mapping[str, object]) -> None:
    folders = set()
    renames: list[list[str]] = journal["renames"]  # type: ignore[assignment]
    for tmp, final in renames:
        if Path(tmp).exists():
            os.replace(tmp, final)
        folders.add(Path(final).parent)
    for folder in folders:
        _fsync_dir(folder)
    entry = json.loads(str(journal["audit"]))
    audit_dir = Path(str(journal["audit_dir"]))
    if not _audit_has(audit_dir, entry["id"]):
        _append_audit(audit_dir, str(journal["audit"]))
    (data_dir / JOURNAL).unlink()
    _fsync_dir(data_dir)


def recover(data_dir: Path) -> bool:
    """Finish a commit that a crash interrupted after its journal was written; remove stray temporary
    files of one interrupted before. True when a commit was finished."""
    finished = False
    journal_path = data_dir / JOURNAL
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            journal = None  # written by rename only once complete: unreadable means not ours; leave it
        if journal is not None:
            _finish(data_dir, journal)
            finished = True
    for stray in data_dir.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            stray.unlink()
    return finished


def last_modified(audit_dir: Path) -> str | None:
    """The time of the last accepted change in the audit log (None: none yet)."""
    path = audit_dir / AUDIT_FILE
    if not path.exists():
        return None
    last = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                with contextlib.suppress(ValueError):
                    last = json.loads(line).get("time")
    return last
