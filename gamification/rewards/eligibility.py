"""Who may redeem a reward, play a game, enter a contest or bid in an auction: the one tier
gate, the one badge gate and the one audience gate (segments, ABC classes, tiers:
gamification/points/audiences.py).

Badges are a feature built on the core, so the core cannot ask them directly: it asks a
`BadgeHolders` that the badges package registers at start-up (bootstrap). Without one, no
badge exists and nobody holds one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from core.bulk import column
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from gamification.accounts.models import Member
from gamification.points import engine_snapshot
from gamification.points.audiences import EVERYONE, Audience, Standing, standing_of
from gamification.points.models import Tier
from gamification.rewards.error_codes import RewardErrorCode

MAX_RANK = 1000

Offer = TypeVar("Offer")


class BadgeHolders(Protocol):
    """What the core needs to know of badges."""

    async def has_badge(self, member_id: int, badge_id: int) -> bool: ...

    async def held_badges(self, member_id: int, badge_ids: Iterable[int | None]) -> set[int]: ...

    async def badge_in_program(self, program_id: int, badge_id: int) -> bool: ...


class NoBadges:
    """The gate's answers while no badges package is registered."""

    async def has_badge(self, member_id: int, badge_id: int) -> bool:
        return False

    async def held_badges(self, member_id: int, badge_ids: Iterable[int | None]) -> set[int]:
        return set()

    async def badge_in_program(self, program_id: int, badge_id: int) -> bool:
        return False


_badges: list[BadgeHolders] = [NoBadges()]


def register_badge_holders(holders: BadgeHolders) -> None:
    """Answer badge questions with `holders` from now on (the badges package, at start-up)."""
    _badges[0] = holders


# --- the tier gate ---


def check_rank_input(rank: int | None, field: str = "minTierRank") -> None:
    """A tier rank given by staff is between 0 and MAX_RANK."""
    if rank is not None and not 0 <= rank <= MAX_RANK:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, f"A rank is between 0 and {MAX_RANK}.", field
        )


def check_gate_input(min_tier_rank: int | None, required_badge_id: int | None) -> None:
    """The gate fields of a game or contest, as staff typed them."""
    check_rank_input(min_tier_rank)
    if required_badge_id is not None and required_badge_id <= 0:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "No such badge.", "requiredBadgeId")


async def member_tier_rank(member: Member) -> int | None:
    """The rank of the member's tier (None without one)."""
    if member.tier_id is None:
        return None
    # A live tier is in the earning engine's snapshot (a redemption and a catalog page read it
    # on every request); an archived one is read.
    live = await engine_snapshot.live_tier(member.program_id, member.tier_id)
    if live is not None:
        return live.rank
    ranks = await column(Tier.filter(id=member.tier_id), "rank")
    return ranks[0] if ranks else None


async def tier_rank_of(member_id: int) -> int | None:
    """The rank of a member's tier, by the member's id (None without a tier or a member)."""
    ranks = await column(Member.filter(id=member_id), "tier__rank")
    return ranks[0] if ranks else None


async def tier_ranks(tier_ids: Iterable[int | None]) -> dict[int, int]:
    """The rank of each of these tiers, in one query."""
    ids = {i for i in tier_ids if i is not None}
    if not ids:
        return {}
    return dict(await Tier.filter(id__in=ids).values_list("id", "rank"))


def meets_rank(member_rank: int | None, required_rank: int | None) -> bool:
    """Whether a member of `member_rank` passes a gate of `required_rank` (None: no gate). A
    member without a tier passes no gate, not even one of rank 0."""
    if required_rank is None:
        return True
    return member_rank is not None and member_rank >= required_rank


# --- the badge gate ---


async def member_has_badge(member_id: int, badge_id: int | None) -> bool:
    """Whether the member holds the badge (always, when none is required)."""
    if badge_id is None:
        return True
    return await _badges[0].has_badge(member_id, badge_id)


async def held_badges(member_id: int, badge_ids: Iterable[int | None]) -> set[int]:
    """Which of these badges the member holds (one query for a whole page)."""
    return await _badges[0].held_badges(member_id, badge_ids)


async def check_required_badge(program_id: int, badge_id: int | None) -> None:
    """A required badge (of a reward, game or contest) must be one of the program's badges:
    NOT_FOUND on `requiredBadgeId` otherwise, so nothing is created that nobody can reach."""
    if badge_id is None:
        return
    if badge_id <= 0 or not await _badges[0].badge_in_program(program_id, badge_id):
        raise NotFound(ErrorCode.NOT_FOUND, "No such badge in this program.", "requiredBadgeId")


# --- the audience gate ---


async def member_standing(member: Member, offers: Iterable[Any]) -> Standing:
    """The member's standing for these offers' audiences (the segment read only when one of
    them is limited by segment or class): one query at most for a whole page."""
    needs = any(Audience.of(offer).needs_segment for offer in offers)
    return await standing_of(member, with_segment=needs)


async def member_standing_now(member: Member) -> Standing:
    """The member's full standing (segment read), for a list filtered before it is read."""
    return await standing_of(member)


async def offered_to(member: Member, offers: list[Offer]) -> list[Offer]:
    """Those of `offers` whose audience admits the member (a member's list of games, contests
    or auctions), with one query at most."""
    standing = await member_standing(member, offers)
    return [offer for offer in offers if in_audience(offer, standing)]


def in_audience(offer: Any, standing: Standing) -> bool:
    """Whether the offer's audience admits a member of this standing."""
    return Audience.of(offer).admits(standing)


async def check_eligibility(
    member: Member,
    *,
    min_tier_rank: int | None,
    required_badge_id: int | None,
    audience: Audience = EVERYONE,
) -> None:
    """NOT_ELIGIBLE unless the member's tier is at least `min_tier_rank`, the member holds
    `required_badge_id` (when set) and the offer's `audience` admits them (their segment and
    class as last computed)."""
    if min_tier_rank is not None and not meets_rank(await member_tier_rank(member), min_tier_rank):
        raise Refused(RewardErrorCode.NOT_ELIGIBLE, "Your tier is not high enough for this.")
    if not await member_has_badge(member.id, required_badge_id):
        raise Refused(RewardErrorCode.NOT_ELIGIBLE, "This needs a badge you do not hold yet.")
    if not audience.is_everyone:
        standing = await standing_of(member, with_segment=audience.needs_segment)
        if not audience.admits(standing):
            raise Refused(RewardErrorCode.NOT_ELIGIBLE, "This offer is for other members.")
