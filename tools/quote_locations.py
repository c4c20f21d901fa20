"""Write ``data/turtle/quotations.ttl``: the short quotation (``k2:quote``) of every source location.

Only the source documents themselves (the seeds' ``*.txt``) are quoted; the project's notes about them
(the seeds' README, ``sources/*.md``) are not published documents and are not quoted.

A source location names lines of a source document's text edition (``k2:lineStart``..``k2:lineEnd``);
its quotation is those lines as the document has them, each without the spaces and NO-BREAK SPACEs
at its ends, empty lines left out, joined by a line break, in the document's language. A quotation
longer than :data:`LIMIT` characters keeps its first lines up to the limit and ends with a line
``[…]``. ``tests/test_quotations.py`` reads the documents itself and checks every quotation.

Run it from the repository root after adding or moving locations::

    python tools/quote_locations.py [SEEDS_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef

ROOT = Path(__file__).resolve().parent.parent
K2 = Namespace("https://w3id.org/k2020graph/def#")
DCT = Namespace("http://purl.org/dc/terms/")
SRC = "https://w3id.org/k2020graph/id/source/"
LIMIT = 600
NBSP = "\u00a0"
MORE = "[…]"


def quotation(lines: list[str], first: int, last: int) -> str:
    kept = [line.strip(" " + NBSP) for line in lines[first - 1 : last]]
    kept = [line for line in kept if line]
    out: list[str] = []
    for line in kept:
        if out and len("\n".join([*out, line])) > LIMIT:
            return "\n".join([*out, MORE])
        out.append(line)
    return "\n".join(out)


def turtle_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def main(argv: list[str]) -> int:
    seeds = Path(argv[0]) if argv else ROOT.parent / "shared" / "seeds"
    g = Graph()
    for path in sorted((ROOT / "data" / "turtle").glob("*.ttl")):
        if path.name != "quotations.ttl":
            g.parse(path, format="turtle")
    files: dict[URIRef, tuple[list[str], str]] = {}
    for doc, name in g.subject_objects(K2.fileName):
        path = seeds / str(name)
        if path.suffix != ".txt" or not path.exists():
            continue  # the project's own notes on the sources (README, sources/*.md) are not quoted
        languages = sorted(str(v).rsplit("/", 1)[-1] for v in g.objects(doc, DCT.language))
        lang = "en" if "en" in languages else (languages[0] if languages else "nb")
        files[doc] = (path.read_text(encoding="utf-8").split("\n"), lang)  # type: ignore[index]
    entries = []
    for loc in set(g.subjects(K2.lineStart, None)):
        doc = g.value(loc, DCT.isPartOf)
        if doc not in files:
            continue
        first, last = int(g.value(loc, K2.lineStart)), int(g.value(loc, K2.lineEnd) or g.value(loc, K2.lineStart))  # type: ignore[arg-type]
        lines, lang = files[doc]  # type: ignore[index]
        text = quotation(lines, first, last)
        if text:
            entries.append((str(doc), first, last, str(loc), Literal(text, lang=lang)))
    entries.sort()
    out = [
        "# The quotation (k2:quote) of every source location: its lines as the document has them, each without",
        "# the spaces and NO-BREAK SPACEs at its ends, empty lines left out, joined by line breaks; a long one",
        "# ends with a line «[…]». Written by tools/quote_locations.py from the documents in /work/shared/seeds;",
        "# tests/test_quotations.py checks each against the document.",
        "",
        "@prefix k2: <https://w3id.org/k2020graph/def#> .",
        "@prefix src: <https://w3id.org/k2020graph/id/source/> .",
        "",
    ]
    for _, _, _, loc, lit in entries:
        out.append(f"src:{loc[len(SRC) :]} k2:quote {turtle_string(str(lit))}@{lit.language} .")
    (ROOT / "data" / "turtle" / "quotations.ttl").write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(entries)} quotations", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
