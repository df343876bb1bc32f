"""Rewards and their redemptions.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class RewardKind(StrEnum):
    MERCHANDISE = "MERCHANDISE"
    EXPERIENCE = "EXPERIENCE"
    VOUCHER = "VOUCHER"
    DONATION = "DONATION"


class RedemptionStatus(StrEnum):
    ISSUED = "ISSUED"  # a code the shop has not seen yet
    USED = "USED"  # the shop took it
    CANCELLED = "CANCELLED"  # staff undid it: points and stock given back
    EXPIRED = "EXPIRED"  # its validity lapsed unused
    FULFILLED = "FULFILLED"  # nothing left to do (a donation is made at once)


# One item of a program's catalog. `stock` null means unlimited; it only changes by conditional
# UPDATEs, so it never goes below zero. The minimum tier is compared by rank. The required badge
# is a plain id (badges live in another package and may not exist yet).
class Reward(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=120)
    description = fields.TextField(default="")
    # Names and descriptions in other languages (gamification/programs/languages.py); rows made
    # before it have none.
    translations: dict = fields.JSONField(default=dict, db_default="{}")
    kind = fields.CharEnumField(RewardKind, max_length=16)
    points_cost = fields.BigIntField()
    stock = fields.BigIntField(null=True)
    limit_per_member = fields.IntField(null=True)
    limit_per_period = fields.IntField(null=True)
    limit_period_days = fields.IntField(null=True)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    minimum_tier: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "gamification.Tier", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    minimum_tier_id: int | None
    required_badge_id = fields.BigIntField(null=True)
    # Its audience (gamification/points/audiences.py): the RFM segments, ABC classes and tier
    # ids it is limited to, each a comma-framed list (",AT_RISK,"), empty for no limit.
    target_segments = fields.CharField(max_length=255, default="", db_default="")
    target_classes = fields.CharField(max_length=8, default="", db_default="")
    target_tier_ids = fields.CharField(max_length=255, default="", db_default="")
    image_url = fields.CharField(max_length=500, null=True)
    # Days a code stays usable after it is issued (null: forever), and whether an expired code
    # gives its points and its unit of stock back.
    redemption_validity_days = fields.IntField(null=True)
    refund_on_expiry = fields.BooleanField(default=False)
    # For a donation: the money each redemption gives to the cause, in the program currency.
    donation_amount = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "reward"
        # Names are unique per program (core/unique_names.py), archived rows included.
        unique_together = (("program", "name"),)
        indexes = (("program_id", "archived"),)


# One reward unit given to a member: by a redemption (points spent) or granted as a prize
# (`source` names where it came from, points_spent 0). `code` is what the shop types in.
class Redemption(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    reward: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Reward", related_name=False, on_delete=fields.RESTRICT
    )
    reward_id: int
    code = fields.CharField(max_length=16, unique=True)
    status = fields.CharEnumField(RedemptionStatus, max_length=16)
    kind = fields.CharEnumField(RewardKind, max_length=16)
    points_spent = fields.BigIntField()
    donation_amount = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    source = fields.CharField(max_length=64, default="redeem")
    idempotency_key = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    used_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    expired_at = fields.DatetimeField(null=True)
    points_refunded = fields.BigIntField(default=0)

    class Meta:
        table = "redemption"
        unique_together = (("member", "idempotency_key"),)
        indexes = (
            ("member_id", "reward_id", "created_at"),
            ("status", "expires_at"),
            ("program_id", "kind", "status"),
        )
