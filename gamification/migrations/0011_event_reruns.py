from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("gamification", "0010_report_indexes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Event",
            name="next_rerun_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Event",
            name="reruns",
            field=fields.IntField(default=0),
        ),
    ]
