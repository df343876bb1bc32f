"""Each test module gets a fresh database (a temporary SQLite file, or a PostgreSQL database created
and dropped when DATABASE_URL is a postgres URL), a flushed Redis database, and the real app behind
an in-process HTTP client. Modules may set SETTINGS_OVERRIDES = {...} to change settings."""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from redis.asyncio import Redis
from starlette.applications import Starlette

from api.app import create_app
from core.database import migrate, normalise_url
from core.settings import Settings
from tests.graphql import GraphQLClient

BASE_DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Whether the suite runs on PostgreSQL (DATABASE_URL in any of its spellings) or on SQLite.
ON_POSTGRES = normalise_url(BASE_DATABASE_URL).startswith("postgres://")
BASE_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


@pytest.fixture(scope="module")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if ON_POSTGRES:
        admin_url = normalise_url(BASE_DATABASE_URL).split("?", 1)[0]
        name = f"test_{_worker_index()}_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
        admin = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        yield f"sqlite://{path}"


@pytest.fixture(scope="module")
async def redis_url() -> AsyncIterator[str]:
    # Database 0 is for `make run`; each xdist worker takes its own database above
    # TEST_REDIS_DB (default 1), so two checkouts testing at once can be kept apart.
    url = f"{BASE_REDIS_URL}/{int(os.environ.get('TEST_REDIS_DB', '1')) + _worker_index()}"
    redis = Redis.from_url(url)
    await redis.flushdb()
    await redis.aclose()
    yield url


@pytest.fixture(scope="module")
def settings(request: pytest.FixtureRequest, database_url: str, redis_url: str) -> Settings:
    overrides = getattr(request.module, "SETTINGS_OVERRIDES", {})
    values = {
        "environment": "test",
        "database_url": database_url,
        "redis_url": redis_url,
        "secret_key": "test-secret-key-that-is-long-enough-0123456789",
        "signups_per_address": 1_000_000,
        "login_attempts_per_address": 1_000_000,
        # Tests that spend in bursts or sign many up are not floods; test_rate_limits sets its own.
        "rate_limit_member_spends": 0,
        "rate_limit_program_spends": 0,
        "rate_limit_program_sign_ups": 0,
        "rate_limit_program_log_ins": 0,
        "rate_limit_account_log_ins": 0,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]  # settings are read from strings, as from the environment


@pytest.fixture(scope="module")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    await migrate(settings.database_url)
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=30, shutdown_timeout=30):
        yield application


@pytest.fixture(scope="module")
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="module")
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture(scope="module")
def redis(app: Starlette) -> Redis:
    return app.state.services.redis


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test is async and runs in its module's loop; nothing to mark by hand.
    for item in items:
        if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(item.function):
            item.add_marker(pytest.mark.asyncio(loop_scope="module"))
