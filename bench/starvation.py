"""Starvation under hostile load (issue 8, item 4): do light clients' ad-hoc queries stay fast while
four clients hammer the endpoint with a query that runs to the timeout?

Starts ``k2020graph serve`` on the repository's own data (127.0.0.1, a free port) twice, with the
per-client limits (the default) and with ``--no-limits``, and runs the same scenario against each for
``--duration`` seconds:

- ``--heavy`` clients (4; each its own User-Agent) send a COUNT over a three-way cross product, which
  runs until the server's timeout, in a loop, one at a time each, never honouring Retry-After;
- ``--light`` clients (8; each its own User-Agent) send cheap ad-hoc queries one at a time with
  ``--think`` seconds between them, each with a literal never used before so that the result cache
  cannot answer (every answer is checked to be ``K2020-Cache: miss``).

Printed per server: the light clients' latency p50/p95/p99/max (nearest rank, every light request
counted, an error answer with the time it took), the status codes each side got (429s among them),
and the ratios of the figures without limits to those with them. The target is p99 under 100 ms for the
light clients with the limits on. Every server started here is stopped at the end.

    .venv/bin/python bench/starvation.py [--duration 30] [--heavy 4] [--light 8]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
ACCEPT = "application/sparql-results+json"

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
#: Cheap ad-hoc queries; {n} is a number never sent before, so no answer comes from the cache.
LIGHT = (
    'SELECT ?s WHERE {{ ?s ?p "ad hoc {n}" }} LIMIT 5',
    RDFS + 'SELECT ?s ?label WHERE {{ ?s rdfs:label ?label FILTER(STRSTARTS(STR(?label), "Tiltak {n}")) }} LIMIT 10',
    "ASK {{ ?s ?p {n} }}",
    "SELECT (COUNT(*) AS ?n) WHERE {{ ?s a ?class FILTER(?class != <urn:x:{n}>) }}",
    RDFS + 'SELECT ?s WHERE {{ ?s rdfs:label "{n}"@nb }}',
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else float("nan")


class Server:
    """``k2020graph serve`` in a session of its own; stopped (its process group) by :meth:`stop`."""

    def __init__(self, root: Path, extra: list[str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        cmd = [str(BIN / "k2020graph"), "serve", "--root", str(root), "--host", HOST, "--port", str(self.port), *extra]
        self.log = log
        with log.open("wb") as fh:
            self.proc = subprocess.Popen(
                cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text()}")
            try:
                if httpx.get(self.url + "/api/status", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start: {log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@dataclass
class Run:
    light_ms: list[float] = field(default_factory=list)
    light_at: list[float] = field(default_factory=list)  # seconds from the start at which each was sent
    first_round: float = 0.0  # seconds: the heavy clients' first queries end (by timeout) about then
    light_status: Counter[str] = field(default_factory=Counter)
    heavy_status: Counter[str] = field(default_factory=Counter)
    cache_hits: int = 0
    status: dict[str, object] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        ms = self.light_ms
        later = [m for m, at in zip(ms, self.light_at, strict=True) if at > self.first_round]
        return {
            "light_requests": len(ms),
            "p50_ms": percentile(ms, 50),
            "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99),
            "max_ms": max(ms, default=float("nan")),
            "later_requests": len(later),
            "later_p99_ms": percentile(later, 99),
            "light_status": dict(self.light_status),
            "heavy_status": dict(self.heavy_status),
            "light_cache_hits": self.cache_hits,
        }


async def scenario(url: str, args: argparse.Namespace) -> Run:
    run = Run()
    begin = time.monotonic()
    end = begin + args.duration
    run.first_round = args.timeout + 1
    numbers = itertools.count(int(time.time() * 1000) % 1_000_000_000)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def heavy(i: int) -> None:
        async with httpx.AsyncClient(headers={"User-Agent": f"hog-{i}/1.0", "Accept": ACCEPT}, limits=limits) as client:
            while time.monotonic() < end:
                try:
                    r = await client.get(url + "/sparql", params={"query": HEAVY}, timeout=args.timeout + 30)
                    run.heavy_status[str(r.status_code)] += 1
                except httpx.HTTPError as exc:
                    run.heavy_status[type(exc).__name__] += 1

    async def light(i: int) -> None:
        async with httpx.AsyncClient(headers={"User-Agent": f"reader-{i}/1.0", "Accept": ACCEPT}, limits=limits) as client:
            await asyncio.sleep(args.think * i / args.light)  # spread the clients' first requests
            k = i
            while time.monotonic() < end:
                query = LIGHT[k % len(LIGHT)].format(n=next(numbers))
                k += 1
                start = time.perf_counter()
                try:
                    r = await client.get(url + "/sparql", params={"query": query}, timeout=args.timeout + 30)
                    status = str(r.status_code)
                    run.cache_hits += r.headers.get("K2020-Cache") == "hit"
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                run.light_ms.append((time.perf_counter() - start) * 1000)
                run.light_at.append(start - begin_perf)
                run.light_status[status] += 1
                await asyncio.sleep(args.think)

    begin_perf = time.perf_counter()
    tasks = [asyncio.create_task(heavy(i)) for i in range(args.heavy)]
    tasks += [asyncio.create_task(light(i)) for i in range(args.light)]
    await asyncio.sleep(args.duration)
    await asyncio.wait(tasks[args.heavy :])  # the light clients end at once; heavy ones are cut off
    for task in tasks[: args.heavy]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    async with httpx.AsyncClient() as client:
        run.status = (await client.get(url + "/api/status")).json().get("limits") or {}
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per server (default 30)")
    parser.add_argument("--heavy", type=int, default=4, help="clients sending the runaway COUNT (default 4)")
    parser.add_argument("--light", type=int, default=8, help="clients sending cheap ad-hoc queries (default 8)")
    parser.add_argument("--think", type=float, default=0.05, help="seconds between a light client's queries (default 0.05)")
    parser.add_argument("--timeout", type=float, default=10.0, help="the server's --timeout (default 10)")
    parser.add_argument("--root", type=Path, default=REPO, help="project root to serve (default: the repository)")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()

    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="k2020-starvation-") as tmp:
        for name, extra in (("limits", []), ("no-limits", ["--no-limits"])):
            server = Server(args.root, ["--timeout", f"{args.timeout:g}", *extra], Path(tmp) / f"{name}.log")
            try:
                print(f"{name}: {args.heavy} heavy + {args.light} light clients for {args.duration:g} s ...", flush=True)
                run = asyncio.run(scenario(server.url, args))
            finally:
                server.stop()
            results[name] = {**run.summary(), "server_limits": run.status}

    print()
    print(f"Light clients' ad-hoc queries while {args.heavy} clients loop a {args.timeout:g} s cross-product COUNT")
    print()
    print(
        "| server | light requests | p50 ms | p95 ms | p99 ms | max ms | p99 ms after the first round (requests) "
        "| light answers | heavy answers |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for name, r in results.items():

        def codes(c: object) -> str:
            return ", ".join(f"{k}: {v}" for k, v in sorted(dict(c).items())) or "-"  # type: ignore[call-overload]

        print(
            f"| {name} | {r['light_requests']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['max_ms']:.0f} | {r['later_p99_ms']:.1f} ({r['later_requests']}) | {codes(r['light_status'])} | "
            f"{codes(r['heavy_status'])} |"
        )
    on, off = results["limits"], results["no-limits"]
    print()
    for q in ("p50_ms", "p95_ms", "p99_ms"):
        print(f"{q[:3]}: without limits / with limits = {off[q] / on[q]:.1f}x")  # type: ignore[operator]
    met = "met" if on["p99_ms"] < 100 else "NOT met"  # type: ignore[operator]
    print(f"target p99 < 100 ms with limits: {met} ({on['p99_ms']:.1f} ms; after the first round {on['later_p99_ms']:.1f} ms)")
    hits = on["light_cache_hits"], off["light_cache_hits"]
    print(f"light answers from the cache (should be 0): {hits[0]} / {hits[1]}")
    print(f"server's limit counters at the end: {json.dumps(on['server_limits'])}")
    if args.out:
        args.out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
