"""Campaign simulations: the replay job, and the scan that finds a simulation whose job Redis
lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from arq.connections import ArqRedis

from core import request_ids
from core.database import DatabaseBusy
from gamification.simulations import simulations

log = structlog.get_logger("workers.simulations")
# A queued simulation older than this has lost its job (a job starts within seconds).
LOST_AFTER = timedelta(minutes=2)


def simulation_job_id(simulation_id: int) -> str:
    """One job per simulation: arq refuses a second enqueue while the first is known."""
    return f"simulation:{simulation_id}"


async def enqueue_simulation(pool: ArqRedis, simulation_id: int) -> bool:
    """Enqueue the simulation's replay; False if that job is already queued, running or done."""
    job = await pool.enqueue_job(
        "run_simulation",
        simulation_id,
        _job_id=simulation_job_id(simulation_id),
        request_id=request_ids.current(),
    )
    return job is not None


async def run_simulation(ctx: dict[str, Any], simulation_id: int) -> str:
    """Replay one simulation (idempotent: a finished or cancelled one is left as it is)."""
    try:
        status = await simulations.run_simulation(simulation_id)
    except DatabaseBusy:
        raise  # run again a moment later (workers/busy_retries.py)
    except Exception:
        await simulations.fail_simulation(simulation_id, "The replay failed; see the worker log.")
        raise
    log.info("simulation run", simulation=simulation_id, status=status)
    return status


async def requeue_lost_simulations(ctx: dict[str, Any]) -> int:
    """Enqueue again the simulations still queued long after they were asked for."""
    enqueued = 0
    for simulation_id in await simulations.queued_simulations(LOST_AFTER):
        # A job id per simulation: a job arq still knows is not enqueued twice.
        enqueued += await enqueue_simulation(ctx["redis"], simulation_id)
    return enqueued
