"""Guarded writes (issue 11): token auth, /store and /update on a staging copy, validation in context,
persistence to the Turtle files, the swap to the new data, concurrent writers and crashes.

Every test writes into a temporary copy of the repository root (its ontology, shapes and queries; the
data trimmed to the small fixture ``fixtures/mini.ttl``, because a full validation of the real data
takes tens of seconds on a loaded machine and every write validates once), never into the
repository's own ``data/turtle/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import FIXTURES, QUERIES, REPO, ServerProcess  # tests/server is on sys.path
from fastapi.testclient import TestClient
from test_server_process import descendants

from k2020graph.changes.persist import AUDIT_FILE, NEW_RESOURCES_FILE, place
from k2020graph.loading import KnowledgeGraph, read_quads
from k2020graph.project import Project
from k2020graph.server import Settings, create_app
from k2020graph.server import writes as writes_module
from k2020graph.turtle_style import check_turtle_style

TOKEN = "right-token-0123456789abcdef"
OTHER = "other-token-0123456789abcdef"
TILTAK = "https://w3id.org/k2020graph/id/tiltak/"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
SKOS_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
BASE = "https://w3id.org/k2020graph/"


def make_write_root(target: Path) -> Path:
    """A copy of the repository root: ontology, shapes and queries as they are, the data trimmed."""
    for name in ("ontology", "shapes"):
        shutil.copytree(REPO / name, target / name)
    (target / "queries").mkdir(parents=True)
    for name in QUERIES:
        shutil.copy(REPO / "queries" / name, target / "queries" / name)
    (target / "data" / "turtle").mkdir(parents=True)
    shutil.copy(FIXTURES / "mini.ttl", target / "data" / "turtle" / "mini.ttl")
    return target


def hashes(root: Path) -> dict[str, str]:
    """Every file under ``root``'s data, ontology and shapes folders (with hidden ones), by content."""
    out = {}
    for folder in ("data", "ontology", "shapes"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def comment(n: int | str) -> str:
    return f'<{TILTAK}k2020-1.1> <{RDFS_COMMENT}> "note {n}"@en .\n'


def has_triple(root: Path, triple: str) -> bool:
    """Whether the project at ``root``, loaded again from disk, holds ``triple`` (an N-Triples line)."""
    kg = KnowledgeGraph.load(Project.at(root))
    wanted = next(iter(ox.parse(triple.encode(), format=ox.RdfFormat.N_TRIPLES)))
    return any(q.triple == wanted.triple for q in kg.data.all())


AUTH = {"Authorization": f"Bearer {TOKEN}"}
NT = {**AUTH, "Content-Type": "application/n-triples"}


@pytest.fixture(scope="module")
def write_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_write_root(tmp_path_factory.mktemp("write-root"))


@pytest.fixture(scope="module")
def writer(write_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    kg = KnowledgeGraph.load(Project.at(write_root))
    audit = tmp_path_factory.mktemp("audit")
    settings = Settings(workers=1, max_workers=2, write_tokens=(("alice", TOKEN), ("bob", OTHER)), audit_dir=audit)
    with TestClient(create_app(kg, settings)) as c:
        yield c


# -- off unless configured; auth ------------------------------------------------------------------------


def test_routes_absent_when_writes_are_off(client: TestClient) -> None:
    for method, path in (("GET", "/store?default"), ("PUT", "/store?default"), ("POST", "/update"), ("DELETE", "/store?default")):
        r = client.request(method, path, headers=AUTH)
        # no such route: 404, or 405 where the pages' catch-all GET route matches the path
        assert r.status_code in (404, 405), (method, path, r.status_code)
        assert "www-authenticate" not in r.headers
    assert client.get("/store?default", headers=AUTH).status_code == 404


def test_auth_none_wrong_right(writer: TestClient, write_root: Path) -> None:
    before = hashes(write_root)
    r = writer.post("/store?default", content=comment("x").encode(), headers={"Content-Type": "application/n-triples"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = writer.post("/store?default", content=comment("x").encode(), headers={"Authorization": "Basic YTpi"})
    assert r.status_code == 401
    r = writer.post("/store?default", content=comment("x").encode(), headers={"Authorization": "Bearer " + TOKEN[:-1] + "X"})
    assert r.status_code == 403
    assert writer.post("/update", content=b"INSERT DATA {}", headers={"Authorization": "Bearer nope"}).status_code == 403
    assert hashes(write_root) == before
    r = writer.get("/store?default", headers={**AUTH, "Accept": "application/n-triples"})
    assert r.status_code == 200 and f"<{TILTAK}k2020-1.1>" in r.text


def test_tokens_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = writes_module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(writes_module.hmac, "compare_digest", spy)
    tokens = (("alice", TOKEN), ("bob", OTHER))
    assert writes_module.check_token(OTHER, tokens) == "bob"
    assert writes_module.check_token(TOKEN, tokens) == "alice"
    assert writes_module.check_token("x", tokens) is None
    assert len(calls) == 6  # every token compared every time, the first match does not stop the loop


def test_token_file_forms(tmp_path: Path) -> None:
    plain = tmp_path / "tokens"
    plain.write_text(f"# writers\nalice:{TOKEN}\nbob: {OTHER}\n", encoding="utf-8")
    assert writes_module.read_token_file(plain) == (("alice", TOKEN), ("bob", OTHER))
    toml = tmp_path / "tokens.toml"
    toml.write_text(f'[tokens]\nalice = "{TOKEN}"\n', encoding="utf-8")
    assert writes_module.read_token_file(toml) == (("alice", TOKEN),)
    bad = tmp_path / "bad"
    bad.write_text("alice\n", encoding="utf-8")
    with pytest.raises(Exception, match="name:token") as info:
        writes_module.read_token_file(bad)
    assert getattr(info.value, "line", None) == 1


# -- validation in context -------------------------------------------------------------------------------


def test_rejected_write_changes_nothing_and_answers_422(writer: TestClient, write_root: Path) -> None:
    before = hashes(write_root)
    version = writer.get("/api/status").json()["version"]
    second_notation = f'<{TILTAK}k2020-1.1> <{SKOS_NOTATION}> "9.9" .\n'
    r = writer.post("/store?default", content=second_notation.encode(), headers=NT)
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == "rejected"
    new = [x for x in body["results"] if x["new"]]
    assert any(x["severity"] == "Violation" and x["focus"] == f"{TILTAK}k2020-1.1" for x in new)
    r = writer.post(
        "/update",
        content=f"INSERT DATA {{ {second_notation.strip()} }}".encode(),
        headers={**AUTH, "Content-Type": "application/sparql-update", "Accept": "text/plain", "Accept-Language": "en"},
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/plain")
    assert "violation" in r.text and "does not conform" in r.text
    r = writer.post(
        "/store?default",
        content=second_notation.encode(),
        headers={**NT, "Accept": "text/plain", "Accept-Language": "nb"},
    )
    assert r.status_code == 422 and "er ikke gyldig" in r.text and "brudd" in r.text
    assert hashes(write_root) == before
    assert writer.get("/api/status").json()["version"] == version
    ask = writer.get("/sparql", params={"query": f"ASK {{ {second_notation.strip()} }}"}, headers={"Accept": "application/json"})
    assert ask.json()["boolean"] is False


def test_accepted_write_takes_effect_everywhere_and_is_persisted(writer: TestClient, write_root: Path) -> None:
    old_version = writer.get("/api/status").json()["version"]
    page = writer.get("/id/tiltak/k2020-1.1", headers={"Accept": "text/html"})
    old_etag = page.headers["etag"]
    ask_query = f"ASK {{ {comment('accepted').strip()} }}"
    assert writer.get("/sparql", params={"query": ask_query}, headers={"Accept": "application/json"}).json()["boolean"] is False
    r = writer.post("/store?default", content=comment("accepted").encode(), headers=NT)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted" and r.json()["files"] == ["data/turtle/mini.ttl"]
    new_version = writer.get("/api/status").json()["version"]
    assert new_version != old_version and r.json()["version"] == new_version
    # the same query again: not the cached answer of the old data
    assert writer.get("/sparql", params={"query": ask_query}, headers={"Accept": "application/json"}).json()["boolean"] is True
    page = writer.get("/id/tiltak/k2020-1.1", headers={"Accept": "text/html"})
    assert "note accepted" in page.text and page.headers["etag"] != old_etag
    dump = writer.get("/dump.nt")
    assert dump.status_code == 200 and "note accepted" in dump.text
    # on disk: in the file the resource lives in, in house form, and the project loads with it
    mini = write_root / "data/turtle/mini.ttl"
    assert '"note accepted"@en' in mini.read_text(encoding="utf-8")
    assert check_turtle_style(mini) == []
    assert has_triple(write_root, comment("accepted"))
    # the audit log names the token, the graph and the triples
    audit_dir = Path(writer.app.state.k2020.settings.audit_dir)  # type: ignore[attr-defined]
    entries = [json.loads(line) for line in (audit_dir / AUDIT_FILE).read_text(encoding="utf-8").splitlines()]
    last = entries[-1]
    assert last["token"] == "alice" and last["graph"] == "default" and last["added_count"] == 1
    assert last["added"] == [comment("accepted").strip()]
    void = writer.get("/.well-known/void", headers={"Accept": "text/turtle"}).text
    assert last["time"] in void  # the dataset's dct:modified


def test_update_delete_and_gsp_named_graph(writer: TestClient, write_root: Path) -> None:
    # its own triple to delete (the tests of a module may run in different xdist workers, in any order)
    r = writer.post("/store?default", content=comment("to be deleted").encode(), headers=NT)
    assert r.status_code == 200, r.text
    assert has_triple(write_root, comment("to be deleted"))
    r = writer.post(
        "/update",
        content=f"DELETE DATA {{ {comment('to be deleted').strip()} }}".encode(),
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    assert r.status_code == 200 and r.json()["removed"] == 1
    assert not has_triple(write_root, comment("to be deleted"))
    graph = BASE + "graph/mini"
    r = writer.get("/store", params={"graph": graph}, headers={**AUTH, "Accept": "text/turtle"})
    assert r.status_code == 200 and "k2020-1.1" in r.text
    assert writer.get("/store", params={"graph": BASE + "graph/nothing"}, headers=AUTH).status_code == 404
    # a POST to a new named graph creates that data file
    new = f'<{TILTAK}k2020-3.2> <{RDFS_COMMENT}> "kept in a file of its own"@en .\n'
    jsonld = {"@id": f"{TILTAK}k2020-3.2", RDFS_COMMENT: {"@value": "kept in a file of its own", "@language": "en"}}
    r = writer.post(
        "/store",
        params={"graph": BASE + "graph/extra"},
        content=json.dumps(jsonld).encode(),
        headers={**AUTH, "Content-Type": "application/ld+json"},
    )
    assert r.status_code == 200, r.text
    assert (write_root / "data/turtle/extra.ttl").is_file() and has_triple(write_root, new)
    r = writer.delete("/store", params={"graph": BASE + "graph/extra"}, headers=AUTH)
    assert r.status_code == 200 and not has_triple(write_root, new)


def test_graph_names_cannot_leave_the_data_folder(writer: TestClient, write_root: Path) -> None:
    before = hashes(write_root)
    body = comment("escape").encode()
    for name in ("../../escape", "..%2F..%2Fescape", "/etc/escape", "Escape", "a/b", ".hidden", "x" * 65):
        r = writer.put("/store", params={"graph": BASE + "graph/" + name}, content=body, headers=NT)
        assert r.status_code == 400, (name, r.status_code)
    r = writer.put("/store", params={"graph": "file:///tmp/escape"}, content=body, headers=NT)
    assert r.status_code == 404
    assert hashes(write_root) == before
    assert not list(write_root.rglob("*escape*"))


def test_ill_typed_literal_in_a_body_is_refused(writer: TestClient) -> None:
    bad = f'<{TILTAK}k2020-1.1> <{RDFS_COMMENT}> "abc"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    r = writer.post("/store?default", content=bad.encode(), headers=NT)
    assert r.status_code == 400 and "xsd:integer" in r.text


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP listener that records every connection made to it (a fetch would be one)."""
    import socket

    seen: list[bytes] = []
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    seen.append(conn.recv(1024) or b"(connected)")
                except OSError:
                    seen.append(b"(connected)")

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    yield sock.getsockname()[1], seen
    done.set()
    th.join()
    sock.close()


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <http://127.0.0.1:{port}/x.ttl>",
        "LOAD <file:///etc/passwd> INTO GRAPH <urn:g>",
        "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "INSERT DATA {{ <urn:a> <urn:b> <urn:c> }} ; LOAD SILENT <http://127.0.0.1:{port}/>",
    ],
)
def test_update_refuses_load_and_service(
    writer: TestClient, write_root: Path, update: str, listener: tuple[int, list[bytes]]
) -> None:
    port, seen = listener
    before = hashes(write_root)
    text = update.format(port=port)
    r = writer.post("/update", content=text.encode(), headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert r.status_code == 400 and ("LOAD" in r.text or "SERVICE" in r.text)
    assert seen == []  # nothing was fetched
    assert hashes(write_root) == before


def test_update_never_at_sparql(writer: TestClient) -> None:
    r = writer.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, headers=AUTH)
    assert r.status_code >= 400


#: Never finishes over the ontology and the data: a four-way cartesian product in the WHERE.
SLOW_UPDATE = f'INSERT {{ ?a <{RDFS_COMMENT}> "never" }} WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }}'


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


def test_an_update_past_the_timeout_is_stopped_and_the_lock_released(tmp_path: Path) -> None:
    root = make_write_root(tmp_path / "root")
    kg = KnowledgeGraph.load(Project.at(root))
    settings = Settings(timeout=1, workers=1, max_workers=2, write_tokens=(("alice", TOKEN),), audit_dir=tmp_path / "audit")
    before = hashes(root)
    with TestClient(create_app(kg, settings)) as c:
        version = c.get("/api/status").json().get("version")
        r = c.post("/update", content=SLOW_UPDATE.encode(), headers={**AUTH, "Content-Type": "application/sparql-update"})
        assert r.status_code == 503, r.text
        assert "tidsavbrudd" in r.text or "timeout" in r.text
        assert hashes(root) == before  # nothing applied
        assert not (tmp_path / "audit" / AUDIT_FILE).exists()
        assert not [p for p in descendants(os.getpid()) if "update_runner" in _cmdline(p)]  # killed, not left running
        assert c.get("/api/status").json().get("version") == version
        # the write lock was released: the next write goes through
        r = c.post("/store?default", content=comment("after").encode(), headers=NT)
        assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    assert has_triple(root, comment("after"))


def test_new_resources_go_by_namespace(tmp_path: Path) -> None:
    a, b = tmp_path / "tiltak.ttl", tmp_path / "actors.ttl"
    t = lambda s, o: ox.Triple(ox.NamedNode(s), ox.NamedNode(RDFS_COMMENT), ox.Literal(o))  # noqa: E731
    files = {a: {t(TILTAK + "k2020-1.1", "x"), t(TILTAK + "k2020-1.2", "y")}, b: {t(BASE + "id/actor/x", "z")}}
    placed = place(files, [], [t(TILTAK + "k2020-9.9", "new"), t("urn:other:thing", "w")], tmp_path)
    assert placed[a] == files[a] | {t(TILTAK + "k2020-9.9", "new")}
    assert placed[tmp_path / NEW_RESOURCES_FILE] == {t("urn:other:thing", "w")}
    assert b not in placed


# -- a real server: concurrent writers and crashes ---------------------------------------------------------


def start(root: Path, log: Path) -> ServerProcess:
    os.environ["K2020GRAPH_WRITE_TOKEN"] = TOKEN
    try:
        return ServerProcess(root, log, "--timeout", "30")
    finally:
        del os.environ["K2020GRAPH_WRITE_TOKEN"]


def test_twenty_concurrent_writers(tmp_path: Path) -> None:
    root = make_write_root(tmp_path / "root")
    server = start(root, tmp_path / "server.log")
    statuses: dict[int, int] = {}
    try:

        def write(n: int) -> None:
            r = httpx.post(server.url + "/store?default", content=comment(f"c{n}").encode(), headers=NT, timeout=600)
            statuses[n] = r.status_code

        threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert statuses == dict.fromkeys(range(20), 200)
        ask = "ASK { " + " ".join(comment(f"c{n}").strip() for n in range(20)) + " }"
        assert httpx.get(server.url + "/sparql", params={"query": ask}, headers={"Accept": "application/json"}).json()["boolean"]
        # each write started a new worker pool; the old ones end: one zygote and its workers remain
        deadline = time.monotonic() + 120
        while len(descendants(server.proc.pid)) > 1 + 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(descendants(server.proc.pid)) <= 1 + 4
    finally:
        server.stop()
    kg = KnowledgeGraph.load(Project.at(root))
    held = {q.triple for q in kg.data.all()}
    for n in range(20):
        wanted = next(iter(ox.parse(comment(f"c{n}").encode(), format=ox.RdfFormat.N_TRIPLES))).triple
        assert wanted in held, n
    assert len((root / ".k2020graph/audit" / AUDIT_FILE).read_text(encoding="utf-8").splitlines()) == 20


def test_kill_9_during_writes_never_tears_a_file(tmp_path: Path) -> None:
    """kill -9 of the server while writes run, at several moments: after each, every data file parses,
    and every write that was answered 200 is there once the server has started again."""
    root = make_write_root(tmp_path / "root")
    accepted: list[str] = []
    for round_ in range(3):
        server = start(root, tmp_path / f"server-{round_}.log")
        stop = threading.Event()

        def writing(server: ServerProcess = server, round_: int = round_, stop: threading.Event = stop) -> None:
            n = 0
            while not stop.is_set():
                line = comment(f"k{round_}-{n}")
                try:
                    r = httpx.post(server.url + "/store?default", content=line.encode(), headers=NT, timeout=120)
                except httpx.HTTPError:
                    return  # the server was killed
                if r.status_code == 200:
                    accepted.append(line)
                n += 1

        th = threading.Thread(target=writing)
        th.start()
        # kill once a write is under way: after the first accepted write of this round, and a moment more
        seen = len(accepted)
        deadline = time.monotonic() + 300
        while len(accepted) == seen and time.monotonic() < deadline and th.is_alive():
            time.sleep(0.05)
        time.sleep(0.3 * round_)
        os.kill(server.proc.pid, signal.SIGKILL)
        stop.set()
        th.join()
        server.stop()
        for path in sorted((root / "data/turtle").glob("*.ttl")):
            read_quads(path)  # raises on a torn file
    assert accepted
    server = start(root, tmp_path / "server-last.log")  # finishes an interrupted commit, if any
    server.stop()
    kg = KnowledgeGraph.load(Project.at(root))
    held = {q.triple for q in kg.data.all()}
    for line in accepted:
        assert next(iter(ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES))).triple in held, line
    assert not list((root / "data/turtle").glob(".*.tmp"))


_CRASHING_COMMIT = """
import os, signal, sys
from pathlib import Path
from k2020graph.changes import persist

steps = [0]
limit = int(sys.argv[2])
real_replace, real_fsync = os.replace, persist._fsync_dir

def counted(real):
    def step(*args):
        steps[0] += 1
        if steps[0] == limit:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args)
    return step

persist.os.replace = counted(real_replace)
persist._fsync_dir = counted(real_fsync)
data = Path(sys.argv[1])
contents = {data / "a.ttl": b"<urn:a> <urn:p> <urn:new-a> .\\n", data / "b.ttl": b"<urn:b> <urn:p> <urn:new-b> .\\n"}
entry = persist.audit_entry("t", "default", "PUT", [], [], ["a.ttl", "b.ttl"])
persist.commit(data, contents, data.parent / "audit", entry)
print("done", steps[0])
"""


def test_commit_killed_at_every_step_is_all_or_nothing(tmp_path: Path) -> None:
    """kill -9 at each rename and fsync of a two-file commit: after :func:`recover` (what the server
    runs when it starts), either both files are old or both new, and the audit entry is there with them."""
    import subprocess
    import sys

    from k2020graph.changes.persist import recover

    old = {"a.ttl": b"<urn:a> <urn:p> <urn:old-a> .\n", "b.ttl": b"<urn:b> <urn:p> <urn:old-b> .\n"}
    outcomes = set()
    step = 1
    while True:
        case = tmp_path / f"case-{step}"
        data = case / "data"
        data.mkdir(parents=True)
        for name, content in old.items():
            (data / name).write_bytes(content)
        done = subprocess.run(
            [sys.executable, "-c", _CRASHING_COMMIT, str(data), str(step)], capture_output=True, text=True, check=False
        )
        killed = done.returncode == -signal.SIGKILL
        assert killed or done.stdout.startswith("done"), done.stderr
        for name in old:  # never torn, before recovery too
            read_quads(data / name)
        recover(data)
        state = {name: (data / name).read_bytes() for name in old}
        new = all(b"new-" in v for v in state.values())
        assert new or state == old, (step, state)
        audit = case / "audit" / AUDIT_FILE
        assert new == (audit.exists() and len(audit.read_text(encoding="utf-8").splitlines()) == 1), step
        assert not list(data.glob(".*"))
        outcomes.add(new)
        if not killed:
            break
        step += 1
    assert outcomes == {False, True} and step > 4  # crashes before and after the point of no return
