"""A change as data: two states of the project, the triples that tell them apart, the results that
validating it in context brings in (:mod:`.change`), and the semantic diff per resource (:mod:`.diff`).

The command line (``k2020graph validate FILE…``, ``--changed-since REV``, ``k2020graph diff``) and,
later, the HTTP writes build the same :class:`Change` and pass it through :func:`check`.
"""

from __future__ import annotations

from .change import Change, ChangeReport, FileChange, Reworded, between, check, classify, since, with_files
from .diff import GraphDiff, diff_graphs
from .snapshot import Snapshot

__all__ = [
    "Change",
    "ChangeReport",
    "FileChange",
    "GraphDiff",
    "Reworded",
    "Snapshot",
    "between",
    "check",
    "classify",
    "diff_graphs",
    "since",
    "with_files",
]
