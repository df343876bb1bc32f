from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gamification", "0011_event_reruns")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Member",
            name="first_purchase_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Members who bought before: when their first purchase was recorded.
        ops.RunSQL(
            'UPDATE "member" SET "first_purchase_at" = (SELECT MIN(p."recorded_at") '
            'FROM "purchase" AS p WHERE p."member_id" = "member"."id")',
            reverse_sql="SELECT 1",
        ),
    ]
