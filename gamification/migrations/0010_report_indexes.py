from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0009_engagement")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Event",
            index=Index(fields=["program_id", "type", "occurred_at"]),
        ),
        ops.AddIndex(
            model_name="LedgerEntry",
            index=Index(fields=["program_id", "created_at"]),
        ),
        ops.AddIndex(
            model_name="Purchase",
            index=Index(fields=["program_id", "occurred_at"]),
        ),
    ]
