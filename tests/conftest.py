"""Shared fixtures: the repository's own project, loaded once per session (read-only everywhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.queries import load_catalogue
from k2020graph.validation import ValidationReport, validate_graphs

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.at(ROOT)


@pytest.fixture(scope="session")
def kg(project: Project) -> KnowledgeGraph:
    return KnowledgeGraph.load(project)


@pytest.fixture(scope="session")
def repository_report(kg: KnowledgeGraph) -> ValidationReport:
    """The validation of the whole repository graph, run once per session for every test that reads it.

    Whole-graph validation is the slowest step of the suite (seconds each time): tests that check the
    repository's report (it conforms, its formats) share this one; only CLI tests that must run the
    command end to end validate again.
    """
    return validate_graphs(kg.data_and_derived_graph, kg.shapes_graph, kg.ontology_graph)  # as `validate` does


@pytest.fixture(scope="session")
def catalogue(project: Project):  # type: ignore[no-untyped-def]
    return load_catalogue(project.query_files)


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the source documents are not beside the checkout ({SEEDS})")
    return SEEDS
