from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("gamification", "0023_catalog_translations")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Auction",
            name="target_classes",
            field=fields.CharField(default="", db_default="", max_length=8),
        ),
        ops.AddField(
            model_name="Auction",
            name="target_segments",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
        ops.AddField(
            model_name="Auction",
            name="target_tier_ids",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
        ops.AddField(
            model_name="Contest",
            name="target_classes",
            field=fields.CharField(default="", db_default="", max_length=8),
        ),
        ops.AddField(
            model_name="Contest",
            name="target_segments",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
        ops.AddField(
            model_name="Contest",
            name="target_tier_ids",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
        ops.AddField(
            model_name="EarningRule",
            name="target_classes",
            field=fields.CharField(default="", db_default="", max_length=8),
        ),
        ops.AddField(
            model_name="EarningRule",
            name="target_segments",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
        ops.AddField(
            model_name="EarningRule",
            name="target_tier_ids",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
        ops.AddField(
            model_name="InstantWinGame",
            name="target_classes",
            field=fields.CharField(default="", db_default="", max_length=8),
        ),
        ops.AddField(
            model_name="InstantWinGame",
            name="target_segments",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
        ops.AddField(
            model_name="InstantWinGame",
            name="target_tier_ids",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
        ops.AddField(
            model_name="Reward",
            name="target_classes",
            field=fields.CharField(default="", db_default="", max_length=8),
        ),
        ops.AddField(
            model_name="Reward",
            name="target_segments",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
        ops.AddField(
            model_name="Reward",
            name="target_tier_ids",
            field=fields.CharField(default="", db_default="", max_length=255),
        ),
    ]
