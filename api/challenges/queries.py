"""Challenge queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.challenges.types import Challenge
from api.context import Info
from api.languages import LOCALE_ARGUMENT
from api.permissions import authenticated
from challenges.definitions import program_challenges


@strawberry.type
class ChallengeQueries:
    @strawberry.field(
        extensions=authenticated(),
        description="The program's challenges (scheduled, running and ended), newest first, "
        "with the calling member's progress.",
    )
    async def challenges(
        self,
        info: Info,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> list[Challenge]:
        info.context.locales.choose(info, locale)
        caller = info.context.caller
        member_id = caller.member_id if caller.kind == "member" else None
        rows = await program_challenges(info.context.program_id, member_id)
        return [Challenge.from_model(c, p, tally) for c, p, tally in rows]
