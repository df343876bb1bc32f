from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("gamification", "0018_auctions_and_holds")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ExpiryReminder",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("program_id", fields.BigIntField()),
                ("lot_id", fields.BigIntField()),
                ("days", fields.IntField()),
                ("sent_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "expiry_reminder",
                "app": "gamification",
                "unique_together": (("lot_id", "days"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
