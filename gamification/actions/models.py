"""Action types and the actions members did.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


# Something a member does beyond buying that earns points: a review, a check-in, a survey...
# Integrations report it by `code`; members report the `self_service` ones themselves, showing
# `check_in_code` when it is set (the code shown in the shop). Limits count by the action's day
# (UTC), ISO week and lifetime; `cooldown_minutes` apart at least.
class ActionType(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    code = fields.CharField(max_length=40)
    name = fields.CharField(max_length=120)
    # Names and descriptions in other languages (gamification/programs/languages.py); rows made
    # before it have none.
    translations: dict = fields.JSONField(default=dict, db_default="{}")
    points = fields.BigIntField()
    per_day = fields.IntField(null=True)
    per_week = fields.IntField(null=True)
    lifetime = fields.IntField(null=True)
    cooldown_minutes = fields.IntField(null=True)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    min_tier_rank = fields.IntField(null=True)
    self_service = fields.BooleanField(default=False)
    check_in_code = fields.CharField(max_length=40, null=True)
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "action_type"
        unique_together = (("program", "name"), ("program", "code"))


# One action a member did: reported by an integration (`external_id`, unique in the program) or
# by the member (`idempotency_key`, unique per member).
class MemberAction(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    action_type: fields.ForeignKeyRelation[ActionType] = fields.ForeignKeyField(
        "gamification.ActionType", related_name=False, on_delete=fields.RESTRICT
    )
    action_type_id: int
    external_id = fields.CharField(max_length=128, null=True)
    idempotency_key = fields.CharField(max_length=128, null=True)
    occurred_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField()
    data: dict = fields.JSONField(default=dict)
    points = fields.BigIntField()

    class Meta:
        table = "member_action"
        unique_together = (("program", "external_id"), ("member", "idempotency_key"))
        indexes = (("member_id", "action_type_id", "occurred_at"),)
