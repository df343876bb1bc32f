"""The badges section of a member's personal data export."""

from __future__ import annotations

from typing import Any

from badges.models import Badge, BadgeAward
from gamification.accounts.models import Member
from gamification.privacy.personal_data import names_by_id, register_exporter


async def badges(member: Member) -> list[dict[str, Any]]:
    rows = (
        await BadgeAward.filter(member_id=member.id)
        .order_by("id")
        .values("badge_id", "level", "awarded_at")
    )
    names = await names_by_id(Badge, {row["badge_id"] for row in rows})
    return [{**row, "badge": names.get(row["badge_id"])} for row in rows]


def install() -> None:
    register_exporter("badges", badges)
