"""Tier housekeeping: reviews that are due, and VIP memberships that have ended."""

from __future__ import annotations

from typing import Any

import structlog

from gamification.points import memberships, tiers

log = structlog.get_logger("workers.tiers")


async def review_tiers(ctx: dict[str, Any]) -> int:
    """Review every member whose review date has passed. Idempotent, safe in several workers."""
    reviewed = await tiers.review_due_tiers()
    if reviewed:
        log.info("tiers reviewed", members=reviewed)
    return reviewed


async def end_memberships(ctx: dict[str, Any]) -> int:
    """End every VIP membership whose end date has passed. Idempotent."""
    ended = await memberships.end_due_memberships()
    if ended:
        log.info("memberships ended", memberships=ended)
    return ended
