"""The program's action types."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.actions.types import ActionType
from api.context import Info
from api.languages import LOCALE_ARGUMENT
from api.permissions import authenticated
from gamification.actions import action_types


@strawberry.type
class ActionQueries:
    @strawberry.field(
        extensions=authenticated(),
        description="The program's active action types by name: members see the ones they "
        "report themselves. Any caller of the program.",
    )
    async def action_types(
        self,
        info: Info,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> list[ActionType]:
        info.context.locales.choose(info, locale)
        kind = info.context.caller.kind
        found = await action_types.action_types_of(
            info.context.program_id, members_only=kind == "member"
        )
        return [ActionType(model=model, staff=kind == "staff") for model in found]
