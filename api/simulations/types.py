"""GraphQL types of campaign simulations: the draft given, the job's progress, the report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
import strawberry

from api.earning_rules.types import EarningRuleKind, Rounding
from api.enums import graphql_enum
from api.errors import UserError
from api.money import Money
from gamification.simulations import models

SimulationStatus = graphql_enum(
    models.SimulationStatus,
    "SimulationStatus",
    "Where a simulation's job is.",
    {
        "QUEUED": "Asked for; its job has not started yet.",
        "RUNNING": "Replaying the window: purchasesDone of purchasesTotal.",
        "DONE": "Finished: `results` holds the report.",
        "CANCELLED": "Stopped by staff before it finished; no results.",
        "FAILED": "The job could not finish (`error` says why); ask again.",
    },
)


@strawberry.input(
    description="A rule of the draft: without ruleId a new rule (kind and name required, the "
    "fields as in CreateEarningRuleInput); with ruleId an edit of a live rule (only the fields "
    "given change, as in UpdateEarningRuleInput). A bonus campaign is a rule of kind CAMPAIGN."
)
class SimulatedRuleInput:
    rule_id: strawberry.ID | None = strawberry.field(
        default=None, description="The live rule this edits; null: a new rule."
    )
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="1 to 100 characters (required for a new rule)."
    )
    kind: EarningRuleKind | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=strawberry.UNSET,
        description="How the rule makes points (required for a new rule; an edit keeps it).",
    )
    priority: int | None = strawberry.field(
        default=strawberry.UNSET, description="-1000 to 1000: higher applies first."
    )
    starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Active from this time (ISO-8601 with a zone); required for CAMPAIGN.",
    )
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Active until this time, excluded; required for CAMPAIGN.",
    )
    points_per_unit: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="BASE_RATE: points per unit of currency."
    )
    rounding: Rounding | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=strawberry.UNSET, description="BASE_RATE: how the evaluation rounds."
    )
    sku: str | None = strawberry.field(
        default=strawberry.UNSET, description="PRODUCT: the SKU it applies to."
    )
    category: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="PRODUCT: the category it applies to; CAMPAIGN: only this category.",
    )
    multiplier: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="PRODUCT or CAMPAIGN: a decimal above 0, at most 100.",
    )
    fixed_points: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="PRODUCT: points per unit; FIRST_PURCHASE: the bonus.",
    )
    min_total: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="MINIMUM_BASKET: the smallest total that earns."
    )
    tier_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="CAMPAIGN: only members of this tier."
    )


@strawberry.input(description="A change to one live tier; a field left out stays as it is.")
class SimulatedTierInput:
    tier_id: strawberry.ID = strawberry.field(description="The live tier.")
    qualifying_threshold: int | None = strawberry.field(
        default=None, description="Its new threshold (qualifying points or spend), 0 or more."
    )
    earning_multiplier: Decimal | None = strawberry.field(
        default=None, description="Its new earning multiplier, above 0 and at most 100."
    )


@strawberry.input(
    description="A draft change and the past window to replay it over. An empty draft replays "
    "the live rules (the points then equal what the purchases earned, unless rules changed)."
)
class SimulateCampaignInput:
    name: str = strawberry.field(description="1 to 100 characters, to tell simulations apart.")
    starts_at: datetime = strawberry.field(
        description="The window's start (ISO-8601 with a zone): purchases from this time."
    )
    ends_at: datetime = strawberry.field(
        description="The window's end, excluded, not in the future; at most 731 days after "
        "startsAt (INVALID_WINDOW)."
    )
    rules: list[SimulatedRuleInput] = strawberry.field(
        default_factory=list, description="Rules to add or edit (at most 50)."
    )
    removed_rule_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Live rules the draft removes."
    )
    tiers: list[SimulatedTierInput] = strawberry.field(
        default_factory=list, description="Tier changes (thresholds, multipliers)."
    )


@strawberry.input(description="Which simulation to cancel.")
class CancelSimulationInput:
    simulation_id: strawberry.ID = strawberry.field(description="The simulation.")


@strawberry.type(description="Extra points on one SKU (a purchase's difference split by line).")
class SkuExtraPoints:
    sku: str = strawberry.field(description="The SKU.")
    extra_points: int = strawberry.field(description="Points with the draft less without.")


@strawberry.type(description="Extra points on one category.")
class CategoryExtraPoints:
    category: str | None = strawberry.field(description="The category; null: lines without.")
    extra_points: int = strawberry.field(description="Points with the draft less without.")


@strawberry.type(description="What the draft does to the buyers of one RFM segment.")
class SegmentSimulation:
    segment: str = strawberry.field(
        description="The RFM segment of the last run (UNSCORED: members it did not score)."
    )
    buyers: int = strawberry.field(description="Members of it who bought in the window.")
    points_without: int = strawberry.field(description="Their points under the live rules.")
    points_with: int = strawberry.field(description="Their points with the draft.")
    points_difference: int = strawberry.field(description="pointsWith - pointsWithout.")
    members_affected: int = strawberry.field(description="Those whose points differ.")


@strawberry.type(description="Members of one tier at the window's end, without and with.")
class TierSimulation:
    tier_id: strawberry.ID | None = strawberry.field(description="The tier; null: no tier.")
    name: str | None = strawberry.field(description="The tier's name; null: no tier.")
    threshold_without: int | None = strawberry.field(description="Its live threshold.")
    threshold_with: int | None = strawberry.field(description="Its threshold in the draft.")
    members_without: int = strawberry.field(description="Members qualifying for it now.")
    members_with: int = strawberry.field(description="Members qualifying for it with the draft.")
    moved_up_into: int = strawberry.field(description="Members the draft moves up into it.")
    moved_down_into: int = strawberry.field(description="Members the draft moves down into it.")


@strawberry.type(description="The report of a finished simulation.")
class SimulationResults:
    purchases: int = strawberry.field(description="Purchases replayed.")
    buyers: int = strawberry.field(description="Distinct members among them.")
    points_actual: int = strawberry.field(
        description="Points these purchases earned when recorded (their ledger credits)."
    )
    points_without: int = strawberry.field(description="Points under the live rules, replayed.")
    points_with: int = strawberry.field(description="Points with the draft applied.")
    points_difference: int = strawberry.field(description="pointsWith - pointsWithout.")
    money_difference: Money = strawberry.field(
        description="pointsDifference x the program's point value."
    )
    outstanding_points_at_end: int = strawberry.field(
        description="Points outstanding at the window's end (every ledger entry before it)."
    )
    outstanding_points_with: int = strawberry.field(description="The same plus pointsDifference.")
    liability_at_end: Money = strawberry.field(
        description="outstandingPointsAtEnd x the point value."
    )
    liability_with: Money = strawberry.field(description="outstandingPointsWith x the value.")
    members_affected: int = strawberry.field(description="Members whose points differ.")
    tier_basis: str = strawberry.field(description="points or spend: what tiers count.")
    moved_up: int = strawberry.field(description="Members the draft gives a better tier.")
    moved_down: int = strawberry.field(description="Members the draft gives a lower tier.")
    tiers: list[TierSimulation] = strawberry.field(
        description="Per tier (lowest first, no tier first): members without and with."
    )
    top_skus: list[SkuExtraPoints] = strawberry.field(
        description="The 10 SKUs with the most extra points (by size)."
    )
    top_categories: list[CategoryExtraPoints] = strawberry.field(
        description="The 10 categories with the most extra points (by size)."
    )
    segments: list[SegmentSimulation] = strawberry.field(description="The split by segment.")

    @classmethod
    def of(cls, data: dict[str, Any]) -> SimulationResults:
        currency = data["currency"]
        tiers = data["tiers"]
        return cls(
            purchases=data["purchases"],
            buyers=data["buyers"],
            points_actual=data["points_actual"],
            points_without=data["points_without"],
            points_with=data["points_with"],
            points_difference=data["points_difference"],
            money_difference=Money.of(Decimal(data["money_difference"]), currency),
            outstanding_points_at_end=data["outstanding_points_at_end"],
            outstanding_points_with=data["outstanding_points_with"],
            liability_at_end=Money.of(Decimal(data["liability_at_end"]), currency),
            liability_with=Money.of(Decimal(data["liability_with"]), currency),
            members_affected=data["members_affected"],
            tier_basis=tiers["basis"],
            moved_up=tiers["moved_up"],
            moved_down=tiers["moved_down"],
            tiers=[
                TierSimulation(
                    tier_id=strawberry.ID(str(t["tier_id"])) if t["tier_id"] else None,
                    name=t["name"],
                    threshold_without=t["threshold_without"],
                    threshold_with=t["threshold_with"],
                    members_without=t["members_without"],
                    members_with=t["members_with"],
                    moved_up_into=t["moved_up_into"],
                    moved_down_into=t["moved_down_into"],
                )
                for t in tiers["per_tier"]
            ],
            top_skus=[SkuExtraPoints(**s) for s in data["top_skus"]],
            top_categories=[CategoryExtraPoints(**c) for c in data["top_categories"]],
            segments=[SegmentSimulation(**s) for s in data["segments"]],
        )


@strawberry.type(description="A campaign simulation: a draft replayed over past purchases.")
class Simulation:
    id: strawberry.ID = strawberry.field(description="The simulation's id.")
    name: str = strawberry.field(description="As staff named it.")
    status: SimulationStatus = strawberry.field(description="Where its job is.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    starts_at: datetime = strawberry.field(description="The window's start.")
    ends_at: datetime = strawberry.field(description="The window's end, excluded.")
    purchases_done: int = strawberry.field(description="Purchases replayed so far.")
    purchases_total: int = strawberry.field(
        description="Purchases in the window (0 until the job starts)."
    )
    progress: float = strawberry.field(
        description="purchasesDone / purchasesTotal, 0 to 1 (1 once DONE)."
    )
    draft: str = strawberry.field(
        description="The draft as JSON (rules with their fields, removed rule ids, tiers)."
    )
    error: str | None = strawberry.field(description="FAILED: why; else null.")
    requested_by_id: strawberry.ID | None = strawberry.field(
        description="The staff user who asked for it."
    )
    created_at: datetime = strawberry.field(description="When it was asked for.")
    finished_at: datetime | None = strawberry.field(description="When it finished or stopped.")
    results: SimulationResults | None = strawberry.field(
        description="The report once DONE; else null."
    )

    @classmethod
    def from_model(cls, row: models.Simulation) -> Simulation:
        status = models.SimulationStatus(row.status)
        if status == models.SimulationStatus.DONE:
            progress = 1.0
        elif row.purchases_total:
            progress = min(1.0, row.purchases_done / row.purchases_total)
        else:
            progress = 0.0
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            status=status,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            purchases_done=row.purchases_done,
            purchases_total=row.purchases_total,
            progress=progress,
            draft=orjson.dumps(row.draft).decode(),
            error=row.error or None,
            requested_by_id=strawberry.ID(str(row.requested_by_id))
            if row.requested_by_id
            else None,
            created_at=row.created_at,
            finished_at=row.finished_at,
            results=SimulationResults.of(row.results) if row.results else None,
        )


@strawberry.type(description="The simulation asked for or cancelled.")
class SimulationPayload:
    simulation: Simulation | None = strawberry.field(
        default=None, description="The simulation; null when refused."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (empty on success)."
    )
