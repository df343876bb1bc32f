"""Contests (prize draws): creation with a committed seed, entries, and the verifiable draw.

Entering, in one `events.atomic()`: the entry row (unique per member and idempotency key), the
member's running total raised by a conditional UPDATE (`entries <= cap - n`), then the cost
spent through the ledger. On PostgreSQL the entry also takes a share lock on the contest row
while it is not frozen, so the draw's freeze (an UPDATE of that row) waits for entries in flight
and every later entry is refused: the entry list the draw reads is final.

Drawing (idempotent, safe in several workers at once, resumable after a crash):
1. freeze: `frozen_at` set once; the entry list read in entry id order; its hash, count and
   total weight stored once (a rerun recomputes and must find the same hash);
2. the winners computed by `draws.draw_winners` from the seed: the same on every run;
3. each slot awarded in its own transaction: the ContestWinner row is unique per
   (contest, slot), so a slot already paid (by an earlier or concurrent run) is skipped;
4. `drawn_at` set: the seed is revealed.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.bulk import column
from core.clock import clock
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from core.unique_names import unique_name
from gamification import events
from gamification.accounts.members import display_names
from gamification.accounts.models import Member
from gamification.audit import Actor, AuditAction, trail
from gamification.events import live
from gamification.events.payloads import ContestEntered, PrizeWon
from gamification.games import draws, prizes
from gamification.games.error_codes import GameErrorCode
from gamification.games.models import (
    Contest,
    ContestEntry,
    ContestMemberEntries,
    ContestPrize,
    ContestWinner,
)
from gamification.points import audiences, ledger
from gamification.points.audiences import Audience
from gamification.points.models import LedgerKind
from gamification.programs import languages
from gamification.rewards.eligibility import (
    check_eligibility,
    check_gate_input,
    check_required_badge,
)

FETCH_BATCH = 100_000
MAX_ENTRIES_PER_MEMBER = 100_000


class ContestStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    DRAWN = "DRAWN"


def status_of(contest: Contest, now: datetime | None = None) -> ContestStatus:
    now = now or clock.now()
    if contest.drawn_at is not None:
        return ContestStatus.DRAWN
    if now < contest.opens_at:
        return ContestStatus.SCHEDULED
    if now < contest.closes_at and contest.frozen_at is None:
        return ContestStatus.OPEN
    return ContestStatus.CLOSED


def _check_cap(cap: int) -> None:
    if not 1 <= cap <= MAX_ENTRIES_PER_MEMBER:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT,
            f"A member may have 1 to {MAX_ENTRIES_PER_MEMBER} entries.",
            "maxEntriesPerMember",
        )


async def create_contest(
    actor: Actor,
    program_id: int,
    *,
    name: str,
    opens_at: datetime,
    closes_at: datetime,
    prizes_in: list[prizes.PrizeInput],
    entry_cost: int = 0,
    max_entries_per_member: int = 1,
    min_tier_rank: int | None = None,
    required_badge_id: int | None = None,
    target_segments: list[str] | None = None,
    target_classes: list[str] | None = None,
    target_tier_ids: list[int] | None = None,
    allow_multiple_wins: bool = False,
    translations: Iterable[Any] = (),
) -> Contest:
    name = prizes.check_name(name)
    translated = languages.clean_translations(translations)
    opens_at, closes_at = prizes.check_window(opens_at, closes_at, "opensAt", "closesAt")
    prizes.check_cost(entry_cost, "entryCost")
    _check_cap(max_entries_per_member)
    check_gate_input(min_tier_rank, required_badge_id)
    await check_required_badge(program_id, required_badge_id)
    audience = await audiences.input_columns(
        program_id, target_segments, target_classes, target_tier_ids
    )
    names = await prizes.check_prizes(program_id, prizes_in, "contest")
    seed = secrets.token_bytes(draws.SEED_BYTES)
    async with events.atomic(), unique_name(Contest, program_id, name, what="contest"):
        contest = await Contest.create(
            program_id=program_id,
            name=name,
            opens_at=opens_at,
            closes_at=closes_at,
            entry_cost=entry_cost,
            max_entries_per_member=max_entries_per_member,
            min_tier_rank=min_tier_rank,
            required_badge_id=required_badge_id,
            **audience,
            allow_multiple_wins=allow_multiple_wins,
            seed=seed.hex(),
            seed_commitment=draws.commitment(seed),
            translations=translated,
            created_at=clock.now(),
        )
        for position, (prize_in, prize_name) in enumerate(zip(prizes_in, names, strict=True)):
            await ContestPrize.create(
                contest_id=contest.id,
                position=position,
                name=prize_name,
                kind=prize_in.kind,
                points=prize_in.points,
                reward_id=prize_in.reward_id,
                quantity=prize_in.quantity,
            )
        await trail.record(
            actor,
            AuditAction.CONTEST_CREATED,
            program_id=program_id,
            target_id=contest.id,
            after={**trail.snapshot(contest), "prizes": prizes.described(prizes_in, names)},
        )
    return contest


async def contest_in_program(program_id: int, contest_id: int) -> Contest:
    contest = await Contest.get_or_none(id=contest_id, program_id=program_id)
    if contest is None:
        raise NotFound(ErrorCode.NOT_FOUND, "No such contest.", "contestId")
    return contest


async def update_contest(
    actor: Actor,
    program_id: int,
    contest_id: int,
    *,
    name: str | None = None,
    max_entries_per_member: int | None = None,
    translations: Iterable[Any] | None = None,
    target_segments: list[str] | None = None,
    target_classes: list[str] | None = None,
    target_tier_ids: list[int] | None = None,
) -> Contest:
    """Rename (in any language), raise the cap (lowering it would strand entries already made)
    or change the audience (an audience list left None stays, an empty one lifts that limit;
    entries already made stay)."""
    contest = await contest_in_program(program_id, contest_id)
    before = trail.snapshot(contest)
    await audiences.apply_input(
        contest, program_id, audiences.given(target_segments, target_classes, target_tier_ids)
    )
    if name is not None:
        contest.name = prizes.check_name(name)
    if translations is not None:
        contest.translations = languages.clean_translations(translations)
    if max_entries_per_member is not None:
        _check_cap(max_entries_per_member)
        if max_entries_per_member < contest.max_entries_per_member:
            raise ValidationFailed(
                ErrorCode.INVALID_INPUT, "A cap can only be raised.", "maxEntriesPerMember"
            )
        contest.max_entries_per_member = max_entries_per_member
    async with unique_name(Contest, program_id, contest.name, what="contest", own_id=contest.id):
        await contest.save(
            update_fields=["name", "max_entries_per_member", "translations", *audiences.COLUMNS]
        )
        await trail.changed(actor, AuditAction.CONTEST_UPDATED, contest, before)
    return contest


async def archive_contest(actor: Actor, program_id: int, contest_id: int) -> Contest:
    """Hide a contest from members. A contest with entries still gets drawn."""
    contest = await contest_in_program(program_id, contest_id)
    async with in_transaction():
        before = trail.snapshot(contest)
        contest.archived = True
        await contest.save(update_fields=["archived"])
        await trail.changed(actor, AuditAction.CONTEST_ARCHIVED, contest, before)
    return contest


async def contests_of(program_id: int) -> list[Contest]:
    return await Contest.filter(program_id=program_id, archived=False).order_by("closes_at", "id")


async def entries_of(contest_id: int, member_id: int) -> int:
    return (await entries_of_member([contest_id], member_id))[contest_id]


async def entries_of_member(contest_ids: Collection[int], member_id: int) -> dict[int, int]:
    """The entries the member holds in each contest: one query for any number of contests."""
    found = dict.fromkeys(contest_ids, 0)
    found.update(
        await ContestMemberEntries.filter(
            contest_id__in=list(contest_ids), member_id=member_id
        ).values_list("contest_id", "entries")
    )
    return found


@dataclass(frozen=True)
class EntryResult:
    entry: ContestEntry
    replayed: bool


async def enter(member: Member, contest_id: int, entries: int, idempotency_key: str) -> EntryResult:
    ledger.check_key(idempotency_key)
    if not 1 <= entries <= MAX_ENTRIES_PER_MEMBER:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "Entries are at least 1.", "entries")
    previous = await ContestEntry.get_or_none(member_id=member.id, idempotency_key=idempotency_key)
    if previous is not None:
        return _replay(previous, contest_id, entries)
    contest = await contest_in_program(member.program_id, contest_id)
    if status_of(contest) != ContestStatus.OPEN or contest.archived:
        raise Refused(
            GameErrorCode.CONTEST_CLOSED, "This contest is not open for entries.", "contestId"
        )
    await check_eligibility(
        member,
        min_tier_rank=contest.min_tier_rank,
        required_badge_id=contest.required_badge_id,
        audience=Audience.of(contest),
    )
    await ContestMemberEntries.bulk_create(
        [ContestMemberEntries(contest_id=contest.id, member_id=member.id)], ignore_conflicts=True
    )
    try:
        async with events.atomic():
            if not await _hold_open(contest.id):
                raise Refused(GameErrorCode.CONTEST_CLOSED, "This contest is closed.", "contestId")
            entry = await ContestEntry.create(
                program_id=member.program_id,
                contest_id=contest.id,
                member_id=member.id,
                entries=entries,
                idempotency_key=idempotency_key,
                created_at=clock.now(),
            )
            if not await ContestMemberEntries.filter(
                contest_id=contest.id,
                member_id=member.id,
                entries__lte=contest.max_entries_per_member - entries,
            ).update(entries=F("entries") + entries):
                raise Refused(
                    GameErrorCode.ENTRY_LIMIT_REACHED,
                    f"At most {contest.max_entries_per_member} entries per member.",
                    "entries",
                )
            if contest.entry_cost:
                await ledger.spend(
                    member,
                    contest.entry_cost * entries,
                    LedgerKind.CONTEST_ENTRY,
                    reason=f"Entered {contest.name}"[:200],
                    reference=f"contest_entry:{entry.id}",
                )
            await events.emit(
                ContestEntered(contest_id=contest.id, entries=entries),
                program_id=member.program_id,
                member_id=member.id,
            )
    except IntegrityError:
        previous = await ContestEntry.get_or_none(
            member_id=member.id, idempotency_key=idempotency_key
        )
        if previous is None:
            raise
        return _replay(previous, contest_id, entries)
    return EntryResult(entry, replayed=False)


def _replay(previous: ContestEntry, contest_id: int, entries: int) -> EntryResult:
    if previous.contest_id != contest_id or previous.entries != entries:
        raise Refused(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for another entry.",
            "idempotencyKey",
        )
    return EntryResult(previous, replayed=True)


async def _hold_open(contest_id: int) -> bool:
    """Inside the entry's transaction: the contest is not frozen, and (PostgreSQL) stays so until
    this transaction ends (a share lock the freeze's UPDATE waits for). SQLite runs one
    transaction at a time, so reading suffices there."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        _, rows = await connection.execute_query(
            "SELECT id FROM contest WHERE id = $1 AND frozen_at IS NULL FOR SHARE", [contest_id]
        )
        return bool(rows)
    return await Contest.filter(id=contest_id, frozen_at=None).exists()


# --- the draw ---


@dataclass(frozen=True)
class DrawOutcome:
    contest: Contest
    winners: list[draws.Winner]
    awarded_now: int


def check_drawable(contest: Contest) -> None:
    if contest.drawn_at is None and clock.now() < contest.closes_at:
        raise Refused(GameErrorCode.CONTEST_NOT_CLOSED, "This contest is still open.", "contestId")


async def due_contests() -> list[int]:
    """Contests past their closing time and not drawn yet (the cron scan)."""
    return await column(Contest.filter(closes_at__lte=clock.now(), drawn_at=None), "id")


async def is_drawn(contest_id: int) -> bool:
    return await Contest.exists(id=contest_id, drawn_at__isnull=False)


async def prize_slots(contest_id: int) -> list[tuple[int, int]]:
    """`[(prize_id, quantity)]` in draw order: by position, then id."""
    return (
        await ContestPrize.filter(contest_id=contest_id)
        .order_by("position", "id")
        .values_list("id", "quantity")
    )


async def load_entry_list(contest_id: int) -> draws.EntryList:
    """The contest's entries by ascending id, fetched in batches."""
    entries = draws.EntryList()
    last_id = 0
    while True:
        rows = (
            await ContestEntry.filter(contest_id=contest_id, id__gt=last_id)
            .order_by("id")
            .limit(FETCH_BATCH)
            .values_list("id", "member_id", "entries")
        )
        if not rows:
            return entries
        entries.add(rows)
        last_id = rows[-1][0]


async def freeze(contest: Contest) -> draws.EntryList:
    """Close the entry list for good and record its hash; returns it."""
    now = clock.now()
    await Contest.filter(id=contest.id, frozen_at=None).update(frozen_at=now)
    entries = await load_entry_list(contest.id)
    await Contest.filter(id=contest.id, entry_list_hash=None).update(
        entry_list_hash=entries.hash, entry_count=len(entries), total_weight=entries.total
    )
    await contest.refresh_from_db()
    if contest.entry_list_hash != entries.hash:
        raise RuntimeError(f"contest {contest.id}: the frozen entry list changed")
    return entries


async def compute_winners(contest: Contest, entries: draws.EntryList) -> list[draws.Winner]:
    return draws.draw_winners(
        bytes.fromhex(contest.seed),
        entries,
        await prize_slots(contest.id),
        contest.allow_multiple_wins,
    )


async def award(contest: Contest, winner: draws.Winner) -> bool:
    """Pay one slot, once: False when it was paid already (by this run or another)."""
    if await ContestWinner.exists(contest_id=contest.id, slot=winner.slot):
        return False
    prize = await ContestPrize.get(id=winner.prize_id)
    member = await Member.get(id=winner.member_id)
    try:
        async with events.atomic():
            row = await ContestWinner.create(
                contest_id=contest.id,
                slot=winner.slot,
                prize_id=prize.id,
                entry_id=winner.entry_id,
                member_id=member.id,
                created_at=clock.now(),
            )
            grant = await prizes.grant_prize(
                member,
                prizes.PrizeSpec(prize.name, prize.kind, prize.points, prize.reward_id),
                source=f"contest:{contest.id}:slot:{winner.slot}",
                reason=f"Won in {contest.name}"[:200],
            )
            if grant.claim_code:
                row.claim_code = grant.claim_code
                await row.save(update_fields=["claim_code"])
            await events.emit(
                PrizeWon(
                    prize_id=prize.id,
                    contest_id=contest.id,
                    slot=winner.slot,
                    kind=prize.kind.value,
                ),
                program_id=member.program_id,
                member_id=member.id,
            )
    except IntegrityError:
        return False  # a concurrent run paid this slot first
    return True


async def request_draw(actor: Actor, contest: Contest) -> None:
    """Staff ask for the draw (the worker runs it): refused unless the contest can be drawn."""
    check_drawable(contest)
    await trail.record(
        actor,
        AuditAction.CONTEST_DRAW_REQUESTED,
        program_id=contest.program_id,
        target_id=contest.id,
        after={"closes_at": contest.closes_at},
    )


async def draw(actor: Actor, contest_id: int) -> DrawOutcome | None:
    """Resolve the contest (see the module docstring). None when it does not exist."""
    contest = await Contest.get_or_none(id=contest_id)
    if contest is None:
        return None
    check_drawable(contest)
    entries = await freeze(contest)
    winners = await compute_winners(contest, entries)
    awarded = 0
    for winner in winners:
        awarded += await award(contest, winner)
    drawn = False
    async with in_transaction():
        drawn_at = clock.now()
        if await Contest.filter(id=contest.id, drawn_at=None).update(drawn_at=drawn_at):
            drawn = True
            await trail.record(
                actor,
                AuditAction.CONTEST_DRAWN,
                program_id=contest.program_id,
                target_id=contest.id,
                before={"drawn_at": None},
                after={
                    "drawn_at": drawn_at,
                    "winners": len(winners),
                    "entries": len(entries),
                    "entry_list_hash": entries.hash,
                },
            )
    if drawn:
        # Committed: subscribers of contestDrawn hear it once.
        await live.announce(
            contest.program_id, {"kind": live.CONTEST_DRAWN, "contestId": contest.id}
        )
    await contest.refresh_from_db()
    return DrawOutcome(contest, winners, awarded)


async def winners_of(contest_id: int) -> list[ContestWinner]:
    return await ContestWinner.filter(contest_id=contest_id).order_by("slot")


async def prizes_of(contest_id: int) -> list[ContestPrize]:
    """The contest's prizes in draw order: by position, then id."""
    return (await prizes_of_contests([contest_id]))[contest_id]


async def prizes_of_contests(contest_ids: Collection[int]) -> dict[int, list[ContestPrize]]:
    """Each contest's prizes in draw order: one query for any number of contests."""
    found: dict[int, list[ContestPrize]] = {c: [] for c in contest_ids}
    for prize in await ContestPrize.filter(contest_id__in=list(contest_ids)).order_by(
        "position", "id"
    ):
        found[prize.contest_id].append(prize)
    return found


async def published_winners(contest_id: int) -> list[tuple[ContestWinner, str]]:
    """The winners by slot, each with the display name other members see."""
    return (await published_winners_of([contest_id]))[contest_id]


async def published_winners_of(
    contest_ids: Collection[int],
) -> dict[int, list[tuple[ContestWinner, str]]]:
    """`published_winners` of each contest: two queries for any number of contests."""
    found: dict[int, list[tuple[ContestWinner, str]]] = {c: [] for c in contest_ids}
    rows = await ContestWinner.filter(contest_id__in=list(contest_ids)).order_by("slot")
    names = await display_names({row.member_id for row in rows}) if rows else {}
    for row in rows:
        found[row.contest_id].append((row, names.get(row.member_id, "")))
    return found


# A page of the published entry list at most: a draw of a million entry rows is read in pages,
# never as one answer that would hold the API for seconds.
ENTRY_LIST_PAGE = 10_000


async def entry_list_rows(
    contest_id: int, *, after: int | None = None, first: int | None = None
) -> list[tuple[int, int, int]]:
    """The published entry list of a drawn contest, `(entry_id, member_id, entries)` by id: the
    rows after entry `after`, at most `first` of them (all of them when `first` is None; the API
    always gives a page size)."""
    if first is not None and not 1 <= first <= ENTRY_LIST_PAGE:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, f"`first` is between 1 and {ENTRY_LIST_PAGE:,}.", "first"
        )
    rows = ContestEntry.filter(contest_id=contest_id)
    if after is not None:
        rows = rows.filter(id__gt=after)
    rows = rows.order_by("id")
    if first is not None:
        rows = rows.limit(first)
    return await rows.values_list("id", "member_id", "entries")
