"""Outages: the errors that say a backing service (the database, Redis) does not answer now,
told apart from bugs, so that callers get a code to retry on instead of INTERNAL_SERVER_ERROR.

Nothing is half-written by an outage: a transaction the database could not finish rolls back,
and what Redis holds is rebuilt from the database (see docs/faults.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# The database refuses or lost the connection: no free connection on the server (too many
# clients), starting up or shutting down, a connection cut; or it cannot be reached at all.
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
# Redis does not answer (refused, reset, timed out, loading its data).
REDIS_UNAVAILABLE = "REDIS_UNAVAILABLE"

CODES = (DATABASE_UNAVAILABLE, REDIS_UNAVAILABLE)

_REDIS = (RedisConnectionError, RedisTimeoutError)
_DATABASE = (
    asyncpg.InsufficientResourcesError,  # too many connections, out of memory or disk
    asyncpg.OperatorInterventionError,  # cannot connect now, admin or crash shutdown
    asyncpg.PostgresConnectionError,  # the connection does not exist or failed
    # A refused or reset connect, a timeout, Tortoise's DBConnectionError (socket errors that
    # are not about connecting, such as a failed name lookup, are not outages).
    ConnectionError,
    TimeoutError,
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def outage_code(error: BaseException) -> str | None:
    """The outage code for `error` (or anything it was raised from), or None for any other
    error. Redis wraps its socket errors in its own, so a connection error left bare comes
    from the database."""
    causes = list(_chain(error))
    if any(isinstance(cause, _REDIS) for cause in causes):
        return REDIS_UNAVAILABLE
    if any(isinstance(cause, _DATABASE) for cause in causes):
        return DATABASE_UNAVAILABLE
    return None
