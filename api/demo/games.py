"""A running instant-win game and a running contest in the demo program. Each is found by its
key (api/demo/keys.py); once one has ended, a new one takes its key, so one always runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.demo import keys, languages
from api.demo.actor import DEMO
from core.clock import clock
from gamification.accounts.models import Member
from gamification.games import contests, instant_win, prizes
from gamification.games.models import Contest, InstantWinGame, PrizeKind
from gamification.programs.models import Program

DEMO_GAME = "Demo scratch card"
DEMO_CONTEST = "Demo monthly draw"


async def seed(program: Program, member: Member) -> None:
    async def game(name: str) -> InstantWinGame:
        now = clock.now()
        return await instant_win.create_game(
            DEMO,
            program.id,
            name=name,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=30),
            play_cost=0,
            max_plays_per_day=3,
            translations=languages.of("game:scratch-card"),
            prizes_in=[
                prizes.PrizeInput("25 points", PrizeKind.POINTS, quantity=50, points=25),
                prizes.PrizeInput("100 points", PrizeKind.POINTS, quantity=10, points=100),
                prizes.PrizeInput("Branded mug", PrizeKind.PRIZE, quantity=5),
                prizes.PrizeInput("Tote bag", PrizeKind.PRIZE, quantity=5),
            ],
        )

    async def contest(name: str) -> Contest:
        now = clock.now()
        return await contests.create_contest(
            DEMO,
            program.id,
            name=name,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=14),
            entry_cost=10,
            max_entries_per_member=10,
            translations=languages.of("contest:monthly"),
            prizes_in=[
                prizes.PrizeInput("Weekend for two", PrizeKind.PRIZE, quantity=1),
                prizes.PrizeInput("1,000 points", PrizeKind.POINTS, quantity=5, points=1000),
            ],
        )

    await keys.running(program, "game:scratch-card", InstantWinGame, DEMO_GAME, game, _ends)
    await keys.running(program, "contest:monthly", Contest, DEMO_CONTEST, contest, _closes)


def _ends(game: InstantWinGame) -> datetime:
    return game.ends_at


def _closes(contest: Contest) -> datetime:
    return contest.closes_at
