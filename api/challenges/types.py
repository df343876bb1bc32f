"""GraphQL types of challenges."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from api.context import Info
from api.enums import graphql_enum
from api.errors import UserError
from api.languages import (
    TRANSLATIONS,
    TRANSLATIONS_READ,
    Translation,
    TranslationInput,
    text_of,
    translations_of_row,
)
from challenges import community, models
from challenges.definitions import from_units

ChallengeKind = graphql_enum(
    models.ChallengeKind,
    "ChallengeKind",
    "Who is rewarded.",
    {
        "INDIVIDUAL": "Each member who reaches the target on their own is rewarded.",
        "COLLECTIVE": "When the community's total reaches the target, every member who "
        "contributed is rewarded.",
    },
)
ChallengeMetric = graphql_enum(
    models.ChallengeMetric,
    "ChallengeMetric",
    "What a challenge counts inside its window; target and progress are in its unit.",
    {
        "PURCHASES": "Purchases recorded: a count.",
        "SPEND": "Money spent on purchases: an amount in the program's currency, 2 decimals.",
        "QUANTITY": "Units bought of one SKU or one category (`sku` or `category`): a count.",
        "POINTS_EARNED": "Points earned: a number of points.",
        "REFERRALS": "Referrals that qualified: a count.",
        "ACTIONS": "Actions of one type recorded (`action`, its code), as reviews or check-ins: "
        "a count.",
    },
)
ChallengeEnrolment = graphql_enum(
    models.Enrolment,
    "ChallengeEnrolment",
    "How members take part.",
    {
        "OPT_IN": "Members join with joinChallenge; only what follows their joining counts.",
        "AUTOMATIC": "Every eligible member takes part from the start, without joining.",
    },
)
ChallengeStatus = graphql_enum(
    models.ChallengeStatus,
    "ChallengeStatus",
    "Where a challenge is in its life.",
    {
        "ACTIVE": "Scheduled or running, by its window (startsAt, endsAt).",
        "ENDED": "Closed after its end: `results` are final.",
        "ARCHIVED": "Withdrawn by staff.",
    },
)


@strawberry.type(description="The calling member's part in a challenge.")
class ChallengeProgress:
    value: Decimal = strawberry.field(
        description="The member's progress, in the metric's unit (money as a decimal).",
    )
    completed: bool = strawberry.field(
        description="Whether the member reached the target (INDIVIDUAL) or the community did "
        "and the member contributed (COLLECTIVE).",
    )
    joined_at: datetime = strawberry.field(
        description="When the member started taking part (for AUTOMATIC, the challenge's start).",
    )
    completed_at: datetime | None = strawberry.field(
        description="When the member completed it; null until then.",
    )
    rewarded: bool = strawberry.field(description="Whether the reward (points, badge) was given.")


@strawberry.type(
    description="A goal over a metric inside a time window [startsAt, endsAt), rewarded with "
    "points and maybe a badge.",
)
class Challenge:
    model: strawberry.Private[models.Challenge]
    participant: strawberry.Private[models.ChallengeParticipant | None] = None
    tally: strawberry.Private[community.Tally | None] = None

    async def _tally(self) -> community.Tally:
        if self.tally is None:  # one challenge (a mutation's answer): one query
            self.tally = (await community.tallies([self.model.id]))[self.model.id]
        return self.tally

    @strawberry.field(description="The challenge's id (for joinChallenge).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="1 to 80 characters, in the caller's language.")
    async def name(self, info: Info) -> str:
        return await text_of(info, self.model, "name")

    @strawberry.field(description=TRANSLATIONS_READ)
    def translations(self) -> list[Translation]:
        return translations_of_row(self.model)

    @strawberry.field(description="At most 500 characters, in the caller's language.")
    async def description(self, info: Info) -> str:
        return await text_of(info, self.model, "description")

    @strawberry.field(description="Who is rewarded: INDIVIDUAL or COLLECTIVE.")
    def kind(self) -> ChallengeKind:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.kind

    @strawberry.field(description="What is counted.")
    def metric(self) -> ChallengeMetric:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.metric

    @strawberry.field(description="OPT_IN (join first) or AUTOMATIC.")
    def enrolment(self) -> ChallengeEnrolment:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.enrolment

    @strawberry.field(description="ACTIVE, ENDED or ARCHIVED.")
    def status(self) -> ChallengeStatus:  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        return self.model.status

    @strawberry.field(description="For the ACTIONS metric: the action type's code; else null.")
    def action(self) -> str | None:
        return self.model.action

    @strawberry.field(description="For the QUANTITY metric by SKU: the SKU counted; else null.")
    def sku(self) -> str | None:
        return self.model.sku

    @strawberry.field(
        description="For the QUANTITY metric by category: the category counted; else null.",
    )
    def category(self) -> str | None:
        return self.model.category

    @strawberry.field(description="When counting starts (ISO-8601, UTC).")
    def starts_at(self) -> datetime:
        return self.model.starts_at

    @strawberry.field(description="When counting stops (exclusive); the challenge is then closed.")
    def ends_at(self) -> datetime:
        return self.model.ends_at

    @strawberry.field(
        description="The goal, in the metric's unit (money as a decimal): per member for "
        "INDIVIDUAL, for the community's total for COLLECTIVE.",
    )
    def target(self) -> Decimal:
        return from_units(self.model.metric, self.model.target)

    @strawberry.field(description="The lowest tier rank that may take part; null: everyone.")
    def min_tier_rank(self) -> int | None:
        return self.model.min_tier_rank

    @strawberry.field(description="Points each rewarded member gets (0: none).")
    def reward_points(self) -> int:
        return self.model.reward_points

    @strawberry.field(description="A badge each rewarded member gets; null: none.")
    def reward_badge_id(self) -> strawberry.ID | None:
        badge_id = self.model.reward_badge_id
        return strawberry.ID(str(badge_id)) if badge_id is not None else None

    @strawberry.field(description="At most this many members may take part; null: no limit.")
    def max_participants(self) -> int | None:
        return self.model.max_participants

    @strawberry.field(description="How many members take part so far.")
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


@strawberry.input(
    description="A new challenge. Which fields a metric uses: QUANTITY needs sku or category "
    "(one of them); the other metrics ignore both.",
)
class CreateChallengeInput:
    name: str = strawberry.field(description="1 to 80 characters (INVALID_INPUT).")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    metric: ChallengeMetric = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="What is counted; it cannot change later.",
    )
    kind: ChallengeKind = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="INDIVIDUAL or COLLECTIVE; it cannot change later.",
    )
    target: Decimal = strawberry.field(
        description="Above 0, in the metric's unit: whole numbers, or money with up to 2 "
        "decimals for SPEND (INVALID_INPUT).",
    )
    starts_at: datetime = strawberry.field(
        description="When counting starts (ISO-8601 with a zone).",
    )
    ends_at: datetime = strawberry.field(
        description="When counting stops: after startsAt (INVALID_WINDOW).",
    )
    enrolment: ChallengeEnrolment = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        default=models.Enrolment.OPT_IN,
        description="OPT_IN (default) or AUTOMATIC; it cannot change later.",
    )
    description: str = strawberry.field(default="", description="At most 500 characters.")
    sku: str | None = strawberry.field(default=None, description="For QUANTITY: a SKU...")
    category: str | None = strawberry.field(default=None, description="...or a category.")
    action: str | None = strawberry.field(
        default=None, description="For ACTIONS: the action type counted (its code)."
    )
    min_tier_rank: int | None = strawberry.field(
        default=None,
        description="Optional: the lowest tier rank that may take part (0 to 1000).",
    )
    reward_points: int = strawberry.field(
        default=0,
        description="Points each rewarded member gets: 0 (default) or more.",
    )
    reward_badge_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Optional: a badge of the program to award (a MANUAL badge typically); "
        "NOT_FOUND when it is not the program's.",
    )
    max_participants: int | None = strawberry.field(
        default=None,
        description="Optional: at most this many members (1 or more); then CHALLENGE_FULL.",
    )


@strawberry.input(
    description="Changes to an ACTIVE challenge; fields left out or null stay as they are. "
    "Progress already counted stays; a lowered target rewards at the next counted event.",
)
class UpdateChallengeInput:
    challenge_id: strawberry.ID = strawberry.field(description="The challenge to change.")
    name: str | None = strawberry.field(default=None, description="1 to 80 characters.")
    translations: list[TranslationInput] | None = strawberry.field(
        default=None, description=TRANSLATIONS
    )
    description: str | None = strawberry.field(default=None, description="At most 500 characters.")
    target: Decimal | None = strawberry.field(
        default=None,
        description="Above 0, in the metric's unit.",
    )
    starts_at: datetime | None = strawberry.field(
        default=None,
        description="A new start (ISO-8601 with a zone).",
    )
    ends_at: datetime | None = strawberry.field(
        default=None,
        description="A new end, after the start.",
    )
    min_tier_rank: int | None = strawberry.field(
        default=None,
        description="The lowest tier rank that may take part (0 to 1000).",
    )
    reward_points: int | None = strawberry.field(
        default=None,
        description="Points each rewarded member gets.",
    )
    reward_badge_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A badge to award.",
    )
    max_participants: int | None = strawberry.field(
        default=None,
        description="At most this many members.",
    )


@strawberry.input(description="The challenge to join.")
class JoinChallengeInput:
    challenge_id: strawberry.ID = strawberry.field(description="The challenge's id.")


@strawberry.input(description="The challenge to archive.")
class ArchiveChallengeInput:
    challenge_id: strawberry.ID = strawberry.field(description="The challenge's id.")


@strawberry.type(description="The challenge a mutation made, changed or joined, or why not.")
class ChallengePayload:
    challenge: Challenge | None = strawberry.field(
        default=None,
        description="The challenge (with `myProgress` after joinChallenge); null when refused.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )


@strawberry.type(description="The new challenge, or why not.")
class CreateChallengePayload(ChallengePayload):
    pass


@strawberry.type(description="The changed challenge, or why not.")
class UpdateChallengePayload(ChallengePayload):
    pass


@strawberry.type(description="The archived challenge, or why not.")
class ArchiveChallengePayload(ChallengePayload):
    pass


@strawberry.type(description="The challenge joined, or why not.")
class JoinChallengePayload(ChallengePayload):
    pass
