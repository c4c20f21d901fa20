"""`k2020graph validate FILE` at its boundaries: exactly one violation exits 1; a warning alone exits 0.

The file is validated in context (with the repository's data; issue 11), and the command reports the
results that the file brings in. Each file's expected new results are reasoned from shapes/k2020-shapes.ttl
(noted beside each file) and from what the repository already states (the source location
src:seed-001-L18, plan:k2025 and strategy:k2025-4 exist there; the new resources do not), not taken from a
run: the exact count and the exact set of (focus node, shape) must come out, nothing more.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from k2020graph.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "k2020graph"
ID = "https://w3id.org/k2020graph/id/"
K2SH = "https://w3id.org/k2020graph/shapes#"

PREFIXES = """@prefix dct: <http://purl.org/dc/terms/> .
@prefix k2: <https://w3id.org/k2020graph/def#> .
@prefix plan: <https://w3id.org/k2020graph/id/plan/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix src: <https://w3id.org/k2020graph/id/source/> .
@prefix strategy: <https://w3id.org/k2020graph/id/strategy/> .
@prefix tiltak: <https://w3id.org/k2020graph/id/tiltak/> .
@prefix actor: <https://w3id.org/k2020graph/id/actor/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

#: One new actor group without dct:source. k2sh:ActorGroupShape-source has sh:minCount 1 (a Violation); its
#: name is there (ActorGroupShape-name holds); its IRI is typed and every k2: term is in the ontology; no
#: rule derives anything from an actor group without a name of a known kind. So: one new result.
ONE_VIOLATION = (
    PREFIXES
    + """
actor:testgruppe-uten-kilde a k2:ActorGroup ;
    skos:prefLabel "testgruppe uten kilde"@nb .
"""
)
ONE_VIOLATION_EXPECTED = {(ID + "actor/testgruppe-uten-kilde", K2SH + "ActorGroupShape-source", "Violation")}

#: A new, complete K2025 tiltak (label nb+en, number 4.99 within 1.1–4.99, IRI tiltak:k2025-4.99, the
#: repository's plan:k2025, only an inferred strategy strategy:k2025-4 that matches the number, a source) but no
#: k2:Continuation into it: k2sh:K2025TiltakHasContinuation, held by k2sh:TiltakShape-k2025Continuation, warns.
#: The K2020 rules need k2:inPlan plan:k2020 and do not apply. So: one new Warning, no Violation.
ONE_WARNING = (
    PREFIXES
    + """
tiltak:k2025-4.99 a k2:Tiltak ;
    rdfs:label "K2025-tiltak 4.99"@nb , "K2025 tiltak 4.99"@en ;
    skos:notation "4.99" ;
    k2:inPlan plan:k2025 ;
    k2:inferredStrategy strategy:k2025-4 ;
    dct:source src:seed-001-L18 .
"""
)
ONE_WARNING_EXPECTED = {(ID + "tiltak/k2025-4.99", K2SH + "TiltakShape-k2025Continuation", "Warning")}

#: The file of tests/test_cli.py's violation test: a bare K2020 tiltak. It lacks skos:notation, k2:inPlan and
#: dct:source (three sh:minCount 1 Violations) and rdfs:label (sh:minCount 1, an Info). Without k2:inPlan no
#: K2020/K2025 SPARQL rule applies. So: three violations and one info.
BARE_TILTAK = PREFIXES + "\ntiltak:k2020-9.99 a k2:Tiltak .\n"
BARE_TILTAK_EXPECTED = {
    (ID + "tiltak/k2020-9.99", K2SH + "TiltakShape-notation", "Violation"),
    (ID + "tiltak/k2020-9.99", K2SH + "TiltakShape-inPlan", "Violation"),
    (ID + "tiltak/k2020-9.99", K2SH + "TiltakShape-source", "Violation"),
    (ID + "tiltak/k2020-9.99", K2SH + "TiltakShape-label", "Info"),
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def validate_json(path: Path) -> tuple[int, dict]:
    out = run("validate", "--root", str(ROOT), "--lang", "en", "--format", "json", str(path))
    assert "Traceback" not in out.stderr, out.stderr
    return out.returncode, json.loads(out.stdout)


def results_of(payload: dict) -> set[tuple[str, str, str]]:
    return {(r["focus"], r["source_shape"], r["severity"]) for r in payload["results"]}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "change.ttl"
    path.write_text(text, encoding="utf-8")
    return path


def test_exactly_one_violation_exits_1_and_reports_exactly_it(tmp_path: Path) -> None:
    code, payload = validate_json(write(tmp_path, ONE_VIOLATION))
    assert code == 1
    assert payload["conforms"] is False
    assert payload["counts"] == {"Violation": 1, "Warning": 0, "Info": 0}
    assert len(payload["results"]) == 1
    assert results_of(payload) == ONE_VIOLATION_EXPECTED
    (result,) = payload["results"]
    assert result["constraint"] == "http://www.w3.org/ns/shacl#MinCountConstraintComponent"
    assert result["path"] == "http://purl.org/dc/terms/source"


def test_exactly_one_violation_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(ROOT), "--lang", "en", str(write(tmp_path, ONE_VIOLATION))]) == 1
    text = capsys.readouterr().out
    assert (
        text.rstrip("\n").splitlines()[-1]
        == "The graph with the change does not conform: new results: 1 violation, 0 warnings, 0 info."
    )
    assert text.count("[violation]") == 1 and "actor:testgruppe-uten-kilde" in text


def test_one_warning_and_no_violation_exits_0(tmp_path: Path) -> None:
    code, payload = validate_json(write(tmp_path, ONE_WARNING))
    assert code == 0
    assert payload["conforms"] is True
    assert payload["counts"] == {"Violation": 0, "Warning": 1, "Info": 0}
    assert results_of(payload) == ONE_WARNING_EXPECTED
    (result,) = payload["results"]
    assert result["source_constraint"] == K2SH + "K2025TiltakHasContinuation"


def test_the_bare_tiltak_breaks_exactly_three_rules_and_notes_one(tmp_path: Path) -> None:
    code, payload = validate_json(write(tmp_path, BARE_TILTAK))
    assert code == 1
    assert payload["counts"] == {"Violation": 3, "Warning": 0, "Info": 1}
    assert results_of(payload) == BARE_TILTAK_EXPECTED
