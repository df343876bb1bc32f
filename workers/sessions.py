"""Session housekeeping jobs."""

from __future__ import annotations

from typing import Any

import structlog

from gamification.accounts.sessions import purge_expired_refresh_tokens

log = structlog.get_logger("workers.sessions")


async def purge_refresh_tokens(ctx: dict[str, Any]) -> int:
    """Delete refresh tokens long expired or revoked. Idempotent: a rerun finds nothing more."""
    deleted = await purge_expired_refresh_tokens()
    log.info("refresh tokens purged", deleted=deleted)
    return deleted
