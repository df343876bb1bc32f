from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from decimal import Decimal
from gamification.points.models import LedgerKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Event",
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
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("type", fields.CharField(max_length=40)),
                (
                    "data",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "event",
                "app": "gamification",
                "indexes": [
                    Index(fields=["member_id", "id"]),
                    Index(fields=["program_id", "type", "id"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LedgerEntry",
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
                ("delta", fields.BigIntField()),
                (
                    "kind",
                    fields.CharEnumField(
                        description="EARN: EARN\nBONUS: BONUS\nADJUST: ADJUST\nREDEEM: REDEEM\nREDEMPTION_REFUND: REDEMPTION_REFUND\nREFUND: REFUND\nEXPIRE: EXPIRE\nCONTEST_ENTRY: CONTEST_ENTRY\nGAME_PLAY: GAME_PLAY\nPRIZE: PRIZE",
                        enum_type=LedgerKind,
                        max_length=24,
                    ),
                ),
                ("reason", fields.CharField(default="", max_length=200)),
                ("reference", fields.CharField(null=True, db_index=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remaining", fields.BigIntField(null=True)),
                ("idempotency_key", fields.CharField(null=True, max_length=128)),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "gamification.StaffUser",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "ledger_entry",
                "app": "gamification",
                "unique_together": (("member", "idempotency_key"),),
                "indexes": [
                    Index(fields=["member_id", "created_at"]),
                    Index(fields=["expires_at", "remaining"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Tier",
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
                ("name", fields.CharField(max_length=60)),
                ("rank", fields.IntField()),
                ("qualifying_threshold", fields.BigIntField(default=0)),
                (
                    "earning_multiplier",
                    fields.DecimalField(default=Decimal("1"), max_digits=6, decimal_places=3),
                ),
                ("perks", fields.TextField(default="", unique=False)),
                ("archived", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "tier",
                "app": "gamification",
                "unique_together": (("program", "rank"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Member",
            name="points_balance",
            field=fields.BigIntField(default=0),
        ),
        ops.AddField(
            model_name="Member",
            name="tier",
            field=fields.ForeignKeyField(
                "gamification.Tier",
                source_field="tier_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
