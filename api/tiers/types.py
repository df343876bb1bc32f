"""GraphQL types of tiers, tier progress and VIP membership plans."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.errors import UserError
from gamification.points import models as points_models


@strawberry.type
class Tier:
    id: strawberry.ID
    name: str
    rank: int
    qualifying_threshold: int
    earning_multiplier: Decimal
    perks: str
    archived: bool

    @classmethod
    def from_model(cls, tier: points_models.Tier) -> Tier:
        return cls(
            id=strawberry.ID(str(tier.id)),
            name=tier.name,
            rank=tier.rank,
            qualifying_threshold=tier.qualifying_threshold,
            # Trailing zeros of the column's scale say nothing: "1.5", not "1.500".
            earning_multiplier=Decimal(
                format(Decimal(str(tier.earning_multiplier)).normalize(), "f")
            ),
            perks=tier.perks,
            archived=tier.archived,
        )


@strawberry.type
class TierProgress:
    current: Tier | None
    next: Tier | None
    qualifying_points: int = strawberry.field(
        description="Points (or whole currency units, for a spend basis) over the rolling window."
    )
    points_to_next: int | None
    review_date: datetime | None


@strawberry.type
class MembershipPlan:
    id: strawberry.ID
    name: str
    tier_id: strawberry.ID
    duration_days: int
    price: Decimal
    archived: bool

    @classmethod
    def from_model(cls, plan: points_models.MembershipPlan) -> MembershipPlan:
        return cls(
            id=strawberry.ID(str(plan.id)),
            name=plan.name,
            tier_id=strawberry.ID(str(plan.tier_id)),
            duration_days=plan.duration_days,
            price=Decimal(plan.price),
            archived=plan.archived,
        )


@strawberry.type
class Membership:
    id: strawberry.ID
    plan_id: strawberry.ID
    tier_id: strawberry.ID
    external_id: str
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None

    @classmethod
    def from_model(cls, membership: points_models.Membership) -> Membership:
        return cls(
            id=strawberry.ID(str(membership.id)),
            plan_id=strawberry.ID(str(membership.plan_id)),
            tier_id=strawberry.ID(str(membership.tier_id)),
            external_id=membership.external_id,
            starts_at=membership.starts_at,
            ends_at=membership.ends_at,
            ended_at=membership.ended_at,
        )


@strawberry.input
class CreateTierInput:
    name: str
    rank: int
    qualifying_threshold: int = 0
    earning_multiplier: Decimal = Decimal(1)
    perks: str = ""


@strawberry.input
class UpdateTierInput:
    tier_id: strawberry.ID
    name: str | None = None
    rank: int | None = None
    qualifying_threshold: int | None = None
    earning_multiplier: Decimal | None = None
    perks: str | None = None


@strawberry.input
class ArchiveTierInput:
    tier_id: strawberry.ID


@strawberry.type
class TierPayload:
    tier: Tier | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateMembershipPlanInput:
    name: str
    tier_id: strawberry.ID
    duration_days: int
    price: Decimal


@strawberry.input
class UpdateMembershipPlanInput:
    plan_id: strawberry.ID
    name: str | None = None
    tier_id: strawberry.ID | None = None
    duration_days: int | None = None
    price: Decimal | None = None


@strawberry.input
class ArchiveMembershipPlanInput:
    plan_id: strawberry.ID


@strawberry.type
class MembershipPlanPayload:
    plan: MembershipPlan | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
