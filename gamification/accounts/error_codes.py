"""The error codes of accounts: sign-up, log-in, sessions, member status.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class AccountErrorCode(StrEnum):
    INVALID_EMAIL = "INVALID_EMAIL"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"
    INVALID_DISPLAY_NAME = "INVALID_DISPLAY_NAME"
    INVALID_ROLE = "INVALID_ROLE"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    MEMBER_BLOCKED = "MEMBER_BLOCKED"
    MEMBER_ANONYMISED = "MEMBER_ANONYMISED"
    STAFF_NOT_FOUND = "STAFF_NOT_FOUND"
    LAST_ADMIN = "LAST_ADMIN"
