"""The error codes of challenges.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class ChallengeErrorCode(StrEnum):
    CHALLENGE_NOT_OPEN = "CHALLENGE_NOT_OPEN"
    CHALLENGE_FULL = "CHALLENGE_FULL"
    CHALLENGE_NOT_ELIGIBLE = "CHALLENGE_NOT_ELIGIBLE"
