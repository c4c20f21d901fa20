"""The real server: ``k2020graph serve`` in a subprocess on 127.0.0.1, talked to over HTTP, then stopped.

The timeout test checks that the runaway query's work really stops (no process of the server burns CPU
afterwards) and that other queries are answered while it runs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to watch the workers")

ASK = "ASK { ?s ?p ?o }"
CLOCK = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> set[int]:
    out: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in out:
                    out.add(child)
                    todo.append(child)
    return out


def cpu_seconds(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK


def cpu_reaches(pid: int, seconds: float, wait: float = 60.0) -> bool:
    """Whether the process tree of ``pid`` spends ``seconds`` of CPU from now on, within ``wait`` seconds at most."""
    pids = descendants(pid)
    before = cpu_seconds(pids)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if cpu_seconds(descendants(pid)) - before >= seconds:
            return True
        time.sleep(0.05)
    return False


def cpu_over(pid: int, seconds: float) -> float:
    pids = descendants(pid)
    before = cpu_seconds(pids)
    time.sleep(seconds)
    return cpu_seconds(pids) - before


def test_the_real_server_answers_over_http(server: Any) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/sparql", params={"query": ASK}).json()["boolean"] is True
        r = http.post("/sparql", content=ASK, headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
        assert r.status_code == 200 and r.text.strip().endswith("true")
        r = http.get("/api/queries/continued-into-k2025", params={"format": "csv"})
        assert r.status_code == 200 and len(r.text.strip().splitlines()) == 3
        assert "<h1>K2020-tiltak 3.14</h1>" in http.get("/id/tiltak/k2020-3.14", headers={"Accept": "text/html"}).text
        assert (
            http.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}).status_code
            == 400
        )
        bad = http.get("/sparql", params={"query": "SELEC"})
        assert bad.status_code == 400 and "Traceback" not in bad.text
    time.sleep(0.2)
    log = server.log.read_text()
    assert '"GET /api/queries/continued-into-k2025?format=csv" 200' in log
    assert " ms" in log.splitlines()[-1]  # one line per request, with its duration
    assert "Traceback" not in log


def test_a_runaway_query_is_stopped_while_others_are_answered(server: Any, runaway: str) -> None:
    outcome: dict[str, object] = {}

    def slow() -> None:
        start = time.monotonic()
        r = httpx.post(server.url + "/sparql", data={"query": runaway}, timeout=30)
        outcome.update(status=r.status_code, text=r.text, seconds=time.monotonic() - start)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    assert cpu_reaches(server.proc.pid, 0.1)  # the runaway query is really running (an event: however busy the machine)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for _ in range(5):  # answered meanwhile: before the runaway query's own answer (an event, not a stopwatch)
            r = http.get("/sparql", params={"query": ASK})
            assert r.status_code == 200 and r.json()["boolean"] is True
            assert "status" not in outcome  # still running while this one was answered
        thread.join(timeout=30)
        assert outcome["status"] == 503
        assert "timeout" in str(outcome["text"]) and "2 s" in str(outcome["text"])
        assert float(outcome["seconds"]) >= 1.8  # type: ignore[arg-type]  # not before its timeout (no upper bound: busy machines)
        time.sleep(0.3)
        assert cpu_over(server.proc.pid, 1.0) < 0.05  # the work has stopped: the worker was killed
        assert http.get("/sparql", params={"query": ASK}).status_code == 200  # and replaced


def test_stopping_the_server_stops_every_worker(mini_root: Path, start_server: Callable[..., Any], runaway: str) -> None:
    proc = start_server(mini_root, "--timeout", "5")
    try:
        threading.Thread(
            target=lambda: httpx.post(proc.url + "/sparql", data={"query": runaway}, timeout=60), daemon=True
        ).start()
        time.sleep(0.5)
        children = descendants(proc.proc.pid)
        assert len(children) >= 3  # the zygote and at least two workers
    finally:
        code = proc.stop()
    assert code == 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
        time.sleep(0.05)
    alive = [
        pid for pid in children if Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    ]
    assert alive == []


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_requested_stop_exits_0(mini_root: Path, start_server: Callable[..., Any], sig: str) -> None:
    """uvicorn 0.29+ raises the captured signal again after its graceful shutdown (exit 130, death by SIGTERM);
    a stop that a service manager or Ctrl-C asked for and that completed is success."""
    import signal
    import subprocess

    proc = start_server(mini_root)
    proc.proc.send_signal(getattr(signal, sig))
    try:
        code = proc.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.proc.kill()
        raise
    assert code == 0, proc.log.read_text()[-2000:]
    assert "Application shutdown complete" in proc.log.read_text()
