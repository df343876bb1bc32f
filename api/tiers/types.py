"""GraphQL types of tiers, tier progress and VIP membership plans."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.errors import UserError
from api.languages import (
    TRANSLATIONS,
    Texts,
    Translation,
    TranslationInput,
    translated_description,
    translated_name,
    translations_field,
)
from gamification.points import models as points_models


@strawberry.type(
    description="A status level members reach by qualifying points (or spend) over a rolling "
    "window; higher rank is better.",
)
class Tier:
    texts: strawberry.Private[Texts]
    id: strawberry.ID = strawberry.field(description="The tier's id.")
    name: str = translated_name("1 to 60 characters, in the caller's language.")
    translations: list[Translation] = translations_field()
    rank: int = strawberry.field(
        description="Its order: 0 to 1000, unique in the program, higher is better.",
    )
    qualifying_threshold: int = strawberry.field(
        description="The qualifying points (or whole currency units on a spend basis) that "
        "reach it.",
    )
    earning_multiplier: Decimal = strawberry.field(
        description="Multiplies the points purchases earn (1: none; above 0, at most 100).",
    )
    perks: str = translated_description(
        "A text describing its benefits, for the app, in the caller's language (a "
        "translation's description)."
    )
    archived: bool = strawberry.field(description="Archived tiers are no longer reached.")

    @classmethod
    def from_model(cls, tier: points_models.Tier) -> Tier:
        return cls(
            texts=Texts(tier.name, tier.perks, tier.translations or {}),
            id=strawberry.ID(str(tier.id)),
            rank=tier.rank,
            qualifying_threshold=tier.qualifying_threshold,
            # Trailing zeros of the column's scale say nothing: "1.5", not "1.500".
            earning_multiplier=Decimal(
                format(Decimal(str(tier.earning_multiplier)).normalize(), "f")
            ),
            archived=tier.archived,
        )


@strawberry.type(description="Where a member stands toward the next tier.")
class TierProgress:
    current: Tier | None = strawberry.field(description="The member's tier; null before any.")
    next: Tier | None = strawberry.field(description="The next tier up; null at the top.")
    qualifying_points: int = strawberry.field(
        description="Points (or whole currency units, for a spend basis) over the rolling window."
    )
    points_to_next: int | None = strawberry.field(
        description="What is still needed for the next tier; null at the top.",
    )
    review_date: datetime | None = strawberry.field(
        description="When the member's tier is next reviewed (a downgrade happens only then).",
    )


@strawberry.type(description="A paid VIP plan: buying it grants a tier for a fixed term.")
class MembershipPlan:
    id: strawberry.ID = strawberry.field(description="The plan's id.")
    name: str = strawberry.field(description="1 to 100 characters.")
    tier_id: strawberry.ID = strawberry.field(description="The tier it grants.")
    duration_days: int = strawberry.field(description="How long it lasts: 1 to 3660 days.")
    price: Decimal = strawberry.field(
        description="Its price, a decimal in the program's currency (informative: the "
        "integration takes the payment).",
    )
    archived: bool = strawberry.field(description="Archived plans can no longer be activated.")

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


@strawberry.type(description="A member's paid VIP membership.")
class Membership:
    id: strawberry.ID = strawberry.field(description="The membership's id.")
    plan_id: strawberry.ID = strawberry.field(description="The plan bought.")
    tier_id: strawberry.ID = strawberry.field(description="The tier it grants.")
    external_id: str = strawberry.field(description="The integration's id for the sale.")
    starts_at: datetime = strawberry.field(description="When it starts (ISO-8601, UTC).")
    ends_at: datetime = strawberry.field(description="When it ends.")
    ended_at: datetime | None = strawberry.field(
        description="When it actually ended; null while it runs.",
    )

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


@strawberry.input(description="A new tier.")
class CreateTierInput:
    name: str = strawberry.field(description="1 to 60 characters.")
    rank: int = strawberry.field(
        description="0 to 1000, unique in the program (INVALID_INPUT if taken).",
    )
    qualifying_threshold: int = strawberry.field(
        default=0,
        description="0 or more (default 0): qualifying points (or whole currency units) to "
        "reach it.",
    )
    earning_multiplier: Decimal = strawberry.field(
        default=Decimal(1),
        description="A decimal above 0, at most 100 (default 1).",
    )
    perks: str = strawberry.field(default="", description="A text of its benefits (default empty).")
    translations: list[TranslationInput] = strawberry.field(
        default_factory=list,
        description="The name and, as the description, the perks in other languages. Codes: "
        "INVALID_LOCALE, INVALID_TRANSLATION naming the item.",
    )


@strawberry.input(description="Changes to a tier; left out or null stays.")
class UpdateTierInput:
    tier_id: strawberry.ID = strawberry.field(description="The tier to change.")
    name: str | None = strawberry.field(default=None, description="1 to 60 characters.")
    rank: int | None = strawberry.field(
        default=None,
        description="0 to 1000, unique in the program.",
    )
    qualifying_threshold: int | None = strawberry.field(default=None, description="0 or more.")
    earning_multiplier: Decimal | None = strawberry.field(
        default=None,
        description="Above 0, at most 100.",
    )
    perks: str | None = strawberry.field(default=None, description="A text of its benefits.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )


@strawberry.input(description="The tier to archive.")
class ArchiveTierInput:
    tier_id: strawberry.ID = strawberry.field(description="The tier's id.")


@strawberry.type(description="The tier a mutation made or changed, or why not.")
class TierPayload:
    tier: Tier | None = strawberry.field(default=None, description="The tier; null when refused.")
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.input(description="A new VIP plan.")
class CreateMembershipPlanInput:
    name: str = strawberry.field(description="1 to 100 characters.")
    tier_id: strawberry.ID = strawberry.field(description="The tier it grants (TIER_NOT_FOUND).")
    duration_days: int = strawberry.field(description="1 to 3660 days.")
    price: Decimal = strawberry.field(
        description="0 or more, a decimal in the program's currency (INVALID_AMOUNT).",
    )


@strawberry.input(
    description="Changes to a plan, for later activations; live memberships keep theirs. Left "
    "out or null stays.",
)
class UpdateMembershipPlanInput:
    plan_id: strawberry.ID = strawberry.field(description="The plan to change.")
    name: str | None = strawberry.field(default=None, description="1 to 100 characters.")
    tier_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The tier it grants.",
    )
    duration_days: int | None = strawberry.field(default=None, description="1 to 3660 days.")
    price: Decimal | None = strawberry.field(default=None, description="0 or more.")


@strawberry.input(description="The plan to archive.")
class ArchiveMembershipPlanInput:
    plan_id: strawberry.ID = strawberry.field(description="The plan's id.")


@strawberry.type(description="The plan a mutation made or changed, or why not.")
class MembershipPlanPayload:
    plan: MembershipPlan | None = strawberry.field(
        default=None,
        description="The plan; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )
