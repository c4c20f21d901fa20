"""A SPARQL Update run in a child process, so that one that runs too long can really be stopped.

pyoxigraph cannot cancel a running update, and an update runs while the write lock is held: one that
never ends would block every writer. So :func:`run_update` starts a fresh interpreter (spawned, not
forked: the server has threads), hands it the staging data as N-Quads and the update's text, and waits
at most ``timeout`` seconds. The child answers with the quads the update removed and added; past the
timeout it is killed, and :class:`UpdateTimeout` is raised: nothing was applied, since only the child's
copy of the data was touched.

The update has been inspected before (no ``LOAD``, no ``SERVICE``: :mod:`.guard`).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterable

import pyoxigraph as ox


class UpdateTimeout(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"the update ran longer than {seconds:g} s")
        self.seconds = seconds


class UpdateFailed(Exception):
    """The update cannot run (a syntax error, say): the engine's message."""


#: How long the child may take to start and read the data (not counted in the update's timeout): starting an
#: interpreter on a loaded machine takes seconds, and a slow start must not be taken for a slow update.
STARTUP_LIMIT = 120.0


def _read_line(fd: int, limit: float) -> bytes:
    """One short line from ``fd``, byte by byte (nothing after it is consumed: communicate() reads the fd itself)."""
    deadline = time.monotonic() + limit
    line = b""
    while not line.endswith(b"\n") and len(line) < 64:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 1) if ready else b""
        if not chunk:
            break
        line += chunk
    return line


def run_update(quads: Iterable[ox.Quad], text: str, base_iri: str, timeout: float) -> tuple[set[ox.Quad], set[ox.Quad]]:
    """(removed, added): what ``text`` does to ``quads``, computed in a child process stopped after ``timeout`` s
    of running the update (its start and the reading of the data are bounded by :data:`STARTUP_LIMIT`)."""
    header = json.dumps({"text": text, "base": base_iri}).encode("utf-8")
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    proc = subprocess.Popen(
        [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(header + b"\n" + data)  # the child reads it all before it writes anything
            proc.stdin.close()
        proc.stdin = None  # closed: communicate() below must not flush it
        if _read_line(proc.stdout.fileno(), STARTUP_LIMIT) != b"ready\n":
            proc.kill()
            _out, err = proc.communicate()
            lines = err.decode("utf-8", "replace").strip().splitlines()
            raise UpdateFailed(lines[-1] if lines else "the update process did not start")
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise UpdateTimeout(timeout) from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        raise UpdateFailed(lines[-1] if lines else f"the update process failed ({proc.returncode})")
    answer = json.loads(out)
    if "error" in answer:
        raise UpdateFailed(answer["error"])

    def parse(text: str) -> set[ox.Quad]:
        return set(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS))

    return parse(answer["removed"]), parse(answer["added"])


def _main() -> None:
    raw = sys.stdin.buffer.read()
    head, _, data = raw.partition(b"\n")
    request = json.loads(head)
    store = ox.Store()
    store.bulk_extend(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    before = set(store)
    sys.stdout.write("ready\n")  # the parent's timeout starts now
    sys.stdout.flush()
    try:
        store.update(request["text"], base_iri=request["base"])
    except (SyntaxError, ValueError, OSError) as exc:
        sys.stdout.write(json.dumps({"error": str(exc)}))
        return
    after = set(store)

    def nquads(quads: set[ox.Quad]) -> str:
        return (ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")

    sys.stdout.write(json.dumps({"removed": nquads(before - after), "added": nquads(after - before)}))


if __name__ == "__main__":
    _main()
