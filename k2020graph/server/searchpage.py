"""Search over HTTP: the page ``/search?q=`` (nb/en) and the same as JSON at ``/api/search?q=``.

The index (:func:`k2020graph.search.build_index`) is built from the served store on the first search
and again on the first search after the data changed (an accepted write gives a new data version); a
search runs in a worker thread, never on the event loop. The user's text never reaches FTS5 as it is
(:func:`k2020graph.search.parse_query` keeps its words only).
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from ..search import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS, SearchIndex, SearchInputError, SearchResults, build_index
from ..search import search as run_search
from .context import Context, Problem
from .linkeddata import Site, choose_lang
from .remote import RemoteServedStore
from .texts import LANGS


class SearchService:
    """The search index of one application: built once per data version, rebuilt after a change."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()  # one build at a time
        self._built: tuple[str, SearchIndex] | None = None
        self.builds = 0  # how many indexes were built (a test counts them)

    def index(self) -> SearchIndex:
        # The version first: Context.replace_data sets it last, so the store read after it is as new.
        version = self.ctx.version
        built = self._built
        if built is not None and built[0] == version:
            return built[1]
        with self._lock:
            built = self._built
            if built is not None and built[0] == version:
                return built[1]
            store = self.ctx.store
            if isinstance(store, RemoteServedStore):
                raise Problem.of(503, "err_search_remote")
            index = build_index(store.raw.quads_for_pattern(None, None, None), self.ctx.base)
            self._built = (version, index)  # the old index is dropped; a search still using it ends first
            self.builds += 1
            return index

    def search(self, q: str, lang: str, limit: int) -> SearchResults:
        return run_search(self.index(), q, lang, limit)


def _limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise Problem.of(400, "err_search_limit", max=MAX_LIMIT, value=value[:20])
    return int(value)


def _lang(value: str | None, request: Request) -> str:
    if value is None or value == "":
        return choose_lang(request)
    if value not in LANGS:
        raise Problem.of(400, "err_search_lang", value=value[:20])
    return value


def make_router(ctx: Context, site: Site, service: SearchService) -> APIRouter:
    router = APIRouter()

    def as_json(results: SearchResults) -> dict[str, Any]:
        out = results.as_dict()
        for group in out["groups"]:
            for hit in group["results"]:
                path, local = site.labels.href(hit["iri"])
                hit["url"] = ctx.url(path) if local and path else path
        return out

    @router.get(
        "/api/search",
        name="search",
        tags=["Search"],
        summary="Search names, titles, goals and notes (nb, nn, en); results grouped by kind",
        description=(
            "Full-text search over the labels, titles, goals and notes of the graph's tiltak, strategies, "
            "actors, grant schemes, plans, concepts, sources and figures, in bokmål, nynorsk and English. "
            "Inflected forms are found (Snowball Norwegian stemmer: «kommunen» finds «kommune»), so are the "
            "first and inner parts of compounds («demens» finds «Demensomsorgens ABC») and typos («demnes»; "
            "the answer's `corrections` says which word was searched instead). Every word must occur in a "
            "result; where none holds all, `allWords` is false and results holding some are given. "
            "Each result has its page's `url`, its `label`, `title`, the `field` and `lang` of the text that "
            "matched, a `snippet` and the `highlights` in it (start and end offsets).\n\n"
            "*Fritekstsøk i navn, titler, mål og merknader, på bokmål, nynorsk og engelsk, gruppert etter type.*"
        ),
        responses={
            200: {
                "description": "The results, grouped by kind.",
                "content": {
                    "application/json": {
                        "example": {
                            "query": "demens",
                            "words": ["demens"],
                            "lang": "nb",
                            "total": 1,
                            "allWords": True,
                            "corrections": {},
                            "groups": [
                                {
                                    "kind": "tiltak-k2020",
                                    "title": "Tiltak i K2020",
                                    "total": 1,
                                    "results": [
                                        {
                                            "iri": "https://w3id.org/k2020graph/id/tiltak/k2020-3.2",
                                            "url": "http://127.0.0.1:8000/id/tiltak/k2020-3.2",
                                            "kind": "tiltak-k2020",
                                            "label": "K2020-tiltak 3.2",
                                            "title": "Demensomsorgens ABC",
                                            "field": "title",
                                            "lang": "nb",
                                            "snippet": "Demensomsorgens ABC",
                                            "highlights": [[0, 15]],
                                            "score": 3.0,
                                        }
                                    ],
                                }
                            ],
                        }
                    }
                },
            },
            400: {"description": "No words to search for, a text too long, or a bad `lang` or `limit`: the message says which."},
            503: {"description": "Search is not available (the server serves an external store)."},
        },
    )
    async def api_search(
        request: Request,
        q: str = Query("", description=f"The words to search for (at most {MAX_QUERY_CHARS} characters)."),
        lang: str | None = Query(None, description="nb or en: the language of names and kinds in the answer."),
        limit: str | None = Query(None, description=f"Results per kind, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."),
    ) -> JSONResponse:
        chosen, most = _lang(lang, request), _limit(limit)
        try:
            results = await run_in_threadpool(service.search, q, chosen, most)
        except SearchInputError as exc:
            raise Problem(400, str(exc)) from None
        return JSONResponse(as_json(results), headers={"Cache-Control": "no-cache", "Content-Language": chosen})

    @router.get("/search", name="search_page", tags=["Linked data"], response_class=HTMLResponse)
    async def search_page(request: Request, q: str = Query("")) -> HTMLResponse:
        lang = choose_lang(request)
        results: SearchResults | None = None
        error: str | None = None
        status = 200
        if q.strip():
            try:
                results = await run_in_threadpool(service.search, q, lang, DEFAULT_LIMIT)
            except SearchInputError as exc:
                error, status = exc.localized(lang), 400
        hrefs: dict[str, str | None] = {}
        if results is not None:
            for group in results.groups:
                for hit in group.hits:
                    hrefs[hit.iri] = site.labels.href(hit.iri)[0]
        return site.render(
            request,
            "search.html",
            lang,
            status,
            q=q[: MAX_QUERY_CHARS * 2],
            results=results,
            error=error,
            hrefs=hrefs,
            json_href="/api/search?" + urlencode({"q": q, "lang": lang}) if q.strip() else None,
        )

    return router
