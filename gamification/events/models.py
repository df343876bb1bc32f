"""Events and which handlers have processed them.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


# One domain event (the outbox). `type` is an EventType value; `data` its JSON payload.
class Event(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    member_id: int | None
    type = fields.CharField(max_length=40)
    data: dict = fields.JSONField(default=dict)
    occurred_at = fields.DatetimeField()
    # When every handler of its type has processed it; null rows are re-run by the outbox scan.
    settled_at = fields.DatetimeField(null=True)
    # How often the scan re-ran its handlers, and when it may next: re-runs back off, and stop
    # after events.MAX_RERUNS (the event then waits, unsettled, for an operator).
    reruns = fields.IntField(default=0)
    next_rerun_at = fields.DatetimeField(null=True)

    class Meta:
        table = "event"
        indexes = (
            ("member_id", "id"),
            ("program_id", "type", "id"),
            ("settled_at", "id"),
            ("program_id", "type", "occurred_at"),  # reports
        )


# One handler's successful processing of one event, written in the handler's own transaction:
# the unique pair is what makes a re-run (by the scan, or a second worker) do nothing.
class EventHandling(Model):
    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Event", related_name=False, on_delete=fields.CASCADE
    )
    event_id: int
    handler = fields.CharField(max_length=100)
    handled_at = fields.DatetimeField()

    class Meta:
        table = "event_handling"
        unique_together = (("event", "handler"),)
