"""Reminders of points about to expire: POINTS_EXPIRING once per lot and threshold.

A program names its thresholds in days (`expiry_reminder_days`, 30 and 7 by default). The scan
finds lots with points left that lapse within the largest threshold; for each lot, the thresholds
it has newly crossed are written as ExpiryReminder rows and one event is emitted, for the
smallest of them (a lot earned 5 days before its end gets the 7-day reminder, not the 30-day
one too). The rows are unique per lot and threshold and written in the event's transaction, so
two scans at once, or a scan after a restart, send each reminder once.
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.exceptions import IntegrityError

from core.clock import clock
from gamification import events
from gamification.events.payloads import PointsExpiring
from gamification.points.models import ExpiryReminder, LedgerEntry
from gamification.programs.models import Program
from gamification.programs.settings import expiry_reminder_days


async def send_reminders(batch_size: int = 500) -> int:
    """Send every reminder due now. Returns how many were sent by this call."""
    now = clock.now()
    thresholds = {
        program.id: expiry_reminder_days(program)
        for program in await Program.all().only("id", "settings")
    }
    horizon = max((max(days) for days in thresholds.values() if days), default=0)
    if not horizon:
        return 0
    sent, after = 0, 0
    while True:
        lots = (
            await LedgerEntry.filter(
                id__gt=after,
                remaining__gt=0,
                expires_at__gt=now,
                expires_at__lte=now + timedelta(days=horizon),
            )
            .order_by("id")
            .limit(batch_size)
        )
        if not lots:
            return sent
        after = lots[-1].id
        done = set(
            await ExpiryReminder.filter(lot_id__in=[lot.id for lot in lots]).values_list(
                "lot_id", "days"
            )
        )
        for lot in lots:
            assert lot.expires_at is not None and lot.remaining is not None
            crossed = [
                days
                for days in thresholds.get(lot.program_id, ())
                if lot.expires_at - now <= timedelta(days=days) and (lot.id, days) not in done
            ]
            if crossed:
                sent += await _remind(lot, crossed)


async def _remind(lot: LedgerEntry, crossed: list[int]) -> int:
    assert lot.expires_at is not None
    try:
        async with events.atomic():
            await ExpiryReminder.bulk_create(
                [
                    ExpiryReminder(
                        program_id=lot.program_id, lot_id=lot.id, days=days, sent_at=clock.now()
                    )
                    for days in crossed
                ]
            )
            await events.emit(
                PointsExpiring(
                    points=int(lot.remaining or 0),
                    lot=lot.id,
                    expires_at=lot.expires_at,
                    days=min(crossed),
                ),
                program_id=lot.program_id,
                member_id=lot.member_id,
            )
    except IntegrityError:
        return 0  # another scan sent it first
    return 1
