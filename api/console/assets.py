"""The console's files: its own stylesheet and the dashboard's live feed script (static/), and
htmx, the one npm package it uses, installed by `make` with `npm ci` from package-lock.json into
node_modules/. Only the files named here are served; nothing comes from a CDN."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

HERE = Path(__file__).parent
PACKAGES = HERE / "node_modules"
FILES = {
    "console.css": HERE / "static" / "console.css",
    "live.js": HERE / "static" / "live.js",
    "htmx.min.js": PACKAGES / "htmx.org" / "dist" / "htmx.min.js",
}


def missing_files() -> list[str]:
    return sorted(name for name, path in FILES.items() if not path.is_file())


async def asset(request: Request) -> Response:
    path = FILES.get(request.path_params["name"])
    if path is None or not path.is_file():
        return Response("No such console file.", status_code=404, media_type="text/plain")
    # npm gives installed files an old modification time: the browser asks again on each load.
    return FileResponse(path, headers={"Cache-Control": "no-cache"})
