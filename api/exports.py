"""CSV exports for staff, streamed: rows are written batch by batch, never the whole file.

They are plain HTTP routes (GraphQL cannot stream a file) behind the same bearer tokens.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.caller import Caller
from api.errors import http_error
from api.ids import parse_id
from api.loaders import Loaders
from api.permissions import staff_in_session
from core.clock import parse_time
from core.errors import DomainError, ErrorCode, ValidationFailed
from gamification.programs.models import Program
from gamification.reporting import member_search, reports, segments
from gamification.simulations import simulations
from gamification.simulations.error_codes import SimulationErrorCode

MEMBER_COLUMNS = [
    "id",
    "email",
    "display_name",
    "points_balance",
    "tier_id",
    "created_at",
    "blocked_at",
]


async def _staff_or_error(request: Request) -> Caller | Response:
    caller: Caller = request.scope.get("state", {}).get("caller")
    if caller is None or caller.kind in ("anonymous", "invalid"):
        return http_error(401, "UNAUTHENTICATED", "A staff bearer token is required.")
    if caller.kind != "staff":
        return http_error(403, "FORBIDDEN", "Exports are for staff.")
    # An archived or ended session ends here as in GraphQL, by the same check.
    if await staff_in_session(caller, Loaders()) is None:
        return http_error(401, "UNAUTHENTICATED", "This session is no longer valid.")
    return caller


def _csv_chunk(rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _one_of(value: str | None, allowed: tuple[str, ...], field: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in allowed:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, f"One of {', '.join(allowed)}.", field)
    return value


def _refused(error: DomainError) -> Response:
    """A 400 naming the parameter at fault, as GraphQL errors do."""
    return http_error(400, error.code.value, error.message, error.field)


async def members_csv(request: Request) -> Response:
    caller = await _staff_or_error(request)
    if isinstance(caller, Response):
        return caller
    params = request.query_params
    try:
        criteria = member_search.MemberFilter(
            text=params.get("text"),
            tier_id=parse_id(params["tierId"], "tierId") if params.get("tierId") else None,
            blocked={"true": True, "false": False}.get(params.get("blocked", "").lower()),
            segment=_one_of(params.get("segment"), segments.SEGMENTS, "segment"),
            abc_class=_one_of(params.get("abcClass"), segments.ABC_CLASSES, "abcClass"),
        )
    except DomainError as error:
        return _refused(error)
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


REPORT_COLUMNS = [
    "start",
    "end",
    "members_total",
    "members_new",
    "members_active",
    "purchases",
    "revenue",
    "average_basket",
    "repeat_purchase_rate",
    "points_issued",
    "points_redeemed",
    "points_spent_on_games",
    "points_expired",
    "points_adjusted",
    "points_reversed",
    "points_outstanding",
    "liability",
    "redemption_rate",
    "badges_awarded",
    "challenges_completed",
    "game_plays",
    "prizes_won",
    "contest_entries",
    "referrals_qualified",
]


def _report_row(report: reports.ProgramReport) -> list[Any]:
    values = {**vars(report), "start": report.start.isoformat(), "end": report.end.isoformat()}
    return ["" if values[c] is None else values[c] for c in REPORT_COLUMNS]


async def report_csv(request: Request) -> Response:
    """`programReport` as CSV: `from`, `to` and an optional `interval` (DAY, WEEK, MONTH), one
    row per interval, each written as soon as it is computed."""
    caller = await _staff_or_error(request)
    if isinstance(caller, Response):
        return caller
    params = request.query_params
    try:
        start = parse_time(params.get("from", ""), "from")
        end = parse_time(params.get("to", ""), "to")
        interval = _one_of(params.get("interval"), reports.INTERVALS, "interval")
        if interval:
            buckets = reports.series_buckets(start, end, interval)
        else:
            reports.check_period(start, end)
            buckets = [(start, end)]
    except DomainError as error:
        return _refused(error)
    program = await Program.get(id=caller.program_id)

    async def rows() -> AsyncIterator[str]:
        yield _csv_chunk([REPORT_COLUMNS])
        async for report in reports.iter_reports(program, buckets):
            yield _csv_chunk([_report_row(report)])

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="report.csv"'},
    )


SIMULATION_COLUMNS = ["section", "item", "without", "with", "difference"]


def _simulation_rows(results: dict[str, Any]) -> list[list[Any]]:
    """A simulation's report, one figure per row: without the draft, with it, the difference."""

    def row(section: str, item: Any, without: Any, with_: Any, difference: Any = "") -> list[Any]:
        return [section, "" if item is None else item, without, with_, difference]

    points = ("points", results["points_without"], results["points_with"])
    outstanding = (results["outstanding_points_at_end"], results["outstanding_points_with"])
    tiers = results["tiers"]
    rows = [
        row("summary", "purchases", results["purchases"], results["purchases"], 0),
        row("summary", "buyers", results["buyers"], results["buyers"], 0),
        row("summary", "points_actual", results["points_actual"], results["points_actual"], 0),
        row("summary", *points, results["points_difference"]),
        row("summary", "money", "", "", results["money_difference"]),
        row("summary", "outstanding_points", *outstanding, results["points_difference"]),
        row("summary", "liability", results["liability_at_end"], results["liability_with"]),
        row("summary", "members_affected", "", "", results["members_affected"]),
        row("summary", "moved_up", "", "", tiers["moved_up"]),
        row("summary", "moved_down", "", "", tiers["moved_down"]),
    ]
    for tier in tiers["per_tier"]:
        rows.append(
            row(
                "tier",
                tier["name"] or "(none)",
                tier["members_without"],
                tier["members_with"],
                tier["members_with"] - tier["members_without"],
            )
        )
    for sku in results["top_skus"]:
        rows.append(row("sku", sku["sku"], "", "", sku["extra_points"]))
    for category in results["top_categories"]:
        rows.append(row("category", category["category"], "", "", category["extra_points"]))
    for segment in results["segments"]:
        rows.append(
            row(
                "segment",
                segment["segment"],
                segment["points_without"],
                segment["points_with"],
                segment["points_difference"],
            )
        )
    return rows


async def simulation_csv(request: Request) -> Response:
    """A finished simulation's report as CSV (staff, any role): 404 for another program's or
    an unknown id, 409 while it has no results."""
    caller = await _staff_or_error(request)
    if isinstance(caller, Response):
        return caller
    assert caller.program_id is not None
    try:
        simulation = await simulations.simulation_in_program(
            caller.program_id, parse_id(request.path_params["simulation_id"], "simulationId")
        )
    except DomainError as error:
        return http_error(404, error.code.value, error.message, error.field)
    if simulation.results is None:
        return http_error(
            409,
            SimulationErrorCode.SIMULATION_NOT_DONE.value,
            "This simulation has no results yet.",
            "simulationId",
        )
    return Response(
        _csv_chunk([SIMULATION_COLUMNS, *_simulation_rows(simulation.results)]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="simulation-{simulation.id}.csv"'},
    )
