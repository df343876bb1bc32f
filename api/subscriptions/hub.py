"""The process's one listener on the live channels (gamification/events/live.py), fanning each
message out to the feeds of the subscriptions this process holds.

One Redis pub/sub connection per API process, subscribed to the channels of the programs its
clients follow (and to no other: a process never receives another program's traffic unless a
client of that program is connected to it). Every API process has its own, so an event
committed by any process (or a worker) reaches the subscribers of all of them.

When Redis is lost, the hub reconnects with a growing pause (up to MAX_PAUSE) and subscribes
again; once a program's channel is back, each of its feeds is told it was interrupted (events
of the outage were not received): coalesced subscriptions read their value again, event
streams end with LIVE_GAP, and their clients catch up with `activity(after:)`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from api.subscriptions.feeds import Feed
from core.redis import UNREACHABLE
from gamification.events import live

log = structlog.get_logger("api.subscriptions")

FIRST_PAUSE = 0.1
MAX_PAUSE = 5.0
# How long a new subscription waits for its channel before it is refused (Redis down).
FOLLOW_TIMEOUT = 5.0
# How long one read waits before the hub looks at the programs it should follow again.
POLL_SECONDS = 0.05
# Shared readings kept (the latest of each key).
MAX_READINGS = 10_000
# How long a gathered reading waits for more of its kind before it runs (hub.gathered).
GATHER_SECONDS = 0.005

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class HubUnavailable(Exception):
    """The live channel cannot be listened to now (Redis does not answer)."""


class Hub:
    def __init__(self, redis_url: str) -> None:
        # A plain client of its own: pub/sub holds a connection for itself, and with a Redis
        # Cluster any node hears every channel (classic pub/sub is broadcast to all nodes).
        self.redis: Redis = Redis.from_url(redis_url, health_check_interval=30)
        self.database = live.database_of(self.redis)
        # Program -> member (None: the program's own feeds) -> feeds: a message goes to the
        # feeds of the members its events concern and to the program's, not to every feed.
        self._feeds: dict[int, dict[int | None, set[Feed]]] = {}
        self._confirmed: dict[int, asyncio.Event] = {}
        self._subscribed: set[int] = set()  # asked of Redis
        self._live: set[int] = set()  # and confirmed by it
        self._interrupted: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.reconnections = 0
        # Messages dispatched so far: a reading started at sequence S sees every change whose
        # message came before (its transaction had committed when it was published).
        self.sequence = 0
        self._readings: OrderedDict[Hashable, tuple[int, asyncio.Future[Any]]] = OrderedDict()
        self._gathering: dict[Hashable, tuple[set[Any], asyncio.Future[Any]]] = {}
        self._gatherers: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="live hub")

    async def stop(self) -> None:
        for gatherer in list(self._gatherers):
            gatherer.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.redis.aclose()

    def followers(self) -> int:
        return sum(len(f) for members in self._feeds.values() for f in members.values())

    async def follow(self, program_id: int, feed: Feed, member_id: int | None = None) -> None:
        """Give `feed` the messages of the program's channel from now on (once this returns,
        nothing committed later is missed): with `member_id`, only those with an event of that
        member; without, all of them and the notices. HubUnavailable when Redis does not
        answer."""
        self._feeds.setdefault(program_id, {}).setdefault(member_id, set()).add(feed)
        if program_id in self._live:
            return
        confirmed = self._confirmed.setdefault(program_id, asyncio.Event())
        self._wake.set()
        try:
            await asyncio.wait_for(confirmed.wait(), FOLLOW_TIMEOUT)
        except TimeoutError:
            self.unfollow(program_id, feed, member_id)
            raise HubUnavailable(
                "The live channel does not answer now; try again shortly."
            ) from None

    def unfollow(self, program_id: int, feed: Feed, member_id: int | None = None) -> None:
        members = self._feeds.get(program_id)
        feeds = members.get(member_id) if members is not None else None
        if members is None or feeds is None:
            return
        feeds.discard(feed)
        if not feeds:
            del members[member_id]
        if not members:
            del self._feeds[program_id]
            self._confirmed.pop(program_id, None)
            self._wake.set()

    async def reading(self, key: Hashable, sequence: int, read: Callable[[], Awaitable[T]]) -> T:
        """`read()`'s value for a change of `sequence`, read once for every subscription of the
        process that watches `key` (a member's balance, a challenge's total): one that started
        after that change's message, or is under way since then, is shared. Sequence 0: always
        a fresh read (subscribing, or after an interruption)."""
        entry = self._readings.get(key)
        if sequence and entry is not None and entry[0] >= sequence:
            self._readings.move_to_end(key)
            value: T = await asyncio.shield(entry[1])
            return value
        future: asyncio.Future[T] = asyncio.ensure_future(read())
        self._readings[key] = (self.sequence, future)
        self._readings.move_to_end(key)
        while len(self._readings) > MAX_READINGS:
            self._readings.popitem(last=False)

        def forget_failure(done: asyncio.Future[T]) -> None:
            kept = self._readings.get(key)
            if (done.cancelled() or done.exception() is not None) and kept and kept[1] is done:
                self._readings.pop(key, None)

        future.add_done_callback(forget_failure)
        return await asyncio.shield(future)

    async def gathered(
        self,
        key: Hashable,
        item: K,
        read: Callable[[frozenset[K]], Awaitable[Mapping[K, T]]],
    ) -> T:
        """`read(items)[item]`, read once for all the items asked under `key` within
        GATHER_SECONDS (the same `key` means the same `read`): the subscriptions one message
        wakes (the followers of one board) make one read of many instead of one read each."""
        entry = self._gathering.get(key)
        if entry is None:
            entry = (set(), asyncio.get_running_loop().create_future())
            self._gathering[key] = entry
            task = asyncio.create_task(self._gather(key, entry[0], entry[1], read))
            self._gatherers.add(task)
            task.add_done_callback(self._gatherers.discard)
        entry[0].add(item)
        values: Mapping[K, T] = await asyncio.shield(entry[1])
        return values[item]

    async def _gather(
        self,
        key: Hashable,
        items: set[Hashable],
        future: asyncio.Future[Any],
        read: Callable[[frozenset[Any]], Awaitable[Mapping[Any, Any]]],
    ) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        if (kept := self._gathering.get(key)) is not None and kept[1] is future:
            del self._gathering[key]
        # Its askers may all be gone (cancelled): a failure is theirs, never an unread one.
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            future.set_result(await read(frozenset(items)))
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:  # handed to every asker, who maps it
            future.set_exception(error)

    async def _run(self) -> None:
        pause = FIRST_PAUSE
        while True:
            pubsub = self.redis.pubsub()
            try:
                await self._listen(pubsub)
            except UNREACHABLE:
                log.warning("live channel lost; reconnecting", pause=pause)
            finally:
                with contextlib.suppress(*UNREACHABLE):
                    await pubsub.aclose()
            # Whatever was subscribed must be subscribed again, and its feeds told.
            self._interrupted |= self._subscribed
            self._subscribed = set()
            self._live = set()
            for event in self._confirmed.values():
                event.clear()
            self.reconnections += 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE)
            if self._feeds:
                with contextlib.suppress(*UNREACHABLE):
                    await self.redis.ping()
                    pause = FIRST_PAUSE

    async def _listen(self, pubsub: PubSub) -> None:
        while True:
            await self._sync(pubsub)
            if not self._subscribed:
                # pub/sub reads need a subscription: wait for a follower instead.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                continue
            message = await pubsub.get_message(timeout=POLL_SECONDS)
            if message is not None:
                self._dispatch(message)

    async def _sync(self, pubsub: PubSub) -> None:
        wanted = set(self._feeds)
        if new := wanted - self._subscribed:
            await pubsub.subscribe(*(live.channel(p, self.database) for p in sorted(new)))
            self._subscribed |= new
        if gone := self._subscribed - wanted:
            await pubsub.unsubscribe(*(live.channel(p, self.database) for p in sorted(gone)))
            self._subscribed -= gone
            self._live -= gone
            self._interrupted -= gone

    def _dispatch(self, message: dict[str, object]) -> None:
        kind = message.get("type")
        name = message.get("channel")
        if isinstance(name, bytes):
            name = name.decode()
        program_id = live.program_of(str(name), self.database)
        if program_id is None:
            return
        if kind == "subscribe":
            if program_id not in self._subscribed:
                return  # confirmed after it was given up
            self._live.add(program_id)
            if (confirmed := self._confirmed.get(program_id)) is not None:
                confirmed.set()
            if program_id in self._interrupted:
                self._interrupted.discard(program_id)
                for feeds in list(self._feeds.get(program_id, {}).values()):
                    for feed in list(feeds):
                        feed.interrupted()
            return
        if kind != "message":
            return
        data = message.get("data")
        try:
            decoded = live.decode(data if isinstance(data, bytes | str) else b"")
        except (ValueError, KeyError, TypeError):
            log.warning("live message ignored: not one of ours", program_id=program_id)
            return
        members = self._feeds.get(program_id)
        if not members:
            return
        self.sequence += 1
        targets = list(members.get(None, ()))
        for member_id in {e.member_id for e in decoded.events if e.member_id is not None}:
            targets.extend(members.get(member_id, ()))
        for feed in targets:
            feed.push(decoded, self.sequence)
