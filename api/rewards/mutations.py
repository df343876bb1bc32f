"""Reward mutations: staff edit the catalog, members redeem, the shop uses codes, staff cancel."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.accounts.types import Member
from api.audiences import audience_values
from api.context import Info
from api.errors import UserError, returns_user_errors
from api.ids import parse_id
from api.permissions import integration_only, member_only, staff_only
from api.rate_limits import member_spends
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


@strawberry.type(description="The redemption and the balance after it.")
class RedeemRewardPayload:
    redemption: Redemption | None = strawberry.field(
        default=None,
        description="The redemption with its code; null when refused.",
    )
    member: Member | None = strawberry.field(
        default=None,
        description="The member, with the balance after the spend.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (nothing was spent).",
    )


def _values(input: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields the caller gave (UNSET ones left out), ids parsed, the audience's too."""
    values = audience_values(input)
    for name in names:
        value = getattr(input, name, strawberry.UNSET)
        if value is strawberry.UNSET or name in values:
            continue
        if name in _ID_FIELDS and value is not None:
            value = parse_id(value, _ID_FIELDS[name])
        values[name] = value
    return values


@strawberry.type
class RewardMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Add a reward to the catalog. Staff, MANAGER role or higher. Codes: "
        "INVALID_INPUT (a field out of range, mixed limits, a donation amount on another "
        "kind), NOT_FOUND (minimumTierId, requiredBadgeId).",
    )
    @returns_user_errors(CreateRewardPayload)
    async def create_reward(
        self,
        info: Info,
        input: Annotated[CreateRewardInput, strawberry.argument(description="The reward.")],
    ) -> CreateRewardPayload:
        reward = await catalog.create_reward(
            info.context.actor,
            info.context.program_id,
            **_values(input, (*catalog.EDITABLE, "stock")),
        )
        return CreateRewardPayload(reward=Reward.from_model(reward))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Change a reward; only the fields given change, null clears an optional "
        "one. Staff, MANAGER role or higher. Codes: REWARD_NOT_FOUND, INVALID_INPUT, "
        "NOT_FOUND.",
    )
    @returns_user_errors(UpdateRewardPayload)
    async def update_reward(
        self,
        info: Info,
        input: Annotated[
            UpdateRewardInput,
            strawberry.argument(description="The reward and the fields that change."),
        ],
    ) -> UpdateRewardPayload:
        reward = await catalog.reward_in_program(
            info.context.program_id, parse_id(input.reward_id, "rewardId")
        )
        reward = await catalog.update_reward(
            info.context.actor, reward, **_values(input, catalog.EDITABLE)
        )
        return UpdateRewardPayload(reward=Reward.from_model(reward))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Add units to a reward's stock, atomically. Staff, MANAGER role or higher. "
        "Codes: REWARD_NOT_FOUND, INVALID_INPUT (quantity, or a reward with unlimited stock).",
    )
    @returns_user_errors(RestockRewardPayload)
    async def restock_reward(
        self,
        info: Info,
        input: Annotated[
            RestockRewardInput, strawberry.argument(description="The reward and how many units.")
        ],
    ) -> RestockRewardPayload:
        reward = await catalog.reward_in_program(
            info.context.program_id, parse_id(input.reward_id, "rewardId")
        )
        reward = await catalog.restock_reward(info.context.actor, reward, input.quantity)
        return RestockRewardPayload(reward=Reward.from_model(reward))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Hide a reward from members; codes already issued stay valid. Staff, "
        "MANAGER role or higher. Codes: REWARD_NOT_FOUND.",
    )
    @returns_user_errors(ArchiveRewardPayload)
    async def archive_reward(
        self,
        info: Info,
        input: Annotated[ArchiveRewardInput, strawberry.argument(description="Which reward.")],
    ) -> ArchiveRewardPayload:
        reward = await catalog.reward_in_program(
            info.context.program_id, parse_id(input.reward_id, "rewardId")
        )
        return ArchiveRewardPayload(
            reward=Reward.from_model(await catalog.archive_reward(info.context.actor, reward))
        )

    @strawberry.mutation(
        extensions=[member_spends(), *member_only()],
        description="Spend points on a reward: debits points and stock in one step and answers "
        "a code. Member only. Codes: REWARD_NOT_FOUND (unknown or archived), "
        "REWARD_NOT_STARTED, REWARD_ENDED, TIER_REQUIRED, BADGE_REQUIRED, OUT_OF_STOCK, "
        "LIMIT_REACHED, INSUFFICIENT_POINTS, IDEMPOTENCY_KEY_REUSED, INVALID_INPUT "
        "(idempotencyKey), MEMBER_BLOCKED.",
    )
    @returns_user_errors(RedeemRewardPayload)
    async def redeem_reward(
        self,
        info: Info,
        input: Annotated[
            RedeemRewardInput,
            strawberry.argument(description="The reward and the idempotency key."),
        ],
    ) -> RedeemRewardPayload:
        outcome = await redemptions.redeem(
            info.context.caller.member_id,
            parse_id(input.reward_id, "rewardId"),
            input.idempotency_key,
        )
        return RedeemRewardPayload(
            redemption=Redemption.from_model(outcome.redemption),
            member=Member.from_model(outcome.member),
        )

    @strawberry.mutation(
        extensions=integration_only(),
        description="The shop marks a code used. Integration (API key) only. Codes: "
        "REDEMPTION_NOT_FOUND, ALREADY_USED, REDEMPTION_CANCELLED, REDEMPTION_EXPIRED, "
        "REDEMPTION_NOT_USABLE (a donation).",
    )
    @returns_user_errors(UseRedemptionPayload)
    async def use_redemption(
        self,
        info: Info,
        input: Annotated[UseRedemptionInput, strawberry.argument(description="The code.")],
    ) -> UseRedemptionPayload:
        redemption = await redemptions.use(info.context.program_id, input.code)
        return UseRedemptionPayload(redemption=Redemption.from_model(redemption))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Undo an ISSUED redemption: its points come back as a new ledger entry and "
        "its unit goes back to stock. Staff, MANAGER role or higher. Codes: "
        "REDEMPTION_NOT_FOUND, ALREADY_USED, REDEMPTION_CANCELLED, REDEMPTION_EXPIRED, "
        "REDEMPTION_NOT_USABLE.",
    )
    @returns_user_errors(CancelRedemptionPayload)
    async def cancel_redemption(
        self,
        info: Info,
        input: Annotated[
            CancelRedemptionInput, strawberry.argument(description="Which redemption.")
        ],
    ) -> CancelRedemptionPayload:
        redemption = await redemptions.redemption_in_program(
            info.context.program_id, parse_id(input.redemption_id, "redemptionId")
        )
        return CancelRedemptionPayload(
            redemption=Redemption.from_model(
                await redemptions.cancel(info.context.actor, redemption)
            )
        )
