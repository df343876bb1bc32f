"""A subscription's inbox: what the hub (hub.py) hands it, kept in bounded memory.

The hub never waits for a subscriber: it puts what a message means for each feed in the feed
and goes on. A feed of events keeps at most `capacity` of them; a client too slow to take them
overflows it, and the feed then drops what it held and ends with SlowConsumer (the client
reads `activity(after:)` and subscribes again). A feed of changes keeps only that something
changed (and the last event that did it): a balance, a rank or a total is read again when the
client can take it, so a slow client only sees fewer, later values.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from gamification.events.live import LiveEvent, Message


class LiveInterrupted(Exception):
    """The feed cannot go on: events may have been missed. Its `code` is the error's."""

    code = "LIVE_INTERRUPTED"


class SlowConsumer(LiveInterrupted):
    """The client did not take its messages as fast as they came."""

    code = "SLOW_CONSUMER"


class LiveGap(LiveInterrupted):
    """The server lost its Redis connection for a while: events of that time may be missed."""

    code = "LIVE_GAP"


class Feed:
    """What the hub feeds: `push` for each message of the feed's program, `interrupted` when
    the channel was lost and found again. Both are synchronous and never block."""

    def push(self, message: Message, sequence: int) -> None:
        """`sequence`: the hub's count of messages, this one included."""
        raise NotImplementedError

    def interrupted(self) -> None:
        raise NotImplementedError


class EventFeed(Feed):
    """Every event `accepts` takes, in order, at most `capacity` waiting."""

    def __init__(self, accepts: Callable[[LiveEvent], bool], capacity: int) -> None:
        self.accepts = accepts
        self.capacity = capacity
        self._items: deque[LiveEvent] = deque()
        self._ready = asyncio.Event()
        self._failure: LiveInterrupted | None = None

    def push(self, message: Message, sequence: int) -> None:
        if self._failure is not None:
            return
        for event in message.events:
            if not self.accepts(event):
                continue
            if len(self._items) >= self.capacity:
                self._items.clear()  # the memory goes back at once, not when the client reads
                self._failure = SlowConsumer(
                    f"More than {self.capacity} events waited for this client; read "
                    "activity(after:) for what was missed, then subscribe again."
                )
                break
            self._items.append(event)
        self._ready.set()

    def interrupted(self) -> None:
        if self._failure is None:
            self._failure = LiveGap(
                "The live channel was interrupted and events may have been missed; read "
                "activity(after:) from the last event id received, then subscribe again."
            )
        self._ready.set()

    async def get(self) -> LiveEvent:
        """The next event; what was received before an interruption comes first."""
        while True:
            if self._items:
                return self._items.popleft()
            if self._failure is not None:
                raise self._failure
            self._ready.clear()
            await self._ready.wait()


class ChangeFeed(Feed):
    """Whether an event `accepts` takes (or a notice `notices` takes) arrived since the last
    `take()`: nothing more is kept."""

    def __init__(
        self,
        accepts: Callable[[LiveEvent], bool],
        notices: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        self.accepts = accepts
        self.notices = notices
        self._dirty = asyncio.Event()
        self._last_event_id: int | None = None
        self._sequence = 0

    def push(self, message: Message, sequence: int) -> None:
        if message.notice is not None:
            if self.notices is not None and self.notices(message.notice):
                self._sequence = sequence
                self._dirty.set()
            return
        for event in message.events:
            if self.accepts(event):
                self._last_event_id = event.id
                self._sequence = sequence
                self._dirty.set()

    def interrupted(self) -> None:
        # What changed meanwhile is read again: a value is never wrong for long.
        self._sequence = 0
        self._dirty.set()

    async def wait(self) -> None:
        await self._dirty.wait()

    def take(self) -> tuple[int | None, int]:
        """Mark the change as seen (just before reading the value again): the last event id,
        and the hub's sequence of the last message that changed it (0 after an interruption:
        read afresh)."""
        self._dirty.clear()
        sequence, self._sequence = self._sequence, 0
        return self._last_event_id, sequence
