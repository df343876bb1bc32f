"""Report queries for staff (ANALYST and up)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.context import Info
from api.ids import parse_id
from api.permissions import staff_only
from api.reports.types import CampaignComparison, ProgramReport, ReportInterval
from gamification.programs.models import Program
from gamification.reporting import campaigns, reports


@strawberry.type
class ReportQueries:
    @strawberry.field(
        extensions=staff_only(),
        description="The program's KPIs over [from, to). Staff, any role. INVALID_INPUT "
        "as a top-level error for a bad period or too many intervals, INVALID_TIME for a time "
        "without a zone.",
    )
    async def program_report(
        self,
        info: Info,
        from_: Annotated[
            datetime,
            strawberry.argument(
                name="from", description="The period's start, included (ISO-8601 with a zone)."
            ),
        ],
        to: Annotated[
            datetime,
            strawberry.argument(description="The period's end, excluded (ISO-8601 with a zone)."),
        ],
        interval: Annotated[
            ReportInterval | None,
            strawberry.argument(
                description="Also answer `series`: one report per interval (at most 400)."
            ),
        ] = None,
    ) -> ProgramReport:
        program = await Program.get(id=info.context.program_id)
        whole = await reports.program_report(program, from_, to)
        series = (
            [
                ProgramReport.from_report(bucket)
                for bucket in await reports.program_report_series(
                    program, from_, to, interval.value
                )
            ]
            if interval
            else []
        )
        return ProgramReport.from_report(whole, series)

    @strawberry.field(
        extensions=staff_only(),
        description="A targeted earning rule's audience against the rest of the program over "
        "the rule's window: points issued, purchases, revenue, repeat rate (docs/reports.md). "
        "Staff, any role (ANALYST and up). NOT_FOUND as a top-level error.",
    )
    async def campaign_comparison(
        self,
        info: Info,
        earning_rule_id: Annotated[
            strawberry.ID, strawberry.argument(description="The earning rule (a campaign).")
        ],
    ) -> CampaignComparison:
        program = await Program.get(id=info.context.program_id)
        comparison = await campaigns.campaign_comparison(
            program.id, parse_id(earning_rule_id, "earningRuleId")
        )
        return CampaignComparison.of(comparison, program.currency)
