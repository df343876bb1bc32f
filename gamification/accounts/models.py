"""Members, staff users, API keys, refresh tokens, and where each member stood at the last
segment computation.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from gamification.programs.models import Program

# Column widths that lookups check before asking (the ORM refuses a longer value).
EMAIL_WIDTH = 320
REFERRAL_CODE_WIDTH = 16


class StaffRole(StrEnum):
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    ANALYST = "ANALYST"


class Member(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation[Program] = fields.ForeignKeyField(
        "gamification.Program", related_name="members", on_delete=fields.RESTRICT
    )
    program_id: int
    email = fields.CharField(max_length=EMAIL_WIDTH)
    password_hash = fields.CharField(max_length=200)
    display_name = fields.CharField(max_length=60)
    referral_code = fields.CharField(max_length=REFERRAL_CODE_WIDTH, unique=True)
    referred_by: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "gamification.Member", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    referred_by_id: int | None
    created_at = fields.DatetimeField()
    # Spendable points. With points_held, always equal to the sum of this member's ledger
    # entries: changed only together with an entry, or by moving points to or from a hold.
    points_balance = fields.BigIntField(default=0)
    # Points escrowed by open auction bids (points/holds.py): not spendable, still the member's.
    points_held = fields.BigIntField(default=0)
    tier: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "gamification.Tier", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    tier_id: int | None
    # A blocked member cannot earn, spend or play, and their tokens stop working.
    blocked_at = fields.DatetimeField(null=True)
    blocked_reason = fields.CharField(max_length=200, default="")
    # Given by the member (personal data, erased with the rest); `birthday` is its "MM-DD", the
    # key the yearly birthday scan looks members up by.
    birth_date = fields.DateField(null=True)
    birthday = fields.CharField(max_length=5, null=True)
    # Set when the member's personal data was erased; the accounting rows stay.
    anonymised_at = fields.DatetimeField(null=True)
    # When their first purchase was recorded (null: never bought). Read with the member's lock,
    # it tells a purchase whether it is the first without a query of its own.
    first_purchase_at = fields.DatetimeField(null=True)
    # Access tokens issued at or before this are refused: ending sessions ends them at once,
    # not when their access tokens expire.
    sessions_revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "member"
        unique_together = (("program", "email"),)
        indexes = (("program_id", "birthday"),)


class StaffUser(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation[Program] = fields.ForeignKeyField(
        "gamification.Program", related_name="staff", on_delete=fields.RESTRICT
    )
    program_id: int
    email = fields.CharField(max_length=EMAIL_WIDTH)
    password_hash = fields.CharField(max_length=200)
    role = fields.CharEnumField(StaffRole, max_length=16)
    created_at = fields.DatetimeField()
    # Set when an admin archives the account: it can no longer log in, and its sessions end.
    archived_at = fields.DatetimeField(null=True)
    # As a member's: access tokens issued at or before this are refused.
    sessions_revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_user"
        unique_together = (("program", "email"),)


# An integration key. Only a SHA-256 of the secret is kept; the key is shown once.
class ApiKey(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation[Program] = fields.ForeignKeyField(
        "gamification.Program", related_name="api_keys", on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=100)
    prefix = fields.CharField(max_length=16, unique=True)
    key_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"


# One link of a rotating chain. Presenting a used link again revokes its whole family.
class RefreshToken(Model):
    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    family = fields.CharField(max_length=32, db_index=True)
    program: fields.ForeignKeyRelation[Program] = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.CASCADE
    )
    program_id: int
    member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "gamification.Member", related_name=False, null=True, on_delete=fields.CASCADE
    )
    member_id: int | None
    staff: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "gamification.StaffUser", related_name=False, null=True, on_delete=fields.CASCADE
    )
    staff_id: int | None
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_token"


# The values of `MemberSegment.segment` and `MemberSegment.abc_class` (gamification/reporting/
# segments.py computes them; offers target them: gamification/points/audiences.py).
SEGMENTS = (
    "CHAMPIONS",
    "LOYAL",
    "POTENTIAL_LOYALIST",
    "NEW",
    "PROMISING",
    "NEEDS_ATTENTION",
    "AT_RISK",
    "HIBERNATING",
    "INACTIVE",
)
ABC_CLASSES = ("A", "B", "C")


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
