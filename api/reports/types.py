"""GraphQL types of program reports."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.money import Money
from gamification.reporting import reports


@strawberry.enum
class ReportInterval(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@strawberry.type
class TierCount:
    tier_id: strawberry.ID | None
    tier_name: str | None
    members: int


@strawberry.type
class ProgramReport:
    start: datetime
    end: datetime
    members_total: int
    members_new: int
    members_active: int
    purchases: int
    revenue: Money
    average_basket: Money | None
    repeat_purchase_rate: str | None = strawberry.field(description="A ratio, 0 to 1.")
    points_issued: int
    points_redeemed: int
    points_spent_on_games: int
    points_expired: int
    points_adjusted: int
    points_reversed: int
    points_outstanding: int
    liability: Money
    redemption_rate: str | None = strawberry.field(description="A ratio, 0 to 1.")
    tier_distribution: list[TierCount]
    badges_awarded: int
    challenges_completed: int
    game_plays: int
    prizes_won: int
    contest_entries: int
    referrals_qualified: int
    series: list[ProgramReport] = strawberry.field(
        description="One report per interval when `interval` is given, else empty."
    )

    @classmethod
    def from_report(
        cls, report: reports.ProgramReport, series: list[ProgramReport] | None = None
    ) -> ProgramReport:
        currency = report.currency
        return cls(
            start=report.start,
            end=report.end,
            members_total=report.members_total,
            members_new=report.members_new,
            members_active=report.members_active,
            purchases=report.purchases,
            revenue=Money.of(report.revenue, currency),
            average_basket=Money.of(report.average_basket, currency)
            if report.average_basket is not None
            else None,
            repeat_purchase_rate=_ratio(report.repeat_purchase_rate),
            points_issued=report.points_issued,
            points_redeemed=report.points_redeemed,
            points_spent_on_games=report.points_spent_on_games,
            points_expired=report.points_expired,
            points_adjusted=report.points_adjusted,
            points_reversed=report.points_reversed,
            points_outstanding=report.points_outstanding,
            liability=Money.of(report.liability, currency),
            redemption_rate=_ratio(report.redemption_rate),
            tier_distribution=[
                TierCount(
                    tier_id=strawberry.ID(str(t.tier_id)) if t.tier_id else None,
                    tier_name=t.tier_name,
                    members=t.members,
                )
                for t in report.tier_distribution
            ],
            badges_awarded=report.badges_awarded,
            challenges_completed=report.challenges_completed,
            game_plays=report.game_plays,
            prizes_won=report.prizes_won,
            contest_entries=report.contest_entries,
            referrals_qualified=report.referrals_qualified,
            series=series or [],
        )


def _ratio(value: object) -> str | None:
    return None if value is None else str(value)
