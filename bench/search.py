"""What search costs: index build time, and query latency (p50/p99) against a naive SPARQL regex peer.

Ours: :func:`k2020graph.search.build_index` over the loaded store, then :func:`k2020graph.search.search`
for each query of a fixed set (inflections, compounds, typos, several words, numbers). The peer, run in
the same process on the same store: one SPARQL ``SELECT`` per query over the same predicates, a
case-insensitive ``REGEX`` per word (every word must match one of the resource's texts), what one would
write without a full-text engine. Both are timed per call (wall clock, ``--repeat`` times each); the
figures and the ratio peer/ours are printed, and how many resources each found (the peer finds no typo
and no other inflection).

Run: ``python bench/search.py [ROOT] [--repeat N] [--builds N]``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from k2020graph.loading import KnowledgeGraph  # noqa: E402
from k2020graph.project import Project  # noqa: E402
from k2020graph.search import _CLASS_KINDS, FIELDS, build_index, search  # noqa: E402

QUERIES = [
    "demens",
    "demnes",
    "sykepleier",
    "sykepleiere",
    "sykeplier",
    "kommunen",
    "kommune",
    "pleier",
    "psykolog",
    "rekruttering",
    "helsestasjon",
    "menn i helse",
    "tilskudd kommune",
    "opplæring",
    "helsefagarbeidere",
    "velferdsteknologi",
    "kompetanseløft",
    "Helsedirektoratet",
    "3.2",
    "ledelse samhandling",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def peer_query(words: list[str], base: str) -> str:
    """Resources of the indexed classes with, for each word, a text of the indexed fields that holds it."""
    k2 = base + "def#"
    preds = ", ".join(f"<{p.replace('{k2}', k2)}>" for preds, _ in FIELDS.values() for p in preds)
    classes = ", ".join(f"<{c.replace('{k2}', k2)}>" for c in [*_CLASS_KINDS, "{k2}Tiltak"])
    filters = "\n".join(
        f"  FILTER EXISTS {{ ?s ?p{i} ?o{i} FILTER(?p{i} IN ({preds}) && isLiteral(?o{i}) && "
        f'REGEX(STR(?o{i}), "{re.escape(w).replace(chr(92), chr(92) * 2)}", "i")) }}'
        for i, w in enumerate(words)
    )
    return f"SELECT DISTINCT ?s WHERE {{\n  ?s a ?type . FILTER(?type IN ({classes}))\n{filters}\n}}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--repeat", type=int, default=20, help="calls per query (default 20)")
    parser.add_argument("--builds", type=int, default=5, help="index builds timed (default 5)")
    args = parser.parse_args()

    kg = KnowledgeGraph.load(Project.at(args.root))
    store = kg.store.raw
    print(f"data: {len(kg.store)} triples from {args.root}")

    walls, cpus = [], []
    index = None
    for _ in range(args.builds):
        w, c = time.perf_counter(), time.process_time()
        index = build_index(store.quads_for_pattern(None, None, None), kg.base)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    assert index is not None
    print(
        f"index build: median {statistics.median(walls) * 1000:.0f} ms wall, {statistics.median(cpus) * 1000:.0f} ms CPU "
        f"({len(index.documents)} resources, {index.size} texts, {len(index.vocabulary)} words; {args.builds} builds)"
    )

    ours: list[float] = []
    peer: list[float] = []
    print(f"\n{'query':<22} {'ours p50 ms':>11} {'peer p50 ms':>11} {'ratio':>7} {'ours found':>10} {'peer found':>10}")
    for q in QUERIES:
        words = [w for w in re.findall(r"\w+(?:\.\d+)*", q.lower())]
        sparql = peer_query(words, kg.base)
        mine, theirs = [], []
        found = peer_found = 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            found = search(index, q, limit=100).total
            mine.append(time.perf_counter() - t)
            t = time.perf_counter()
            peer_found = len(list(store.query(sparql)))  # type: ignore[arg-type]
            theirs.append(time.perf_counter() - t)
        ours += mine
        peer += theirs
        m, p = statistics.median(mine) * 1000, statistics.median(theirs) * 1000
        print(f"{q:<22} {m:>11.2f} {p:>11.2f} {p / m:>6.1f}x {found:>10} {peer_found:>10}")

    print(f"\nall {len(ours)} calls each:")
    for name, values in (("ours (FTS5)", ours), ("peer (SPARQL REGEX)", peer)):
        print(f"  {name:<20} p50 {percentile(values, 50) * 1000:7.2f} ms   p99 {percentile(values, 99) * 1000:7.2f} ms")
    print(
        f"  peer/ours            p50 {percentile(peer, 50) / percentile(ours, 50):7.1f}x     "
        f"p99 {percentile(peer, 99) / percentile(ours, 99):7.1f}x"
    )


if __name__ == "__main__":
    main()
