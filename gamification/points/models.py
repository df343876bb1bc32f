"""The ledger, earning rules, purchases and refunds, tiers and memberships.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from decimal import Decimal
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
    AUCTION = "AUCTION"  # a winning auction bid: its held points, spent
    ACTION = "ACTION"  # points for an action beyond purchases (a review, a check-in...)


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
# may be open). Which fields matter depends on `kind`; see gamification/points/earning_rules.py.
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
    # Its audience (gamification/points/audiences.py): the RFM segments, ABC classes and tier
    # ids it is limited to, each a comma-framed list (",AT_RISK,"), empty for no limit.
    target_segments = fields.CharField(max_length=255, default="", db_default="")
    target_classes = fields.CharField(max_length=8, default="", db_default="")
    target_tier_ids = fields.CharField(max_length=255, default="", db_default="")
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "earning_rule"
        # Names are unique per program (core/unique_names.py), archived rows included.
        unique_together = (("program", "name"),)
        indexes = (("program_id", "archived"),)


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
    # The tier whose multiplier the engine applied (None: no tier), so a simulation replays the
    # purchase as it was earned. Not a relation: it is a record of the moment.
    tier_id = fields.BigIntField(null=True)
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


# A status such as Bronze, Silver, Gold. A higher rank is a better tier; rank 0 is usually the
# entry tier with threshold 0.
class Tier(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=60)
    # Names and descriptions in other languages (gamification/programs/languages.py); rows made
    # before it have none.
    translations: dict = fields.JSONField(default=dict, db_default="{}")
    rank = fields.IntField()
    qualifying_threshold = fields.BigIntField(default=0)
    earning_multiplier = fields.DecimalField(max_digits=6, decimal_places=3, default=Decimal(1))
    perks = fields.TextField(default="")
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "tier"
        # Names are unique per program (core/unique_names.py), archived tiers included.
        unique_together = (("program", "rank"), ("program", "name"))


# A member's tier bookkeeping: the tier earned by qualifying points (the shown tier is the best
# of it and any live VIP membership), when it is next reviewed, and whether grace was used.
class MemberTierStatus(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.OneToOneRelation = fields.OneToOneField(
        "gamification.Member", related_name=False, on_delete=fields.CASCADE
    )
    member_id: int
    earned_tier: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "gamification.Tier", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    earned_tier_id: int | None
    review_at = fields.DatetimeField(null=True, db_index=True)
    grace_used = fields.BooleanField(default=False)

    class Meta:
        table = "member_tier_status"


# A paid VIP plan: buying it grants at least `tier` for `duration_days`.
class MembershipPlan(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=100)
    tier: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Tier", related_name=False, on_delete=fields.RESTRICT
    )
    tier_id: int
    duration_days = fields.IntField()
    price = fields.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "membership_plan"
        # Names are unique per program (core/unique_names.py), archived rows included.
        unique_together = (("program", "name"),)


# One activation of a plan for a member, unique per program by the integration's external id.
class Membership(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    plan: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.MembershipPlan", related_name=False, on_delete=fields.RESTRICT
    )
    plan_id: int
    tier: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Tier", related_name=False, on_delete=fields.RESTRICT
    )
    tier_id: int
    external_id = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "membership"
        unique_together = (("program", "external_id"),)
        indexes = (("member_id", "ends_at"), ("ended_at", "ends_at"))


class HoldStatus(StrEnum):
    HELD = "HELD"  # the points are escrowed: out of the balance, not spent
    RELEASED = "RELEASED"  # given back to the balance, into the lots they came from
    CAPTURED = "CAPTURED"  # spent: a ledger entry of `capture_kind` took them


# Points escrowed for one purpose (`reference`, such as "auction:12"), out of the member's
# spendable balance until released or captured. A member has at most one HELD hold per
# reference: raising a bid adds to it.
class PointsHold(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    reference = fields.CharField(max_length=64)
    points = fields.BigIntField()
    status = fields.CharEnumField(HoldStatus, max_length=10, default=HoldStatus.HELD)
    created_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)
    # The ledger entry that spent the points, once captured.
    entry_id = fields.BigIntField(null=True)

    class Meta:
        table = "points_hold"
        indexes = (("member_id", "reference", "status"), ("program_id", "status"))


# Which lots a hold took its points from, so a release puts them back where they were (with
# their expiry): a lot that lapsed meanwhile is expired by the next scan.
class PointsHoldLot(Model):
    id = fields.BigIntField(primary_key=True)
    hold: fields.ForeignKeyRelation[PointsHold] = fields.ForeignKeyField(
        "gamification.PointsHold", related_name=False, on_delete=fields.CASCADE
    )
    hold_id: int
    lot_id = fields.BigIntField()
    points = fields.BigIntField()

    class Meta:
        table = "points_hold_lot"


# A reminder sent: lot `lot_id` was `days` days or less from lapsing. Unique per lot and
# threshold, so two scans (two workers, a restart) send each reminder once.
class ExpiryReminder(Model):
    id = fields.BigIntField(primary_key=True)
    program_id = fields.BigIntField()
    lot_id = fields.BigIntField()
    days = fields.IntField()
    sent_at = fields.DatetimeField()

    class Meta:
        table = "expiry_reminder"
        unique_together = (("lot_id", "days"),)
