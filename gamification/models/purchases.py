"""Purchases reported by integrations, their lines and their refunds."""

from __future__ import annotations

from decimal import Decimal

from tortoise import fields
from tortoise.models import Model


# A purchase, unique per program by the integration's external id. `fingerprint` is a hash of
# the request body that recorded it: the same id with another body is refused.
class Purchase(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    external_id = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)
    occurred_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField()
    currency = fields.CharField(max_length=3)
    total = fields.DecimalField(max_digits=14, decimal_places=2)
    points_earned = fields.BigIntField(default=0)
    first_purchase = fields.BooleanField(default=False)
    # Per-rule breakdown: [{rule_id, rule, kind, points}].
    breakdown: list = fields.JSONField(default=list)
    refunded_amount = fields.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    # Points the refunds should reverse, and the part the balance could not cover.
    points_reversed = fields.BigIntField(default=0)
    points_unrecovered = fields.BigIntField(default=0)
    # Bumped by every refund: a conditional update on it serialises refunds of one purchase.
    version = fields.IntField(default=0)

    class Meta:
        table = "purchase"
        unique_together = (("program", "external_id"),)
        # The second serves reports, which read a program's purchases by their time.
        indexes = (("member_id", "occurred_at"), ("program_id", "occurred_at"))


class PurchaseLine(Model):
    id = fields.BigIntField(primary_key=True)
    purchase: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Purchase", related_name=False, on_delete=fields.CASCADE
    )
    purchase_id: int
    position = fields.IntField()
    sku = fields.CharField(max_length=64)
    category = fields.CharField(max_length=64, null=True)
    quantity = fields.IntField()
    unit_price = fields.DecimalField(max_digits=14, decimal_places=2)
    refunded_quantity = fields.IntField(default=0)

    class Meta:
        table = "purchase_line"
        indexes = (("purchase_id", "position"),)


# One refund of a purchase, unique per purchase by the integration's refund id.
class Refund(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    purchase: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Purchase", related_name=False, on_delete=fields.RESTRICT
    )
    purchase_id: int
    refund_id = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    points_reversed = fields.BigIntField(default=0)
    points_clawed_back = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "refund"
        unique_together = (("purchase", "refund_id"),)
