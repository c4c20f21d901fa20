"""What the pictures cost: the time to build each picture page, and what the charts add to a resource page.

In process, over the repository's data: each page is asked for ``--repeat`` times through the application
(Starlette's TestClient, no network; the ETag cache is not used: no ``If-None-Match`` is sent) and the
median wall time is printed with the size of its SVG (``/lineage`` and ``/funding`` come from the memo
after the first request; their build is timed apart). For resource pages with charts, the charts alone
(:func:`k2020graph.server.diagrampages.charts_for`) are timed too and given as a share of the page.

Run: ``python bench/diagrams.py [ROOT] [--repeat N]``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from k2020graph.loading import KnowledgeGraph  # noqa: E402
from k2020graph.project import Project  # noqa: E402
from k2020graph.server import Settings, create_app  # noqa: E402
from k2020graph.server.diagrampages import charts_for, funding_chart, lineage  # noqa: E402

BASE = "https://w3id.org/k2020graph/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PAGES = [
    "/lineage",
    "/funding",
    "/id/strategy/k2020-3",
    "/id/actor/hdir-ph",
    "/id/actor/hdir",
    "/id/scheme/kommunalt-kompetanse-og-innovasjonstilskudd",
    "/id/cube/seed002-tabell-01",
    "/id/cube/seed002-tabell-03",
    "/id/tiltak/k2020-3.14",  # no charts: the plain resource page, for comparison
]


def median_ms(call, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    kg = KnowledgeGraph.load(Project.at(Path(args.root)))
    app = create_app(kg, Settings(workers=1))
    site = app.state.site
    with TestClient(app) as client:
        print(f"{'page':58} {'median ms':>9} {'svg KB':>7} {'charts ms':>9} {'share':>6}")
        for path in PAGES:
            client.get(path, headers={"Accept": "text/html"})  # warm the label memos
            body = client.get(path, headers={"Accept": "text/html"}).text
            page = median_ms(lambda p=path: client.get(p, headers={"Accept": "text/html"}), args.repeat)
            svg = sum(len(m) for m in re.findall(r"<svg\b.*?</svg>", body, re.S)) / 1024
            charts = ""
            share = ""
            if path.startswith("/id/"):
                iri = BASE + path[1:]
                typed = kg.store.raw.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), None)
                types = {q.object.value for q in typed}
                ms = median_ms(lambda i=iri, t=types: charts_for(site, i, t, "nb"), args.repeat)
                charts, share = f"{ms:9.1f}", f"{ms / page:6.0%}"
            print(f"{path:58} {page:9.1f} {svg:7.1f} {charts:>9} {share:>6}")
        # the two site-wide pictures are remembered per data version and language: their build, uncached
        print(f"lineage built: {median_ms(lambda: lineage(site, 'nb'), args.repeat):.1f} ms; ", end="")
        print(
            f"funding built: {median_ms(lambda: funding_chart(site, 'nb'), args.repeat):.1f} ms (served from the memo after that)"
        )


if __name__ == "__main__":
    main()
