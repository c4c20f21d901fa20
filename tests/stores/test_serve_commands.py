"""``k2020graph serve --store URL`` and ``serve --store-dir DIR`` as real processes: they start, answer, stop."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from k2020graph.cli import main
from tests.server.conftest import ServerProcess

from .servers import free_port, oxigraph_executable, oxigraph_server

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "k2020graph"
WAIT = 300.0  # seconds to the first answer; only exceeded if it never comes


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if oxigraph_executable() is None:
        pytest.skip("the oxigraph server (PyPI 'oxigraph', a test dependency) is not installed")
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-cmd")) as endpoint:
        assert main(["publish", "--root", str(ROOT), "--endpoint", endpoint]) == 0
        yield endpoint


def _serve(log: Path, *options: str) -> Iterator[str]:
    """``k2020graph serve`` on the repository (tests/server/conftest.py's ServerProcess), stopped after use."""
    proc = ServerProcess(ROOT, log, *options)
    try:
        yield proc.url
    finally:
        assert proc.stop() == 0, proc.log.read_text()[-2000:]


def _get(url: str) -> dict:  # type: ignore[type-arg]
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_serve_store_answers_from_the_store(kg, published: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for base in _serve(tmp_path / "serve.log", "--store", published):
        assert _get(base + "/api/status")["triples"] == len(kg.store)
        rows = _get(base + "/api/queries/continued-into-k2025?division=PH")["results"]["bindings"]
        assert rows and all(r["division"]["value"] == "PH" for r in rows)


def test_serve_store_dir_loads_once_then_serves(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "store"
    for base in _serve(tmp_path / "serve.log", "--store-dir", str(store)):
        assert _get(base + "/api/status")["triples"] == len(kg.store)
        rows = _get(base + "/api/queries/continued-into-k2025?division=KP")["results"]["bindings"]
        assert rows and all(r["division"]["value"] == "KP" for r in rows)
    assert (store / "k2020graph-store.json").is_file()


def test_serve_refuses_both_stores(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "serve", "--root", str(ROOT), "--store-dir", str(tmp_path), "--store", "http://127.0.0.1:1/query"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "not both" in done.stderr and "Traceback" not in done.stderr


def test_serve_store_unreachable_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "serve", "--root", str(ROOT), "--store", f"http://127.0.0.1:{free_port()}/query"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "cannot reach the store" in done.stderr and "Traceback" not in done.stderr
