"""The error codes of leaderboards.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class LeaderboardErrorCode(StrEnum):
    UNKNOWN_LEADERBOARD = "UNKNOWN_LEADERBOARD"
