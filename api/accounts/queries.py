"""Account queries: `me` for members, `staffMe` for brand-team users, the program's API keys."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from api.accounts.types import ApiKey, Member, Program, StaffUser
from api.context import Info
from api.languages import LOCALE_ARGUMENT
from api.permissions import authenticated, member_only, staff_only
from gamification.accounts import api_keys
from gamification.accounts.models import StaffRole
from gamification.accounts.models import StaffUser as StaffUserModel
from gamification.programs.models import Program as ProgramModel


@strawberry.type
class AccountQueries:
    @strawberry.field(
        extensions=member_only(),
        description="The calling member, with their points, tier and engagement. Member only.",
    )
    async def me(
        self,
        info: Info,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> Member:
        info.context.locales.choose(info, locale)
        member = await info.context.loaders.member.load(info.context.caller.member_id)
        if member is None:
            # The token outlived its member: the session is over.
            raise GraphQLError(
                "This account no longer exists.", extensions={"code": "UNAUTHENTICATED"}
            )
        return Member.from_model(member)

    @strawberry.field(
        extensions=staff_only(),
        description="The calling staff user. Staff, any role.",
    )
    async def staff_me(self, info: Info) -> StaffUser:
        staff = await StaffUserModel.get(id=info.context.caller.staff_id)
        return StaffUser.from_model(staff)

    @strawberry.field(extensions=authenticated(), description="The caller's own program.")
    async def program(self, info: Info) -> Program:
        return Program.from_model(await ProgramModel.get(id=info.context.program_id))

    @strawberry.field(
        extensions=staff_only(StaffRole.ADMIN),
        description="The program's API keys, revoked ones included, newest first; never their "
        "secrets (shown once, by createApiKey). Staff, ADMIN role.",
    )
    async def api_keys(self, info: Info) -> list[ApiKey]:
        return [
            ApiKey.from_model(key) for key in await api_keys.api_keys_of(info.context.program_id)
        ]
