"""GraphQL inputs and payloads of member management and personal data rights."""

from __future__ import annotations

import strawberry

from api.accounts.types import Member
from api.errors import UserError
from api.reports.segments import AbcClass, Segment


@strawberry.input
class MemberFilter:
    text: str | None = None
    tier_id: strawberry.ID | None = None
    blocked: bool | None = None
    segment: Segment | None = None  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    abc_class: AbcClass | None = None  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes


@strawberry.input
class BlockMemberInput:
    member_id: strawberry.ID
    reason: str


@strawberry.input
class UnblockMemberInput:
    member_id: strawberry.ID


@strawberry.input
class AnonymiseMemberInput:
    member_id: strawberry.ID


@strawberry.type
class MemberPayload:
    member: Member | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class DeleteMyAccountInput:
    password: str


@strawberry.type
class DeleteMyAccountPayload:
    deleted: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)
