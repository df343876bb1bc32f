"""The one clock of the application: aware UTC datetimes, replaceable so tests can move time.

Every service asks `clock.now()`; nothing calls `datetime.now()` directly.

Times that come in (GraphQL, CSV export parameters, the CLI, service arguments) follow one rule:
a time carries a zone and is kept in UTC (`in_utc`, `parse_time`); a time without a zone, a date
alone or anything else is refused with INVALID_TIME naming the field. So every stored time is an
instant in UTC, and comparisons (a report's intervals) are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from core.errors import ErrorCode, ValidationFailed


def invalid_time(field: str | None) -> ValidationFailed:
    return ValidationFailed(
        ErrorCode.INVALID_TIME,
        f"{field or 'A time'}: give an ISO 8601 date and time with a zone, such as"
        " 2026-03-01T09:30:00+01:00 (a date alone or a time without a zone is refused).",
        field,
    )


def in_utc(moment: datetime, field: str | None) -> datetime:
    """`moment` as the same instant in UTC; a naive time (no zone) is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise invalid_time(field)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 moved past the calendar's edge
        raise invalid_time(field) from None


def parse_time(text: object, field: str | None) -> datetime:
    """An ISO 8601 date and time with a zone (`Z` or an offset), as an instant in UTC. A date
    alone, a time without a zone or anything else is refused."""
    # A date alone (at most 10 characters) would parse as a naive midnight.
    if not isinstance(text, str) or not 10 < len(text) <= 64:
        raise invalid_time(field)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_time(field) from None
    return in_utc(moment, field)


def _system_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    def __init__(self) -> None:
        self._now: Callable[[], datetime] = _system_now

    def now(self) -> datetime:
        return self._now()

    @contextmanager
    def frozen_at(self, moment: datetime) -> Iterator[FrozenTime]:
        """Freeze time at `moment` (aware) for the duration of the block; `advance` moves it."""
        if moment.tzinfo is None:
            raise ValueError("the clock only deals in aware datetimes")
        frozen = FrozenTime(moment.astimezone(UTC))
        previous = self._now
        self._now = frozen.now
        try:
            yield frozen
        finally:
            self._now = previous


class FrozenTime:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> datetime:
        self.moment += delta
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment.astimezone(UTC)


clock = Clock()
