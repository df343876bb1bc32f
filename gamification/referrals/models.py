"""Referrals between members.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ReferralStatus(StrEnum):
    PENDING = "PENDING"  # waiting for the referee's first qualifying purchase
    QUALIFIED = "QUALIFIED"  # qualified and paid
    CAPPED = "CAPPED"  # qualified while the referrer was over the monthly cap: no points
    REVERSED = "REVERSED"  # the qualifying purchase was refunded within the refund window
    EXPIRED = "EXPIRED"  # shown for PENDING referrals past their window (never stored)


# One referee, one referral (unique referee). The status moves only by conditional UPDATEs
# from PENDING (to QUALIFIED or CAPPED) and from QUALIFIED (to REVERSED), so each move and
# what it pays happen once whatever the concurrency.
class Referral(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    referrer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    referrer_id: int
    referee: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT, unique=True
    )
    referee_id: int
    status = fields.CharEnumField(ReferralStatus, max_length=16, default=ReferralStatus.PENDING)
    created_at = fields.DatetimeField()
    # The last moment a purchase can qualify the referral.
    expires_at = fields.DatetimeField()
    qualified_at = fields.DatetimeField(null=True)
    reversed_at = fields.DatetimeField(null=True)
    # The qualifying purchase (its id in the purchases feature) and its total.
    purchase_id = fields.BigIntField(null=True)
    purchase_total = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    referrer_points = fields.BigIntField(default=0)
    referee_points = fields.BigIntField(default=0)

    class Meta:
        table = "referral"
        indexes = (("referrer_id", "status"), ("program_id", "qualified_at"))
