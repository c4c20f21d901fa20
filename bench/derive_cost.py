"""What the derived direct layer costs at load: the real data loaded with and without the rules.

Prints the median wall-clock and CPU time of ``KnowledgeGraph.load`` (store included) over several
runs each way, and the difference (the target in issue 10: under 50 ms more), plus each rule's CPU time.
Run: ``python bench/derive_cost.py [ROOT] [--runs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from k2020graph.derive import read_rules  # noqa: E402
from k2020graph.loading import KnowledgeGraph  # noqa: E402
from k2020graph.project import Project  # noqa: E402


def _time(project: Project, derive: bool, runs: int) -> tuple[float, float, int]:
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        kg = KnowledgeGraph.load(project, derive=derive)
        size = len(kg.store)
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
    base_wall, base_cpu, base_n = _time(project, False, args.runs)
    with_wall, with_cpu, with_n = _time(project, True, args.runs)
    print(f"load without rules: {base_wall:7.1f} ms wall, {base_cpu:7.1f} ms CPU, {base_n} triples")
    print(f"load with rules:    {with_wall:7.1f} ms wall, {with_cpu:7.1f} ms CPU, {with_n} triples")
    print(f"cost of the rules:  {with_wall - base_wall:7.1f} ms wall, {with_cpu - base_cpu:7.1f} ms CPU (target < 50 ms)")
    kg = KnowledgeGraph.load(project, derive=False)
    for rule in read_rules(project.rule_files):
        c = time.process_time()
        n = len(list(kg.store.raw.query(rule.text)))
        print(f"  {rule.name:22s} {n:6d} triples {(time.process_time() - c) * 1000:7.1f} ms CPU")


if __name__ == "__main__":
    main()
