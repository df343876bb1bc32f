from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0016_board_repairs")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuditEntry",
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
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("actor_kind", fields.CharField(max_length=10)),
                (
                    "actor_staff",
                    fields.ForeignKeyField(
                        "gamification.StaffUser",
                        source_field="actor_staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("actor_label", fields.CharField(default="", max_length=100)),
                ("action", fields.CharField(max_length=40)),
                ("target_type", fields.CharField(max_length=40)),
                ("target_id", fields.BigIntField(null=True)),
                ("before", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("after", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("request_id", fields.CharField(null=True, max_length=128)),
            ],
            options={
                "table": "audit_entry",
                "app": "gamification",
                "indexes": [
                    Index(fields=["program_id", "id"]),
                    Index(fields=["program_id", "target_type", "target_id", "id"]),
                    Index(fields=["program_id", "actor_staff_id", "id"]),
                    Index(fields=["program_id", "action", "id"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
