"""Staff management of tiers and VIP plans (ADMIN or MANAGER), and the lists of them."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
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
    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(TierPayload)
    async def create_tier(self, info: Info, input: CreateTierInput) -> TierPayload:
        tier = await tiers.create_tier(
            info.context.program_id,
            input.name,
            input.rank,
            input.qualifying_threshold,
            input.earning_multiplier,
            input.perks,
        )
        return TierPayload(tier=Tier.from_model(tier))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(TierPayload)
    async def update_tier(self, info: Info, input: UpdateTierInput) -> TierPayload:
        tier = await tiers.update_tier(
            info.context.program_id,
            parse_id(input.tier_id, "tierId"),
            name=input.name,
            rank=input.rank,
            qualifying_threshold=input.qualifying_threshold,
            earning_multiplier=input.earning_multiplier,
            perks=input.perks,
        )
        return TierPayload(tier=Tier.from_model(tier))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(TierPayload)
    async def archive_tier(self, info: Info, input: ArchiveTierInput) -> TierPayload:
        tier = await tiers.archive_tier(info.context.program_id, parse_id(input.tier_id, "tierId"))
        return TierPayload(tier=Tier.from_model(tier))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(MembershipPlanPayload)
    async def create_membership_plan(
        self, info: Info, input: CreateMembershipPlanInput
    ) -> MembershipPlanPayload:
        plan = await memberships.create_plan(
            info.context.program_id,
            name=input.name,
            tier_id=parse_id(input.tier_id, "tierId"),
            duration_days=input.duration_days,
            price=input.price,
        )
        return MembershipPlanPayload(plan=MembershipPlan.from_model(plan))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(MembershipPlanPayload)
    async def update_membership_plan(
        self, info: Info, input: UpdateMembershipPlanInput
    ) -> MembershipPlanPayload:
        plan = await memberships.update_plan(
            info.context.program_id,
            parse_id(input.plan_id, "planId"),
            name=input.name,
            tier_id=parse_id(input.tier_id, "tierId") if input.tier_id is not None else None,
            duration_days=input.duration_days,
            price=input.price,
        )
        return MembershipPlanPayload(plan=MembershipPlan.from_model(plan))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(MembershipPlanPayload)
    async def archive_membership_plan(
        self, info: Info, input: ArchiveMembershipPlanInput
    ) -> MembershipPlanPayload:
        plan = await memberships.archive_plan(
            info.context.program_id, parse_id(input.plan_id, "planId")
        )
        return MembershipPlanPayload(plan=MembershipPlan.from_model(plan))


@strawberry.type
class TierQueries:
    @strawberry.field(extensions=authenticated(), description="The program's tiers, by rank.")
    async def tiers(self, info: Info, include_archived: bool = False) -> list[Tier]:
        rows = TierModel.filter(program_id=info.context.program_id)
        if not include_archived:
            rows = rows.filter(archived=False)
        return [Tier.from_model(t) for t in await rows.order_by("rank")]

    @strawberry.field(extensions=authenticated())
    async def membership_plans(
        self, info: Info, include_archived: bool = False
    ) -> list[MembershipPlan]:
        rows = PlanModel.filter(program_id=info.context.program_id)
        if not include_archived:
            rows = rows.filter(archived=False)
        return [MembershipPlan.from_model(p) for p in await rows.order_by("id")]
