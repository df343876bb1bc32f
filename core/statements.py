"""Fixed SQL for the statements every purchase, redemption and play runs.

Tortoise builds a queryset's statement anew in Python each time, which costs more CPU than
running it, and a purchase runs several (bench/README.md has the figures). These few are written
once, in PostgreSQL's `$n` style; for SQLite the placeholders become `?n` and `{lock}` (FOR
UPDATE, or the `lock` given, which SQLite neither has nor needs: a writer locks the whole
database) is dropped.

Values go through the driver's adapters: pass ints, strings, None, and times as aware UTC
datetimes from the clock. Rows come back as model instances through `Model._init_from_db`, which
converts each column for the dialect, as a queryset does.

On PostgreSQL the text goes straight to the asyncpg connection that Tortoise holds for the
caller's transaction (or lends from its pool), under the same lock Tortoise takes, and with the
same translation of errors (a unique violation is Tortoise's IntegrityError, as callers expect):
Tortoise's own path costs more CPU per statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Generic, NoReturn, TypeVar

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_PLACEHOLDER = re.compile(r"\$(\d+)")


class Statement(Generic[M]):
    """One SQL text for both dialects, run on `model`'s connection (the caller's transaction,
    when there is one)."""

    __slots__ = ("model", "postgres", "sqlite")

    def __init__(self, model: type[M], sql: str, lock: str = "FOR UPDATE") -> None:
        self.model = model
        self.postgres = sql.replace("{lock}", f" {lock}")
        self.sqlite = _PLACEHOLDER.sub(r"?\1", sql.replace("{lock}", ""))

    async def rows(self, *values: object) -> list[dict[str, Any]]:
        db = self.model._meta.db
        if db.capabilities.dialect == "postgres":
            return await fetch_postgres(db, self.postgres, values)
        return await db.execute_query_dict(self.sqlite, list(values))

    async def instances(self, *values: object) -> list[M]:
        """Each row as an instance of the model (partial when the statement selects only some
        of its columns)."""
        return [self.model._init_from_db(**row) for row in await self.rows(*values)]

    async def first(self, *values: object) -> M | None:
        found = await self.instances(*values)
        return found[0] if found else None

    async def value(self, *values: object) -> Any:
        """The first column of the first row (of a SELECT, or of an UPDATE ... RETURNING), or
        None when there is no row."""
        rows = await self.rows(*values)
        return next(iter(rows[0].values())) if rows else None

    async def changed(self, *values: object) -> int:
        """Run an UPDATE or DELETE; return how many rows it changed."""
        db = self.model._meta.db
        if db.capabilities.dialect != "postgres":
            count, _ = await db.execute_query(self.sqlite, list(values))
            return count
        async with db.acquire_connection() as connection:
            try:
                status = await connection.execute(self.postgres, *values)
            except asyncpg.PostgresError as error:
                _raise_as_tortoise(error)
        return int(status.rsplit(" ", 1)[1])


async def fetch_postgres(
    db: BaseDBAsyncClient, text: str, values: Sequence[object]
) -> list[dict[str, Any]]:
    """Run `text` on a PostgreSQL client of Tortoise's; its rows as dicts."""
    async with db.acquire_connection() as connection:
        try:
            return [dict(row) for row in await connection.fetch(text, *values)]
        except asyncpg.PostgresError as error:
            _raise_as_tortoise(error)


def _raise_as_tortoise(error: asyncpg.PostgresError) -> NoReturn:
    """Raise what Tortoise raises for this driver error (see its asyncpg client)."""
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        raise IntegrityError(error) from error
    if isinstance(error, asyncpg.SyntaxOrAccessError | asyncpg.exceptions.DataError):
        raise OperationalError(error) from error
    raise error
