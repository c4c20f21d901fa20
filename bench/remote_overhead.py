"""``serve --store URL`` overhead per canned query, interleaved with asking the same Oxigraph server directly.

One Oxigraph server (read-only, the synthetic graph in the named graph ``run.REMOTE_GRAPH``), ``k2020graph
serve --store`` in front of it (``--cache-mb 0``), and optionally a second one started from another source
tree (``--baseline-tree /work/main``: the code before a change), all up at once. Each round sends every
canned query once to each, in turn, starting with another one each round (the one asked second finds the
store's caches warm), so that a busy shared machine slows them alike; the p50 of each is
printed with its ratio to the direct p50 (the issue's target: within 1.3x).

    .venv/bin/python bench/remote_overhead.py --size 100k --rounds 30 --baseline-tree /work/main
    .venv/bin/python bench/remote_overhead.py --data bench/data/synthetic-1M-seed1 --rounds 20 --min-rounds 5 \
        --budget 90 --request-timeout 60 --skip statistics-table,tiltak-table

A query that does not answer within ``--request-timeout`` seconds in its warm-up (on any server) is left
out and reported; ``--skip`` leaves out queries known to take longer, so that the store is not kept busy
by a query nobody waits for.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
import run  # noqa: E402


def _up(endpoint: str, proc: object, timeout: float = 600.0) -> None:
    started = time.perf_counter()
    with httpx.Client(timeout=5.0, headers={"Accept": run.ACCEPT}) as client:
        while time.perf_counter() - started < timeout:
            if proc.poll() is not None:  # type: ignore[attr-defined]
                raise RuntimeError(f"{endpoint}: the server exited before answering")
            try:
                if client.get(endpoint, params={"query": run.PROBE}).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    raise TimeoutError(f"{endpoint} did not answer within {timeout:.0f} s")


def ask(target: str, endpoint: str, query: str) -> tuple[httpx.URL, dict[str, str] | None]:
    """The request for ``query``; asked directly, it names the published graph as the default graph, as ours does."""
    url, form = run.query_request(endpoint, query)
    if target != "direct":
        return url, form
    if form is None:
        return httpx.URL(endpoint, params={"query": query, "default-graph-uri": run.REMOTE_GRAPH}), None
    return url, {**form, "default-graph-uri": run.REMOTE_GRAPH}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k", help="synthetic size (default 100k)")
    parser.add_argument("--rounds", type=int, default=30, help="requests per query and server (default 30)")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per query for all servers, about (default 20)")
    parser.add_argument("--min-rounds", type=int, default=3, help="requests per query and server at least (default 3)")
    parser.add_argument("--request-timeout", type=float, default=60.0, help="seconds per request (default 60)")
    parser.add_argument("--skip", default="", help="canned queries to leave out (comma-separated names)")
    parser.add_argument("--data", type=Path, help="a graph bench/generate.py made (default: one made for --size)")
    parser.add_argument("--baseline-tree", type=Path, help="a second 'serve --store' from this source tree (before)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that the servers are stopped
    size = generate.parse_size(args.size)
    root = args.data or Path(tempfile.gettempdir()) / f"k2020bench-overhead-{args.size}"
    if not (root / generate.STAMP).is_file():
        if args.data:
            raise SystemExit(f"{root}: not a graph bench/generate.py made (no {generate.STAMP})")
        generate.main(["--triples", str(size), "--out", str(root)])
    skip = {name for name in args.skip.split(",") if name}
    work = [w for w in run.workload(root)[0] if w.name not in skip]
    left_out = {name: "--skip" for name in sorted(skip)}
    logs = Path(tempfile.mkdtemp(prefix="k2020bench-overhead-logs-"))
    store = Path(tempfile.mkdtemp(prefix="k2020bench-overhead-store-"))
    files = [run.served_file(root, logs / "served.nt")]  # files and derived direct layer, as `serve` holds them
    load = run.spawn(
        [str(run.BIN / "oxigraph"), "load", "--location", str(store), "--graph", run.REMOTE_GRAPH, "--file", *map(str, files)],
        logs / "load.log",
    )
    if load.wait() != 0:
        raise SystemExit(f"the load failed (see {logs / 'load.log'})")
    procs = []
    try:
        port = run.free_port()
        direct = f"http://{run.HOST}:{port}/query"
        oxi = run.spawn(
            [str(run.BIN / "oxigraph"), "serve-read-only", "--location", str(store), "--bind", f"{run.HOST}:{port}"],
            logs / "oxi.log",
        )
        procs.append(oxi)
        _up(direct, oxi)
        targets = {"direct": direct}
        trees = {"ours": Path(__file__).resolve().parent.parent}
        if args.baseline_tree:
            trees = {"before": args.baseline_tree, "after": trees["ours"]}
        for name, tree in trees.items():
            p = run.free_port()
            cmd = [
                str(run.BIN / "k2020graph"),
                "serve",
                "--root",
                str(root),
                "--host",
                run.HOST,
                "--port",
                str(p),
                "--timeout",
                f"{args.request_timeout:g}",
                *run.client_budget(args.request_timeout),
            ]
            env = {**os.environ, "PYTHONPATH": str(tree)}
            with open(logs / f"{name}.log", "wb") as log:
                proc = subprocess.Popen(
                    [*cmd, "--cache-mb", "0", "--store", direct],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
            procs.append(proc)
            targets[name] = f"http://{run.HOST}:{p}/sparql"
            _up(targets[name], proc)
        times: dict[str, dict[str, list[float]]] = {w.name: {t: [] for t in targets} for w in work}
        with httpx.Client(timeout=args.request_timeout + 5.0, headers={"Accept": run.ACCEPT}) as client:
            rounds: dict[str, int] = {}
            for w in list(work):
                took = 0.0
                try:
                    for second in (False, True):  # warm-up; the slowest server's second answer sets the rounds
                        for t, endpoint in targets.items():
                            url, form = ask(t, endpoint, w.text)
                            t0 = time.perf_counter()
                            (client.get(url) if form is None else client.post(url, data=form)).raise_for_status()
                            if second:
                                took = max(took, time.perf_counter() - t0)
                except (httpx.TimeoutException, httpx.HTTPStatusError) as exc:
                    left_out[w.name] = f"warm-up, {t}: {type(exc).__name__} {exc}"[:160]
                    work.remove(w)
                    continue
                # a slow query (the store's time dominates) gets fewer rounds, within --budget seconds
                fit = int(args.budget / max(took * len(targets), 1e-3))
                rounds[w.name] = max(args.min_rounds, min(args.rounds, fit))
            rows: dict[str, dict[str, int | None]] = {}
            for i in range(args.rounds):
                for w in work:
                    if i >= rounds[w.name]:
                        continue
                    for t, endpoint in run.in_turn(list(targets.items()), i):
                        url, form = ask(t, endpoint, w.text)
                        t0 = time.perf_counter()
                        r = client.get(url) if form is None else client.post(url, data=form)
                        _ = r.content
                        times[w.name][t].append(time.perf_counter() - t0)
                        rows.setdefault(w.name, {})[t] = run.count_rows(r)
                        if r.status_code != 200:
                            raise SystemExit(f"{t} {w.name}: HTTP {r.status_code} {r.text[:200]}")
        names = [t for t in targets if t != "direct"]
        print(f"load average at the end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; {args.rounds} rounds, {root.name}")
        head = ["query", "direct p50 ms", *(f"{n} p50 ms" for n in names), *(f"{n}/direct" for n in names)]
        for name, counts in rows.items():  # the same answers, or the comparison means nothing
            if len(set(counts.values())) != 1:
                print(f"warning: {name}: rows differ: {counts}")
        lines, within = [], dict.fromkeys(names, 0)
        for w in work:
            d = run.percentile(times[w.name]["direct"], 50) * 1000
            ps = [run.percentile(times[w.name][n], 50) * 1000 for n in names]
            for n, p in zip(names, ps, strict=True):
                within[n] += p / d <= 1.3
            lines.append(
                [
                    f"{w.name} (n={rounds[w.name]}, rows={rows[w.name]['direct']})",
                    f"{d:.1f}",
                    *(f"{p:.1f}" for p in ps),
                    *(f"{p / d:.2f}" for p in ps),
                ]
            )
        print(run.table(head, lines))
        for n in names:
            print(f"{n}: {within[n]}/{len(work)} queries within 1.3x of direct")
        for name, why in left_out.items():
            print(f"left out: {name} ({why})")
    finally:
        for proc in procs:
            run._stop(proc)
        shutil.rmtree(store, ignore_errors=True)  # the loaded store (400 MB at 1M); the logs stay
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
