"""The outbox scan: handlers that failed (or never ran) on committed events are run again."""

from __future__ import annotations

from typing import Any

import structlog

from gamification import events

log = structlog.get_logger("workers.events")


async def retry_event_handlers(ctx: dict[str, Any]) -> int:
    """Cron: settle every event older than a minute that some handler has not processed."""
    settled = await events.retry_unsettled()
    if settled:
        log.info("events settled by the scan", events=settled)
    return settled
