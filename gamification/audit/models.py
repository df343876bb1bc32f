"""The audit trail's one table.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


# One staff action (or a system step a staff action set off). `before` and `after` hold the
# changed values only (the whole object on creation), JSON-safe, never secrets or a member's
# personal data; target_id is a plain id, so erasing a member or archiving anything keeps it.
class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    at = fields.DatetimeField()
    actor_kind = fields.CharField(max_length=10)
    actor_staff: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "gamification.StaffUser", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    actor_staff_id: int | None
    actor_label = fields.CharField(max_length=100, default="")
    action = fields.CharField(max_length=40)
    target_type = fields.CharField(max_length=40)
    target_id = fields.BigIntField(null=True)
    before: dict | None = fields.JSONField(null=True)
    after: dict | None = fields.JSONField(null=True)
    request_id = fields.CharField(max_length=128, null=True)

    class Meta:
        table = "audit_entry"
        indexes = (
            ("program_id", "id"),
            ("program_id", "target_type", "target_id", "id"),
            ("program_id", "actor_staff_id", "id"),
            ("program_id", "action", "id"),
        )
