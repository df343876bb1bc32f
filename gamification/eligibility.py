"""Who may play a game or enter a contest: a minimum tier rank and a required badge."""

from __future__ import annotations

from core.errors import ErrorCode, Refused
from gamification.models import Member, Tier


async def has_badge(member: Member, badge_id: int) -> bool:
    """Whether the member holds the badge.

    MERGE HOOK (badges): badges live on another branch. Until the lead wires this to the badges
    package, no member holds any badge, so a game or contest requiring one admits nobody
    (failing closed rather than open).
    """
    return False


async def check_eligibility(
    member: Member, *, min_tier_rank: int | None, required_badge_id: int | None
) -> None:
    """NOT_ELIGIBLE unless the member's tier (Tier.rank of `member.tier_id`) is at least
    `min_tier_rank` and the member holds `required_badge_id` (when set)."""
    if min_tier_rank is not None:
        rank = None
        if member.tier_id is not None:
            ranks = await Tier.filter(id=member.tier_id).values_list("rank", flat=True)
            rank = ranks[0] if ranks else None
        if rank is None or rank < min_tier_rank:
            raise Refused(ErrorCode.NOT_ELIGIBLE, "Your tier is not high enough for this.")
    if required_badge_id is not None and not await has_badge(member, required_badge_id):
        raise Refused(ErrorCode.NOT_ELIGIBLE, "This needs a badge you do not hold yet.")
