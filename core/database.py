"""Tortoise configuration, start-up and migrations: the one place that knows apps and URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import OperationalError
from tortoise.migrations.api import migrate as tortoise_migrate

# Each domain package is one Tortoise app with its own committed migrations.
APPS: dict[str, dict[str, Any]] = {
    "gamification": {
        # One app label for every core subpackage, so the migrations stay one history.
        "models": [
            "gamification.events.models",
            "gamification.audit.models",
            "gamification.programs.models",
            "gamification.accounts.models",
            "gamification.points.models",
            "gamification.referrals.models",
            "gamification.rewards.models",
            "gamification.actions.models",
            "gamification.games.models",
            "gamification.leaderboards.models",
            "gamification.simulations.models",
            "gamification.webhooks.models",
        ],
        "migrations": "gamification.migrations",
    },
    "badges": {"models": ["badges.models"], "migrations": "badges.migrations"},
    "challenges": {"models": ["challenges.models"], "migrations": "challenges.migrations"},
}


def normalise_url(url: str) -> str:
    """Accept the usual spellings of PostgreSQL URLs; add pool sizes that suit one API process."""
    for prefix in ("postgresql://", "postgresql+asyncpg://", "asyncpg://"):
        if url.startswith(prefix):
            url = "postgres://" + url[len(prefix) :]
    if url.startswith("postgres://") and "maxsize" not in url:
        url += ("&" if "?" in url else "?") + "minsize=1&maxsize=20"
    return url


# asyncpg ships no type information: its Connection is Any to mypy.
class LeanConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that skips the reset query (advisory unlock, CLOSE ALL, UNLISTEN,
    RESET ALL) when it goes back to the pool. That query is one more round trip for every
    statement run outside a transaction. We keep no session state: use SET LOCAL and
    transaction-level advisory locks. Open transactions are still rolled back by asyncpg."""

    def get_reset_query(self) -> str:
        return ""


class DatabaseBusy(OperationalError):
    """The database could not take the statement within the time it may wait: another process
    held SQLite's write lock longer than the busy timeout (core/sqlite_engine.py), or every
    PostgreSQL connection of the pool stayed in use longer than the pool timeout
    (core/asyncpg_engine.py). The statement or transaction that met it wrote nothing: the caller
    may try again."""


def _connection(database_url: str, pool_timeout_seconds: float | None) -> dict[str, Any]:
    url = normalise_url(database_url)
    config = expand_db_url(url)
    if url.startswith("sqlite://"):
        # Transactions that take the write lock when they begin, and a busy timeout. (Tortoise's
        # migrations pick their schema editor by the client's module name: it holds "sqlite".)
        config["engine"] = "core.sqlite_engine"
    elif url.startswith("postgres://"):
        # A pool whose connections are waited for a bounded time.
        config["engine"] = "core.asyncpg_engine"
        config["credentials"]["connection_class"] = LeanConnection
        config["credentials"]["acquire_timeout"] = pool_timeout_seconds
    return config


def tortoise_config(database_url: str, pool_timeout_seconds: float | None = None) -> dict[str, Any]:
    """Tortoise's configuration; on PostgreSQL, a request waits at most `pool_timeout_seconds`
    for a connection of the pool (None: as long as it takes, for the CLI and migrations)."""
    return {
        "connections": {"default": _connection(database_url, pool_timeout_seconds)},
        "apps": APPS,
        "use_tz": True,
        "timezone": "UTC",
    }


def ensure_sqlite_directory(database_url: str) -> None:
    """`sqlite://data/x.sqlite3` needs `data/` to exist before SQLite can create the file."""
    if database_url.startswith("sqlite://"):
        path = Path(database_url.removeprefix("sqlite://").split("?", 1)[0])
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)


async def init_database(database_url: str, pool_timeout_seconds: float | None = None) -> None:
    ensure_sqlite_directory(database_url)
    # The global fallback lets request tasks started by the ASGI server see the connections.
    await Tortoise.init(
        config=tortoise_config(database_url, pool_timeout_seconds), _enable_global_fallback=True
    )


async def close_database() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str) -> None:
    """Apply every committed migration of every app (idempotent)."""
    ensure_sqlite_directory(database_url)
    await tortoise_migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


def cli_config() -> dict[str, Any]:
    """For Tortoise's own CLI: `python -m tortoise -c core.database.TORTOISE_ORM makemigrations`."""
    from core.settings import get_settings

    return tortoise_config(get_settings().database_url)


def __getattr__(name: str) -> Any:
    # Computed on access so importing this module never reads the environment.
    if name == "TORTOISE_ORM":
        return cli_config()
    raise AttributeError(name)


@dataclass(frozen=True)
class PoolUse:
    """The default connection's pool: connections open, idle (open and not lent out), allowed."""

    open: int
    idle: int
    maximum: int


def pool_use() -> PoolUse | None:
    """The PostgreSQL pool's use now; None on SQLite (one connection, no pool) or before the
    pool is made."""
    # Tortoise's asyncpg client keeps its pool in `_pool`, with no public way to it.
    pool = getattr(connections.get("default"), "_pool", None)
    if pool is None:
        return None
    return PoolUse(open=pool.get_size(), idle=pool.get_idle_size(), maximum=pool.get_max_size())
