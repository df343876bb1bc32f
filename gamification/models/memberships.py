"""Tier status of members (review dates) and paid VIP memberships."""

from __future__ import annotations

from decimal import Decimal

from tortoise import fields
from tortoise.models import Model


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
