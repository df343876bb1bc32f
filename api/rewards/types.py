"""GraphQL types of the rewards catalog and redemptions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.audiences import Audience, AudienceChanges, AudienceInput
from api.context import Info
from api.enums import graphql_enum
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
from gamification.rewards import catalog
from gamification.rewards import models as rewards_models

RewardKind = graphql_enum(
    rewards_models.RewardKind,
    "RewardKind",
    "What a reward is.",
    {
        "MERCHANDISE": "A product the member collects with the redemption code.",
        "EXPERIENCE": "An event or an activity, booked with the redemption code.",
        "VOUCHER": "A discount or credit the shop applies with the code.",
        "DONATION": "Points given to a cause (`donationAmount` each): fulfilled at once, no "
        "code to use.",
    },
)
RedemptionStatus = graphql_enum(
    rewards_models.RedemptionStatus,
    "RedemptionStatus",
    "Where a redemption is in its life.",
    {
        "ISSUED": "A code the shop has not taken yet.",
        "USED": "The shop took it (useRedemption).",
        "CANCELLED": "Staff undid it: points and stock given back.",
        "EXPIRED": "Its validity lapsed unused (points back only if the reward says so).",
        "FULFILLED": "Nothing left to do: a donation is made at once.",
    },
)
UnavailableReason = graphql_enum(
    catalog.UnavailableReason,
    "UnavailableReason",
    "Why the calling member cannot redeem a reward now (the first rule that fails, in this order).",
    {
        "NOT_STARTED": "Its window has not started.",
        "ENDED": "Its window has ended.",
        "TIER_REQUIRED": "It needs a higher tier.",
        "BADGE_REQUIRED": "It needs a badge the member does not hold.",
        "NOT_IN_AUDIENCE": "It is aimed at other RFM segments, ABC classes or tiers.",
        "OUT_OF_STOCK": "No unit is left.",
        "LIMIT_REACHED": "The member redeemed it as often as its limits allow.",
        "NOT_ENOUGH_POINTS": "The balance does not cover its cost.",
    },
)


@strawberry.type(description="An item of the catalog, priced in points.")
class Reward:
    texts: strawberry.Private[Texts]
    id: strawberry.ID = strawberry.field(description="The reward's id (for redeemReward).")
    name: str = translated_name("The reward's name, in the caller's language.")
    description: str = translated_description("Shown to members, in the caller's language.")
    translations: list[Translation] = translations_field()
    kind: RewardKind = strawberry.field(description="What it is.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points_cost: int = strawberry.field(description="Points one redemption costs (0: free).")
    stock: int | None = strawberry.field(description="Units left; null means unlimited.")
    limit_per_member: int | None = strawberry.field(
        description="Redemptions per member, ever; null: no limit.",
    )
    limit_per_period: int | None = strawberry.field(
        description="Redemptions per member in any rolling window of limitPeriodDays; null: none.",
    )
    limit_period_days: int | None = strawberry.field(
        description="The rolling window of limitPerPeriod, in days.",
    )
    starts_at: datetime | None = strawberry.field(
        description="Redeemable from this time; null: already.",
    )
    ends_at: datetime | None = strawberry.field(
        description="Redeemable until this time (excluded); null: no end.",
    )
    minimum_tier_id: strawberry.ID | None = strawberry.field(
        description="The lowest tier that may redeem it (compared by rank); null: any.",
    )
    required_badge_id: strawberry.ID | None = strawberry.field(
        description="A badge the member must hold; null: none.",
    )
    image_url: str | None = strawberry.field(description="An http(s) image URL; null: none.")
    redemption_validity_days: int | None = strawberry.field(
        description="Days a code stays usable; null: forever.",
    )
    refund_on_expiry: bool = strawberry.field(
        description="Whether an expired code gives its points and unit back.",
    )
    donation_amount: str | None = strawberry.field(
        description="For a donation: the money each redemption gives, a decimal string."
    )
    audience: Audience = strawberry.field(
        description="Who may redeem it: RFM segments, ABC classes, tiers (members outside it do "
        "not see it in `rewards`)."
    )
    archived: bool = strawberry.field(
        description="Hidden from members; codes already issued stay valid.",
    )
    available: bool | None = strawberry.field(
        description="Whether the calling member can redeem it now (null for other callers)."
    )
    unavailable_reason: UnavailableReason | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="When `available` is false: why (null otherwise, and for other callers).",
    )

    @classmethod
    def from_model(
        cls, reward: rewards_models.Reward, availability: catalog.Availability | None = None
    ) -> Reward:
        return cls(
            texts=Texts.of(reward),
            id=strawberry.ID(str(reward.id)),
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
            audience=Audience.of(reward),
            archived=reward.archived,
            available=availability.available if availability else None,
            unavailable_reason=availability.reason if availability else None,
        )


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(description="A reward redeemed (or won): a code the shop checks and marks used.")
class Redemption:
    model: strawberry.Private[rewards_models.Redemption]

    @strawberry.field(description="The redemption's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="What the shop types in: 10 characters, no 0/O/1/I/L.")
    def code(self) -> str:
        return self.model.code

    @strawberry.field(description="Where it is in its life.")
    def status(self) -> RedemptionStatus:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.status

    @strawberry.field(description="Points it cost (0 for a prize).")
    def points_spent(self) -> int:
        return self.model.points_spent

    @strawberry.field(description="Points given back (by a cancellation or a refunding expiry).")
    def points_refunded(self) -> int:
        return self.model.points_refunded

    @strawberry.field(description="`redeem`, or where a prize came from.")
    def source(self) -> str:
        return self.model.source

    @strawberry.field(description="The member it belongs to.")
    def member_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.member_id))

    @strawberry.field(description="When it was redeemed (ISO-8601, UTC).")
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When the code stops being usable; null: never.")
    def expires_at(self) -> datetime | None:
        return self.model.expires_at

    @strawberry.field(description="When the shop took it; null until then.")
    def used_at(self) -> datetime | None:
        return self.model.used_at

    @strawberry.field(description="When staff cancelled it; null unless cancelled.")
    def cancelled_at(self) -> datetime | None:
        return self.model.cancelled_at

    @strawberry.field(description="When it expired; null unless expired.")
    def expired_at(self) -> datetime | None:
        return self.model.expired_at

    @strawberry.field(description="The reward redeemed.")
    async def reward(self, info: Info) -> Reward:
        reward = await info.context.loaders.reward.load(self.model.reward_id)
        assert reward is not None  # a reward is never deleted (RESTRICT)
        return Reward.from_model(reward)

    @classmethod
    def from_model(cls, redemption: rewards_models.Redemption) -> Redemption:
        return cls(model=redemption)


@strawberry.type(description="What the program's members gave through DONATION rewards.")
class DonationTotal:
    points: int = strawberry.field(description="Points spent on donations.")
    amount: str = strawberry.field(description="A decimal string, in the program currency.")
    currency: str = strawberry.field(description="The program's currency code.")
    redemptions: int = strawberry.field(description="How many donations were made.")


@strawberry.input(description="A new reward.")
class CreateRewardInput(AudienceInput):
    name: str = strawberry.field(description="1 to 120 printable characters.")
    kind: RewardKind = strawberry.field(description="What it is.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points_cost: int = strawberry.field(
        description="Points one redemption costs: 0 (free) to 1,000,000,000.",
    )
    description: str = strawberry.field(
        default="",
        description="At most 4000 characters, shown to members.",
    )
    stock: int | None = strawberry.field(default=None, description="Null: unlimited.")
    limit_per_member: int | None = strawberry.field(
        default=None,
        description="Redemptions per member, ever: 1 to 10,000 (cancelled ones do not count); "
        "null: no limit.",
    )
    limit_per_period: int | None = strawberry.field(
        default=None,
        description="Redemptions per member in any rolling window of limitPeriodDays: 1 to "
        "10,000; give both or neither.",
    )
    limit_period_days: int | None = strawberry.field(
        default=None,
        description="The rolling window of limitPerPeriod, in days: 1 to 3660.",
    )
    starts_at: datetime | None = strawberry.field(
        default=None,
        description="Redeemable from this time (ISO-8601 with a zone); null: already.",
    )
    ends_at: datetime | None = strawberry.field(
        default=None,
        description="Redeemable until this time, excluded; after startsAt. Null: no end.",
    )
    minimum_tier_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A tier of the program: the member's tier rank must be at least its rank "
        "(NOT_FOUND when not the program's).",
    )
    required_badge_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A badge of the program the member must hold (NOT_FOUND otherwise).",
    )
    image_url: str | None = strawberry.field(
        default=None,
        description="An http(s) image URL of at most 500 characters.",
    )
    redemption_validity_days: int | None = strawberry.field(
        default=None,
        description="Days a code stays usable: 1 to 3660; null: forever. Not for a DONATION.",
    )
    refund_on_expiry: bool = strawberry.field(
        default=False,
        description="Whether an expired code gives its points and its unit back.",
    )
    donation_amount: str | None = strawberry.field(
        default=None,
        description="DONATION only: the money each redemption gives, a decimal string of 0 to "
        "1,000,000 with up to 2 places, in the program's currency.",
    )
    translations: list[TranslationInput] | None = strawberry.field(
        default=strawberry.UNSET, description=TRANSLATIONS
    )


@strawberry.input(description="Only the fields given change; a field given as null is cleared.")
class UpdateRewardInput(AudienceChanges):
    reward_id: strawberry.ID = strawberry.field(description="The reward to change.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="1 to 120 printable characters.",
    )
    kind: RewardKind | None = strawberry.field(default=strawberry.UNSET, description="What it is.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    points_cost: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Points one redemption costs: 0 (free) to 1,000,000,000.",
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="At most 4000 characters, shown to members.",
    )
    limit_per_member: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Redemptions per member, ever: 1 to 10,000 (cancelled ones do not count); "
        "null: no limit.",
    )
    limit_per_period: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Redemptions per member in any rolling window of limitPeriodDays: 1 to "
        "10,000; give both or neither.",
    )
    limit_period_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The rolling window of limitPerPeriod, in days: 1 to 3660.",
    )
    starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Redeemable from this time (ISO-8601 with a zone); null: already.",
    )
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="Redeemable until this time, excluded; after startsAt. Null: no end.",
    )
    minimum_tier_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="A tier of the program: the member's tier rank must be at least its rank "
        "(NOT_FOUND when not the program's).",
    )
    required_badge_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="A badge of the program the member must hold (NOT_FOUND otherwise).",
    )
    image_url: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="An http(s) image URL of at most 500 characters.",
    )
    redemption_validity_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Days a code stays usable: 1 to 3660; null: forever. Not for a DONATION.",
    )
    refund_on_expiry: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether an expired code gives its points and its unit back.",
    )
    donation_amount: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="DONATION only: the money each redemption gives, a decimal string of 0 to "
        "1,000,000 with up to 2 places, in the program's currency.",
    )
    translations: list[TranslationInput] | None = strawberry.field(
        default=strawberry.UNSET, description=TRANSLATIONS
    )


@strawberry.input(description="Units to add to a reward's stock.")
class RestockRewardInput:
    reward_id: strawberry.ID = strawberry.field(
        description="The reward (it must have a limited stock).",
    )
    quantity: int = strawberry.field(description="Units to add: 1 to 10,000,000.")


@strawberry.input(description="The reward to archive.")
class ArchiveRewardInput:
    reward_id: strawberry.ID = strawberry.field(description="The reward's id.")


@strawberry.type(description="The reward a mutation made or changed, or why not.")
class RewardPayload:
    reward: Reward | None = strawberry.field(
        default=None,
        description="The reward; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.type(description="The new reward, or why not.")
class CreateRewardPayload(RewardPayload):
    pass


@strawberry.type(description="The changed reward, or why not.")
class UpdateRewardPayload(RewardPayload):
    pass


@strawberry.type(description="The restocked reward, or why not.")
class RestockRewardPayload(RewardPayload):
    pass


@strawberry.type(description="The archived reward, or why not.")
class ArchiveRewardPayload(RewardPayload):
    pass


@strawberry.input(description="A redemption to make.")
class RedeemRewardInput:
    reward_id: strawberry.ID = strawberry.field(description="The reward to redeem.")
    idempotency_key: str = strawberry.field(
        description="1 to 128 printable characters, new for each redemption: the same key "
        "again answers the first redemption and spends nothing more (another reward with it: "
        "IDEMPOTENCY_KEY_REUSED).",
    )


@strawberry.input(description="The code the shop took.")
class UseRedemptionInput:
    code: str = strawberry.field(
        description="The redemption code (any case; spaces and dashes are ignored).",
    )


@strawberry.type(description="The redemption, now USED, or why not.")
class UseRedemptionPayload:
    redemption: Redemption | None = strawberry.field(
        default=None,
        description="The redemption; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused.",
    )


@strawberry.input(description="The redemption to cancel.")
class CancelRedemptionInput:
    redemption_id: strawberry.ID = strawberry.field(description="The redemption's id.")


@strawberry.type(description="The redemption, now CANCELLED, or why not.")
class CancelRedemptionPayload:
    redemption: Redemption | None = strawberry.field(
        default=None,
        description="The redemption; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused.",
    )
