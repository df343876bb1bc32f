"""A program's settings and its staff users: ADMIN only. The services validate; this maps."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from api.accounts.types import StaffUser
from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import staff_only
from api.programs.types import (
    ArchiveStaffInput,
    CreateStaffInput,
    ProgramSettings,
    StaffPayload,
    TierBasis,
    UpdateProgramSettingsInput,
    UpdateProgramSettingsPayload,
    UpdateStaffInput,
)
from gamification.accounts import staff
from gamification.accounts.models import StaffRole
from gamification.programs import settings


@strawberry.type
class ProgramMutations:
    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Change the program's settings (ADMIN). Changes apply to what happens next: "
        "points already earned keep their expiry. Errors: INVALID_INPUT naming the field.",
    )
    @returns_user_errors(UpdateProgramSettingsPayload)
    async def update_program_settings(
        self,
        info: Info,
        input: Annotated[
            UpdateProgramSettingsInput,
            strawberry.argument(description="The settings to change; the others stay."),
        ],
    ) -> UpdateProgramSettingsPayload:
        changes: dict[str, Any] = {}
        for key in settings.SETTINGS:
            value = getattr(input, key)
            if value is strawberry.UNSET:
                continue
            changes[key] = value.value if isinstance(value, TierBasis) else value
        program = await settings.update_settings(
            info.context.actor, info.context.program_id, changes
        )
        return UpdateProgramSettingsPayload(settings=ProgramSettings.from_model(program))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Add a brand-team user to the program (ADMIN).",
    )
    @returns_user_errors(StaffPayload)
    async def create_staff(
        self,
        info: Info,
        input: Annotated[CreateStaffInput, strawberry.argument(description="The new user.")],
    ) -> StaffPayload:
        user = await staff.add_staff(
            info.context.actor,
            info.context.program_id,
            input.email,
            input.password,
            input.role.value,
        )
        return StaffPayload(staff=StaffUser.from_model(user))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Change a staff user's role (ADMIN); the program keeps at least one admin.",
    )
    @returns_user_errors(StaffPayload)
    async def update_staff(
        self,
        info: Info,
        input: Annotated[
            UpdateStaffInput, strawberry.argument(description="Whom, and their new role.")
        ],
    ) -> StaffPayload:
        user = await staff.update_staff(
            info.context.actor,
            info.context.program_id,
            parse_id(input.staff_id, "staffId"),
            role=input.role.value,
        )
        return StaffPayload(staff=StaffUser.from_model(user))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.ADMIN),
        description="Archive a staff user (ADMIN): they can no longer log in and their sessions "
        "end; the program keeps at least one admin.",
    )
    @returns_user_errors(StaffPayload)
    async def archive_staff(
        self,
        info: Info,
        input: Annotated[ArchiveStaffInput, strawberry.argument(description="Whom.")],
    ) -> StaffPayload:
        user = await staff.archive_staff(
            info.context.actor, info.context.program_id, parse_id(input.staff_id, "staffId")
        )
        return StaffPayload(staff=StaffUser.from_model(user))
