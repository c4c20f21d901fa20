"""``k2020graph validate FILE…`` and ``--changed-since REV`` on the repository's real data: the
results that a change brings in, apart from those already there (issue 11's cases)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH, XSD

from k2020graph import changes
from k2020graph.changes.report import FORMATTERS, NEW_IN_CHANGE
from k2020graph.project import Project

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "k2020graph"
PREFIXES = (
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    "@prefix tiltak: <https://w3id.org/k2020graph/id/tiltak/> .\n\n"
)
TILTAK = "https://w3id.org/k2020graph/id/tiltak/"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def _without_notation(text: str) -> str:
    """tiltak-k2020.ttl with tiltak 1.1's number (skos:notation "1.1") taken out: one rule broken."""
    edited = text.replace('    skos:notation "1.1" ;\n', "", 1)
    assert edited != text
    return edited


def test_a_one_line_note_passes(tmp_path: Path) -> None:
    note = tmp_path / "my-change.ttl"
    note.write_text(PREFIXES + 'tiltak:k2020-1.1 rdfs:comment "a note"@en .\n', encoding="utf-8")
    out = run("validate", "--lang", "en", str(note))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "data/turtle/my-change.ttl added" in out.stdout and "Triples: 1 added, 0 removed." in out.stdout
    assert "The change brings in no new results." in out.stdout
    assert out.stdout.rstrip().endswith("The change conforms: new results: 0 violations, 0 warnings, 0 info.")


def test_the_repositorys_own_file_passes_with_nothing_new() -> None:
    out = run("validate", "--format", "json", "data/turtle/tiltak-k2020.ttl")
    assert out.returncode == 0, out.stdout + out.stderr
    payload = json.loads(out.stdout)
    assert payload["conforms"] is True and payload["results"] == []
    assert payload["new_counts"] == {"Violation": 0, "Warning": 0, "Info": 0}
    assert payload["change"]["files"] == [
        {"path": "data/turtle/tiltak-k2020.ttl", "status": "unchanged", "given": "data/turtle/tiltak-k2020.ttl"}
    ]
    assert payload["change"]["triples_added"] == payload["change"]["triples_removed"] == 0


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> changes.ChangeReport:
    """The change that takes tiltak 1.1's number away, validated once for the format tests."""
    path = tmp_path_factory.mktemp("edit") / "tiltak-k2020.ttl"
    path.write_text(_without_notation((ROOT / "data/turtle/tiltak-k2020.ttl").read_text(encoding="utf-8")), encoding="utf-8")
    return changes.check(changes.with_files(Project.at(ROOT), [path]))


def test_a_broken_rule_is_exactly_one_new_result(broken: changes.ChangeReport) -> None:
    assert [(f.path, f.status) for f in broken.change.files] == [("data/turtle/tiltak-k2020.ttl", "modified")]
    assert len(broken.change.removed) == 1 and not broken.change.added
    [new] = broken.new
    assert (str(new.focus), new.severity) == (TILTAK + "k2020-1.1", "Violation")
    assert str(new.constraint) == str(SH.MinCountConstraintComponent)
    assert str(new.source_shape).endswith("shapes#TiltakShape-notation")
    assert not broken.conforms
    assert broken.resolved == [] and len(broken.existing) == len(broken.base.results)


def test_every_format_says_which_results_are_new(broken: changes.ChangeReport) -> None:
    text = FORMATTERS["text"](broken, "en", False)
    assert "New results (the change brings them in):\ntiltak:k2020-1.1" in text
    assert "The graph with the change does not conform: new results: 1 violation, 0 warnings, 0 info." in text
    existing = len(broken.existing)
    warnings = f"{existing} warning{'' if existing == 1 else 's'}"
    assert f"Already in the data before the change: 0 violations, {warnings}, 0 info (--all lists them)." in text
    nb = FORMATTERS["text"](broken, "nb", True)
    assert "Nye resultater (endringen fører dem inn):" in nb and "Allerede i dataene før endringen:\n" in nb
    assert "Grafen med endringen er ikke gyldig: nye resultater: 1 brudd, 0 advarsler, 0 info." in nb

    payload = json.loads(FORMATTERS["json"](broken, "en", False))
    assert payload["conforms"] is False and payload["new_counts"]["Violation"] == 1
    assert [(r["focus"], r["status"], r["new"]) for r in payload["results"]] == [(TILTAK + "k2020-1.1", "new", True)]
    everything = json.loads(FORMATTERS["json"](broken, "en", True))
    assert sum(r["new"] for r in everything["results"]) == 1 and len(everything["results"]) == 1 + existing

    report = Graph().parse(data=FORMATTERS["turtle"](broken, "en", False), format="turtle")
    [root] = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(root, SH.conforms) == Literal(False)
    [result] = report.objects(root, SH.result)
    assert str(report.value(result, SH.focusNode)) == TILTAK + "k2020-1.1"
    assert report.value(result, NEW_IN_CHANGE) == Literal(True, datatype=XSD.boolean)
    report = Graph().parse(data=FORMATTERS["turtle"](broken, "en", True), format="turtle")
    assert len(list(report.objects(None, SH.result))) == 1 + existing
    assert len(list(report.subjects(NEW_IN_CHANGE, None))) == 1

    suite = ET.fromstring(FORMATTERS["junit"](broken, "en", False))
    assert suite.get("failures") == "1"
    [case] = suite.findall("testcase")
    assert case.get("name") == "tiltak:k2020-1.1" and case.find("failure") is not None
    suite = ET.fromstring(FORMATTERS["junit"](broken, "en", True))
    assert suite.get("failures") == "1"  # the warnings already there are notes, not failures
    assert {p.get("name"): p.get("value") for p in suite.iter("property")}["new.Violation"] == "1"


def test_a_broken_rule_exits_1_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "tiltak-k2020.ttl"
    path.write_text(_without_notation((ROOT / "data/turtle/tiltak-k2020.ttl").read_text(encoding="utf-8")), encoding="utf-8")
    out = run("validate", "--format", "junit", str(path))
    assert out.returncode == 1, out.stderr
    assert ET.fromstring(out.stdout).get("failures") == "1"
    # the Turtle report is the same text each time (its results are blank nodes, which rdflib names at random)
    first, second = (run("validate", "--format", "turtle", "--all", str(path)) for _ in range(2))
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout and "newInChange" in first.stdout


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _hook_entry() -> list[str]:
    """The command of the repository's pre-commit hook (read from .pre-commit-config.yaml)."""
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert re.search(r"^\s+- repo: local$", config, re.M)
    [entry] = re.findall(r"^\s+entry: (.+)$", config, re.M)
    return shlex.split(entry)


def test_changed_since_head_in_a_git_copy(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for d in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / d, root / d)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    entry = _hook_entry()
    assert entry[0] == "k2020graph" and entry[1:] == ["validate", "--changed-since", "HEAD"]
    data = root / "data/turtle/tiltak-k2020.ttl"
    data.write_text(_without_notation(data.read_text(encoding="utf-8")), encoding="utf-8")
    out = run(*entry[1:], "--format", "json", cwd=root)
    assert out.returncode == 1, out.stderr
    payload = json.loads(out.stdout)
    assert [(r["focus"], r["severity"]) for r in payload["results"]] == [(TILTAK + "k2020-1.1", "Violation")]
    assert payload["change"]["files"] == [{"path": "data/turtle/tiltak-k2020.ttl", "status": "modified", "given": None}]
    # bad revisions and directories outside git: exit 2, one line, both languages
    out = run("validate", "--changed-since", "no-such-rev", cwd=root)
    assert out.returncode == 2 and "unknown git revision 'no-such-rev'" in out.stderr and "ukjent git-revisjon" in out.stderr
    assert out.stderr.count("\n") == 1
    shutil.rmtree(root / ".git")
    out = run("validate", "--changed-since", "HEAD", cwd=root)
    assert out.returncode == 2 and "not inside a git repository" in out.stderr and "Traceback" not in out.stderr


def test_files_and_changed_since_together_are_refused(tmp_path: Path) -> None:
    note = tmp_path / "x.ttl"
    note.write_text(PREFIXES, encoding="utf-8")
    out = run("validate", "--changed-since", "HEAD", str(note))
    assert out.returncode == 2 and "not both" in out.stderr and "ikke begge" in out.stderr
