"""Front-end libraries from the npm registry, served by the site itself at ``/static/vendor/…``.

``npm ci`` (a step of ``make install``) puts them in ``node_modules/`` beside ``package.json`` at the
project root; nothing comes from a CDN and nothing of them is in git. Only the files listed in
:data:`FILES` are served (never the rest of ``node_modules``). When they are absent the pages work
without them: :meth:`Vendor.has` says so and the query page keeps its plain editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

#: The address under /static/vendor/ -> the file under node_modules/ (the whitelist).
FILES = {
    "yasgui/yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui/yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "axe-core/axe.min.js": "axe-core/axe.min.js",
}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def default_node_modules() -> Path:
    """``node_modules`` at the project root of this checkout (the package lives one level below it)."""
    return Path(__file__).resolve().parent.parent.parent / "node_modules"


@dataclass(frozen=True)
class Vendor:
    node_modules: Path

    def path(self, name: str) -> Path | None:
        """The file behind ``/static/vendor/<name>``, or None (not listed, or not installed)."""
        relative = FILES.get(name)
        if relative is None:
            return None
        path = self.node_modules / relative
        return path if path.is_file() else None

    def has(self, *names: str) -> bool:
        return all(self.path(n) is not None for n in names)


def make_router() -> APIRouter:
    """``/static/vendor/<name>`` for each listed file, from the application's ``state.vendor``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/static/vendor/{name:path}")
    async def vendor_file(name: str, request: Request) -> Response:
        vendor: Vendor = request.app.state.vendor
        path = vendor.path(name)
        if path is None:
            return Response("not found / finnes ikke\n", status_code=404, media_type="text/plain; charset=utf-8")
        headers = {"Cache-Control": "public, max-age=86400"}
        return FileResponse(path, media_type=_TYPES.get(path.suffix, "application/octet-stream"), headers=headers)

    return router
