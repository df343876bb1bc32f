"""The error codes of actions beyond purchases.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class ActionErrorCode(StrEnum):
    ACTION_TYPE_NOT_FOUND = "ACTION_TYPE_NOT_FOUND"
    ACTION_NOT_AVAILABLE = "ACTION_NOT_AVAILABLE"
    ACTION_LIMIT_REACHED = "ACTION_LIMIT_REACHED"
    ACTION_COOLDOWN = "ACTION_COOLDOWN"
    INVALID_CHECK_IN_CODE = "INVALID_CHECK_IN_CODE"
