from tortoise import migrations

from core.migration_operations import AlterChoices
from tortoise.migrations import operations as ops
from challenges.models import ChallengeMetric
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0002_unique_names"),
        ("challenges", "0003_times_in_utc"),
        ("challenges", "0003_unique_names"),
        ("gamification", "0021_member_birthdays"),
    ]

    initial = False

    operations = [
        AlterChoices(
            model_name="Challenge",
            name="metric",
            field=fields.CharEnumField(
                description="PURCHASES: PURCHASES\nSPEND: SPEND\nQUANTITY: QUANTITY\nPOINTS_EARNED: POINTS_EARNED\nREFERRALS: REFERRALS\nACTIONS: ACTIONS",
                enum_type=ChallengeMetric,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Challenge",
            name="action",
            field=fields.CharField(null=True, max_length=40),
        ),
    ]
