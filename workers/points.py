"""Points housekeeping: expiring due lots."""

from __future__ import annotations

from typing import Any

import structlog

from gamification.points import ledger

log = structlog.get_logger("workers.points")


async def expire_points(ctx: dict[str, Any]) -> int:
    """Expire every due lot. Idempotent, and safe in several workers at once."""
    expired = await ledger.expire_due_lots()
    if expired:
        log.info("points expired", points=expired)
    return expired
