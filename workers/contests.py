"""Contest resolution: a cron scan finds closed contests and enqueues one draw job for each."""

from __future__ import annotations

from typing import Any

import structlog
from arq.connections import ArqRedis

from core import request_ids
from gamification.games import contests

log = structlog.get_logger("workers.contests")


def draw_job_id(contest_id: int) -> str:
    """One job id per contest: arq refuses a second enqueue while the first is known."""
    return f"draw-contest:{contest_id}"


async def enqueue_draw(pool: ArqRedis, contest_id: int) -> bool:
    """Enqueue the contest's draw; False if that job is already queued, running or done."""
    job = await pool.enqueue_job(
        "draw_contest",
        contest_id,
        _job_id=draw_job_id(contest_id),
        request_id=request_ids.current(),
    )
    return job is not None


async def scan_contests(ctx: dict[str, Any]) -> int:
    """Enqueue a draw for every contest past its closing time and not drawn. Idempotent."""
    enqueued = 0
    for contest_id in await contests.due_contests():
        enqueued += await enqueue_draw(ctx["redis"], contest_id)
    return enqueued


async def draw_contest(ctx: dict[str, Any], contest_id: int) -> int:
    """Draw one contest. Safe to run twice, concurrently, or again after a crash."""
    outcome = await contests.draw(contest_id)
    if outcome is None:
        return 0
    log.info(
        "contest drawn",
        contest_id=contest_id,
        winners=len(outcome.winners),
        awarded_now=outcome.awarded_now,
    )
    return outcome.awarded_now
