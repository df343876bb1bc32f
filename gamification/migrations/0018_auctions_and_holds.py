from tortoise import migrations

from core.migration_operations import AlterChoices
from tortoise.migrations import operations as ops
from gamification.games.models import AuctionPrizeKind, AuctionStatus, BidStatus
from gamification.points.models import HoldStatus, LedgerKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0017_audit_trail")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Auction",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "program",
                    fields.ForeignKeyField(
                        "gamification.Program",
                        source_field="program_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=120)),
                ("description", fields.CharField(default="", max_length=1000)),
                (
                    "prize_kind",
                    fields.CharEnumField(
                        description="REWARD: REWARD\nPRIZE: PRIZE",
                        enum_type=AuctionPrizeKind,
                        max_length=10,
                    ),
                ),
                ("prize_name", fields.CharField(max_length=120)),
                ("reward_id", fields.BigIntField(null=True)),
                ("quantity", fields.IntField(default=1)),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "ends_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("starting_bid", fields.BigIntField()),
                ("min_increment", fields.BigIntField(default=1)),
                ("reserve", fields.BigIntField(null=True)),
                ("extension_minutes", fields.IntField(default=0)),
                ("min_tier_rank", fields.IntField(null=True)),
                ("required_badge_id", fields.BigIntField(null=True)),
                (
                    "status",
                    fields.CharEnumField(
                        default=AuctionStatus.OPEN,
                        description="OPEN: OPEN\nSETTLED: SETTLED",
                        enum_type=AuctionStatus,
                        max_length=10,
                    ),
                ),
                ("bids_count", fields.IntField(default=0)),
                ("archived", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("settled_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "auction",
                "app": "gamification",
                "unique_together": (("program", "name"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AuctionBid",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "program",
                    fields.ForeignKeyField(
                        "gamification.Program",
                        source_field="program_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "auction",
                    fields.ForeignKeyField(
                        "gamification.Auction",
                        source_field="auction_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "gamification.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("points", fields.BigIntField()),
                (
                    "status",
                    fields.CharEnumField(
                        description="WINNING: WINNING\nOUTBID: OUTBID\nRAISED: RAISED\nWON: WON\nLOST: LOST",
                        enum_type=BidStatus,
                        max_length=10,
                    ),
                ),
                ("idempotency_key", fields.CharField(max_length=128)),
                ("placed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("claim_code", fields.CharField(null=True, max_length=32)),
            ],
            options={
                "table": "auction_bid",
                "app": "gamification",
                "unique_together": (("member", "idempotency_key"),),
                "indexes": [
                    Index(fields=["auction_id", "status", "points"]),
                    Index(fields=["auction_id", "id"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PointsHold",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "program",
                    fields.ForeignKeyField(
                        "gamification.Program",
                        source_field="program_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "gamification.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("reference", fields.CharField(max_length=64)),
                ("points", fields.BigIntField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=HoldStatus.HELD,
                        description="HELD: HELD\nRELEASED: RELEASED\nCAPTURED: CAPTURED",
                        enum_type=HoldStatus,
                        max_length=10,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("entry_id", fields.BigIntField(null=True)),
            ],
            options={
                "table": "points_hold",
                "app": "gamification",
                "indexes": [
                    Index(fields=["member_id", "reference", "status"]),
                    Index(fields=["program_id", "status"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PointsHoldLot",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "hold",
                    fields.ForeignKeyField(
                        "gamification.PointsHold",
                        source_field="hold_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("lot_id", fields.BigIntField()),
                ("points", fields.BigIntField()),
            ],
            options={"table": "points_hold_lot", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
        AlterChoices(
            model_name="LedgerEntry",
            name="kind",
            field=fields.CharEnumField(
                description="EARN: EARN\nBONUS: BONUS\nADJUST: ADJUST\nREDEEM: REDEEM\nREDEMPTION_REFUND: REDEMPTION_REFUND\nREFUND: REFUND\nEXPIRE: EXPIRE\nCONTEST_ENTRY: CONTEST_ENTRY\nGAME_PLAY: GAME_PLAY\nPRIZE: PRIZE\nAUCTION: AUCTION",
                enum_type=LedgerKind,
                max_length=24,
            ),
        ),
        ops.AddField(
            model_name="Member",
            name="points_held",
            field=fields.BigIntField(default=0),
        ),
    ]
