"""The challenges section of a member's personal data export."""

from __future__ import annotations

from typing import Any

from challenges.models import Challenge, ChallengeParticipant
from gamification.accounts.models import Member
from gamification.privacy.personal_data import names_by_id, register_exporter


async def challenges(member: Member) -> list[dict[str, Any]]:
    rows = (
        await ChallengeParticipant.filter(member_id=member.id)
        .order_by("id")
        .values(
            "challenge_id", "joined_at", "progress", "progress_at", "completed_at", "rewarded_at"
        )
    )
    names = await names_by_id(Challenge, {row["challenge_id"] for row in rows})
    return [{**row, "challenge": names.get(row["challenge_id"])} for row in rows]


def install() -> None:
    register_exporter("challenges", challenges)
