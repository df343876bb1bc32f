"""Reading the catalog (members, staff), a code (the shop) and the donation total."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.ids import parse_id
from api.languages import LOCALE_ARGUMENT
from api.pagination import (
    AFTER,
    FIRST,
    Connection,
    Edge,
    connection_of,
    decode_cursor,
    page_size,
    paginate,
)
from api.permissions import authenticated, integration_only, member_only, staff_only
from api.rewards.types import DonationTotal, Redemption, Reward
from gamification.programs.models import Program as ProgramModel
from gamification.rewards import catalog, eligibility, redemptions


@strawberry.type
class RewardQueries:
    @strawberry.field(
        extensions=member_only(),
        description="The catalog as the calling member sees it (not archived, newest first; a "
        "reward aimed at other RFM segments, ABC classes or tiers is left out), with what they "
        "can redeem now. Member only.",
    )
    async def rewards(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> Connection[Reward]:
        info.context.locales.choose(info, locale)
        size = page_size(first)
        # The caller's row, read once per request by the permission check.
        member = await info.context.loaders.member.load(info.context.caller.member_id)
        assert member is not None  # the permission let an active member through
        standing = await eligibility.member_standing_now(member)
        rows = await catalog.catalog_page(
            info.context.program_id,
            standing,
            size + 1,
            None if after is None else decode_cursor(after),
        )
        page = connection_of(rows, size, lambda r: r)
        availability = await catalog.availability(
            member, [edge.node for edge in page.edges], standing
        )
        return Connection(
            edges=[
                Edge(node=Reward.from_model(e.node, availability[e.node.id]), cursor=e.cursor)
                for e in page.edges
            ],
            page_info=page.page_info,
        )

    @strawberry.field(
        extensions=staff_only(),
        description="The whole catalog, for the console, newest first. Staff, any role.",
    )
    async def catalog_rewards(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Also list archived rewards (default false).")
        ] = False,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> Connection[Reward]:
        info.context.locales.choose(info, locale)
        return await paginate(
            catalog.catalog(info.context.program_id, include_archived),
            Reward.from_model,
            first,
            after,
        )

    @strawberry.field(
        extensions=staff_only(),
        description="One reward of the program, archived or not (the console's edit form). "
        "Staff, any role. REWARD_NOT_FOUND as a top-level error.",
    )
    async def catalog_reward(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The reward's id.")],
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> Reward:
        info.context.locales.choose(info, locale)
        reward = await catalog.reward_in_program(info.context.program_id, parse_id(id, "id"))
        return Reward.from_model(reward)

    @strawberry.field(
        extensions=integration_only(),
        description="The shop looks a code up. Integration (API key) only. "
        "REDEMPTION_NOT_FOUND as a top-level error.",
    )
    async def check_redemption(
        self,
        info: Info,
        code: Annotated[
            str, strawberry.argument(description="The code (any case; spaces, dashes ignored).")
        ],
    ) -> Redemption:
        return Redemption.from_model(await redemptions.by_code(info.context.program_id, code))

    @strawberry.field(
        extensions=authenticated(),
        description="What the program's members gave. Any caller of the program.",
    )
    async def donation_total(self, info: Info) -> DonationTotal:
        program = await ProgramModel.get(id=info.context.program_id)
        total = await catalog.donation_total(program.id)
        return DonationTotal(
            points=total.points,
            amount=str(total.amount),
            currency=program.currency,
            redemptions=total.redemptions,
        )
