"""`python -m api seed-demo`, as `make run` calls it: on a fresh database it migrates nothing
itself but seeds everything, twice without harm, and leaves the demo's webhook deliveries in the
job queue, so the worker sends them as soon as it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis

from core.database import close_database, init_database, migrate
from gamification.webhooks.models import WebhookDelivery

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, database_url: str, redis_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


async def test_seed_demo_twice_queues_the_webhook_deliveries(
    database_url: str, redis_url: str
) -> None:
    # given a migrated, empty database and an empty Redis
    await migrate(database_url)
    redis = Redis.from_url(redis_url)
    try:
        await redis.flushdb()
        # when the command line seeds the demo, twice
        for _ in range(2):
            result = _cli("seed-demo", database_url=database_url, redis_url=redis_url)
            assert result.returncode == 0, result.stderr
            assert "Demo program 'demo' is ready." in result.stdout
        # then the deliveries of the demo's events wait in the queue for the worker
        queued = [key async for key in redis.scan_iter(match="arq:job:webhook-delivery:*")]
        await init_database(database_url)
        try:
            deliveries = await WebhookDelivery.all().count()
        finally:
            await close_database()
        assert deliveries > 10 and len(queued) == deliveries
    finally:
        await redis.aclose()
