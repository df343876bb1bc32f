"""Actions the worker grants on its own: birthdays."""

from __future__ import annotations

from typing import Any

import structlog

from gamification.actions import birthdays

log = structlog.get_logger("workers.actions")


async def grant_birthdays(ctx: dict[str, Any]) -> int:
    """Today's birthday points. Idempotent, and safe in several workers at once."""
    granted = await birthdays.grant_birthdays()
    if granted:
        log.info("birthday points granted", members=granted)
    return granted
