from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from challenges.models import ChallengeKind, ChallengeMetric, ChallengeStatus, Enrolment
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0002_ledger_tiers_events"), ("badges", "0001_initial")]

    initial = True

    operations = [
        ops.CreateModel(
            name="Challenge",
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
                (
                    "metric",
                    fields.CharEnumField(
                        description="PURCHASES: PURCHASES\nSPEND: SPEND\nQUANTITY: QUANTITY\nPOINTS_EARNED: POINTS_EARNED\nREFERRALS: REFERRALS",
                        enum_type=ChallengeMetric,
                        max_length=16,
                    ),
                ),
                ("sku", fields.CharField(null=True, max_length=64)),
                ("category", fields.CharField(null=True, max_length=64)),
                ("listens_to", fields.CharField(max_length=40)),
                ("target", fields.BigIntField()),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="INDIVIDUAL: INDIVIDUAL\nCOLLECTIVE: COLLECTIVE",
                        enum_type=ChallengeKind,
                        max_length=12,
                    ),
                ),
                (
                    "enrolment",
                    fields.CharEnumField(
                        description="OPT_IN: OPT_IN\nAUTOMATIC: AUTOMATIC",
                        enum_type=Enrolment,
                        max_length=12,
                    ),
                ),
                ("min_tier_rank", fields.IntField(null=True)),
                ("reward_points", fields.IntField(default=0)),
                (
                    "reward_badge",
                    fields.ForeignKeyField(
                        "badges.Badge",
                        source_field="reward_badge_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("max_participants", fields.IntField(null=True)),
                ("participants", fields.IntField(default=0)),
                ("community_total", fields.BigIntField(default=0)),
                ("reached_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=ChallengeStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nENDED: ENDED\nARCHIVED: ARCHIVED",
                        enum_type=ChallengeStatus,
                        max_length=12,
                    ),
                ),
                (
                    "results",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "challenge",
                "app": "challenges",
                "indexes": [
                    Index(fields=["program_id", "listens_to", "status"]),
                    Index(fields=["status", "ends_at"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ChallengeParticipant",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "challenge",
                    fields.ForeignKeyField(
                        "challenges.Challenge",
                        source_field="challenge_id",
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
                ("joined_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("progress", fields.BigIntField(default=0)),
                (
                    "progress_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "rewarded_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "challenge_participant",
                "app": "challenges",
                "unique_together": (("challenge", "member"),),
                "indexes": [Index(fields=["challenge_id", "progress"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
