"""Challenge definitions: staff create, update and archive them; validated here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from badges.definitions import badge_in_program
from badges.error_codes import BadgeErrorCode
from challenges import community, progress
from challenges.error_codes import ChallengeErrorCode
from challenges.models import (
    Challenge,
    ChallengeKind,
    ChallengeMetric,
    ChallengeParticipant,
    ChallengeStatus,
    Enrolment,
)
from core.clock import clock, in_utc
from core.errors import (
    DomainError,
    ErrorCode,
    NotFound,
    Refused,
    ValidationErrors,
    ValidationFailed,
)
from core.unique_names import unique_name
from gamification.audit import Actor, AuditAction, trail
from gamification.events import EventType, caches
from gamification.points.ledger import MAX_POINTS
from gamification.programs import languages
from gamification.rewards.eligibility import check_rank_input

MONEY_SCALE = 100
MAX_TARGET = 10**12
MAX_LISTED = 200

LISTENS_TO = {
    ChallengeMetric.PURCHASES: EventType.PURCHASE_RECORDED,
    ChallengeMetric.SPEND: EventType.PURCHASE_RECORDED,
    ChallengeMetric.QUANTITY: EventType.PURCHASE_RECORDED,
    ChallengeMetric.POINTS_EARNED: EventType.POINTS_EARNED,
    ChallengeMetric.REFERRALS: EventType.REFERRAL_QUALIFIED,
    ChallengeMetric.ACTIONS: EventType.ACTION_RECORDED,
}


def scale(metric: ChallengeMetric) -> int:
    return MONEY_SCALE if metric == ChallengeMetric.SPEND else 1


def to_units(metric: ChallengeMetric, value: Decimal) -> int | None:
    scaled = value * scale(metric)
    if scaled != scaled.to_integral_value() or not 0 < scaled <= MAX_TARGET:
        return None
    return int(scaled)


def from_units(metric: ChallengeMetric, units: int) -> Decimal:
    if metric == ChallengeMetric.SPEND:
        return (Decimal(units) / MONEY_SCALE).quantize(Decimal("0.01"))
    return Decimal(units)


@dataclass
class ChallengeFields:
    """What staff can set; None means "leave as is" on update."""

    name: str | None = None
    description: str | None = None
    target: Decimal | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_tier_rank: int | None = None
    reward_points: int | None = None
    reward_badge_id: int | None = None
    max_participants: int | None = None
    # Names and descriptions in other languages: Translations or objects alike (languages.py).
    translations: list[Any] | None = None


async def _apply(challenge: Challenge, fields: ChallengeFields) -> None:
    errors: list[DomainError] = []

    def fail(code: ErrorCode, message: str, field: str) -> None:
        errors.append(ValidationFailed(code, message, field))

    if fields.name is not None:
        challenge.name = " ".join(fields.name.split())
        if not 1 <= len(challenge.name) <= 80:
            fail(ErrorCode.INVALID_INPUT, "A name has 1 to 80 characters.", "name")
    if fields.description is not None:
        challenge.description = fields.description.strip()
        if len(challenge.description) > 500:
            fail(ErrorCode.INVALID_INPUT, "A description is at most 500.", "description")
    if fields.translations is not None:
        try:
            challenge.translations = languages.clean_translations(fields.translations)
        except ValidationErrors as error:
            errors.extend(error.errors)
    if fields.target is not None:
        units = to_units(challenge.metric, fields.target)
        if units is None:
            fail(ErrorCode.INVALID_INPUT, "A target is positive (whole unless money).", "target")
        else:
            challenge.target = units
    refused_time = False
    for name, field in (("starts_at", "startsAt"), ("ends_at", "endsAt")):
        moment = getattr(fields, name)
        if moment is not None:
            try:
                setattr(challenge, name, in_utc(moment, field))
            except DomainError as error:
                errors.append(error)
                refused_time = True
    # A challenge being created has no times until its fields give them (the model types them
    # as always set).
    if refused_time:
        pass  # no window to check
    elif challenge.starts_at is None or challenge.ends_at is None:
        fail(ErrorCode.INVALID_WINDOW, "A challenge has a start and an end.", "startsAt")  # type: ignore[unreachable]
    elif challenge.starts_at >= challenge.ends_at:
        fail(ErrorCode.INVALID_WINDOW, "A challenge ends after it starts.", "endsAt")
    if fields.min_tier_rank is not None:
        try:
            check_rank_input(fields.min_tier_rank)
        except DomainError as error:
            errors.append(error)
        challenge.min_tier_rank = fields.min_tier_rank
    if fields.reward_points is not None:
        if not 0 <= fields.reward_points <= MAX_POINTS:
            fail(ErrorCode.INVALID_INPUT, "Reward points are not negative.", "rewardPoints")
        challenge.reward_points = fields.reward_points
    if fields.reward_badge_id is not None:
        try:
            badge = await badge_in_program(
                challenge.program_id, fields.reward_badge_id, "rewardBadgeId"
            )
            challenge.reward_badge_id = badge.id
        except DomainError as error:
            errors.append(error)
    if fields.max_participants is not None:
        if not 1 <= fields.max_participants <= 10_000_000:
            fail(ErrorCode.INVALID_INPUT, "At least one participant.", "maxParticipants")
        challenge.max_participants = fields.max_participants
    if errors:
        raise ValidationErrors(errors)


async def create_challenge(
    actor: Actor,
    program_id: int,
    metric: ChallengeMetric,
    kind: ChallengeKind,
    enrolment: Enrolment,
    fields: ChallengeFields,
    *,
    sku: str | None = None,
    category: str | None = None,
    action: str | None = None,
) -> Challenge:
    sku, category = (sku or "").strip() or None, (category or "").strip() or None
    action = (action or "").strip().lower() or None
    if metric == ChallengeMetric.ACTIONS and (action is None or len(action) > 40):
        raise ValidationFailed(
            BadgeErrorCode.INVALID_CRITERIA, "Name the action type counted (its code).", "action"
        )
    if metric != ChallengeMetric.ACTIONS:
        action = None
    if metric == ChallengeMetric.QUANTITY and (
        bool(sku) == bool(category) or len(sku or category or "") > 64
    ):
        raise ValidationFailed(
            BadgeErrorCode.INVALID_CRITERIA, "Give either a SKU or a category.", "sku"
        )
    if metric != ChallengeMetric.QUANTITY:
        sku = category = None
    challenge = Challenge(
        program_id=program_id,
        metric=metric,
        kind=kind,
        enrolment=enrolment,
        sku=sku,
        category=category,
        action=action,
        listens_to=LISTENS_TO[metric].value,
        name="",
        created_at=clock.now(),
    )
    if fields.name is None:
        fields.name = ""
    if fields.target is None:
        fields.target = Decimal(0)
    await _apply(challenge, fields)
    async with unique_name(Challenge, program_id, challenge.name, what="challenge"):
        await challenge.save()
        await trail.created(actor, AuditAction.CHALLENGE_CREATED, challenge)
    caches.changed(progress.active, program_id)
    return challenge


async def challenge_in_program(program_id: int, challenge_id: int) -> Challenge:
    challenge = await Challenge.get_or_none(id=challenge_id, program_id=program_id)
    if challenge is None:
        raise NotFound(ErrorCode.NOT_FOUND, "No such challenge.", "challengeId")
    return challenge


async def update_challenge(
    actor: Actor, program_id: int, challenge_id: int, fields: ChallengeFields
) -> Challenge:
    """Change an active challenge. Progress already counted stays; a lowered target rewards at the
    next counted event, and the closing scan settles collective ones."""
    challenge = await challenge_in_program(program_id, challenge_id)
    if challenge.status != ChallengeStatus.ACTIVE:
        raise Refused(
            ChallengeErrorCode.CHALLENGE_NOT_OPEN, "This challenge is over.", "challengeId"
        )
    before = trail.snapshot(challenge)
    await _apply(challenge, fields)
    async with unique_name(
        Challenge, program_id, challenge.name, what="challenge", own_id=challenge.id
    ):
        await challenge.save()
        await trail.changed(actor, AuditAction.CHALLENGE_UPDATED, challenge, before)
    caches.changed(progress.active, program_id)
    return challenge


async def archive_challenge(actor: Actor, program_id: int, challenge_id: int) -> Challenge:
    challenge = await challenge_in_program(program_id, challenge_id)
    if challenge.status == ChallengeStatus.ARCHIVED:
        raise Refused(ErrorCode.ALREADY_ARCHIVED, "This challenge is archived.", "challengeId")
    async with in_transaction():
        before = trail.snapshot(challenge)
        await Challenge.filter(id=challenge.id).update(status=ChallengeStatus.ARCHIVED)
        challenge.status = ChallengeStatus.ARCHIVED
        await trail.changed(actor, AuditAction.CHALLENGE_ARCHIVED, challenge, before)
    caches.changed(progress.active, program_id)
    return challenge


async def program_challenges(
    program_id: int, member_id: int | None
) -> list[tuple[Challenge, ChallengeParticipant | None, community.Tally]]:
    """Challenges not archived, newest start first, with the member's participation and the
    community's total and size (3 queries however many challenges)."""

    rows = (
        await Challenge.filter(program_id=program_id)
        .exclude(status=ChallengeStatus.ARCHIVED)
        .order_by("-starts_at", "-id")
        .limit(MAX_LISTED)
    )
    mine: dict[int, ChallengeParticipant] = {}
    if member_id is not None and rows:
        mine = {
            p.challenge_id: p
            for p in await ChallengeParticipant.filter(
                member_id=member_id, challenge_id__in=[c.id for c in rows]
            )
        }
    tallies = await community.tallies(c.id for c in rows)
    return [(c, mine.get(c.id), tallies[c.id]) for c in rows]
