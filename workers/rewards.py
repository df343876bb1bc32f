"""Rewards housekeeping: expiring unused redemption codes."""

from __future__ import annotations

from typing import Any

import structlog

from gamification.rewards import redemptions

log = structlog.get_logger("workers.rewards")


async def expire_redemptions(ctx: dict[str, Any]) -> int:
    """Expire every ISSUED redemption past its validity. Idempotent, safe in several workers."""
    expired = await redemptions.expire_due()
    if expired:
        log.info("redemptions expired", redemptions=expired)
    return expired
