"""The error codes of badges.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class BadgeErrorCode(StrEnum):
    INVALID_CRITERIA = "INVALID_CRITERIA"
