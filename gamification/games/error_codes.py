"""The error codes of games: instant win, contests and their prizes.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class GameErrorCode(StrEnum):
    GAME_CLOSED = "GAME_CLOSED"
    PLAY_LIMIT_REACHED = "PLAY_LIMIT_REACHED"
    CONTEST_CLOSED = "CONTEST_CLOSED"
    ENTRY_LIMIT_REACHED = "ENTRY_LIMIT_REACHED"
    CONTEST_NOT_CLOSED = "CONTEST_NOT_CLOSED"
    REWARD_PRIZE_UNAVAILABLE = "REWARD_PRIZE_UNAVAILABLE"
    AUCTION_CLOSED = "AUCTION_CLOSED"
    BID_TOO_LOW = "BID_TOO_LOW"
