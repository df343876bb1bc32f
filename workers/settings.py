"""The arq worker: its functions, its cron schedule and its start-up.

Time-driven work is found by cron scans of the database, so a job that Redis loses is found again
at the next scan; every job is idempotent because arq delivers at least once.
"""

from __future__ import annotations

from typing import Any

import httpx
from arq.connections import RedisSettings
from arq.cron import cron
from arq.worker import func

from core.database import close_database, init_database
from core.logging import configure_logging
from core.redis import create_redis
from core.settings import get_settings
from gamification import webhooks
from gamification.handlers import install_handlers
from workers.challenges import close_challenges
from workers.events import retry_event_handlers
from workers.points import expire_points
from workers.sessions import purge_refresh_tokens
from workers.webhooks import deliver_webhook, requeue_lost_webhook_deliveries

FUNCTIONS = [
    purge_refresh_tokens,
    expire_points,
    retry_event_handlers,
    # Our own attempt count ends the retries (webhook_max_attempts); arq's is a backstop above it.
    func(deliver_webhook, max_tries=50, timeout=60),
    requeue_lost_webhook_deliveries,
    close_challenges,
]

CRON_JOBS = [
    # Hourly: nothing depends on it being prompt.
    cron(purge_refresh_tokens, minute={7}, run_at_startup=False, timeout=300),
    # Every five minutes: a lot expires at most five minutes late, and spends expire inline.
    cron(expire_points, minute=set(range(0, 60, 5)), timeout=600),
    # Every minute: a failed event handler is re-run about a minute later.
    cron(retry_event_handlers, timeout=300),
    cron(requeue_lost_webhook_deliveries, minute=set(range(2, 60, 5)), timeout=120),
    # Every minute: a challenge closes at most a minute after its end.
    cron(close_challenges, second={30}, timeout=300),
]


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    configure_logging(settings.json_logs)
    await init_database(settings.database_url)
    ctx["settings"] = settings
    ctx["app_redis"] = create_redis(settings.redis_url)
    ctx["http"] = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds)
    install_handlers()
    webhooks.use_queue(ctx["redis"])  # the worker's own arq pool


async def shutdown(ctx: dict[str, Any]) -> None:
    webhooks.use_queue(None)
    await ctx["http"].aclose()
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
