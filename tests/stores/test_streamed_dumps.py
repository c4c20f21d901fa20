"""Dumps, VoID and the catalogue under ``serve --store URL`` and ``--store-dir``, read from the store as streams.

The dumps must be the same graph as the embedded server's (isomorphic: the order and the blank node labels
may differ), the catalogue's byte sizes and checksums must be those of the bytes actually served, and a
server in front of a large store must not grow by the size of the data while it streams a dump.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD
from rdflib.term import Node

from k2020graph.cli import main
from k2020graph.ondisk import load_store_dir, open_store_dir
from k2020graph.remote import DEFAULT_GRAPH, Remote
from k2020graph.server import Settings, create_app
from k2020graph.server.remote import RemoteServedStore
from tests.server.conftest import ServerProcess

from .servers import oxigraph_executable, oxigraph_server

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "k2020graph"
SUFFIXES = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml", "trig": "trig"}
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
WAIT = 300.0  # seconds to the first answer; only exceeded if it never comes


def _value(term: Node) -> Node:
    """A decimal by its value: a store keeps the value, not the lexical form (Oxigraph writes 2.0 as 2)."""
    if isinstance(term, Literal) and term.datatype == XSD.decimal:
        return Literal(format(Decimal(str(term)).normalize(), "f"), datatype=XSD.decimal)
    return term


def _graph(body: bytes, suffix: str) -> Graph:
    """The triples of a dump, parsed by rdflib (not by the code that wrote it)."""
    if suffix == "trig":
        ds = Dataset()
        ds.parse(data=body, format="trig")
        triples = [(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))]
    else:
        triples = list(Graph().parse(data=body, format=SUFFIXES[suffix]))
    out = Graph()
    for s, p, o in triples:
        out.add((s, p, _value(o)))
    return out


@pytest.fixture(scope="module")
def embedded(kg) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(kg, Settings(workers=1, max_workers=2))) as client:
        yield client


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory, catalogue) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    if oxigraph_executable() is None:
        pytest.skip("the oxigraph server (PyPI 'oxigraph', a test dependency) is not installed")
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-dumps")) as endpoint:
        assert main(["publish", "--root", str(ROOT), "--endpoint", endpoint]) == 0
        served = RemoteServedStore(Remote(endpoint, DEFAULT_GRAPH), timeout=60)
        with TestClient(create_app(served, Settings(max_workers=2, cache_mb=0), catalogue=catalogue)) as client:
            yield client


@pytest.fixture(scope="module")
def on_disk(kg, catalogue, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("store-dir")
    load_store_dir(kg, directory)
    with TestClient(create_app(open_store_dir(directory), Settings(workers=1, max_workers=2), catalogue=catalogue)) as client:
        yield client


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
@pytest.mark.parametrize("which", ["remote", "on_disk"])
def test_a_streamed_dump_is_the_embedded_servers_graph(embedded: TestClient, which: str, suffix: str, request) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = request.getfixturevalue(which)
    expected = embedded.get(f"/dump.{suffix}")
    got = client.get(f"/dump.{suffix}")
    assert got.status_code == 200, got.text[:500]
    assert got.headers["content-type"].split(";")[0] == expected.headers["content-type"].split(";")[0]
    assert "content-length" not in got.headers  # sent as a stream, not built whole first
    mine, theirs = _graph(got.content, suffix), _graph(expected.content, suffix)
    assert len(mine) == len(theirs) > 1000
    assert isomorphic(mine, theirs)


@pytest.mark.parametrize("which", ["remote", "on_disk"])
def test_the_catalogue_gives_the_served_dumps_sizes_and_checksums(which: str, request) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = request.getfixturevalue(which)
    answer = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200, answer.text[:500]
    catalogue = Graph().parse(data=answer.content, format="turtle")
    for suffix in SUFFIXES:
        body = client.get(f"/dump.{suffix}").content
        (dist,) = [d for d, url in catalogue.subject_objects(URIRef(DCAT + "downloadURL")) if url.endswith(f"/dump.{suffix}")]
        assert Decimal(str(catalogue.value(dist, URIRef(DCAT + "byteSize")))) == len(body)
        checksum = catalogue.value(dist, URIRef(SPDX + "checksum"))
        assert str(catalogue.value(checksum, URIRef(SPDX + "checksumValue"))) == hashlib.sha1(body).hexdigest()


def test_void_counts_the_stores_triples(kg, remote: TestClient) -> None:  # type: ignore[no-untyped-def]
    void = Graph().parse(data=remote.get("/.well-known/void", headers={"Accept": "text/turtle"}).content, format="turtle")
    counts = {int(o) for o in void.objects(None, URIRef("http://rdfs.org/ns/void#triples"))}
    assert len(kg.store) in counts


# -- a large store, a real server process --------------------------------------------------------------


def _tree_peak_kib(pid: int) -> int:
    """The peak resident size (VmHWM) of ``pid`` and its child processes, in KiB."""
    total = 0
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if oxigraph_executable() is None:
        pytest.skip("the oxigraph server (PyPI 'oxigraph', a test dependency) is not installed")
    root = tmp_path_factory.mktemp("synthetic") / "root"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), "--triples", "200k", "--out", str(root)],
        check=True,
        capture_output=True,
    )
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-large")) as endpoint:
        # 31 MB in one PUT: Oxigraph server took 80 s on a loaded two-core machine (the default waits 60 s)
        assert main(["publish", "--root", str(root), "--endpoint", endpoint, "--store-timeout", "900"]) == 0
        yield endpoint, root


def test_streaming_a_large_dump_does_not_hold_the_graph(large: tuple[str, Path], tmp_path: Path) -> None:
    endpoint, root = large
    ntriples_size = (root / "data" / "turtle" / "synthetic.ttl").stat().st_size  # written as N-Triples
    proc = ServerProcess(root, tmp_path / "serve.log", "--store", endpoint, "--cache-mb", "0")
    base = proc.url
    try:
        urllib.request.urlopen(base + "/dump.nt?warm", timeout=WAIT).close()  # the streaming path's code is loaded
        before = _tree_peak_kib(proc.proc.pid)
        for suffix in ("nt", "ttl"):
            size = lines = 0
            with urllib.request.urlopen(f"{base}/dump.{suffix}", timeout=600) as response:
                while chunk := response.read(1 << 16):
                    size += len(chunk)
                    lines += chunk.count(b"\n")
            assert size > ntriples_size // 4  # the whole graph went through
            if suffix == "nt":
                assert lines >= 200_000
        growth = (_tree_peak_kib(proc.proc.pid) - before) * 1024
        assert growth < ntriples_size // 2, f"the server grew by {growth:,} bytes streaming {ntriples_size:,} bytes"
    finally:
        proc.stop()
