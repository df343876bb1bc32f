"""Simulations: staff ask for one (a draft and a window), a job replays it, staff read, compare,
cancel and export the results.

Asking and cancelling are staff actions, audited. The job (`run_simulation`) writes only the
simulation's row: its progress after each batch, then its results. Its progress update is
conditional on the row still RUNNING, so a cancel (which moves it to CANCELLED) stops the job
at its next batch, and a cancelled or finished simulation is never overwritten. A job that runs
twice (arq delivers at least once; a worker died) replays from the start and writes the same
results: the replay is a pure function of the draft and of purchases already in the past.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.bulk import column
from core.clock import clock, in_utc
from core.errors import DomainError, ErrorCode, NotFound, Refused, ValidationFailed
from core.statements import Statement
from gamification.audit import Actor, AuditAction, trail
from gamification.programs.models import Program
from gamification.simulations import replay
from gamification.simulations.drafts import Draft, engines
from gamification.simulations.error_codes import SimulationErrorCode
from gamification.simulations.models import Simulation, SimulationStatus

MAX_WINDOW = timedelta(days=731)
NAME_WIDTH = 100
ACTIVE = (SimulationStatus.QUEUED, SimulationStatus.RUNNING)

_PROGRESS = Statement(
    Simulation,
    'UPDATE "simulation" SET "purchases_done" = $1 WHERE "id" = $2 AND "status" = $3',
)


def check_window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """A past window of at most two years: [starts_at, ends_at)."""
    starts_at, ends_at = in_utc(starts_at, "startsAt"), in_utc(ends_at, "endsAt")
    if ends_at <= starts_at:
        raise ValidationFailed(
            ErrorCode.INVALID_WINDOW, "The window ends after it starts.", "endsAt"
        )
    if ends_at > clock.now():
        raise ValidationFailed(
            ErrorCode.INVALID_WINDOW, "The window is in the past: it replays purchases.", "endsAt"
        )
    if ends_at - starts_at > MAX_WINDOW:
        raise ValidationFailed(
            ErrorCode.INVALID_WINDOW, "A window is at most 731 days long.", "startsAt"
        )
    return starts_at, ends_at


async def request_simulation(
    actor: Actor,
    program_id: int,
    *,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    draft: Draft,
) -> Simulation:
    """Check the draft and the window, and keep the simulation QUEUED for its job."""
    name = name.strip()
    if not 1 <= len(name) <= NAME_WIDTH:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A simulation's name has 1 to 100 characters.", "name"
        )
    starts_at, ends_at = check_window(starts_at, ends_at)
    await engines(program_id, draft)  # refuses a draft the engine could not run
    async with in_transaction():
        simulation = await Simulation.create(
            program_id=program_id,
            name=name,
            draft=draft.as_json(),
            starts_at=starts_at,
            ends_at=ends_at,
            requested_by_id=actor.staff_id,
            created_at=clock.now(),
        )
        await trail.record(
            actor,
            AuditAction.SIMULATION_REQUESTED,
            program_id=program_id,
            target_id=simulation.id,
            after=trail.snapshot(simulation, without=("results", "status", "created_at")),
        )
    return simulation


async def simulation_in_program(program_id: int, simulation_id: int) -> Simulation:
    simulation = await Simulation.get_or_none(id=simulation_id, program_id=program_id)
    if simulation is None:
        raise NotFound(
            SimulationErrorCode.SIMULATION_NOT_FOUND, "No such simulation.", "simulationId"
        )
    return simulation


def simulations_of(program_id: int) -> QuerySet[Simulation]:
    """The program's simulations, newest first."""
    return Simulation.filter(program_id=program_id).order_by("-id")


async def cancel_simulation(actor: Actor, program_id: int, simulation_id: int) -> Simulation:
    """Stop a queued or running simulation (its job stops at its next batch). A finished one
    is SIMULATION_FINISHED."""
    simulation = await simulation_in_program(program_id, simulation_id)
    async with in_transaction():
        stopped = await Simulation.filter(id=simulation.id, status__in=ACTIVE).update(
            status=SimulationStatus.CANCELLED, finished_at=clock.now()
        )
        if not stopped:
            raise Refused(
                SimulationErrorCode.SIMULATION_FINISHED,
                "This simulation has already finished.",
                "simulationId",
            )
        await trail.record(
            actor,
            AuditAction.SIMULATION_CANCELLED,
            program_id=program_id,
            target_id=simulation.id,
            before={"status": simulation.status.value},
            after={"status": SimulationStatus.CANCELLED.value},
        )
    return await Simulation.get(id=simulation.id)


async def run_simulation(simulation_id: int, batch_size: int = replay.BATCH_SIZE) -> str:
    """The job: replay the simulation's window and keep the results. Returns the status it
    left. Does nothing for a simulation already finished or cancelled."""
    simulation = await Simulation.get_or_none(id=simulation_id)
    if simulation is None:
        return "missing"
    total = await replay.count_purchases(
        simulation.program_id, simulation.starts_at, simulation.ends_at
    )
    claimed = await Simulation.filter(id=simulation.id, status__in=ACTIVE).update(
        status=SimulationStatus.RUNNING,
        started_at=clock.now(),
        purchases_done=0,
        purchases_total=total,
    )
    if not claimed:
        return simulation.status.value
    program = await Program.get(id=simulation.program_id)
    try:
        live, drafted = await engines(program.id, Draft.from_json(simulation.draft))
    except DomainError as error:
        # A rule or tier the draft names was archived since it was asked for.
        await _finish(simulation, SimulationStatus.FAILED, None, error.message)
        return SimulationStatus.FAILED.value

    async def progress(done: int) -> bool:
        return bool(await _PROGRESS.changed(done, simulation.id, SimulationStatus.RUNNING.value))

    results = await replay.replay(
        program,
        simulation.starts_at,
        simulation.ends_at,
        live,
        drafted,
        progress,
        batch_size=batch_size,
    )
    if results is None:
        return SimulationStatus.CANCELLED.value
    finished = await _finish(simulation, SimulationStatus.DONE, results, "")
    return SimulationStatus.DONE.value if finished else SimulationStatus.CANCELLED.value


async def _finish(
    simulation: Simulation, status: SimulationStatus, results: dict[str, Any] | None, error: str
) -> bool:
    values: dict[str, Any] = {"status": status, "finished_at": clock.now(), "error": error[:200]}
    if results is not None:
        values["results"] = results
        values["purchases_done"] = results["purchases"]
    return bool(
        await Simulation.filter(id=simulation.id, status=SimulationStatus.RUNNING).update(**values)
    )


async def fail_simulation(simulation_id: int, message: str) -> None:
    """The job raised: the simulation shows FAILED rather than RUNNING forever."""
    await Simulation.filter(id=simulation_id, status__in=ACTIVE).update(
        status=SimulationStatus.FAILED, finished_at=clock.now(), error=message[:200]
    )


async def queued_simulations(older_than: timedelta) -> list[int]:
    """Simulations still QUEUED after `older_than`: their job was lost (the scan enqueues them
    again)."""
    return await column(
        Simulation.filter(status=SimulationStatus.QUEUED, created_at__lt=clock.now() - older_than),
        "id",
    )
