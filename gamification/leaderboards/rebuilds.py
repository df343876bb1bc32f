"""Rebuilding boards from the database, the source of truth: each board family has a source
that says what counts, and a rebuild swaps a board and its seen set together."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tortoise.functions import Count, Max, Sum
from tortoise.queryset import QuerySet

from core.bulk import column
from core.clock import clock
from core.errors import NotFound
from core.redis import RedisClient, script
from gamification.accounts.models import Member
from gamification.actions.models import ActionType, MemberAction
from gamification.leaderboards.boards import (
    ACTIONS,
    POINTS,
    REFERRALS,
    Period,
    Window,
    action_board,
    board_key,
    check_board,
    erased_key,
    keep_periods,
    periods_of,
    seen_key,
    window,
)
from gamification.leaderboards.error_codes import LeaderboardErrorCode
from gamification.leaderboards.scores import add_score, apply
from gamification.points import ledger
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.programs.models import Program
from gamification.referrals.models import Referral, ReferralStatus

# The `points` board is "points earned" net of corrections: the sum of the deltas of the ledger
# entries of these kinds. Earned points (ledger.EARNED_KINDS) add; on top of that rule, staff
# adjustments add or subtract with their sign and REFUND entries (points clawed back when a
# purchase or a referral is reversed) subtract, because a board ranks what a member's earnings
# stand at now and must equal the ledger after a correction. Badge and challenge progress only
# count up, and reports show adjustments and reversals on lines of their own, so they keep to
# EARNED_KINDS. Spending (REDEEM, CONTEST_ENTRY, GAME_PLAY), EXPIRE and REDEMPTION_REFUND do not
# count.
CORRECTION_KINDS = frozenset({LedgerKind.ADJUST, LedgerKind.REFUND})
POINTS_KINDS = ledger.EARNED_KINDS | CORRECTION_KINDS


# Events younger than this at a rebuild are re-applied after the swap (idempotently), so an
# event committed while the board was being rebuilt is not lost.
CATCH_UP = timedelta(minutes=10)


ZADD_BATCH = 10_000


@dataclass(frozen=True)
class Total:
    member_id: int
    value: int
    last_at: datetime


@dataclass(frozen=True)
class Change:
    id: str
    member_id: int
    delta: int
    at: datetime
    period_at: datetime


class BoardSource(Protocol):
    """Where a family of boards comes from in the database."""

    async def totals(
        self, program_id: int, board: str, win: Window, before: datetime
    ) -> list[Total]:
        """Per member: the value of the window's changes made before `before`, and the time of
        the last of them."""
        ...

    async def changes_since(
        self, program_id: int, board: str, win: Window, since: datetime
    ) -> list[Change]:
        """The individual changes of the window made at `since` or later."""
        ...

    async def boards(self, program_id: int) -> list[str]:
        """The boards of this family a full rebuild covers."""
        ...

    async def holds(self, program_id: int, board: str) -> bool:
        """Whether the program has this board (a challenge board is its own challenges')."""
        ...


def aware(value: datetime | str) -> datetime:
    # SQLite hands aggregates of datetimes back as text.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class PointsSource:
    async def totals(
        self, program_id: int, board: str, win: Window, before: datetime
    ) -> list[Total]:
        rows = (
            await _points_entries(program_id, win)
            .filter(created_at__lt=before)
            .annotate(total=Sum("delta"), last=Max("created_at"))
            .group_by("member_id")
            .values_list("member_id", "total", "last")
        )
        return [Total(m, int(total), aware(last)) for m, total, last in rows]

    async def changes_since(
        self, program_id: int, board: str, win: Window, since: datetime
    ) -> list[Change]:
        rows = await (
            _points_entries(program_id, win)
            .filter(created_at__gte=since)
            .values_list("id", "member_id", "delta", "created_at")
        )
        return [Change(f"e{i}", m, d, aware(at), aware(at)) for i, m, d, at in rows]

    async def boards(self, program_id: int) -> list[str]:
        return [POINTS]

    async def holds(self, program_id: int, board: str) -> bool:
        return True


def _points_entries(program_id: int, win: Window) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.filter(program_id=program_id, kind__in=[k.value for k in POINTS_KINDS])
    if win.start is not None:
        entries = entries.filter(created_at__gte=win.start, created_at__lt=win.end)
    return entries


class ReferralsSource:
    # Value: the referrals qualified in the window (by qualification time) that still stand.
    # A reversal takes its referral off the period it qualified in, at its own time.
    async def totals(
        self, program_id: int, board: str, win: Window, before: datetime
    ) -> list[Total]:
        totals: dict[int, list[Any]] = {}  # member -> [value, last change]
        for change in await self._changes(program_id, win, None):
            if change.at >= before:
                continue
            value_last = totals.setdefault(change.member_id, [0, change.at])
            value_last[0] += change.delta
            value_last[1] = max(value_last[1], change.at)
        return [Total(m, v, last) for m, (v, last) in totals.items()]

    async def changes_since(
        self, program_id: int, board: str, win: Window, since: datetime
    ) -> list[Change]:
        return await self._changes(program_id, win, since)

    async def _changes(self, program_id: int, win: Window, since: datetime | None) -> list[Change]:
        referrals = Referral.filter(
            program_id=program_id,
            status__in=[ReferralStatus.QUALIFIED.value, ReferralStatus.REVERSED.value],
        )
        if win.start is not None:
            referrals = referrals.filter(qualified_at__gte=win.start, qualified_at__lt=win.end)
        changes = []
        for rid, referrer, qualified_at, reversed_at in await referrals.values_list(
            "id", "referrer_id", "qualified_at", "reversed_at"
        ):
            qualified_at = aware(qualified_at)
            changes.append(Change(f"q{rid}", referrer, 1, qualified_at, qualified_at))
            if reversed_at is not None:
                changes.append(Change(f"r{rid}", referrer, -1, aware(reversed_at), qualified_at))
        return [c for c in changes if since is None or c.at >= since]

    async def boards(self, program_id: int) -> list[str]:
        return [REFERRALS]

    async def holds(self, program_id: int, board: str) -> bool:
        return True


class ActionsSource:
    """`action:<code>`: the member's actions of that type, each in the period of its
    `occurred_at` (what "most reviews this month" counts), at the time it was recorded (an
    integration may report an action days late: its change is made when it is recorded, which is
    when the live board hears of it, and what settles it for a rebuild)."""

    async def totals(
        self, program_id: int, board: str, win: Window, before: datetime
    ) -> list[Total]:
        rows = (
            await _actions(program_id, board, win)
            .filter(recorded_at__lt=before)
            .annotate(total=Count("id"), last=Max("recorded_at"))
            .group_by("member_id")
            .values_list("member_id", "total", "last")
        )
        return [Total(m, int(total), aware(last)) for m, total, last in rows]

    async def changes_since(
        self, program_id: int, board: str, win: Window, since: datetime
    ) -> list[Change]:
        rows = await (
            _actions(program_id, board, win)
            .filter(recorded_at__gte=since)
            .values_list("id", "member_id", "recorded_at", "occurred_at")
        )
        return [action_change(i, m, aware(at), aware(on)) for i, m, at, on in rows]

    async def boards(self, program_id: int) -> list[str]:
        codes = await column(ActionType.filter(program_id=program_id, archived=False), "code")
        return [action_board(code) for code in codes]

    async def holds(self, program_id: int, board: str) -> bool:
        # An archived type keeps its board readable (its actions still happened).
        return await ActionType.exists(program_id=program_id, code=board.split(":", 1)[1])


def action_change(
    action_id: int, member_id: int, recorded_at: datetime, occurred_at: datetime
) -> Change:
    """The change an action makes to its type's board (the live feed and the rebuild agree)."""
    return Change(f"a{action_id}", member_id, 1, recorded_at, occurred_at)


def _actions(program_id: int, board: str, win: Window) -> QuerySet[MemberAction]:
    actions = MemberAction.filter(program_id=program_id, action_type__code=board.split(":", 1)[1])
    if win.start is not None:
        actions = actions.filter(occurred_at__gte=win.start, occurred_at__lt=win.end)
    return actions


# Board families by the part of the name before ":"; the challenges feature registers its own.
_sources: dict[str, BoardSource] = {
    POINTS: PointsSource(),
    REFERRALS: ReferralsSource(),
    ACTIONS: ActionsSource(),
}


def register_source(
    family: str, source: BoardSource, periods: tuple[Period, ...] = tuple(Period)
) -> None:
    """Let a feature's boards (`challenge:<id>` -> family "challenge") be rebuilt. `periods`:
    the periods its boards keep; a family that keeps one answers every period with it."""
    _sources[family] = source
    keep_periods(family, periods)


def source_of(board: str) -> BoardSource:
    source = _sources.get(check_board(board).split(":", 1)[0])
    if source is None:
        raise NotFound(
            LeaderboardErrorCode.UNKNOWN_LEADERBOARD, f"No source can rebuild {board}.", "board"
        )
    return source


async def rebuild(
    redis: RedisClient, program_id: int, board: str, period: Period, at: datetime | None = None
) -> int:
    """Recompute one board from the database into new keys and RENAME them over the live ones,
    so readers see the old board or the new one, never a half-built one. Returns its size.

    The board is the aggregate of the changes older than CATCH_UP (settled: no transaction
    still writes them) plus the recent changes applied one by one, with their ids, into a new
    applied set that replaces the old one together with the board. Changes committed after
    that read are then applied through the usual idempotent path (catch-up), so none is lost
    or counted twice, even with handlers running meanwhile."""
    source = source_of(board)
    if period not in periods_of(board):
        return 0  # this board is not kept for that period
    started = clock.now()
    win = window(period, at or started, board)
    key = board_key(program_id, board, win)
    seen = seen_key(key)
    if win.expire_at is not None and win.expire_at <= started:
        return 0  # that period's board has expired: nothing to keep
    since = started - CATCH_UP
    settled = await source.totals(program_id, board, win, since)
    recent = await source.changes_since(program_id, board, win, since)
    # Anonymised members are off every board (see erasure.remove_member): a rebuild keeps them
    # off, and restores the set that keeps later changes off.
    erased = await _anonymised(program_id)
    if erased:
        # redis-py types this command for its sync and asyncio clients at once.
        await redis.sadd(erased_key(program_id), *[str(m) for m in erased])  # type: ignore[misc]
    settled = [t for t in settled if t.member_id not in erased]
    recent = [c for c in recent if c.member_id not in erased]
    suffix = f":rebuild:{uuid.uuid4().hex}"
    new_key, new_seen = key + suffix, seen + suffix
    for start in range(0, len(settled), ZADD_BATCH * 10):
        async with redis.pipeline(transaction=False) as pipe:
            for chunk in range(start, min(start + ZADD_BATCH * 10, len(settled)), ZADD_BATCH):
                pipe.zadd(
                    new_key,
                    {
                        str(t.member_id): win.score(t.value, t.last_at)
                        for t in settled[chunk : chunk + ZADD_BATCH]
                    },
                )
            await pipe.execute()
    for change in recent:
        await apply(
            redis,
            new_key,
            new_seen,
            win,
            change.member_id,
            change.delta,
            change.at,
            change.id,
            program_id,
        )
    expire_at = str(int(win.expire_at.timestamp())) if win.expire_at is not None else "0"
    await script(redis, _SWAP)(
        keys=[key, new_key, seen, new_seen],
        args=["1" if settled or recent else "0", "1" if recent else "0", expire_at],
    )
    # Catch up with what committed since the read (its handlers may have written to the old
    # board): applied once, thanks to the new applied set.
    for change in await source.changes_since(program_id, board, win, since):
        if change.member_id in erased:
            continue
        await add_score(
            redis,
            program_id,
            board,
            change.member_id,
            change.delta,
            change.at,
            change.id,
            change.period_at,
        )
    return int(await redis.zcard(key))


# The swap, atomic (one script rather than MULTI, which a Cluster client refuses; the new keys
# carry their board's hash tag, so all four share its slot). KEYS: board, new board, seen, new
# seen. ARGV: whether the new board was built, whether the new seen set was, the expiry (0 for
# none). What was not built is deleted: an empty board is no key.
_SWAP = """
for i, built in ipairs({ARGV[1], ARGV[2]}) do
  local live, new = KEYS[2 * i - 1], KEYS[2 * i]
  if built == '1' then
    redis.call('RENAME', new, live)
    if ARGV[3] ~= '0' then redis.call('EXPIREAT', live, ARGV[3]) end
  else
    redis.call('DEL', live)
  end
end
return 1
"""


async def rebuild_program(
    redis: RedisClient,
    program_id: int,
    boards: list[str] | None = None,
    periods: list[Period] | None = None,
    at: datetime | None = None,
) -> dict[str, int]:
    """Rebuild boards of a program (default: every board of every source) for the periods
    containing `at` (default now). Returns the size of each rebuilt board by key."""
    at = at or clock.now()
    if boards is None:
        boards = [b for source in _sources.values() for b in await source.boards(program_id)]
    sizes = {}
    for board in boards:
        for period in periods or list(Period):
            if period not in periods_of(board):
                continue
            size = await rebuild(redis, program_id, board, period, at)
            sizes[board_key(program_id, board, window(period, at, board))] = size
    return sizes


async def rebuild_all(redis: RedisClient, at: datetime | None = None) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for program_id in await column(Program.all(), "id"):
        sizes.update(await rebuild_program(redis, program_id, at=at))
    return sizes


async def _anonymised(program_id: int) -> set[int]:
    return set(
        await column(Member.filter(program_id=program_id, anonymised_at__isnull=False), "id")
    )
