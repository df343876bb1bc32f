"""Rewarding a challenge: its points and badge, once per participant (a conditional UPDATE on
`rewarded_at`); for a reached COLLECTIVE challenge, every contributor."""

from __future__ import annotations

import structlog

from badges import awarding
from badges.models import Badge
from challenges.models import Challenge, ChallengeKind, ChallengeParticipant
from core.bulk import column
from core.clock import clock
from core.errors import Refused
from gamification import events
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import Member
from gamification.events.payloads import ChallengeCompleted
from gamification.points import ledger
from gamification.points.models import LedgerKind
from gamification.programs.models import Program

log = structlog.get_logger("challenges.rewarding")


async def reward(challenge: Challenge, member_id: int) -> bool:
    """Give the reward once (conditional on `rewarded_at`). Inside `events.atomic()`."""
    now = clock.now()
    if not await ChallengeParticipant.filter(
        challenge_id=challenge.id, member_id=member_id, rewarded_at__isnull=True
    ).update(rewarded_at=now):
        return False
    await ChallengeParticipant.filter(
        challenge_id=challenge.id, member_id=member_id, completed_at__isnull=True
    ).update(completed_at=now)
    if challenge.reward_points:
        member = await Member.get(id=member_id)
        program = await Program.get(id=challenge.program_id)
        await ledger.credit(
            member,
            challenge.reward_points,
            LedgerKind.BONUS,
            expires_at=ledger.points_expiry(program, now),
            reason=f"Challenge: {challenge.name}"[:200],
            reference=f"challenge:{challenge.id}",
        )
    if challenge.reward_badge_id is not None:
        badge = await Badge.get(id=challenge.reward_badge_id)
        await awarding.grant(badge, member_id)
    await events.emit(
        ChallengeCompleted(
            challenge_id=challenge.id, name=challenge.name, points=challenge.reward_points
        ),
        program_id=challenge.program_id,
        member_id=member_id,
    )
    return True


async def reward_contributors(challenge_id: int) -> int:
    """Reward every contributor of a reached COLLECTIVE challenge not rewarded yet, one
    transaction each. Idempotent; returns how many it rewarded now."""
    challenge = await Challenge.get(id=challenge_id)
    if challenge.kind != ChallengeKind.COLLECTIVE or challenge.reached_at is None:
        return 0
    rewarded = 0
    pending = await column(
        ChallengeParticipant.filter(
            challenge_id=challenge.id, progress__gt=0, rewarded_at__isnull=True
        ),
        "member_id",
    )
    for member_id in pending:
        try:
            async with events.atomic():
                rewarded += await reward(challenge, member_id)
        except Refused as refusal:
            if refusal.code not in (
                AccountErrorCode.MEMBER_BLOCKED,
                AccountErrorCode.MEMBER_ANONYMISED,
            ):
                raise
            # A blocked or erased member earns nothing: the others are still paid, and a
            # blocked one is tried again by the closing scan.
            log.info("contributor not rewarded", member_id=member_id, code=refusal.code.value)
    return rewarded
