"""Member management (staff) and account deletion (members)."""

from __future__ import annotations

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
    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(MemberPayload)
    async def block_member(self, info: Info, input: BlockMemberInput) -> MemberPayload:
        member = await member_in_program(
            info.context.program_id, parse_id(input.member_id, "memberId")
        )
        blocked = await member_status.block_member(
            member, reason=input.reason, staff_id=info.context.caller.staff_id
        )
        return MemberPayload(member=Member.from_model(blocked))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(MemberPayload)
    async def unblock_member(self, info: Info, input: UnblockMemberInput) -> MemberPayload:
        member = await member_in_program(
            info.context.program_id, parse_id(input.member_id, "memberId")
        )
        unblocked = await member_status.unblock_member(
            member, staff_id=info.context.caller.staff_id
        )
        return MemberPayload(member=Member.from_model(unblocked))

    @strawberry.mutation(extensions=staff_only(StaffRole.ADMIN))
    @returns_user_errors(MemberPayload)
    async def anonymise_member(self, info: Info, input: AnonymiseMemberInput) -> MemberPayload:
        member = await member_in_program(
            info.context.program_id, parse_id(input.member_id, "memberId")
        )
        erased = await personal_data.anonymise_member(
            member, by=f"staff:{info.context.caller.staff_id}"
        )
        return MemberPayload(member=Member.from_model(erased))

    @strawberry.mutation(extensions=member_only())
    @returns_user_errors(DeleteMyAccountPayload)
    async def delete_my_account(
        self, info: Info, input: DeleteMyAccountInput
    ) -> DeleteMyAccountPayload:
        member = await MemberModel.get(id=info.context.caller.member_id)
        await personal_data.delete_own_account(member, input.password)
        return DeleteMyAccountPayload(deleted=True)
