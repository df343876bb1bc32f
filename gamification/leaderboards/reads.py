"""Reading a board: its top and a member's neighbourhood, in one Redis round trip."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.clock import clock
from core.errors import ErrorCode, NotFound, ValidationFailed
from core.redis import RedisClient, ScriptCall, run_scripts, script
from gamification.leaderboards.boards import (
    Period,
    Window,
    board_key,
    check_board,
    periods_of,
    window,
)
from gamification.leaderboards.error_codes import LeaderboardErrorCode
from gamification.leaderboards.rebuilds import source_of

MAX_FIRST = 100


MAX_AROUND = 50


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
    redis: RedisClient,
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
    if not await source_of(board).holds(program_id, board):
        # Another program's board is no board of this one: nothing of it is read.
        raise NotFound(
            LeaderboardErrorCode.UNKNOWN_LEADERBOARD, f"This program has no board {board}.", "board"
        )
    kept = periods_of(board)
    win = window(period if period in kept else kept[0], clock.now(), board)
    key = board_key(program_id, board, win)
    # One EVALSHA (one round trip, one consistent snapshot) for the top, the rank and the
    # neighbours, instead of a pipeline and then a second read that depends on the rank.
    read = script(redis, _READ)
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


async def read_standings(
    redis: RedisClient,
    program_id: int,
    board: str,
    period: Period,
    member_ids: Iterable[int],
    *,
    around: int = 0,
) -> dict[int, BoardView]:
    """Each member's standing and `around` members either side, as `read_board` reads them
    (no top), for many members at once: one check of the board and one Redis round trip (a
    pipeline of the same script, a consistent snapshot for each member), where a read each
    would cost a round trip each."""
    check_board(board)
    if not 0 <= around <= MAX_AROUND:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, f"around is 0 to {MAX_AROUND}.", "around")
    if not await source_of(board).holds(program_id, board):
        raise NotFound(
            LeaderboardErrorCode.UNKNOWN_LEADERBOARD, f"This program has no board {board}.", "board"
        )
    kept = periods_of(board)
    win = window(period if period in kept else kept[0], clock.now(), board)
    key = board_key(program_id, board, win)
    members = sorted(set(member_ids))
    answers = await run_scripts(
        redis, [ScriptCall(_READ, [key], ["0", str(m), str(around)]) for m in members]
    )
    views: dict[int, BoardView] = {}
    for member_id, (_, rank, score, near_rows, low) in zip(members, answers, strict=True):
        me: Standing | None = None
        near: list[Standing] = []
        if rank is not None and score is not None:
            me = Standing(int(rank) + 1, member_id, win.value(float(score)))
            near = _standings(win, _pairs(near_rows), int(low))
        views[member_id] = BoardView([], me, near)
    return views


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
