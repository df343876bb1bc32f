"""Finding members for staff: filters that become one SQL query, paginated by the caller."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from gamification.models import Member


@dataclass(frozen=True)
class MemberFilter:
    text: str | None = None  # part of the email or display name
    tier_id: int | None = None
    blocked: bool | None = None


def search_members(program_id: int, criteria: MemberFilter) -> QuerySet[Member]:
    query = Member.filter(program_id=program_id)
    if criteria.text and criteria.text.strip():
        text = criteria.text.strip()
        query = query.filter(Q(email__icontains=text) | Q(display_name__icontains=text))
    if criteria.tier_id is not None:
        query = query.filter(tier_id=criteria.tier_id)
    if criteria.blocked is not None:
        query = query.filter(blocked_at__isnull=not criteria.blocked)
    return query
