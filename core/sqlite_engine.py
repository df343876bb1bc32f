"""The SQLite engine (`core.database` configures it for `sqlite://` URLs): Tortoise's, made to
hold two processes (the API and the worker) writing to one file.

SQLite lets one connection write at a time. Tortoise opens its transactions with a deferred
`BEGIN`: the transaction starts as a reader and asks for the write lock at its first write. If
another process committed in between, SQLite cannot give it the lock (what it read is no longer
the latest) and fails at once with "database is locked", whatever the busy timeout: that was a
500 under a small shop's load. Here a transaction begins with `BEGIN IMMEDIATE`, which takes the
write lock before anything is read, waiting up to the busy timeout (SQLite tries the lock again
and again meanwhile): writers wait their turn, and a transaction meets the lock only at its
start, before it has done anything: waiting there is the retry, and no transaction is ever half
done or run twice. Readers never wait (WAL).

A lock that another process holds longer than the busy timeout raises `DatabaseBusy`: the API
answers it with the retryable code `DATABASE_BUSY`, never a 500.

The URL may set the timeout in milliseconds: `sqlite://data/loyalty.sqlite3?busy_timeout=10000`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Coroutine, Sequence
from functools import wraps
from typing import Any, TypeVar

from tortoise.backends.base.client import NestedTransactionContext, TransactionContext
from tortoise.backends.sqlite import client as tortoise_sqlite
from tortoise.connection import get_connections
from tortoise.exceptions import OperationalError, TransactionManagementError

from core.database import DatabaseBusy

# How long a write waits for another process's write lock before DatabaseBusy, in milliseconds.
# Longer than any transaction of the API or the worker at a small shop's load (README.md).
BUSY_TIMEOUT_MS = 5_000

T = TypeVar("T")


def _is_busy(error: BaseException | None) -> bool:
    """Whether `error` is SQLite's SQLITE_BUSY (any of its extended codes)."""
    while error is not None:
        if isinstance(error, sqlite3.OperationalError):
            return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY
        error = error.__cause__ or error.__context__
    return False


def _busy() -> DatabaseBusy:
    return DatabaseBusy(
        "The database is busy with another process's writes. Try again: a retry with the same "
        "externalId or idempotency key is applied once."
    )


def _busy_is_database_busy(
    method: Callable[..., Coroutine[Any, Any, T]],
) -> Callable[..., Coroutine[Any, Any, T]]:
    @wraps(method)
    async def translated(self: Any, *args: Any) -> T:
        try:
            return await method(self, *args)
        except OperationalError as error:
            if _is_busy(error):
                raise _busy() from error
            raise

    return translated


class _Statements(tortoise_sqlite.SqliteClient):
    """Statements that raise SQLITE_BUSY as DatabaseBusy: the client's own, and (placed before
    Tortoise's transaction wrapper) a transaction's."""

    @_busy_is_database_busy
    async def execute_insert(self, query: str, values: list[Any]) -> int:
        inserted: int = await super().execute_insert(query, values)
        return inserted

    @_busy_is_database_busy
    async def execute_many(self, query: str, values: list[list[Any]]) -> None:
        await super().execute_many(query, values)

    @_busy_is_database_busy
    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        result: tuple[int, Sequence[dict[str, Any]]] = await super().execute_query(query, values)
        return result

    @_busy_is_database_busy
    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await super().execute_query_dict(query, values)
        return rows

    @_busy_is_database_busy
    async def execute_script(self, query: str) -> None:
        await super().execute_script(query)


class SqliteClient(_Statements):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        # First, so that the other pragmas (journal_mode=WAL takes a lock) wait too.
        timeout = int(self.pragmas.pop("busy_timeout", BUSY_TIMEOUT_MS))
        self.pragmas = {"busy_timeout": timeout, **self.pragmas}

    def _in_transaction(self) -> TransactionContext:
        return _Transaction(_TransactionClient(self), self._lock)


class _Transaction(tortoise_sqlite.SqliteTransactionContext):
    async def __aenter__(self) -> Any:
        # As Tortoise's, but a BEGIN that fails gives the connection back (Tortoise's would
        # keep it locked for good, and every later query of this process would wait forever).
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:
            self._trxlock.release()
            raise
        return self.connection


class _TransactionClient(_Statements, tortoise_sqlite.SqliteTransactionWrapper):
    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(_TransactionClient(self))

    async def begin(self) -> None:
        try:
            # Ends whatever a cancelled request may have left open on this connection.
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise _busy() from error
            raise TransactionManagementError(error) from error


client_class = SqliteClient
