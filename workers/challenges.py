"""Challenge housekeeping: reaching collective targets that Redis missed, closing those whose
window has ended."""

from __future__ import annotations

from typing import Any

import structlog

from challenges import community
from challenges.closing import close_ended_challenges

log = structlog.get_logger("workers.challenges")


async def close_challenges(ctx: dict[str, Any]) -> int:
    """Cron: reach the collective challenges whose community got to the target unnoticed, then
    close ended challenges and store their results. Idempotent."""
    reached = await community.reach_due()
    if reached:
        log.info("collective challenges reached by the scan", count=reached)
    closed = await close_ended_challenges()
    if closed:
        log.info("challenges closed", count=closed)
    return closed
