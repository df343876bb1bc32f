"""Counting what a request sends: SQL statements (BEGIN, COMMIT and savepoints included) and
Redis round trips (a pipeline or a script call is one).

The counts are taken at the drivers' doors, below every layer of ours: asyncpg's connection
methods on PostgreSQL, SQLite's own trace callback, redis-py's command and pipeline calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from redis.asyncio.client import Pipeline, Redis
from tortoise import connections


@dataclass
class RoundTrips:
    sql: list[str] = field(default_factory=list)
    redis: list[str] = field(default_factory=list)

    def counts(self) -> tuple[int, int]:
        return len(self.sql), len(self.redis)


@asynccontextmanager
async def counting(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RoundTrips]:
    """What is sent inside the block (by this process, whoever sends it)."""
    seen = RoundTrips()
    with monkeypatch.context() as patch:
        _count_postgres(patch, seen)
        _count_redis(patch, seen)
        sqlite = getattr(connections.get("default"), "_connection", None)
        if sqlite is not None:  # aiosqlite: the callback runs in its thread, once per statement
            await sqlite.set_trace_callback(seen.sql.append)
        try:
            yield seen
        finally:
            if sqlite is not None:
                await sqlite.set_trace_callback(None)


def _count_postgres(patch: pytest.MonkeyPatch, seen: RoundTrips) -> None:
    connection = asyncpg.connection.Connection
    execute, run, run_many = connection.execute, connection._execute, connection._executemany

    async def counted_execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:  # with arguments it goes through _execute, counted there
            seen.sql.append(query)
        return await execute(self, query, *args, **kwargs)

    async def counted_run(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        seen.sql.append(query)
        return await run(self, query, *args, **kwargs)

    async def counted_run_many(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        seen.sql.append(query)
        return await run_many(self, query, *args, **kwargs)

    patch.setattr(connection, "execute", counted_execute)
    patch.setattr(connection, "_execute", counted_run)
    patch.setattr(connection, "_executemany", counted_run_many)


def _count_redis(patch: pytest.MonkeyPatch, seen: RoundTrips) -> None:
    command: Callable[..., Awaitable[Any]] = Redis.execute_command
    pipeline: Callable[..., Awaitable[Any]] = Pipeline.execute

    async def counted_command(self: Any, *args: Any, **options: Any) -> Any:
        seen.redis.append(str(args[0]))
        return await command(self, *args, **options)

    async def counted_pipeline(self: Any, *args: Any, **options: Any) -> Any:
        seen.redis.append("pipeline")
        return await pipeline(self, *args, **options)

    # A pipeline's own execute_command only buffers: Redis's is the one that sends.
    patch.setattr(Redis, "execute_command", counted_command)
    patch.setattr(Pipeline, "execute", counted_pipeline)
