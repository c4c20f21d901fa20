"""What the derived direct layer costs at load: the real data loaded with and without the rules.

Prints the median wall-clock and CPU time of ``KnowledgeGraph.load`` (store included) over several
runs each way, taken in turns (one without, one with) so that a busy machine slows both alike, the
difference (the target in issue 10: under 50 ms more), the CPU time of the derivation and of adding
its triples to the store alone, and each rule's query time.
Run: ``python bench/derive_cost.py [ROOT] [--runs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from k2020graph.derive import derive, read_rules  # noqa: E402
from k2020graph.loading import KnowledgeGraph  # noqa: E402
from k2020graph.project import Project  # noqa: E402
from k2020graph.store import OxigraphStore  # noqa: E402


def _time(project: Project, derive: bool, runs: int) -> tuple[float, float, int]:
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        kg = KnowledgeGraph.load(project, derive=derive)
        # pyoxigraph defers work after a bulk load to the store's first read (about 35-45 ms here, whatever
        # the read): every use of a loaded graph pays it, so both sides pay it inside the timing, and the
        # rules (whose queries are the first read) are not charged with it
        size = len(kg.store.raw)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    project = Project.at(args.root)
    _time(project, True, 1)  # warm-up
    pairs = [(_time(project, False, 1), _time(project, True, 1)) for _ in range(args.runs)]
    base_wall, base_cpu, base_n = (statistics.median(p[0][i] for p in pairs) for i in range(3))
    with_wall, with_cpu, with_n = (statistics.median(p[1][i] for p in pairs) for i in range(3))
    print(f"load without rules: {base_wall:7.1f} ms wall, {base_cpu:7.1f} ms CPU, {base_n} triples")
    print(f"load with rules:    {with_wall:7.1f} ms wall, {with_cpu:7.1f} ms CPU, {with_n} triples")
    print(f"cost of the rules:  {with_wall - base_wall:7.1f} ms wall, {with_cpu - base_cpu:7.1f} ms CPU (target < 50 ms)")
    kg = KnowledgeGraph.load(project, derive=False)
    rules = read_rules(project.rule_files)
    derive_cpu, extend_cpu, n = [], [], 0
    for _ in range(args.runs):
        store = OxigraphStore([*kg.ontology.all(), *kg.data.all()])
        c = time.process_time()
        quads = derive(store.raw, rules)
        derive_cpu.append(time.process_time() - c)
        c = time.process_time()
        store.raw.bulk_extend(quads)
        extend_cpu.append(time.process_time() - c)
        n = len(quads)
    d, e = statistics.median(derive_cpu) * 1000, statistics.median(extend_cpu) * 1000
    print(f"derive alone:       {d:7.1f} ms CPU, adding its {n} triples: {e:5.1f} ms CPU, together {d + e:5.1f} ms")
    for rule in rules:
        c = time.process_time()
        n = len(list(kg.store.raw.query(rule.text)))
        print(f"  {rule.name:22s} {n:6d} rows/triples {(time.process_time() - c) * 1000:6.1f} ms CPU (query alone)")


if __name__ == "__main__":
    main()
