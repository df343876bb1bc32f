"""Reading GraphQL IDs: a malformed id is a UserError, never a 500."""

from __future__ import annotations

from core.errors import ErrorCode, ValidationFailed

_MAX_ID = 2**63 - 1


def parse_id(raw: str, field: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if not 0 < value <= _MAX_ID:
        raise ValidationFailed(ErrorCode.NOT_FOUND, "No such id.", field)
    return value
