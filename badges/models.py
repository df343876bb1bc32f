"""Badge definitions, each member's progress toward them, and the awards (one per level)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class BadgeCriteria(StrEnum):
    EVENT_COUNT = "EVENT_COUNT"  # events of one type (params.event_type)
    SPEND = "SPEND"  # money spent on purchases (in minor units)
    POINTS_EARNED = "POINTS_EARNED"  # points credited
    PRODUCT_QUANTITY = "PRODUCT_QUANTITY"  # units of a SKU or a category bought
    WEEKLY_STREAK = "WEEKLY_STREAK"  # consecutive ISO weeks with an event of one type
    TIER_REACHED = "TIER_REACHED"  # highest tier rank reached
    CHALLENGES_COMPLETED = "CHALLENGES_COMPLETED"
    REFERRALS_QUALIFIED = "REFERRALS_QUALIFIED"
    MANUAL = "MANUAL"  # only granted as a challenge's reward


# A badge of a program. `thresholds` are ascending integers in the criteria's unit (cents for
# SPEND), one per level (bronze, silver, gold): level n is awarded when progress reaches the n-th.
# `listens_to` is the event type that moves its progress, kept for a one-query lookup per event.
class Badge(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=80)
    description = fields.CharField(max_length=500, default="")
    # Names and descriptions in other languages (gamification/programs/languages.py); rows made
    # before it have none.
    translations: dict = fields.JSONField(default=dict, db_default="{}")
    icon_url = fields.CharField(max_length=500, default="")
    criteria = fields.CharEnumField(BadgeCriteria, max_length=24)
    params: dict = fields.JSONField(default=dict)
    listens_to = fields.CharField(max_length=40, default="")
    thresholds: list = fields.JSONField(default=list)
    points = fields.IntField(default=0)
    hidden = fields.BooleanField(default=False)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    archived_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "badge"
        # Names are unique per program (core/unique_names.py), archived rows included.
        unique_together = (("program", "name"),)
        indexes = (("program_id", "listens_to"),)


# A member's running progress toward one badge, updated from each event (never by rescanning).
# For streaks, `period` is the last active week and `value` the current run of weeks.
class BadgeProgress(Model):
    id = fields.BigIntField(primary_key=True)
    badge: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "badges.Badge", related_name=False, on_delete=fields.CASCADE
    )
    badge_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.CASCADE
    )
    member_id: int
    value = fields.BigIntField(default=0)
    period = fields.IntField(null=True)
    level = fields.IntField(default=0)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "badge_progress"
        unique_together = (("member", "badge"),)


# A badge level awarded to a member: at most once per level, whatever the concurrency.
class BadgeAward(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    badge: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "badges.Badge", related_name=False, on_delete=fields.RESTRICT
    )
    badge_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    level = fields.IntField()
    awarded_at = fields.DatetimeField()

    class Meta:
        table = "badge_award"
        unique_together = (("member", "badge", "level"),)
        indexes = (("member_id", "awarded_at"),)
