"""Benchmark ``k2020graph serve`` against Oxigraph server and rdflib-endpoint, over HTTP, in one run.

For each size (synthetic graphs from bench/generate.py, and with ``--real`` the repository's own data) the
servers (ours with its result cache, ours with ``--cache-mb 0``, Oxigraph server, rdflib-endpoint) are
started in turn on 127.0.0.1, each holding the same triples (ours loads the project root, ontology/*.ttl and
data/turtle/*.ttl, and derives the direct layer; the others get those triples as one N-Triples file), and
each is sent the same SPARQL text: every canned query of queries/*.rq with its parameter defaults bound by a
VALUES block. Measured per server: start-up (process start to first
successful answer; Oxigraph's separate bulk load is reported beside it), latency p50/p99 per query and
overall, throughput (requests/s, sequential, one keep-alive connection) and memory (RSS and PSS of the
server's process tree). Printed as tables with the ratios of p50 and p99 between the servers, and saved as
JSON under bench/results/. Machines are noisy: read the ratios, not the absolute figures. Every server
started here is stopped at the end, also on Ctrl-C, SIGTERM or an error.

    .venv/bin/python bench/run.py --sizes 10k,100k --real
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  (bench/ is not a package)

from k2020graph.errors import QueryError  # noqa: E402
from k2020graph.project import Project  # noqa: E402
from k2020graph.queries import load_catalogue  # noqa: E402
from k2020graph.store import _values_block  # noqa: E402  (the library's own VALUES binding, as RdflibStore uses)

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = REPO / "bench" / "results"
HOST = "127.0.0.1"
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
SERVERS = ("ours", "ours-nocache", "ours-disk", "ours-remote", "oxigraph", "rdflib-endpoint")
#: What runs without --servers: the external-store variants (issue 12) are asked for by name.
DEFAULT_SERVERS = ("ours", "ours-nocache", "oxigraph", "rdflib-endpoint")
SHORT = {
    "ours": "ours",
    "ours-nocache": "nocache",
    "ours-disk": "disk",
    "ours-remote": "remote",
    "oxigraph": "oxi",
    "rdflib-endpoint": "rdflib",
}
#: Issue 12: ``serve --store-dir`` (the on-disk store, no result cache) and ``serve --store URL`` in front
#: of an Oxigraph server holding the same files in a named graph (no result cache either).
STORE_VARIANTS = ("ours-disk", "ours-remote")
REMOTE_GRAPH = "https://w3id.org/k2020graph/graph"
#: Our server as served by default (its result cache on: after the warm-up every timed request is a hit)
#: and with ``--cache-mb 0`` (every request runs the query in a worker).
OURS = ("ours", "ours-nocache")
PROBE = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
TARGETS_AT = "100k"
#: The ratio columns: (a, b) is a's p50 (p99) over b's.
PAIRS = (
    ("ours", "oxigraph"),
    ("ours-nocache", "oxigraph"),
    ("ours-disk", "oxigraph"),
    ("ours-remote", "oxigraph"),
    ("rdflib-endpoint", "ours"),
    ("rdflib-endpoint", "ours-nocache"),
)


# ----------------------------------------------------------------------------------------------------
# Processes: every one started here is registered, and stopped on exit, Ctrl-C, SIGTERM or an error
# ----------------------------------------------------------------------------------------------------

_LIVE: list[subprocess.Popen] = []


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process started here, and its process group (it was started in a session of its own)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=grace)
    if proc in _LIVE:
        _LIVE.remove(proc)


def _stop_all() -> None:
    for proc in list(_LIVE):
        _stop(proc)


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


atexit.register(_stop_all)


def spawn(cmd: Sequence[str], log: Path) -> subprocess.Popen:
    with log.open("ab") as fh:
        fh.write(f"$ {' '.join(cmd)}\n".encode())
        fh.flush()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    _LIVE.append(proc)
    return proc


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# ----------------------------------------------------------------------------------------------------
# Memory of a server's process tree: psutil when installed, else /proc
# ----------------------------------------------------------------------------------------------------


def _proc_kb(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def memory(pid: int) -> dict[str, float]:
    """Memory of the process and its descendants, in MB.

    ``rss_mb`` sums the resident sets, so pages shared by forked workers count once per process;
    ``pss_mb`` (proportional set size) counts a shared page once in all, and is the tree's real cost;
    ``main_rss_mb`` is the first process alone.
    """
    try:
        import psutil
    except ImportError:
        pids = [pid, *_descendants(pid)]
        rss = [_proc_kb(f"/proc/{p}/status", "VmRSS") for p in pids]
        pss = [_proc_kb(f"/proc/{p}/smaps_rollup", "Pss") for p in pids]
        return {"rss_mb": round(sum(rss) / 1024, 1), "pss_mb": round(sum(pss) / 1024, 1), "main_rss_mb": round(rss[0] / 1024, 1)}
    try:
        main = psutil.Process(pid)
        procs = [main, *main.children(recursive=True)]
        infos = [p.memory_full_info() for p in procs]
    except psutil.Error:
        return {"rss_mb": 0.0, "pss_mb": 0.0, "main_rss_mb": 0.0}
    return {
        "rss_mb": round(sum(i.rss for i in infos) / 2**20, 1),
        "pss_mb": round(sum(getattr(i, "pss", i.rss) for i in infos) / 2**20, 1),
        "main_rss_mb": round(infos[0].rss / 2**20, 1),
    }


# ----------------------------------------------------------------------------------------------------
# The workload and its timing
# ----------------------------------------------------------------------------------------------------


@dataclass
class Workload:
    name: str
    text: str  # the SPARQL sent to every server
    api_path: str  # ours: /api/queries/{name} with the defaults


def workload(root: Path) -> tuple[list[Workload], list[str]]:
    """Every canned query of ``root``, with its parameter defaults bound; and the reasons for any skipped."""
    items, skipped = [], []
    for q in load_catalogue(Project.at(root).query_files).values():
        try:
            bindings = q.bindings({})
        except QueryError as exc:
            skipped.append(f"{q.name}: {exc}")
            continue
        body = "\n".join(line for line in q.text.splitlines() if not line.startswith("#+"))  # metadata lines only
        items.append(Workload(q.name, _values_block(body, bindings) if bindings else body, f"/api/queries/{q.name}"))
    return items, skipped


def count_rows(response: httpx.Response) -> int | None:
    ctype = response.headers.get("content-type", "")
    try:
        if "json" in ctype:
            data = response.json()
            if "boolean" in data:
                return 1
            rows = data.get("results", {}).get("bindings")
            return len(rows) if isinstance(rows, list) else None
        if "csv" in ctype or "n-triples" in ctype:
            return max(0, response.text.count("\n") - (1 if "csv" in ctype else 0))
    except ValueError:
        pass
    return None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass
class Timing:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    rows: int | None = None
    truncated: bool = False
    error: str | None = None
    timed_out: bool = False  # no answer within the timeout (the server said so, or the client gave up)
    gave_up: bool = False  # the client gave up waiting: the server may still be working on it

    def summary(self) -> dict[str, object]:
        lat = self.latencies
        return {
            "n": len(lat),
            "p50_ms": round(percentile(lat, 50) * 1000, 3) if lat else None,
            "p99_ms": round(percentile(lat, 99) * 1000, 3) if lat else None,
            "mean_ms": round(statistics.fmean(lat) * 1000, 3) if lat else None,
            "rps": round(len(lat) / self.seconds, 1) if lat and self.seconds else None,
            "rows": self.rows,
            "truncated": self.truncated,
            "error": self.error,
            "timed_out": self.timed_out,
        }


#: Longest GET URL sent (bytes); a longer query goes by POST form to every server alike, since Oxigraph
#: server refuses request headers over 8 kB.
GET_LIMIT = 6000


def query_request(endpoint: str, query: str) -> tuple[httpx.URL, dict[str, str] | None]:
    """The URL and, for a query too long for a GET, the form to POST (SPARQL 1.1 Protocol, both ways)."""
    url = httpx.URL(endpoint, params={"query": query})
    if len(str(url)) <= GET_LIMIT:
        return url, None
    return httpx.URL(endpoint), {"query": query}


def time_requests(
    client: httpx.Client, url: httpx.URL, requests: int, duration: float, warmup: int, form: dict[str, str] | None = None
) -> Timing:
    """``warmup`` untimed requests, then up to ``requests`` timed ones, stopping after ``duration`` seconds.

    Sequential on one keep-alive connection: requests/s is what one client gets from the server. With
    ``form``, each request is a POST of that form to ``url``; a GET of ``url`` otherwise.
    """
    timing = Timing()

    def send() -> httpx.Response:
        return client.get(url) if form is None else client.post(url, data=form)

    def check(r: httpx.Response) -> bool:
        if r.status_code != 200:
            timing.error = f"HTTP {r.status_code}: {r.text[:160]!r}"
            timing.timed_out = r.status_code == 503 or (r.status_code >= 500 and "timeout" in r.text.lower())
            return False
        if "json" in r.headers.get("content-type", "") and not r.content.rstrip().endswith(b"}"):
            # Oxigraph server streams its results: a query stopped by its --timeout-s ends a 200 answer early
            timing.error = "the answer was cut off mid-stream (the server stopped the query: a timeout)"
            timing.timed_out = True
            return False
        if timing.rows is None:
            timing.rows = count_rows(r)
            timing.truncated = "k2020:truncated" in r.text[:200] or r.text.startswith("# k2020graph: truncated")
        return True

    started = time.perf_counter()
    try:
        for _ in range(warmup):
            if not check(send()):
                return timing
            if time.perf_counter() - started > duration / 2:
                break
        lat = timing.latencies
        t_start = time.perf_counter()
        while len(lat) < requests and time.perf_counter() - t_start < duration:
            t0 = time.perf_counter()
            r = send()
            t1 = time.perf_counter()  # httpx has read the whole body
            if not check(r):
                break
            lat.append(t1 - t0)
        timing.seconds = time.perf_counter() - t_start
    except httpx.TimeoutException as exc:
        timing.error = f"no answer within the request timeout ({type(exc).__name__})"
        timing.timed_out = timing.gave_up = True
    except httpx.HTTPError as exc:
        timing.error = f"{type(exc).__name__}: {exc}"
    return timing


# ----------------------------------------------------------------------------------------------------
# The servers
# ----------------------------------------------------------------------------------------------------


class Server:
    """One server under test: ``prepare`` (Oxigraph's bulk load), ``start`` (timed to its first answer), ``stop``.

    It can be restarted: a server that let a request time out may still be busy with it (rdflib-endpoint
    cannot stop a query), so the run restarts it before the next query rather than queue behind it.
    """

    def __init__(self, name: str, root: Path, files: list[Path], logs: Path, args: argparse.Namespace) -> None:
        self.name, self.root, self.files, self.args = name, root, files, args
        self.log = logs / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.workdir: Path | None = None
        self.load_s: float | None = None
        self.base = self.endpoint = ""
        self.restarts = 0
        self.backend: subprocess.Popen | None = None  # ours-remote: the Oxigraph server it fronts
        self.backend_endpoint = ""

    def start_backend(self) -> None:
        """ours-remote: start Oxigraph server (read-only) on the loaded directory, and wait for its first answer."""
        assert self.workdir is not None
        port = free_port()
        self.backend_endpoint = f"http://{HOST}:{port}/query"
        cmd = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(self.workdir), "--bind", f"{HOST}:{port}"]
        self.backend = spawn([*cmd, "--timeout-s", str(int(self.args.request_timeout))], self.log.with_suffix(".backend.log"))
        started = time.perf_counter()
        with httpx.Client(timeout=5.0) as client:
            while time.perf_counter() - started < self.start_timeout:
                try:
                    if client.get(self.backend_endpoint, params={"query": PROBE}).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        raise TimeoutError(f"the Oxigraph server behind {self.name} did not answer within {self.start_timeout:.0f} s")

    @property
    def start_timeout(self) -> float:
        return self.args.rdflib_start_timeout if self.name == "rdflib-endpoint" else self.args.start_timeout

    def prepare(self) -> None:
        if self.name not in ("oxigraph", *STORE_VARIANTS):
            return
        self.workdir = Path(tempfile.mkdtemp(prefix=f"k2020bench-{self.name}-"))
        if self.name == "ours-disk":  # our own load into RocksDB, timed as Oxigraph's is
            cmd = [str(BIN / "k2020graph"), "load", "--root", str(self.root), "--store-dir", str(self.workdir / "store")]
        else:
            cmd = [str(BIN / "oxigraph"), "load", "--location", str(self.workdir), "--file", *map(str, self.files)]
            if self.name == "ours-remote":
                cmd += ["--graph", REMOTE_GRAPH]
        t0 = time.perf_counter()
        proc = spawn(cmd, self.log)
        try:
            rc = proc.wait(timeout=self.start_timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"{self.name}: the load did not finish within {self.start_timeout:.0f} s") from None
        finally:
            _stop(proc)
        if rc != 0:
            raise RuntimeError(f"{self.name}: the load exited with {rc} (see {self.log})")
        self.load_s = time.perf_counter() - t0

    def command(self, port: int) -> list[str]:
        t = self.args.request_timeout
        budget = client_budget(t)
        if self.name in STORE_VARIANTS:
            where = (
                ["--store-dir", str(self.workdir / "store")] if self.name == "ours-disk" else ["--store", self.backend_endpoint]
            )
            serve = ["serve", "--root", str(self.root), "--host", HOST, "--port", str(port), "--timeout", str(t), *budget]
            return [str(BIN / "k2020graph"), *serve, "--cache-mb", "0", *where]
        if self.name in OURS:
            return [
                str(BIN / "k2020graph"),
                "serve",
                "--root",
                str(self.root),
                "--host",
                HOST,
                "--port",
                str(port),
                "--timeout",
                str(t),
                *budget,
            ] + (["--cache-mb", "0"] if self.name == "ours-nocache" else [])
        if self.name == "oxigraph":
            assert self.workdir is not None
            return [str(BIN / "oxigraph"), "serve-read-only", "--location", str(self.workdir), "--bind", f"{HOST}:{port}"] + [
                "--timeout-s",
                str(int(t)),
            ]
        return [str(BIN / "rdflib-endpoint"), "serve", *map(str, self.files), "--host", HOST, "--port", str(port)]

    def start(self) -> float:
        """Start the serving process; seconds from its start to the first successful answer."""
        port = free_port()
        self.base = f"http://{HOST}:{port}"
        self.endpoint = self.base + (
            "/sparql" if self.name.startswith("ours") else {"oxigraph": "/query", "rdflib-endpoint": "/"}[self.name]
        )
        if self.name == "ours-remote" and self.backend is None:
            self.start_backend()
        cmd = self.command(port)
        started = time.perf_counter()
        self.proc = spawn(cmd, self.log)
        url = httpx.URL(self.endpoint, params={"query": PROBE})
        with httpx.Client(timeout=5.0, headers={"Accept": ACCEPT}) as client:
            while time.perf_counter() - started < self.start_timeout:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode} before answering (see {self.log})")
                try:
                    if client.get(url).status_code == 200:
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        self.stop()
        raise TimeoutError(f"{self.name} did not answer within {self.start_timeout:.0f} s of starting (still loading)")

    def restart(self) -> None:
        self.stop()
        if self.backend is not None:  # ours-remote: the store too, which may still run (or have died of) the query
            _stop(self.backend)
            self.backend = None
        self.restarts += 1
        self.start()

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None

    def close(self) -> None:
        self.stop()
        if self.backend is not None:
            _stop(self.backend)
            self.backend = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def bench_server(name: str, root: Path, files: list[Path], work: list[Workload], logs: Path, args: argparse.Namespace) -> dict:
    out: dict = {"server": name}
    srv = Server(name, root, files, logs, args)
    try:
        try:
            srv.prepare()
            if srv.load_s is not None:  # reported beside the start-up, which counts from the serve process
                out["load_s"] = round(srv.load_s, 3)
            out["startup_s"] = round(srv.start(), 3)
        except (TimeoutError, RuntimeError) as exc:
            out["skipped"] = str(exc)
            return out
        assert srv.proc is not None
        out["memory_ready"] = memory(srv.proc.pid)
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx.Client(timeout=30.0, headers={"Accept": ACCEPT}, limits=limits) as client:
            floor = time_requests(client, httpx.URL(srv.endpoint, params={"query": PROBE}), args.requests, 5.0, args.warmup)
        out["floor"] = floor.summary()
        print(f"    {name:16} {'(floor: ' + PROBE + ')':42} {_fmt_summary(out['floor'])}", flush=True)
        samples = [out["memory_ready"]]
        out["queries"] = {}
        series = [("queries", name)]
        if name in OURS and not args.no_api:
            series.append(("api", f"{name} /api"))
            out["api"] = {}
        # the servers that can stop a query answer at --request-timeout; the client waits a little longer
        client_timeout = args.request_timeout + 10
        began = time.perf_counter()
        for part, label in series:
            for w in work:
                if time.perf_counter() - began > args.server_budget:
                    out[part][w.name] = {**Timing(error=f"not run: {name} used up --server-budget").summary()}
                    out[part][w.name].update(_lat=[], _seconds=0.0)
                    print(f"    {label:16} {w.name:42} not run: over the time budget of {args.server_budget:.0f} s", flush=True)
                    continue
                # one keep-alive connection per query (a restart would break it anyway)
                with httpx.Client(timeout=client_timeout, headers={"Accept": ACCEPT}, limits=limits) as client:
                    url, form = (
                        query_request(srv.endpoint, w.text) if part == "queries" else (httpx.URL(srv.base + w.api_path), None)
                    )
                    timing = time_requests(client, url, args.requests, args.duration, args.warmup, form)
                out[part][w.name] = {**timing.summary(), "_lat": timing.latencies, "_seconds": timing.seconds}
                print(f"    {label:16} {w.name:42} {_fmt_summary(timing.summary())}", flush=True)
                assert srv.proc is not None
                samples.append(memory(srv.proc.pid))
                if timing.gave_up or srv.proc.poll() is not None:
                    print(f"    {label:16} restarting {name} (it let a request time out, or died)", flush=True)
                    srv.restart()
        out["memory"] = {k: max(s[k] for s in samples) for k in samples[0]}
        if srv.backend is not None:  # ours-remote: the Oxigraph server behind it, measured apart from ours
            out["backend_memory"] = memory(srv.backend.pid)
        out["restarts"] = srv.restarts
        out["overall"] = overall(out["queries"])
    finally:
        srv.close()
    return out


# ----------------------------------------------------------------------------------------------------
# The engine alone: pyoxigraph in a child process (as our server's workers run it), no HTTP
# ----------------------------------------------------------------------------------------------------


T = TypeVar("T")


def in_turn(items: list[T], round_: int) -> list[T]:
    """``items`` starting at another one each round (round ``i`` at item ``i`` mod their number), so that
    none is always run after the same one (the one asked second finds caches warm, a busy moment hits one)."""
    k = round_ % len(items) if items else 0
    return items[k:] + items[:k]


def client_budget(request_timeout: float) -> list[str]:
    """``serve``'s per-client query budget for a benchmark's one client, which asks in sequence.

    Four request timeouts a minute: with the default (60 s), a single query of a large graph that took longer
    made every later query of the run a 429.
    """
    return ["--client-budget", f"{max(60.0, 4 * request_timeout):g}"]


def served_file(root: Path, out: Path) -> Path:
    """``out``: the ontology, the data and the derived direct layer of ``root``, what ``k2020graph serve``
    holds, as N-Triples (once each).

    The files go into the store on pyoxigraph's side (``bulk_load``), not through Python objects as
    ``KnowledgeGraph.load`` reads them: at 10M triples that took over 20 GB of memory.
    """
    import pyoxigraph as ox

    from k2020graph.derive import derive, read_rules

    project = Project.at(root)
    store = ox.Store()
    for path in [*project.ontology_files, *project.data_files]:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
    store.bulk_extend(derive(store, read_rules(project.rule_files)))
    store.dump(str(out), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return out


def engine_worker(root: Path, skip: set[str], requests: int, duration: float) -> None:
    """Child process: load ``root`` as the server does, then time each query (run + JSON), one JSON line each."""
    import pyoxigraph as ox

    from k2020graph.loading import KnowledgeGraph

    store = KnowledgeGraph.load(Project.at(root)).store.raw
    print(json.dumps({"ready": True}), flush=True)
    for w in workload(root)[0]:
        if w.name in skip:
            continue
        lat: list[float] = []
        began = time.perf_counter()
        body = b""
        while len(lat) < requests and (not lat or time.perf_counter() - began < duration):
            t0 = time.perf_counter()
            body = store.query(w.text).serialize(format=ox.QueryResultsFormat.JSON)
            lat.append(time.perf_counter() - t0)
        rows = len(json.loads(body).get("results", {}).get("bindings", [])) if body else None
        print(
            json.dumps({"name": w.name, "n": len(lat), "p50_ms": round(percentile(lat, 50) * 1000, 3), "rows": rows}), flush=True
        )


def engine_baseline(root: Path, work: list[Workload], logs: Path, args: argparse.Namespace) -> dict[str, dict]:
    """p50 of each query in-process (no HTTP), from a child that is killed when one query passes the timeout."""
    import selectors

    out: dict[str, dict] = {}
    names = [w.name for w in work]
    while len(out) < len(names):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--engine-worker", str(root), "--skip", ",".join(out)]
        cmd += ["--requests", str(min(args.requests, 50)), "--duration", str(min(args.duration, 3.0))]
        log = logs / "engine.log"
        with log.open("ab") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        _LIVE.append(proc)
        assert proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.perf_counter() + args.start_timeout
        try:
            while len(out) < len(names):
                if not sel.select(timeout=max(0.0, deadline - time.perf_counter())):
                    pending = next(n for n in names if n not in out)
                    out[pending] = {"n": 0, "p50_ms": None, "rows": None, "timed_out": True}
                    print(f"    {'engine':16} {pending:42} no result within {args.request_timeout:.0f} s", flush=True)
                    break
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"the engine worker exited with {proc.wait()} (see {log})")
                msg = json.loads(line)
                if "name" in msg:
                    out[msg["name"]] = msg
                    print(
                        f"    {'engine':16} {msg['name']:42} p50 {msg['p50_ms']:9.2f} ms  n={msg['n']}  rows={msg['rows']}",
                        flush=True,
                    )
                deadline = time.perf_counter() + args.request_timeout
        finally:
            sel.close()
            proc.stdout.close()
            _stop(proc, grace=2.0)
    return out


def overall(per_query: dict) -> dict:
    """Pooled over every timed request of every query (so the fast, many-sampled queries weigh most)."""
    lat = [x for q in per_query.values() for x in q["_lat"]]
    seconds = sum(q["_seconds"] for q in per_query.values())
    errors = [f"{k}: {q['error']}" for k, q in per_query.items() if q.get("error")]
    return {
        "n": len(lat),
        "p50_ms": round(percentile(lat, 50) * 1000, 3) if lat else None,
        "p99_ms": round(percentile(lat, 99) * 1000, 3) if lat else None,
        "rps": round(len(lat) / seconds, 1) if lat and seconds else None,
        "errors": errors,
    }


def _fmt_summary(s: dict) -> str:
    if not s.get("n"):
        return f"ERROR {s.get('error')}"
    text = f"p50 {s['p50_ms']:9.2f} ms  p99 {s['p99_ms']:9.2f} ms  {s['rps']:8.1f} req/s  n={s['n']}  rows={s['rows']}"
    if s.get("truncated"):
        text += " (cut at the row cap)"
    return text + (f"  ERROR {s['error']}" if s.get("error") else "")


# ----------------------------------------------------------------------------------------------------
# Ratios and tables
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """a/b; ``bound`` is ">" or "<" where one side only has a lower bound (it timed out)."""

    value: float
    bound: str = "="

    def __str__(self) -> str:
        return f"{'' if self.bound == '=' else self.bound}{self.value:.2f}×"


def latency(result: dict, query: str, key: str, timeout_ms: float) -> tuple[float | None, bool]:
    """(milliseconds, is a lower bound) of one server on one query; None where it did not run."""
    if "skipped" in result:
        return None, False
    s = result.get("queries", {}).get(query)
    if not s:
        return None, False
    if s.get(key) is not None:
        return float(s[key]), False
    if s.get("timed_out"):
        return timeout_ms, True
    return None, False


def ratio(a: tuple[float | None, bool], b: tuple[float | None, bool]) -> Ratio | None:
    (x, x_low), (y, y_low) = a, b
    if not x or not y or (x_low and y_low):
        return None
    return Ratio(x / y, ">" if x_low else "<" if y_low else "=")


def geomean(ratios: list[Ratio | None]) -> Ratio | None:
    exact = [r.value for r in ratios if r is not None and r.bound == "="]
    return Ratio(math.exp(statistics.fmean(math.log(v) for v in exact))) if exact else None


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, aligned (so that it reads in a terminal and pastes into bench/README.md)."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = (c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "| " + " | ".join(padded) + " |"

    sep = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def report(size: dict, timeout_ms: float) -> str:
    res = size["servers"]
    names = [n for n in SERVERS if n in res]
    out = [f"### {size['label']}: {size['triples']:,} triples ({size['source']}), {len(size['queries'])} canned queries", ""]
    rows = []
    for n in names:
        r = res[n]
        if "skipped" in r:
            rows.append([n, num(r.get("load_s")), "—", "—", "—", "—", "—", "—", "—", "—", f"skipped: {clip(r['skipped'])}"])
            continue
        o, m = r["overall"], r["memory"]
        errors = f"{len(o['errors'])} queries failed" if o["errors"] else "none"
        rows.append(
            [
                n,
                num(r.get("load_s")),
                num(r["startup_s"]),
                num(m["rss_mb"], 0),
                num(m["pss_mb"], 0),
                num(o["p50_ms"]),
                num(o["p99_ms"]),
                num(o["rps"], 0),
                num(r.get("floor", {}).get("p50_ms")),
                str(r.get("restarts", 0)),
                errors,
            ]
        )
    headers = [
        "server",
        "load s",
        "start-up s",
        "RSS MB",
        "PSS MB",
        "p50 ms",
        "p99 ms",
        "req/s",
        "floor p50 ms",
        "restarts",
        "errors",
    ]
    out.append(table(headers, rows))
    out.append("")

    def lat(n: str, q: str, key: str) -> tuple[float | None, bool]:
        return latency(res.get(n, {"skipped": True}), q, key, timeout_ms)

    pairs = [p for p in PAIRS if p[0] in res and p[1] in res]
    rows, collected = [], {(a, b, k): [] for a, b in pairs for k in ("p50_ms", "p99_ms")}
    engine = size.get("engine", {})
    for q in size["queries"]:
        e = engine.get(q, {})
        row = [q, (">" + num(timeout_ms) if e.get("timed_out") else num(e.get("p50_ms"))) if engine else "—"]
        for n in names:
            s = res[n].get("queries", {}).get(q, {}) if "skipped" not in res[n] else {}
            p50, p99 = lat(n, q, "p50_ms"), lat(n, q, "p99_ms")
            row += [
                (">" if p50[1] else "") + num(p50[0]) if p50[0] is not None else "—",
                (">" if p99[1] else "") + num(p99[0]) if p99[0] is not None else "—",
                num(s.get("rps"), 0),
            ]
        for a, b in pairs:
            for k in ("p50_ms", "p99_ms"):
                r_ = ratio(lat(a, q, k), lat(b, q, k))
                collected[(a, b, k)].append(r_)
                row.append(str(r_) if r_ else "—")
        rows.append(row)
    row = ["(overall, pooled; ratios: geometric mean)", ""]
    for n in names:
        o = res[n].get("overall", {}) if "skipped" not in res[n] else {}
        row += [num(o.get("p50_ms")), num(o.get("p99_ms")), num(o.get("rps"), 0)]
    for a, b in pairs:
        for k in ("p50_ms", "p99_ms"):
            g = geomean(collected[(a, b, k)])
            row.append(str(g) if g else "—")
    rows.append(row)
    headers = ["query", "engine p50 ms"]
    for n in names:
        headers += [f"{SHORT[n]} p50 ms", f"{SHORT[n]} p99 ms", f"{SHORT[n]} req/s"]
    for a, b in pairs:
        headers += [f"{SHORT[a]}/{SHORT[b]} p50", f"{SHORT[a]}/{SHORT[b]} p99"]
    out.append(table(headers, rows))
    for n in OURS:
        if "api" in res.get(n, {}):
            out.append("")
            rows = [
                [k, num(v["p50_ms"]), num(v["p99_ms"]), num(v["rps"], 0), str(v["rows"]), clip(v.get("error") or "")]
                for k, v in res[n]["api"].items()
            ]
            out.append(table([f"{n} at /api/queries/{{name}}", "p50 ms", "p99 ms", "req/s", "rows", "error"], rows))
    notes = []
    for q in size["queries"]:
        seen = {n: res[n]["queries"][q].get("rows") for n in names if q in res[n].get("queries", {})}
        seen = {n: c for n, c in seen.items() if c is not None}
        if len(set(seen.values())) > 1:
            notes.append(f"- {q}: the servers returned different row counts {seen}")
        cut = [n for n in names if res[n].get("queries", {}).get(q, {}).get("truncated")]
        if cut:
            notes.append(f"- {q}: cut at the row cap by {', '.join(cut)}")
    for n in names:
        for e in res[n].get("overall", {}).get("errors", []):
            notes.append(f"- {n}: {clip(e, 200)}")
    if size["skipped_queries"]:
        notes.append("- skipped queries: " + "; ".join(size["skipped_queries"]))
    if notes:
        out += ["", "Notes:", *notes]
    return "\n".join(out)


def store_targets(size: dict, timeout_ms: float) -> list[str]:
    """Issue 12's targets, at any size where the store variants ran beside Oxigraph server."""
    res, lines = size["servers"], []
    oxi = res.get("oxigraph", {"skipped": 1})

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    for name, factor in (("ours-disk", 1.2), ("ours-remote", 1.3)):
        ours = res.get(name)
        if ours is None or "skipped" in ours or "skipped" in oxi:
            continue
        within = []
        for q in size["queries"]:
            r = ratio(latency(ours, q, "p50_ms", timeout_ms), latency(oxi, q, "p50_ms", timeout_ms))
            if r:
                within.append(r.value <= factor and r.bound != ">")
                lines.append(f"{name}: {mark(within[-1])}: {q}: p50 within {factor}× Oxigraph server's: {r}")
        lines.append(
            f"{name}: {mark(all(within))}: p50 within {factor}× of Oxigraph server for {sum(within)} of {len(within)} queries"
        )
        pss = ours["memory"]["pss_mb"]
        if name == "ours-disk":
            ok = pss <= oxi["memory"]["pss_mb"]
            lines.append(f"{name}: {mark(ok)}: PSS {pss:.0f} MB, no more than Oxigraph server's {oxi['memory']['pss_mb']:.0f} MB")
        else:
            backend = ours.get("backend_memory", {}).get("pss_mb")
            behind = f"the Oxigraph server behind it: {num(backend, 0)} MB"
            lines.append(f"{name}: {mark(pss < 200)}: our process tree under 200 MB: PSS {pss:.0f} MB ({behind})")
    return lines


def targets(size: dict, timeout_ms: float) -> list[str]:
    """The issue's targets for this size, each met or missed, for each of our variants that ran."""
    extra = store_targets(size, timeout_ms)
    if size["label"] not in (TARGETS_AT, "real"):
        return extra
    return _targets(size, timeout_ms) + extra


def _targets(size: dict, timeout_ms: float) -> list[str]:
    if size["label"] not in (TARGETS_AT, "real"):
        return []  # the issue sets targets for ~100k triples and for the real data only
    lines = []
    for name in OURS:
        if name in size["servers"]:
            lines += [f"{name}: {line}" for line in _targets_of(name, size, timeout_ms)]
    return lines or ["our server did not run; no target can be checked"]


def _targets_of(name: str, size: dict, timeout_ms: float) -> list[str]:
    res = size["servers"]
    ours = res[name]
    if "skipped" in ours:
        return [f"did not run ({ours['skipped']}); no target can be checked"]

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines = []
    if size["label"] == TARGETS_AT:
        within, faster = [], []
        for q in size["queries"]:
            r_oxi = ratio(
                latency(ours, q, "p50_ms", timeout_ms), latency(res.get("oxigraph", {"skipped": 1}), q, "p50_ms", timeout_ms)
            )
            r_rdf = ratio(
                latency(res.get("rdflib-endpoint", {"skipped": 1}), q, "p50_ms", timeout_ms),
                latency(ours, q, "p50_ms", timeout_ms),
            )
            if r_oxi:
                ok = r_oxi.value <= 1.2 and r_oxi.bound != ">"
                within.append(ok)
                lines.append(f"{mark(ok)}: {q}: p50 within 1.2× Oxigraph server's: {r_oxi}")
            if r_rdf:
                ok = r_rdf.value >= 20 and r_rdf.bound != "<"
                faster.append(ok)
                lines.append(f"{mark(ok)}: {q}: at least 20× faster than rdflib-endpoint (p50): {r_rdf}")
        if within:
            lines.append(f"{mark(all(within))}: p50 within 1.2× of Oxigraph server for {sum(within)} of {len(within)} queries")
        if faster:
            lines.append(
                f"{mark(all(faster))}: at least 20× faster than rdflib-endpoint for {sum(faster)} of {len(faster)} queries"
            )
        m = ours.get("memory", {})
        if m:
            lines.append(
                f"{mark(m['pss_mb'] < 400)}: resident memory under 400 MB: {m['pss_mb']:.0f} MB PSS of the process tree "
                f"(RSS summed over its processes {m['rss_mb']:.0f} MB, the main process {m['main_rss_mb']:.0f} MB)"
            )
    if size["label"] == "real":
        for part, label in (("queries", "/sparql"), ("api", "/api/queries")):
            fast = [s for s in ours.get(part, {}).values() if s.get("p50_ms") is not None]
            if not fast:
                continue
            slow = {q: s["p50_ms"] for q, s in ours[part].items() if s.get("p50_ms") is None or s["p50_ms"] >= 3}
            few = {q: s["rps"] for q, s in ours[part].items() if s.get("rps") is None or s["rps"] < 500}
            n = len(ours[part])
            lines.append(
                f"{mark(not slow)}: {label}: p50 under 3 ms for {n - len(slow)} of {n} queries"
                + (f" (not: {', '.join(f'{q} {v} ms' for q, v in slow.items())})" if slow else "")
            )
            lines.append(
                f"{mark(not few)}: {label}: at least 500 req/s from one worker for {n - len(few)} of {n} queries"
                + (f" (not: {', '.join(f'{q} {v}' for q, v in few.items())})" if few else "")
            )
    return lines


# ----------------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = _proc_kb("/proc/meminfo", "MemTotal") / 2**20
    cpu = cpu or platform.processor() or "unknown CPU"
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GB RAM, Python {platform.python_version()}"


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("k2020graph", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "httpx", "uvicorn", "fastapi"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated synthetic sizes, e.g. 10k,100k,1M ('' for none)")
    parser.add_argument("--real", action="store_true", help="also the repository's own data")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per query and server, at most (default 200)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per query and server, at most (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests before each query is timed (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic graphs (default 1)")
    parser.add_argument(
        "--servers",
        default=",".join(DEFAULT_SERVERS),
        help=f"which servers, of {','.join(SERVERS)} (default {','.join(DEFAULT_SERVERS)})",
    )
    parser.add_argument("--start-timeout", type=float, default=600.0, help="seconds to wait for a server's first answer")
    parser.add_argument(
        "--rdflib-start-timeout", type=float, default=240.0, help="seconds to wait for rdflib-endpoint to load (default 240)"
    )
    parser.add_argument("--request-timeout", type=float, default=60.0, help="seconds to wait for one answer (default 60)")
    parser.add_argument(
        "--server-budget", type=float, default=1200.0, help="seconds of queries per server and size; the rest are skipped"
    )
    parser.add_argument("--no-api", action="store_true", help="do not also time ours at /api/queries/{name}")
    parser.add_argument("--no-engine", action="store_true", help="do not time the queries in-process (no HTTP) first")
    parser.add_argument("--queries", default="", help="only these canned queries (comma-separated names; default all)")
    parser.add_argument("--out", type=Path, help="the JSON results file (default bench/results/run-TIME.json)")
    parser.add_argument("--engine-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine_worker:
        engine_worker(args.engine_worker, set(filter(None, args.skip.split(","))), args.requests, args.duration)
        return 0
    if args.requests < 1 or args.duration <= 0 or args.request_timeout <= 0:
        parser.error("--requests, --duration and --request-timeout must be positive")
    chosen = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(chosen) - set(SERVERS)
    if unknown:
        parser.error(f"unknown server(s) {', '.join(sorted(unknown))} (choose from {', '.join(SERVERS)})")
    try:
        sizes = [generate.parse_size(s) for s in args.sizes.split(",") if s.strip()]
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    if not sizes and not args.real:
        parser.error("nothing to run: give --sizes or --real")

    signal.signal(signal.SIGTERM, _on_sigterm)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = RESULTS / f"logs-{stamp}"
    logs.mkdir()
    timeout_ms = args.request_timeout * 1000
    run: dict = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "sizes": [],
    }
    print(f"# k2020graph benchmark, {run['date']}, {run['machine']}", flush=True)
    print("# " + ", ".join(f"{k} {v}" for k, v in run["versions"].items()), flush=True)
    exit_code = 0
    served_dir = Path(tempfile.mkdtemp(prefix="k2020bench-served-"))
    try:
        plan: list[tuple[str, int | None]] = [(generate.size_label(n), n) for n in sizes]
        if args.real:
            plan.append(("real", None))
        for label, n in plan:
            if n is not None:
                root = REPO / "bench" / "data" / f"synthetic-{label}-seed{args.seed}"
                info = generate.build_root(root, n, args.seed, reuse=True, log=lambda m: print(m, flush=True))
                triples, source = int(info["total_triples"]), f"synthetic, seed {args.seed}"
            else:
                root, source = REPO, "the repository's own data"
                triples = 0
            # Every server gets what ours serves: the files and the direct layer that the rules derive from
            # them (k2020graph/derive.py), as one N-Triples file. Given the files alone, Oxigraph server
            # answered the queries that read the direct layer with 0 rows, quickly (run of 2 Dec 2026).
            files = [served_file(root, served_dir / f"{label}.nt")]
            if n is None:
                triples = sum(1 for _ in open(files[0], "rb"))
            work, skipped = workload(root)
            if args.queries:
                wanted = set(args.queries.split(","))
                unknown = wanted - {w.name for w in work}
                if unknown:
                    raise SystemExit(f"--queries: no such canned query: {', '.join(sorted(unknown))}")
                work = [w for w in work if w.name in wanted]
            size = {
                "label": label,
                "triples": triples,
                "source": source,
                "root": str(root),
                "queries": [w.name for w in work],
                "skipped_queries": skipped,
                "servers": {},
            }
            run["sizes"].append(size)
            print(f"\n## {label}: {triples:,} triples, {len(work)} canned queries", flush=True)
            size_logs = logs / label
            size_logs.mkdir()
            if not args.no_engine:
                print("  engine (pyoxigraph in-process, no HTTP): loading", flush=True)
                try:
                    size["engine"] = engine_baseline(root, work, size_logs, args)
                except RuntimeError as exc:
                    print(f"  engine: skipped: {exc}", flush=True)
            for name in chosen:
                print(f"  {name}: starting", flush=True)
                try:
                    result = bench_server(name, root, files, work, size_logs, args)
                except (RuntimeError, OSError, TimeoutError) as exc:
                    result = {"server": name, "skipped": str(exc)}
                size["servers"][name] = result
                if "skipped" in result:
                    print(f"  {name}: skipped: {result['skipped']}", flush=True)
                else:
                    print(
                        f"  {name}: start-up {result['startup_s']:.2f} s, memory {result['memory']}, "
                        f"overall p50 {result['overall']['p50_ms']} ms",
                        flush=True,
                    )
            print("\n" + report(size, timeout_ms), flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted: the servers are stopped", file=sys.stderr)
        exit_code = 130
    finally:
        _stop_all()
        shutil.rmtree(served_dir, ignore_errors=True)
    if run["sizes"]:
        print("\n## Targets (issue 4)\n")
        for size in run["sizes"]:
            for line in targets(size, timeout_ms):
                print(f"- {size['label']}: {line}")
        for size in run["sizes"]:
            for r in size["servers"].values():
                for part in ("queries", "api"):
                    for v in r.get(part, {}).values():
                        v.pop("_lat", None)
                        v.pop("_seconds", None)
        out = args.out or RESULTS / f"run-{stamp}.json"
        out.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n")
        print(f"\nresults: {out}\nserver logs: {logs}")
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
