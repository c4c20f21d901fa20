"""Guarded writes: the Graph Store Protocol at ``/store`` and SPARQL Update at ``/update``.

Only present when a write token is configured (``K2020GRAPH_WRITE_TOKEN`` or ``serve --token-file``).
Every write takes one road (see ``docs`` in the README, "Guarded writes"):

1. the token is checked (``Authorization: Bearer …``, compared in constant time with every token);
2. the write runs on a **staging copy** of the data (a new pyoxigraph store), never on the served one;
3. what it removed and added is placed into the data files (:func:`k2020graph.changes.persist.place`)
   and the changed files are rendered in house form (:mod:`k2020graph.changes.turtle_edit`);
4. the change (:class:`k2020graph.changes.Change`, the same object ``validate FILE…`` builds) is
   validated in context: a write that brings in a Violation answers 422 with the report, and nothing
   changes; warnings are returned and don't block;
5. an accepted change is written to the files (all or none), appended to the audit log, and the server
   swaps to the new data (:meth:`.context.Context.replace_data`).

Writers are serialised by one lock held by this application's :class:`Writes` (one server process
serves one data folder; two server processes writing the same folder are not supported).

Named graphs: ``<base>graph/<name>`` is the data file ``data/turtle/<name>.ttl`` (a PUT or POST to a
new name creates the file); the default graph (``?default``) is all the data files together. The
ontology is read-only here.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from ..changes import Change, ChangeReport, Snapshot, between, check
from ..changes.persist import audit_dir_of, audit_entry, commit, last_modified, place, recover, render
from ..changes.report import format_json, format_text
from ..changes.snapshot import from_project
from ..errors import InputError
from ..loading import KnowledgeGraph, LoadedFiles, parse_quads
from ..loading import _check_literals as check_literals
from ..namespaces import DEFAULT_BASE
from ..terms import to_rdflib
from ..validation import ValidationReport
from .context import Context, Problem
from .linkeddata import choose_lang
from .update_runner import UpdateFailed, UpdateTimeout, run_update

_GRAPH_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_MEDIA = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
_OUT = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def read_token_file(path: Path) -> tuple[tuple[str, str], ...]:
    """Named tokens from ``path``: ``name:token`` per line (``#`` comments), or TOML with a ``[tokens]``
    table (``name = "token"``). An :class:`InputError` that says what is wrong and where otherwise."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the token file / kan ikke lese tokenfilen: {exc}", path) from None
    tokens: list[tuple[str, str]] = []
    if path.suffix == ".toml" or raw.lstrip().startswith("["):
        import tomllib

        try:
            table = tomllib.loads(raw).get("tokens")
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"not valid TOML / ikke gyldig TOML: {exc}", path) from None
        if not isinstance(table, dict):
            raise InputError('no [tokens] table (name = "token") / ingen [tokens]-tabell', path)
        tokens = [(str(k), v) for k, v in table.items() if isinstance(v, str)]
    else:
        for n, line in enumerate(raw.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, token = line.partition(":")
            if not sep or not name.strip() or not token.strip():
                raise InputError("expected name:token / forventet navn:token", path, n)
            tokens.append((name.strip(), token.strip()))
    short = [name for name, token in tokens if len(token) < 16]
    if short:
        raise InputError(f"token of {short[0]!r} is shorter than 16 characters / tokenet er kortere enn 16 tegn", path)
    if not tokens:
        raise InputError("no tokens in the file / ingen token i filen", path)
    return tuple(tokens)


_RECORD_OF = "https://w3id.org/k2020graph/def#recordOf"


def touched(triples: set[ox.Triple]) -> list[str]:
    """The named resources ``triples`` are about: their subjects, and what a record is a record of."""
    out = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    out |= {t.object.value for t in triples if t.predicate.value == _RECORD_OF and isinstance(t.object, ox.NamedNode)}
    return sorted(out)


def check_token(given: str, tokens: tuple[tuple[str, str], ...]) -> str | None:
    """The name of the token ``given`` is, or None. Every token is compared, each in constant time."""
    found = None
    for name, token in tokens:
        if hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
            found = name
    return found


@dataclass
class Outcome:
    status: int
    body: dict[str, Any]
    report: Any = None


@dataclass
class Staged:
    """A change run on a staging copy and validated, not yet written: what :meth:`Writes.commit` writes."""

    change: Change
    report: ChangeReport
    contents: dict[Path, bytes]  # data file → its new text
    reparsed: dict[Path, list[ox.Quad]]  # data file → its new quads
    added: set[ox.Triple]
    removed: set[ox.Triple]
    version: str  # the data version it was staged on
    base: Snapshot

    @property
    def conforms(self) -> bool:
        return self.report.conforms


#: How many staged changes the change page keeps for "apply" (the oldest is dropped first).
PREVIEWS = 4


@dataclass
class Writes:
    """The write path of one application: its lock and what it remembers between writes."""

    ctx: Context
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: Snapshot | None = None
    report: ValidationReport | None = None  # the validation of ``snapshot``'s data (the data now served)
    compiled: Any = None  # the shapes, compiled once (k2020graph.shacl.compile_shapes)
    previews: OrderedDict[str, Staged] = field(default_factory=OrderedDict)

    @property
    def kg(self) -> KnowledgeGraph:
        assert self.ctx.kg is not None
        return self.ctx.kg

    @property
    def data_dir(self) -> Path:
        return self.kg.project.root / "data" / "turtle"

    @property
    def audit_dir(self) -> Path:
        return self.ctx.settings.audit_dir or audit_dir_of(self.kg.project.root)

    def graph_file(self, graph: str) -> Path:
        prefix = self.ctx.base + "graph/"
        name = graph[len(prefix) :] if graph.startswith(prefix) else ""
        if not _GRAPH_NAME.fullmatch(name):
            raise Problem.of(404 if not name else 400, "err_write_graph_name", graph=graph, prefix=prefix)
        return self.data_dir / f"{name}.ttl"

    def files(self) -> dict[Path, list[ox.Triple]]:
        return {path: [q.triple for q in quads] for path, quads in self.kg.data.quads.items()}

    # -- the one road --------------------------------------------------------------------------------
    # stage (staging copy → data files → Change → changes.check) and commit (files, audit log, swap).
    # The caller holds ``lock`` from staging to committing.

    def stage(self, mutate: Callable[[ox.Store], None], *, scope: Path | None, with_ontology: bool) -> Staged | None:
        """Run ``mutate`` on a staging copy of the data (of ``scope``'s file only, if given), place what
        it removed and added into the data files, and validate. None: the data would not change."""
        kg = self.kg
        files = self.files()
        staging = ox.Store()
        if scope is not None:
            staging.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in files.get(scope, []))
        else:
            if with_ontology:
                staging.bulk_extend(kg.ontology.all())
            staging.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for ts in files.values() for t in ts)
        before = set(staging)
        mutate(staging)
        after = set(staging)
        named = next((q for q in after if q.graph_name != ox.DefaultGraph()), None)
        if named is not None:
            raise Problem.of(400, "err_update_named", graph=str(named.graph_name))
        removed = {q.triple for q in before - after}
        added = {q.triple for q in after - before}
        if with_ontology:
            data_triples = {t for ts in files.values() for t in ts}
            ontology = [t for t in removed if t not in data_triples]
            if ontology:
                raise Problem.of(400, "err_write_ontology", count=len(ontology), example=f"{ontology[0]}")
        placed = place(files, removed, added, self.data_dir, scope)
        if not placed:
            return None
        contents = {path: render(path, triples) for path, triples in placed.items()}
        return self._validate(contents, added, removed)

    def stage_contents(self, contents: dict[Path, bytes]) -> Staged | None:
        """Validate new texts of data files (an import's corrections file, say). None: nothing changes."""
        files = self.files()
        added: set[ox.Triple] = set()
        removed: set[ox.Triple] = set()
        for path, data in contents.items():
            old, new = set(files.get(path, [])), {q.triple for q in parse_quads(data, path)}
            added |= new - old
            removed |= old - new
        if not added and not removed:
            return None
        return self._validate(contents, added, removed)

    def _validate(self, contents: dict[Path, bytes], added: set[ox.Triple], removed: set[ox.Triple]) -> Staged:
        kg = self.kg
        reparsed = {path: parse_quads(data, path) for path, data in contents.items()}
        base = self.snapshot or from_project(kg.project)
        root = kg.project.root
        changed_files = dict(base.files)
        for path, quads in reparsed.items():
            triples = frozenset(
                (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))  # type: ignore[arg-type]
                for q in quads
            )
            changed_files[path.relative_to(root).as_posix()] = triples  # type: ignore[assignment]
        change = between(base, Snapshot(changed_files))
        known = self.report if self.snapshot is base else None
        if self.compiled is None:
            from .. import shacl

            try:
                self.compiled = shacl.compile_shapes(change.graph("changed", "shapes"))
            except shacl.Unsupported:
                self.compiled = change.graph("changed", "shapes")
        report = check(change, base_report=known, shapes=self.compiled)
        self.snapshot, self.report = base, report.base  # the data served now, validated: kept for the next write
        return Staged(change, report, contents, reparsed, added, removed, self.ctx.version, base)

    def commit(self, staged: Staged | None, token: str, graph: str, operation: str) -> Outcome:
        """Write ``staged`` if it conforms: the files (all or none), the audit log, the swap to the new data."""
        if staged is None:
            return Outcome(200, {"status": "unchanged", "version": self.ctx.version, "added": 0, "removed": 0})
        if not staged.conforms:
            return Outcome(422, {}, staged.report)
        if staged.version != self.ctx.version:
            raise Problem.of(409, "err_change_stale")
        kg = self.kg
        root = kg.project.root
        files = [p.relative_to(root).as_posix() for p in staged.contents]
        entry = audit_entry(token, graph, operation, staged.added, staged.removed, files)
        commit(self.data_dir, staged.contents, self.audit_dir, entry)
        data = LoadedFiles(dict(kg.data.quads))
        for path, quads in staged.reparsed.items():
            data.quads[path] = quads
        data.quads = dict(sorted(data.quads.items()))
        new_kg = KnowledgeGraph(project=kg.project, ontology=kg.ontology, data=data, base=kg.base)
        self.snapshot, self.report = staged.change.changed, staged.report.changed
        self.previews.clear()  # staged on the data before this change: no longer to be applied
        self.ctx.replace_data(new_kg, modified=entry.time)
        warnings = json.loads(format_json(staged.report, "en"))
        return Outcome(
            200,
            {
                "status": "accepted",
                "version": self.ctx.version,
                "added": len(staged.added),
                "removed": len(staged.removed),
                "files": entry.files,
                "resources": touched(staged.added | staged.removed),
                "audit": entry.id,
                "results": warnings.get("results", []),
            },
        )

    def apply(
        self,
        mutate: Callable[[ox.Store], None],
        *,
        scope: Path | None,
        with_ontology: bool,
        token: str,
        graph: str,
        operation: str,
    ) -> Outcome:
        """Run ``mutate`` on a staging copy, validate, and commit (see the module's docstring)."""
        with self.lock:
            return self.commit(self.stage(mutate, scope=scope, with_ontology=with_ontology), token, graph, operation)

    # -- staged for later (the change page) ----------------------------------------------------------

    def keep(self, staged: Staged) -> str:
        """Keep ``staged`` for :meth:`apply_kept`; its id."""
        key = secrets.token_urlsafe(18)
        for cached in ("_graphs", "triples"):  # the change's rdflib graphs: rebuilt if ever read again
            staged.change.__dict__.pop(cached, None)
        self.previews[key] = staged
        while len(self.previews) > PREVIEWS:
            self.previews.popitem(last=False)
        return key

    def apply_kept(self, key: str, token: str, operation: str) -> Outcome:
        """Commit the change kept as ``key``, if the data is still what it was staged on."""
        with self.lock:
            staged = self.previews.pop(key, None)
            if staged is None:
                raise Problem.of(409, "err_change_stale")
            return self.commit(staged, token, "default", operation)


# -- HTTP --------------------------------------------------------------------------------------------


def _authorize(ctx: Context, request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="k2020graph writes"'}
    if scheme.lower() != "bearer" or not given.strip():
        raise Problem.of(401, "err_auth_missing", challenge)
    name = check_token(given.strip(), ctx.settings.write_tokens)
    if name is None:
        raise Problem.of(403, "err_auth_wrong", {"WWW-Authenticate": 'Bearer realm="k2020graph writes", error="invalid_token"'})
    return name


async def _body(ctx: Context, request: Request) -> bytes:
    limit = ctx.settings.max_write_body
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem.of(413, "err_write_too_big", limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem.of(413, "err_write_too_big", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_body(data: bytes, media: str, base_iri: str) -> list[ox.Triple]:
    fmt = _MEDIA.get(media)
    if fmt is None:
        raise Problem.of(415, "err_write_media", media=media or "-")
    try:
        quads = list(ox.parse(data, format=fmt, base_iri=base_iri))
        check_literals(quads, Path("request body"), data)  # the loader's check: no ill-typed literal
    except InputError as exc:
        raise Problem.of(400, "err_write_parse", media=media, message=str(exc)) from None
    except (SyntaxError, ValueError) as exc:
        raise Problem.of(400, "err_write_parse", media=media, message=str(exc)) from None
    if any(q.graph_name != ox.DefaultGraph() for q in quads):
        raise Problem.of(400, "err_write_parse", media=media, message="named graphs in the body / navngitte grafer i innholdet")
    return [q.triple for q in quads]


def _wants_text(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/plain" in accept and "application/json" not in accept


def _answer(request: Request, outcome: Outcome) -> Response:
    if outcome.status == 422:
        lang = choose_lang(request)
        if _wants_text(request):
            return PlainTextResponse(format_text(outcome.report, lang), status_code=422, headers={"Content-Language": lang})
        body = json.loads(format_json(outcome.report, lang))
        return JSONResponse({"status": "rejected", **body}, status_code=422, headers={"Content-Language": lang})
    return JSONResponse(outcome.body, status_code=outcome.status, headers={"ETag": f'"{outcome.body["version"]}"'})


def make_router(ctx: Context, writes: Writes) -> APIRouter:
    router = APIRouter(tags=["Writes"])

    def target(request: Request, creating: bool) -> tuple[Path | None, str]:
        params = request.query_params
        graph = params.get("graph")
        if (graph is None) == ("default" not in params):
            raise Problem.of(400, "err_write_graph_param")
        if graph is None:
            return None, "default"
        path = writes.graph_file(graph)
        if not creating and not path.exists():
            raise Problem.of(404, "err_write_graph_unknown", graph=graph, prefix=ctx.base + "graph/")
        return path, graph

    async def run(
        request: Request,
        mutate: Callable[[ox.Store], None],
        scope: Path | None,
        graph: str,
        operation: str,
        with_ontology: bool = False,
    ) -> Response:
        token = _authorize(ctx, request)
        outcome = await asyncio.to_thread(
            writes.apply, mutate, scope=scope, with_ontology=with_ontology, token=token, graph=graph, operation=operation
        )
        return _answer(request, outcome)

    @router.get("/store", summary="Graph Store Protocol: read a graph (a data file, or all the data)")
    def store_get(request: Request) -> Response:
        _authorize(ctx, request)
        scope, _graph = target(request, creating=False)
        kg = writes.kg
        quads = kg.data.quads.get(scope, []) if scope is not None else list(kg.data.all())
        accept = request.headers.get("accept", "")
        media = next((m for m in _OUT if m in accept), "text/turtle")
        out = ox.serialize((q.triple for q in quads), format=_OUT[media])
        return Response(out, media_type=media, headers={"ETag": ctx.etag("store", _graph)})

    async def store_write(request: Request, operation: str) -> Response:
        _authorize(ctx, request)
        scope, graph = target(request, creating=operation in ("PUT", "POST"))
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        triples: list[ox.Triple] = []
        if operation != "DELETE":
            triples = _parse_body(await _body(ctx, request), media, ctx.base)

        def mutate(staging: ox.Store) -> None:
            if operation in ("PUT", "DELETE"):
                staging.clear()
            staging.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)

        return await run(request, mutate, scope, graph, operation)

    @router.put("/store", summary="Graph Store Protocol: replace a graph")
    async def store_put(request: Request) -> Response:
        return await store_write(request, "PUT")

    @router.post("/store", summary="Graph Store Protocol: add to a graph")
    async def store_post(request: Request) -> Response:
        return await store_write(request, "POST")

    @router.delete("/store", summary="Graph Store Protocol: empty a graph")
    async def store_delete(request: Request) -> Response:
        return await store_write(request, "DELETE")

    @router.post("/update", summary="SPARQL 1.1 Update, validated before it takes effect")
    async def update(request: Request) -> Response:
        _authorize(ctx, request)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await _body(ctx, request)
        if media == "application/sparql-update":
            text = body.decode("utf-8", "replace")
        elif media == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qs

            values = parse_qs(body.decode("utf-8", "replace")).get("update", [])
            if len(values) != 1:
                raise Problem.of(400, "err_update_missing")
            text = values[0]
        else:
            raise Problem.of(400, "err_update_missing")
        inspection = ctx.inspect(text)
        if inspection.refusal is not None:
            raise Problem.of(400, "err_update_refused", what=inspection.refusal)
        if inspection.form != "UPDATE":
            raise Problem.of(400, "err_update_form")

        def mutate(staging: ox.Store) -> None:
            # in a child process stopped after the timeout: a runaway update never holds the write lock for long
            try:
                removed, added = run_update(staging, text, ctx.base, ctx.settings.timeout)
            except UpdateFailed as exc:
                raise Problem.of(400, "err_update_syntax", message=str(exc)) from None
            except UpdateTimeout as exc:
                raise Problem.of(503, "err_update_timeout", {"Retry-After": "1"}, seconds=exc.seconds) from None
            for q in removed:
                staging.remove(q)
            staging.bulk_extend(added)

        return await run(request, mutate, None, "default", "UPDATE", with_ontology=True)

    return router


def setup(ctx: Context) -> Writes:
    """The write path for ``ctx``: finishes an interrupted commit first (then the data must be loaded
    again, which :func:`.app.run` does by calling :func:`prepare` before loading)."""
    if ctx.kg is None:
        raise ValueError("writes need a KnowledgeGraph loaded from a project")
    if ctx.base != DEFAULT_BASE:
        raise ValueError(Problem.of(500, "err_write_base", base=DEFAULT_BASE).message)
    writes = Writes(ctx)
    ctx.modified = last_modified(writes.audit_dir)
    return writes


def prepare(root: Path) -> bool:
    """Before loading a project served with writes: finish a commit a crash interrupted (see
    :func:`k2020graph.changes.persist.recover`). True when one was finished."""
    return recover(root / "data" / "turtle")
