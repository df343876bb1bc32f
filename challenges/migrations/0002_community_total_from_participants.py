from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0001_initial"),
        ("challenges", "0001_initial"),
        ("gamification", "0011_event_reruns"),
    ]

    initial = False

    operations = [
        ops.RemoveField(model_name="Challenge", name="community_total"),
    ]
