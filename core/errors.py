"""The domain error family. Services raise these; the API turns them into `UserError`s in one place.

Codes are stable: clients switch on them. Add codes, never rename them. `ErrorCode` holds the
codes shared by every feature; each feature declares its own in its `error_codes` module.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """The codes every feature may use. A feature's own codes live beside its code, in its
    `error_codes` module."""

    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    ALREADY_ARCHIVED = "ALREADY_ARCHIVED"
    INVALID_URL = "INVALID_URL"
    INVALID_WINDOW = "INVALID_WINDOW"
    # A time without a zone, a date alone, or not a time at all (see core.clock.in_utc).
    INVALID_TIME = "INVALID_TIME"
    NAME_TAKEN = "NAME_TAKEN"


class DomainError(Exception):
    """A refusal the caller can act on: it carries a stable code, a message and maybe a field."""

    code: StrEnum = ErrorCode.INVALID_INPUT

    def __init__(self, code: StrEnum | None = None, message: str = "", field: str | None = None):
        if code is not None:
            self.code = code
        self.message = message or self.code.value.replace("_", " ").capitalize()
        self.field = field
        super().__init__(f"{self.code}: {self.message}")


class ValidationFailed(DomainError):
    """The input breaks a rule of shape or range."""


class NotFound(DomainError):
    """The thing does not exist for this caller (another program's thing does not exist either)."""

    code = ErrorCode.NOT_FOUND


class Refused(DomainError):
    """Valid input, but the state of the world forbids it (not enough points, limit reached...)."""


class ValidationErrors(DomainError):
    """Several field errors found at once, reported together."""

    def __init__(self, errors: list[DomainError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.code, first.message, first.field)
