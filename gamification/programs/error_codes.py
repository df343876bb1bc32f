"""The error codes of programs.

Stable: clients switch on them, so add codes and never rename them. The API offers every
feature's codes in its one `ErrorCode` enum (api/errors.py).
"""

from enum import StrEnum


class ProgramErrorCode(StrEnum):
    INVALID_SLUG = "INVALID_SLUG"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    PROGRAM_NOT_FOUND = "PROGRAM_NOT_FOUND"
    PROGRAM_EXISTS = "PROGRAM_EXISTS"
    # A language code the service does not know (a `locale` argument, a translation's).
    INVALID_LOCALE = "INVALID_LOCALE"
    # A translation's name or description breaks its length or character rules.
    INVALID_TRANSLATION = "INVALID_TRANSLATION"
