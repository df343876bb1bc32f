"""GraphQL inputs and payloads of member management and personal data rights."""

from __future__ import annotations

import strawberry

from api.accounts.types import Member
from api.errors import UserError
from api.reports.segments import AbcClass, Segment


@strawberry.input(description="Which members to list; every field given must match.")
class MemberFilter:
    text: str | None = strawberry.field(
        default=None,
        description="Part of the email or display name, any case.",
    )
    tier_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Members of this tier.",
    )
    blocked: bool | None = strawberry.field(
        default=None,
        description="true: only blocked members; false: only others.",
    )
    segment: Segment | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=None,
        description="Members in this RFM segment (after a segment run).",
    )
    abc_class: AbcClass | None = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=None,
        description="Members in this ABC class (after a segment run).",
    )


@strawberry.input(description="The member to block.")
class BlockMemberInput:
    member_id: strawberry.ID = strawberry.field(description="The member's id.")
    reason: str = strawberry.field(description="1 to 200 characters, kept for staff.")


@strawberry.input(description="The member to unblock.")
class UnblockMemberInput:
    member_id: strawberry.ID = strawberry.field(description="The member's id.")


@strawberry.input(description="The member whose personal data to erase.")
class AnonymiseMemberInput:
    member_id: strawberry.ID = strawberry.field(description="The member's id.")


@strawberry.type(description="The member after the change, or why not.")
class MemberPayload:
    member: Member | None = strawberry.field(
        default=None,
        description="The member; null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.input(description="The member's confirmation.")
class DeleteMyAccountInput:
    password: str = strawberry.field(description="The member's current password.")


@strawberry.type(description="Whether the account was deleted.")
class DeleteMyAccountPayload:
    deleted: bool = strawberry.field(
        default=False,
        description="true once the personal data is erased and every session ended.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )
