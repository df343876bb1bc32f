"""Leaderboards: Redis sorted sets per program, board and period, fed by domain events, and
rebuilt from the database (the source of truth) on demand. See docs/leaderboards.md.

Keys (every key of a program carries the hash tag `{p<id>}`, so it runs on Redis Cluster):
- `lb:{p7}:points:all`, `lb:{p7}:points:m2026-11`, `lb:{p7}:points:w2026-W47`: the boards;
- `<board key>:seen`: the ids of the changes applied to that board (a sorted set scored by the
  change's time, pruned after SEEN_WINDOW), so a change applied twice counts once. It belongs to
  its board: a rebuild swaps both together.
MONTH and WEEK (ISO week) boards expire KEY_MARGIN after their period ends.

Scores: `value * 2**bits + tie`, where `tie = 2**bits - 1 - tick` and `tick` counts the time units
from the period's origin to the member's last change. A higher value ranks first; at equal values
the earlier last change (the higher tie) ranks first. Every score is an integer below 2**53, so
the double Redis keeps is exact: values stay below 2**(53 - bits) (see PERIOD_SPECS).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import structlog
from redis.asyncio import Redis
from tortoise.functions import Max, Sum

from core.clock import clock
from core.errors import ErrorCode, NotFound, ValidationFailed
from core.redis import ScriptCall
from gamification import events
from gamification.accounts.models import Member
from gamification.events import EventType
from gamification.events.models import Event
from gamification.points import ledger
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.programs.models import Program
from gamification.referrals.models import Referral, ReferralStatus

log = structlog.get_logger("gamification.leaderboards")

REFERRALS = "referrals"
POINTS = "points"
BOARD_PATTERN = re.compile(r"^(referrals|points|challenge:[0-9]{1,18})$")

# The `points` board is "points earned": the sum of the deltas of the ledger entries of these
# kinds. Earnings, bonuses and prizes add; staff adjustments add or subtract with their sign;
# REFUND entries (points clawed back when a purchase or a referral is reversed) subtract.
# Spending (REDEEM, CONTEST_ENTRY, GAME_PLAY), EXPIRE and REDEMPTION_REFUND do not count.
POINTS_KINDS = frozenset(
    {LedgerKind.EARN, LedgerKind.BONUS, LedgerKind.PRIZE, LedgerKind.ADJUST, LedgerKind.REFUND}
)

KEY_MARGIN = timedelta(days=7)
SEEN_WINDOW = timedelta(days=2)
# Events younger than this at a rebuild are re-applied after the swap (idempotently), so an
# event committed while the board was being rebuilt is not lost.
CATCH_UP = timedelta(minutes=10)
ZADD_BATCH = 10_000
MAX_FIRST = 100
MAX_AROUND = 50


class Period(StrEnum):
    ALL_TIME = "ALL_TIME"
    MONTH = "MONTH"
    WEEK = "WEEK"


@dataclass(frozen=True)
class PeriodSpec:
    unit_seconds: int
    bits: int


# WEEK: seconds in 20 bits (604,800 < 2**20), values up to 2**33.
# MONTH: seconds in 22 bits (2,678,400 < 2**22), values up to 2**31.
# ALL_TIME: minutes since 2020-01-01 in 26 bits (until 2147), values up to 2**27 (134,217,727).
PERIOD_SPECS = {
    Period.WEEK: PeriodSpec(1, 20),
    Period.MONTH: PeriodSpec(1, 22),
    Period.ALL_TIME: PeriodSpec(60, 26),
}
ALL_TIME_ORIGIN = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Window:
    period: Period
    tag: str
    start: datetime | None
    end: datetime | None

    @property
    def origin(self) -> datetime:
        return self.start or ALL_TIME_ORIGIN

    @property
    def spec(self) -> PeriodSpec:
        return PERIOD_SPECS[self.period]

    @property
    def expire_at(self) -> datetime | None:
        return self.end + KEY_MARGIN if self.end else None

    def tie(self, at: datetime) -> int:
        """The tie-break part of a score: higher for an earlier last change (clamped)."""
        delta = at - self.origin
        tick = (delta.days * 86_400 + delta.seconds) // self.spec.unit_seconds
        top = (1 << self.spec.bits) - 1
        return top - min(max(tick, 0), top)

    def score(self, value: int, at: datetime) -> int:
        return (value << self.spec.bits) + self.tie(at)

    def value(self, score: float) -> int:
        return int(score) >> self.spec.bits


def window(period: Period, at: datetime) -> Window:
    """The period's window containing `at`."""
    return _window_of_day(period, at.astimezone(UTC).date())


@functools.lru_cache(maxsize=4096)
def _window_of_day(period: Period, on: date) -> Window:
    """Memoised by day, not by instant: every change of a day (every purchase) shares it."""
    if period == Period.ALL_TIME:
        return Window(period, "all", None, None)
    if period == Period.MONTH:
        start = datetime(on.year, on.month, 1, tzinfo=UTC)
        end = (start + timedelta(days=32)).replace(day=1)
        return Window(period, f"m{start:%Y-%m}", start, end)
    day = on - timedelta(days=on.weekday())  # ISO weeks start on Monday
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    year, week, _ = day.isocalendar()
    return Window(period, f"w{year}-W{week:02d}", start, start + timedelta(days=7))


def check_board(board: str) -> str:
    if not BOARD_PATTERN.match(board):
        raise ValidationFailed(
            ErrorCode.UNKNOWN_LEADERBOARD,
            "Boards are referrals, points or challenge:<id>.",
            "board",
        )
    return board


def board_key(program_id: int, board: str, win: Window) -> str:
    return f"lb:{{p{program_id}}}:{board}:{win.tag}"


def seen_key(key: str) -> str:
    return f"{key}:seen"


def erased_key(program_id: int) -> str:
    """The program's anonymised members: no board change applies to them (same hash tag)."""
    return f"lb:{{p{program_id}}}:erased"


@dataclass(frozen=True)
class ScoreChange:
    """One change of a member's score on one board: `change_id` (unique per board, such as
    "e<ledger entry id>") makes it idempotent; it is filed under every period containing
    `period_at` (default `at`), with `at` as the time of the change."""

    board: str
    member_id: int
    delta: int
    at: datetime
    change_id: str
    period_at: datetime | None = None


async def add_score(
    redis: Redis,
    program_id: int,
    board: str,
    member_id: int,
    delta: int,
    at: datetime,
    event_id: str,
    period_at: datetime | None = None,
) -> int:
    """Move a member's score on `board` by `delta` (see ScoreChange). Returns how many period
    boards it changed."""
    change = ScoreChange(board, member_id, delta, at, event_id, period_at)
    return await add_scores(redis, program_id, [change])


async def add_scores(redis: Redis, program_id: int, changes: Iterable[ScoreChange]) -> int:
    """Apply several changes of one program's boards, every period of each, in one EVALSHA (one
    round trip; the keys share the program's hash slot). Returns how many period boards changed."""
    call = scores_call(program_id, changes)
    if call is None:
        return 0
    return int(await redis.register_script(call.script)(keys=call.keys, args=call.args))


def scores_call(program_id: int, changes: Iterable[ScoreChange]) -> ScriptCall | None:
    """The script call that applies these changes (see add_scores), for a caller that sends it
    along with others (core.redis.run_scripts); None when no board is still kept for them."""
    now = clock.now()
    keys = [erased_key(program_id)]
    args = [str(int((now - SEEN_WINDOW).timestamp()))]
    for change in changes:
        check_board(change.board)
        periods: list[str] = []
        for period in periods_of(change.board):
            win = window(period, change.period_at or change.at)
            expire_at = win.expire_at
            if expire_at is not None and expire_at <= now:
                continue  # that board is gone; a late event does not resurrect it
            key = board_key(program_id, change.board, win)
            keys += [key, seen_key(key)]
            periods += [
                str(win.tie(change.at)),
                str(1 << win.spec.bits),
                str(int(expire_at.timestamp())) if expire_at else "0",
            ]
        if periods:
            args += [
                str(change.member_id),
                str(change.delta),
                change.change_id,
                str(int(change.at.timestamp())),
                str(len(periods) // 3),
                *periods,
            ]
    return ScriptCall(_APPLY_MANY, keys, args) if len(keys) > 1 else None


# Several changes at once. KEYS: the erased set, then a (board, seen) pair per period of each
# change. ARGV: prune time, then per change (member, delta, change id, change time, number of
# pairs) followed by (tie, 2**bits, expiry) per pair. A change of an erased member is skipped,
# atomically with the removal (see remove_member).
_APPLY_MANY = """
local applied = 0
local k, a = 2, 2
while a <= #ARGV do
  local member, delta, change, at = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2], ARGV[a + 3]
  local periods = tonumber(ARGV[a + 4])
  local erased = redis.call('SISMEMBER', KEYS[1], member) == 1
  a = a + 5
  for _ = 1, periods do
    local board, seen = KEYS[k], KEYS[k + 1]
    if not erased and redis.call('ZADD', seen, 'NX', at, change) == 1 then
      redis.call('ZREMRANGEBYSCORE', seen, '-inf', '(' .. ARGV[1])
      local m = tonumber(ARGV[a + 1])
      local value = delta
      local tie = tonumber(ARGV[a])
      local current = redis.call('ZSCORE', board, member)
      if current then
        current = tonumber(current)
        local old = math.floor(current / m)
        local old_tie = current - old * m
        value = value + old
        if old_tie < tie then tie = old_tie end
      end
      redis.call('ZADD', board, string.format('%.0f', value * m + tie), member)
      if tonumber(ARGV[a + 2]) > 0 then
        redis.call('EXPIREAT', board, ARGV[a + 2])
        redis.call('EXPIREAT', seen, ARGV[a + 2])
      end
      applied = applied + 1
    end
    k, a = k + 2, a + 3
  end
end
return applied
"""


async def _apply(
    redis: Redis,
    key: str,
    seen: str,
    win: Window,
    member_id: int,
    delta: int,
    at: datetime,
    change_id: str,
    program_id: int,
) -> int:
    """One change into explicit keys (a rebuild's new board), by the same script as add_scores."""
    expire_at = win.expire_at
    apply = redis.register_script(_APPLY_MANY)
    return int(
        await apply(
            keys=[erased_key(program_id), key, seen],
            args=[
                str(int((clock.now() - SEEN_WINDOW).timestamp())),
                str(member_id),
                str(delta),
                change_id,
                str(int(at.timestamp())),
                "1",
                str(win.tie(at)),
                str(1 << win.spec.bits),
                str(int(expire_at.timestamp())) if expire_at else "0",
            ],
        )
    )


# --- reading ---


@dataclass(frozen=True)
class Standing:
    rank: int
    member_id: int
    score: int


@dataclass(frozen=True)
class BoardView:
    entries: list[Standing]
    me: Standing | None
    around: list[Standing]


async def read_board(
    redis: Redis,
    program_id: int,
    board: str,
    period: Period,
    *,
    first: int = 10,
    around: int = 0,
    member_id: int | None = None,
) -> BoardView:
    """The top `first`, the member's standing, and `around` members either side of them."""
    check_board(board)
    if not 0 <= first <= MAX_FIRST:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, f"first is 0 to {MAX_FIRST}.", "first")
    if not 0 <= around <= MAX_AROUND:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, f"around is 0 to {MAX_AROUND}.", "around")
    kept = periods_of(board)
    win = window(period if period in kept else kept[0], clock.now())
    key = board_key(program_id, board, win)
    # One EVALSHA (one round trip, one consistent snapshot) for the top, the rank and the
    # neighbours, instead of a pipeline and then a second read that depends on the rank.
    read = redis.register_script(_READ)
    top_rows, rank, score, near_rows, low = await read(
        keys=[key], args=[first, "" if member_id is None else str(member_id), around]
    )
    top = _standings(win, _pairs(top_rows), 0)
    me: Standing | None = None
    near: list[Standing] = []
    if member_id is not None and rank is not None and score is not None:
        me = Standing(int(rank) + 1, member_id, win.value(float(score)))
        near = _standings(win, _pairs(near_rows), int(low))
    return BoardView(top, me, near)


# KEYS: board. ARGV: first, member ('' for none), around. Returns {top, rank, score, near, low}
# (rank and score nil when the member is not on the board; lists are member, score, ...).
_READ = """
local first = tonumber(ARGV[1])
local top = {}
if first > 0 then top = redis.call('ZREVRANGE', KEYS[1], 0, first - 1, 'WITHSCORES') end
local rank, score, near, low = false, false, {}, 0
if ARGV[2] ~= '' then
  rank = redis.call('ZREVRANK', KEYS[1], ARGV[2])
  if rank then
    score = redis.call('ZSCORE', KEYS[1], ARGV[2])
    local around = tonumber(ARGV[3])
    if around > 0 then
      low = math.max(0, rank - around)
      near = redis.call('ZREVRANGE', KEYS[1], low, rank + around, 'WITHSCORES')
    end
  end
end
return {top, rank, score, near, low}
"""


def _pairs(flat: list[Any]) -> list[tuple[Any, float]]:
    return [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]


def _standings(win: Window, rows: Iterable[tuple[str, float]], offset: int) -> list[Standing]:
    return [
        Standing(offset + i + 1, int(member), win.value(score))
        for i, (member, score) in enumerate(rows)
    ]


# --- rebuilding from the database ---


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


def _aware(value: datetime | str) -> datetime:
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
        return [Total(m, int(total), _aware(last)) for m, total, last in rows]

    async def changes_since(
        self, program_id: int, board: str, win: Window, since: datetime
    ) -> list[Change]:
        rows = await (
            _points_entries(program_id, win)
            .filter(created_at__gte=since)
            .values_list("id", "member_id", "delta", "created_at")
        )
        return [Change(f"e{i}", m, d, _aware(at), _aware(at)) for i, m, d, at in rows]

    async def boards(self, program_id: int) -> list[str]:
        return [POINTS]


def _points_entries(program_id: int, win: Window):  # type: ignore[no-untyped-def]
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
        totals: dict[int, list] = {}
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
            qualified_at = _aware(qualified_at)
            changes.append(Change(f"q{rid}", referrer, 1, qualified_at, qualified_at))
            if reversed_at is not None:
                changes.append(Change(f"r{rid}", referrer, -1, _aware(reversed_at), qualified_at))
        return [c for c in changes if since is None or c.at >= since]

    async def boards(self, program_id: int) -> list[str]:
        return [REFERRALS]


# Board families by the part of the name before ":"; the challenges feature registers its own.
_sources: dict[str, BoardSource] = {POINTS: PointsSource(), REFERRALS: ReferralsSource()}
_periods: dict[str, tuple[Period, ...]] = {}


def register_source(
    family: str, source: BoardSource, periods: tuple[Period, ...] = tuple(Period)
) -> None:
    """Let a feature's boards (`challenge:<id>` -> family "challenge") be rebuilt. `periods`:
    the periods its boards keep; a family that keeps one answers every period with it."""
    _sources[family] = source
    _periods[family] = periods


def periods_of(board: str) -> tuple[Period, ...]:
    """The periods `board` is kept for (every period, unless its family says otherwise)."""
    return _periods.get(board.split(":", 1)[0], tuple(Period))


def source_of(board: str) -> BoardSource:
    source = _sources.get(check_board(board).split(":", 1)[0])
    if source is None:
        raise NotFound(ErrorCode.UNKNOWN_LEADERBOARD, f"No source can rebuild {board}.", "board")
    return source


async def rebuild(
    redis: Redis, program_id: int, board: str, period: Period, at: datetime | None = None
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
    win = window(period, at or started)
    key = board_key(program_id, board, win)
    seen = seen_key(key)
    if win.expire_at is not None and win.expire_at <= started:
        return 0  # that period's board has expired: nothing to keep
    since = started - CATCH_UP
    settled = await source.totals(program_id, board, win, since)
    recent = await source.changes_since(program_id, board, win, since)
    # Anonymised members are off every board (see on_member_anonymised): a rebuild keeps them off,
    # and restores the set that keeps later changes off.
    erased = await _anonymised(program_id)
    if erased:
        await redis.sadd(erased_key(program_id), *[str(m) for m in erased])
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
        await _apply(
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
    async with redis.pipeline(transaction=True) as pipe:
        if settled or recent:
            pipe.rename(new_key, key)
            if win.expire_at is not None:
                pipe.expireat(key, win.expire_at)
        else:
            pipe.delete(key)
        if recent:
            pipe.rename(new_seen, seen)
            if win.expire_at is not None:
                pipe.expireat(seen, win.expire_at)
        else:
            pipe.delete(seen)
        await pipe.execute()
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
    return await redis.zcard(key)


async def rebuild_program(
    redis: Redis,
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
            sizes[board_key(program_id, board, window(period, at))] = size
    return sizes


async def rebuild_all(redis: Redis, at: datetime | None = None) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for program_id in await Program.all().values_list("id", flat=True):
        sizes.update(await rebuild_program(redis, program_id, at=at))
    return sizes


# --- feeding from domain events ---

# The Redis client the event handlers write with: set by the API's lifespan and the worker's
# start-up. Without one (a CLI run, say) boards are left to the next rebuild.
_redis: Redis | None = None


def use_redis(redis: Redis | None) -> None:
    global _redis
    _redis = redis


def bound_redis() -> Redis | None:
    return _redis


async def on_points_event(event: Event) -> None:
    """POINTS_EARNED / SPENT / REVERSED / ADJUSTED: each carries its ledger entry, which decides
    (by kind) whether and how it counts. Keyed by entry, so the EARNED and ADJUSTED events of
    one adjustment count once."""
    data = event.data or {}
    entry_id = data.get("entry")
    if _redis is None or entry_id is None:
        return
    if event.type == EventType.POINTS_EARNED and data.get("kind") in _EARNED_BY_MEMBER:
        # The event says all: the points, the kind and the entry's time (its occurred_at), and
        # the ledger refuses these kinds to an anonymised member. No read on the purchase path.
        await add_score(
            _redis,
            event.program_id,
            POINTS,
            event.member_id,
            int(data["points"]),
            _aware(event.occurred_at),
            f"e{entry_id}",
        )
        return
    # Other kinds (refunds, adjustments) may concern an anonymised member: the entry and the
    # member's erasure come in one query.
    rows = await LedgerEntry.filter(id=entry_id).values_list(
        "program_id", "member_id", "delta", "kind", "created_at", "member__anonymised_at"
    )
    if not rows:
        return
    program_id, member_id, delta, kind, created_at, anonymised_at = rows[0]
    if LedgerKind(kind) not in POINTS_KINDS or anonymised_at is not None:
        return
    created_at = _aware(created_at)
    await add_score(_redis, program_id, POINTS, member_id, delta, created_at, f"e{entry_id}")


async def on_referral_event(event: Event) -> None:
    referral_id = (event.data or {}).get("referral_id")
    if _redis is None or referral_id is None:
        return
    referral = await Referral.get_or_none(id=referral_id)
    if referral is None or referral.qualified_at is None:
        return
    if await Member.exists(id=referral.referrer_id, anonymised_at__isnull=False):
        return  # an anonymised member stays off the boards
    qualified_at = _aware(referral.qualified_at)
    if event.type == EventType.REFERRAL_QUALIFIED:
        change = Change(f"q{referral.id}", referral.referrer_id, 1, qualified_at, qualified_at)
    elif referral.reversed_at is not None:
        reversed_at = _aware(referral.reversed_at)
        change = Change(f"r{referral.id}", referral.referrer_id, -1, reversed_at, qualified_at)
    else:
        return
    await add_score(
        _redis,
        referral.program_id,
        REFERRALS,
        change.member_id,
        change.delta,
        change.at,
        change.id,
        change.period_at,
    )


async def _wants(
    program_id: int, event_type: str, member_id: int | None, data: dict[str, Any]
) -> bool:
    if _redis is None:
        return False  # without a Redis the handlers do nothing
    # A points event carries its entry's kind: spending (a redemption, a play, an entry) never
    # counts, so those need no handling. An unknown or missing kind is looked at.
    kind = data.get("kind") if event_type != EventType.POINTS_ADJUSTED else None
    return kind not in _NOT_COUNTED


_NOT_COUNTED = frozenset(k.value for k in LedgerKind if k not in POINTS_KINDS)
# Counted kinds that the ledger refuses to blocked and anonymised members.
_EARNED_BY_MEMBER = frozenset(k.value for k in POINTS_KINDS & ledger.BLOCKED_KINDS)


def install() -> None:
    """Subscribe the board updates (see gamification/handlers.py)."""
    for event_type in (
        EventType.POINTS_EARNED,
        EventType.POINTS_SPENT,
        EventType.POINTS_REVERSED,
        EventType.POINTS_ADJUSTED,
    ):
        events.subscribe_effect(event_type, on_points_event, _wants)
    events.subscribe_effect(EventType.REFERRAL_QUALIFIED, on_referral_event, _wants)
    events.subscribe_effect(EventType.REFERRAL_REVERSED, on_referral_event, _wants)
    events.subscribe_effect(EventType.MEMBER_ANONYMISED, on_member_anonymised, _wants)


# --- erasure: an anonymised member leaves every board ---


async def remove_member(redis: Redis, program_id: int, member_id: int) -> int:
    """Take the member off every board of the program (every family and period: the keys are
    found by their program tag, so boards of any source are covered), and keep them off: they
    join the erased set first, so a change in flight cannot bring them back. Returns how many
    boards listed them."""
    await redis.sadd(erased_key(program_id), str(member_id))
    removed = 0
    async for key in redis.scan_iter(match=f"lb:{{p{program_id}}}:*", count=1000):
        name = key.decode() if isinstance(key, bytes) else key
        if name.endswith((":seen", ":erased")) or ":rebuild:" in name:
            continue
        removed += await redis.zrem(name, str(member_id))
    return removed


async def on_member_anonymised(event: Event) -> None:
    if _redis is None or event.member_id is None:
        return
    await remove_member(_redis, event.program_id, event.member_id)


async def _anonymised(program_id: int) -> set[int]:
    return set(
        await Member.filter(program_id=program_id, anonymised_at__isnull=False).values_list(
            "id", flat=True
        )
    )
