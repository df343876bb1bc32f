"""The migrations build what the models declare: on the database under test, after every migration
of every app, each model's unique constraints and indexes exist. A migration that rebuilds a
table (Tortoise's AlterField does on SQLite) and drops one fails here."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.models import Model

from core.database import close_database, init_database, migrate
from tests.conftest import ON_POSTGRES


def _columns(model: type[Model], names: tuple[str, ...]) -> tuple[str, ...]:
    """The database columns of model fields named as Meta names them (a relation by its name)."""
    meta = model._meta
    columns = []
    for name in names:
        field = meta.fields_map[name]
        source = getattr(field, "source_field", None) or meta.fields_db_projection.get(name)
        columns.append(source or f"{name}_id")
    return tuple(columns)


async def _indexes(table: str) -> list[tuple[bool, tuple[str, ...]]]:
    """(unique, columns) of each index of `table`, unique constraints included."""
    db = connections.get("default")
    found = []
    if ON_POSTGRES:
        rows = await db.execute_query_dict(
            "SELECT i.indisunique AS uniq, array_agg(a.attname ORDER BY k.n) AS cols "
            "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE t.relname = $1 GROUP BY i.indexrelid, i.indisunique",
            [table],
        )
        return [(bool(r["uniq"]), tuple(r["cols"])) for r in rows]
    for index in await db.execute_query_dict(f'PRAGMA index_list("{table}")'):
        info = await db.execute_query_dict(f'PRAGMA index_info("{index["name"]}")')
        columns = tuple(row["name"] for row in sorted(info, key=lambda row: row["seqno"]))
        found.append((bool(index["unique"]), columns))
    return found


async def test_every_declared_constraint_and_index_exists_after_the_migrations(
    database_url: str,
) -> None:
    await migrate(database_url)
    await init_database(database_url)
    missing: list[str] = []
    try:
        for app in Tortoise.apps.values():
            for model in app.values():
                meta: Any = model._meta
                present = await _indexes(meta.db_table)
                for names in meta.unique_together or ():
                    wanted = _columns(model, tuple(names))
                    if (True, wanted) not in present:
                        missing.append(f"{meta.db_table}: unique {wanted}")
                for index in meta.indexes or ():
                    names = tuple(index) if isinstance(index, tuple | list) else tuple(index.fields)
                    wanted = _columns(model, names)
                    if all(columns != wanted for _, columns in present):
                        missing.append(f"{meta.db_table}: index {wanted}")
    finally:
        await close_database()
    assert missing == []
