"""What a board is and where it lives: board names, periods and their windows, Redis keys.

Keys (every key of a program carries the hash tag `{p<id>}`, so it runs on Redis Cluster):
- `lb:{p7}:points:all`, `lb:{p7}:points:m2026-11`, `lb:{p7}:points:w2026-W47`: the boards;
- `<board key>:seen`: the ids of the changes applied to that board (a sorted set scored by the
  change's time, pruned after SEEN_WINDOW), so a change applied twice counts once. It belongs to
  its board: a rebuild swaps both together.
MONTH and WEEK (ISO week) boards expire KEY_MARGIN after their period ends.

Scores: `value * 2**bits + tie`, where `tie = 2**bits - 1 - tick` and `tick` counts the time units
from the period's origin to the member's last change. A higher value ranks first; at equal values
the earlier last change (the higher tie) ranks first. Every score is an integer below 2**53, so
the double Redis keeps is exact: values stay below 2**(53 - bits) (see PERIOD_SPECS). A family
of small values (the referrals board) counts seconds on its all-time board too (FAMILY_SPECS), so
ties go to whoever got there first even seconds apart; its key's tag says so (`all-s`), so a
board scored the other way is never read with this one's bits.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from core.errors import ValidationFailed
from gamification.leaderboards.error_codes import LeaderboardErrorCode

REFERRALS = "referrals"


POINTS = "points"


# `action:<action type code>`: how many actions of that type a member did (see action_board).
ACTIONS = "action"


BOARD_PATTERN = re.compile(r"^(referrals|points|challenge:[0-9]{1,18}|action:[a-z0-9_-]{1,40})$")


KEY_MARGIN = timedelta(days=7)


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


# ALL_TIME in seconds since 2020-01-01 in 32 bits (until 2156), values up to 2**21 (2,097,151):
# enough for referral counts, not for points.
ALL_TIME_SECONDS = PeriodSpec(1, 32)


# The families whose boards use another spec than PERIOD_SPECS for a period, with the tag suffix
# that keeps their keys apart from boards scored with the default. Action counts are small too.
FAMILY_SPECS: dict[str, dict[Period, tuple[PeriodSpec, str]]] = {
    REFERRALS: {Period.ALL_TIME: (ALL_TIME_SECONDS, "-s")},
    ACTIONS: {Period.ALL_TIME: (ALL_TIME_SECONDS, "-s")},
}


ALL_TIME_ORIGIN = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Window:
    period: Period
    tag: str
    start: datetime | None
    end: datetime | None
    spec: PeriodSpec

    @property
    def origin(self) -> datetime:
        return self.start or ALL_TIME_ORIGIN

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


def window(period: Period, at: datetime, board: str | None = None) -> Window:
    """The period's window containing `at`, scored as `board`'s family scores it (default: as
    PERIOD_SPECS says)."""
    family = board.split(":", 1)[0] if board is not None else ""
    return _window_of_day(period, at.astimezone(UTC).date(), family)


@functools.lru_cache(maxsize=4096)
def _window_of_day(period: Period, on: date, family: str) -> Window:
    """Memoised by day, not by instant: every change of a day (every purchase) shares it."""
    spec, suffix = FAMILY_SPECS.get(family, {}).get(period, (PERIOD_SPECS[period], ""))
    if period == Period.ALL_TIME:
        return Window(period, "all" + suffix, None, None, spec)
    if period == Period.MONTH:
        start = datetime(on.year, on.month, 1, tzinfo=UTC)
        end = (start + timedelta(days=32)).replace(day=1)
        return Window(period, f"m{start:%Y-%m}{suffix}", start, end, spec)
    day = on - timedelta(days=on.weekday())  # ISO weeks start on Monday
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    year, week, _ = day.isocalendar()
    return Window(period, f"w{year}-W{week:02d}{suffix}", start, start + timedelta(days=7), spec)


def check_board(board: str) -> str:
    if not BOARD_PATTERN.match(board):
        raise ValidationFailed(
            LeaderboardErrorCode.UNKNOWN_LEADERBOARD,
            "Boards are referrals, points, challenge:<id> or action:<action type code>.",
            "board",
        )
    return board


def action_board(code: str) -> str:
    """The board of an action type, named by the code integrations report it by."""
    return f"{ACTIONS}:{code}"


def board_key(program_id: int, board: str, win: Window) -> str:
    return f"lb:{{p{program_id}}}:{board}:{win.tag}"


def seen_key(key: str) -> str:
    return f"{key}:seen"


def erased_key(program_id: int) -> str:
    """The program's anonymised members: no board change applies to them (same hash tag)."""
    return f"lb:{{p{program_id}}}:erased"


_periods: dict[str, tuple[Period, ...]] = {}


def keep_periods(family: str, periods: tuple[Period, ...]) -> None:
    """Keep the boards of `family` for these periods only (see rebuilds.register_source)."""
    _periods[family] = periods


def periods_of(board: str) -> tuple[Period, ...]:
    """The periods `board` is kept for (every period, unless its family says otherwise)."""
    return _periods.get(board.split(":", 1)[0], tuple(Period))
