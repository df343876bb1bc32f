"""Times stored before every incoming time was converted to UTC (core.clock's rule): on SQLite,
a time given with an offset was stored as text with that offset ("2026-01-03 17:30:00-07:00")
and a naive one without any, and SQLite compares that text as text, not as instants (a report's
interval counted such a purchase in the wrong day). Rewrite them as the application writes times
now, in UTC ("2026-01-04 00:30:00+00:00"); a naive time was read as UTC, so it is kept as UTC.
PostgreSQL stores instants (timestamptz): nothing to do there.

In the last app of the layers, so every app's tables exist when it runs."""

from datetime import UTC, datetime
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

DATETIME_TYPES = ("TIMESTAMP", "DATETIME")


def in_utc(text: object) -> str | None:
    """The UTC text of a stored time, or None when it is already so (or not a time)."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    utc = moment.isoformat(" ")  # as the sqlite3 adapter writes a datetime
    return None if utc == text else utc


async def times_to_utc(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    tables = await client.execute_query_dict(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for table in (row["name"] for row in tables):
        info = await client.execute_query_dict(f'PRAGMA table_info("{table}")')
        for column in (c["name"] for c in info if c["type"].upper() in DATETIME_TYPES):
            rows = await client.execute_query_dict(
                f'SELECT rowid AS r, "{column}" AS v FROM "{table}"'
                f' WHERE "{column}" IS NOT NULL AND "{column}" NOT LIKE ?',
                ["%+00:00"],
            )
            for row in rows:
                utc = in_utc(row["v"])
                if utc is not None:
                    await client.execute_query(
                        f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?', [utc, row["r"]]
                    )


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0001_initial"),
        ("challenges", "0002_community_total_from_participants"),
        ("gamification", "0013_webhook_replays"),
    ]

    initial = False

    operations = [ops.RunPython(times_to_utc, ops.RunPython.noop)]
