from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [
        ("gamification", "0001_initial"),
        ("gamification", "0002_ledger_tiers_events"),
        ("gamification", "0003_member_status"),
        ("gamification", "0004_rewards"),
        ("gamification", "0005_referrals"),
        ("gamification", "0006_games"),
        ("gamification", "0007_points_engine"),
        ("gamification", "0008_member_segments"),
        ("gamification", "0009_engagement"),
        ("gamification", "0010_report_indexes"),
        ("gamification", "0011_event_reruns"),
        ("gamification", "0012_member_first_purchase"),
        ("gamification", "0013_webhook_replays"),
        ("gamification", "0014_unique_names_seed_keys"),
        ("gamification", "0015_session_revocation"),
        ("gamification", "0016_board_repairs"),
        ("gamification", "0017_audit_trail"),
        ("gamification", "0018_auctions_and_holds"),
        ("gamification", "0019_expiry_reminders"),
        ("gamification", "0020_actions"),
        ("gamification", "0021_member_birthdays"),
        ("gamification", "0022_campaign_simulations"),
    ]

    initial = False

    operations = [
        ops.AddField(
            model_name="ActionType",
            name="translations",
            field=fields.JSONField(
                default=dict, db_default="{}", encoder=JSON_DUMPS, decoder=loads
            ),
        ),
        ops.AddField(
            model_name="Auction",
            name="translations",
            field=fields.JSONField(
                default=dict, db_default="{}", encoder=JSON_DUMPS, decoder=loads
            ),
        ),
        ops.AddField(
            model_name="Contest",
            name="translations",
            field=fields.JSONField(
                default=dict, db_default="{}", encoder=JSON_DUMPS, decoder=loads
            ),
        ),
        ops.AddField(
            model_name="InstantWinGame",
            name="translations",
            field=fields.JSONField(
                default=dict, db_default="{}", encoder=JSON_DUMPS, decoder=loads
            ),
        ),
        ops.AddField(
            model_name="Reward",
            name="translations",
            field=fields.JSONField(
                default=dict, db_default="{}", encoder=JSON_DUMPS, decoder=loads
            ),
        ),
        ops.AddField(
            model_name="Tier",
            name="translations",
            field=fields.JSONField(
                default=dict, db_default="{}", encoder=JSON_DUMPS, decoder=loads
            ),
        ),
    ]
