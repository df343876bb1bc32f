"""Reward mutations: staff edit the catalog, members redeem, the shop uses codes, staff cancel."""

from __future__ import annotations

from typing import Any

import strawberry

from api.accounts.types import Member
from api.context import Info
from api.errors import UserError, returns_user_errors
from api.ids import parse_id
from api.permissions import integration_only, member_only, staff_only
from api.rewards.types import (
    ArchiveRewardInput,
    ArchiveRewardPayload,
    CancelRedemptionInput,
    CancelRedemptionPayload,
    CreateRewardInput,
    CreateRewardPayload,
    RedeemRewardInput,
    Redemption,
    RestockRewardInput,
    RestockRewardPayload,
    Reward,
    UpdateRewardInput,
    UpdateRewardPayload,
    UseRedemptionInput,
    UseRedemptionPayload,
)
from gamification.accounts.models import StaffRole
from gamification.rewards import catalog, redemptions

_ID_FIELDS = {"minimum_tier_id": "minimumTierId", "required_badge_id": "requiredBadgeId"}


@strawberry.type
class RedeemRewardPayload:
    redemption: Redemption | None = None
    member: Member | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _values(input: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields the caller gave (UNSET ones left out), ids parsed."""
    values = {}
    for name in names:
        value = getattr(input, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if name in _ID_FIELDS and value is not None:
            value = parse_id(value, _ID_FIELDS[name])
        values[name] = value
    return values


@strawberry.type
class RewardMutations:
    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(CreateRewardPayload)
    async def create_reward(self, info: Info, input: CreateRewardInput) -> CreateRewardPayload:
        reward = await catalog.create_reward(
            info.context.program_id, **_values(input, (*catalog.EDITABLE, "stock"))
        )
        return CreateRewardPayload(reward=Reward.from_model(reward))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(UpdateRewardPayload)
    async def update_reward(self, info: Info, input: UpdateRewardInput) -> UpdateRewardPayload:
        reward = await catalog.reward_in_program(
            info.context.program_id, parse_id(input.reward_id, "rewardId")
        )
        reward = await catalog.update_reward(reward, **_values(input, catalog.EDITABLE))
        return UpdateRewardPayload(reward=Reward.from_model(reward))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(RestockRewardPayload)
    async def restock_reward(self, info: Info, input: RestockRewardInput) -> RestockRewardPayload:
        reward = await catalog.reward_in_program(
            info.context.program_id, parse_id(input.reward_id, "rewardId")
        )
        reward = await catalog.restock_reward(reward, input.quantity)
        return RestockRewardPayload(reward=Reward.from_model(reward))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(ArchiveRewardPayload)
    async def archive_reward(self, info: Info, input: ArchiveRewardInput) -> ArchiveRewardPayload:
        reward = await catalog.reward_in_program(
            info.context.program_id, parse_id(input.reward_id, "rewardId")
        )
        return ArchiveRewardPayload(reward=Reward.from_model(await catalog.archive_reward(reward)))

    @strawberry.mutation(extensions=member_only())
    @returns_user_errors(RedeemRewardPayload)
    async def redeem_reward(self, info: Info, input: RedeemRewardInput) -> RedeemRewardPayload:
        outcome = await redemptions.redeem(
            info.context.caller.member_id,
            parse_id(input.reward_id, "rewardId"),
            input.idempotency_key,
        )
        return RedeemRewardPayload(
            redemption=Redemption.from_model(outcome.redemption),
            member=Member.from_model(outcome.member),
        )

    @strawberry.mutation(extensions=integration_only())
    @returns_user_errors(UseRedemptionPayload)
    async def use_redemption(self, info: Info, input: UseRedemptionInput) -> UseRedemptionPayload:
        redemption = await redemptions.use(info.context.program_id, input.code)
        return UseRedemptionPayload(redemption=Redemption.from_model(redemption))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(CancelRedemptionPayload)
    async def cancel_redemption(
        self, info: Info, input: CancelRedemptionInput
    ) -> CancelRedemptionPayload:
        redemption = await redemptions.redemption_in_program(
            info.context.program_id, parse_id(input.redemption_id, "redemptionId")
        )
        return CancelRedemptionPayload(
            redemption=Redemption.from_model(await redemptions.cancel(redemption))
        )
