from tortoise import migrations
from tortoise.migrations import operations as ops
from gamification.rewards.models import RedemptionStatus, RewardKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0003_member_status")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Reward",
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
                ("name", fields.CharField(max_length=120)),
                ("description", fields.TextField(default="", unique=False)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="MERCHANDISE: MERCHANDISE\nEXPERIENCE: EXPERIENCE\nVOUCHER: VOUCHER\nDONATION: DONATION",
                        enum_type=RewardKind,
                        max_length=16,
                    ),
                ),
                ("points_cost", fields.BigIntField()),
                ("stock", fields.BigIntField(null=True)),
                ("limit_per_member", fields.IntField(null=True)),
                ("limit_per_period", fields.IntField(null=True)),
                ("limit_period_days", fields.IntField(null=True)),
                ("starts_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "minimum_tier",
                    fields.ForeignKeyField(
                        "gamification.Tier",
                        source_field="minimum_tier_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("required_badge_id", fields.BigIntField(null=True)),
                ("image_url", fields.CharField(null=True, max_length=500)),
                ("redemption_validity_days", fields.IntField(null=True)),
                ("refund_on_expiry", fields.BooleanField(default=False)),
                (
                    "donation_amount",
                    fields.DecimalField(null=True, max_digits=12, decimal_places=2),
                ),
                ("archived", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "reward",
                "app": "gamification",
                "indexes": [Index(fields=["program_id", "archived"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Redemption",
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
                    "reward",
                    fields.ForeignKeyField(
                        "gamification.Reward",
                        source_field="reward_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("code", fields.CharField(unique=True, max_length=16)),
                (
                    "status",
                    fields.CharEnumField(
                        description="ISSUED: ISSUED\nUSED: USED\nCANCELLED: CANCELLED\nEXPIRED: EXPIRED\nFULFILLED: FULFILLED",
                        enum_type=RedemptionStatus,
                        max_length=16,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="MERCHANDISE: MERCHANDISE\nEXPERIENCE: EXPERIENCE\nVOUCHER: VOUCHER\nDONATION: DONATION",
                        enum_type=RewardKind,
                        max_length=16,
                    ),
                ),
                ("points_spent", fields.BigIntField()),
                (
                    "donation_amount",
                    fields.DecimalField(null=True, max_digits=12, decimal_places=2),
                ),
                ("source", fields.CharField(default="redeem", max_length=64)),
                ("idempotency_key", fields.CharField(null=True, max_length=128)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "cancelled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("expired_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("points_refunded", fields.BigIntField(default=0)),
            ],
            options={
                "table": "redemption",
                "app": "gamification",
                "unique_together": (("member", "idempotency_key"),),
                "indexes": [
                    Index(fields=["member_id", "reward_id", "created_at"]),
                    Index(fields=["status", "expires_at"]),
                    Index(fields=["program_id", "kind", "status"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
