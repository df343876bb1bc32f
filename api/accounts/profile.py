"""The member's own profile: their birth date, for birthday points."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.accounts.types import Member
from api.context import Info
from api.errors import UserError, returns_user_errors
from api.permissions import member_only
from core.errors import NotFound
from gamification.accounts import profiles
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import Member as MemberModel


@strawberry.input(description="What the member changes in their profile.")
class UpdateMyProfileInput:
    birth_date: date | None = strawberry.field(
        description="The member's birth date (1900 to today), for birthday points; null clears it."
    )


@strawberry.type(description="The member after the change.")
class UpdateMyProfilePayload:
    member: Member | None = strawberry.field(
        default=None, description="The member; null when refused."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (nothing changed)."
    )


@strawberry.type
class ProfileMutations:
    @strawberry.mutation(
        extensions=member_only(),
        description="Change the caller's profile. Member only. Codes: INVALID_INPUT (birthDate).",
    )
    @returns_user_errors(UpdateMyProfilePayload)
    async def update_my_profile(
        self,
        info: Info,
        input: Annotated[UpdateMyProfileInput, strawberry.argument(description="The changes.")],
    ) -> UpdateMyProfilePayload:
        member = await MemberModel.get_or_none(id=info.context.caller.member_id)
        if member is None:
            raise NotFound(AccountErrorCode.MEMBER_NOT_FOUND, "This account no longer exists.")
        await profiles.set_birth_date(member, input.birth_date)
        return UpdateMyProfilePayload(member=Member.from_model(member))
