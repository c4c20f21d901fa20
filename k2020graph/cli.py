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
  k2020graph validate my-change.ttl
  k2020graph diff --git HEAD~1 HEAD
  k2020graph export --table tiltak --format csv -o tiltak.csv
  k2020graph import --table tiltak tiltak.csv --apply
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


def _load(args: argparse.Namespace, data_files: Sequence[Path] | None = None, derive: bool = True):  # type: ignore[no-untyped-def]
    from .loading import KnowledgeGraph
    from .project import Project

    return KnowledgeGraph.load(Project.at(args.root), data_files, derive=derive)


def _catalogue(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .project import Project
    from .queries import load_catalogue

    return load_catalogue(Project.at(args.root).query_files)


def cmd_validate(args: argparse.Namespace) -> int:
    if args.paths or args.changed_since is not None:
        return _validate_change(args)
    from .validation import FORMATTERS, validate_graphs

    kg = _load(args)
    # The data with the derived direct layer: the shapes check both (rules/*.rq, k2020graph/derive.py).
    # The SPARQL constraints run on the store already loaded rather than one built again from the graphs,
    # and the rdflib graphs are built only if pyshacl has to take over (they cost more than validating).
    held = kg.held_store() if args.engine != "pyshacl" else None
    report = validate_graphs(
        lambda: kg.data_and_derived_graph, kg.shapes_graph, lambda: kg.ontology_graph, engine=args.engine, held=held
    )
    sys.stdout.write(FORMATTERS[args.format](report, args.lang))
    return 0 if report.conforms else 1


def _validate_change(args: argparse.Namespace) -> int:
    """``validate FILE…`` and ``validate --changed-since REV``: the results that the change brings in."""
    from . import changes
    from .changes.report import FORMATTERS
    from .project import Project

    if args.paths and args.changed_since is not None:
        raise InputError(
            "give data files or --changed-since REV, not both / oppgi datafiler eller --changed-since REV, ikke begge"
        )
    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.is_file():
            raise InputError("no such file / filen finnes ikke", p)
    project = Project.at(args.root)
    change = changes.since(project, args.changed_since) if args.changed_since is not None else changes.with_files(project, paths)
    from .derive import read_rules
    from .validation import validate_graphs

    def validate(data, shapes, ontology):  # type: ignore[no-untyped-def]
        return validate_graphs(data, shapes, ontology, engine=args.engine)

    report = changes.check(change, validate, rules=read_rules(project.rule_files))
    sys.stdout.write(FORMATTERS[args.format](report, args.lang, args.all))
    return 0 if report.conforms else 1


def cmd_diff(args: argparse.Namespace) -> int:
    from .changes import diff, snapshot
    from .project import Project

    if args.git:
        if not 1 <= len(args.old_new) <= 2:
            raise InputError(
                "--git takes one revision (against the work tree) or two / --git tar én revisjon (mot arbeidstreet) eller to"
            )
        project = Project.at(args.root)
        old = snapshot.from_git(project, args.old_new[0], ("data",)).graph("data")
        if len(args.old_new) == 2:
            new = snapshot.from_git(project, args.old_new[1], ("data",)).graph("data")
        else:
            new = snapshot.from_project(project).graph("data")
        vocabulary = [snapshot.from_project(project).graph("ontology")]
    else:
        if len(args.old_new) != 2:
            raise InputError(
                "give OLD and NEW (two files or two directories), or --git REV [REV] / "
                "oppgi GAMMEL og NY (to filer eller to mapper), eller --git REV [REV]"
            )
        sides = [Path(p) for p in args.old_new]
        for side in sides:
            if not side.exists():
                raise InputError("no such file or directory / filen eller mappen finnes ikke", side)
        if sides[0].is_dir() != sides[1].is_dir():
            raise InputError("compare two files or two directories, not one of each / sammenlign to filer eller to mapper")
        old, new = (_diff_side(side) for side in sides)
        vocabulary = _vocabulary(args.root)
    result = diff.diff_graphs(old, new, vocabulary)
    _write(diff.FORMATTERS[args.format](result, args.lang).encode("utf-8"), args.output)
    return 0


def _diff_side(path: Path):  # type: ignore[no-untyped-def]
    """The triples of a Turtle file, or of the ``*.ttl`` files in a directory."""
    from .loading import load_files

    if path.is_dir():
        files = sorted(path.glob("*.ttl"))
        if not files:
            raise InputError("no *.ttl files in this directory / ingen *.ttl-filer i mappen", path)
    else:
        files = [path]
    return load_files(files).graph()


def _vocabulary(root: str) -> list:  # type: ignore[type-arg]
    """The ontology of the project at ``root`` (it names the properties), if ``root`` is a project."""
    from .loading import load_files
    from .project import Project

    try:
        project = Project.at(root)
    except InputError:
        return []
    return [load_files(project.ontology_files).graph()]


def cmd_import(args: argparse.Namespace) -> int:
    """``import --table tiltak FILE``: the edited table as a change (diff, validation in context, ``--apply``)."""
    import getpass
    from datetime import UTC, datetime

    from . import changes, exports
    from .changes import diff
    from .changes import table_import as ti
    from .changes.report import format_text
    from .project import Project
    from .queries import load_catalogue

    path = Path(args.file)
    ti.read_table(path)  # unusable input fails before the data is loaded
    project = Project.at(args.root)
    kg = _load(args)
    current = exports.tiltak_table(kg.store, load_catalogue(project.query_files))
    author = args.author or getpass.getuser()
    imported = ti.plan_import(project, path, current, author, datetime.now(UTC))
    out = sys.stdout
    lang = args.lang

    def say(nb: str, en: str) -> None:
        out.write((nb if lang == "nb" else en) + "\n")

    for edit in imported.edits:
        out.write(edit.text(lang) + "\n")
    if imported.problems:
        say("Kan ikke overføres:", "Cannot be mapped:")
        for problem in imported.problems:
            out.write("  " + problem.text(lang) + "\n")
    change = imported.change
    if change is None or change.is_empty:
        if imported.problems:
            say("Ingenting er skrevet.", "Nothing was written.")
            return 2
        say("Ingen endringer: tabellen sier det dataene sier.", "No changes: the table says what the data says.")
        return 0
    semantic = diff.diff_graphs(change.graph("base", "data"), change.graph("changed", "data"), [change.graph("base", "ontology")])
    out.write("\n" + diff.format_text(semantic, lang))
    report = changes.check(change)
    out.write("\n" + format_text(report, lang))
    if imported.problems:
        say("Ingenting er skrevet: rett radene over først.", "Nothing was written: fix the rows above first.")
        return 2
    if not report.conforms:
        say("Ingenting er skrevet.", "Nothing was written.")
        return 1
    if not args.apply:
        say("Ikke skrevet (bruk --apply).", "Not written (use --apply).")
        return 0
    target = ti.apply_import(project, imported, f"cli:{author}")
    say(f"Skrevet: {target}", f"Written: {target}")
    return 0


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
    store = _remote_store(args) if args.endpoint else _load(args).store
    result = query.run(store, params)
    _write(FORMATS[args.format](result).encode("utf-8"), args.output)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    import json

    from .search import build_index, format_text, parse_query, search

    parse_query(args.text)  # an unusable search text is refused before the data is loaded
    kg = _load(args)
    results = search(build_index(kg.store.raw.quads_for_pattern(None, None, None), kg.base), args.text, args.lang, args.limit)
    if args.format == "json":
        out = json.dumps(results.as_dict(), ensure_ascii=False, indent=2) + "\n"
    else:
        out = format_text(results)
    _write(out.encode("utf-8"), None)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from . import exports

    if args.table and args.no_derived:
        raise InputError(
            "--no-derived applies to the graph export, not to --table / --no-derived gjelder grafeksporten, ikke --table"
        )
    kg = _load(args, derive=not args.no_derived)
    if args.profile:
        return _export_profile(args, kg)
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
    _write(exports.export_graph(kg.base_full_graph if args.no_derived else kg.full_graph, fmt), args.output)
    return 0


def _public_url(raw: str | None, default: str) -> str:
    from .server.context import check_public_url

    try:
        return check_public_url(raw) if raw is not None else default
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _export_profile(args: argparse.Namespace, kg) -> int:  # type: ignore[no-untyped-def]
    """``export --profile``: the profile's graph on the output, each gap as one line on standard error."""
    from . import exports
    from .profiles import export_profile

    if args.table:
        raise InputError("--profile and --table exclude each other / --profile og --table kan ikke brukes sammen")
    fmt = args.format or "turtle"
    if fmt not in exports.GRAPH_FORMATS:
        raise InputError(f"unknown export format {fmt!r} (choose from {', '.join(exports.GRAPH_FORMATS)})")
    metadata = Path(args.catalog_metadata) if args.catalog_metadata else None
    result = export_profile(kg, args.profile, _public_url(args.public_url, kg.base), metadata)
    _write(exports.export_graph(result.graph, fmt), args.output)
    for gap in result.gaps:
        sys.stderr.write(f"k2020graph: {gap.line()}\n")
    if result.gaps:
        mandatory = sum(g.mandatory for g in result.gaps)
        sys.stderr.write(
            f"k2020graph: {len(result.gaps)} verdier mangler i kildene, {mandatory} av dem påkrevd av profilen / "
            f"{len(result.gaps)} values missing from the sources, {mandatory} of them mandatory in the profile\n"
        )
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
    if args.catalog_metadata:  # unusable before the server starts, not at the first request
        from .profiles import load_metadata

        load_metadata(Path(args.catalog_metadata), "http://localhost/catalog")
    settings = Settings(
        base=args.base,
        timeout=args.timeout,
        cache_mb=args.cache_mb,
        public_url=public_url,
        limits=args.limits,
        client_parallel=args.client_parallel,
        client_budget=args.client_budget,
        trusted_proxies=tuple(args.trusted_proxy),
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        keepalive_timeout=args.keepalive_timeout,
        max_connections_per_client=args.max_connections_per_client,
        max_connections=args.max_connections,
        catalog_metadata=Path(args.catalog_metadata) if args.catalog_metadata else None,
        write_tokens=_write_tokens(args),
        audit_dir=Path(args.audit_dir) if args.audit_dir else None,
    )
    store_dir = Path(args.store_dir) if args.store_dir else None
    if store_dir is not None and args.store is not None:
        raise InputError("give either --store-dir or --store, not both / oppgi enten --store-dir eller --store")
    if settings.write_tokens and (store_dir is not None or args.store is not None):
        raise InputError(
            "writes (a write token) need the data in memory, not --store-dir or --store / "
            "skriving krever dataene i minnet, ikke --store-dir eller --store"
        )
    remote = _served_remote(args) if args.store is not None else None
    run(Project.at(args.root), host=args.host, port=args.port, settings=settings, store_dir=store_dir, store=remote)
    return 0


def _write_tokens(args: argparse.Namespace) -> tuple[tuple[str, str], ...]:
    """The write tokens: ``--token-file``'s named tokens and ``K2020GRAPH_WRITE_TOKEN`` (named "env")."""
    import os

    from .namespaces import DEFAULT_BASE

    tokens: tuple[tuple[str, str], ...] = ()
    if args.token_file:
        from .server.writes import read_token_file

        tokens = read_token_file(Path(args.token_file))
    env = os.environ.get("K2020GRAPH_WRITE_TOKEN", "").strip()
    if env:
        if len(env) < 16:
            raise InputError(
                "K2020GRAPH_WRITE_TOKEN is shorter than 16 characters / K2020GRAPH_WRITE_TOKEN er kortere enn 16 tegn"
            )
        tokens += (("env", env),)
    if tokens and args.base is not None and args.base != DEFAULT_BASE:
        raise InputError(
            f"writes (a write token) need the data served under {DEFAULT_BASE}, not --base {args.base} / "
            f"skriving krever at dataene vises under {DEFAULT_BASE}"
        )
    return tokens


def cmd_load(args: argparse.Namespace) -> int:
    from .loading import KnowledgeGraph
    from .namespaces import DEFAULT_BASE
    from .ondisk import load_store_dir
    from .project import Project

    kg = KnowledgeGraph.load(Project.at(args.root), base=args.base or DEFAULT_BASE)
    record = load_store_dir(kg, Path(args.store_dir))
    sys.stdout.write(
        f"loaded {record.triples} triples (data version {record.version}) into {args.store_dir} / "
        f"lastet {record.triples} tripler inn i {args.store_dir}\n"
    )
    return 0


PASSWORD_ENV = "K2020GRAPH_PASSWORD"


def _remote(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The :class:`~k2020graph.remote.Remote` the store options name (the password never in a message)."""
    import os

    from .remote import Remote

    password = args.password if args.password is not None else os.environ.get(PASSWORD_ENV)
    if args.token is not None and args.user is not None:
        raise InputError("give either --user/--password or --token, not both / oppgi enten --user/--password eller --token")
    if password is not None and args.user is None:
        raise InputError("--password needs --user / --password krever --user")
    return Remote(
        endpoint=args.endpoint,
        graph=None if args.graph == "default" else args.graph,
        gsp=getattr(args, "gsp", None),
        user=args.user,
        password=password,
        token=args.token,
        timeout=args.store_timeout,
    )


def _served_remote(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """``serve --store URL``: the remote store, its graph and credentials (the store options, without --endpoint)."""
    args.endpoint = args.store
    return _remote(args)


def _remote_store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .remote import RemoteStore

    return RemoteStore(_remote(args))


def cmd_publish(args: argparse.Namespace) -> int:
    from .remote import publish, shown

    remote = _remote(args)
    remote.gsp_url()  # a URL it cannot derive is refused before the data is loaded
    kg = _load(args)
    data = kg.store.dump()
    result = publish(remote, data, len(kg.store))
    graph = f"<{result.graph}>" if result.graph else "the default graph / standardgrafen"
    sys.stdout.write(
        f"published {result.found} triples into {graph} at {shown(result.gsp)} / publiserte {result.found} tripler\n"
    )
    return 0


def _store_options(p: argparse.ArgumentParser, required: bool, endpoint: bool = True) -> None:
    """The options that name an external SPARQL 1.1 store and how to reach it."""
    from .namespaces import DEFAULT_GRAPH  # not from .remote: building the parser need not import the HTTP client

    if endpoint:
        p.add_argument(
            "--endpoint",
            required=required,
            metavar="URL",
            help="the store's SPARQL query endpoint (Oxigraph server: http://HOST:7878/query, Virtuoso: "
            "http://HOST:8890/sparql) / lagerets SPARQL-endepunkt",
        )
    p.add_argument(
        "--graph",
        default=DEFAULT_GRAPH,
        metavar="IRI",
        help="the named graph that holds the knowledge graph ('default': the default graph; "
        "default %(default)s) / den navngitte grafen",
    )
    p.add_argument("--user", help="user name for the store / brukernavn")
    p.add_argument(
        "--password",
        help=f"password for --user (or set {PASSWORD_ENV}, which ps cannot show) / passord (eller {PASSWORD_ENV})",
    )
    p.add_argument("--token", help="a bearer token for the store / et tilgangstoken")
    p.add_argument(
        "--store-timeout",
        type=timeout_seconds,
        default=60.0,
        metavar="SECONDS",
        help="seconds to wait for the store's answer (default %(default)g) / sekunder å vente på lageret",
    )


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


def _whole(raw: str, low: int, high: int, what_en: str, what_nb: str) -> int:
    """``raw`` as a whole number in [low, high]; else the parser's one-line error naming the range."""
    value = int(_number(raw, int, f"a whole number ({what_en}, {low}–{high})", f"et heltall ({what_nb}, {low}–{high})"))
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(
            f"{what_en} must be {low}–{high}, not {value} / {what_nb} må være {low}–{high}, ikke {value}"
        )
    return value


def port_number(raw: str) -> int:
    """A TCP port, 1–65535."""
    return _whole(raw, 1, 65535, "the TCP port", "TCP-porten")


def _seconds(raw: str, most: float, what_en: str, what_nb: str) -> float:
    """``raw`` as a finite number of seconds above 0 and at most ``most``; else the parser's one-line error."""
    value = _number(raw, float, "a number of seconds", "et antall sekunder")
    if not (math.isfinite(value) and 0 < value <= most):
        raise argparse.ArgumentTypeError(
            f"{what_en} must be more than 0 and at most {most:g} seconds, not {raw} / "
            f"{what_nb} må være over 0 og høyst {most:g} sekunder, ikke {raw}"
        )
    return value


def timeout_seconds(raw: str) -> float:
    """A finite number of seconds, above 0 and at most a day."""
    return _seconds(raw, MAX_TIMEOUT, "the timeout", "tidsavbruddet")


def cache_megabytes(raw: str) -> int:
    """0 (no cache) up to :data:`MAX_CACHE_MB`."""
    return _whole(raw, 0, MAX_CACHE_MB, "the cache size in MB (0: none)", "hurtigbufferet i MB (0: ingen)")


def parallel_queries(raw: str) -> int:
    """Queries one client may have running or waiting at once: 1–1000."""
    return _whole(raw, 1, 1000, "the number of queries", "antall spørringer")


def budget_seconds(raw: str) -> float:
    """Query-seconds per client per minute: a finite number above 0."""
    return _seconds(raw, 86_400, "the budget", "budsjettet")


def limit_seconds(raw: str) -> float:
    """A client's time for a request's head or body, or a connection's idle time: above 0, at most an hour."""
    return _seconds(raw, 3600, "the time", "tiden")


def connection_count(raw: str) -> int:
    """Open connections at most: 1–1 000 000."""
    return _whole(raw, 1, 1_000_000, "the number of connections", "antall forbindelser")


def ip_address(raw: str) -> str:
    """An IPv4 or IPv6 address."""
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an IP address / {raw!r} er ikke en IP-adresse") from None


def _search_limit(raw: str) -> int:
    """Results per kind: 1–100."""
    value = int(_number(raw, int, "a number of results", "et antall treff"))
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"give 1–100 results, not {value} / oppgi 1–100 treff, ikke {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="k2020graph", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = _Parser(add_help=False)
    common.add_argument(
        "--root",
        default=None,
        metavar="DIR",
        help="project root holding ontology/, data/turtle/, shapes/, queries/ (default: the nearest one at or above "
        "the working directory) / prosjektroten (standard: den nærmeste i eller over arbeidsmappen)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "validate",
        parents=[common],
        help="validate data against the SHACL shapes / valider data mot SHACL-formene",
        description="Validate the ontology and data (or the given data files) against shapes/. "
        "Exit 0: conforms (warnings allowed); 1: at least one violation; 2: unusable input.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="FILE",
        help="a change: the repository's data with these files (one named like a data file replaces it, another is "
        "added); reports the results the change brings in / en endring: dataene med disse filene",
    )
    p.add_argument(
        "--changed-since",
        metavar="REV",
        help="the work tree against git revision REV (ontology, shapes, data): the results the change introduced / "
        "arbeidstreet mot git-revisjonen REV",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="with a change, list every result, the new ones marked / med en endring, vis alle resultater",
    )
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

    p = sub.add_parser(
        "diff",
        parents=[common],
        help="the changes between two versions of the data, per resource / endringene mellom to versjoner av dataene",
        description="Compare two Turtle files, two directories of *.ttl files, or (--git) the data at two git "
        "revisions of --root's repository (one revision: against the work tree). Changes are grouped per resource, "
        "with labels; blank nodes are compared by structure.",
    )
    p.add_argument("old_new", nargs="+", metavar="OLD NEW", help="two files, two directories, or with --git one or two revisions")
    p.add_argument("--git", action="store_true", help="OLD and NEW are git revisions (NEW omitted: the work tree)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=("nb", "en"), default="nb", help="language of labels (default nb)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "import",
        parents=[common],
        help="read an edited tiltak table back as a change / les en redigert tiltakstabell som en endring",
        description="Read an edited copy of 'export --table tiltak' (csv or xlsx; a CSV saved by Excel with ';' and a "
        "BOM too): each edited cell becomes a data steward's correction, a record of a source of its own in "
        "data/turtle/corrections.ttl. Shows the cell edits, what cannot be mapped (row by row), the semantic diff and "
        "the validation in context; --apply writes it. Exit 0: ok; 1: the change brings in a violation; 2: unusable "
        "input or cells that cannot be mapped (nothing is written).",
    )
    p.add_argument("file", metavar="FILE", help="the edited table, .csv or .xlsx")
    p.add_argument("--table", choices=("tiltak",), required=True, help="which table (tiltak)")
    p.add_argument("--apply", action="store_true", help="write the change to the data files / skriv endringen")
    p.add_argument("--author", help="who made the correction (dct:creator; default: the login name)")
    p.add_argument("--lang", choices=("nb", "en"), default="nb", help="language of the report (default nb)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("queries", parents=[common], help="list the canned queries / list ferdige spørringer")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=("nb", "en"), default="nb")
    p.set_defaults(func=cmd_queries)

    p = sub.add_parser("query", parents=[common], help="run a canned query / kjør en ferdig spørring")
    p.add_argument("name", help="the query's name (see 'k2020graph queries')")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a parameter value (repeatable)")
    p.add_argument("--format", choices=("table", "csv", "tsv", "json"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    _store_options(p, required=False)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser(
        "search",
        parents=[common],
        help="search names, titles, goals and notes / søk i navn, titler, mål og merknader",
        description="Full-text search over the graph's names, titles, goals and notes (nb, nn, en); inflected "
        "forms and typos are found too. Results grouped by kind. Exit 2: no words to search for.",
    )
    p.add_argument("text", help="the words to search for / ordene det skal søkes etter")
    p.add_argument("--lang", choices=("nb", "en"), default="nb", help="language of names and headings (default nb)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--limit", type=_search_limit, default=20, metavar="N", help="results per kind, 1–100 (default 20)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser(
        "publish",
        parents=[common],
        help="load the graph into a SPARQL 1.1 store / last grafen inn i et SPARQL 1.1-lager",
        description="Replace a named graph of a SPARQL 1.1 store with the knowledge graph in one Graph Store "
        "Protocol PUT, then check its triple count with SPARQL. Exit 0: published and counted; 1: the count "
        "differs; 2: unusable input, or the store is unreachable or refuses. Nothing local changes.",
    )
    _store_options(p, required=True)
    p.add_argument(
        "--gsp",
        metavar="URL",
        help="the store's Graph Store Protocol address (default: derived from --endpoint: Oxigraph /store, "
        "Virtuoso /sparql-graph-crud-auth, Fuseki /DATASET/data)",
    )
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser(
        "export", parents=[common], help="export the graph or the tiltak table / eksporter grafen eller tiltakstabellen"
    )
    p.add_argument("--format", help="turtle|ntriples|jsonld|rdfxml|trig for the graph; csv|xlsx with --table")
    p.add_argument("--table", choices=("tiltak",), help="the flat table for spreadsheet users")
    p.add_argument(
        "--profile",
        choices=("dcat-ap-no", "cpsv-ap-no"),
        help="the graph for another register: dcat-ap-no (catalogue for data.norge.no) or cpsv-ap-no (grant "
        "schemes as public services); values the sources lack are listed on standard error / for et annet register",
    )
    p.add_argument(
        "--catalog-metadata",
        metavar="FILE",
        help="catalogue metadata for --profile dcat-ap-no (default data/catalog/catalog.ttl under --root)",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="where the server is reached, for the catalogue's download and endpoint addresses (default: the data's base IRI)",
    )
    p.add_argument(
        "--no-derived",
        action="store_true",
        help="leave out the derived direct layer (rules/*.rq), for stores that derive it themselves / "
        "utelat det utledede direkte laget",
    )
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
    # The defaults are Settings' (the server is an extra, so not imported here).
    p.add_argument(
        "--header-timeout",
        type=limit_seconds,
        default=10.0,
        metavar="SECONDS",
        help="seconds a client has for a request's line and headers / sekunder en klient får til "
        "forespørselens linje og hoder (default %(default)g)",
    )
    p.add_argument(
        "--body-timeout",
        type=limit_seconds,
        default=30.0,
        metavar="SECONDS",
        help="seconds a client has for a request's whole body / sekunder en klient får til hele "
        "forespørselens innhold (default %(default)g)",
    )
    p.add_argument(
        "--keepalive-timeout",
        type=limit_seconds,
        default=5.0,
        metavar="SECONDS",
        help="seconds an idle connection is kept open / sekunder en ubrukt forbindelse holdes åpen (default %(default)g)",
    )
    p.add_argument(
        "--max-connections-per-client",
        type=connection_count,
        default=32,
        metavar="N",
        help="open connections from one address at most, not for a --trusted-proxy / høyst så mange åpne "
        "forbindelser fra én adresse, ikke for en --trusted-proxy (default %(default)s)",
    )
    p.add_argument(
        "--max-connections",
        type=connection_count,
        default=512,
        metavar="N",
        help="open connections in all at most / høyst så mange åpne forbindelser i alt (default %(default)s)",
    )
    p.add_argument(
        "--catalog-metadata",
        metavar="FILE",
        help="catalogue metadata for /catalog (default data/catalog/catalog.ttl under --root) / katalogmetadata",
    )
    p.add_argument(
        "--token-file",
        metavar="FILE",
        help="enable writes (/store, /update) for the named tokens in FILE (name:token per line, or TOML [tokens]); "
        "K2020GRAPH_WRITE_TOKEN also enables them / slå på skriving for de navngitte tokenene i FILE",
    )
    p.add_argument(
        "--audit-dir",
        metavar="DIR",
        help="folder of the writes' audit log (default .k2020graph/audit under --root) / mappe for revisjonsloggen",
    )
    p.add_argument(
        "--store-dir",
        metavar="DIR",
        help="serve the on-disk store in DIR (RocksDB), for data that does not fit in memory; loaded from the "
        "project first if DIR holds none ('k2020graph load --store-dir DIR' reloads it) / lageret på disk i DIR",
    )
    p.add_argument(
        "--store",
        metavar="URL",
        help="serve the graph published in this SPARQL 1.1 store (its query endpoint; see 'k2020graph publish') "
        "instead of loading it / server grafen som er publisert i dette lageret",
    )
    _store_options(p, required=False, endpoint=False)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "load",
        parents=[common],
        help="load the graph into an on-disk store / last grafen inn i et lager på disk",
        description="Write the ontology and data into an on-disk store (pyoxigraph on RocksDB) in DIR, replacing "
        "what it held, for 'k2020graph serve --store-dir DIR'.",
    )
    p.add_argument("--store-dir", required=True, metavar="DIR", help="the store's directory (created if missing)")
    p.add_argument("--base", default=None, help="load the data under this base IRI instead of https://w3id.org/k2020graph/")
    p.set_defaults(func=cmd_load)
    return parser


#: Commands that work without a project (on the files they are given): no error when none is found.
ROOT_OPTIONAL = {"diff"}


def _default_root(args: argparse.Namespace) -> Path:
    """``--root``'s default: the nearest project root at or above the working directory."""
    from .project import find_root

    try:
        return find_root(Path.cwd())
    except InputError:
        if args.command in ROOT_OPTIONAL:
            return Path(".")
        raise


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # rdflib logs a traceback for each literal it cannot convert (a date past 9999, say); the data's
    # ill-typed literals are refused with one clear line when loading (k2020graph.xsd), so keep it quiet.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    try:
        if "root" in args and args.root is None:
            args.root = str(_default_root(args))
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
