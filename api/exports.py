"""CSV exports for staff, streamed: rows are written batch by batch, never the whole file.

They are plain HTTP routes (GraphQL cannot stream a file) behind the same bearer tokens.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.caller import Caller
from api.ids import parse_id
from core.errors import DomainError
from gamification import member_search

MEMBER_COLUMNS = [
    "id",
    "email",
    "display_name",
    "points_balance",
    "tier_id",
    "created_at",
    "blocked_at",
]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


def _staff_or_error(request: Request) -> Caller | Response:
    caller: Caller = request.scope.get("state", {}).get("caller")
    if caller is None or caller.kind in ("anonymous", "invalid"):
        return _error(401, "UNAUTHENTICATED", "A staff bearer token is required.")
    if caller.kind != "staff":
        return _error(403, "FORBIDDEN", "Exports are for staff.")
    return caller


def _csv_chunk(rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


async def members_csv(request: Request) -> Response:
    caller = _staff_or_error(request)
    if isinstance(caller, Response):
        return caller
    params = request.query_params
    try:
        criteria = member_search.MemberFilter(
            text=params.get("text"),
            tier_id=parse_id(params["tierId"], "tierId") if params.get("tierId") else None,
            blocked={"true": True, "false": False}.get(params.get("blocked", "").lower()),
        )
    except DomainError as error:
        return _error(400, error.code.value, error.message)
    assert caller.program_id is not None
    program_id = caller.program_id

    async def rows() -> AsyncIterator[str]:
        yield _csv_chunk([MEMBER_COLUMNS])
        async for batch in member_search.iter_members(program_id, criteria):
            yield _csv_chunk(
                [
                    member.id,
                    member.email,
                    member.display_name,
                    member.points_balance,
                    member.tier_id or "",
                    member.created_at.isoformat(),
                    member.blocked_at.isoformat() if member.blocked_at else "",
                ]
                for member in batch
            )

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="members.csv"'},
    )
