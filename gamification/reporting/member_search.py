"""Finding members for staff: filters that become one SQL query, paginated by the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from gamification.accounts.models import Member, MemberSegment


@dataclass(frozen=True)
class MemberFilter:
    text: str | None = None  # part of the email or display name
    tier_id: int | None = None
    blocked: bool | None = None
    segment: str | None = None  # as of the last segmentation run
    abc_class: str | None = None


def search_members(program_id: int, criteria: MemberFilter) -> QuerySet[Member]:
    query = Member.filter(program_id=program_id)
    if criteria.text and criteria.text.strip():
        text = criteria.text.strip()
        query = query.filter(Q(email__icontains=text) | Q(display_name__icontains=text))
    if criteria.tier_id is not None:
        query = query.filter(tier_id=criteria.tier_id)
    if criteria.blocked is not None:
        query = query.filter(blocked_at__isnull=not criteria.blocked)
    if criteria.segment is not None or criteria.abc_class is not None:
        segmented = MemberSegment.filter(program_id=program_id)
        if criteria.segment is not None:
            segmented = segmented.filter(segment=criteria.segment)
        if criteria.abc_class is not None:
            segmented = segmented.filter(abc_class=criteria.abc_class)
        query = query.filter(id__in=Subquery(segmented.values("member_id")))
    return query


async def iter_members(
    program_id: int, criteria: MemberFilter, batch_size: int = 2_000
) -> AsyncIterator[list[Member]]:
    """The matching members in batches, by ascending id (keyset pagination: constant memory and
    constant cost per batch, however many members there are)."""
    last_id = 0
    while True:
        batch = (
            await search_members(program_id, criteria)
            .filter(id__gt=last_id)
            .order_by("id")
            .limit(batch_size)
        )
        if not batch:
            return
        yield batch
        last_id = batch[-1].id
