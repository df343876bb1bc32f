"""A program's settings and staff users, for its staff."""

from __future__ import annotations

import strawberry

from api.accounts.types import StaffUser
from api.context import Info
from api.permissions import staff_only
from api.programs.types import ProgramSettings
from gamification.accounts import staff
from gamification.accounts.models import StaffRole
from gamification.programs.models import Program


@strawberry.type
class ProgramQueries:
    @strawberry.field(
        extensions=staff_only(),
        description="The program's settings as they apply now, defaults filled in (any staff).",
    )
    async def program_settings(self, info: Info) -> ProgramSettings:
        return ProgramSettings.from_model(await Program.get(id=info.context.program_id))

    @strawberry.field(
        extensions=staff_only(StaffRole.ADMIN),
        description="The program's staff users, archived ones included, oldest first (ADMIN).",
    )
    async def staff_users(self, info: Info) -> list[StaffUser]:
        return [
            StaffUser.from_model(user) for user in await staff.staff_of(info.context.program_id)
        ]
