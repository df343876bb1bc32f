"""Settling auctions past their end: a scan enqueues one job per due auction."""

from __future__ import annotations

from typing import Any

import structlog
from arq.connections import ArqRedis

from core import request_ids
from core.clock import clock
from gamification.games import auctions

log = structlog.get_logger("workers.auctions")


def settle_job_id(auction_id: int, minute: int) -> str:
    """One job per auction per minute: a job Redis lost is enqueued again a minute later."""
    return f"settle-auction:{auction_id}:{minute}"


async def scan_auctions(ctx: dict[str, Any]) -> int:
    """Enqueue the settlement of every auction past its end. Idempotent."""
    pool: ArqRedis = ctx["redis"]
    minute = int(clock.now().timestamp()) // 60
    enqueued = 0
    for auction_id in await auctions.due_auctions():
        job = await pool.enqueue_job(
            "settle_auction",
            auction_id,
            _job_id=settle_job_id(auction_id, minute),
            request_id=request_ids.current(),
        )
        enqueued += job is not None
    if enqueued:
        log.info("auction settlements enqueued", auctions=enqueued)
    return enqueued


async def settle_auction(ctx: dict[str, Any], auction_id: int) -> int:
    """Settle one auction: safe twice, in two workers at once, or again after a kill (one
    transaction under the auction's lock). Returns its winners (0 when nothing was due)."""
    settlement = await auctions.settle(auction_id)
    if settlement is None:
        return 0
    log.info(
        "auction settled",
        auction_id=auction_id,
        winners=settlement.winners,
        released=settlement.released,
    )
    return settlement.winners
