"""The arq worker: its functions, its cron schedule and its start-up.

Time-driven work is found by cron scans of the database, so a job that Redis loses is found again
at the next scan; every job is idempotent because arq delivers at least once.
"""

from __future__ import annotations

from typing import Any

from arq.connections import RedisSettings
from arq.cron import cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, func
from prometheus_client import start_http_server

import bootstrap
from core import tracing
from core.database import close_database, init_database
from core.logging import configure_logging
from core.redis import create_redis
from core.settings import get_settings
from gamification.webhooks import destinations
from workers.actions import grant_birthdays
from workers.auctions import scan_auctions, settle_auction
from workers.busy_retries import cron_retried_when_busy, retried_when_busy
from workers.challenges import close_challenges
from workers.contests import draw_contest, scan_contests
from workers.events import retry_event_handlers
from workers.job_runs import TRACER, observed, quiet_idle_runs
from workers.leaderboards import rebuild_leaderboards, repair_leaderboards
from workers.points import expire_points, remind_expiring_points
from workers.rewards import expire_redemptions
from workers.segments import compute_all_segments, compute_segments
from workers.sessions import purge_refresh_tokens
from workers.simulations import requeue_lost_simulations, run_simulation
from workers.tiers import end_memberships, review_tiers
from workers.webhooks import deliver_webhook, requeue_lost_webhook_deliveries

# Every job runs observed: its request id bound, its duration measured (workers/job_runs.py).
JOBS: list[WorkerCoroutine | Function] = [
    func(observed(purge_refresh_tokens)),
    func(observed(expire_points)),
    func(observed(remind_expiring_points)),
    func(observed(expire_redemptions)),
    func(observed(rebuild_leaderboards)),
    func(observed(repair_leaderboards)),
    func(observed(draw_contest)),
    func(observed(scan_contests)),
    func(observed(settle_auction)),
    func(observed(grant_birthdays)),
    func(observed(scan_auctions)),
    func(observed(review_tiers)),
    func(observed(end_memberships)),
    # A big program takes longer than the default job timeout.
    func(observed(compute_segments), timeout=900),
    func(observed(compute_all_segments)),
    # A replay of a long window of a big program takes minutes.
    func(observed(run_simulation), timeout=900),
    func(observed(requeue_lost_simulations)),
    func(observed(retry_event_handlers)),
    # Our own attempt count ends the retries (webhook_max_attempts); arq's is a backstop above it.
    func(observed(deliver_webhook), max_tries=50, timeout=60),
    func(observed(requeue_lost_webhook_deliveries)),
    func(observed(close_challenges)),
]

# Crons that run every few seconds to find work: a run that found none logs at DEBUG.
QUIET_CRONS = ("repair_leaderboards", "scan_contests", "scan_auctions")

CRONS = [
    # Hourly: nothing depends on it being prompt.
    cron(observed(purge_refresh_tokens), minute={7}, run_at_startup=False, timeout=300),
    # Every five minutes: a lot expires at most five minutes late, and spends expire inline.
    # At start-up too: a scan a killed worker left halfway is finished at once.
    cron(observed(expire_points), minute=set(range(0, 60, 5)), run_at_startup=True, timeout=600),
    # Every fifteen minutes, and at start-up: a reminder "N days before" is at most that late.
    cron(
        observed(remind_expiring_points),
        minute=set(range(3, 60, 15)),
        run_at_startup=True,
        timeout=600,
    ),
    # Every ten minutes: a shop refuses a lapsed code anyway; the scan refunds and tidies.
    cron(observed(expire_redemptions), minute=set(range(2, 60, 10)), timeout=600),
    # Nightly: repairs any board an effect missed (a crash between a commit and its effects).
    cron(observed(rebuild_leaderboards), hour={3}, minute={17}, run_at_startup=False, timeout=1800),
    # Every ten seconds: boards that missed changes while Redis failed are rebuilt soon after it
    # answers again, and at start-up (a worker that exited with Redis repairs first); with
    # nothing stale it is one read of an empty table.
    cron(
        observed(repair_leaderboards, quiet_when_idle=True),
        second=set(range(0, 60, 10)),
        run_at_startup=True,
        timeout=1800,
    ),
    # Every ten seconds, and at start-up: a contest is drawn within seconds of closing, and a
    # draw whose worker died resumes once its lease lapses (games); one indexed read.
    cron(
        observed(scan_contests, quiet_when_idle=True),
        second=set(range(5, 60, 10)),
        run_at_startup=True,
        timeout=60,
    ),
    # Every ten seconds, and at start-up: an auction is settled within seconds of its end.
    cron(
        observed(scan_auctions, quiet_when_idle=True),
        second=set(range(7, 60, 10)),
        run_at_startup=True,
        timeout=60,
    ),
    # Hourly, and at start-up: a birthday is granted within the hour it starts (UTC), even by
    # a worker that was down at midnight.
    cron(observed(grant_birthdays), minute={9}, run_at_startup=True, timeout=1800),
    # Every ten minutes: a review or a membership end is at most ten minutes late.
    cron(observed(review_tiers), minute=set(range(2, 60, 10)), timeout=600),
    # Nightly: RFM and ABC segments of every program (staff can ask for a run at any time).
    cron(observed(compute_all_segments), hour={2}, minute={41}, run_at_startup=False, timeout=300),
    cron(observed(end_memberships), minute=set(range(4, 60, 10)), timeout=600),
    # Every minute: a failed event handler is re-run about a minute later.
    cron(observed(retry_event_handlers), timeout=300),
    cron(observed(requeue_lost_webhook_deliveries), minute=set(range(2, 60, 5)), timeout=120),
    # Every five minutes: a simulation whose job Redis lost starts at most that late.
    cron(observed(requeue_lost_simulations), minute=set(range(1, 60, 5)), timeout=120),
    # Every minute: a challenge closes at most a minute after its end.
    cron(observed(close_challenges), second={30}, timeout=300),
]

# A job that meets a database lock it could not wait out runs again a moment later.
FUNCTIONS = [retried_when_busy(job) for job in JOBS]
CRON_JOBS = [cron_retried_when_busy(job) for job in CRONS]


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    configure_logging(settings.json_logs)
    quiet_idle_runs(QUIET_CRONS)
    await init_database(settings.database_url, settings.database_pool_timeout_seconds)
    ctx["settings"] = settings
    provider = tracing.tracer_provider(settings, settings.tracing_worker_service_name)
    if provider is not None:
        ctx["tracer_provider"] = provider
        ctx[TRACER] = provider.get_tracer("loyalty.worker")
    ctx["app_redis"] = create_redis(settings.redis_url, settings.redis_cluster)
    ctx["http"] = destinations.delivery_client(
        settings.webhook_timeout_seconds, settings.webhook_private_destinations
    )
    # Events handled in jobs feed the boards too; webhooks are queued on the worker's own pool.
    ctx["wiring"] = bootstrap.wire(redis=ctx["app_redis"], queue=ctx["redis"])
    if settings.worker_metrics_port is not None:
        # The worker's own /metrics (job durations, webhook failures), in a thread of its own.
        ctx["metrics_server"], _ = start_http_server(
            settings.worker_metrics_port, addr=settings.worker_metrics_host
        )


async def shutdown(ctx: dict[str, Any]) -> None:
    if (server := ctx.get("metrics_server")) is not None:
        server.shutdown()
        server.server_close()
    bootstrap.unwire(ctx["wiring"])
    if (provider := ctx.get("tracer_provider")) is not None:
        provider.shutdown()  # sends the spans still batched
    await ctx["http"].aclose()
    await ctx["app_redis"].aclose()
    await close_database()


class WorkerSettings:
    functions = FUNCTIONS
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().queue_url)
    # Short timeouts: after a crash a job runs again only once its in-progress key expires.
    job_timeout = 120
    max_tries = 5
    health_check_interval = 30
