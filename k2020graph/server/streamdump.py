"""Dumps of a store the server does not hold in memory (``serve --store URL``, ``serve --store-dir DIR``).

The whole graph is read from the store as a stream of triples (the remote store's ``CONSTRUCT`` answer in
N-Triples, or the on-disk store's own iterator) and written to the client in chunks of at most
:data:`BATCH` triples, each serialised by pyoxigraph on its own:

- N-Triples: one line a triple; from a remote store that answers in N-Triples, its bytes are passed on as
  they come, in chunks, without parsing them.
- Turtle and TriG: the prefix header once, then each batch's statements (a statement never spans batches).
- JSON-LD: one top-level array; each batch's node objects are written into it (a subject that appears in
  two batches gives two node objects with the same ``@id``, which JSON-LD merges).
- RDF/XML: one ``rdf:RDF`` element with the prefixes declared once; each batch's descriptions inside it.

Unlike the embedded server's dumps (:func:`k2020graph.exports.export_graph`), these are in the store's order,
not sorted: the same graph, not the same bytes. Their figures (byte size, SHA-1 and SHA-256, for the
DCAT-AP-NO catalogue and the ``Repr-Digest`` header) come from one streamed pass, kept while the data does
not change (:func:`figures`); nothing here ever holds more than one batch of triples.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

#: triples serialised at a time
BATCH = 5000
#: bytes passed on at a time when the store's N-Triples are passed through
CHUNK = 1 << 16

_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class DumpFigures:
    """What the catalogue says of a dump: its byte size and checksums, from a streamed pass."""

    size: int
    sha1: str
    sha256: bytes


def is_streamed(store: Any) -> bool:
    """True when ``store`` is not held in this process: a remote store, or the on-disk one."""
    from .remote import RemoteServedStore

    return isinstance(store, RemoteServedStore) or getattr(store, "path", None) is not None


def _bytes(triples: list[ox.Triple], format: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    out = ox.serialize(triples, format=format, prefixes=prefixes)
    assert out is not None  # no output file given: the bytes
    return out


def _batches(triples: Iterable[ox.Triple]) -> Iterator[list[ox.Triple]]:
    it = iter(triples)
    while batch := list(itertools.islice(it, BATCH)):
        yield batch


def serialise(triples: Iterable[ox.Triple], fmt: str, prefixes: dict[str, str]) -> Iterator[bytes]:
    """``triples`` in ``fmt`` (an exports format name), as chunks, one batch of triples at a time."""
    rdf = _FORMATS[fmt]
    if fmt == "ntriples":
        for batch in _batches(triples):
            yield _bytes(batch, format=rdf)
        return
    if fmt in ("turtle", "trig"):
        header = _bytes([], format=rdf, prefixes=prefixes)
        yield header
        for batch in _batches(triples):
            body = _bytes(batch, format=rdf, prefixes=prefixes)
            yield body[len(header) :] if body.startswith(header) else body
        return
    if fmt == "jsonld":
        yield b"["
        first = True
        for batch in _batches(triples):
            body = _bytes(batch, format=rdf).strip()
            if body.startswith(b"[") and body.endswith(b"]") and len(body) > 2:
                yield (b"" if first else b",\n") + body[1:-1]
                first = False
        yield b"]\n"
        return
    # RDF/XML: pyoxigraph declares every given prefix in the rdf:RDF start tag whatever the batch holds, so
    # each batch's document is the same start tag, its descriptions, and the end tag.
    empty = _bytes([], format=rdf, prefixes=prefixes)
    end = b"</rdf:RDF>"
    header = empty[: empty.rindex(end)]
    yield header
    for batch in _batches(triples):
        body = _bytes(batch, format=rdf, prefixes=prefixes)
        if not body.startswith(header):  # never seen; but never write a second document into the first
            raise ValueError("RDF/XML batch with another header")
        yield body[len(header) : body.rindex(end)]
    yield end + b"\n"


def rechunk(chunks: Iterable[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """``chunks`` gathered into pieces of about ``size`` bytes (fewer, larger writes to the client)."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


def measure(chunks: Iterable[bytes]) -> DumpFigures:
    """Byte size and checksums of a dump, read once as a stream."""
    size, sha1, sha256 = 0, hashlib.sha1(), hashlib.sha256()
    for chunk in chunks:
        size += len(chunk)
        sha1.update(chunk)
        sha256.update(chunk)
    return DumpFigures(size, sha1.hexdigest(), sha256.digest())
