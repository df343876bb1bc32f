"""Pages of a list the API answers whole (contests, earning rules, VIP plans, badges,
challenges: a program has tens of them, not thousands): the console shows PAGE_SIZE at a time,
chosen by `?page=N`. Lists that can grow are the API's connections, paged by its cursors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

PAGE_SIZE = 20


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    has_next: bool


def page_of(request: Request, everything: list[Any]) -> Page:
    try:
        number = max(int(request.query_params.get("page", "1")), 1)
    except ValueError:
        number = 1
    shown = everything[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return Page(shown, number, len(everything) > number * PAGE_SIZE)
