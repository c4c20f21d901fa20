"""k2020graph diff: changes per resource with the ontology's labels, in nb/en text and JSON; blank
nodes by their path from a named resource; files, directories and git revisions.

The expected outputs are written by hand from the edits below."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "k2020graph"

OLD = """\
@prefix dct: <http://purl.org/dc/terms/> .
@prefix k2: <https://w3id.org/k2020graph/def#> .
@prefix plan: <https://w3id.org/k2020graph/id/plan/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix strategy: <https://w3id.org/k2020graph/id/strategy/> .
@prefix tiltak: <https://w3id.org/k2020graph/id/tiltak/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

plan:k2020 a k2:Plan ;
    skos:prefLabel "Kompetanseløft 2020"@nb , "Kompetanseløft 2020 (competence plan)"@en ;
    k2:endYear "2020"^^xsd:gYear .

tiltak:k2020-3.14 a k2:Tiltak ;
    rdfs:label "K2020-tiltak 3.14"@nb , "K2020 tiltak 3.14"@en ;
    skos:notation "3.14" ;
    k2:strategy strategy:k2020-3 ;
    dct:source [ k2:lineStart 40 ; k2:lineEnd 54 ] .

tiltak:k2020-3.15 a k2:Tiltak ;
    skos:notation "3.15" .
"""

# The edits (5 triples removed, 5 added): the plan's end year 2020 → 2021; tiltak 3.14 loses its strategy, gains a comment, and
# its source's last line (a blank node) goes 54 → 55; 3.15 is gone; 3.16 is new.
NEW = (
    OLD.replace('"2020"^^xsd:gYear', '"2021"^^xsd:gYear')
    .replace("    k2:strategy strategy:k2020-3 ;\n", '    rdfs:comment "a note"@en ;\n')
    .replace("k2:lineEnd 54", "k2:lineEnd 55")
    .replace(
        'tiltak:k2020-3.15 a k2:Tiltak ;\n    skos:notation "3.15" .',
        'tiltak:k2020-3.16 a k2:Tiltak ;\n    skos:notation "3.16" .',
    )
)

EXPECTED_NB = """\
Kompetanseløft 2020 (plan:k2020), endret:
  sluttår: 2020 → 2021

K2020-tiltak 3.14 (tiltak:k2020-3.14), endret:
  dct:source › siste linje: 54 → 55
  + rdfs:comment: "a note"@en
  − strategi: strategy:k2020-3

3.15 (tiltak:k2020-3.15), fjernet:
  − rdf:type: tiltak (k2:Tiltak)
  − skos:notation: "3.15"

3.16 (tiltak:k2020-3.16), ny:
  + rdf:type: tiltak (k2:Tiltak)
  + skos:notation: "3.16"

4 ressurser endret; 5 tripler lagt til, 5 fjernet.
"""


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture()
def edited(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old/k.ttl").write_text(OLD, encoding="utf-8")
    (tmp_path / "new/k.ttl").write_text(NEW, encoding="utf-8")
    return tmp_path / "old/k.ttl", tmp_path / "new/k.ttl"


def _labels_of_the_ontology() -> None:
    """The words above come from the ontology: check that they are still its labels."""
    text = (ROOT / "ontology/k2020.ttl").read_text(encoding="utf-8")
    for word in ('"sluttår"@nb', '"end year"@en', '"siste linje"@nb', '"last line"@en', '"strategi"@nb'):
        assert word in text, word


def test_diff_of_two_files_in_bokmal(edited: tuple[Path, Path]) -> None:
    _labels_of_the_ontology()
    out = run("diff", str(edited[0]), str(edited[1]))
    assert out.returncode == 0, out.stderr
    assert out.stdout == EXPECTED_NB


def test_diff_in_english_and_of_two_directories(edited: tuple[Path, Path]) -> None:
    out = run("diff", "--lang", "en", str(edited[0].parent), str(edited[1].parent))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:2] == ["Kompetanseløft 2020 (competence plan) (plan:k2020), changed:", "  end year: 2020 → 2021"]
    assert "K2020 tiltak 3.14 (tiltak:k2020-3.14), changed:" in lines
    assert "  dct:source › last line: 54 → 55" in lines
    assert "  − strategy: strategy:k2020-3" in lines
    assert "3.16 (tiltak:k2020-3.16), new:" in lines and "3.15 (tiltak:k2020-3.15), removed:" in lines
    assert lines[-1] == "4 resources changed; 5 triples added, 5 removed."


def test_diff_as_json(edited: tuple[Path, Path]) -> None:
    out = run("diff", "--format", "json", "--lang", "en", str(edited[0]), str(edited[1]))
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    # the blank node keeps its (canonical) label: only its last line is removed and added
    assert (payload["triples_added"], payload["triples_removed"]) == (5, 5)
    by_resource = {r["resource"].rsplit("/", 1)[-1]: r for r in payload["resources"]}
    assert {k: r["status"] for k, r in by_resource.items()} == {
        "k2020": "changed",
        "k2020-3.14": "changed",
        "k2020-3.15": "removed",
        "k2020-3.16": "added",
    }
    [end] = by_resource["k2020"]["changes"]
    assert end == {
        "kind": "changed",
        "path": ["https://w3id.org/k2020graph/def#endYear"],
        "path_labels": ["end year"],
        "old": {"type": "literal", "value": "2020", "datatype": "http://www.w3.org/2001/XMLSchema#gYear"},
        "new": {"type": "literal", "value": "2021", "datatype": "http://www.w3.org/2001/XMLSchema#gYear"},
    }
    tiltak = {tuple(c["path_labels"]): c for c in by_resource["k2020-3.14"]["changes"]}
    assert set(tiltak) == {("dct:source", "last line"), ("rdfs:comment",), ("strategy",)}
    assert tiltak["dct:source", "last line"]["path"] == [
        "http://purl.org/dc/terms/source",
        "https://w3id.org/k2020graph/def#lineEnd",
    ]
    assert (tiltak["dct:source", "last line"]["old"]["value"], tiltak["dct:source", "last line"]["new"]["value"]) == ("54", "55")
    assert tiltak["rdfs:comment",]["kind"] == "added"
    assert tiltak["rdfs:comment",]["new"] == {"type": "literal", "value": "a note", "lang": "en"}
    assert tiltak["strategy",]["kind"] == "removed" and tiltak["strategy",]["old"]["type"] == "iri"


def test_labels_change_per_language_and_blank_nodes_without_a_name(tmp_path: Path) -> None:
    head = OLD.split("\n\n")[0] + "\n\n"
    old = tmp_path / "a.ttl"
    new = tmp_path / "b.ttl"
    old.write_text(head + 'tiltak:x rdfs:label "gammel"@nb , "old"@en .\n[ k2:lineStart 1 ] .\n', encoding="utf-8")
    new.write_text(head + 'tiltak:x rdfs:label "ny"@nb , "new"@en .\n[ k2:lineStart 2 ] .\n', encoding="utf-8")
    out = run("diff", "--lang", "en", str(old), str(new))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    # two labels changed: paired by language tag; the heading names the resource by its new label
    assert lines[:3] == ["new (tiltak:x), changed:", '  rdfs:label: "old"@en → "new"@en', '  rdfs:label: "gammel"@nb → "ny"@nb']
    # a blank node nothing named holds: an anonymous node of its own
    assert [line for line in lines if line.startswith("[anonymous node")] == [lines[4]]
    assert lines[4].endswith("(changed)") and lines[5] == "  first line: 1 → 2"


def test_a_blank_node_parsed_twice_is_no_change(edited: tuple[Path, Path]) -> None:
    out = run("diff", str(edited[0]), str(edited[0]))
    assert out.returncode == 0 and out.stdout == "Ingen endringer.\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_diff_between_git_revisions(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for d in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / d, root / d)
    (root / "data/turtle").mkdir(parents=True)
    (root / "data/turtle/k.ttl").write_text(OLD, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "old")
    (root / "data/turtle/k.ttl").write_text(NEW, encoding="utf-8")
    # one revision: against the work tree
    out = run("diff", "--git", "HEAD", "--root", str(root))
    assert out.returncode == 0, out.stderr
    assert out.stdout == EXPECTED_NB
    _git(root, "commit", "-qam", "new")
    out = run("diff", "--git", "HEAD~1", "HEAD", "--root", str(root))
    assert out.returncode == 0 and out.stdout == EXPECTED_NB
    out = run("diff", "--git", "HEAD", "--root", str(root))
    assert out.returncode == 0 and out.stdout == "Ingen endringer.\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["diff", "nope-a.ttl", "nope-b.ttl"], "no such file or directory"),
        (["diff", "ontology/k2020.ttl", "shapes"], "two files or two directories"),
        (["diff", "ontology/k2020.ttl"], "give OLD and NEW"),
        (["diff", "--git", "no-such-revision-x"], "unknown git revision"),
        (["diff", "--git", "HEAD", "HEAD", "HEAD"], "--git takes one revision"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], says: str) -> None:
    out = run(*args)
    assert out.returncode == 2 and says in out.stderr and " / " in out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_not_a_git_repository(tmp_path: Path) -> None:
    for d in ("ontology", "data/turtle", "shapes", "queries"):
        (tmp_path / d).mkdir(parents=True)
    out = run("diff", "--git", "HEAD", "--root", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 2 and "not inside a git repository" in out.stderr and "Traceback" not in out.stderr
