"""Which event types of which program some handler needs: per-process caches that let an event
nobody needs be written already settled (no second transaction, no handler queries).

A `ProgramTypes` cache maps a program to the event types its active definitions (badges,
challenges, webhook endpoints) listen to. The database stays the truth; the cache only saves
reads:
- in this process, the services that create, change or archive a definition call `changed()`,
  which drops the program's entry now and again after their commit, so the next event sees it;
- in other processes an entry lives at most `TTL_SECONDS` (monotonic time, not the domain clock),
  so a definition created elsewhere starts counting events at most that long after its commit.
  Events emitted in that window were settled without its handler, exactly as if they had happened
  just before the definition existed.
Being wrong the other way (a handler thought interested that finds nothing) only costs time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from gamification.events.outbox import after_commit, in_atomic

T = TypeVar("T")

TTL_SECONDS = 5.0

_caches: list[ProgramCache[Any]] = []


class ProgramCache(Generic[T]):
    """Per program, a value loaded from the database (see the module docstring for staleness).
    Cached values are shared by concurrent requests: treat them as read-only."""

    def __init__(
        self,
        load: Callable[[int], Awaitable[T]],
        ttl: float = TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._load = load
        self._ttl = ttl
        self._monotonic = monotonic  # tests pass a clock of their own
        self._entries: dict[int, tuple[float, T]] = {}
        self._generation = 0
        _caches.append(self)

    async def get(self, program_id: int) -> T:
        entry = self._entries.get(program_id)
        now = self._monotonic()
        if entry is not None and now < entry[0]:
            return entry[1]
        generation = self._generation
        value = await self._load(program_id)
        if generation == self._generation:  # not invalidated while loading: safe to keep
            self._entries[program_id] = (now + self._ttl, value)
        return value

    def invalidate(self, program_id: int | None = None) -> None:
        self._generation += 1
        if program_id is None:
            self._entries.clear()
        else:
            self._entries.pop(program_id, None)


class ProgramTypes(ProgramCache[frozenset[str]]):
    """The event types a program's definitions listen to."""

    def __init__(
        self,
        load: Callable[[int], Awaitable[set[str]]],
        ttl: float = TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        async def frozen(program_id: int) -> frozenset[str]:
            return frozenset(await load(program_id))

        super().__init__(frozen, ttl, monotonic)

    async def wants(self, program_id: int, event_type: str) -> bool:
        return event_type in await self.get(program_id)


def changed(cache: ProgramCache[Any], program_id: int) -> None:
    """A definition of `program_id` changed: forget the entry now and, inside `events.atomic()`,
    once more after the commit (a load between now and the commit would still see the old rows).
    """
    cache.invalidate(program_id)
    if in_atomic():

        async def again() -> None:
            cache.invalidate(program_id)

        after_commit(again)


def clear_all() -> None:
    """Forget everything (start-up; a fresh database in tests)."""
    for cache in _caches:
        cache.invalidate()


def program_changed(program_id: int) -> None:
    """A program's own row changed (its settings): forget every cache's entry of the program,
    whatever the cache holds, since each may have been loaded with the old row."""
    for cache in _caches:
        changed(cache, program_id)
