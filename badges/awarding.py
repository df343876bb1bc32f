"""Evaluating badges from events, incrementally, and awarding them at most once per level.

For each event, one query finds the program's active badges that listen to its type; each one's
progress row (member, badge) is locked by an UPDATE, read, changed and written back, and every
level whose threshold the new value reaches and that was not yet awarded is awarded. The lock
serialises concurrent events of one member on one badge (PostgreSQL), SQLite serialises writers,
and the unique (member, badge, level) award is the last guard. This runs in the event handler's
own transaction, so it is applied once per event (see gamification.events).
"""

from __future__ import annotations

from datetime import datetime

from badges import criteria as kinds
from badges.models import Badge, BadgeAward, BadgeProgress
from core.clock import clock
from gamification import events, ledger
from gamification.events import EventType
from gamification.models import Event, LedgerKind, Member, Program


def is_active(badge: Badge, at: datetime) -> bool:
    return (
        badge.archived_at is None
        and (badge.starts_at is None or badge.starts_at <= at)
        and (badge.ends_at is None or at < badge.ends_at)
    )


async def on_event(event: Event) -> None:
    """Event handler: move the progress of every badge that listens to this event."""
    if event.member_id is None:
        return
    badges = await Badge.filter(
        program_id=event.program_id, listens_to=event.type, archived_at__isnull=True
    )
    for badge in badges:
        if not is_active(badge, event.occurred_at):
            continue
        change = kinds.change_for(badge.criteria, badge.params, event.data, event.occurred_at)
        if change is not None:
            await _progress(badge, event.member_id, change)


async def _locked_progress(badge: Badge, member_id: int) -> BadgeProgress:
    now = clock.now()
    # The UPDATE takes the row lock until commit; the first event of a member creates the row.
    if not await BadgeProgress.filter(member_id=member_id, badge_id=badge.id).update(
        updated_at=now
    ):
        await BadgeProgress.bulk_create(
            [BadgeProgress(member_id=member_id, badge_id=badge.id, updated_at=now)],
            ignore_conflicts=True,
        )
        await BadgeProgress.filter(member_id=member_id, badge_id=badge.id).update(updated_at=now)
    return await BadgeProgress.get(member_id=member_id, badge_id=badge.id)


async def _progress(badge: Badge, member_id: int, change: kinds.Change) -> None:
    progress = await _locked_progress(badge, member_id)
    value, period = kinds.apply(change, progress.value, progress.period)
    level = max(progress.level, kinds.level_for(badge.thresholds, value))
    if (value, period, level) == (progress.value, progress.period, progress.level):
        return
    await BadgeProgress.filter(id=progress.id).update(value=value, period=period, level=level)
    for new_level in range(progress.level + 1, level + 1):
        await _award(badge, member_id, new_level)


async def _award(badge: Badge, member_id: int, level: int) -> None:
    now = clock.now()
    await BadgeAward.create(
        program_id=badge.program_id,
        badge_id=badge.id,
        member_id=member_id,
        level=level,
        awarded_at=now,
    )
    if badge.points:
        member = await Member.get(id=member_id)
        program = await Program.get(id=badge.program_id)
        await ledger.credit(
            member,
            badge.points,
            LedgerKind.BONUS,
            expires_at=ledger.points_expiry(program, now),
            reason=f"Badge: {badge.name}"[:200],
            reference=f"badge:{badge.id}",
        )
    await events.emit(
        EventType.BADGE_AWARDED,
        program_id=badge.program_id,
        member_id=member_id,
        data={"badge_id": badge.id, "level": level, "name": badge.name, "points": badge.points},
    )


async def grant(badge: Badge, member_id: int) -> bool:
    """Award the badge's first level (a challenge's reward), once. Inside `events.atomic()`.
    Returns whether it was awarded now."""
    progress = await _locked_progress(badge, member_id)
    if progress.level >= 1:
        return False
    await BadgeProgress.filter(id=progress.id).update(level=1, value=max(progress.value, 1))
    await _award(badge, member_id, 1)
    return True


async def member_awards(member_id: int) -> list[tuple[BadgeAward, Badge]]:
    """A member's earned badge levels, newest first, with their badges (two queries)."""
    awards = await BadgeAward.filter(member_id=member_id).order_by("-awarded_at", "-id")
    badges = {b.id: b for b in await Badge.filter(id__in={a.badge_id for a in awards})}
    return [(award, badges[award.badge_id]) for award in awards]


async def visible_badges(
    program_id: int, member_id: int | None, include_hidden: bool = False
) -> list[tuple[Badge, BadgeProgress | None]]:
    """Badges a member can see (not archived; hidden ones only once earned), with their progress.
    Staff (no member) see hidden ones too when `include_hidden`."""
    badges = await Badge.filter(program_id=program_id, archived_at__isnull=True).order_by("id")
    progress: dict[int, BadgeProgress] = {}
    if member_id is not None:
        progress = {
            p.badge_id: p
            for p in await BadgeProgress.filter(
                member_id=member_id, badge_id__in=[b.id for b in badges]
            )
        }
    shown = [
        b
        for b in badges
        if not b.hidden or include_hidden or (b.id in progress and progress[b.id].level > 0)
    ]
    return [(b, progress.get(b.id)) for b in shown]


def install() -> None:
    for event_type in EventType:
        events.subscribe(event_type, on_event)
