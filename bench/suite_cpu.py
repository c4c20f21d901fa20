"""What the test suite costs: CPU seconds per test file (the test process and every child it reaped:
servers, CLI runs, Virtuoso), and what that allows on N cores.

    .venv/bin/python bench/suite_cpu.py [--cores 2] [--top 15] [PYTEST ARGS…]

Runs ``pytest -n 0`` (one process, so that each test's CPU is its own) with a small plugin that reads
``os.times()`` around every test, and prints per file: CPU seconds, wall seconds, tests. CPU is what a
busy machine does not inflate; wall is. The last lines give the floor for ``-n CORES``: the total CPU
shared evenly, or the CPU of the largest xdist group if that is more (a group runs on one worker), plus
the wall that is no CPU (timeouts a test waits for, servers starting), which two workers can overlap
only in part. A benchmark, not a test: nothing here asserts a time.

Pass test paths or ``-k`` to measure a part; ``--cache-clear`` to measure a cold run (pyshacl's answers
in tests/test_validation_engines.py are otherwise remembered in .pytest_cache).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLUGIN = """
import json, os, time
import pytest

def _cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cpu, wall = _cpu(), time.perf_counter()
    yield
    group = item.get_closest_marker("xdist_group")
    row = [item.nodeid, _cpu() - cpu, time.perf_counter() - wall, group.args[0] if group else None]
    with open(os.environ["SUITE_CPU_OUT"], "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\\n")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--top", type=int, default=15, help="also list the N dearest tests")
    args, pytest_args = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "suite_cpu_plugin.py").write_text(PLUGIN, encoding="utf-8")
        out = Path(tmp) / "rows.jsonl"
        env = {**os.environ, "SUITE_CPU_OUT": str(out), "PYTHONPATH": os.pathsep.join([tmp, os.environ.get("PYTHONPATH", "")])}
        command = [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "suite_cpu_plugin", *pytest_args]
        done = subprocess.run(command, cwd=ROOT, env=env, check=False)
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    if not rows:
        print("no test ran")
        return 1
    files: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    groups: dict[str, float] = collections.defaultdict(float)
    for nodeid, cpu, wall, group in rows:
        f = files[nodeid.split("::", 1)[0]]
        f[0], f[1], f[2] = f[0] + cpu, f[1] + wall, f[2] + 1
        if group:
            groups[group] += max(cpu, wall)
    print(f"\n{'CPU s':>8} {'wall s':>8} {'tests':>6}  file")
    for name, (cpu, wall, n) in sorted(files.items(), key=lambda kv: -kv[1][0]):
        print(f"{cpu:8.1f} {wall:8.1f} {n:6d}  {name}")
    total_cpu = sum(f[0] for f in files.values())
    total_wall = sum(f[1] for f in files.values())
    idle = sum(max(0.0, wall - cpu) for _, cpu, wall, _ in rows)
    print(f"{total_cpu:8.1f} {total_wall:8.1f} {len(rows):6d}  all ({idle:.0f} s of the wall was no CPU of this process tree)")
    if args.top:
        print(f"\nthe {args.top} dearest tests (CPU s, wall s):")
        for nodeid, cpu, wall, _ in sorted(rows, key=lambda r: -r[1])[: args.top]:
            print(f"{cpu:8.2f} {wall:8.2f}  {nodeid}")
    biggest = max(groups.items(), key=lambda kv: kv[1], default=("-", 0.0))
    floor = max(total_cpu / args.cores, biggest[1])
    print(
        f"\nfloor on {args.cores} cores: {floor:.0f} s of CPU-bound work (largest xdist group: {biggest[0]}, "
        f"{biggest[1]:.0f} s), plus up to {idle / args.cores:.0f}-{idle:.0f} s of waiting that the workers overlap in part"
    )
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
