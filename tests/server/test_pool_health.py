"""The query workers' health: they come up whatever descriptors the server starts with, a dead worker is
never handed out, and every death is told with its cause (issue 8, items 2 and 7).

The servers here are real ``k2020graph serve`` processes; the workers are killed with real signals.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from k2020graph.server.nesting import MAX_DEPTH, too_deep
from k2020graph.server.pool import describe

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to find the workers")

NESTED_EN = "nested too deeply"
NESTED_NB = "nestet for dypt"


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += map(int, (task / "children").read_text().split())
        except OSError:
            continue
    return sorted(set(out))


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """A bounded wait: fails only if ``check`` never becomes true."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.02)


def workers(proc: Any) -> tuple[int, list[int]]:
    """The zygote (the server's only child) and its live workers."""
    (zygote,) = children(proc.proc.pid)
    return zygote, [pid for pid in children(zygote) if running(pid)]


def status(http: httpx.Client) -> dict[str, Any]:
    r = http.get("/api/status")
    assert r.status_code == 200
    return r.json()["workers"]  # type: ignore[no-any-return]


def ask(http: httpx.Client, n: int) -> httpx.Response:
    """An uncached query (the servers here run with --cache-mb 0, and each text differs anyway)."""
    return http.get("/sparql", params={"query": f"ASK {{ ?s ?p ?o FILTER(?o != {n}) }}"})


# -- the server started with standard descriptors closed ------------------------------------------


@pytest.mark.parametrize("closed", [(0,), (1,), (2,), (0, 1, 2)], ids=["stdin", "stdout", "stderr", "all-three"])
def test_workers_come_up_whatever_descriptors_the_server_starts_with(
    mini_root: Path, start_server: Callable[..., Any], closed: tuple[int, ...]
) -> None:
    proc = start_server(mini_root, "--cache-mb", "0", closed=closed)
    with httpx.Client(base_url=proc.url, timeout=30) as http:
        answers = [ask(http, n) for n in range(6)]
        assert [r.status_code for r in answers] == [200] * 6, answers[0].text
        assert all(r.json()["boolean"] is True for r in answers)
        ready = status(http)["ready"]
        _zygote, live = workers(proc)
        assert ready >= 1
        assert ready == len(live)  # each worker counted ready is a live process
    if 2 not in closed:
        assert "Traceback" not in proc.log.read_text()
    assert proc.stop() == 0  # and it stops cleanly (libuv asserted on a closed stdout before)


# -- dead workers are never handed out --------------------------------------------------------------


def test_idle_workers_killed_from_outside_are_replaced_without_a_failed_query(
    mini_root: Path, start_server: Callable[..., Any]
) -> None:
    proc = start_server(mini_root, "--cache-mb", "0")
    with httpx.Client(base_url=proc.url, timeout=30) as http:
        wait_until(lambda: status(http)["ready"] == 2, "two workers ready")
        _zygote, live = workers(proc)
        assert len(live) == 2
        for pid in live:
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not any(running(pid) for pid in live), "the killed workers are gone")
        answers = [ask(http, n) for n in range(5)]
        assert [r.status_code for r in answers] == [200] * 5, answers[0].text
        wait_until(lambda: status(http)["ended"].get("killed") == 2, "both deaths reported")
    log = proc.log.read_text()
    assert all(f"query worker {pid} ended: killed by SIGKILL from outside the server" in log for pid in live)


def test_a_zygote_killed_from_outside_is_replaced_without_a_failed_query(
    mini_root: Path, start_server: Callable[..., Any]
) -> None:
    proc = start_server(mini_root, "--cache-mb", "0")
    with httpx.Client(base_url=proc.url, timeout=30) as http:
        wait_until(lambda: status(http)["ready"] == 2, "two workers ready")
        zygote, live = workers(proc)
        os.kill(zygote, signal.SIGKILL)
        wait_until(lambda: not running(zygote) and not any(running(pid) for pid in live), "zygote and workers gone")
        answers = [ask(http, n) for n in range(5)]
        assert [r.status_code for r in answers] == [200] * 5, answers[0].text
        health = status(http)
        assert health["zygoteRestarts"] == 1
        new_zygote, new_live = workers(proc)
        assert new_zygote != zygote and health["ready"] == len(new_live) >= 1
    assert f"zygote process {zygote} ended (killed by SIGKILL from outside the server" in proc.log.read_text()


# -- deep nesting is a clear 400 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
        "SELECT * WHERE { BIND(" + "(" * 5000 + "1" + ")" * 5000 + " AS ?x) }",
        "SELECT * WHERE { ?s ?p " + "[ ?p " * 5000 + "1" + " ]" * 5000 + " }",
    ],
    ids=["braces", "parentheses", "brackets"],
)
def test_a_deeply_nested_query_is_refused_with_a_clear_400(client: Any, query: str) -> None:
    r = client.post("/sparql", data={"query": query})
    assert r.status_code == 400
    assert NESTED_EN in r.text and NESTED_NB in r.text
    assert "line 1, column" in r.text
    assert "memory" not in r.text
    health = client.get("/api/status").json()["workers"]
    assert health["ended"] == {}  # refused before any worker saw it


def test_a_long_flat_query_does_not_overflow_the_workers_stack(client: Any) -> None:
    # 15,000 operands of one &&, no nesting: the engine recurses once per operand; on an 8 MB stack
    # this killed the worker with SIGSEGV (measured with pyoxigraph in a thread of that stack size).
    query = "SELECT * WHERE { FILTER(" + "&&".join(["true"] * 15_000) + ") }"
    assert too_deep(query) is None and len(query) < 100_000  # not refused by the nesting check nor the length cap
    r = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"] == [{}]


def test_the_nesting_check_counts_only_real_brackets() -> None:
    deep = "{" * (MAX_DEPTH + 1)
    assert too_deep(f"SELECT * WHERE {{ ?s ?p {MAX_DEPTH * 2}" + "}") is None
    for inert in (f'"{deep}"', f"'{deep}'", f'"""\n{deep}\n"""', f"# {deep}\n", f"<urn:x:{'(' * 300}>"):
        assert too_deep(f"SELECT * WHERE {{ ?s ?p {inert} }}") is None, inert
    assert too_deep("(" * MAX_DEPTH + ")" * MAX_DEPTH) is None  # exactly the limit is allowed
    found = too_deep("SELECT *\nWHERE " + "{ " * (MAX_DEPTH + 1))
    assert found is not None and (found.line, found.column) == (2, 7 + 2 * MAX_DEPTH)
    assert too_deep("\\u007B" * (MAX_DEPTH + 1)) is not None  # replaced before parsing, as the engine does


# -- every death with its real cause ----------------------------------------------------------------


def _status_of(code: str) -> int:
    """The raw wait status of a real Python process running ``code``."""
    child = subprocess.Popen([sys.executable, "-c", code])
    _pid, status = os.waitpid(child.pid, 0)
    child.returncode = 0  # reaped here: keep Popen from waiting again
    return status


@pytest.mark.parametrize(
    ("code", "killed_by_us", "kind", "retry"),
    [
        ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", None, "killed", True),
        ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "timeout", "timeout", False),
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", None, "stack", False),
        ("import os, signal; os.kill(os.getpid(), signal.SIGABRT)", None, "memory", False),
        ("import os; os._exit(3)", None, "memory", False),
        ("import os; os._exit(1)", None, "crashed", False),
    ],
)
def test_a_death_is_told_by_its_exit_status(code: str, killed_by_us: str | None, kind: str, retry: bool) -> None:
    death = describe(_status_of(code), killed_by_us)
    assert (death.kind, death.retry) == (kind, retry)


def test_a_worker_that_dies_of_its_memory_limit_says_so(client: Any) -> None:
    # Sorting a cross product of the mini data far past the worker's memory limit.
    from fastapi.testclient import TestClient

    from k2020graph.server import Settings, create_app

    app = create_app(client.app.state.k2020.kg, Settings(timeout=30, workers=1, max_workers=1, worker_memory_mb=64, limits=False))
    # limits=False: no 1 s lease for an unknown query (that would add a 'timeout' death on a slow machine)
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
    with TestClient(app) as c:
        r = c.post("/sparql", data={"query": query})
        assert r.status_code == 503
        assert "more memory than allowed" in r.text
        assert c.get("/api/status").json()["workers"]["ended"] == {"memory": 1}
