from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("gamification", "0002_ledger_tiers_events")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Member",
            name="anonymised_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Member",
            name="blocked_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Member",
            name="blocked_reason",
            field=fields.CharField(default="", max_length=200),
        ),
    ]
