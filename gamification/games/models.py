"""Instant-win games, contests and the prizes they give.

Model docstrings become SQL table comments, and Tortoise does not escape quotes in them on
SQLite: models keep their explanations in comments.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class PrizeKind(StrEnum):
    POINTS = "POINTS"  # `points` credited through the ledger (kind PRIZE)
    REWARD = "REWARD"  # a catalog reward (`reward_id`), granted as a redemption
    PRIZE = "PRIZE"  # a physical prize: a claim with a code the shop checks


class GameMode(StrEnum):
    MOMENTS = "MOMENTS"  # winning moments drawn at creation
    PROBABILITY = "PROBABILITY"  # fixed odds per play, capped by stock


# An instant-win game of a program. Limits and eligibility are optional (null: none).
# `required_badge_id` and the prizes' `reward_id` are plain ids, not foreign keys: badges are
# another app, which the core never depends on (rewards.eligibility asks them), and a prize's
# reward is checked by the services (prizes.check_reward_prizes, grant_prize).
class InstantWinGame(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=120)
    # Names and descriptions in other languages (gamification/programs/languages.py); rows made
    # before it have none.
    translations: dict = fields.JSONField(default=dict, db_default="{}")
    mode = fields.CharEnumField(GameMode, max_length=16, default=GameMode.MOMENTS)
    # Odds of a win per play in PROBABILITY mode, in parts per million.
    win_odds_ppm = fields.IntField(default=0)
    play_cost = fields.BigIntField(default=0)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    max_plays_per_day = fields.IntField(null=True)
    max_plays_total = fields.IntField(null=True)
    min_tier_rank = fields.IntField(null=True)
    required_badge_id = fields.BigIntField(null=True)
    # Its audience (gamification/points/audiences.py): the RFM segments, ABC classes and tier
    # ids it is limited to, each a comma-framed list (",AT_RISK,"), empty for no limit.
    target_segments = fields.CharField(max_length=255, default="", db_default="")
    target_classes = fields.CharField(max_length=8, default="", db_default="")
    target_tier_ids = fields.CharField(max_length=255, default="", db_default="")
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "instant_win_game"
        # Names are unique per program (core/unique_names.py), archived rows included.
        unique_together = (("program", "name"),)
        indexes = (("program_id", "ends_at"),)


# A prize line of a game: `quantity` units, of which `remaining` are not won yet.
class GamePrize(Model):
    id = fields.BigIntField(primary_key=True)
    game: fields.ForeignKeyRelation[InstantWinGame] = fields.ForeignKeyField(
        "gamification.InstantWinGame", related_name="prizes", on_delete=fields.CASCADE
    )
    game_id: int
    name = fields.CharField(max_length=120)
    kind = fields.CharEnumField(PrizeKind, max_length=16)
    points = fields.BigIntField(null=True)
    reward_id = fields.BigIntField(null=True)
    quantity = fields.IntField()
    remaining = fields.IntField()

    class Meta:
        table = "game_prize"


# One play. `(member, idempotency_key)` is unique: a retry finds the first play and its outcome.
class GamePlay(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    game: fields.ForeignKeyRelation[InstantWinGame] = fields.ForeignKeyField(
        "gamification.InstantWinGame", related_name=False, on_delete=fields.RESTRICT
    )
    game_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    idempotency_key = fields.CharField(max_length=128)
    played_at = fields.DatetimeField()
    cost = fields.BigIntField(default=0)
    won = fields.BooleanField(default=False)
    prize: fields.ForeignKeyNullableRelation[GamePrize] = fields.ForeignKeyField(
        "gamification.GamePrize", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    prize_id: int | None
    moment_id = fields.BigIntField(null=True)
    claim_code = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "game_play"
        unique_together = (("member", "idempotency_key"),)
        indexes = (("game_id", "won", "id"),)


# A winning moment: one per prize unit, drawn uniformly over the window at creation. The first
# play at or after it claims it (`play_id` set by a conditional update from null).
class WinningMoment(Model):
    id = fields.BigIntField(primary_key=True)
    game: fields.ForeignKeyRelation[InstantWinGame] = fields.ForeignKeyField(
        "gamification.InstantWinGame", related_name=False, on_delete=fields.CASCADE
    )
    game_id: int
    prize: fields.ForeignKeyRelation[GamePrize] = fields.ForeignKeyField(
        "gamification.GamePrize", related_name=False, on_delete=fields.CASCADE
    )
    prize_id: int
    at = fields.DatetimeField()
    play_id = fields.BigIntField(null=True, unique=True)
    claimed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "winning_moment"
        indexes = (("game_id", "play_id", "at"),)


# Plays of a member in a game per UTC day (`day` = YYYY-MM-DD) and in total (`day` = "total").
# Counted by a conditional UPDATE (`plays < limit`), so concurrent plays cannot pass a limit.
class GamePlayCounter(Model):
    id = fields.BigIntField(primary_key=True)
    game_id = fields.BigIntField()
    member_id = fields.BigIntField()
    day = fields.CharField(max_length=10)
    plays = fields.IntField(default=0)

    class Meta:
        table = "game_play_counter"
        unique_together = (("game_id", "member_id", "day"),)


# A physical prize won in a game or a draw: the member shows `code` to collect it. `source` says
# what won it ("play:12", "contest:3:slot:0") and is unique, so a prize is claimed once.
class PrizeClaim(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    name = fields.CharField(max_length=120)
    code = fields.CharField(max_length=32, unique=True)
    source = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    collected_at = fields.DatetimeField(null=True)

    class Meta:
        table = "prize_claim"


# A prize draw. `seed` stays secret until `drawn_at` is set; `seed_commitment` = SHA-256(seed)
# is public from creation. `frozen_at`, `entry_list_hash`, `entry_count` and `total_weight`
# record the entry list the draw used.
class Contest(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=120)
    # Names and descriptions in other languages (gamification/programs/languages.py); rows made
    # before it have none.
    translations: dict = fields.JSONField(default=dict, db_default="{}")
    opens_at = fields.DatetimeField()
    closes_at = fields.DatetimeField(db_index=True)
    entry_cost = fields.BigIntField(default=0)
    max_entries_per_member = fields.IntField(default=1)
    min_tier_rank = fields.IntField(null=True)
    required_badge_id = fields.BigIntField(null=True)
    # Its audience (gamification/points/audiences.py): the RFM segments, ABC classes and tier
    # ids it is limited to, each a comma-framed list (",AT_RISK,"), empty for no limit.
    target_segments = fields.CharField(max_length=255, default="", db_default="")
    target_classes = fields.CharField(max_length=8, default="", db_default="")
    target_tier_ids = fields.CharField(max_length=255, default="", db_default="")
    allow_multiple_wins = fields.BooleanField(default=False)
    seed = fields.CharField(max_length=64)
    seed_commitment = fields.CharField(max_length=64)
    frozen_at = fields.DatetimeField(null=True)
    entry_list_hash = fields.CharField(max_length=64, null=True)
    entry_count = fields.BigIntField(null=True)
    total_weight = fields.BigIntField(null=True)
    drawn_at = fields.DatetimeField(null=True)
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "contest"
        # Names are unique per program (core/unique_names.py), archived rows included.
        unique_together = (("program", "name"),)


# A prize line of a contest: `quantity` winners. Slots are numbered by (position, id, unit).
class ContestPrize(Model):
    id = fields.BigIntField(primary_key=True)
    contest: fields.ForeignKeyRelation[Contest] = fields.ForeignKeyField(
        "gamification.Contest", related_name="prizes", on_delete=fields.CASCADE
    )
    contest_id: int
    position = fields.IntField(default=0)
    name = fields.CharField(max_length=120)
    kind = fields.CharEnumField(PrizeKind, max_length=16)
    points = fields.BigIntField(null=True)
    reward_id = fields.BigIntField(null=True)
    quantity = fields.IntField()

    class Meta:
        table = "contest_prize"


# One enterContest call: `entries` tickets for the member. Its id orders the public entry list.
class ContestEntry(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    contest: fields.ForeignKeyRelation[Contest] = fields.ForeignKeyField(
        "gamification.Contest", related_name=False, on_delete=fields.RESTRICT
    )
    contest_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    entries = fields.IntField()
    idempotency_key = fields.CharField(max_length=128)
    created_at = fields.DatetimeField()

    class Meta:
        table = "contest_entry"
        unique_together = (("member", "idempotency_key"),)
        indexes = (("contest_id", "id"), ("contest_id", "member_id"))


# A member's total entries in a contest, raised by a conditional UPDATE (`entries <= cap - n`).
class ContestMemberEntries(Model):
    id = fields.BigIntField(primary_key=True)
    contest_id = fields.BigIntField()
    member_id = fields.BigIntField()
    entries = fields.IntField(default=0)

    class Meta:
        table = "contest_member_entries"
        unique_together = (("contest_id", "member_id"),)


# One awarded prize slot. Unique per (contest, slot): a draw run twice pays each slot once.
class ContestWinner(Model):
    id = fields.BigIntField(primary_key=True)
    contest: fields.ForeignKeyRelation[Contest] = fields.ForeignKeyField(
        "gamification.Contest", related_name=False, on_delete=fields.RESTRICT
    )
    contest_id: int
    slot = fields.IntField()
    prize: fields.ForeignKeyRelation[ContestPrize] = fields.ForeignKeyField(
        "gamification.ContestPrize", related_name=False, on_delete=fields.RESTRICT
    )
    prize_id: int
    entry_id = fields.BigIntField()
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    claim_code = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "contest_winner"
        unique_together = (("contest", "slot"),)


class AuctionStatus(StrEnum):
    OPEN = "OPEN"  # taking bids between starts_at and ends_at (also before start: not yet)
    SETTLED = "SETTLED"  # past its end and settled: winners paid, everyone else released


class AuctionPrizeKind(StrEnum):
    REWARD = "REWARD"  # a catalog reward, granted as a redemption
    PRIZE = "PRIZE"  # a physical prize, granted as a claim with a code


# Members bid points for `quantity` units of a prize: the `quantity` highest bids win, each
# paying its own bid. A bid in the last `extension_minutes` extends `ends_at` by as much.
class Auction(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=120)
    description = fields.CharField(max_length=1000, default="")
    # Names and descriptions in other languages (gamification/programs/languages.py); rows made
    # before it have none.
    translations: dict = fields.JSONField(default=dict, db_default="{}")
    prize_kind = fields.CharEnumField(AuctionPrizeKind, max_length=10)
    prize_name = fields.CharField(max_length=120)
    reward_id = fields.BigIntField(null=True)
    quantity = fields.IntField(default=1)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField(db_index=True)
    starting_bid = fields.BigIntField()
    min_increment = fields.BigIntField(default=1)
    reserve = fields.BigIntField(null=True)
    extension_minutes = fields.IntField(default=0)
    min_tier_rank = fields.IntField(null=True)
    required_badge_id = fields.BigIntField(null=True)
    # Its audience (gamification/points/audiences.py): the RFM segments, ABC classes and tier
    # ids it is limited to, each a comma-framed list (",AT_RISK,"), empty for no limit.
    target_segments = fields.CharField(max_length=255, default="", db_default="")
    target_classes = fields.CharField(max_length=8, default="", db_default="")
    target_tier_ids = fields.CharField(max_length=255, default="", db_default="")
    status = fields.CharEnumField(AuctionStatus, max_length=10, default=AuctionStatus.OPEN)
    bids_count = fields.IntField(default=0)
    archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    settled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auction"
        unique_together = (("program", "name"),)


class BidStatus(StrEnum):
    WINNING = "WINNING"  # among the `quantity` highest: its points are held
    OUTBID = "OUTBID"  # pushed out by higher bids: its points went back
    RAISED = "RAISED"  # replaced by the same member's higher bid
    WON = "WON"  # won at settlement: its points were spent
    LOST = "LOST"  # under the reserve at settlement: its points went back


# One placeBid: the member's whole bid (a raise is a new row with the new total).
class AuctionBid(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    auction: fields.ForeignKeyRelation[Auction] = fields.ForeignKeyField(
        "gamification.Auction", related_name=False, on_delete=fields.RESTRICT
    )
    auction_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.RESTRICT
    )
    member_id: int
    points = fields.BigIntField()
    status = fields.CharEnumField(BidStatus, max_length=10)
    idempotency_key = fields.CharField(max_length=128)
    placed_at = fields.DatetimeField()
    # What the member won with it, once settled: a redemption or claim code.
    claim_code = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "auction_bid"
        unique_together = (("member", "idempotency_key"),)
        indexes = (("auction_id", "status", "points"), ("auction_id", "id"))
