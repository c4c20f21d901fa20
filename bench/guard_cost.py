"""What the text check (:mod:`k2020graph.server.guard`) costs per request: microseconds per query text.

Prints, for the canned queries and for a few hostile texts, the mean time of ``inspect`` (it runs on
every request that is not remembered). A figure, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

from k2020graph.server.guard import inspect

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = {
    "issue 8.6 bypass": "SELECT * WHERE { ?s ?p true.SERVICE SILENT <http://127.0.0.1:18090/> {?a ?b ?c} } LIMIT 1",
    "string mentioning SERVICE": "SELECT * WHERE { ?s ?p '''SERVICE <http://e/> {}''' }",
    "100 kB of 'service ?x {'": "SELECT * WHERE { " + "?s ?p ?o FILTER(?o < 3) # service ?x {\n" * 2500 + "}",
}


def per_call(text: str, repeat: int) -> float:
    return min(timeit.repeat(lambda: inspect(text), number=repeat, repeat=5)) / repeat * 1e6


def main() -> int:
    canned = sorted((ROOT / "queries").glob("*.rq"))
    figures = [per_call(p.read_text(encoding="utf-8"), 200) for p in canned]
    print(f"canned queries ({len(canned)}): mean {sum(figures) / len(figures):.1f} µs, max {max(figures):.1f} µs")
    for name, text in HOSTILE.items():
        print(f"{name} ({len(text)} chars): {per_call(text, 5 if len(text) > 10_000 else 200):.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
