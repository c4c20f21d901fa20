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

import json
import subprocess
import sys
from collections.abc import Iterable

import pyoxigraph as ox


class UpdateTimeout(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"the update ran longer than {seconds:g} s")
        self.seconds = seconds


class UpdateFailed(Exception):
    """The update cannot run (a syntax error, say): the engine's message."""


def run_update(quads: Iterable[ox.Quad], text: str, base_iri: str, timeout: float) -> tuple[set[ox.Quad], set[ox.Quad]]:
    """(removed, added): what ``text`` does to ``quads``, computed in a child process stopped after ``timeout`` s."""
    header = json.dumps({"text": text, "base": base_iri}).encode("utf-8")
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=header + b"\n" + data,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:  # subprocess.run has killed the child and waited for it
        raise UpdateTimeout(timeout) from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UpdateFailed(lines[-1] if lines else f"the update process failed ({done.returncode})")
    answer = json.loads(done.stdout)
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
