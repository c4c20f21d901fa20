"""The ``k2020graph`` command: a thin front end over the library (the HTTP API calls the same functions)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import InputError, K2020Error, QueryError

DESCRIPTION = """\
k2020graph: kunnskapsgrafen over Kompetanseløft 2020 (K2020) — tiltak, strategier, ansvarlige aktører,
tilskudd og videreføringen til Kompetanseløft 2025.
The Kompetanseløft 2020 knowledge graph — tiltak (measures), strategies, responsible actors, grants and
the continuation into Kompetanseløft 2025.
"""

EPILOG = """\
Eksempel / example:
  k2020graph query continued-into-k2025 --param division=PH
  k2020graph validate --format text --lang en
  k2020graph export --table tiltak --format csv -o tiltak.csv
"""


def _write(data: bytes, output: str | None) -> None:
    """Write to stdout, or atomically to a file (a temporary file renamed into place: never half-written)."""
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(output)  # type: ignore[arg-type]
    if not target.parent.is_dir():
        raise InputError("the output directory does not exist", target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(args: argparse.Namespace, data_files: Sequence[Path] | None = None):  # type: ignore[no-untyped-def]
    from .loading import KnowledgeGraph
    from .project import Project

    return KnowledgeGraph.load(Project.at(args.root), data_files)


def _catalogue(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .project import Project
    from .queries import load_catalogue

    return load_catalogue(Project.at(args.root).query_files)


def cmd_validate(args: argparse.Namespace) -> int:
    from .validation import FORMATTERS, validate_graphs

    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.is_file():
            raise InputError("no such file", p)
    kg = _load(args, paths or None)
    report = validate_graphs(kg.data_graph, kg.shapes_graph, kg.ontology_graph)
    sys.stdout.write(FORMATTERS[args.format](report, args.lang))
    return 0 if report.conforms else 1


def cmd_queries(args: argparse.Namespace) -> int:
    import json

    catalogue = _catalogue(args)
    if args.format == "json":
        sys.stdout.write(json.dumps([q.describe() for q in catalogue.values()], ensure_ascii=False, indent=2) + "\n")
        return 0
    for q in catalogue.values():
        params = " ".join(f"[{p.name}={p.default}]" if p.default else f"{p.name}=…" for p in q.parameters)
        sys.stdout.write(f"{q.name}  {params}\n    {q.title.get(args.lang, q.title['nb'])}\n")
    return 0


def _parse_params(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise QueryError(f"--param expects KEY=VALUE, got {pair!r}")
        out[key.strip()] = value
    return out


def cmd_query(args: argparse.Namespace) -> int:
    from .queries import get
    from .results import FORMATS

    catalogue = _catalogue(args)
    query = get(catalogue, args.name)
    params = _parse_params(args.param)
    query.bindings(params)  # check the parameters before loading the data
    kg = _load(args)
    result = query.run(kg.store, params)
    _write(FORMATS[args.format](result).encode("utf-8"), args.output)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from . import exports

    kg = _load(args)
    if args.table:
        fmt = args.format or "csv"
        if fmt not in ("csv", "xlsx"):
            raise InputError(f"--table {args.table} takes --format csv or xlsx, not {fmt}")
        if fmt == "xlsx" and args.output in (None, "-") and sys.stdout.isatty():
            raise InputError("xlsx is binary: give -o FILE.xlsx")
        from .queries import load_catalogue

        rows = exports.tiltak_table(kg.store, load_catalogue(kg.project.query_files))
        _write(exports.table_csv(rows) if fmt == "csv" else exports.table_xlsx(rows), args.output)
        return 0
    fmt = args.format or "turtle"
    if fmt not in exports.GRAPH_FORMATS:
        raise InputError(f"unknown export format {fmt!r} (choose from {', '.join(exports.GRAPH_FORMATS)})")
    _write(exports.export_graph(kg.full_graph, fmt), args.output)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from .server.app import run
    except ImportError as exc:  # the server's dependencies are an extra
        raise InputError(f"the server needs the 'server' extra (pip install 'k2020graph[server]'): {exc}") from None
    from .project import Project
    from .server.context import Settings

    if args.timeout <= 0:
        raise InputError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    if args.cache_mb < 0:
        raise InputError(f"--cache-mb must be 0 (no cache) or more, not {args.cache_mb}")
    from .server.context import check_public_url

    public_url = None
    if args.public_url is not None:
        try:
            public_url = check_public_url(args.public_url)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    settings = Settings(base=args.base, timeout=args.timeout, cache_mb=args.cache_mb, public_url=public_url)
    run(Project.at(args.root), host=args.host, port=args.port, settings=settings)
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="k2020graph", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = _Parser(add_help=False)
    common.add_argument(
        "--root", default=".", metavar="DIR", help="project root holding ontology/, data/turtle/, shapes/, queries/ (default: .)"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "validate",
        parents=[common],
        help="validate data against the SHACL shapes / valider data mot SHACL-formene",
        description="Validate the ontology and data (or the given data files) against shapes/. "
        "Exit 0: conforms (warnings allowed); 1: at least one violation; 2: unusable input.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="data files to validate instead of data/turtle/*.ttl")
    p.add_argument("--format", choices=("text", "json", "turtle", "junit"), default="text")
    p.add_argument("--lang", choices=("nb", "en"), default="nb", help="language of labels and messages (default nb)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("queries", parents=[common], help="list the canned queries / list ferdige spørringer")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=("nb", "en"), default="nb")
    p.set_defaults(func=cmd_queries)

    p = sub.add_parser("query", parents=[common], help="run a canned query / kjør en ferdig spørring")
    p.add_argument("name", help="the query's name (see 'k2020graph queries')")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a parameter value (repeatable)")
    p.add_argument("--format", choices=("table", "csv", "tsv", "json"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser(
        "export", parents=[common], help="export the graph or the tiltak table / eksporter grafen eller tiltakstabellen"
    )
    p.add_argument("--format", help="turtle|ntriples|jsonld|rdfxml|trig for the graph; csv|xlsx with --table")
    p.add_argument("--table", choices=("tiltak",), help="the flat table for spreadsheet users")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("serve", parents=[common], help="serve the SPARQL endpoint and linked-data site / start tjeneren")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--base", default=None, help="serve the data under this base IRI instead of https://w3id.org/k2020graph/")
    p.add_argument("--timeout", type=float, default=10.0, help="per-query timeout in seconds (default 10)")
    p.add_argument(
        "--cache-mb",
        type=int,
        default=64,  # Settings.cache_mb (the server is an extra, so not imported here)
        metavar="MB",
        help="memory for answers to repeated queries, kept while the data is unchanged (default %(default)s; 0: no cache)",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the address clients reach the server at, used in redirects and the VoID and service descriptions "
        "(default http://HOST:PORT/) / adressen klientene når tjeneren på, brukt i videresendinger og i VoID- og "
        "tjenestebeskrivelsen (standard http://HOST:PORT/)",
    )
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except K2020Error as exc:
        sys.stderr.write(f"k2020graph: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
