"""Challenge housekeeping: closing those whose window has ended."""

from __future__ import annotations

from typing import Any

import structlog

from challenges.closing import close_ended_challenges

log = structlog.get_logger("workers.challenges")


async def close_challenges(ctx: dict[str, Any]) -> int:
    """Cron: close ended challenges and store their results. Idempotent."""
    closed = await close_ended_challenges()
    if closed:
        log.info("challenges closed", count=closed)
    return closed
