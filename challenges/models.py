"""Challenge definitions and their participants' progress."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ChallengeMetric(StrEnum):
    PURCHASES = "PURCHASES"  # number of purchases
    SPEND = "SPEND"  # money spent (counted in cents)
    QUANTITY = "QUANTITY"  # units of a SKU or a category
    POINTS_EARNED = "POINTS_EARNED"
    REFERRALS = "REFERRALS"  # referrals qualified
    ACTIONS = "ACTIONS"  # actions of one type recorded (`action`, its code)


class ChallengeKind(StrEnum):
    INDIVIDUAL = "INDIVIDUAL"  # each member who reaches the target is rewarded
    COLLECTIVE = "COLLECTIVE"  # everyone who contributed is rewarded when the community does


class Enrolment(StrEnum):
    OPT_IN = "OPT_IN"  # members join with joinChallenge; only what follows counts
    AUTOMATIC = "AUTOMATIC"  # every eligible member takes part from the start


class ChallengeStatus(StrEnum):
    ACTIVE = "ACTIVE"  # scheduled or running, by its window
    ENDED = "ENDED"  # closed by the scan, results stored
    ARCHIVED = "ARCHIVED"  # withdrawn by staff


# A goal over a metric inside [starts_at, ends_at). `target` and progress are integers in the
# metric's unit (cents for SPEND); a community's total is its participants' progress summed.
# `reached_at` is when a COLLECTIVE challenge's community reached the target. `listens_to` is
# the event type that moves it.
class Challenge(Model):
    id = fields.BigIntField(primary_key=True)
    program: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Program", related_name=False, on_delete=fields.RESTRICT
    )
    program_id: int
    name = fields.CharField(max_length=80)
    description = fields.CharField(max_length=500, default="")
    # Names and descriptions in other languages (gamification/programs/languages.py); rows made
    # before it have none.
    translations: dict = fields.JSONField(default=dict, db_default="{}")
    metric = fields.CharEnumField(ChallengeMetric, max_length=16)
    sku = fields.CharField(max_length=64, null=True)
    category = fields.CharField(max_length=64, null=True)
    action = fields.CharField(max_length=40, null=True)
    listens_to = fields.CharField(max_length=40)
    target = fields.BigIntField()
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    kind = fields.CharEnumField(ChallengeKind, max_length=12)
    enrolment = fields.CharEnumField(Enrolment, max_length=12)
    min_tier_rank = fields.IntField(null=True)
    reward_points = fields.IntField(default=0)
    reward_badge: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "badges.Badge", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    reward_badge_id: int | None
    max_participants = fields.IntField(null=True)
    # Seats taken, kept for a capped challenge only (its cap is a conditional UPDATE of it).
    participants = fields.IntField(default=0)
    reached_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(ChallengeStatus, max_length=12, default=ChallengeStatus.ACTIVE)
    results: dict | None = fields.JSONField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "challenge"
        # Names are unique per program (core/unique_names.py), archived rows included.
        unique_together = (("program", "name"),)
        indexes = (("program_id", "listens_to", "status"), ("status", "ends_at"))


# A member taking part. `progress_at` is when the progress last grew (ties in a ranking go to
# whoever got there first); `completed_at` when an INDIVIDUAL target was reached; `rewarded_at`
# when the reward was given (once).
class ChallengeParticipant(Model):
    id = fields.BigIntField(primary_key=True)
    challenge: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "challenges.Challenge", related_name=False, on_delete=fields.CASCADE
    )
    challenge_id: int
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "gamification.Member", related_name=False, on_delete=fields.CASCADE
    )
    member_id: int
    joined_at = fields.DatetimeField()
    progress = fields.BigIntField(default=0)
    progress_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    rewarded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "challenge_participant"
        unique_together = (("challenge", "member"),)
        indexes = (("challenge_id", "progress"),)
