"""Badge queries: the program's badges with the caller's progress."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.badges.types import Badge
from api.context import Info
from api.languages import LOCALE_ARGUMENT
from api.permissions import authenticated
from badges import awarding


@strawberry.type
class BadgeQueries:
    @strawberry.field(
        extensions=authenticated(),
        description="Badges of the program: members see visible ones (hidden ones once earned) "
        "with their progress; staff see all active ones.",
    )
    async def badges(
        self,
        info: Info,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> list[Badge]:
        info.context.locales.choose(info, locale)
        caller = info.context.caller
        member_id = caller.member_id if caller.kind == "member" else None
        rows = await awarding.visible_badges(
            info.context.program_id, member_id, include_hidden=caller.kind == "staff"
        )
        return [Badge.from_model(badge, progress) for badge, progress in rows]
