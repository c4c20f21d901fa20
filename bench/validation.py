"""Validation speed (issue 11): the fast engine against pyshacl, scaling, and incremental against full.

Prints three tables (Markdown):

(a) the real data validated in full as a whole CLI process: ``k2020graph validate`` (the fast engine, the
    default) against ``k2020graph validate --engine pyshacl`` and against pyshacl's own CLI
    (``pyshacl -s shapes -e ontology -a -i none data.nt``, the data files merged into one N-Triples file,
    which pyshacl reads fastest), and against rudof (PyPI ``pyrudof``, a SHACL engine in Rust that also
    runs SHACL-SPARQL) on the ontology, data and derived layer with every shapes file; each run
    once untimed (Python writes the bytecode an installed package has), then ``--repeat`` times, interleaved:
    median wall time and best CPU time (user + system of the child process: on a shared machine the figure
    that measures our work), and for ours the best, median and worst of both;
(b) the fast engine in-process over synthetic graphs (``bench/generate.py``) at 5k/10k/50k/100k triples:
    wall and CPU seconds of ``validate_graphs`` (data already parsed), and microseconds per triple; the
    ratio of the largest to the smallest per-triple CPU time is the flatness figure (target within 2x);
(c) at 100k triples, a one-tiltak change (notation, strategy and a comment of one tiltak) validated by
    ``validate_incremental`` against a full ``validate_graphs`` of the changed data in the same run;
(d) the same change through ``changes.check`` (what every write runs), the base report known.

The machine is shared: read the ratios of one run. CPU time is printed beside wall time, since wall time
on a loaded machine mostly measures the other jobs.

    .venv/bin/python bench/validation.py [--sizes 5k,10k,50k,100k] [--repeat 3] [--changes 5] [--no-pyshacl]
        [--against DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import pyoxigraph as ox  # noqa: E402
import run  # noqa: E402  (bench/run.py: the served triples as one file)
from rdflib import Graph, Literal  # noqa: E402
from rdflib.namespace import RDF, RDFS, SKOS  # noqa: E402

from k2020graph import shacl  # noqa: E402
from k2020graph.loading import KnowledgeGraph, read_quads  # noqa: E402
from k2020graph.namespaces import K2  # noqa: E402
from k2020graph.project import Project  # noqa: E402
from k2020graph.validation import validate_graphs, validate_incremental  # noqa: E402

BIN = Path(sys.executable).parent


def synthetic_root(size: str) -> Path:
    from generate import parse_size  # bench/generate.py

    out = REPO / "bench" / "data" / f"synthetic-{size}"
    if not (out / "data" / "turtle" / "synthetic.ttl").is_file():
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "generate.py"), "--triples", str(parse_size(size)), "--out", str(out)],
            check=True,
        )
    return out


#: rudof's validation as a process of its own: exit 0 when the data conforms, 1 when not (as ours).
RUDOF = """
import sys
import pyrudof as pr
rudof = pr.Rudof(pr.RudofConfig())
rudof.read_data(sys.argv[1], format=pr.RDFFormat.NTriples)
rudof.read_shacl(sys.argv[2], format=pr.ShaclFormat.NTriples)
report = rudof.validate_shacl()
print(len(report), "results")
sys.exit(1 if any(str(r.severity).endswith("Violation") for r in report) else 0)
"""


#: The environment of the timed commands: Python may write bytecode, as an installed package has it (this
#: sandbox sets PYTHONDONTWRITEBYTECODE, and an editable install would otherwise compile every module each run).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed_process(cmd: list[str], cwd: Path = REPO, env: dict[str, str] = ENV) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system of the process and its children) and exit code of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def against_command(checkout: Path) -> tuple[list[str], Path, dict[str, str]]:
    """``k2020graph validate`` of the repository's files with the package of another checkout (a git worktree
    of an older commit, say): run from that directory, whose ``k2020graph`` then comes first on the path."""
    cmd = [str(BIN / "python"), "-m", "k2020graph", "validate", "--root", str(REPO)]
    return cmd, checkout, {**ENV, "PYTHONPATH": str(checkout)}


def bench_cli(repeat: int, pyshacl: bool = True, against: Path | None = None) -> None:
    kg = KnowledgeGraph.load(Project.at(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        merged = Path(tmp) / "data.nt"
        kg.data_graph.serialize(merged, format="nt")
        ontology = REPO / "ontology" / "k2020.ttl"
        shapes = REPO / "shapes" / "k2020-shapes.ttl"
        # rudof (pyrudof, SHACL in Rust, with SHACL-SPARQL) on exactly what `k2020graph validate` checks: the
        # ontology, the data and the derived layer in one N-Triples file, every shapes file in another.
        everything, all_shapes = run.served_file(REPO, Path(tmp) / "all.nt"), Path(tmp) / "shapes.nt"
        shape_quads = [q for path in kg.project.shape_files for q in read_quads(path)]
        all_shapes.write_bytes(ox.serialize(shape_quads, format=ox.RdfFormat.N_TRIPLES))
        commands = {
            "k2020graph validate (fast engine)": [str(BIN / "k2020graph"), "validate"],
            "rudof (pyrudof, Rust)": [str(BIN / "python"), "-c", RUDOF, str(everything), str(all_shapes)],
            "k2020graph validate --engine pyshacl": [str(BIN / "k2020graph"), "validate", "--engine", "pyshacl"],
            "pyshacl CLI": [str(BIN / "pyshacl"), "-s", str(shapes), "-e", str(ontology), "-a", "-i", "none", str(merged)],
        }
        if not pyshacl:  # --no-pyshacl: our command alone, for before/after figures of its CPU time
            commands = {k: v for k, v in commands.items() if "pyshacl" not in k and "rudof" not in k}
        elif importlib.util.find_spec("pyrudof") is None:
            del commands["rudof (pyrudof, Rust)"]
            print("pyrudof is not installed (the bench extra brings it): rudof not measured")
        runs = {name: (cmd, REPO, ENV) for name, cmd in commands.items()}
        if against is not None:
            runs[f"k2020graph validate, the code in {against}"] = against_command(against)
        times: dict[str, list[float]] = {name: [] for name in runs}
        cpus: dict[str, list[float]] = {name: [] for name in runs}
        codes: dict[str, set[int]] = {name: set() for name in runs}
        for cmd, cwd, env in runs.values():  # untimed: bytecode written, files in the page cache
            timed_process(cmd, cwd, env)
        for i in range(repeat):
            for name, (cmd, cwd, env) in run.in_turn(list(runs.items()), i):
                t, c, code = timed_process(cmd, cwd, env)
                times[name].append(t)
                cpus[name].append(c)
                codes[name].add(code)
    ours = statistics.median(times["k2020graph validate (fast engine)"])
    ours_cpu = min(cpus["k2020graph validate (fast engine)"])
    print(f"\n## (a) Real data ({len(kg.data_graph):,} data triples), full validation as a CLI process\n")
    print("| command | median wall s | best CPU s | runs | exit codes | / ours (wall) | / ours (CPU) |")
    print("|---|---:|---:|---:|---|---:|---:|")
    for name, ts in times.items():
        med, cpu = statistics.median(ts), min(cpus[name])
        print(
            f"| {name} | {med:.2f} | {cpu:.2f} | {len(ts)} | {sorted(codes[name])} | {med / ours:.1f}x | {cpu / ours_cpu:.1f}x |"
        )
    for name in [n for n in runs if n.startswith("k2020graph validate") and "pyshacl" not in n]:
        mine, walls = sorted(cpus[name]), sorted(times[name])
        print(
            f"\n`{name}` CPU (user + sys) over {repeat} runs: best {mine[0]:.2f} s, median "
            f"{statistics.median(mine):.2f}, worst {mine[-1]:.2f}; wall: best {walls[0]:.2f}, median "
            f"{statistics.median(walls):.2f}, worst {walls[-1]:.2f} (target: under 1 s)"
        )


def one_tiltak_change(data: Graph) -> tuple[list, list]:
    tiltak = sorted(data.subjects(RDF.type, K2.Tiltak), key=str)
    t = tiltak[len(tiltak) // 2]
    removed = [x for p in (SKOS.notation, K2.strategy) for x in data.triples((t, p, None))]
    strategies = sorted(data.subjects(RDF.type, K2.Strategy), key=str)
    added = [(t, SKOS.notation, Literal("9.99")), (t, K2.strategy, strategies[0]), (t, RDFS.comment, Literal("x", lang="nb"))]
    return added, removed


def bench_sizes(sizes: list[str]) -> None:
    print("\n## (b) Fast engine, full validation in-process (data parsed beforehand)\n")
    print("| graph | triples (with ontology) | wall s | CPU s | CPU us/triple | results |")
    print("|---|---:|---:|---:|---:|---:|")
    per: list[float] = []
    for size in sizes:
        kg = KnowledgeGraph.load(Project.at(synthetic_root(size)))
        d, s, o = kg.data_graph, kg.shapes_graph, kg.ontology_graph
        n = len(d) + len(o)
        w, c = time.perf_counter(), time.process_time()
        report = validate_graphs(d, s, o, engine="fast")
        w, c = time.perf_counter() - w, time.process_time() - c
        per.append(c / n * 1e6)
        print(f"| {size} | {n:,} | {w:.2f} | {c:.2f} | {per[-1]:.1f} | {len(report.results)} |")
    if per:
        print(f"\nCPU per triple, largest / smallest: {max(per) / min(per):.2f}x (target: within 2x)")


def bench_incremental(size: str, changes: int) -> None:
    kg = KnowledgeGraph.load(Project.at(synthetic_root(size)))
    d, s, o = kg.data_graph, kg.shapes_graph, kg.ontology_graph
    compiled = shacl.compile_shapes(s)
    for shape in compiled.shapes:  # what a server does once at start-up: parse the SPARQL constraints
        for part in (shape, *shape.properties):
            for c in part.sparql:
                c.analysis  # noqa: B018
    base = validate_graphs(d, s, o, engine="fast")
    added, removed = one_tiltak_change(d)
    changed = Graph()
    for t in d:
        changed.add(t)
    for t in removed:
        changed.remove(t)
    for t in added:
        changed.add(t)
    inc_wall, inc_cpu = [], []
    for _ in range(changes):
        w, c = time.perf_counter(), time.process_time()
        inc = validate_incremental(base, d, changed, added, removed, compiled, o)
        inc_wall.append(time.perf_counter() - w)
        inc_cpu.append(time.process_time() - c)
    w, c = time.perf_counter(), time.process_time()
    full = validate_graphs(changed, s, o, engine="fast")
    full_wall, full_cpu = time.perf_counter() - w, time.process_time() - c
    same = sorted(map(repr, ((r.focus, r.source_shape, r.value) for r in inc.results))) == sorted(
        map(repr, ((r.focus, r.source_shape, r.value) for r in full.results))
    )
    iw, ic = statistics.median(inc_wall) * 1000, statistics.median(inc_cpu) * 1000
    print(f"\n## (c) One-tiltak change at {size} ({len(d) + len(o):,} triples): incremental vs full\n")
    print("| validation | wall ms | CPU ms |")
    print("|---|---:|---:|")
    print(f"| incremental (validate_incremental, median of {changes}) | {iw:.1f} | {ic:.1f} |")
    print(f"| full (validate_graphs, fast engine) | {full_wall * 1000:.0f} | {full_cpu * 1000:.0f} |")
    print(
        f"\nfull / incremental: {full_wall * 1000 / iw:.0f}x wall, {full_cpu * 1000 / max(ic, 0.001):.0f}x CPU; "
        f"same results: {same}; target: incremental under 100 ms"
    )


def bench_check(size: str, changes: int) -> None:
    """(d) The one road of every write: ``changes.check`` of the same one-tiltak change, with the report of the
    served data known (as a server keeps it) and the shapes compiled, the Change built from file snapshots."""
    from k2020graph.changes import Snapshot, between, check
    from k2020graph.changes.snapshot import from_project

    project = Project.at(synthetic_root(size))
    base_snapshot = from_project(project)
    data = Snapshot(base_snapshot.files).graph("data")
    added, removed = one_tiltak_change(data)
    files = dict(base_snapshot.files)
    path = next(p for p, ts in files.items() if removed[0] in ts)
    files[path] = frozenset((files[path] - set(removed)) | set(added))
    change = between(base_snapshot, Snapshot(files))
    compiled = shacl.compile_shapes(change.graph("changed", "shapes"))
    for shape in compiled.shapes:  # as a server does once: parse the SPARQL constraints
        for part in (shape, *shape.properties):
            for c in part.sparql:
                c.analysis  # noqa: B018
    base = validate_graphs(change.graph("base", "data"), change.graph("base", "shapes"), change.graph("base", "ontology"))
    walls, cpus = [], []
    for _ in range(changes):
        fresh = between(base_snapshot, Snapshot(files))  # the graphs of a new Change are built anew each time
        w, c = time.perf_counter(), time.process_time()
        report = check(fresh, base_report=base, shapes=compiled)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    print(f"\n## (d) The same change through changes.check (the one road of every write) at {size}\n")
    print("| step | wall ms | CPU ms |")
    print("|---|---:|---:|")
    print(
        f"| changes.check, base report known (median of {changes}) | {statistics.median(walls) * 1000:.0f} | "
        f"{statistics.median(cpus) * 1000:.0f} |"
    )
    print(f"\nnew results: {len(report.new)}; conforms: {report.conforms}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="5k,10k,50k,100k")
    ap.add_argument("--incremental-size", default="100k")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--changes", type=int, default=5)
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: cli, sizes, incremental, check")
    ap.add_argument("--no-pyshacl", action="store_true", help="(a) without the two pyshacl commands (slow)")
    ap.add_argument(
        "--against",
        type=Path,
        help="(a) also `k2020graph validate` with the package of this checkout (e.g. `git worktree add --detach "
        "DIR REV`), alternated with ours",
    )
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if "cli" not in skip:
        bench_cli(args.repeat, not args.no_pyshacl, args.against.resolve() if args.against else None)
    if "sizes" not in skip:
        bench_sizes([x for x in args.sizes.split(",") if x])
    if "incremental" not in skip:
        bench_incremental(args.incremental_size, args.changes)
    if "check" not in skip:
        bench_check(args.incremental_size, args.changes)


if __name__ == "__main__":
    main()
