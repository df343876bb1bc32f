"""What a member can read of their points: balance, ledger, next expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from core.bulk import column
from core.clock import clock
from gamification.points.models import LedgerEntry


@dataclass(frozen=True)
class ExpiringPoints:
    points: int
    expires_at: datetime


def ledger_of(member_id: int) -> QuerySet[LedgerEntry]:
    return LedgerEntry.filter(member_id=member_id)


async def next_expiry(member_id: int) -> ExpiringPoints | None:
    """The points that lapse at the member's next expiry date, or None if nothing is due."""
    lot = (
        await LedgerEntry.filter(member_id=member_id, remaining__gt=0, expires_at__gt=clock.now())
        .order_by("expires_at")
        .first()
    )
    if lot is None or lot.expires_at is None:
        return None
    total = await column(
        LedgerEntry.filter(
            member_id=member_id, remaining__gt=0, expires_at=lot.expires_at
        ).annotate(total=Sum("remaining")),
        "total",
    )
    return ExpiringPoints(points=int(total[0] or 0), expires_at=lot.expires_at)
