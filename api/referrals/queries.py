"""Referrals for staff: the program's ambassadors and their referral counts."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.leaderboards.types import PublicMember, names_of
from api.pagination import page_size
from api.permissions import staff_only
from api.referrals.types import Ambassador
from gamification.referrals import referrals


@strawberry.type
class ReferralQueries:
    @strawberry.field(
        extensions=staff_only(),
        description="The program's referrers, most qualified referrals first (then most "
        "referred), with their counts and the points they earned. Staff, any role. Codes: "
        "INVALID_INPUT (`first`).",
    )
    async def ambassadors(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="How many: 0 to 100, default 20.")
        ] = None,
    ) -> list[Ambassador]:
        found = await referrals.ambassadors(info.context.program_id, page_size(first))
        names = await names_of([row.member_id for row in found])
        return [
            Ambassador(
                member=PublicMember(member_id=row.member_id, display_name=name),
                referred=row.referred,
                qualified=row.qualified,
                points_earned=row.points_earned,
            )
            for row, name in zip(found, names, strict=True)
        ]
