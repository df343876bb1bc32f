from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from badges.models import BadgeCriteria
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0002_ledger_tiers_events")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Badge",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "program",
                    fields.ForeignKeyField(
                        "gamification.Program",
                        source_field="program_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=80)),
                ("description", fields.CharField(default="", max_length=500)),
                ("icon_url", fields.CharField(default="", max_length=500)),
                (
                    "criteria",
                    fields.CharEnumField(
                        description="EVENT_COUNT: EVENT_COUNT\nSPEND: SPEND\nPOINTS_EARNED: POINTS_EARNED\nPRODUCT_QUANTITY: PRODUCT_QUANTITY\nWEEKLY_STREAK: WEEKLY_STREAK\nTIER_REACHED: TIER_REACHED\nCHALLENGES_COMPLETED: CHALLENGES_COMPLETED\nREFERRALS_QUALIFIED: REFERRALS_QUALIFIED\nMANUAL: MANUAL",
                        enum_type=BadgeCriteria,
                        max_length=24,
                    ),
                ),
                (
                    "params",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("listens_to", fields.CharField(default="", max_length=40)),
                (
                    "thresholds",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("points", fields.IntField(default=0)),
                ("hidden", fields.BooleanField(default=False)),
                ("starts_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "archived_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "badge",
                "app": "badges",
                "indexes": [Index(fields=["program_id", "listens_to"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BadgeAward",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "program",
                    fields.ForeignKeyField(
                        "gamification.Program",
                        source_field="program_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "badge",
                    fields.ForeignKeyField(
                        "badges.Badge",
                        source_field="badge_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "gamification.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("level", fields.IntField()),
                ("awarded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "badge_award",
                "app": "badges",
                "unique_together": (("member", "badge", "level"),),
                "indexes": [Index(fields=["member_id", "awarded_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BadgeProgress",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "badge",
                    fields.ForeignKeyField(
                        "badges.Badge",
                        source_field="badge_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "gamification.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("value", fields.BigIntField(default=0)),
                ("period", fields.IntField(null=True)),
                ("level", fields.IntField(default=0)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "badge_progress",
                "app": "badges",
                "unique_together": (("member", "badge"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
