"""Queries of instant-win games and contests: members see the running ones, staff see more."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.audiences import offered
from api.context import Info
from api.games.types import (
    Contest,
    GamePlay,
    InstantWinGame,
    InstantWinMoments,
    WinningMoment,
)
from api.ids import parse_id
from api.languages import LOCALE_ARGUMENT
from api.pagination import AFTER, FIRST, Connection, paginate
from api.permissions import authenticated, staff_only
from gamification.games import contests, instant_win
from gamification.games.models import GamePrize


@strawberry.type
class GameQueries:
    @strawberry.field(
        extensions=authenticated(),
        description="Games of the program not archived and not over (for a member, those aimed "
        "at them: see `audience`). Any caller of the program.",
    )
    async def instant_win_games(
        self,
        info: Info,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> list[InstantWinGame]:
        info.context.locales.choose(info, locale)
        games = await offered(info, await instant_win.games_of(info.context.program_id))
        left = await instant_win.prizes_left(games)
        return [InstantWinGame.from_model(g, left[g.id]) for g in games]

    @strawberry.field(
        extensions=staff_only(),
        description="One game, archived or not. Staff, any role. NOT_FOUND as a top-level "
        "error when it is not the program's.",
    )
    async def instant_win_game(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The game's id.")],
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> InstantWinGame:
        info.context.locales.choose(info, locale)
        game = await instant_win.game_in_program(info.context.program_id, parse_id(id, "id"))
        left = await instant_win.prizes_left([game])
        return InstantWinGame.from_model(game, left[game.id])

    @strawberry.field(
        extensions=staff_only(), description="Plays of a game, newest first. Staff, any role."
    )
    async def instant_win_plays(
        self,
        info: Info,
        game_id: Annotated[strawberry.ID, strawberry.argument(description="The game's id.")],
        won_only: Annotated[
            bool, strawberry.argument(description="Only winning plays (default false).")
        ] = False,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[GamePlay]:
        game = await instant_win.game_in_program(
            info.context.program_id, parse_id(game_id, "gameId")
        )
        prizes = {p.id: p for p in await GamePrize.filter(game_id=game.id)}
        return await paginate(
            instant_win.plays_of(game.id, won_only),
            lambda play: GamePlay.from_model(play, prizes.get(play.prize_id or 0)),
            first,
            after,
        )

    @strawberry.field(
        extensions=staff_only(),
        description="Every winning moment, claimed or not. Staff, any role.",
    )
    async def instant_win_moments(
        self,
        info: Info,
        game_id: Annotated[strawberry.ID, strawberry.argument(description="The game's id.")],
    ) -> InstantWinMoments:
        game = await instant_win.game_in_program(
            info.context.program_id, parse_id(game_id, "gameId")
        )
        names = dict(await GamePrize.filter(game_id=game.id).values_list("id", "name"))
        moments = await instant_win.moments_of(game.id)
        claimed = sum(1 for m in moments if m.play_id is not None)
        return InstantWinMoments(
            claimed=claimed,
            unclaimed=len(moments) - claimed,
            moments=[
                WinningMoment(
                    id=strawberry.ID(str(m.id)),
                    at=m.at,
                    prize_name=names.get(m.prize_id, ""),
                    claimed=m.play_id is not None,
                    claimed_at=m.claimed_at,
                    play_id=strawberry.ID(str(m.play_id)) if m.play_id else None,
                )
                for m in moments
            ],
        )

    @strawberry.field(
        extensions=authenticated(),
        description="Contests of the program not archived, by closing time (for a member, those "
        "aimed at them: see `audience`). Any caller of the program.",
    )
    async def contests(
        self,
        info: Info,
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> list[Contest]:
        info.context.locales.choose(info, locale)
        listed = await offered(info, await contests.contests_of(info.context.program_id))
        return [Contest.from_model(c) for c in listed]

    @strawberry.field(
        extensions=authenticated(),
        description="One contest of the program, archived or not. Any caller of the program.",
    )
    async def contest(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The contest's id.")],
        locale: Annotated[str | None, strawberry.argument(description=LOCALE_ARGUMENT)] = None,
    ) -> Contest:
        info.context.locales.choose(info, locale)
        return Contest.from_model(
            await contests.contest_in_program(info.context.program_id, parse_id(id, "id"))
        )
