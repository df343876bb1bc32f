from tortoise import migrations
from tortoise.migrations import operations as ops
from gamification.referrals.models import ReferralStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0004_rewards")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Referral",
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
                    "referrer",
                    fields.ForeignKeyField(
                        "gamification.Member",
                        source_field="referrer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "referee",
                    fields.ForeignKeyField(
                        "gamification.Member",
                        source_field="referee_id",
                        unique=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=ReferralStatus.PENDING,
                        description="PENDING: PENDING\nQUALIFIED: QUALIFIED\nCAPPED: CAPPED\nREVERSED: REVERSED\nEXPIRED: EXPIRED",
                        enum_type=ReferralStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "qualified_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "reversed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("purchase_id", fields.BigIntField(null=True)),
                ("purchase_total", fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ("referrer_points", fields.BigIntField(default=0)),
                ("referee_points", fields.BigIntField(default=0)),
            ],
            options={
                "table": "referral",
                "app": "gamification",
                "indexes": [
                    Index(fields=["referrer_id", "status"]),
                    Index(fields=["program_id", "qualified_at"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
