from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("gamification", "0014_unique_names_seed_keys")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Member",
            name="sessions_revoked_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="StaffUser",
            name="sessions_revoked_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
