"""Writing back several rows of one model in one round trip.

Tortoise's `bulk_update` builds one UPDATE with a CASE per field and row, and building it costs
more CPU than the database spends running it (about 1.8 ms for 16 rows, measured on the badge
handler). On PostgreSQL a prepared UPDATE sent with asyncpg's pipelined `executemany` is much
cheaper; elsewhere (SQLite) `bulk_update` is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.models import Model


async def write_back(model: type[Model], rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Store `fields` of `rows` (instances of `model`, already changed in memory), by primary key.
    Runs in the caller's transaction."""
    if not rows:
        return
    db = model._meta.db
    if db.capabilities.dialect != "postgres":
        await model.bulk_update(list(rows), fields=list(fields))
        return
    columns = [model._meta.fields_map[f].source_field or f for f in fields]
    assignments = ", ".join(f'"{column}"=${n}' for n, column in enumerate(columns, start=1))
    pk_column = model._meta.pk.source_field or model._meta.pk_attr
    sql = (
        f'UPDATE "{model._meta.db_table}" SET {assignments} WHERE "{pk_column}"=${len(columns) + 1}'
    )
    await db.execute_many(sql, [[getattr(row, f) for f in fields] + [row.pk] for row in rows])
