from tortoise import migrations

from core.migration_operations import AlterChoices
from tortoise.migrations import operations as ops
from gamification.points.models import LedgerKind
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0019_expiry_reminders")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ActionType",
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
                ("code", fields.CharField(max_length=40)),
                ("name", fields.CharField(max_length=120)),
                ("points", fields.BigIntField()),
                ("per_day", fields.IntField(null=True)),
                ("per_week", fields.IntField(null=True)),
                ("lifetime", fields.IntField(null=True)),
                ("cooldown_minutes", fields.IntField(null=True)),
                ("starts_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("min_tier_rank", fields.IntField(null=True)),
                ("self_service", fields.BooleanField(default=False)),
                ("check_in_code", fields.CharField(null=True, max_length=40)),
                ("archived", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "action_type",
                "app": "gamification",
                "unique_together": (("program", "name"), ("program", "code")),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MemberAction",
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
                (
                    "action_type",
                    fields.ForeignKeyField(
                        "gamification.ActionType",
                        source_field="action_type_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("external_id", fields.CharField(null=True, max_length=128)),
                ("idempotency_key", fields.CharField(null=True, max_length=128)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("data", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("points", fields.BigIntField()),
            ],
            options={
                "table": "member_action",
                "app": "gamification",
                "unique_together": (("program", "external_id"), ("member", "idempotency_key")),
                "indexes": [Index(fields=["member_id", "action_type_id", "occurred_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        AlterChoices(
            model_name="LedgerEntry",
            name="kind",
            field=fields.CharEnumField(
                description="EARN: EARN\nBONUS: BONUS\nADJUST: ADJUST\nREDEEM: REDEEM\nREDEMPTION_REFUND: REDEMPTION_REFUND\nREFUND: REFUND\nEXPIRE: EXPIRE\nCONTEST_ENTRY: CONTEST_ENTRY\nGAME_PLAY: GAME_PLAY\nPRIZE: PRIZE\nAUCTION: AUCTION\nACTION: ACTION",
                enum_type=LedgerKind,
                max_length=24,
            ),
        ),
    ]
