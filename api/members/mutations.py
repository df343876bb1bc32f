"""Member management (staff) and account deletion (members)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.accounts.types import Member
from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.members.types import (
    AnonymiseMemberInput,
    BlockMemberInput,
    DeleteMyAccountInput,
    DeleteMyAccountPayload,
    MemberPayload,
    UnblockMemberInput,
)
from api.permissions import member_only, staff_only
from gamification.accounts import member_status
from gamification.accounts.members import member_in_program
from gamification.accounts.models import Member as MemberModel
from gamification.accounts.models import StaffRole
from gamification.privacy import personal_data


@strawberry.type
class MemberMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Block a member: their sessions stop working and they can neither earn nor "
        "spend (blocking again keeps the first reason). Staff, MANAGER role or higher. Codes: "
        "NOT_FOUND, INVALID_INPUT (reason).",
    )
    @returns_user_errors(MemberPayload)
    async def block_member(
        self,
        info: Info,
        input: Annotated[
            BlockMemberInput, strawberry.argument(description="The member and the reason.")
        ],
    ) -> MemberPayload:
        member = await member_in_program(
            info.context.program_id, parse_id(input.member_id, "memberId")
        )
        blocked = await member_status.block_member(info.context.actor, member, reason=input.reason)
        return MemberPayload(member=Member.from_model(blocked))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Lift a member's block. Staff, MANAGER role or higher. Codes: NOT_FOUND.",
    )
    @returns_user_errors(MemberPayload)
    async def unblock_member(
        self,
        info: Info,
        input: Annotated[UnblockMemberInput, strawberry.argument(description="Which member.")],
    ) -> MemberPayload:
        member = await member_in_program(
            info.context.program_id, parse_id(input.member_id, "memberId")
        )
        unblocked = await member_status.unblock_member(info.context.actor, member)
        return MemberPayload(member=Member.from_model(unblocked))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Erase a member's personal data (right to erasure) and end their sessions; "
        "program totals stay as they were. Again is harmless. Staff, ADMIN role. Codes: "
        "NOT_FOUND.",
    )
    @returns_user_errors(MemberPayload)
    async def anonymise_member(
        self,
        info: Info,
        input: Annotated[AnonymiseMemberInput, strawberry.argument(description="Which member.")],
    ) -> MemberPayload:
        member = await member_in_program(
            info.context.program_id, parse_id(input.member_id, "memberId")
        )
        erased = await personal_data.anonymise_member(info.context.actor, member)
        return MemberPayload(member=Member.from_model(erased))

    @strawberry.mutation(
        extensions=member_only(),
        description="Erase the caller's own account, confirmed by their password. Member only. "
        "Codes: INVALID_CREDENTIALS (wrong password), MEMBER_ANONYMISED (already deleted).",
    )
    @returns_user_errors(DeleteMyAccountPayload)
    async def delete_my_account(
        self,
        info: Info,
        input: Annotated[DeleteMyAccountInput, strawberry.argument(description="The password.")],
    ) -> DeleteMyAccountPayload:
        member = await MemberModel.get(id=info.context.caller.member_id)
        await personal_data.delete_own_account(member, input.password)
        return DeleteMyAccountPayload(deleted=True)
