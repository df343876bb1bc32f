"""Webhook endpoints, deliveries and attempts.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class WebhookStatus(StrEnum):
    PENDING = "PENDING"  # not delivered yet; a job (or the scan) will try again
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # every attempt failed (staff may replay it: a fresh round of attempts)


# An endpoint of a brand's system. `secret` signs every body (HMAC-SHA256); `event_types` is the
# list of EventType values it receives. Archived endpoints get nothing new.
class Webhook(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    url = fields.CharField(max_length=500)
    secret = fields.CharField(max_length=200)
    event_types: list = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    archived_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook"
        indexes = (("program_id", "archived_at"),)


# One event to one endpoint: created once (unique pair), delivered at least once.
class WebhookDelivery(Model):
    id = fields.BigIntField(primary_key=True)
    webhook: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Webhook", related_name=False, on_delete=fields.RESTRICT
    )
    webhook_id: int
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Event", related_name=False, on_delete=fields.RESTRICT
    )
    event_id: int
    status = fields.CharEnumField(WebhookStatus, max_length=12, default=WebhookStatus.PENDING)
    attempts = fields.IntField(default=0)
    # Staff replays of a FAILED delivery. Each gives a fresh round of attempts, counted from
    # `attempts_before_replay`; attempt numbers go on from where they were.
    replays = fields.IntField(default=0)
    attempts_before_replay = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_delivery"
        unique_together = (("webhook", "event"),)
        indexes = (("status", "next_attempt_at"),)


# One HTTP attempt of a delivery: what the receiver answered, or why it could not be reached.
class WebhookAttempt(Model):
    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.WebhookDelivery", related_name=False, on_delete=fields.CASCADE
    )
    delivery_id: int
    number = fields.IntField()
    attempted_at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    error = fields.CharField(max_length=300, default="")
    duration_ms = fields.IntField(default=0)

    class Meta:
        table = "webhook_attempt"
        unique_together = (("delivery", "number"),)
