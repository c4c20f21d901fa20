"""bench/generate.py: a small synthetic project root parses, has the real graph's classes, and feeds every canned query.

No timing here: the benchmarks themselves run with ``make bench`` and print ratios, never assert them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import DCTERMS, ORG, RDF, SKOS

from k2020graph.loading import KnowledgeGraph
from k2020graph.namespaces import K2, RECORD, SRC
from k2020graph.project import Project
from k2020graph.queries import load_catalogue

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "bench" / "generate.py"
RUN = ROOT / "bench" / "run.py"
SIZE = 10_000

EXPECTED_CLASSES = [
    K2.Plan,
    K2.Strategy,
    K2.Tiltak,
    K2.Measure,
    K2.TiltakRecord,
    K2.Continuation,
    K2.GrantScheme,
    K2.FundingFlow,
    K2.Figure,
    K2.SourceDocument,
    K2.SourceLocation,
    K2.ActorGroup,
    ORG.FormalOrganization,
    ORG.OrganizationalUnit,
    ORG.ChangeEvent,
    SKOS.Concept,
]


def generate(out: Path, triples: str = "10k", seed: int = 1) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(GENERATE), "--triples", triples, "--seed", str(seed), "--out", str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    out = tmp_path_factory.mktemp("bench") / "root"
    done = generate(out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    return KnowledgeGraph.load(Project.at(out))


def test_the_root_is_a_project_with_the_repository_parts(synthetic: KnowledgeGraph) -> None:
    root = synthetic.project.root
    assert [p.name for p in synthetic.project.data_files] == ["synthetic.ttl"]
    for part in ("ontology", "queries"):
        mine = sorted(p.name for p in (ROOT / part).iterdir())
        assert mine and sorted(p.name for p in (root / part).iterdir()) == mine


def test_the_size_is_about_what_was_asked(synthetic: KnowledgeGraph) -> None:
    """The size asked for is of the files written (data and ontology); the direct layer is derived at load."""
    assert synthetic.derived, "the synthetic project derives the direct layer (rules/ copied)"
    assert 0.85 * SIZE <= len(synthetic.store) - len(synthetic.derived) <= 1.15 * SIZE


@pytest.mark.parametrize("cls", EXPECTED_CLASSES, ids=lambda c: str(c).rsplit("/", 1)[-1])
def test_every_class_of_the_real_graph_is_there(synthetic: KnowledgeGraph, cls) -> None:  # type: ignore[no-untyped-def]
    assert len(set(synthetic.data_graph.subjects(RDF.type, cls))) >= 1


def test_records_of_both_tables_in_their_languages(synthetic: KnowledgeGraph) -> None:
    g = synthetic.data_graph
    records = set(g.subjects(RDF.type, K2.TiltakRecord))
    for prefix, doc, lang in (("seed000-", "seed-000", "nn"), ("seed001-", "seed-001", "nb")):
        mine = [r for r in records if str(r).startswith(str(RECORD[prefix]))]
        assert len(mine) >= 10, prefix
        for r in mine:
            assert {g.value(loc, DCTERMS.isPartOf) for loc in g.objects(r, DCTERMS.source)} == {SRC[doc]}
            titles = list(g.objects(r, DCTERMS.title))
            assert titles and all(isinstance(t, Literal) and t.language == lang for t in titles)


def test_every_own_term_used_is_declared_in_the_ontology(synthetic: KnowledgeGraph) -> None:
    declared = set(synthetic.ontology_graph.subjects())
    used = {t for triple in synthetic.data_graph for t in triple[1:] if str(t).startswith(str(K2))}
    assert used and not used - declared, sorted(used - declared)


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    files = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        assert generate(tmp_path / name, "2k", seed).returncode == 0
        files.append((tmp_path / name / "data" / "turtle" / "synthetic.ttl").read_bytes())
    assert files[0] == files[1] != files[2]


def test_a_bad_size_is_refused(tmp_path: Path) -> None:
    done = generate(tmp_path / "x", "lots")
    assert done.returncode == 2 and "not a size" in done.stderr and "Traceback" not in done.stderr


def _query_names() -> list[str]:
    names = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
    assert names, "no canned queries collected"
    return names


@pytest.mark.parametrize("name", _query_names())
def test_every_canned_query_finds_rows_in_the_synthetic_graph(synthetic: KnowledgeGraph, name: str) -> None:
    query = load_catalogue(synthetic.project.query_files)[name]
    result = query.run(synthetic.store)
    assert getattr(result, "rows", None), f"{name} finds nothing with its defaults: extend bench/generate.py"


def test_the_benchmark_runner_has_help() -> None:
    done = subprocess.run([sys.executable, str(RUN), "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    for option in ("--sizes", "--requests", "--duration", "--real"):
        assert option in done.stdout


def test_every_server_in_the_benchmark_gets_the_triples_ours_serves(tmp_path: Path) -> None:
    """bench/run.py hands Oxigraph server one N-Triples file: the files and the derived direct layer, as
    ``KnowledgeGraph.load`` (what ``serve`` runs) holds them. Without the derived layer the queries that read
    it answered with 0 rows at 1M, quickly, and the comparison was of unequal data."""
    import pyoxigraph as ox

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import run  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    served = run.served_file(ROOT, tmp_path / "served.nt")
    got = {(t.subject, t.predicate, t.object) for t in ox.parse(path=str(served), format=ox.RdfFormat.N_TRIPLES)}
    kg = KnowledgeGraph.load(Project.at(ROOT))
    want = {(q.subject, q.predicate, q.object) for q in kg.store.raw.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert kg.derived and got == want


def test_validation_bench_runs_the_other_checkout_s_package(tmp_path: Path) -> None:
    """`bench/validation.py --against DIR` must time DIR's k2020graph, not this repository's (which an
    editable install and a working directory in the repository would put first on the path)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import validation  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    package = tmp_path / "k2020graph"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text("import sys; print('other checkout', sys.argv[1:])\n")
    cmd, cwd, env = validation.against_command(tmp_path)
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout
    assert out.startswith("other checkout") and "validate" in out


def test_in_turn_puts_each_item_first_once_in_as_many_rounds() -> None:
    """bench/run.py ``in_turn``: the order in which the benchmarks ask their servers or run their commands."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import run  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    items = ["a", "b", "c", "d"]
    rounds = [run.in_turn(items, i) for i in range(len(items))]
    assert all(sorted(r) == items for r in rounds)  # each round runs every item once
    for position in range(len(items)):  # and over four rounds each item stands once in each position
        assert sorted(r[position] for r in rounds) == items
    assert run.in_turn(items, len(items)) == items and run.in_turn([], 3) == []
