"""Shared fixtures: the repository's own project, loaded once per session (read-only everywhere).

The suite runs on pytest-xdist's workers (``-n auto --dist loadgroup``, set in pyproject.toml), and each
worker has its own session, so session fixtures are built once per worker. A test that uses a fixture
of module (or class) scope, a server process say, is put in its module's xdist group, so that the
module's tests that share it run on one worker and it is set up once; every other test goes to
whichever worker is free.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from k2020graph.loading import KnowledgeGraph
from k2020graph.project import Project
from k2020graph.queries import load_catalogue
from k2020graph.validation import ValidationReport, validate_graphs

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        shared = any(d.scope in ("module", "class", "package") for name in item.fixturenames for d in defs.get(name, ()))
        if shared:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


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
