from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("gamification", "0015_session_revocation")]

    initial = False

    operations = [
        ops.CreateModel(
            name="BoardRepair",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "program",
                    fields.OneToOneField(
                        "gamification.Program",
                        source_field="program_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("stale_since", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("marked_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("marks", fields.IntField(default=1)),
            ],
            options={"table": "board_repair", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
