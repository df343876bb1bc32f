"""Who may play a game or enter a contest: a minimum tier rank and a required badge."""

from __future__ import annotations

from core.errors import ErrorCode, NotFound, Refused
from gamification.accounts.models import Member
from gamification.points.models import Tier


async def has_badge(member: Member, badge_id: int) -> bool:
    """Whether the member holds the badge (asked of the badges package)."""
    from badges import holders  # badges builds on gamification: imported late, no cycle

    return await holders.has_badge(member.id, badge_id)


async def check_required_badge(program_id: int, badge_id: int | None) -> None:
    """A required badge (of a reward, game or contest) must be one of the program's badges:
    NOT_FOUND on `requiredBadgeId` otherwise, so nothing is created that nobody can reach."""
    if badge_id is None:
        return
    from badges import holders

    if badge_id <= 0 or not await holders.badge_in_program(program_id, badge_id):
        raise NotFound(ErrorCode.NOT_FOUND, "No such badge in this program.", "requiredBadgeId")


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
