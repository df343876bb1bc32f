"""GraphQL types of program reports."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.audiences import Audience
from api.money import Money
from gamification.reporting import campaigns, reports


@strawberry.enum(description="The length of each report of a series (calendar intervals, UTC).")
class ReportInterval(Enum):
    DAY = strawberry.enum_value("DAY", description="Calendar days.")
    WEEK = strawberry.enum_value("WEEK", description="ISO weeks, from Monday.")
    MONTH = strawberry.enum_value("MONTH", description="Calendar months.")


@strawberry.type(description="How many members a tier holds now.")
class TierCount:
    tier_id: strawberry.ID | None = strawberry.field(
        description="The tier; null for members without a tier.",
    )
    tier_name: str | None = strawberry.field(
        description="The tier's name; null for members without a tier.",
    )
    members: int = strawberry.field(description="Members in it now.")


@strawberry.type(
    description="The program's KPIs over a period [start, end); docs/reports.md defines each "
    "figure. Points are integers; money is in the program's currency.",
)
class ProgramReport:
    start: datetime = strawberry.field(description="The period's start (ISO-8601, UTC), included.")
    end: datetime = strawberry.field(description="The period's end, excluded.")
    members_total: int = strawberry.field(description="Members created before the end.")
    members_new: int = strawberry.field(description="Members created in the period.")
    members_active: int = strawberry.field(
        description="Members with a purchase or a game play in the period.",
    )
    purchases: int = strawberry.field(description="Purchases whose own time is in the period.")
    revenue: Money = strawberry.field(description="Their totals less what was refunded of them.")
    average_basket: Money | None = strawberry.field(
        description="Revenue / purchases; null without purchases.",
    )
    repeat_purchase_rate: str | None = strawberry.field(description="A ratio, 0 to 1.")
    points_issued: int = strawberry.field(
        description="Points earned, given as bonuses and won (EARN + BONUS + PRIZE).",
    )
    points_redeemed: int = strawberry.field(
        description="Points spent on rewards, less those given back by cancellations.",
    )
    points_spent_on_games: int = strawberry.field(
        description="Points spent on game plays and contest entries.",
    )
    points_expired: int = strawberry.field(description="Points that expired.")
    points_adjusted: int = strawberry.field(description="The signed sum of staff adjustments.")
    points_reversed: int = strawberry.field(description="Points taken back by purchase refunds.")
    points_outstanding: int = strawberry.field(
        description="All members' balances as they stood at the end.",
    )
    liability: Money = strawberry.field(
        description="pointsOutstanding x the program's point value (0 when no point value is set).",
    )
    redemption_rate: str | None = strawberry.field(description="A ratio, 0 to 1.")
    tier_distribution: list[TierCount] = strawberry.field(
        description="Members per tier now (a current state, not a history).",
    )
    badges_awarded: int = strawberry.field(description="Badge levels awarded in the period.")
    challenges_completed: int = strawberry.field(description="Challenge completions in the period.")
    game_plays: int = strawberry.field(description="Instant-win plays in the period.")
    prizes_won: int = strawberry.field(description="Prizes won in the period.")
    contest_entries: int = strawberry.field(description="Contest entry purchases in the period.")
    referrals_qualified: int = strawberry.field(
        description="Referrals that qualified in the period.",
    )
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


@strawberry.type(
    description="What one group of members did over a campaign's window (docs/reports.md)."
)
class CampaignGroup:
    members: int = strawberry.field(description="Members in the group (erased accounts left out).")
    buyers: int = strawberry.field(description="Members with a purchase in the window.")
    purchases: int = strawberry.field(description="Their purchases in the window, by own time.")
    revenue: Money = strawberry.field(description="Those purchases' totals less refunds.")
    points_issued: int = strawberry.field(
        description="Points those purchases earned, less what refunds took back."
    )
    repeat_purchase_rate: str | None = strawberry.field(
        description="Members with 2+ purchases / buyers, a decimal string 0 to 1 (4 places); "
        "null without buyers."
    )
    purchases_per_member: str | None = strawberry.field(
        description="Purchases / members, a decimal string (4 places); null for an empty group."
    )

    @classmethod
    def of(cls, figures: campaigns.GroupFigures, currency: str) -> CampaignGroup:
        return cls(
            members=figures.members,
            buyers=figures.buyers,
            purchases=figures.purchases,
            revenue=Money.of(figures.revenue, currency),
            points_issued=figures.points_issued,
            repeat_purchase_rate=_ratio(figures.repeat_purchase_rate),
            purchases_per_member=_ratio(figures.purchases_per_member),
        )


@strawberry.type(
    description="A targeted earning rule's audience against the rest of the program, over the "
    "rule's window (audience as last computed: segments and classes of the last run, tiers now)."
)
class CampaignComparison:
    earning_rule_id: strawberry.ID = strawberry.field(description="The rule compared.")
    name: str = strawberry.field(description="The rule's name.")
    audience: Audience = strawberry.field(description="Who the rule is aimed at.")
    start: datetime = strawberry.field(
        description="The window's start: the rule's, or its creation (ISO-8601, UTC)."
    )
    end: datetime = strawberry.field(description="The window's end, excluded: the rule's or now.")
    targeted: CampaignGroup = strawberry.field(description="The members its audience admits.")
    rest: CampaignGroup = strawberry.field(description="The program's other members.")

    @classmethod
    def of(cls, comparison: campaigns.CampaignComparison, currency: str) -> CampaignComparison:
        return cls(
            earning_rule_id=strawberry.ID(str(comparison.rule_id)),
            name=comparison.rule_name,
            audience=Audience.from_audience(comparison.audience),
            start=comparison.start,
            end=comparison.end,
            targeted=CampaignGroup.of(comparison.targeted, currency),
            rest=CampaignGroup.of(comparison.rest, currency),
        )
