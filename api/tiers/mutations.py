"""Staff management of tiers and VIP plans (ADMIN or MANAGER), and the lists of them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.languages import LOCALE_ARGUMENT
from api.permissions import authenticated, staff_only
from api.tiers.types import (
    ArchiveMembershipPlanInput,
    ArchiveTierInput,
    CreateMembershipPlanInput,
    CreateTierInput,
    MembershipPlan,
    MembershipPlanPayload,
    Tier,
    TierPayload,
    UpdateMembershipPlanInput,
    UpdateTierInput,
)
from gamification.accounts.models import StaffRole
from gamification.points import memberships, tiers
from gamification.points.models import MembershipPlan as PlanModel
from gamification.points.models import Tier as TierModel


@strawberry.type
class TierMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Add a tier. Staff, MANAGER role or higher. Codes: INVALID_INPUT (name, "
        "rank taken or out of range, threshold, multiplier).",
    )
    @returns_user_errors(TierPayload)
    async def create_tier(
        self,
        info: Info,
        input: Annotated[CreateTierInput, strawberry.argument(description="The tier.")],
    ) -> TierPayload:
        tier = await tiers.create_tier(
            info.context.actor,
            info.context.program_id,
            input.name,
            input.rank,
            input.qualifying_threshold,
            input.earning_multiplier,
            input.perks,
            input.translations,
        )
        return TierPayload(tier=Tier.from_model(tier))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Change a tier; members move at their next purchase or review. Staff, "
        "MANAGER role or higher. Codes: TIER_NOT_FOUND, INVALID_INPUT (name, rank taken or out "
        "of range, threshold, multiplier).",
    )
    @returns_user_errors(TierPayload)
    async def update_tier(
        self,
        info: Info,
        input: Annotated[
            UpdateTierInput, strawberry.argument(description="The tier and what changes.")
        ],
    ) -> TierPayload:
        tier = await tiers.update_tier(
            info.context.actor,
            info.context.program_id,
            parse_id(input.tier_id, "tierId"),
            name=input.name,
            rank=input.rank,
            qualifying_threshold=input.qualifying_threshold,
            earning_multiplier=input.earning_multiplier,
            perks=input.perks,
            translations=input.translations,
        )
        return TierPayload(tier=Tier.from_model(tier))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Retire a tier: no longer reached. Staff, MANAGER role or higher. Codes: "
        "TIER_NOT_FOUND.",
    )
    @returns_user_errors(TierPayload)
    async def archive_tier(
        self,
        info: Info,
        input: Annotated[ArchiveTierInput, strawberry.argument(description="Which tier.")],
    ) -> TierPayload:
        tier = await tiers.archive_tier(
            info.context.actor, info.context.program_id, parse_id(input.tier_id, "tierId")
        )
        return TierPayload(tier=Tier.from_model(tier))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Add a VIP plan. Staff, MANAGER role or higher. Codes: INVALID_INPUT, "
        "INVALID_AMOUNT, TIER_NOT_FOUND.",
    )
    @returns_user_errors(MembershipPlanPayload)
    async def create_membership_plan(
        self,
        info: Info,
        input: Annotated[CreateMembershipPlanInput, strawberry.argument(description="The plan.")],
    ) -> MembershipPlanPayload:
        plan = await memberships.create_plan(
            info.context.actor,
            info.context.program_id,
            name=input.name,
            tier_id=parse_id(input.tier_id, "tierId"),
            duration_days=input.duration_days,
            price=input.price,
        )
        return MembershipPlanPayload(plan=MembershipPlan.from_model(plan))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Change a VIP plan for later activations. Staff, MANAGER role or higher. "
        "Codes: PLAN_NOT_FOUND, INVALID_INPUT, INVALID_AMOUNT, TIER_NOT_FOUND.",
    )
    @returns_user_errors(MembershipPlanPayload)
    async def update_membership_plan(
        self,
        info: Info,
        input: Annotated[
            UpdateMembershipPlanInput, strawberry.argument(description="The plan and what changes.")
        ],
    ) -> MembershipPlanPayload:
        plan = await memberships.update_plan(
            info.context.actor,
            info.context.program_id,
            parse_id(input.plan_id, "planId"),
            name=input.name,
            tier_id=parse_id(input.tier_id, "tierId") if input.tier_id is not None else None,
            duration_days=input.duration_days,
            price=input.price,
        )
        return MembershipPlanPayload(plan=MembershipPlan.from_model(plan))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Stop selling a VIP plan; live memberships run on. Staff, MANAGER role or "
        "higher. Codes: PLAN_NOT_FOUND.",
    )
    @returns_user_errors(MembershipPlanPayload)
    async def archive_membership_plan(
        self,
        info: Info,
        input: Annotated[
            ArchiveMembershipPlanInput, strawberry.argument(description="Which plan.")
        ],
    ) -> MembershipPlanPayload:
        plan = await memberships.archive_plan(
            info.context.actor, info.context.program_id, parse_id(input.plan_id, "planId")
        )
        return MembershipPlanPayload(plan=MembershipPlan.from_model(plan))


@strawberry.type
class TierQueries:
    @strawberry.field(
        extensions=authenticated(),
        description="The program's tiers, lowest rank first. Any caller of the program.",
    )
    async def tiers(
        self,
        info: Info,
        include_archived: Annotated[
            bool, strawberry.argument(description="Also list archived ones (default false).")
        ] = False,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> list[Tier]:
        info.context.locales.choose(info, locale)
        rows = TierModel.filter(program_id=info.context.program_id)
        if not include_archived:
            rows = rows.filter(archived=False)
        return [Tier.from_model(t) for t in await rows.order_by("rank")]

    @strawberry.field(
        extensions=authenticated(),
        description="The program's VIP plans. Any caller of the program.",
    )
    async def membership_plans(
        self,
        info: Info,
        include_archived: Annotated[
            bool, strawberry.argument(description="Also list archived ones (default false).")
        ] = False,
    ) -> list[MembershipPlan]:
        rows = PlanModel.filter(program_id=info.context.program_id)
        if not include_archived:
            rows = rows.filter(archived=False)
        return [MembershipPlan.from_model(p) for p in await rows.order_by("id")]
