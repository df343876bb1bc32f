"""On SQLite, 0003_unique_names added the unique name by rebuilding the `challenge` table, which
dropped its two indexes (the active challenges of a program by event type, and the closing scan's
status and end). Create them again there; PostgreSQL kept them. Found by
tests/test_migrated_schema.py."""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

INDEXES = {
    "idx_challenge_program_listens_status": ("program_id", "listens_to", "status"),
    "idx_challenge_status_ends_at": ("status", "ends_at"),
}


async def recreate_indexes(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    for name, columns in INDEXES.items():
        quoted = ", ".join(f'"{column}"' for column in columns)
        await client.execute_script(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "challenge" ({quoted})'
        )


class Migration(migrations.Migration):
    dependencies = [("challenges", "0004_action_metric")]

    initial = False

    operations = [ops.RunPython(recreate_indexes, ops.RunPython.noop)]
