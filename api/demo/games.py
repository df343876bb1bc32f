"""A running instant-win game and a running contest in the demo program (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from core.clock import clock
from gamification.accounts.models import Member
from gamification.games import contests, instant_win, prizes
from gamification.games.models import Contest, InstantWinGame, PrizeKind
from gamification.programs.models import Program

DEMO_GAME = "Demo scratch card"
DEMO_CONTEST = "Demo monthly draw"


async def seed(program: Program, member: Member) -> None:
    now = clock.now()
    if not await InstantWinGame.exists(program_id=program.id, name=DEMO_GAME, ends_at__gt=now):
        await instant_win.create_game(
            program.id,
            name=DEMO_GAME,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=30),
            play_cost=0,
            max_plays_per_day=3,
            prizes_in=[
                prizes.PrizeInput("25 points", PrizeKind.POINTS, quantity=50, points=25),
                prizes.PrizeInput("100 points", PrizeKind.POINTS, quantity=10, points=100),
                prizes.PrizeInput("Branded mug", PrizeKind.PRIZE, quantity=5),
                prizes.PrizeInput("Tote bag", PrizeKind.PRIZE, quantity=5),
            ],
        )
    if not await Contest.exists(program_id=program.id, name=DEMO_CONTEST, closes_at__gt=now):
        await contests.create_contest(
            program.id,
            name=DEMO_CONTEST,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=14),
            entry_cost=10,
            max_entries_per_member=10,
            prizes_in=[
                prizes.PrizeInput("Weekend for two", PrizeKind.PRIZE, quantity=1),
                prizes.PrizeInput("1,000 points", PrizeKind.POINTS, quantity=5, points=1000),
            ],
        )
