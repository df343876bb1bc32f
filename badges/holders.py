"""Who holds a badge: the read side other features ask (rewards, games, contests).

Kept apart from badges.awarding (the event-handling path) so that reading never touches it.
"""

from __future__ import annotations

from collections.abc import Iterable

from badges.models import Badge, BadgeAward
from core.bulk import column


async def has_badge(member_id: int, badge_id: int) -> bool:
    """Whether the member was awarded the badge (any level). One indexed query."""
    return await BadgeAward.exists(member_id=member_id, badge_id=badge_id)


async def held_badges(member_id: int, badge_ids: Iterable[int | None]) -> set[int]:
    """Which of these badges the member holds: one query for a whole catalog page."""
    ids = {b for b in badge_ids if b is not None}
    if not ids:
        return set()
    rows = await column(BadgeAward.filter(member_id=member_id, badge_id__in=ids), "badge_id")
    return set(rows)


async def badge_in_program(program_id: int, badge_id: int) -> bool:
    """Whether the badge exists in this program (archived ones count: awards stay held)."""
    return await Badge.exists(id=badge_id, program_id=program_id)
