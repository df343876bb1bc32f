"""The error codes of events.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class EventErrorCode(StrEnum):
    INVALID_EVENT_TYPE = "INVALID_EVENT_TYPE"
