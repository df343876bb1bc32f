"""What every HTTP request leaves behind: its request id, one access-log line, its metrics and,
when tracing is on, its server span.

The middleware is the outermost of the app's own, so it sees every answer, refusals included.
The GraphQL view and its document extension write what only they know into the request's
`scope["state"]`: the operation's name (`OPERATION`) and its outcome (`OUTCOME`: "ok" or the
first error's code, a top-level error's before a payload's). Other routes are named by their path
("unmatched" for a path the app does not serve), and without a written outcome a 4xx or 5xx
answer counts as `HTTP_<status>`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics, request_ids

log = structlog.get_logger("api.access")

OPERATION = "graphql_operation"
OUTCOME = "outcome"

_HEADER = request_ids.HEADER.lower().encode()


def record_outcome(scope: Scope, outcome: str) -> None:
    """Note the request's outcome unless one is noted already (the first error counts)."""
    scope.setdefault("state", {}).setdefault(OUTCOME, outcome)


class RequestObservation:
    def __init__(
        self,
        app: ASGIApp,
        paths: Iterable[str],
        access_log: bool,
        count: bool,
        tracer: trace.Tracer | None,
        prefixes: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.paths = frozenset(paths)
        # Mounted apps (the console): every path under one counts as the mount's.
        self.prefixes = tuple(prefixes)
        self.access_log = access_log
        self.count = count
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == _HEADER:
                incoming = value.decode("latin-1")
                break
        request_id = request_ids.accepted(incoming)
        header = (_HEADER, request_id.encode())
        status = 500  # what the client gets when the app fails before answering
        started = time.perf_counter()

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        with request_ids.bound(request_id):
            if self.tracer is None:
                try:
                    await self.app(scope, receive, answer)
                finally:
                    self._observe(scope, status, time.perf_counter() - started, request_id)
                return
            with self.tracer.start_as_current_span(
                f"{scope['method']} {self._route(scope)}",
                context=propagate.extract(_carrier(scope)),
                kind=SpanKind.SERVER,
                attributes={
                    "http.request.method": scope["method"],
                    "url.path": scope["path"],
                    "loyalty.request_id": request_id,
                },
            ) as span:
                try:
                    await self.app(scope, receive, answer)
                finally:
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                    self._observe(scope, status, time.perf_counter() - started, request_id)

    def _route(self, scope: Scope) -> str:
        path: str = scope["path"]
        if path in self.paths:
            return path
        for prefix in self.prefixes:
            if path.startswith(prefix):
                return prefix.rstrip("/")
        return "unmatched"

    def _observe(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        state = scope.get("state", {})
        operation = (
            metrics.operation_label(state[OPERATION]) if OPERATION in state else self._route(scope)
        )
        outcome = state.get(OUTCOME) or ("ok" if status < 400 else f"HTTP_{status}")
        if self.count:
            metrics.observe_request(operation, outcome, seconds)
        if self.access_log:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                operation=operation,
                outcome=outcome,
                duration_ms=round(seconds * 1000, 2),
            )


def _carrier(scope: Scope) -> dict[str, Any]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
