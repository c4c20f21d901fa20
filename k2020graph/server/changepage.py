"""The change page (``/change``): upload a Turtle file or an edited tiltak table, see the semantic diff
and the validation report, and apply it with a write token. Present only when writes are enabled.

Two steps, both through the one road of :mod:`.writes` (staging copy → data files → ``changes.check`` →
commit with journal and audit log):

1. ``POST /change`` (a multipart form: the file, the token, for a table the author): the change is staged
   and validated under the write lock, kept in memory (:meth:`.writes.Writes.keep`) and shown. A Turtle
   file named like a data file (``tiltak-k2020.ttl``) replaces it; any other adds its statements, each
   placed in the file of the resource it describes. A ``.csv`` or ``.xlsx`` file is an edited copy of
   ``export --table tiltak`` (:mod:`k2020graph.changes.table_import`).
2. ``POST /change/apply`` (the kept change's id): written if the data is still what it was checked on.

The token: a form field, or ``Authorization: Bearer …`` as the page's script sends it (``/static/change.js``).
Never a cookie, so another site cannot make a browser apply a change (no CSRF); the token is never
written into a page. Checking needs the token too: a check costs a validation under the write lock.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from rdflib import BNode
from rdflib.term import Node
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request as StarletteRequest

from ..changes import diff as diffs
from ..changes.report import format_json as report_json
from ..errors import InputError
from ..terms import to_oxigraph
from .context import Context, Problem
from .linkeddata import Site, choose_lang
from .texts import text
from .views import TermView
from .writes import Staged, Writes, _body, _parse_body, check_token

SUFFIXES = (".ttl", ".csv", ".xlsx")


@dataclass
class ChangeView:
    """What the page shows of a checked change."""

    key: str | None = None  # the kept change's id (None: nothing to apply)
    conforms: bool = True
    empty: bool = False
    resources: list[dict[str, Any]] = field(default_factory=list)  # the semantic diff, per resource
    added: int = 0
    removed: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)  # the new results
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    edits: list[str] = field(default_factory=list)  # a table's cell edits
    problems: list[str] = field(default_factory=list)  # a table's unmappable cells


def _given_token(request: Request, form_token: str | None) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and given.strip():
        return given.strip()
    return (form_token or "").strip()


def _authorize(ctx: Context, request: Request, form_token: str | None) -> str:
    given = _given_token(request, form_token)
    if not given:
        raise Problem.of(401, "err_change_token_missing")
    name = check_token(given, ctx.settings.write_tokens)
    if name is None:
        raise Problem.of(403, "err_auth_wrong")
    return name


def _value(site: Site, node: Node, blank: str | None, lang: str) -> TermView:
    if blank is not None or isinstance(node, BNode):
        return TermView("bnode", blank or "[]")
    return site.labels.term(to_oxigraph(node), lang)


def _view(site: Site, staged: Staged | None, lang: str) -> ChangeView:
    view = ChangeView()
    if staged is None:
        view.empty = True
        return view
    change = staged.change
    d = diffs.diff_graphs(change.graph("base", "data"), change.graph("changed", "data"), [change.graph("base", "ontology")])
    view.added, view.removed = d.added, d.removed
    for r in d.resources:
        rows = []
        for c in r.changes:
            path = " › ".join(d.label(p, lang) or site.labels.display(str(p), lang) for p in c.path)
            old = _value(site, c.old.term, c.old.blank, lang) if c.old is not None else None
            new = _value(site, c.new.term, c.new.blank, lang) if c.new is not None else None
            rows.append({"kind": c.kind, "path": path, "old": old, "new": new})
        head = _value(site, r.resource, None, lang)
        view.resources.append({"resource": head, "status": text("change_status_" + r.status, lang), "changes": rows})
    payload = json.loads(report_json(staged.report, lang))
    view.conforms = staged.conforms
    view.counts = {k: payload[k] for k in ("new_counts", "existing_counts", "resolved_counts")}
    for r in payload["results"]:
        focus = r["focus"]
        view.results.append(
            {
                "severity": r["severity"],
                "focus": site.labels.term(ox.NamedNode(focus), lang) if focus and "://" in focus else TermView("bnode", "[]"),
                "message": r["message"],
                "path": site.labels.term(ox.NamedNode(r["path"]), lang) if r["path"] and "://" in r["path"] else None,
                "value": r["value"],
            }
        )
    return view


async def _form(ctx: Context, request: Request) -> Any:
    """The request's form, its body read within the write size limit first."""
    body = await _body(ctx, request)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    replay = StarletteRequest(request.scope, receive)
    try:
        return await replay.form(max_files=1, max_fields=8, max_part_size=ctx.settings.max_write_body)
    except MultiPartException as exc:
        raise Problem.of(400, "err_change_form", message=str(exc)) from None


def _stage_upload(writes: Writes, name: str, data: bytes, author: str, lang: str) -> tuple[Staged | None, list[str], list[str]]:
    """Stage the uploaded file (under the write lock, held by the caller): (staged, edits, problems)."""
    ctx = writes.ctx
    suffix = Path(name).suffix.lower()
    if suffix == ".ttl":
        triples = _parse_body(data, "text/turtle", ctx.base)
        target = writes.data_dir / Path(name).name
        scope = target if target in writes.kg.data.quads else None

        def mutate(staging: ox.Store) -> None:
            if scope is not None:
                staging.clear()  # the file replaces the data file of that name
            staging.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)

        return writes.stage(mutate, scope=scope, with_ontology=False), [], []
    from .. import exports
    from ..changes import table_import as ti

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            ti.read_table(path)
            current = exports.tiltak_table(writes.kg.store, ctx.catalogue)
            imported = ti.plan_import(writes.kg.project, path, current, author, datetime.now(UTC), ctx.base)
        except InputError as exc:
            raise Problem.of(400, "err_change_table", message=exc.message) from None
    staged = None
    if imported.turtle is not None and not imported.problems:
        staged = writes.stage_contents({writes.kg.project.root / ti.CORRECTIONS_FILE: imported.turtle.encode("utf-8")})
    return staged, [e.text(lang) for e in imported.edits], [p.text(lang) for p in imported.problems]


def make_router(ctx: Context, writes: Writes, site: Site) -> APIRouter:
    router = APIRouter(tags=["Writes"])

    def page(request: Request, lang: str, status: int = 200, **values: Any) -> HTMLResponse:
        response = site.render(request, "change.html", lang, status, suffixes=", ".join(SUFFIXES), **values)
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.get("/change", response_class=HTMLResponse, summary="The change page (HTML)")
    async def change_get(request: Request) -> HTMLResponse:
        return page(request, choose_lang(request))

    @router.post("/change", response_class=HTMLResponse, include_in_schema=False)
    async def change_post(request: Request) -> HTMLResponse:
        lang = choose_lang(request)
        try:
            form = await _form(ctx, request)
            token = _authorize(ctx, request, _field(form, "token"))
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise Problem.of(400, "err_change_no_file")
            name = Path(upload.filename).name
            if Path(name).suffix.lower() not in SUFFIXES:
                raise Problem.of(400, "err_change_suffix", name=name, suffixes=", ".join(SUFFIXES))
            data = await upload.read()
            author = (_field(form, "author") or token).strip()[:200]

            def stage() -> ChangeView:
                with writes.lock:
                    staged, edits, problems = _stage_upload(writes, name, data, author, lang)
                    view = _view(site, staged, lang)
                    view.edits, view.problems = edits, problems
                    if staged is not None and staged.conforms and not problems:
                        view.key = writes.keep(staged)
                    return view

            view = await asyncio.to_thread(stage)
        except Problem as exc:
            return page(request, lang, exc.status, error=exc.localized(lang))
        status = 422 if not view.conforms or view.problems else 200
        return page(request, lang, status, view=view, file_name=name)

    @router.post("/change/apply", include_in_schema=False)
    async def change_apply(request: Request) -> Response:
        lang = choose_lang(request)
        wants_json = "application/json" in request.headers.get("accept", "")
        try:
            form = await _form(ctx, request)
            token = _authorize(ctx, request, _field(form, "token"))
            key = _field(form, "change") or ""
            outcome = await asyncio.to_thread(writes.apply_kept, key, token, "CHANGE")
        except Problem as exc:
            if wants_json:
                return JSONResponse({"status": exc.status, "error": exc.localized(lang)}, status_code=exc.status)
            return page(request, lang, exc.status, error=exc.localized(lang))
        if outcome.status != 200:  # checked before, so only if the data changed under it
            message = text("err_change_stale", lang)
            if wants_json:
                return JSONResponse({"status": outcome.status, "error": message}, status_code=409)
            return page(request, lang, 409, error=message)
        links = _changed_links(site, outcome.body.get("resources", []), lang)
        body = {
            **outcome.body,
            "message": text("change_applied", lang),
            "links": [{"href": v.href, "text": v.text} for v in links],
        }
        if wants_json:
            return JSONResponse(body)
        return page(request, lang, 200, applied=body, links=links)

    return router


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _changed_links(site: Site, iris: list[str], lang: str) -> list[TermView]:
    out = []
    for iri in iris[:50]:
        view = site.labels.term(ox.NamedNode(iri), lang)
        if view.href and view.local:  # a page of this site
            out.append(view)
    return out
