"""The one clock of the application: aware UTC datetimes, replaceable so tests can move time.

Every service asks `clock.now()`; nothing calls `datetime.now()` directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


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
