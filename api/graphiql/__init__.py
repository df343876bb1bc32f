"""GraphiQL at GET /graphql with no internet: the page is ours (page.html), and the scripts and
stylesheets it loads (React, GraphiQL, its explorer plugin, graphql-ws for subscriptions) are
the npm packages that `make` installs beside it (`npm ci` from package-lock.json into
node_modules/), served under /graphiql/.
Nothing is fetched from a CDN, so the page works on a machine cut off from everything but itself.
"""

from __future__ import annotations

import html
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from api.errors import http_error

HERE = Path(__file__).parent
PAGE = HERE / "page.html"
PACKAGES = HERE / "node_modules"

# The files page.html loads, as paths in PACKAGES (and under /graphiql/): all must be there for
# the page to work, and nothing else of the packages is served.
FILES = frozenset(
    {
        "react/umd/react.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
        "graphiql/graphiql.min.js",
        "graphiql/graphiql.min.css",
        "graphql-ws/umd/graphql-ws.min.js",
        "@graphiql/plugin-explorer/dist/index.umd.js",
        "@graphiql/plugin-explorer/dist/style.css",
    }
)

_NOT_INSTALLED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is not installed</title></head>
<body><h1>GraphiQL is not installed</h1>
<p>Its files are missing: {missing}.</p>
<p>Run <code>make .venv/.installed</code> (or <code>npm ci</code> in <code>{folder}</code>),
then reload. The API itself works: POST your queries to this address.</p></body></html>
"""


def missing_files(packages: Path = PACKAGES) -> list[str]:
    return sorted(name for name in FILES if not (packages / name).is_file())


def page(packages: Path = PACKAGES) -> str:
    """The GraphiQL page, or, when `npm ci` has not run, a page that says how to install it
    (rather than a GraphiQL that stays on "Loading..." forever)."""
    missing = missing_files(packages)
    if missing:
        return _NOT_INSTALLED.format(
            missing=html.escape(", ".join(missing)), folder=html.escape(str(HERE))
        )
    return PAGE.read_text(encoding="utf-8")


async def _file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FILES or not (PACKAGES / name).is_file():
        return http_error(404, "NOT_FOUND", f"No GraphiQL file {name!r}.")
    # npm gives every installed file the same old modification time, so a browser could keep an
    # old version's file for years after an upgrade: it asks again on every load (from this
    # machine, a few milliseconds).
    return FileResponse(PACKAGES / name, headers={"Cache-Control": "no-cache"})


# The route of the page's files, added only where GraphiQL is on (never in production).
route = Route("/graphiql/{name:path}", _file, methods=["GET", "HEAD"])
