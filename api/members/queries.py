"""Member queries for staff (view, search, a member's data export) and a member's own export."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from api.accounts.types import Member
from api.context import Info
from api.ids import parse_id
from api.members.types import MemberFilter
from api.pagination import AFTER, FIRST, Connection, paginate
from api.permissions import member_only, staff_only
from gamification.accounts.members import member_in_program
from gamification.accounts.models import Member as MemberModel
from gamification.accounts.models import StaffRole
from gamification.privacy import personal_data
from gamification.reporting import member_search


@strawberry.type
class MemberQueries:
    @strawberry.field(
        extensions=staff_only(),
        description="One member of the program. Staff, any role. NOT_FOUND as a top-level error.",
    )
    async def member(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The member's id.")],
    ) -> Member:
        return Member.from_model(
            await member_in_program(info.context.program_id, parse_id(id, "id"))
        )

    @strawberry.field(
        extensions=staff_only(),
        description="Members matching a filter, newest first. Staff, any role.",
    )
    async def members(
        self,
        info: Info,
        filter: Annotated[
            MemberFilter | None, strawberry.argument(description="Which members (null: all).")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Member]:
        criteria = member_search.MemberFilter(
            text=filter.text if filter else None,
            tier_id=parse_id(filter.tier_id, "tierId") if filter and filter.tier_id else None,
            blocked=filter.blocked if filter else None,
            segment=filter.segment.value if filter and filter.segment else None,
            abc_class=filter.abc_class.value if filter and filter.abc_class else None,
        )
        queryset = member_search.search_members(info.context.program_id, criteria)
        return await paginate(queryset, Member.from_model, first, after)

    @strawberry.field(
        extensions=member_only(),
        description="Everything held about the caller, as one JSON document (right of access). "
        "Member only.",
    )
    async def export_my_data(self, info: Info) -> JSON:
        member = await MemberModel.get(id=info.context.caller.member_id)
        data: dict[str, Any] = await personal_data.export_member_data(member)
        return data

    @strawberry.field(
        extensions=staff_only(StaffRole.ADMIN),
        description="Everything held about one member, as one JSON document: what exportMyData "
        "answers them, for a right-of-access request made to the brand. Staff, ADMIN role. "
        "MEMBER_NOT_FOUND as a top-level error.",
    )
    async def member_data(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The member's id.")],
    ) -> JSON:
        member = await member_in_program(info.context.program_id, parse_id(id, "id"))
        data: dict[str, Any] = await personal_data.export_member_data(member)
        return data
