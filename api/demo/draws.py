"""A contest that closed last week and was drawn, with the demo member and their friends among
its entrants: its public record can be fetched and checked (`fetch-draw-record`, `verify-draw`).
Found by its key, made once. It comes after the referrals part, whose friends enter it."""

from __future__ import annotations

from datetime import timedelta

from api.demo import keys
from api.demo.actor import DEMO
from core.clock import clock
from gamification.accounts.models import Member
from gamification.games import contests, prizes
from gamification.games.models import Contest, PrizeKind
from gamification.programs.models import Program

DEMO_DRAWN_CONTEST = "Demo draw of last month"
# (email, entries): the demo member and the friends of the referrals part.
ENTRANTS = (
    ("member@demo.example", 3),
    ("friend1@demo.example", 5),
    ("friend2@demo.example", 1),
    ("friend3@demo.example", 2),
    ("friend4@demo.example", 4),
)


async def seed(program: Program, member: Member) -> None:
    async def make() -> Contest:
        now = clock.now()
        opened = now - timedelta(days=30)
        contest = await contests.create_contest(
            DEMO,
            program.id,
            name=DEMO_DRAWN_CONTEST,
            opens_at=opened,
            closes_at=now - timedelta(days=7),
            max_entries_per_member=5,
            prizes_in=[
                prizes.PrizeInput("Cinema for two", PrizeKind.PRIZE, quantity=1),
                prizes.PrizeInput("300 points", PrizeKind.POINTS, quantity=2, points=300),
            ],
        )
        # The entries were made while it was open: the clock goes back to then for them.
        with clock.frozen_at(opened + timedelta(days=1)):
            for email, entries in ENTRANTS:
                entrant = await Member.get_or_none(program_id=program.id, email=email)
                if entrant is not None:
                    await contests.enter(entrant, contest.id, entries, "demo-entry")
        return contest

    contest = await keys.ensure(
        program,
        "contest:drawn",
        Contest,
        make,
        keys.by_name(Contest, program, DEMO_DRAWN_CONTEST),
    )
    if contest.drawn_at is None:
        # What the worker's draw job does once a contest has closed (drawing twice pays once).
        await contests.draw(DEMO, contest.id)
