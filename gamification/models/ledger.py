"""The points ledger: append-only entries, of which the positive ones are lots that can expire."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class LedgerKind(StrEnum):
    EARN = "EARN"  # a purchase's points
    BONUS = "BONUS"  # welcome, referral, badge or challenge points
    ADJUST = "ADJUST"  # staff correction, either sign
    REDEEM = "REDEEM"  # a reward redeemed
    REDEMPTION_REFUND = "REDEMPTION_REFUND"  # a cancelled redemption gives its points back
    REFUND = "REFUND"  # a purchase refunded: its points clawed back
    EXPIRE = "EXPIRE"  # what was left of a lot at its expiry
    CONTEST_ENTRY = "CONTEST_ENTRY"
    GAME_PLAY = "GAME_PLAY"
    PRIZE = "PRIZE"  # points won in a game or a draw


# One movement of points. Positive entries are lots: `remaining` is what is left to spend and
# `expires_at` when it lapses. Nothing updates an entry except a lot's `remaining`.
class LedgerEntry(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    delta = fields.BigIntField()
    kind = fields.CharEnumField(LedgerKind, max_length=24)
    reason = fields.CharField(max_length=200, default="")
    # What caused it, as "<kind>:<id>" (purchase:12, redemption:7, lot:40...).
    reference = fields.CharField(max_length=64, null=True, db_index=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    remaining = fields.BigIntField(null=True)
    idempotency_key = fields.CharField(max_length=128, null=True)
    staff: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "gamification.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    staff_id: int | None

    class Meta:
        table = "ledger_entry"
        unique_together = (("member", "idempotency_key"),)
        indexes = (
            ("member_id", "created_at"),
            ("expires_at", "remaining"),
            ("program_id", "created_at"),  # reports
        )
