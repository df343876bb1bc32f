"""Reading the catalog (members, staff), a code (the shop) and the donation total."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.pagination import Connection, Edge, paginate
from api.permissions import authenticated, integration_only, member_only, staff_only
from api.rewards.types import DonationTotal, Redemption, Reward
from gamification.accounts.models import Member as MemberModel
from gamification.programs.models import Program as ProgramModel
from gamification.rewards import catalog, redemptions


@strawberry.type
class RewardQueries:
    @strawberry.field(
        extensions=member_only(),
        description="The catalog as the calling member sees it, with what they can redeem now.",
    )
    async def rewards(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Reward]:
        page = await paginate(catalog.catalog(info.context.program_id), lambda r: r, first, after)
        member = await MemberModel.get(id=info.context.caller.member_id)
        availability = await catalog.availability(member, [edge.node for edge in page.edges])
        return Connection(
            edges=[
                Edge(node=Reward.from_model(e.node, availability[e.node.id]), cursor=e.cursor)
                for e in page.edges
            ],
            page_info=page.page_info,
        )

    @strawberry.field(extensions=staff_only(), description="The whole catalog, for the console.")
    async def catalog_rewards(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_archived: bool = False,
    ) -> Connection[Reward]:
        return await paginate(
            catalog.catalog(info.context.program_id, include_archived),
            Reward.from_model,
            first,
            after,
        )

    @strawberry.field(extensions=integration_only(), description="The shop looks a code up.")
    async def check_redemption(self, info: Info, code: str) -> Redemption:
        return Redemption.from_model(await redemptions.by_code(info.context.program_id, code))

    @strawberry.field(extensions=authenticated(), description="What the program's members gave.")
    async def donation_total(self, info: Info) -> DonationTotal:
        program = await ProgramModel.get(id=info.context.program_id)
        total = await catalog.donation_total(program.id)
        return DonationTotal(
            points=total.points,
            amount=str(total.amount),
            currency=program.currency,
            redemptions=total.redemptions,
        )
