"""The request id: one id per API request, carried by everything the request sets off.

An incoming `X-Request-Id` is kept when it is well formed (1-128 letters, digits and `-_.:`),
so a proxy's or a client's id joins our logs to theirs; otherwise the API makes one. The API
answers it in the same header, every log line written while the request runs carries it (a
structlog context variable), a job enqueued meanwhile gets it as its `request_id` argument, the
worker binds it again while the job runs (workers/job_runs.py), and a webhook delivery sends it
in `X-Request-Id`. A job enqueued by no request (a cron scan) gets an id of its own run.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import structlog

HEADER = "X-Request-Id"
# The keyword argument a job receives its request's id in.
JOB_ARGUMENT = "request_id"

_WELL_FORMED = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def new() -> str:
    return uuid.uuid4().hex


def accepted(incoming: str | None) -> str:
    """`incoming` when it is a well-formed id, else a new one."""
    if incoming is not None and _WELL_FORMED.fullmatch(incoming):
        return incoming
    return new()


def current() -> str | None:
    return _current.get()


@contextmanager
def bound(request_id: str) -> Iterator[None]:
    """While the block runs, `current()` is `request_id` and every log line carries it."""
    token = _current.set(request_id)
    # bind and reset rather than structlog's bound_contextvars(), which reads every bound
    # variable first: a few microseconds less on every request.
    logged = structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**logged)
        _current.reset(token)
