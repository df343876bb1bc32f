"""Relay connections paginated in SQL: newest first by id, with a maximum page size."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.errors import ErrorCode, ValidationFailed

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# What the arguments of every connection field mean, for the schema's descriptions.
FIRST = f"How many items: 0 to {MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE}."
AFTER = "Continue below this cursor (an `endCursor` or `cursor` this list gave)."

NodeT = TypeVar("NodeT")
ModelT = TypeVar("ModelT", bound=Model)


@strawberry.type(description="Where a page of a connection ends, to ask for the next one.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more items follow: ask again with `after: endCursor`."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item (null for an empty page): pass it as "
        "`after` to continue."
    )


@strawberry.type(description="One item of a connection page, with its cursor.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The item.")
    cursor: str = strawberry.field(
        description="An opaque position: pass it as `after` to continue below this item."
    )


@strawberry.type(
    description="A page of a list that can grow (Relay connection), newest first. Ask with "
    "`first` (0 to 100, default 20) and `after` (a cursor this list gave; another one is "
    "INVALID_INPUT on `after`)."
)
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The page's items, newest first.")
    page_info: PageInfo = strawberry.field(description="Whether and how to ask for more.")


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, raw = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind == "id" and raw.isdigit():
            return int(raw)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ValidationFailed(ErrorCode.INVALID_INPUT, "This cursor is not one we gave.", "after")


async def paginate(
    queryset: QuerySet[ModelT],
    to_node: Callable[[ModelT], NodeT],
    first: int | None,
    after: str | None,
) -> Connection[NodeT]:
    """Newest first (descending id). `after` continues below the cursor's row."""
    size = page_size(first)
    if after is not None:
        queryset = queryset.filter(id__lt=decode_cursor(after))
    return connection_of(await queryset.order_by("-id").limit(size + 1), size, to_node)


def page_size(first: int | None) -> int:
    """The page size `first` asks for (refused beyond the maximum)."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, f"`first` is between 0 and {MAX_PAGE_SIZE}.", "first"
        )
    return size


def connection_of(
    rows: list[ModelT], size: int, to_node: Callable[[ModelT], NodeT]
) -> Connection[NodeT]:
    """The page of `size` items from `rows`, the newest `size + 1` rows below the cursor (one
    more than the page tells whether another follows)."""
    page = rows[:size]
    edges = [Edge(node=to_node(row), cursor=encode_cursor(row.pk)) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size, end_cursor=edges[-1].cursor if edges else None
        ),
    )
