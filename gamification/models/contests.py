"""Contests (prize draws): the contest, its prizes, entries, per-member counts and winners."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from gamification.models.games import PrizeKind


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
    opens_at = fields.DatetimeField()
    closes_at = fields.DatetimeField(db_index=True)
    entry_cost = fields.BigIntField(default=0)
    max_entries_per_member = fields.IntField(default=1)
    min_tier_rank = fields.IntField(null=True)
    required_badge_id = fields.BigIntField(null=True)
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
