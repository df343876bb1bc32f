"""RFM and ABC segmentation: nightly for every program, and on demand for one."""

from __future__ import annotations

from typing import Any

import structlog
from arq.connections import ArqRedis

from core import request_ids
from core.bulk import column
from core.clock import clock
from gamification.programs.models import Program
from gamification.reporting import segments

log = structlog.get_logger("workers.segments")


async def enqueue_segmentation(pool: ArqRedis, program_id: int) -> bool:
    """Ask for a run now. Requests within the same minute share one job."""
    minute = clock.now().strftime("%Y%m%d%H%M")
    job = await pool.enqueue_job(
        "compute_segments",
        program_id,
        _job_id=f"segments:{program_id}:{minute}",
        request_id=request_ids.current(),
    )
    return job is not None


async def compute_segments(ctx: dict[str, Any], program_id: int) -> int:
    """Segment one program; a rerun replaces the previous result, so it is idempotent."""
    program = await Program.get_or_none(id=program_id)
    if program is None:
        return 0
    run = await segments.compute_segments(program)
    log.info("segments computed", program=program_id, scored=run.scored, unscored=run.unscored)
    return run.scored + run.unscored


async def compute_all_segments(ctx: dict[str, Any]) -> int:
    """The nightly run: one job per program, so programs are segmented in parallel workers."""
    enqueued = 0
    for program_id in await column(Program.all(), "id"):
        enqueued += await enqueue_segmentation(ctx["redis"], program_id)
    return enqueued
