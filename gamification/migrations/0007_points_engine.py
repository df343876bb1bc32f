from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from decimal import Decimal
from gamification.points.models import EarningRuleKind, Rounding
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0006_games")]

    initial = False

    operations = [
        ops.CreateModel(
            name="EarningRule",
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
                ("name", fields.CharField(max_length=100)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="BASE_RATE: BASE_RATE\nPRODUCT: PRODUCT\nCAMPAIGN: CAMPAIGN\nFIRST_PURCHASE: FIRST_PURCHASE\nMINIMUM_BASKET: MINIMUM_BASKET",
                        enum_type=EarningRuleKind,
                        max_length=20,
                    ),
                ),
                ("priority", fields.IntField(default=0)),
                ("starts_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "points_per_unit",
                    fields.DecimalField(null=True, max_digits=12, decimal_places=4),
                ),
                (
                    "rounding",
                    fields.CharEnumField(
                        default=Rounding.FLOOR,
                        description="FLOOR: FLOOR\nHALF_UP: HALF_UP\nCEIL: CEIL",
                        enum_type=Rounding,
                        max_length=10,
                    ),
                ),
                ("sku", fields.CharField(null=True, max_length=64)),
                ("category", fields.CharField(null=True, max_length=64)),
                ("multiplier", fields.DecimalField(null=True, max_digits=8, decimal_places=4)),
                ("fixed_points", fields.BigIntField(null=True)),
                ("min_total", fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                (
                    "tier",
                    fields.ForeignKeyField(
                        "gamification.Tier",
                        source_field="tier_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("archived", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "earning_rule",
                "app": "gamification",
                "indexes": [Index(fields=["program_id", "archived"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MemberTierStatus",
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
                    fields.OneToOneField(
                        "gamification.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "earned_tier",
                    fields.ForeignKeyField(
                        "gamification.Tier",
                        source_field="earned_tier_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "review_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                ("grace_used", fields.BooleanField(default=False)),
            ],
            options={"table": "member_tier_status", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MembershipPlan",
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
                ("name", fields.CharField(max_length=100)),
                (
                    "tier",
                    fields.ForeignKeyField(
                        "gamification.Tier",
                        source_field="tier_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("duration_days", fields.IntField()),
                (
                    "price",
                    fields.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2),
                ),
                ("archived", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "membership_plan", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Membership",
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
                    "plan",
                    fields.ForeignKeyField(
                        "gamification.MembershipPlan",
                        source_field="plan_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "tier",
                    fields.ForeignKeyField(
                        "gamification.Tier",
                        source_field="tier_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("external_id", fields.CharField(max_length=128)),
                ("fingerprint", fields.CharField(max_length=64)),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "membership",
                "app": "gamification",
                "unique_together": (("program", "external_id"),),
                "indexes": [
                    Index(fields=["member_id", "ends_at"]),
                    Index(fields=["ended_at", "ends_at"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Purchase",
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
                ("external_id", fields.CharField(max_length=128)),
                ("fingerprint", fields.CharField(max_length=64)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("currency", fields.CharField(max_length=3)),
                ("total", fields.DecimalField(max_digits=14, decimal_places=2)),
                ("points_earned", fields.BigIntField(default=0)),
                ("first_purchase", fields.BooleanField(default=False)),
                (
                    "breakdown",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "refunded_amount",
                    fields.DecimalField(default=Decimal("0"), max_digits=14, decimal_places=2),
                ),
                ("points_reversed", fields.BigIntField(default=0)),
                ("points_unrecovered", fields.BigIntField(default=0)),
                ("version", fields.IntField(default=0)),
            ],
            options={
                "table": "purchase",
                "app": "gamification",
                "unique_together": (("program", "external_id"),),
                "indexes": [Index(fields=["member_id", "occurred_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PurchaseLine",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "purchase",
                    fields.ForeignKeyField(
                        "gamification.Purchase",
                        source_field="purchase_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.IntField()),
                ("sku", fields.CharField(max_length=64)),
                ("category", fields.CharField(null=True, max_length=64)),
                ("quantity", fields.IntField()),
                ("unit_price", fields.DecimalField(max_digits=14, decimal_places=2)),
                ("refunded_quantity", fields.IntField(default=0)),
            ],
            options={
                "table": "purchase_line",
                "app": "gamification",
                "indexes": [Index(fields=["purchase_id", "position"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Refund",
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
                    "purchase",
                    fields.ForeignKeyField(
                        "gamification.Purchase",
                        source_field="purchase_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("refund_id", fields.CharField(max_length=128)),
                ("fingerprint", fields.CharField(max_length=64)),
                ("amount", fields.DecimalField(max_digits=14, decimal_places=2)),
                ("points_reversed", fields.BigIntField(default=0)),
                ("points_clawed_back", fields.BigIntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "refund",
                "app": "gamification",
                "unique_together": (("purchase", "refund_id"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
