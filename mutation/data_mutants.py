#!/usr/bin/env python3
"""Data and shape mutants: one changed value in ``data/turtle/`` or one changed constraint in ``shapes/``.

Each mutant below is one deterministic text edit (``old`` must occur exactly once in its file). For
each, the repository is copied to a temporary directory with that one edit, and the tests that guard
the data or the shapes run inside the copy (they find the repository at ``Path(__file__).parents``,
so the copy's tests read the copy's data; ``PYTHONPATH`` points at the copy; ``../shared`` is linked
beside it for the source documents). A mutant is killed when those tests fail, and survives when they
pass. Every mutant must be killed: a survivor is a fact or a constraint that no test pins.

    python mutation/data_mutants.py            # every mutant
    python mutation/data_mutants.py start k2025 # only those whose name contains one of these
    python mutation/data_mutants.py --list     # the mutants and their diffs, nothing run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import REPO, load_config, make_copy  # noqa: E402

#: Tests for a changed data value: the transcription tests first (they re-read the sources), then the rest.
DATA_TESTS = ["tests/test_transcription.py", "tests/test_data.py", "tests/test_queries.py"]
#: Tests for a changed constraint: the pinned cardinalities and the shape fixtures first, then the whole data.
SHAPE_TESTS = ["tests/test_shapes_cardinality.py", "tests/test_shapes.py", "tests/test_data.py"]


@dataclass(frozen=True)
class Mutant:
    name: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = [
    Mutant(
        "data-start-year",
        "record 1.2 (seed 001) starts in 2017 instead of 2016",
        "data/turtle/records-seed-001.ttl",
        '    k2:start "2016"^^xsd:gYear ;\n    k2:continuedInK2025 true ;\n    k2:silentOn k2:end ;\n'
        "    k2:status concept:status-pagaende .\n\ncont:k2020-1.2_k2025-1.3",
        '    k2:start "2017"^^xsd:gYear ;\n    k2:continuedInK2025 true ;\n    k2:silentOn k2:end ;\n'
        "    k2:status concept:status-pagaende .\n\ncont:k2020-1.2_k2025-1.3",
        tuple(DATA_TESTS),
    ),
    Mutant(
        "data-k2025-reference",
        "K2020 1.2 continues into K2025 1.10 instead of 1.3",
        "data/turtle/records-seed-001.ttl",
        "    k2:toTiltak tiltak:k2025-1.3 ;\n    k2:position 1 ;\n    prov:wasDerivedFrom record:seed001-k2020-1.2 ;",
        "    k2:toTiltak tiltak:k2025-1.10 ;\n    k2:position 1 ;\n    prov:wasDerivedFrom record:seed001-k2020-1.2 ;",
        tuple(DATA_TESTS),
    ),
    Mutant(
        "data-title-letter",
        "tiltak 3.2's title (seed 000) changed by one letter",
        "data/turtle/records-seed-000.ttl",
        'dct:title "Demensomsorgas ABC"@nn ;',
        'dct:title "Demensomsorgos ABC"@nn ;',
        tuple(DATA_TESTS),
    ),
    Mutant(
        "data-notation",
        'tiltak k2020-1.2 numbered "1.20" instead of "1.2"',
        "data/turtle/tiltak-k2020.ttl",
        'skos:notation "1.2" ;',
        'skos:notation "1.20" ;',
        tuple(DATA_TESTS),
    ),
    Mutant(
        "data-source-line",
        "the source location of row 1.2 (seed 000) starts at line 753 instead of 752",
        "data/turtle/records-seed-000.ttl",
        "    k2:lineStart 752 ;",
        "    k2:lineStart 753 ;",
        tuple(DATA_TESTS),
    ),
    Mutant(
        "data-actor",
        "record 3.2 (seed 000) gives division KP as Ansvarleg instead of PH",
        "data/turtle/records-seed-000.ttl",
        '    k2:responsible actor:hdir-ph ;\n    k2:goal "Opplæringstiltak for å styrke kompetansen om demens',
        '    k2:responsible actor:hdir-kp ;\n    k2:goal "Opplæringstiltak for å styrke kompetansen om demens',
        tuple(DATA_TESTS),
    ),
    Mutant(
        "data-triple-removed",
        "record 1.2 (seed 000) loses its type text (one triple removed)",
        "data/turtle/records-seed-000.ttl",
        '    k2:typeText "Tilskot frå Helsedir til organisasjonar mv."@nn ;\n',
        "",
        tuple(DATA_TESTS),
    ),
    Mutant(
        "shape-mincount",
        "a tiltak's skos:notation: sh:minCount 1 -> 0",
        "shapes/k2020-shapes.ttl",
        "    sh:path skos:notation ;\n    sh:minCount 1 ;",
        "    sh:path skos:notation ;\n    sh:minCount 0 ;",
        tuple(SHAPE_TESTS),
    ),
    Mutant(
        "shape-maxcount-dropped",
        "a tiltak's k2:inPlan: its sh:maxCount 1 removed",
        "shapes/k2020-shapes.ttl",
        "    sh:path k2:inPlan ;\n    sh:minCount 1 ;\n    sh:maxCount 1 ;\n",
        "    sh:path k2:inPlan ;\n    sh:minCount 1 ;\n",
        tuple(SHAPE_TESTS),
    ),
    Mutant(
        "shape-datatype",
        "a record's k2:end: sh:datatype xsd:gYear -> xsd:string",
        "shapes/k2020-shapes.ttl",
        "    sh:path k2:end ;\n    sh:maxCount 1 ;\n    sh:datatype xsd:gYear ;",
        "    sh:path k2:end ;\n    sh:maxCount 1 ;\n    sh:datatype xsd:string ;",
        tuple(SHAPE_TESTS),
    ),
    Mutant(
        "shape-pattern",
        'a flow\'s k2:currency: sh:pattern "^[A-Z]{3}$" loosened to "^[A-Za-z]{3}$"',
        "shapes/k2020-shapes.ttl",
        'sh:pattern "^[A-Z]{3}$" ;',
        'sh:pattern "^[A-Za-z]{3}$" ;',
        tuple(SHAPE_TESTS),
    ),
    Mutant(
        "shape-severity",
        "a record's k2:end: sh:severity sh:Violation -> sh:Warning",
        "shapes/k2020-shapes.ttl",
        '    sh:datatype xsd:gYear ;\n    sh:name "avsluttet"@nb ,\n        "ended"@en ;\n    sh:severity sh:Violation ;',
        '    sh:datatype xsd:gYear ;\n    sh:name "avsluttet"@nb ,\n        "ended"@en ;\n    sh:severity sh:Warning ;',
        tuple(SHAPE_TESTS),
    ),
]


def check(mutant: Mutant) -> None:
    text = (REPO / mutant.path).read_text(encoding="utf-8")
    found = text.count(mutant.old)
    if found != 1:
        raise SystemExit(f"{mutant.name}: the text to change occurs {found} times in {mutant.path}, not once")


def diff(mutant: Mutant) -> str:
    old = [f"- {ln}" for ln in mutant.old.splitlines() if ln not in mutant.new.splitlines()]
    new = [f"+ {ln}" for ln in mutant.new.splitlines() if ln not in mutant.old.splitlines()]
    return "\n".join(old + new)


def run_one(mutant: Mutant, pytest_args: list[str]) -> tuple[str, float, str]:
    with tempfile.TemporaryDirectory(prefix=f"k2020-{mutant.name}-") as tmp:
        repo = make_copy(Path(tmp) / "copy")
        target = repo / mutant.path
        target.write_text(target.read_text(encoding="utf-8").replace(mutant.old, mutant.new, 1), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(repo), "PYTHONDONTWRITEBYTECODE": "1"}
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", *pytest_args, *mutant.tests],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - start
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    if proc.returncode == 0:
        return "survived", seconds, ""
    if proc.returncode in (1,):
        return "killed", seconds, lines[0] if lines else proc.stdout.strip().splitlines()[-1]
    return "error", seconds, (proc.stdout + proc.stderr)[-1500:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run only the mutants whose name contains one of these")
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or any(o in m.name for o in args.only)]
    for m in chosen:
        check(m)
    if args.list:
        for m in chosen:
            print(f"{m.name}: {m.what} ({m.path})\n{diff(m)}\n")
        return 0
    pytest_args = list(load_config()["run"]["pytest-args"])
    killed = 0
    survivors = []
    for m in chosen:
        outcome, seconds, detail = run_one(m, pytest_args)
        print(f"{m.name:24} {outcome:8} {seconds:6.0f}s  {m.what}", flush=True)
        if detail:
            print(f"{'':24} {detail.strip()[:300]}")
        if outcome == "killed":
            killed += 1
        else:
            survivors.append(m)
    print(f"\ndata and shape mutants: {killed}/{len(chosen)} killed")
    for m in survivors:
        print(f"  NOT KILLED: {m.name}: {m.what} ({m.path})")
    return 0 if not survivors else 1


if __name__ == "__main__":
    sys.exit(main())
