"""The ``k2020graph`` command: a thin front end over the library (the HTTP API calls the same functions)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import math
import re
import sys
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
    """Write to standard output, or to ``-o FILE`` as a redirect would (atomically for regular files)."""
    if output in (None, "-"):
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise InputError(f"kan ikke skrive / cannot write: {exc.strerror or exc}", "standard output") from None
        return
    from .output import write_output

    write_output(data, output)  # type: ignore[arg-type]


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
    report = validate_graphs(kg.data_graph, kg.shapes_graph, kg.ontology_graph, engine=args.engine)
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
    from .server.context import Settings, check_public_url

    public_url = None
    if args.public_url is not None:
        try:
            public_url = check_public_url(args.public_url)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    settings = Settings(
        base=args.base,
        timeout=args.timeout,
        cache_mb=args.cache_mb,
        public_url=public_url,
        limits=args.limits,
        client_parallel=args.client_parallel,
        client_budget=args.client_budget,
        trusted_proxies=tuple(args.trusted_proxy),
    )
    run(Project.at(args.root), host=args.host, port=args.port, settings=settings)
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line, exit 2 (the usage is one ``--help`` away)."""
        self.exit(2, f"{self.prog}: error: {message} ('{self.prog} --help')\n")


# Types of the numeric options: each says, in English and bokmål, what is wrong with a value.
MAX_TIMEOUT = 86_400.0  # seconds: a query may run a day at most
MAX_CACHE_MB = 1_048_576  # a tebibyte


def _number(raw: str, kind: type[int] | type[float], en: str, nb: str) -> float:
    """``raw`` as ``kind``, from ASCII digits only (int() and float() also take '٣', 'nan' and 4000-digit numbers)."""
    pattern = r"[+-]?[0-9]{1,9}" if kind is int else r"[+-]?([0-9]{1,9}(\.[0-9]*)?|\.[0-9]+)"
    if not re.fullmatch(pattern, raw.strip()):
        raise argparse.ArgumentTypeError(f"{raw!r} is not {en} / {raw!r} er ikke {nb}")
    return kind(raw)


def port_number(raw: str) -> int:
    """A TCP port, 1–65535."""
    port = int(_number(raw, int, "a port number", "et portnummer"))
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{port} is not a TCP port number (1–65535) / {port} er ikke et TCP-portnummer (1–65535)"
        )
    return port


def timeout_seconds(raw: str) -> float:
    """A finite number of seconds, above 0 and at most a day."""
    value = _number(raw, float, "a number of seconds", "et antall sekunder")
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise argparse.ArgumentTypeError(
            f"the timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds, not {raw} / "
            f"tidsavbruddet må være over 0 og høyst {MAX_TIMEOUT:g} sekunder, ikke {raw}"
        )
    return value


def cache_megabytes(raw: str) -> int:
    """0 (no cache) up to :data:`MAX_CACHE_MB`."""
    value = int(_number(raw, int, "a number of megabytes", "et antall megabyte"))
    if not 0 <= value <= MAX_CACHE_MB:
        raise argparse.ArgumentTypeError(
            f"the cache takes 0 (none) to {MAX_CACHE_MB} MB, not {value} / "
            f"hurtigbufferet tar 0 (ingen) til {MAX_CACHE_MB} MB, ikke {value}"
        )
    return value


def parallel_queries(raw: str) -> int:
    """Queries one client may have running or waiting at once: 1–1000."""
    value = int(_number(raw, int, "a number of queries", "et antall spørringer"))
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"give 1–1000 queries, not {value} / oppgi 1–1000 spørringer, ikke {value}")
    return value


def budget_seconds(raw: str) -> float:
    """Query-seconds per client per minute: a finite number above 0."""
    value = _number(raw, float, "a number of seconds", "et antall sekunder")
    if not (math.isfinite(value) and 0 < value <= 86_400):
        raise argparse.ArgumentTypeError(
            f"the budget must be more than 0 and at most 86400 seconds, not {raw} / "
            f"budsjettet må være over 0 og høyst 86400 sekunder, ikke {raw}"
        )
    return value


def ip_address(raw: str) -> str:
    """An IPv4 or IPv6 address."""
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an IP address / {raw!r} er ikke en IP-adresse") from None


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
    p.add_argument(
        "--engine",
        choices=("auto", "fast", "pyshacl"),
        default="auto",
        help="SHACL engine / SHACL-motor: auto (the fast engine, pyshacl for shapes it lacks; default), fast, "
        "pyshacl (the reference engine / referansemotoren)",
    )
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
    p.add_argument("--port", type=port_number, default=8000, help="TCP port, 1–65535 (default 8000)")
    p.add_argument("--base", default=None, help="serve the data under this base IRI instead of https://w3id.org/k2020graph/")
    p.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=10.0,
        metavar="SECONDS",
        help=f"per-query timeout in seconds, more than 0 and at most {MAX_TIMEOUT:g} (default 10)",
    )
    p.add_argument(
        "--cache-mb",
        type=cache_megabytes,
        default=64,  # Settings.cache_mb (the server is an extra, so not imported here)
        metavar="MB",
        help="memory for answers to repeated queries, kept while the data is unchanged "
        f"(0 to {MAX_CACHE_MB}; default %(default)s; 0: no cache)",
    )
    p.add_argument(
        "--client-parallel",
        type=parallel_queries,
        default=5,  # Settings.client_parallel
        metavar="N",
        help="queries in flight per client, told apart by address and User-Agent (default %(default)s; "
        "beyond: 429) / spørringer i gang per klient, kjent på adresse og User-Agent",
    )
    p.add_argument(
        "--client-budget",
        type=budget_seconds,
        default=60.0,  # Settings.client_budget
        metavar="SECONDS",
        help="query-seconds per client per minute (default %(default)g; beyond: 429 with Retry-After) / "
        "spørresekunder per klient per minutt",
    )
    p.add_argument(
        "--trusted-proxy",
        type=ip_address,
        action="append",
        default=[],
        metavar="ADDR",
        help="a reverse proxy whose X-Forwarded-For names the client (repeatable; otherwise the header is "
        "ignored) / en mellomtjener som X-Forwarded-For stoles på fra",
    )
    p.add_argument(
        "--no-limits",
        dest="limits",
        action="store_false",
        help="no per-client limits and no lanes: first come, first served (for comparison) / ingen grenser per klient",
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
    # rdflib logs a traceback for each literal it cannot convert (a date past 9999, say); the data's
    # ill-typed literals are refused with one clear line when loading (k2020graph.xsd), so keep it quiet.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
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
