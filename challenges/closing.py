"""Closing ended challenges: results stored, status ENDED. Found by a cron scan; idempotent."""

from __future__ import annotations

from challenges import community
from challenges.definitions import from_units
from challenges.models import Challenge, ChallengeKind, ChallengeParticipant, ChallengeStatus
from challenges.progress import active, standings
from challenges.rewarding import reward_contributors
from core.clock import clock
from gamification.events import caches

RESULT_TOP = 10


async def close_challenge(challenge: Challenge) -> bool:
    """Close one ended challenge. Returns whether this call closed it (False if already closed)."""
    if challenge.kind == ChallengeKind.COLLECTIVE:
        await community.reach(challenge)  # a crossing that Redis missed
        await reward_contributors(challenge.id)  # any a crash left out
    await challenge.refresh_from_db()
    top = await standings(challenge.id, limit=RESULT_TOP)
    total = (await community.totals([challenge.id]))[challenge.id]
    results = {
        "participants": await ChallengeParticipant.filter(challenge_id=challenge.id).count(),
        "completed": await ChallengeParticipant.filter(
            challenge_id=challenge.id, completed_at__isnull=False
        ).count(),
        "community_total": str(from_units(challenge.metric, total)),
        "target": str(from_units(challenge.metric, challenge.target)),
        "reached": challenge.reached_at is not None,
        "top": [
            {
                "member_id": s.member_id,
                "progress": str(from_units(challenge.metric, s.progress)),
                "reached_at": s.reached_at.isoformat() if s.reached_at else None,
            }
            for s in top
        ],
    }
    # Conditional: a second run (or a second worker) changes nothing.
    closed = bool(
        await Challenge.filter(id=challenge.id, status=ChallengeStatus.ACTIVE).update(
            status=ChallengeStatus.ENDED, results=results, closed_at=clock.now()
        )
    )
    caches.changed(active, challenge.program_id)
    return closed


async def close_ended_challenges(batch_size: int = 100) -> int:
    """Close every active challenge whose window has ended. Returns how many it closed."""
    closed = 0
    ended = (
        await Challenge.filter(status=ChallengeStatus.ACTIVE, ends_at__lte=clock.now())
        .order_by("id")
        .limit(batch_size)
    )
    for challenge in ended:
        closed += await close_challenge(challenge)
    return closed
