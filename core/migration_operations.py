"""Migration operations of our own, beside Tortoise's.

`AlterChoices` records that an enum field gained values: the migration state follows (so
`makemigrations` sees the field as it is), and the database is left alone, since the column is a
VARCHAR either way. Tortoise's AlterField would rebuild the table on SQLite, which drops its
unique constraints and indexes (tests/test_migrated_schema.py holds every table to them).
"""

from __future__ import annotations

# Not re-exported by Tortoise; only the signatures below name them.
from tortoise.migrations.operations import AlterField, BaseSchemaEditor, State  # type: ignore[attr-defined]


class AlterChoices(AlterField):
    def describe(self) -> str:
        return f"Alter the choices of {self.name} on {self.model_name} (state only)"

    async def database_forward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        return None

    async def database_backward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        return None
