"""The arq worker: its functions, its cron schedule and its start-up.

Time-driven work is found by cron scans of the database, so a job that Redis loses is found again
at the next scan; every job is idempotent because arq delivers at least once.
"""

from __future__ import annotations

from typing import Any

from arq.connections import RedisSettings
from arq.cron import cron

from core.database import close_database, init_database
from core.logging import configure_logging
from core.redis import create_redis
from core.settings import get_settings
from workers.points import expire_points
from workers.sessions import purge_refresh_tokens
from workers.tiers import end_memberships, review_tiers

FUNCTIONS = [purge_refresh_tokens, expire_points, review_tiers, end_memberships]

CRON_JOBS = [
    # Hourly: nothing depends on it being prompt.
    cron(purge_refresh_tokens, minute={7}, run_at_startup=False, timeout=300),
    # Every five minutes: a lot expires at most five minutes late, and spends expire inline.
    cron(expire_points, minute=set(range(0, 60, 5)), timeout=600),
    # Every ten minutes: a review or a membership end is at most ten minutes late.
    cron(review_tiers, minute=set(range(2, 60, 10)), timeout=600),
    cron(end_memberships, minute=set(range(4, 60, 10)), timeout=600),
]


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    configure_logging(settings.json_logs)
    await init_database(settings.database_url)
    ctx["settings"] = settings
    ctx["app_redis"] = create_redis(settings.redis_url)


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["app_redis"].aclose()
    await close_database()


class WorkerSettings:
    functions = FUNCTIONS
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url)
    # Short timeouts: after a crash a job runs again only once its in-progress key expires.
    job_timeout = 120
    max_tries = 5
    health_check_interval = 30
