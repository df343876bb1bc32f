"""Evaluating badges from events, incrementally, and awarding them at most once per level.

For the events of one commit, the program's badges come from a per-process cache; the progress
rows (member, badge) of every badge that listens to one of them are locked, read, changed in event
order and written back together, and every level whose threshold the new value reaches and that
was not yet awarded is awarded. The lock serialises concurrent events of one member on one badge
(PostgreSQL), SQLite serialises writers, and the unique (member, badge, level) award is the last
guard. This runs in the event handler's own transaction, so it is applied once per event (see
gamification.events).
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import datetime

from badges import criteria as kinds
from badges.models import Badge, BadgeAward, BadgeProgress
from core.bulk import read_locked, write_back
from core.clock import clock
from core.statements import Statement
from gamification import events
from gamification.accounts.models import Member
from gamification.events import EventType, caches
from gamification.events.models import Event
from gamification.events.payloads import BadgeAwarded
from gamification.points import ledger
from gamification.points.models import LedgerKind
from gamification.programs.models import Program


async def _definitions(program_id: int) -> tuple[tuple[Badge, ...], frozenset[str]]:
    badges = tuple(
        await Badge.filter(program_id=program_id, archived_at__isnull=True).order_by("id")
    )
    return badges, frozenset(b.listens_to for b in badges)


# The program's badges that are not archived, and the event types they listen to: read by every
# event, changed rarely (see gamification.events.caches for the staleness bound across
# processes).
definitions = caches.ProgramCache(_definitions)


async def wants(
    program_id: int, event_type: str, member_id: int | None, payload: events.Payload
) -> bool:
    return member_id is not None and event_type in (await definitions.get(program_id))[1]


def is_active(badge: Badge, at: datetime) -> bool:
    return (
        badge.archived_at is None
        and (badge.starts_at is None or badge.starts_at <= at)
        and (badge.ends_at is None or at < badge.ends_at)
    )


async def on_events(batch: list[Event]) -> None:
    """Batch event handler: move the progress of every badge that listens to these events (one
    commit's, in order), with one locked read and one write-back for all of them."""
    changes: list[tuple[int, Badge, kinds.Change]] = []
    for event in batch:
        if event.member_id is None:
            continue
        for badge in (await definitions.get(event.program_id))[0]:
            if badge.listens_to != event.type or not is_active(badge, event.occurred_at):
                continue
            change = kinds.change_for(badge.criteria, badge.params, event)
            if change is not None:
                changes.append((event.member_id, badge, change))
    if not changes:
        return
    rows = await _locked_progress({(member_id, badge.id) for member_id, badge, _ in changes})
    now = clock.now()
    updated: dict[int, BadgeProgress] = {}
    awards: list[tuple[Badge, int, int]] = []
    for member_id, badge, change in changes:
        progress = rows[member_id, badge.id]
        value, period = kinds.apply(change, progress.value, progress.period)
        level = max(progress.level, kinds.level_for(badge.thresholds, value))
        if (value, period, level) == (progress.value, progress.period, progress.level):
            continue
        awards += [(badge, member_id, n) for n in range(progress.level + 1, level + 1)]
        progress.value, progress.period, progress.level = value, period, level
        progress.updated_at = now
        updated[progress.id] = progress
    await write_back(
        BadgeProgress, list(updated.values()), ["value", "period", "level", "updated_at"]
    )
    for badge, member_id, level in awards:
        await _award(badge, member_id, level)


async def _locked_progress(keys: set[tuple[int, int]]) -> dict[tuple[int, int], BadgeProgress]:
    """The progress rows of these (member, badge) pairs, locked until commit in (member, badge)
    order, so two transactions never wait on each other in a cycle; missing rows are created
    first."""
    members = {member_id for member_id, _ in keys}
    badge_ids = {badge_id for _, badge_id in keys}

    async def query() -> dict[tuple[int, int], BadgeProgress]:
        found = await read_locked(
            BadgeProgress, ("member_id", "badge_id"), member_id=members, badge_id=badge_ids
        )
        return {(p.member_id, p.badge_id): p for p in found}

    rows = await query()
    missing = keys - rows.keys()
    if missing:
        now = clock.now()
        await BadgeProgress.bulk_create(
            [
                BadgeProgress(member_id=member_id, badge_id=badge_id, updated_at=now)
                for member_id, badge_id in sorted(missing)
            ],
            ignore_conflicts=True,
        )
        rows = await query()
    return rows


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
        BadgeAwarded(badge_id=badge.id, level=level, name=badge.name, points=badge.points),
        program_id=badge.program_id,
        member_id=member_id,
    )


async def grant(badge: Badge, member_id: int) -> bool:
    """Award the badge's first level (a challenge's reward), once. Inside `events.atomic()`.
    Returns whether it was awarded now."""
    progress = (await _locked_progress({(member_id, badge.id)}))[member_id, badge.id]
    if progress.level >= 1:
        return False
    await BadgeProgress.filter(id=progress.id).update(level=1, value=max(progress.value, 1))
    await _award(badge, member_id, 1)
    return True


async def member_awards(member_id: int) -> list[tuple[BadgeAward, Badge]]:
    """A member's earned badge levels, newest first, with their badges (one query)."""
    return (await awards_of_members([member_id]))[member_id]


@functools.cache
def _awards_of_one() -> Statement[BadgeAward]:
    """The usual case, one member (`me`, on every profile screen), as fixed text: Tortoise
    builds a select_related join anew in Python each time, for most of the CPU of a `me`. Built
    on first use: the foreign key columns are known once Tortoise is initialised."""
    award = BadgeAward._meta.fields_db_projection.values()
    badge = Badge._meta.fields_db_projection.values()
    columns = [f'a."{c}"' for c in award] + [f'b."{c}" AS "badge.{c}"' for c in badge]
    return Statement(
        BadgeAward,
        f'SELECT {", ".join(columns)} FROM "badge_award" a JOIN "badge" b ON b."id" = a."badge_id"'
        ' WHERE a."member_id" = $1 ORDER BY a."awarded_at" DESC, a."id" DESC',
    )


async def awards_of_members(
    member_ids: Collection[int],
) -> dict[int, list[tuple[BadgeAward, Badge]]]:
    """Each member's earned badge levels, newest first, with their badges: one query (a join)
    for any number of members."""
    found: dict[int, list[tuple[BadgeAward, Badge]]] = {m: [] for m in member_ids}
    if len(found) == 1:
        (member_id,) = found
        for row in await _awards_of_one().rows(member_id):
            badge = {k[6:]: row.pop(k) for k in list(row) if k.startswith("badge.")}
            found[member_id].append((BadgeAward._init_from_db(**row), Badge._init_from_db(**badge)))
        return found
    awards = (
        await BadgeAward.filter(member_id__in=list(member_ids))
        .select_related("badge")
        .order_by("-awarded_at", "-id")
    )
    for award in awards:
        found[award.member_id].append((award, award.badge))
    return found


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
        events.subscribe(event_type, on_events, wants, batch=True)
