"""Earning rules: how a purchase becomes points (base rate, product bonuses, campaigns...)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class EarningRuleKind(StrEnum):
    BASE_RATE = "BASE_RATE"  # points per currency unit of every line
    PRODUCT = "PRODUCT"  # a SKU or category: multiplier of its base points, or fixed per unit
    CAMPAIGN = "CAMPAIGN"  # a time-bound multiplier, maybe for one tier or one category
    FIRST_PURCHASE = "FIRST_PURCHASE"  # fixed bonus on the member's first purchase
    MINIMUM_BASKET = "MINIMUM_BASKET"  # below this total a purchase earns nothing


class Rounding(StrEnum):
    FLOOR = "FLOOR"
    HALF_UP = "HALF_UP"
    CEIL = "CEIL"


# One rule of a program. Active when not archived and starts_at <= at < ends_at (either bound
# may be open). Which fields matter depends on `kind`; see gamification/earning_rules.py.
class EarningRule(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=100)
    kind = fields.CharEnumField(EarningRuleKind, max_length=20)
    priority = fields.IntField(default=0)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    points_per_unit = fields.DecimalField(max_digits=12, decimal_places=4, null=True)
    rounding = fields.CharEnumField(Rounding, max_length=10, default=Rounding.FLOOR)
    sku = fields.CharField(max_length=64, null=True)
    category = fields.CharField(max_length=64, null=True)
    multiplier = fields.DecimalField(max_digits=8, decimal_places=4, null=True)
    fixed_points = fields.BigIntField(null=True)
    min_total = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    tier: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "gamification.Tier", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    tier_id: int | None
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "earning_rule"
        indexes = (("program_id", "archived"),)
