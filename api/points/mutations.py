"""Staff mutations on points."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import staff_only
from api.points.types import AdjustPointsInput, AdjustPointsPayload, LedgerEntry
from gamification.accounts.members import member_in_program
from gamification.accounts.models import StaffRole
from gamification.points import ledger


@strawberry.type
class PointsMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Add or remove a member's points by hand, with a reason. Staff, MANAGER "
        "role or higher. Codes: NOT_FOUND (memberId), INVALID_INPUT (delta, reason, "
        "idempotencyKey), INSUFFICIENT_POINTS, IDEMPOTENCY_KEY_REUSED, MEMBER_ANONYMISED.",
    )
    @returns_user_errors(AdjustPointsPayload)
    async def adjust_points(
        self,
        info: Info,
        input: Annotated[
            AdjustPointsInput,
            strawberry.argument(
                description="The member, the points, the reason and the idempotency key."
            ),
        ],
    ) -> AdjustPointsPayload:
        member = await member_in_program(
            info.context.program_id, parse_id(input.member_id, "memberId")
        )
        adjustment = await ledger.adjust(
            info.context.actor,
            member,
            input.delta,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return AdjustPointsPayload(
            entry=LedgerEntry.from_model(adjustment.entry),
            member_id=strawberry.ID(str(member.id)),
            points_balance=await ledger.balance_of(member.id),
        )
