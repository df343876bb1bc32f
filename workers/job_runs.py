"""What every job run leaves behind: its request id bound, its duration timed, one log line.

Each job function the worker runs is wrapped by `observed`: the `request_id` argument that the
enqueuing request passed (core/request_ids.py) is bound while the job runs, so its log lines, the
jobs it enqueues and the webhooks it sends carry it; a job without one (a cron scan, a job
enqueued outside a request) gets an id of its own run. The run's duration goes to the
`loyalty_job_duration_seconds` histogram by job and outcome (ok, retry, error).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from arq import Retry
from arq.typing import WorkerCoroutine

from core import metrics, request_ids

log = structlog.get_logger("workers.jobs")


def observed(job: Callable[..., Awaitable[Any]]) -> WorkerCoroutine:
    """`job`, run with its request id bound and its duration measured (the same name to arq)."""
    name = job.__qualname__

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        request_id = kwargs.pop(request_ids.JOB_ARGUMENT, None) or request_ids.new()
        outcome = "error"
        started = time.perf_counter()
        with (
            request_ids.bound(request_id),
            structlog.contextvars.bound_contextvars(job=name, job_id=ctx.get("job_id")),
        ):
            try:
                result = await job(ctx, *args, **kwargs)
                outcome = "ok"
                return result
            except Retry:
                outcome = "retry"
                raise
            finally:
                seconds = time.perf_counter() - started
                metrics.job_seconds.labels(name, outcome).observe(seconds)
                log.info("job run", outcome=outcome, duration_ms=round(seconds * 1000, 1))

    return run
