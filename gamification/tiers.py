"""Tiers: creating them, and moving a member between them (with a TIER_CHANGED event)."""

from __future__ import annotations

from decimal import Decimal

from tortoise.exceptions import IntegrityError

from core.clock import clock
from core.errors import ErrorCode, Refused, ValidationFailed
from gamification import events
from gamification.events import EventType
from gamification.models import Member, Tier


async def create_tier(
    program_id: int,
    name: str,
    rank: int,
    qualifying_threshold: int = 0,
    earning_multiplier: Decimal = Decimal(1),
    perks: str = "",
) -> Tier:
    name = name.strip()
    if not 1 <= len(name) <= 60:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A tier name has 1 to 60 characters.", "name"
        )
    if not 0 <= rank <= 1000:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "A rank is between 0 and 1000.", "rank")
    if qualifying_threshold < 0:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A threshold is not negative.", "qualifyingThreshold"
        )
    if not Decimal(0) < earning_multiplier <= Decimal(100):
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A multiplier is above 0 and at most 100.", "earningMultiplier"
        )
    try:
        return await Tier.create(
            program_id=program_id,
            name=name,
            rank=rank,
            qualifying_threshold=qualifying_threshold,
            earning_multiplier=earning_multiplier,
            perks=perks,
            created_at=clock.now(),
        )
    except IntegrityError:
        raise Refused(ErrorCode.INVALID_INPUT, "A tier of this rank exists.", "rank") from None


async def set_member_tier(member: Member, tier: Tier | None, reason: str) -> bool:
    """Move the member to `tier` (None: no tier). Runs inside `events.atomic()`. Returns whether
    anything changed; a change emits TIER_CHANGED with the old and new tier."""
    new_id = tier.id if tier else None
    if member.tier_id == new_id:
        return False
    old_id = member.tier_id
    await Member.filter(id=member.id).update(tier_id=new_id)
    member.tier_id = new_id
    await events.emit(
        EventType.TIER_CHANGED,
        program_id=member.program_id,
        member_id=member.id,
        data={"from": old_id, "to": new_id, "reason": reason, "rank": tier.rank if tier else None},
    )
    return True
