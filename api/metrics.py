"""`GET /metrics`: the Prometheus text of this process (core/metrics.py), with the values read
at scrape time: the database pool's use, the outbox backlog and the failed webhook deliveries."""

from __future__ import annotations

import hmac

import structlog
from starlette.requests import Request
from starlette.responses import Response

from api.errors import http_error
from core import metrics
from core.database import pool_use
from gamification import events
from gamification.webhooks import webhooks

log = structlog.get_logger("api.metrics")


async def scrape(request: Request) -> Response:
    token = request.app.state.services.settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return http_error(401, "UNAUTHENTICATED", "Send 'Authorization: Bearer <token>'.")
    unsettled = failed = None
    try:
        unsettled = await events.backlog()
        failed = await webhooks.failed_deliveries()
    except Exception as error:  # a scrape reports what it can; the database may be down
        log.warning("metrics not read from the database", error=repr(error))
    body = metrics.exposition(pool_use(), unsettled, failed)
    return Response(body, media_type=metrics.CONTENT_TYPE)
