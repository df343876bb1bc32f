"""The error codes of webhooks.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class WebhookErrorCode(StrEnum):
    DELIVERY_NOT_FAILED = "DELIVERY_NOT_FAILED"
