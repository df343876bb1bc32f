"""GraphQL types of the rewards catalog and redemptions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.context import Info
from api.errors import UserError
from gamification.rewards import catalog
from gamification.rewards import models as rewards_models

RewardKind = strawberry.enum(rewards_models.RewardKind, name="RewardKind")
RedemptionStatus = strawberry.enum(rewards_models.RedemptionStatus, name="RedemptionStatus")
UnavailableReason = strawberry.enum(catalog.UnavailableReason, name="UnavailableReason")


@strawberry.type
class Reward:
    id: strawberry.ID
    name: str
    description: str
    kind: RewardKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points_cost: int
    stock: int | None = strawberry.field(description="Units left; null means unlimited.")
    limit_per_member: int | None
    limit_per_period: int | None
    limit_period_days: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    minimum_tier_id: strawberry.ID | None
    required_badge_id: strawberry.ID | None
    image_url: str | None
    redemption_validity_days: int | None
    refund_on_expiry: bool
    donation_amount: str | None = strawberry.field(
        description="For a donation: the money each redemption gives, a decimal string."
    )
    archived: bool
    available: bool | None = strawberry.field(
        description="Whether the calling member can redeem it now (null for other callers)."
    )
    unavailable_reason: UnavailableReason | None  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes

    @classmethod
    def from_model(
        cls, reward: rewards_models.Reward, availability: catalog.Availability | None = None
    ) -> Reward:
        return cls(
            id=strawberry.ID(str(reward.id)),
            name=reward.name,
            description=reward.description,
            kind=reward.kind,
            points_cost=reward.points_cost,
            stock=reward.stock,
            limit_per_member=reward.limit_per_member,
            limit_per_period=reward.limit_per_period,
            limit_period_days=reward.limit_period_days,
            starts_at=reward.starts_at,
            ends_at=reward.ends_at,
            minimum_tier_id=_id(reward.minimum_tier_id),
            required_badge_id=_id(reward.required_badge_id),
            image_url=reward.image_url,
            redemption_validity_days=reward.redemption_validity_days,
            refund_on_expiry=reward.refund_on_expiry,
            donation_amount=None if reward.donation_amount is None else str(reward.donation_amount),
            archived=reward.archived,
            available=availability.available if availability else None,
            unavailable_reason=availability.reason if availability else None,
        )


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type
class Redemption:
    model: strawberry.Private[rewards_models.Redemption]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="What the shop types in: 10 characters, no 0/O/1/I/L.")
    def code(self) -> str:
        return self.model.code

    @strawberry.field
    def status(self) -> RedemptionStatus:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.status

    @strawberry.field
    def points_spent(self) -> int:
        return self.model.points_spent

    @strawberry.field
    def points_refunded(self) -> int:
        return self.model.points_refunded

    @strawberry.field(description="`redeem`, or where a prize came from.")
    def source(self) -> str:
        return self.model.source

    @strawberry.field
    def member_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.member_id))

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def expires_at(self) -> datetime | None:
        return self.model.expires_at

    @strawberry.field
    def used_at(self) -> datetime | None:
        return self.model.used_at

    @strawberry.field
    def cancelled_at(self) -> datetime | None:
        return self.model.cancelled_at

    @strawberry.field
    def expired_at(self) -> datetime | None:
        return self.model.expired_at

    @strawberry.field
    async def reward(self, info: Info) -> Reward:
        reward = await info.context.loaders.reward.load(self.model.reward_id)
        assert reward is not None  # a reward is never deleted (RESTRICT)
        return Reward.from_model(reward)

    @classmethod
    def from_model(cls, redemption: rewards_models.Redemption) -> Redemption:
        return cls(model=redemption)


@strawberry.type
class DonationTotal:
    points: int
    amount: str = strawberry.field(description="A decimal string, in the program currency.")
    currency: str
    redemptions: int


@strawberry.input
class CreateRewardInput:
    name: str
    kind: RewardKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points_cost: int
    description: str = ""
    stock: int | None = strawberry.field(default=None, description="Null: unlimited.")
    limit_per_member: int | None = None
    limit_per_period: int | None = None
    limit_period_days: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    minimum_tier_id: strawberry.ID | None = None
    required_badge_id: strawberry.ID | None = None
    image_url: str | None = None
    redemption_validity_days: int | None = None
    refund_on_expiry: bool = False
    donation_amount: str | None = None


@strawberry.input(description="Only the fields given change; a field given as null is cleared.")
class UpdateRewardInput:
    reward_id: strawberry.ID
    name: str | None = strawberry.UNSET
    kind: RewardKind | None = strawberry.UNSET  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points_cost: int | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    limit_per_member: int | None = strawberry.UNSET
    limit_per_period: int | None = strawberry.UNSET
    limit_period_days: int | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    minimum_tier_id: strawberry.ID | None = strawberry.UNSET
    required_badge_id: strawberry.ID | None = strawberry.UNSET
    image_url: str | None = strawberry.UNSET
    redemption_validity_days: int | None = strawberry.UNSET
    refund_on_expiry: bool | None = strawberry.UNSET
    donation_amount: str | None = strawberry.UNSET


@strawberry.input
class RestockRewardInput:
    reward_id: strawberry.ID
    quantity: int


@strawberry.input
class ArchiveRewardInput:
    reward_id: strawberry.ID


@strawberry.type
class RewardPayload:
    reward: Reward | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateRewardPayload(RewardPayload):
    pass


@strawberry.type
class UpdateRewardPayload(RewardPayload):
    pass


@strawberry.type
class RestockRewardPayload(RewardPayload):
    pass


@strawberry.type
class ArchiveRewardPayload(RewardPayload):
    pass


@strawberry.input
class RedeemRewardInput:
    reward_id: strawberry.ID
    idempotency_key: str


@strawberry.input
class UseRedemptionInput:
    code: str


@strawberry.type
class UseRedemptionPayload:
    redemption: Redemption | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CancelRedemptionInput:
    redemption_id: strawberry.ID


@strawberry.type
class CancelRedemptionPayload:
    redemption: Redemption | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
