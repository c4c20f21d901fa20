"""A validation report names its focus nodes by their labels, from the data and from the ontology (a gap
found by mutation testing, docs/mutation.md). The shapes here are a tiny SHACL graph of the test's own."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph

from k2020graph.validation import validate_graphs

PREFIXES = """@prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""
ROOT = Path(__file__).resolve().parents[1]
SHAPES = PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minCount 1 ] ."


def test_focus_nodes_are_labelled_from_data_and_ontology() -> None:
    data = Graph().parse(data=PREFIXES + 'ex:a a ex:T ; rdfs:label "Tiltak A"@nb . ex:b a ex:T .', format="turtle")
    ontology = Graph().parse(data=PREFIXES + 'ex:b skos:prefLabel "Tiltak B"@en .', format="turtle")
    report = validate_graphs(data, Graph().parse(data=SHAPES, format="turtle"), ontology)
    focus = sorted(str(r.focus) for r in report.results)
    assert focus == ["http://example.org/a", "http://example.org/b"]
    a, b = (next(r.focus for r in report.results if str(r.focus).endswith(x)) for x in ("a", "b"))
    assert report.label(a, "nb") == "Tiltak A"
    assert report.label(b, "en") == "Tiltak B" and report.label(b, "nb") == "Tiltak B"  # no bokmål: the English one


def test_of_two_labels_in_one_language_the_first_in_code_point_order_names_the_node() -> None:
    """Not the first read: the report must not depend on the order of the files or of a set."""
    for order in (('"Beta"@nb', '"Alfa"@nb'), ('"Alfa"@nb', '"Beta"@nb')):
        data = Graph().parse(data=PREFIXES + f"ex:a a ex:T ; rdfs:label {order[0]} , {order[1]} .", format="turtle")
        report = validate_graphs(data, Graph().parse(data=SHAPES, format="turtle"))
        assert report.label(report.results[0].focus, "nb") == "Alfa"


def test_the_command_line_validates_the_loaded_store_without_building_rdflib_data_graphs(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """`k2020graph validate` with the fast engine reads the store that loading built; the rdflib graphs of the
    data and of the ontology are built only if pyshacl has to take over (they cost more than validating)."""
    from k2020graph import cli
    from k2020graph.loading import KnowledgeGraph

    def refused(self):  # type: ignore[no-untyped-def]
        raise AssertionError("an rdflib graph of the data or the ontology was built")

    from k2020graph.project import Project
    from k2020graph.validation import format_json

    # the report from the rdflib graphs (no held store), before they are refused: labels read from the graphs
    kg = KnowledgeGraph.load(Project.at(ROOT))
    expected = json.loads(format_json(validate_graphs(kg.data_and_derived_graph, kg.shapes_graph, kg.ontology_graph)))
    for name in ("data_and_derived_graph", "ontology_graph", "data_graph", "full_graph"):
        monkeypatch.setattr(KnowledgeGraph, name, property(refused))
    assert cli.main(["validate", "--root", str(ROOT), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == expected
    assert any(r["focus_label"] for r in report["results"])  # the comparison covers labels read from the store


def test_the_turtle_report_is_the_same_bytes_for_the_same_results() -> None:
    """`validate --format turtle` in CI or a diff: each result is a blank node, and the Turtle writer sorts
    them by their labels, which rdflib draws at random; the same report must still be written alike."""
    from rdflib import Graph

    from k2020graph.validation import FORMATTERS, validate_graphs

    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:message "p"@en ] ;
            sh:property [ sh:path ex:q ; sh:datatype <http://www.w3.org/2001/XMLSchema#integer> ; sh:message "q"@en ] .""",
        format="turtle",
    )
    data = Graph().parse(
        data="@prefix ex: <http://example.org/> .\n" + "".join(f'ex:n{i} a ex:C ; ex:q "x{i}" .\n' for i in range(8)),
        format="turtle",
    )
    from rdflib.compare import isomorphic

    for engine in ("fast", "pyshacl"):
        reports = [validate_graphs(data, shapes, engine=engine) for _ in range(3)]
        texts = {FORMATTERS["turtle"](r, "en") for r in reports}
        assert len(texts) == 1, engine
        written = Graph().parse(data=texts.pop(), format="turtle")
        assert len(reports[0].results) == 16 and isomorphic(written, reports[0].report_graph)  # nothing lost
