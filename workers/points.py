"""Points housekeeping: expiring due lots, and reminding members of those about to."""

from __future__ import annotations

from typing import Any

import structlog

from gamification.points import expiry_reminders, ledger

log = structlog.get_logger("workers.points")


async def expire_points(ctx: dict[str, Any]) -> int:
    """Expire every due lot. Idempotent, and safe in several workers at once."""
    expired = await ledger.expire_due_lots()
    if expired:
        log.info("points expired", points=expired)
    return expired


async def remind_expiring_points(ctx: dict[str, Any]) -> int:
    """Send the POINTS_EXPIRING reminders due. Idempotent, and safe in several workers."""
    sent = await expiry_reminders.send_reminders()
    if sent:
        log.info("expiry reminders sent", reminders=sent)
    return sent
