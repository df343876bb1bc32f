from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gamification", "0012_member_first_purchase")]

    initial = False

    operations = [
        ops.AddField(
            model_name="WebhookDelivery", name="replays", field=fields.IntField(default=0)
        ),
        ops.AddField(
            model_name="WebhookDelivery",
            name="attempts_before_replay",
            field=fields.IntField(default=0),
        ),
    ]
