from tortoise import migrations
from tortoise.migrations import operations as ops
from decimal import Decimal
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0007_points_engine")]

    initial = False

    operations = [
        ops.CreateModel(
            name="MemberSegment",
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
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("recency_days", fields.IntField(null=True)),
                ("frequency", fields.IntField(default=0)),
                (
                    "monetary",
                    fields.DecimalField(default=Decimal("0"), max_digits=16, decimal_places=2),
                ),
                ("recency_score", fields.SmallIntField(null=True)),
                ("frequency_score", fields.SmallIntField(null=True)),
                ("monetary_score", fields.SmallIntField(null=True)),
                ("segment", fields.CharField(max_length=24)),
                ("abc_class", fields.CharField(max_length=1)),
            ],
            options={
                "table": "member_segment",
                "app": "gamification",
                "indexes": [
                    Index(fields=["program_id", "segment"]),
                    Index(fields=["program_id", "abc_class"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
