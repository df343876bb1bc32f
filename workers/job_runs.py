"""What every job run leaves behind: its request id bound, its duration timed, one log line.

Each job function the worker runs is wrapped by `observed`: the `request_id` argument that the
enqueuing request passed (core/request_ids.py) is bound while the job runs, so its log lines, the
jobs it enqueues and the webhooks it sends carry it; a job without one (a cron scan, a job
enqueued outside a request) gets an id of its own run. The run's duration goes to the
`loyalty_job_duration_seconds` histogram by job and outcome (ok, retry, error).

The crons that run every few seconds to find work (`quiet_when_idle`) would fill the log with
runs that found none: such a run logs at DEBUG, ours and arq's lines alike (`QuietIdleRuns`),
and a run that did something (a non-zero count) at INFO. Their durations are measured as any.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import structlog
from arq import Retry
from arq.typing import WorkerCoroutine

from core import metrics, request_ids

log = structlog.get_logger("workers.jobs")


def observed(job: Callable[..., Awaitable[Any]], quiet_when_idle: bool = False) -> WorkerCoroutine:
    """`job`, run with its request id bound and its duration measured (the same name to arq).
    With `quiet_when_idle`, a run that returns a count of 0 (nothing to do) logs at DEBUG."""
    name = job.__qualname__

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        request_id = kwargs.pop(request_ids.JOB_ARGUMENT, None) or request_ids.new()
        outcome = "error"
        started = time.perf_counter()
        idle = False
        with (
            request_ids.bound(request_id),
            structlog.contextvars.bound_contextvars(job=name, job_id=ctx.get("job_id")),
        ):
            try:
                result = await job(ctx, *args, **kwargs)
                outcome = "ok"
                idle = quiet_when_idle and result == 0
                return result
            except Retry:
                outcome = "retry"
                raise
            finally:
                seconds = time.perf_counter() - started
                metrics.job_seconds.labels(name, outcome).observe(seconds)
                (log.debug if idle else log.info)(
                    "job run", outcome=outcome, duration_ms=round(seconds * 1000, 1)
                )

    return run


# arq's own lines (its `arq.worker` logger) as the worker writes them: a job started, a job done,
# and the health record it writes each time the counts of jobs done have changed.
_STARTED = "%6.2fs → %s(%s)%s"
_DONE = "%6.2fs ← %s ● %s"
_HEALTH = "recording health: %s"


class QuietIdleRuns(logging.Filter):
    """On arq's logger: its start and end lines of the quiet crons' runs are DEBUG (ours says
    at INFO when a run did something, `observed`), and so is its health record, which changes
    with every such run. A retry or a failure stays as arq writes it."""

    def __init__(self, crons: Iterable[str]) -> None:
        super().__init__()
        # arq names a cron's run `cron:<function>` in its lines.
        self.names = {f"cron:{name}" for name in crons}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _HEALTH or (
            record.msg in (_STARTED, _DONE)
            and isinstance(record.args, tuple)
            and record.args[1] in self.names
        ):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def quiet_idle_runs(crons: Iterable[str]) -> None:
    """Install QuietIdleRuns on arq's logger (once)."""
    arq_log = logging.getLogger("arq.worker")
    if not any(isinstance(f, QuietIdleRuns) for f in arq_log.filters):
        arq_log.addFilter(QuietIdleRuns(crons))
