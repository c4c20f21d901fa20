"""The embedded store on disk: pyoxigraph on RocksDB, for data that no longer fits comfortably in memory.

:func:`load_store_dir` writes the knowledge graph into a directory once (``k2020graph load --store-dir``,
or ``serve --store-dir`` when the directory holds none yet), with a small record beside it (triples,
data version, base IRI). :func:`open_store_dir` opens it read-only; the server's query workers each open
it read-only themselves after they are forked (:mod:`.server.pool`), so nothing is held twice in memory.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError
from .loading import KnowledgeGraph
from .store import OxigraphStore

RECORD = "k2020graph-store.json"
DATA = "rocksdb"


@dataclass(frozen=True)
class StoreRecord:
    triples: int
    version: str
    base: str


def read_record(directory: Path) -> StoreRecord | None:
    """The record of the store in ``directory``, or None if it holds no complete store."""
    path = directory / RECORD
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StoreRecord(int(data["triples"]), str(data["version"]), str(data["base"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError("the store's record is unreadable: load the store again (k2020graph load --store-dir)", path) from None


def load_store_dir(kg: KnowledgeGraph, directory: Path) -> StoreRecord:
    """Write what ``kg.store`` holds (ontology, data, derived layer) into an on-disk store in ``directory``.

    What the directory held before is replaced.
    The record is written last: a load that stops halfway leaves a directory :func:`open_store_dir` refuses.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / RECORD).unlink(missing_ok=True)
        if (directory / DATA).exists():
            shutil.rmtree(directory / DATA)
        memory = kg.store  # exactly what the in-memory store holds (ontology, data, derived layer)
        store = ox.Store(str(directory / DATA))
        store.bulk_extend(memory.raw)
        store.flush()
        store.optimize()
        triples = len(store)
        del store  # closes RocksDB before the record says the store is complete
        version = memory.version  # the same tag, so ETags and cache keys agree across the two
        record = StoreRecord(triples, version, kg.base)
        (directory / RECORD).write_text(json.dumps(record.__dict__, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the store: {exc.strerror or exc} / kan ikke skrive lageret", directory) from None
    return record


def open_store_dir(directory: Path, base: str | None = None) -> OxigraphStore:
    """The store in ``directory``, read-only; InputError if there is none or it holds another base."""
    record = read_record(directory)
    if record is None:
        raise InputError(
            "no loaded store here: run 'k2020graph load --store-dir DIR' first / ikke noe lager her: kjør "
            "'k2020graph load --store-dir DIR' først",
            directory,
        )
    if base is not None and base != record.base:
        raise InputError(f"the store holds the data under {record.base}, not {base}: load it again with --base", directory)
    try:
        return OxigraphStore.on_disk(directory / DATA, record.version, record.triples)
    except OSError as exc:
        raise InputError(f"cannot open the store: {exc} / kan ikke åpne lageret", directory) from None
