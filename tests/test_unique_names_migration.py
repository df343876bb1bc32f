"""The migrations that make names unique per program work on a database that already holds
duplicates (a demo database seeded, or edited by staff, before names were unique): every
duplicate but the first gets its id appended, nothing is lost, and the constraint holds after.

The duplicates are written with the models directly: no service can make them any more."""

from __future__ import annotations

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.migrations.api import migrate as tortoise_migrate

from badges.models import Badge, BadgeCriteria
from core.clock import clock
from core.database import close_database, init_database, migrate, tortoise_config
from gamification.points.models import EarningRule, EarningRuleKind, Tier
from gamification.programs.models import Program

# The last migration of each app before names were unique.
BEFORE = {
    "gamification": "0013_webhook_replays",
    "badges": "0001_initial",
    "challenges": "0002_community_total_from_participants",
}


async def _migrate_to_before(database_url: str) -> None:
    config = tortoise_config(database_url)
    for app, name in BEFORE.items():
        await tortoise_migrate(config=config, target=f"{app}.{name}")
    await Tortoise.close_connections()


async def test_duplicates_are_renamed_and_the_constraint_added(database_url: str) -> None:
    # given a database at the migrations before, with two programs and duplicates in one
    await _migrate_to_before(database_url)
    await init_database(database_url)
    now = clock.now()
    program = await Program.create(slug="old", name="Old", currency="EUR", created_at=now)
    other = await Program.create(slug="other", name="Other", currency="EUR", created_at=now)
    long_name = "A" * 80
    badges = [
        await Badge.create(program=p, name=n, criteria=BadgeCriteria.MANUAL, created_at=now)
        for p, n in (
            (program, "First sip"),
            (program, "First sip"),
            (other, "First sip"),
            (program, long_name),
            (program, long_name),
        )
    ]
    rules = [
        await EarningRule.create(
            program=program, name="Base", kind=EarningRuleKind.BASE_RATE, created_at=now
        )
        for _ in range(3)
    ]
    tiers = [
        await Tier.create(program=program, name="Bronze", rank=rank, created_at=now)
        for rank in (0, 1)
    ]
    await close_database()

    # when the migrations run
    await migrate(database_url)

    # then the first of each name keeps it, the others carry their id, every row is there
    await init_database(database_url)
    try:
        names = {b.id: b.name for b in await Badge.all()}
        assert names[badges[0].id] == "First sip"
        assert names[badges[1].id] == f"First sip ({badges[1].id})"
        assert names[badges[2].id] == "First sip"  # another program's is its own
        assert names[badges[3].id] == long_name
        assert names[badges[4].id] == f"{'A' * 58} ({badges[4].id})"
        assert [r.name for r in await EarningRule.all().order_by("id")] == [
            "Base",
            f"Base ({rules[1].id})",
            f"Base ({rules[2].id})",
        ]
        assert [t.name for t in await Tier.all().order_by("id")] == [
            "Bronze",
            f"Bronze ({tiers[1].id})",
        ]
        # and from now on the database refuses a duplicate itself
        with pytest.raises(IntegrityError):
            await Badge.create(
                program=program, name="First sip", criteria=BadgeCriteria.MANUAL, created_at=now
            )
    finally:
        await close_database()
