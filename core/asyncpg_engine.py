"""The PostgreSQL engine (`core.database` configures it for `postgres://` URLs): Tortoise's asyncpg
client, with a pool whose connections are lent for a bounded wait.

asyncpg's pool lends a connection to whoever asks and, when all are lent out, makes the next one
wait for a release, with no limit by default: a process whose every connection is held (a burst
bigger than the pool, slow queries, a job holding connections) left requests waiting as long as
their clients would, and a client that gave up left its request queued still. Here a wait lasts
at most the pool timeout (`database_pool_timeout_seconds`), then raises `DatabaseBusy`, which the
API answers with the retryable `DATABASE_BUSY` (as SQLite's write lock not waited out), and a
worker job runs again a moment later (workers/busy_retries.py). Nothing was done by then: a
statement or transaction that gets no connection has not begun.

(The module's name holds "asyncpg": Tortoise's migrations pick their schema editor by it.)
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

from core.database import DatabaseBusy

# asyncpg.create_pool's defaults, which its Pool class does not have (a URL may set the first
# two as `?max_queries=...`).
_POOL_DEFAULTS: dict[str, Any] = {
    "max_queries": 50_000,
    "max_inactive_connection_lifetime": 300.0,
    "record_class": asyncpg.Record,
}


def _busy() -> DatabaseBusy:
    return DatabaseBusy(
        "Every database connection of this process is in use. Try again: a retry with the "
        "same externalId or idempotency key is applied once."
    )


# asyncpg ships no type information: its Pool is Any to mypy.
class _BoundedPool(asyncpg.Pool):  # type: ignore[misc]
    """A pool whose `acquire()` waits at most `acquire_timeout` seconds when none is given."""

    def __init__(self, *args: Any, acquire_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._acquire_timeout = acquire_timeout

    # The one method every acquire goes through (awaited or `async with`); asyncpg's own.
    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109  # asyncpg's signature
        try:
            return await super()._acquire(self._acquire_timeout if timeout is None else timeout)
        except TimeoutError:
            if self.get_idle_size() == 0 and self.get_size() >= self.get_max_size():
                raise _busy() from None
            raise  # a new connection was being opened: the database is slow or unreachable


class AsyncpgClient(AsyncpgDBClient):
    def __init__(self, *args: Any, acquire_timeout: float | str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # None: asyncpg's own (wait for as long as it takes), for Tortoise's CLI.
        self.acquire_timeout = None if acquire_timeout is None else float(acquire_timeout)

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        if self.acquire_timeout is None:
            return await super().create_pool(**kwargs)
        return await _BoundedPool(
            None, acquire_timeout=self.acquire_timeout, **{**_POOL_DEFAULTS, **kwargs}
        )


client_class = AsyncpgClient
