"""What every job run leaves behind: its request id bound, its duration timed, one log line, and
a span when tracing is on.

Each job function the worker runs is wrapped by `observed`: the `request_id` argument that the
enqueuing request passed (core/request_ids.py) is bound while the job runs, so its log lines, the
jobs it enqueues and the webhooks it sends carry it; a job without one (a cron scan, a job
enqueued outside a request) gets an id of its own run. The run's duration goes to the
`loyalty_job_duration_seconds` histogram by job and outcome (ok, retry, error).

With tracing on (core/tracing.py; the worker puts its tracer in ctx under TRACER), each run is a
CONSUMER span named after the job, with its arq job id and try, the request id it carries, the
program when its arguments name one (`program_id`) and its outcome; an error is recorded on it
(the exception, and the span's status). A retry is no error: its outcome says `retry`.

The crons that run every few seconds to find work (`quiet_when_idle`) would fill the log with
runs that found none: such a run logs at DEBUG, ours and arq's lines alike (`QuietIdleRuns`),
and a run that did something (a non-zero count) at INFO. Their durations are measured as any.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import structlog
from arq import Retry
from arq.typing import WorkerCoroutine
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from core import metrics, request_ids

log = structlog.get_logger("workers.jobs")

# The key of the worker's tracer in arq's ctx (absent when tracing is off).
TRACER = "tracer"


def _program_position(job: Callable[..., Awaitable[Any]]) -> int | None:
    """Where the job takes `program_id` among its arguments after ctx, if it takes one."""
    names = list(inspect.signature(job).parameters)[1:]
    return names.index("program_id") if "program_id" in names else None


def _span(
    ctx: dict[str, Any], name: str, request_id: str, program_id: object
) -> AbstractContextManager[Span | None]:
    tracer: Tracer | None = ctx.get(TRACER)
    if tracer is None:
        return nullcontext()
    attributes: dict[str, str | int] = {
        "loyalty.job.id": str(ctx.get("job_id")),
        "loyalty.job.try": int(ctx.get("job_try") or 1),
        "loyalty.request_id": request_id,
    }
    if isinstance(program_id, int):
        attributes["loyalty.program_id"] = program_id
    # Errors are recorded below, where a Retry (no error) can be told apart.
    return tracer.start_as_current_span(
        name,
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    )


def observed(job: Callable[..., Awaitable[Any]], quiet_when_idle: bool = False) -> WorkerCoroutine:
    """`job`, run with its request id bound and its duration measured (the same name to arq).
    With `quiet_when_idle`, a run that returns a count of 0 (nothing to do) logs at DEBUG."""
    name = job.__qualname__
    program_at = _program_position(job)

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        request_id = kwargs.pop(request_ids.JOB_ARGUMENT, None) or request_ids.new()
        outcome = "error"
        started = time.perf_counter()
        idle = False
        program_id = None
        if program_at is not None:
            program_id = args[program_at] if len(args) > program_at else kwargs.get("program_id")
        with (
            request_ids.bound(request_id),
            structlog.contextvars.bound_contextvars(job=name, job_id=ctx.get("job_id")),
            _span(ctx, name, request_id, program_id) as span,
        ):
            try:
                result = await job(ctx, *args, **kwargs)
                outcome = "ok"
                idle = quiet_when_idle and result == 0
                return result
            except Retry:
                outcome = "retry"
                raise
            except BaseException as error:  # a job timeout cancels it: an error of the run too
                if span is not None:
                    span.record_exception(error)
                    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                raise
            finally:
                if span is not None:
                    span.set_attribute("loyalty.outcome", outcome)
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
