"""Campaign simulations: a draft change replayed over a window of past purchases.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class SimulationStatus(StrEnum):
    QUEUED = "QUEUED"  # asked for; its job has not started
    RUNNING = "RUNNING"  # a job is replaying the window
    DONE = "DONE"  # `results` holds the report
    CANCELLED = "CANCELLED"  # staff stopped it; the job stops at its next batch
    FAILED = "FAILED"  # the job raised; `error` says what


# One simulation: the draft (rules added, edited or removed, tier changes) as staff gave it, the
# window of purchases it replays, how far the job is, and the report once done. The only row a
# simulation ever writes.
class Simulation(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=100)
    draft: dict = fields.JSONField(default=dict)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    status = fields.CharEnumField(SimulationStatus, max_length=10, default=SimulationStatus.QUEUED)
    # Purchases of the window replayed so far, of `purchases_total` (counted when the job starts).
    purchases_done = fields.BigIntField(default=0)
    purchases_total = fields.BigIntField(default=0)
    results: dict | None = fields.JSONField(null=True)
    error = fields.CharField(max_length=200, default="")
    requested_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "gamification.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    requested_by_id: int | None
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "simulation"
        indexes = (("program_id", "id"),)
