from tortoise import migrations
from tortoise.migrations import operations as ops
from gamification.games.models import GameMode, PrizeKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("gamification", "0005_referrals")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Contest",
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
                ("opens_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "closes_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("entry_cost", fields.BigIntField(default=0)),
                ("max_entries_per_member", fields.IntField(default=1)),
                ("min_tier_rank", fields.IntField(null=True)),
                ("required_badge_id", fields.BigIntField(null=True)),
                ("allow_multiple_wins", fields.BooleanField(default=False)),
                ("seed", fields.CharField(max_length=64)),
                ("seed_commitment", fields.CharField(max_length=64)),
                ("frozen_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("entry_list_hash", fields.CharField(null=True, max_length=64)),
                ("entry_count", fields.BigIntField(null=True)),
                ("total_weight", fields.BigIntField(null=True)),
                ("drawn_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("archived", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "contest", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ContestEntry",
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
                    "contest",
                    fields.ForeignKeyField(
                        "gamification.Contest",
                        source_field="contest_id",
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
                ("entries", fields.IntField()),
                ("idempotency_key", fields.CharField(max_length=128)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "contest_entry",
                "app": "gamification",
                "unique_together": (("member", "idempotency_key"),),
                "indexes": [
                    Index(fields=["contest_id", "id"]),
                    Index(fields=["contest_id", "member_id"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ContestMemberEntries",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("contest_id", fields.BigIntField()),
                ("member_id", fields.BigIntField()),
                ("entries", fields.IntField(default=0)),
            ],
            options={
                "table": "contest_member_entries",
                "app": "gamification",
                "unique_together": (("contest_id", "member_id"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ContestPrize",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "contest",
                    fields.ForeignKeyField(
                        "gamification.Contest",
                        source_field="contest_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="prizes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.IntField(default=0)),
                ("name", fields.CharField(max_length=120)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="POINTS: POINTS\nREWARD: REWARD\nPRIZE: PRIZE",
                        enum_type=PrizeKind,
                        max_length=16,
                    ),
                ),
                ("points", fields.BigIntField(null=True)),
                ("reward_id", fields.BigIntField(null=True)),
                ("quantity", fields.IntField()),
            ],
            options={"table": "contest_prize", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ContestWinner",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "contest",
                    fields.ForeignKeyField(
                        "gamification.Contest",
                        source_field="contest_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("slot", fields.IntField()),
                (
                    "prize",
                    fields.ForeignKeyField(
                        "gamification.ContestPrize",
                        source_field="prize_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("entry_id", fields.BigIntField()),
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
                ("claim_code", fields.CharField(null=True, max_length=32)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "contest_winner",
                "app": "gamification",
                "unique_together": (("contest", "slot"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GamePlayCounter",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("game_id", fields.BigIntField()),
                ("member_id", fields.BigIntField()),
                ("day", fields.CharField(max_length=10)),
                ("plays", fields.IntField(default=0)),
            ],
            options={
                "table": "game_play_counter",
                "app": "gamification",
                "unique_together": (("game_id", "member_id", "day"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="InstantWinGame",
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
                (
                    "mode",
                    fields.CharEnumField(
                        default=GameMode.MOMENTS,
                        description="MOMENTS: MOMENTS\nPROBABILITY: PROBABILITY",
                        enum_type=GameMode,
                        max_length=16,
                    ),
                ),
                ("win_odds_ppm", fields.IntField(default=0)),
                ("play_cost", fields.BigIntField(default=0)),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("max_plays_per_day", fields.IntField(null=True)),
                ("max_plays_total", fields.IntField(null=True)),
                ("min_tier_rank", fields.IntField(null=True)),
                ("required_badge_id", fields.BigIntField(null=True)),
                ("archived", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "instant_win_game",
                "app": "gamification",
                "indexes": [Index(fields=["program_id", "ends_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GamePrize",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "game",
                    fields.ForeignKeyField(
                        "gamification.InstantWinGame",
                        source_field="game_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="prizes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=120)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="POINTS: POINTS\nREWARD: REWARD\nPRIZE: PRIZE",
                        enum_type=PrizeKind,
                        max_length=16,
                    ),
                ),
                ("points", fields.BigIntField(null=True)),
                ("reward_id", fields.BigIntField(null=True)),
                ("quantity", fields.IntField()),
                ("remaining", fields.IntField()),
            ],
            options={"table": "game_prize", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GamePlay",
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
                    "game",
                    fields.ForeignKeyField(
                        "gamification.InstantWinGame",
                        source_field="game_id",
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
                ("idempotency_key", fields.CharField(max_length=128)),
                ("played_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("cost", fields.BigIntField(default=0)),
                ("won", fields.BooleanField(default=False)),
                (
                    "prize",
                    fields.ForeignKeyField(
                        "gamification.GamePrize",
                        source_field="prize_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("moment_id", fields.BigIntField(null=True)),
                ("claim_code", fields.CharField(null=True, max_length=32)),
            ],
            options={
                "table": "game_play",
                "app": "gamification",
                "unique_together": (("member", "idempotency_key"),),
                "indexes": [Index(fields=["game_id", "won", "id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PrizeClaim",
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
                ("name", fields.CharField(max_length=120)),
                ("code", fields.CharField(unique=True, max_length=32)),
                ("source", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "collected_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={"table": "prize_claim", "app": "gamification", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WinningMoment",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "game",
                    fields.ForeignKeyField(
                        "gamification.InstantWinGame",
                        source_field="game_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "prize",
                    fields.ForeignKeyField(
                        "gamification.GamePrize",
                        source_field="prize_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("play_id", fields.BigIntField(null=True, unique=True)),
                ("claimed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "winning_moment",
                "app": "gamification",
                "indexes": [Index(fields=["game_id", "play_id", "at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
