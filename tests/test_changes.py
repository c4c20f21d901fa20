"""The change object (k2020graph.changes): what a change adds and removes, and which validation
results it brings in, on a small project written here by hand (so each expected result is known)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace
from rdflib.namespace import RDF, RDFS, SH

from k2020graph import changes
from k2020graph.changes import snapshot
from k2020graph.changes.triples import same_graph, triple_diff
from k2020graph.errors import InputError
from k2020graph.project import Project
from k2020graph.validation import validate_graphs

EX = Namespace("http://example.org/")

PREFIXES = """\
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
"""

SHAPES = (
    PREFIXES
    + """
ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:property ex:ThingShape-name .

ex:ThingShape-name a sh:PropertyShape ;
    sh:path ex:name ;
    sh:minCount 1 ;
    sh:maxCount 1 ;
    sh:severity sh:Violation ;
    sh:message "Nøyaktig ett navn"@nb , "Exactly one name"@en .

ex:CommentsShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:severity sh:Warning ;
    sh:sparql ex:TooManyComments .

ex:TooManyComments a sh:SPARQLConstraint ;
    sh:message "{?n} kommentarer"@nb , "{?n} comments"@en ;
    sh:select \"\"\"SELECT $this ?n WHERE {
        { SELECT $this (COUNT(?c) AS ?n) WHERE { $this <http://www.w3.org/2000/01/rdf-schema#comment> ?c } GROUP BY $this }
        FILTER (?n > 1) }\"\"\" .

ex:PartShape a sh:NodeShape ;
    sh:targetObjectsOf ex:part ;
    sh:property ex:PartShape-name .

ex:PartShape-name a sh:PropertyShape ;
    sh:path ex:name ;
    sh:minCount 1 ;
    sh:severity sh:Violation ;
    sh:message "Delen må ha et navn"@nb , "The part needs a name"@en .
"""
)

BASE_DATA = (
    PREFIXES
    + """
ex:a a ex:Thing ; ex:name "A" ; rdfs:comment "one" , "two" .
ex:b a ex:Thing .
ex:c a ex:Thing ; ex:name "C" ; ex:part [ rdfs:label "unnamed part" ] .
"""
)

# ex:a gets a second name (new Violation) and a third comment (the warning is reworded: 2 → 3);
# ex:b gets its name (its Violation is resolved); ex:c's blank node is the same, parsed anew.
CHANGED_DATA = (
    PREFIXES
    + """
ex:a a ex:Thing ; ex:name "A" , "A2" ; rdfs:comment "one" , "two" , "three" .
ex:b a ex:Thing ; ex:name "B" .
ex:c a ex:Thing ; ex:name "C" ; ex:part [ rdfs:label "unnamed part" ] .
"""
)


@pytest.fixture()
def small(tmp_path: Path) -> Project:
    root = tmp_path / "small"
    for folder in ("ontology", "data/turtle", "shapes", "queries"):
        (root / folder).mkdir(parents=True)
    (root / "ontology/o.ttl").write_text(PREFIXES + 'ex:name rdfs:label "navn"@nb , "name"@en .\n', encoding="utf-8")
    (root / "shapes/s.ttl").write_text(SHAPES, encoding="utf-8")
    (root / "data/turtle/things.ttl").write_text(BASE_DATA, encoding="utf-8")
    return Project.at(root)


def _edit(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "edits" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _summary(results) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {
        (str(r.focus) if not isinstance(r.focus, BNode) else "_:", str(r.constraint).split("#")[-1], r.severity) for r in results
    }


def test_a_replaced_file_brings_in_exactly_its_new_result(small: Project, tmp_path: Path) -> None:
    change = changes.with_files(small, [_edit(tmp_path, "things.ttl", CHANGED_DATA)])
    assert [(f.path, f.status) for f in change.files] == [("data/turtle/things.ttl", "modified")]
    # the blank node is the same node in both versions: not removed and added again
    assert change.added == {
        (EX.a, EX.name, Literal("A2")),
        (EX.a, RDFS.comment, Literal("three")),
        (EX.b, EX.name, Literal("B")),
    }
    assert change.removed == frozenset()
    report = changes.check(change)
    assert _summary(report.new) == {(str(EX.a), "MaxCountConstraintComponent", "Violation")}
    assert not report.conforms
    assert _summary(report.resolved) == {(str(EX.b), "MinCountConstraintComponent", "Violation")}
    # already there: the unnamed part (a blank node, parsed twice) and the comments warning, reworded
    assert _summary(report.existing) == {
        ("_:", "MinCountConstraintComponent", "Violation"),
        (str(EX.a), "SPARQLConstraintComponent", "Warning"),
    }
    [reworded] = report.reworded
    # (pyshacl fills in {?n} and drops the language tag, so either language's text may come back)
    assert reworded.before.message("en") in ("2 comments", "2 kommentarer")
    assert reworded.after.message("en") in ("3 comments", "3 kommentarer")


def test_the_same_file_again_changes_nothing_and_validates_once(small: Project, tmp_path: Path) -> None:
    calls = []

    def counting(data, shapes, ontology):  # type: ignore[no-untyped-def]
        calls.append(len(data))
        return validate_graphs(data, shapes, ontology)

    change = changes.with_files(small, [_edit(tmp_path, "things.ttl", BASE_DATA)])
    assert change.is_empty and [(f.path, f.status) for f in change.files] == [("data/turtle/things.ttl", "unchanged")]
    report = changes.check(change, counting)
    assert len(calls) == 1
    assert report.new == [] and report.resolved == [] and report.conforms
    assert len(report.existing) == 3  # ex:b's missing name, the unnamed part, ex:a's two comments


def test_another_file_is_added_and_a_fix_conforms(small: Project, tmp_path: Path) -> None:
    note = _edit(tmp_path, "note.ttl", PREFIXES + 'ex:b ex:name "B" .\n')
    change = changes.with_files(small, [note])
    assert [(f.path, f.status, f.given) for f in change.files] == [("data/turtle/note.ttl", "added", str(note))]
    report = changes.check(change)
    assert report.new == [] and report.conforms
    assert _summary(report.resolved) == {(str(EX.b), "MinCountConstraintComponent", "Violation")}
    # the repository's files are untouched
    assert (small.root / "data/turtle/things.ttl").read_text(encoding="utf-8") == BASE_DATA


def test_two_files_of_one_name_are_refused(small: Project, tmp_path: Path) -> None:
    one = _edit(tmp_path, "x.ttl", PREFIXES)
    other = tmp_path / "other" / "x.ttl"
    other.parent.mkdir()
    other.write_text(PREFIXES, encoding="utf-8")
    with pytest.raises(InputError, match="two files named 'x.ttl'"):
        changes.with_files(small, [one, other])


def test_blank_nodes_compare_by_structure() -> None:
    def parsed(text: str) -> set:  # type: ignore[type-arg]
        return set(Graph().parse(data=PREFIXES + text, format="turtle"))

    a = parsed('ex:c ex:part [ rdfs:label "p" ; ex:part [ ex:name "q" ] ] .')
    b = parsed('ex:c ex:part [ rdfs:label "p" ; ex:part [ ex:name "q" ] ] .')
    assert a != b  # other labels…
    assert same_graph(a, b)  # …the same graph
    d = triple_diff(a, b)
    assert d.added == d.removed == frozenset()
    c = parsed('ex:c ex:part [ rdfs:label "p" ; ex:part [ ex:name "r" ] ] .')
    assert not same_graph(a, c)
    d = triple_diff(a, c)
    assert {(p, o) for _s, p, o in d.removed if not isinstance(o, BNode)} >= {(EX.name, Literal("q"))}
    assert {(p, o) for _s, p, o in d.added if not isinstance(o, BNode)} >= {(EX.name, Literal("r"))}


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_changed_since_a_revision_reads_the_old_files_from_git(small: Project) -> None:
    root = small.root
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    (root / "data/turtle/things.ttl").write_text(CHANGED_DATA, encoding="utf-8")
    (root / "data/turtle/new.ttl").write_text(PREFIXES + "ex:d a ex:Thing .\n", encoding="utf-8")
    old = snapshot.from_git(small, "HEAD")
    assert sorted(old.files) == ["data/turtle/things.ttl", "ontology/o.ttl", "shapes/s.ttl"]
    change = changes.since(small, "HEAD")
    assert [(f.path, f.status) for f in change.files] == [
        ("data/turtle/new.ttl", "added"),
        ("data/turtle/things.ttl", "modified"),
    ]
    assert (EX.d, RDF.type, EX.Thing) in change.added
    report = changes.check(change)
    assert _summary(report.new) == {
        (str(EX.a), "MaxCountConstraintComponent", "Violation"),
        (str(EX.d), "MinCountConstraintComponent", "Violation"),
    }
    # a shape changed in the work tree counts too: the part's name becomes a Warning
    shapes = (root / "shapes/s.ttl").read_text(encoding="utf-8")
    (root / "shapes/s.ttl").write_text(
        shapes.replace('sh:message "Delen', 'sh:message "Delen').replace(
            "ex:PartShape-name a sh:PropertyShape ;\n    sh:path ex:name ;\n    sh:minCount 1 ;\n    sh:severity sh:Violation",
            "ex:PartShape-name a sh:PropertyShape ;\n    sh:path ex:name ;\n    sh:minCount 1 ;\n    sh:severity sh:Warning",
        ),
        encoding="utf-8",
    )
    report = changes.check(changes.since(small, "HEAD"))
    assert ("_:", "MinCountConstraintComponent", "Warning") in _summary(report.new)
    assert ("_:", "MinCountConstraintComponent", "Violation") in _summary(report.resolved)
    assert report.change.triples["shapes"][0] == {(EX["PartShape-name"], SH.severity, SH.Violation)}
    assert report.change.triples["shapes"][1] == {(EX["PartShape-name"], SH.severity, SH.Warning)}


def test_no_repository_or_an_unknown_revision_is_unusable_input(small: Project) -> None:
    with pytest.raises(InputError, match="not inside a git repository.* / er ikke i et git-depot"):
        changes.since(small, "HEAD")
    _git(small.root, "init", "-q")
    _git(small.root, "add", "-A")
    _git(small.root, "commit", "-qm", "base")
    for rev in ("no-such-branch", "--output=x", ""):
        with pytest.raises(InputError, match="unknown git revision"):
            changes.since(small, rev)
    assert not (small.root / "x").exists()


def test_validating_a_change_leaves_it_alone(small: Project, tmp_path: Path) -> None:
    change = changes.with_files(small, [_edit(tmp_path, "things.ttl", CHANGED_DATA)])
    files = (dict(change.base.files), dict(change.changed.files))
    graphs = {(side, role): set(change.graph(side, role)) for side in ("base", "changed") for role in ("data", "shapes")}
    changes.check(change)
    assert (dict(change.base.files), dict(change.changed.files)) == files
    assert {key: set(change.graph(*key)) for key in graphs} == graphs
    assert (EX.a, EX.name, Literal("A2")) in graphs["changed", "data"]
    assert (EX.a, EX.name, Literal("A2")) not in graphs["base", "data"]


def test_each_side_is_validated_with_its_derived_layer(kg) -> None:  # type: ignore[no-untyped-def]
    """validate FILE… checks the direct layer too: each side gets the triples the rules derive from it."""
    from rdflib import URIRef

    from k2020graph.changes.change import with_derived
    from k2020graph.derive import read_rules

    data = kg.data_graph
    before = len(data)
    out = with_derived(data, kg.ontology_graph, read_rules(kg.project.rule_files))
    assert len(data) == before, "the data graph given was changed"
    derived = set(out) - set(data)
    assert derived and set(kg.derived_graph) == derived  # exactly what loading derives
    status = URIRef("https://w3id.org/k2020graph/def#continuationStatus")
    assert any(p == status for _, p, _ in derived)
    assert with_derived(data, kg.ontology_graph, ()) is data  # no rules: nothing derived
