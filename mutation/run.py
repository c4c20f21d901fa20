#!/usr/bin/env python3
"""Mutation testing of the library core and the server's guard, negotiation, cache and pool, with cosmic-ray.

For each module of ``mutation/config.toml`` this copies the repository into ``.mutation/<module>/repo``
(git-ignored), checks that the module's tests pass there unmutated (and times them), lets cosmic-ray
list the module's mutants into a session database, drops the mutants that cannot change behaviour
(operators not kept by the config, anything inside a type annotation, which ``from __future__ import
annotations`` never evaluates), and has cosmic-ray run each remaining mutant against only that
module's test files (``pytest -x -q -p no:cacheprovider``) with a per-mutant timeout. The copy is
what gets mutated, never the working tree, and the tests run there with ``PYTHONPATH`` pointing at
it, so server processes and pool workers started by the tests run the mutated code as well.

Survivors are matched against ``mutation/equivalent.toml`` (module, operator, the original source
line and, where that line is not unique, the line before it) and printed with the reason, or as
UNEXPLAINED.

    python mutation/run.py                      # every module, one after the other
    python mutation/run.py --jobs 2 cache guard # two modules at a time, only those matching
    python mutation/run.py --sample 4           # every 4th mutant only: a quick estimate
    python mutation/run.py --resume             # go on with an interrupted run's pending mutants
    python mutation/run.py --report             # print the last results without running anything
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = REPO / ".mutation"
CONFIG = HERE / "config.toml"
EQUIVALENT = HERE / "equivalent.toml"
TARGET = 0.90


@dataclass
class Mutant:
    module: str
    job_id: str
    operator: str
    occurrence: int
    line: int
    col: int
    outcome: str  # killed, timeout, survived, incompetent, skipped
    diff: str = ""
    source_line: str = ""
    line_before: str = ""
    reason: str | None = None  # why a survivor is equivalent (from equivalent.toml)


@dataclass
class ModuleResult:
    module: str
    tests: list[str]
    baseline_s: float = 0.0
    timeout_s: float = 0.0
    run_s: float = 0.0
    error: str | None = None
    mutants: list[Mutant] = field(default_factory=list)

    def count(self, *outcomes: str) -> int:
        return sum(1 for m in self.mutants if m.outcome in outcomes)

    @property
    def judged(self) -> int:
        return self.count("killed", "timeout", "survived")


def load_config() -> dict:  # type: ignore[type-arg]
    with CONFIG.open("rb") as f:
        return tomllib.load(f)


def load_equivalents() -> list[dict[str, str]]:
    if not EQUIVALENT.exists():
        return []
    with EQUIVALENT.open("rb") as f:
        return list(tomllib.load(f).get("equivalent", []))


def slug(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def repo_files() -> list[str]:
    """Tracked and new (not ignored) files of the working tree: what the copy is made of."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [p for p in out.split("\0") if p and (REPO / p).is_file()]


def make_copy(dest: Path) -> Path:
    """A fresh copy of the working tree at ``dest/repo``, with ``dest/shared`` pointing at ``../shared``.

    The tests find the source documents and the W3C suites at ``ROOT.parent / "shared"``.
    """
    if dest.exists():
        shutil.rmtree(dest)
    repo = dest / "repo"
    for rel in repo_files():
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, target)
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (dest / "shared").symlink_to(shared)
    return repo


def test_env(repo: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(repo), "PYTHONDONTWRITEBYTECODE": "1"}


def test_command(tests: list[str], pytest_args: list[str]) -> list[str]:
    return [sys.executable, "-m", "pytest", *pytest_args, *tests]


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions of every type annotation: code that ``from __future__ import annotations`` never runs."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            notes.append(node.returns)
        elif isinstance(node, ast.arg):
            notes.append(node.annotation)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for n in notes:
            if n is not None and n.end_lineno is not None and n.end_col_offset is not None:
                spans.append(((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset)))
    return spans


def run_module(module: str, tests: list[str], cfg: dict, sample: int, resume: bool) -> ModuleResult:  # type: ignore[type-arg]
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    result = ModuleResult(module, tests)
    dest = WORK / slug(module)
    session = WORK / f"{slug(module)}.sqlite"
    stamp = WORK / f"{slug(module)}.stamp"
    source = (REPO / module).read_text()
    key = hashlib.sha256(json.dumps([source, tests, cfg, sample]).encode()).hexdigest()
    if not (resume and session.exists() and stamp.exists() and stamp.read_text() == key):
        session.unlink(missing_ok=True)
        resume = False
    repo = make_copy(dest)
    env = test_env(repo)
    run_cfg = cfg["run"]
    command = test_command(tests, list(run_cfg["pytest-args"]))

    start = time.monotonic()
    base = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    result.baseline_s = time.monotonic() - start
    if base.returncode != 0:
        result.error = "the unmutated tests fail:\n" + (base.stdout + base.stderr)[-3000:]
        return result
    result.timeout_s = round(max(float(run_cfg["min-timeout"]), float(run_cfg["timeout-factor"]) * result.baseline_s), 1)

    cr_config = dest / "cosmic-ray.toml"
    cr_config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(module)}\n"
        f"timeout = {result.timeout_s}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(subprocess.list2cmdline(command))}\n"
        '[cosmic-ray.distributor]\nname = "local"\n'
    )
    # cosmic-ray's console script, run by this interpreter (the .venv's, whatever PATH says).
    cosmic = [sys.executable, "-c", "import sys; from cosmic_ray.cli import main; sys.exit(main())"]
    if not resume:
        subprocess.run([*cosmic, "init", str(cr_config), str(session)], cwd=repo, env=env, check=True)
        keep = re.compile("|".join(f"(?:{p})$" for p in cfg["operators"]["keep"]))
        spans = annotation_spans(source)
        with use_db(str(session), WorkDB.Mode.open) as db:
            items = sorted(
                db.pending_work_items,
                key=lambda i: (i.mutations[0].start_pos, i.mutations[0].operator_name, i.mutations[0].occurrence),
            )
            kept = 0
            for item in items:
                m = item.mutations[0]
                why = None
                if not keep.match(m.operator_name):
                    why = "operator not kept (mutation/config.toml)"
                elif any(s <= tuple(m.start_pos) < e for s, e in spans):
                    why = "inside a type annotation (never evaluated)"
                else:
                    kept += 1
                    if sample > 1 and kept % sample != 1:
                        why = f"not in the sample (every {sample}th mutant)"
                if why:
                    db.set_result(item.job_id, WorkResult(output=why, worker_outcome=WorkerOutcome.SKIPPED))
        stamp.write_text(key)

    subprocess.run([*cosmic, "exec", str(cr_config), str(session)], cwd=repo, env=env, check=True)
    result.run_s = time.monotonic() - start
    result.mutants = read_session(module, session, source)
    return result


def read_session(module: str, session: Path, source: str) -> list[Mutant]:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    lines = source.splitlines()
    mutants = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        done = {item.job_id: (item, res) for item, res in db.completed_work_items}
        for item in db.work_items:
            m = item.mutations[0]
            res = done.get(item.job_id, (None, None))[1]
            if res is None:
                outcome = "pending"
            elif res.worker_outcome == WorkerOutcome.SKIPPED:
                outcome = "skipped"
            elif res.worker_outcome != WorkerOutcome.NORMAL or res.test_outcome == TestOutcome.INCOMPETENT:
                outcome = "incompetent"
            elif res.test_outcome == TestOutcome.KILLED:
                outcome = "timeout" if res.output == "timeout" else "killed"
            else:
                outcome = "survived"
            row, col = m.start_pos
            mutants.append(
                Mutant(
                    module=module,
                    job_id=item.job_id,
                    operator=m.operator_name,
                    occurrence=m.occurrence,
                    line=row,
                    col=col,
                    outcome=outcome,
                    diff=(res.diff or "") if res is not None else "",
                    source_line=lines[row - 1].strip() if 0 < row <= len(lines) else "",
                    line_before=lines[row - 2].strip() if 1 < row <= len(lines) + 1 else "",
                )
            )
    mutants.sort(key=lambda x: (x.line, x.col, x.operator, x.occurrence))
    return mutants


def explain(results: list[ModuleResult]) -> None:
    equivalents = load_equivalents()
    for r in results:
        for m in r.mutants:
            if m.outcome != "survived":
                continue
            for e in equivalents:
                if (
                    e["module"] == m.module
                    and re.fullmatch(e["operator"], m.operator)
                    and e["line"].strip() == m.source_line
                    and e.get("before", m.line_before).strip() == m.line_before
                ):
                    m.reason = e["reason"]
                    break


def changed_lines(diff: str) -> str:
    out = [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    return " / ".join(ln.strip() for ln in out)


def report(results: list[ModuleResult]) -> tuple[float, int]:
    explain(results)
    print(f"\n{'module':38} {'mutants':>7} {'killed':>6} {'t/o':>4} {'surv':>5} {'incomp':>6} {'score':>6} {'time':>7}")
    killed = judged = unexplained = 0
    for r in results:
        if r.error:
            print(f"{r.module:38} ERROR: {r.error.splitlines()[0]}")
            continue
        k = r.count("killed", "timeout")
        score = k / r.judged if r.judged else 1.0
        killed += k
        judged += r.judged
        print(
            f"{r.module:38} {r.judged:7d} {r.count('killed'):6d} {r.count('timeout'):4d} {r.count('survived'):5d}"
            f" {r.count('incompetent'):6d} {score:6.1%} {r.run_s:6.0f}s"
        )
    total = killed / judged if judged else 1.0
    print(f"{'TOTAL':38} {judged:7d} {killed:6d} {'':4} {judged - killed:5d} {'':6} {total:6.1%}")
    survivors = [m for r in results for m in r.mutants if m.outcome == "survived"]
    if survivors:
        print("\nsurviving mutants:")
    for m in survivors:
        print(f"  {m.module}:{m.line}:{m.col} {m.operator.removeprefix('core/')} #{m.occurrence}")
        print(f"      {changed_lines(m.diff)}")
        if m.reason:
            print(f"      equivalent: {m.reason}")
        else:
            unexplained += 1
            print("      UNEXPLAINED (a gap in the tests, or add it to mutation/equivalent.toml with the reason)")
    equivalent = len(survivors) - unexplained
    print(
        f"\ncode mutants: {killed}/{judged} killed ({total:.1%}); {len(survivors)} survived,"
        f" {equivalent} of them explained as equivalent, {unexplained} unexplained"
    )
    WORK.mkdir(exist_ok=True)
    (WORK / "report.json").write_text(
        json.dumps(
            [
                {
                    "module": r.module,
                    "tests": r.tests,
                    "baseline_s": round(r.baseline_s, 1),
                    "timeout_s": r.timeout_s,
                    "run_s": round(r.run_s, 1),
                    "error": r.error,
                    "mutants": [m.__dict__ for m in r.mutants if m.outcome != "skipped"],
                }
                for r in results
            ],
            indent=1,
        )
    )
    return total, unexplained


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run only the modules whose path contains one of these")
    parser.add_argument("--jobs", type=int, default=1, help="modules run at the same time (default 1)")
    parser.add_argument("--sample", type=int, default=1, help="run every Nth mutant only (default: all)")
    parser.add_argument("--resume", action="store_true", help="keep the results of an earlier run of unchanged modules")
    parser.add_argument("--report", action="store_true", help="print the last results, run nothing")
    args = parser.parse_args(argv)

    cfg = load_config()
    modules = {m: v["tests"] for m, v in cfg["modules"].items() if not args.only or any(o in m for o in args.only)}
    if not modules:
        parser.error(f"no module of {CONFIG} matches {args.only}")
    WORK.mkdir(exist_ok=True)

    if args.report:
        results = []
        for module, tests in modules.items():
            session = WORK / f"{slug(module)}.sqlite"
            if session.exists():
                r = ModuleResult(module, tests)
                r.mutants = read_session(module, session, (REPO / module).read_text())
                results.append(r)
    else:

        def one(module: str) -> ModuleResult:
            print(f"{module}: running ({', '.join(modules[module])})", flush=True)
            r = run_module(module, modules[module], cfg, args.sample, args.resume)
            print(
                f"{module}: {r.error or 'done'} (baseline {r.baseline_s:.0f} s, timeout {r.timeout_s:.0f} s,"
                f" {r.judged} mutants, {r.run_s:.0f} s)",
                flush=True,
            )
            return r

        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            results = list(pool.map(one, modules))
    score, _ = report(results)
    if any(r.error for r in results):
        return 2
    return 0 if score >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
