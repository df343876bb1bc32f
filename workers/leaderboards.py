"""Leaderboard jobs: rebuilding boards from the database, and repairing those Redis missed."""

from __future__ import annotations

from typing import Any

import structlog

from core.redis import UNREACHABLE
from gamification import leaderboards

log = structlog.get_logger("workers.leaderboards")


async def rebuild_leaderboards(
    ctx: dict[str, Any],
    program_id: int | None = None,
    board: str | None = None,
    period: str | None = None,
) -> int:
    """Rebuild the current boards of one program (or of all). Idempotent: a rebuild writes what
    the database says, however often it runs."""
    redis = ctx["app_redis"]
    if program_id is None:
        sizes = await leaderboards.rebuild_all(redis)
    else:
        sizes = await leaderboards.rebuild_program(
            redis,
            program_id,
            boards=[board] if board else None,
            periods=[leaderboards.Period(period)] if period else None,
        )
    log.info("leaderboards rebuilt", boards=len(sizes), members=sum(sizes.values()))
    return len(sizes)


async def repair_leaderboards(ctx: dict[str, Any]) -> int:
    """Rebuild the boards that missed changes while Redis failed (a cheap read of one small
    table when there are none). While Redis is still down this does nothing: the next scan
    tries again."""
    try:
        repaired = await leaderboards.repair_stale(ctx["app_redis"])
    except UNREACHABLE as error:
        log.info("boards not repaired yet: Redis still fails", error=error.__class__.__name__)
        return 0
    if repaired:
        log.info("leaderboards repaired", programs=repaired)
    return repaired
