from tortoise import migrations
from tortoise.migrations import operations as ops
from gamification.simulations.models import SimulationStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0021_member_birthdays")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Simulation",
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
                ("draft", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=SimulationStatus.QUEUED,
                        description="QUEUED: QUEUED\nRUNNING: RUNNING\nDONE: DONE\nCANCELLED: CANCELLED\nFAILED: FAILED",
                        enum_type=SimulationStatus,
                        max_length=10,
                    ),
                ),
                ("purchases_done", fields.BigIntField(default=0)),
                ("purchases_total", fields.BigIntField(default=0)),
                ("results", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("error", fields.CharField(default="", max_length=200)),
                (
                    "requested_by",
                    fields.ForeignKeyField(
                        "gamification.StaffUser",
                        source_field="requested_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("started_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "simulation",
                "app": "gamification",
                "indexes": [Index(fields=["program_id", "id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Purchase",
            name="tier_id",
            field=fields.BigIntField(null=True),
        ),
    ]
