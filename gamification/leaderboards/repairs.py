"""Boards that missed changes while Redis failed, and their repair once it answers again.

A board update runs after its change has committed (feeds, challenge progress): when Redis
refuses it, the change is safe in the database but the board misses it.
`update_or_mark_stale` records that in the database (`BoardRepair`, one row per program, so
every process and a restarted worker know it), and the worker's `repair_leaderboards` scan
rebuilds the stale programs' boards as soon as Redis answers, from the earliest missed
change's periods to now.
`/readyz` reports the boards as stale until then.

A rebuild is an atomic swap that re-applies recent changes by their ids (rebuilds.rebuild), so
updates that reach Redis again while the repair runs are neither lost nor counted twice.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import TypeVar

import structlog
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.bulk import column
from core.clock import clock
from core.redis import UNREACHABLE, RedisClient
from gamification.leaderboards.boards import Period
from gamification.leaderboards.models import BoardRepair
from gamification.leaderboards.rebuilds import aware, rebuild_program

log = structlog.get_logger("gamification.leaderboards")

T = TypeVar("T")

# What a failed board update raises when Redis does not answer (refused, reset, timed out).
REDIS_FAILURES = UNREACHABLE


async def mark_stale(program_id: int, at: datetime) -> None:
    """Record that a board of the program missed a change made at `at` (outside any
    transaction: the change it missed has committed already)."""
    now = clock.now()
    at = min(at, now)
    for _ in range(2):
        if await BoardRepair.filter(program_id=program_id).update(
            marks=F("marks") + 1, marked_at=now
        ):
            await BoardRepair.filter(program_id=program_id, stale_since__gt=at).update(
                stale_since=at
            )
            return
        try:
            await BoardRepair.create(program_id=program_id, stale_since=at, marked_at=now)
            return
        except IntegrityError:
            continue  # another process recorded the first miss meanwhile: count this one on it


async def update_or_mark_stale(
    update: Awaitable[T], program_ids: set[int], at: datetime
) -> T | None:
    """Await a board update; if Redis fails it, mark the programs' boards for repair (one
    warning line, no traceback: an outage is not a bug) and return None instead of raising."""
    try:
        return await update
    except REDIS_FAILURES as error:
        for program_id in sorted(program_ids):
            await mark_stale(program_id, at)
        log.warning(
            "board update missed: boards marked for repair",
            programs=sorted(program_ids),
            error=error.__class__.__name__,
        )
        return None


async def stale_programs() -> list[int]:
    """The programs whose boards wait for a repair."""
    return await column(BoardRepair.all().order_by("program_id"), "program_id")


def _instants(since: datetime, now: datetime) -> list[datetime]:
    """One instant in every week (hence every month) from `since` to `now`, `now` last."""
    instants = []
    while since < now:
        instants.append(since)
        since += timedelta(days=7)
    return [*instants, now]


async def repair_stale(redis: RedisClient) -> int:
    """Rebuild the boards of every stale program, every period from its earliest missed change
    to now; returns how many programs were repaired. A program is cleared only if no new miss
    was recorded during its rebuild. Raises what Redis raises while it is still down (the next
    scan tries again); idempotent, and safe in several workers at once."""
    repaired = 0
    for row in await BoardRepair.all().order_by("id"):
        now = clock.now()
        *earlier, _ = _instants(aware(row.stale_since), now)
        for at in earlier:
            # Past weeks and months (their keys live KEY_MARGIN after they end); ALL_TIME once.
            await rebuild_program(redis, row.program_id, periods=[Period.WEEK, Period.MONTH], at=at)
        await rebuild_program(redis, row.program_id, at=now)
        cleared = await BoardRepair.filter(id=row.id, marks=row.marks).delete()
        log.info("boards repaired", program_id=row.program_id, cleared=bool(cleared))
        repaired += 1
    return repaired
