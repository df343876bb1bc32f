"""Contest resolution: a cron scan finds closed contests and enqueues one draw job for each.

A draw job holds a lease in Redis (`draw-lease:<contest id>`) while it runs, renewed as it goes:
so a scan can tell a draw in progress from one whose worker died. arq runs a killed job again
only once its in-progress key expires (the longest job timeout plus 10 s: half an hour here),
so the scan does not wait for that: it enqueues a new job (one id per minute) for a due contest
that no live draw holds. The draw itself is safe to run twice or concurrently (each slot is paid
once by the database), so a lease is about wasted work, never about correctness.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import structlog
from arq.connections import ArqRedis

from core import request_ids
from core.clock import clock
from core.redis import ScriptCall, run_scripts
from core.settings import get_settings
from gamification.audit import Actor
from gamification.games import contests

log = structlog.get_logger("workers.contests")
# Who the trail says drew: the worker, carrying out the draw a staff user asked for.
DRAWING = Actor.system("worker: contest draw")

# Deletes the lease only if it is still this job's (an expired one may be another job's now).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def draw_job_id(contest_id: int) -> str:
    """One job id per contest: arq refuses a second enqueue while the first is known."""
    return f"draw-contest:{contest_id}"


def lease_key(contest_id: int) -> str:
    return f"draw-lease:{contest_id}"


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
    """Enqueue a draw for every contest past its closing time, not drawn, and not being drawn
    by a live job (its lease is gone: never started, or its worker died). Idempotent: at most
    one job per contest per minute."""
    pool: ArqRedis = ctx["redis"]
    minute = int(clock.now().timestamp()) // 60
    enqueued = 0
    for contest_id in await contests.due_contests():
        if await pool.exists(lease_key(contest_id)):
            continue
        job_id = f"{draw_job_id(contest_id)}:{minute}"
        job = await pool.enqueue_job(
            "draw_contest", contest_id, _job_id=job_id, request_id=request_ids.current()
        )
        enqueued += job is not None
    return enqueued


async def draw_contest(ctx: dict[str, Any], contest_id: int) -> int:
    """Draw one contest. Safe to run twice, concurrently, or again after a crash; a second job
    while one holds the lease leaves the draw to it."""
    pool: ArqRedis = ctx["redis"]
    if await contests.is_drawn(contest_id):
        return 0  # a job enqueued twice (by the scan and by staff): the first one drew it
    lease = (ctx.get("settings") or get_settings()).draw_lease_seconds
    key, token = lease_key(contest_id), uuid.uuid4().hex
    if not await pool.set(key, token, nx=True, px=int(lease * 1000)):
        log.info("contest draw left to the job holding it", contest_id=contest_id)
        return 0

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease / 3)
            await pool.pexpire(key, int(lease * 1000))

    renewing = asyncio.create_task(renew())
    try:
        outcome = await contests.draw(DRAWING, contest_id)
    finally:
        renewing.cancel()
        await run_scripts(pool, [ScriptCall(_RELEASE, [key], [token])])
    if outcome is None:
        return 0
    log.info(
        "contest drawn",
        contest_id=contest_id,
        winners=len(outcome.winners),
        awarded_now=outcome.awarded_now,
    )
    return outcome.awarded_now
