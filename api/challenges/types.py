"""GraphQL types of challenges."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from api.errors import UserError
from challenges import community, models
from challenges.definitions import from_units

ChallengeKind = strawberry.enum(models.ChallengeKind, name="ChallengeKind")
ChallengeMetric = strawberry.enum(models.ChallengeMetric, name="ChallengeMetric")
ChallengeEnrolment = strawberry.enum(models.Enrolment, name="ChallengeEnrolment")
ChallengeStatus = strawberry.enum(models.ChallengeStatus, name="ChallengeStatus")


@strawberry.type
class ChallengeProgress:
    value: Decimal
    completed: bool
    joined_at: datetime
    completed_at: datetime | None
    rewarded: bool


@strawberry.type
class Challenge:
    model: strawberry.Private[models.Challenge]
    participant: strawberry.Private[models.ChallengeParticipant | None] = None
    tally: strawberry.Private[community.Tally | None] = None

    async def _tally(self) -> community.Tally:
        if self.tally is None:  # one challenge (a mutation's answer): one query
            self.tally = (await community.tallies([self.model.id]))[self.model.id]
        return self.tally

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def name(self) -> str:
        return self.model.name

    @strawberry.field
    def description(self) -> str:
        return self.model.description

    @strawberry.field
    def kind(self) -> ChallengeKind:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.kind

    @strawberry.field
    def metric(self) -> ChallengeMetric:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.metric

    @strawberry.field
    def enrolment(self) -> ChallengeEnrolment:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.enrolment

    @strawberry.field
    def status(self) -> ChallengeStatus:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.status

    @strawberry.field
    def sku(self) -> str | None:
        return self.model.sku

    @strawberry.field
    def category(self) -> str | None:
        return self.model.category

    @strawberry.field
    def starts_at(self) -> datetime:
        return self.model.starts_at

    @strawberry.field
    def ends_at(self) -> datetime:
        return self.model.ends_at

    @strawberry.field
    def target(self) -> Decimal:
        return from_units(self.model.metric, self.model.target)

    @strawberry.field
    def min_tier_rank(self) -> int | None:
        return self.model.min_tier_rank

    @strawberry.field
    def reward_points(self) -> int:
        return self.model.reward_points

    @strawberry.field
    def reward_badge_id(self) -> strawberry.ID | None:
        badge_id = self.model.reward_badge_id
        return strawberry.ID(str(badge_id)) if badge_id is not None else None

    @strawberry.field
    def max_participants(self) -> int | None:
        return self.model.max_participants

    @strawberry.field
    async def participants(self) -> int:
        return (await self._tally()).participants

    @strawberry.field(description="The community's total so far (live).")
    async def community_progress(self) -> Decimal:
        return from_units(self.model.metric, (await self._tally()).total)

    @strawberry.field(description="When a COLLECTIVE challenge's community reached the target.")
    def reached_at(self) -> datetime | None:
        return self.model.reached_at

    @strawberry.field(description="Final results, once the challenge has ENDED.")
    def results(self) -> JSON | None:
        return self.model.results

    @strawberry.field(description="The calling member's progress; null until they take part.")
    def my_progress(self) -> ChallengeProgress | None:
        p = self.participant
        if p is None:
            return None
        completed = p.completed_at is not None or p.rewarded_at is not None
        return ChallengeProgress(
            value=from_units(self.model.metric, p.progress),
            completed=completed,
            joined_at=p.joined_at,
            completed_at=p.completed_at,
            rewarded=p.rewarded_at is not None,
        )

    @classmethod
    def from_model(
        cls,
        challenge: models.Challenge,
        participant: models.ChallengeParticipant | None = None,
        tally: community.Tally | None = None,
    ) -> Challenge:
        return cls(model=challenge, participant=participant, tally=tally)


@strawberry.input
class CreateChallengeInput:
    name: str
    metric: ChallengeMetric  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    kind: ChallengeKind  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    target: Decimal
    starts_at: datetime
    ends_at: datetime
    enrolment: ChallengeEnrolment = models.Enrolment.OPT_IN  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    description: str = ""
    sku: str | None = strawberry.field(default=None, description="For QUANTITY: a SKU...")
    category: str | None = strawberry.field(default=None, description="...or a category.")
    min_tier_rank: int | None = None
    reward_points: int = 0
    reward_badge_id: strawberry.ID | None = None
    max_participants: int | None = None


@strawberry.input
class UpdateChallengeInput:
    challenge_id: strawberry.ID
    name: str | None = None
    description: str | None = None
    target: Decimal | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_tier_rank: int | None = None
    reward_points: int | None = None
    reward_badge_id: strawberry.ID | None = None
    max_participants: int | None = None


@strawberry.input
class JoinChallengeInput:
    challenge_id: strawberry.ID


@strawberry.input
class ArchiveChallengeInput:
    challenge_id: strawberry.ID


@strawberry.type
class ChallengePayload:
    challenge: Challenge | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateChallengePayload(ChallengePayload):
    pass


@strawberry.type
class UpdateChallengePayload(ChallengePayload):
    pass


@strawberry.type
class ArchiveChallengePayload(ChallengePayload):
    pass


@strawberry.type
class JoinChallengePayload(ChallengePayload):
    pass
