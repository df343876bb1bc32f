"""Changing scores: each change applied once (keyed by its cause), atomically on Redis."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import clock
from core.redis import RedisClient, ScriptCall, script
from gamification.leaderboards.boards import (
    Window,
    board_key,
    check_board,
    erased_key,
    periods_of,
    seen_key,
    window,
)

SEEN_WINDOW = timedelta(days=2)


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
    redis: RedisClient,
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


async def add_scores(redis: RedisClient, program_id: int, changes: Iterable[ScoreChange]) -> int:
    """Apply several changes of one program's boards, every period of each, in one EVALSHA (one
    round trip; the keys share the program's hash slot). Returns how many period boards changed."""
    call = scores_call(program_id, changes)
    if call is None:
        return 0
    return int(await script(redis, call.script)(keys=call.keys, args=call.args))


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
            win = window(period, change.period_at or change.at, change.board)
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


async def apply(
    redis: RedisClient,
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
    apply = script(redis, _APPLY_MANY)
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
