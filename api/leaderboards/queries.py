"""The leaderboard query: top N, my rank, and the members around me."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.leaderboards.types import Leaderboard, LeaderboardPeriod, LeaderboardRank, entries_of
from api.permissions import authenticated
from gamification import leaderboards


@strawberry.type
class LeaderboardQueries:
    @strawberry.field(extensions=authenticated())
    async def leaderboard(
        self,
        info: Info,
        board: str,
        period: LeaderboardPeriod = leaderboards.Period.ALL_TIME,  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        first: int = 10,
        around: int = 0,
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
