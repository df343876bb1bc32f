"""Member segments computed for reports.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from decimal import Decimal

from tortoise import fields
from tortoise.models import Model


# One row per member: the latest run's result. Unscored members (no purchase in the lookback)
# have null scores.
class MemberSegment(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.OneToOneRelation = fields.OneToOneField(
        "gamification.Member", related_name=False, on_delete=fields.CASCADE
    )
    member_id: int
    computed_at = fields.DatetimeField()
    recency_days = fields.IntField(null=True)
    frequency = fields.IntField(default=0)
    monetary = fields.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    recency_score = fields.SmallIntField(null=True)
    frequency_score = fields.SmallIntField(null=True)
    monetary_score = fields.SmallIntField(null=True)
    segment = fields.CharField(max_length=24)
    abc_class = fields.CharField(max_length=1)

    class Meta:
        table = "member_segment"
        indexes = (("program_id", "segment"), ("program_id", "abc_class"))
