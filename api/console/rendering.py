"""Pages from Jinja templates (templates/), escaped by default, with the visit's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from api.console.session import Visit

TEMPLATES = Path(__file__).parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(visit: Visit, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    page = environment.get_template(template).render(
        visit=visit,
        _=visit.texts,
        f=visit.formats,
        can=visit.can,
        me=visit.me,
        program=visit.program,
        path=visit.request.url.path,
        **context,
    )
    return HTMLResponse(page, status_code=status)
