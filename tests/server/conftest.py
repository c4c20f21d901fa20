"""Fixtures of the server's tests: a small project root, applications over it, and a real server process.

The small root (``fixtures/mini.ttl`` with the repository's ontology and two of its canned queries)
keeps the tests independent of the data that is still being written; ``test_real_data.py`` runs the
repository's own data as well. Every application and process started here is stopped here.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.server import Settings, create_app

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCRIPT = Path(sys.executable).parent / "k2020graph"
QUERIES = ("continued-into-k2025.rq", "tiltak-table.rq")

#: Never finishes on any graph of more than a few triples: a four-way cartesian product.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="session")
def runaway() -> str:
    return RUNAWAY


def make_root(target: Path) -> Path:
    for name in ("ontology", "data/turtle", "shapes", "queries"):
        (target / name).mkdir(parents=True, exist_ok=True)
    for path in (REPO / "ontology").glob("*.ttl"):
        shutil.copy(path, target / "ontology" / path.name)
    for name in QUERIES:
        shutil.copy(REPO / "queries" / name, target / "queries" / name)
    # the direct layer's rules: the canned queries read what they derive (continued-into-k2025)
    shutil.copytree(REPO / "rules", target / "rules", dirs_exist_ok=True)
    shutil.copy(FIXTURES / "mini.ttl", target / "data/turtle/mini.ttl")
    return target


@pytest.fixture(scope="session")
def mini_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("mini-root"))


@pytest.fixture(scope="session")
def mini_kg(mini_root: Path) -> KnowledgeGraph:
    return KnowledgeGraph.load(Project.at(mini_root))


@pytest.fixture(scope="module")
def client(mini_kg: KnowledgeGraph) -> Iterator[TestClient]:
    app = create_app(mini_kg, Settings(timeout=5, workers=1, max_workers=2))
    with TestClient(app) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``k2020graph serve`` in a subprocess on 127.0.0.1 and a free port."""

    def __init__(self, root: Path, log: Path, *extra: str, closed: tuple[int, ...] = ()) -> None:
        """``closed``: descriptors (of 0, 1, 2) the server starts without, as after ``0<&-``."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = log.open("wb")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [str(SCRIPT), "serve", "--root", str(root), "--host", "127.0.0.1", "--port", str(self.port), *extra],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=(lambda: [os.close(fd) for fd in closed]) if closed else None,  # noqa: PLW1509 - no threads yet
        )
        deadline = time.monotonic() + 300  # bounded, and only reached if it never starts (2 xdist workers on a busy machine)
        # One client for all the polls: httpx.get() builds a client (and its TLS context) on every call,
        # which cost the test process as much CPU as the server's own start on a loaded machine.
        with httpx.Client(timeout=2) as poll:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the server exited: {log.read_text()}")
                try:
                    if poll.get(self.url + "/api/status").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the server did not start: {log.read_text()}")
                time.sleep(0.1)

    def stop(self) -> int:
        if self._log_file.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()
        return self.proc.returncode


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start more servers in a test (each stopped at its end): ``start_server(root, *extra_args, closed=())``."""
    started: list[ServerProcess] = []

    def start(root: Path, *extra: str, closed: tuple[int, ...] = ()) -> ServerProcess:
        proc = ServerProcess(root, tmp_path / f"server-{len(started)}.log", *extra, closed=closed)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture(scope="module")
def server(mini_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(mini_root, tmp_path_factory.mktemp("server") / "server.log", "--timeout", "2")
    try:
        yield proc
    finally:
        proc.stop()
