"""The change history of a resource, from the audit log of the guarded writes (and of ``import --apply``).

An entry touches a resource when one of its added or removed triples has the resource, or one of its
records (``k2:recordOf`` it), as subject or object: a corrected title of a tiltak's record is a change of
the tiltak. The log is read again only when its size or modification time changed; the parsed entries
belong to one :class:`AuditHistory` (one per application), nothing is kept at module level.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..changes.persist import AUDIT_FILE
from ..namespaces import K2

#: Entries shown on a page (newest first), and triples shown per entry.
SHOWN_ENTRIES = 20
SHOWN_TRIPLES = 8


@dataclass(frozen=True)
class Line:
    sign: str  # "+" added, "−" removed
    triple: ox.Triple


@dataclass
class HistoryEntry:
    time: str  # ISO 8601, UTC
    who: str  # the token's name
    operation: str
    lines: list[Line]
    more: int = 0  # lines not shown


@dataclass
class _Parsed:
    time: str
    who: str
    operation: str
    lines: list[Line]
    nodes: frozenset[str]  # IRIs of every subject and object


@dataclass
class AuditHistory:
    path: Path
    _stamp: tuple[int, int] | None = None
    _entries: list[_Parsed] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def at(cls, audit_dir: Path) -> AuditHistory:
        return cls(audit_dir / AUDIT_FILE)

    def _load(self) -> list[_Parsed]:
        try:
            st = self.path.stat()
        except OSError:
            return []
        stamp = (st.st_size, st.st_mtime_ns)
        with self._lock:
            if stamp != self._stamp:
                self._entries, self._stamp = _parse(self.path), stamp
            return self._entries

    def touching(self, iri: str, store: Any) -> tuple[list[HistoryEntry], int]:
        """The entries that touch ``iri`` (newest first, at most :data:`SHOWN_ENTRIES`), and how many more."""
        entries = self._load()
        if not entries:
            return [], 0
        related = {iri}
        with contextlib.suppress(ValueError):
            related |= {
                q.subject.value
                for q in store.quads_for_pattern(None, ox.NamedNode(str(K2.recordOf)), ox.NamedNode(iri))
                if isinstance(q.subject, ox.NamedNode)
            }
        found = [e for e in reversed(entries) if e.nodes & related]
        out = []
        for e in found[:SHOWN_ENTRIES]:
            lines = [ln for ln in e.lines if _value(ln.triple.subject) in related or _value(ln.triple.object) in related]
            out.append(HistoryEntry(e.time, e.who, e.operation, lines[:SHOWN_TRIPLES], max(0, len(lines) - SHOWN_TRIPLES)))
        return out, max(0, len(found) - SHOWN_ENTRIES)


def _value(term: Any) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


def _parse(path: Path) -> list[_Parsed]:
    out = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    for raw in text.splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue  # a torn last line (a crash while appending): not an entry
        if not isinstance(entry, dict):
            continue
        lines = []
        for sign, key in (("−", "removed"), ("+", "added")):
            for nt in entry.get(key) or []:
                with contextlib.suppress(SyntaxError, ValueError, TypeError):
                    for triple in ox.parse(str(nt).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
                        lines.append(Line(sign, triple))
        nodes = frozenset(v for ln in lines for v in (_value(ln.triple.subject), _value(ln.triple.object)) if v)
        time = str(entry.get("time", ""))
        out.append(_Parsed(time, str(entry.get("token", "")), str(entry.get("operation", "")), lines, nodes))
    return out


def history_view(history: AuditHistory | None, iri: str, store: Any, labels: Any, lang: str) -> dict[str, Any] | None:
    """What the resource page's history block shows: each entry's lines as labelled terms (``labels``: the
    site's :class:`~.views.Labeller`); the subject is left out where it is the resource itself."""
    if history is None:
        return None
    entries, older = history.touching(iri, store)
    shown = []
    for e in entries:
        lines = [
            {
                "sign": ln.sign,
                "subject": None if _value(ln.triple.subject) == iri else labels.term(ln.triple.subject, lang),
                "predicate": labels.term(ln.triple.predicate, lang),
                "object": labels.term(ln.triple.object, lang),
            }
            for ln in e.lines
        ]
        shown.append(
            {
                "time": e.time,
                "shown": e.time.replace("T", " ")[:19],
                "who": e.who,
                "operation": e.operation,
                "lines": lines,
                "more": e.more,
            }
        )
    return {"entries": shown, "older": older}


def audit_history(ctx: Any) -> AuditHistory | None:
    """The audit log of the project ``ctx`` serves (``serve --audit-dir`` or the project's default), if it is
    served from a project's files."""
    from ..changes.persist import audit_dir_of

    if ctx.kg is None:
        return None
    return AuditHistory.at(ctx.settings.audit_dir or audit_dir_of(ctx.kg.project.root))
