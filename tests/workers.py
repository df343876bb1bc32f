"""Running the arq worker inside a test: every queued job, then it stops."""

from __future__ import annotations

from arq.connections import RedisSettings
from arq.worker import Worker

from workers.settings import WorkerSettings


async def run_burst_worker(redis_url: str) -> Worker:
    """Run the worker's functions over what the queue holds now (burst), then close it; the
    worker's counts (jobs_complete, jobs_failed) stay readable."""
    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=RedisSettings.from_dsn(redis_url),
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    await worker.main()
    await worker.close()
    return worker
