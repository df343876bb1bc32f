"""A job that meets a database lock it could not wait out (`DatabaseBusy`: on SQLite, the API
writing for longer than the busy timeout) runs again a moment later, as arq retries it, instead
of failing until a scan finds its work. Every job is idempotent (arq delivers at least once), so
running one again is safe."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from arq import Retry
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function, func

from core.database import DatabaseBusy

# Long enough for the other process's burst of writes to pass.
RETRY_SECONDS = 1.0


def _retried(job: WorkerCoroutine) -> WorkerCoroutine:
    @functools.wraps(job)  # arq names a job by its function's __qualname__
    async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await job(ctx, *args, **kwargs)
        except DatabaseBusy as busy:
            raise Retry(defer=RETRY_SECONDS) from busy

    return run


def retried_when_busy(job: WorkerCoroutine | Function) -> Function:
    """The job (a function or an arq `func(...)`), retried after DatabaseBusy."""
    if isinstance(job, Function):
        return dataclasses.replace(job, coroutine=_retried(job.coroutine))
    return func(_retried(job))


def cron_retried_when_busy(job: CronJob) -> CronJob:
    """The cron job, retried after DatabaseBusy."""
    return dataclasses.replace(job, coroutine=_retried(job.coroutine))
