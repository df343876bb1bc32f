"""The migrations that make names unique per program work on a database that already holds
duplicates (a demo database seeded, or edited by staff, before names were unique): every
duplicate but the first gets its id appended, nothing is lost, and the constraint holds after.

The duplicates are written as rows (no service can make them any more), with the columns the
old tables have: the models have since gained columns."""

from __future__ import annotations

from typing import Any

import pytest
from tortoise import Tortoise, connections
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


async def _columns(table: str) -> set[str]:
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        _, rows = await connection.execute_query(f'PRAGMA table_info("{table}")')
        return {row["name"] for row in rows}
    _, rows = await connection.execute_query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1", [table]
    )
    return {row["column_name"] for row in rows}


async def _old_row(model: Any, **values: Any) -> Any:
    """A row of `model` as the table holds it before the migrations: the model's values (its
    defaults included) for the columns the old table has."""
    instance = model(**values)
    meta = model._meta
    present = await _columns(meta.db_table)
    row = {
        column: meta.fields_map[name].to_db_value(getattr(instance, name), instance)
        for name, column in meta.fields_db_projection.items()
        if column in present and name != meta.pk_attr
    }
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        marks = ", ".join("?" for _ in row)
    else:
        marks = ", ".join(f"${i}" for i in range(1, len(row) + 1))
    columns = ", ".join(f'"{column}"' for column in row)
    insert = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({marks}) RETURNING "id"'
    if connection.capabilities.dialect != "sqlite":
        # The asyncpg client returns rows only for a statement that reads.
        insert = f'WITH inserted AS ({insert}) SELECT "id" FROM inserted'
    _, rows = await connection.execute_query(insert, list(row.values()))
    instance.id = rows[0]["id"]
    return instance


async def test_duplicates_are_renamed_and_the_constraint_added(database_url: str) -> None:
    # given a database at the migrations before, with two programs and duplicates in one
    await _migrate_to_before(database_url)
    await init_database(database_url)
    now = clock.now()
    program = await Program.create(slug="old", name="Old", currency="EUR", created_at=now)
    other = await Program.create(slug="other", name="Other", currency="EUR", created_at=now)
    long_name = "A" * 80
    badges = [
        await _old_row(Badge, program=p, name=n, criteria=BadgeCriteria.MANUAL, created_at=now)
        for p, n in (
            (program, "First sip"),
            (program, "First sip"),
            (other, "First sip"),
            (program, long_name),
            (program, long_name),
        )
    ]
    rules = [
        await _old_row(
            EarningRule,
            program=program,
            name="Base",
            kind=EarningRuleKind.BASE_RATE,
            created_at=now,
        )
        for _ in range(3)
    ]
    tiers = [
        await _old_row(Tier, program=program, name="Bronze", rank=rank, created_at=now)
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
