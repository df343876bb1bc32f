from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0020_actions")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Member",
            name="birth_date",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Member",
            name="birthday",
            field=fields.CharField(null=True, max_length=5),
        ),
        ops.AddIndex(
            model_name="Member",
            index=Index(fields=["program_id", "birthday"]),
        ),
    ]
