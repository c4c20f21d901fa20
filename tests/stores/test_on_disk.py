"""The embedded store on disk (``load --store-dir``, ``serve --store-dir``): pyoxigraph on RocksDB, opened
read-only by the query workers, answers as the in-memory store does, and the safety stays (issue 12)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from k2020graph.cli import main
from k2020graph.ondisk import RECORD, load_store_dir, open_store_dir
from k2020graph.queries import load_catalogue
from k2020graph.server import Settings, create_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("on-disk") / "store"
    assert main(["load", "--root", str(ROOT), "--store-dir", str(directory)]) == 0
    return directory


@pytest.fixture(scope="module")
def client(store_dir: Path, project) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    store = open_store_dir(store_dir)
    app = create_app(store, Settings(timeout=5, workers=1, max_workers=2), catalogue=load_catalogue(project.query_files))
    with TestClient(app) as client:
        yield client


def test_the_record_matches_the_in_memory_store(kg, store_dir: Path) -> None:  # type: ignore[no-untyped-def]
    record = json.loads((store_dir / RECORD).read_text())
    assert record["triples"] == len(kg.store) == len(kg.full_graph)
    assert record["version"] == kg.store.version  # ETags and cache keys stay the same across the two
    assert len(open_store_dir(store_dir).raw) == len(kg.store)  # counted on disk, not only recorded


@pytest.mark.parametrize("name", ["continued-into-k2025", "tiltak-table", "status-overview", "never-started"])
def test_the_api_answers_from_disk_as_from_memory(kg, catalogue, client: TestClient, name: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/queries/{name}", headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    local = catalogue[name].run(kg.store)
    assert int(response.headers["K2020-Rows"]) == len(local.rows) > 0


def test_the_workers_open_the_store_themselves(client: TestClient) -> None:
    status = client.get("/api/status").json()
    pids = client.app.state.k2020.pool.worker_pids()  # type: ignore[attr-defined]
    assert pids and status["triples"] > 7000
    for pid in pids:  # each worker holds RocksDB's files open, read-only, opened after it was forked
        targets = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        assert any("/rocksdb/" in t for t in targets), targets


def test_the_endpoint_keeps_its_safety_on_disk(client: TestClient, runaway_query: str) -> None:
    assert (
        client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"}).status_code
        == 400
    )
    assert client.post("/sparql", data={"update": "CLEAR ALL"}).status_code in (400, 403)
    response = client.get("/sparql", params={"query": runaway_query})
    assert response.status_code == 503  # the timeout: the worker is killed and replaced
    ok = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert ok.status_code == 200 and ok.json()["boolean"] is True


@pytest.fixture
def runaway_query() -> str:
    return "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def test_a_directory_without_a_store_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from k2020graph.errors import InputError

    with pytest.raises(InputError, match="no loaded store here"):
        open_store_dir(tmp_path)


def test_a_half_loaded_store_is_refused(kg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from k2020graph.errors import InputError

    load_store_dir(kg, tmp_path / "s")
    (tmp_path / "s" / RECORD).unlink()  # as a load that stopped before its end leaves it
    with pytest.raises(InputError, match="no loaded store here"):
        open_store_dir(tmp_path / "s")
