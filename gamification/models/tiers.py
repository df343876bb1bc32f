"""Tiers: ordered statuses of a program."""

from __future__ import annotations

from decimal import Decimal

from tortoise import fields
from tortoise.models import Model


# A status such as Bronze, Silver, Gold. A higher rank is a better tier; rank 0 is usually the
# entry tier with threshold 0.
class Tier(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=60)
    rank = fields.IntField()
    qualifying_threshold = fields.BigIntField(default=0)
    earning_multiplier = fields.DecimalField(max_digits=6, decimal_places=3, default=Decimal(1))
    perks = fields.TextField(default="")
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "tier"
        unique_together = (("program", "rank"),)
