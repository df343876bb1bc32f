"""The leaderboard query: top N, my rank, and the members around me."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.leaderboards.types import Leaderboard, LeaderboardPeriod, LeaderboardRank, entries_of
from api.permissions import authenticated
from gamification import leaderboards


@strawberry.type
class LeaderboardQueries:
    @strawberry.field(
        extensions=authenticated(),
        description="A board's top members, the caller's rank and their neighbours. Any caller "
        "of the program (only a member has `me` and `around`). UNKNOWN_LEADERBOARD or "
        "INVALID_INPUT as a top-level error.",
    )
    async def leaderboard(
        self,
        info: Info,
        board: Annotated[
            str,
            strawberry.argument(
                description="`points` (points earned), `referrals` (referrals qualified), "
                "`challenge:<id>` (progress in that challenge) or `action:<action type code>` "
                "(actions of that type, such as `action:review`)."
            ),
        ],
        period: Annotated[  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
            LeaderboardPeriod, strawberry.argument(description="The window (default ALL_TIME).")
        ] = leaderboards.Period.ALL_TIME,
        first: Annotated[
            int, strawberry.argument(description="How many from the top: 0 to 100 (default 10).")
        ] = 10,
        around: Annotated[
            int,
            strawberry.argument(
                description="How many members above and below the caller to return: 0 to 50."
            ),
        ] = 0,
    ) -> Leaderboard:
        caller = info.context.caller
        view = await leaderboards.read_board(
            info.context.services.redis,
            info.context.program_id,
            board,
            leaderboards.Period(period),
            first=first,
            around=around,
            member_id=caller.member_id if caller.kind == "member" else None,
        )
        # Top and around together: one batched display-name query for the whole answer.
        entries = await entries_of(view.entries + view.around)
        return Leaderboard(
            board=board,
            period=period,
            entries=entries[: len(view.entries)],
            me=LeaderboardRank(rank=view.me.rank, score=view.me.score) if view.me else None,
            around=entries[len(view.entries) :],
        )
