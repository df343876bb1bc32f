"""The live channel: committed events (and a few notices, such as a contest drawn) published to
Redis for the API processes that hold subscriptions (api/subscriptions/).

One pub/sub channel per program and Redis database (`live:<db>:{p<id>}`): a process subscribes
to the programs its clients follow, so it never receives another program's traffic, and a
message names its program by its channel alone. The outbox publishes a block's events once the
block has committed (outbox.atomic), never from inside the transaction: a subscriber never hears
of a change that was rolled back. Delivery is best effort for live display: a failed publish is
logged and dropped, and the activity list (the database) stays the truth a client reads again
after a gap (`activity(after:)`, docs/live.md).

A message is one JSON object: `{"events": [{"id", "type", "member", "at", "data"}, ...]}` for
events (ids ascending within a message; `data` is the stored payload) or `{"notice": {...}}`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from core.redis import UNREACHABLE, RedisClient
from gamification.events.models import Event

log = structlog.get_logger("gamification.events.live")

CONTEST_DRAWN = "CONTEST_DRAWN"


def database_of(redis: RedisClient) -> int:
    """The Redis database number the client works in (a Cluster has only 0)."""
    if isinstance(redis, Redis):
        return int(redis.connection_pool.connection_kwargs.get("db") or 0)
    return 0


def channel(program_id: int, database: int = 0) -> str:
    """The program's live channel (its hash tag: pub/sub of a Cluster reaches every node).
    Pub/sub ignores database numbers, so the name carries it: services sharing a Redis server
    in different databases (staging beside production, tests side by side), whose program ids
    overlap, never hear one another."""
    return f"live:{database}:{{p{program_id}}}"


def program_of(channel_name: str, database: int = 0) -> int | None:
    """The program a channel belongs to; None for a name that is no live channel of
    `database`."""
    prefix, _, rest = channel_name.partition(":{p")
    if prefix != f"live:{database}" or not rest.endswith("}") or not rest[:-1].isdigit():
        return None
    return int(rest[:-1])


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """An event as the live channel carries it."""

    id: int
    type: str
    member_id: int | None
    occurred_at: str  # ISO-8601
    data: dict[str, Any]


def encode_events(events: Sequence[Event]) -> bytes:
    return orjson.dumps(
        {
            "events": [
                {
                    "id": event.id,
                    "type": event.type,
                    "member": event.member_id,
                    "at": event.occurred_at.isoformat(),
                    "data": event.data,
                }
                for event in events
            ]
        }
    )


@dataclass(frozen=True, slots=True)
class Message:
    """One decoded message of a program's channel."""

    events: tuple[LiveEvent, ...] = ()
    notice: dict[str, Any] | None = None


def decode(raw: bytes | str) -> Message:
    """A message as published; ValueError when it is not one."""
    body = orjson.loads(raw)
    if not isinstance(body, dict):
        raise ValueError("a live message is a JSON object")
    if isinstance(notice := body.get("notice"), dict):
        return Message(notice=notice)
    return Message(
        events=tuple(
            LiveEvent(
                id=int(item["id"]),
                type=str(item["type"]),
                member_id=None if item.get("member") is None else int(item["member"]),
                occurred_at=str(item["at"]),
                data=item.get("data") or {},
            )
            for item in body.get("events", [])
        )
    )


class Publisher:
    """Publishes to the live channels with one Redis client (installed by the composition root:
    every process that commits events, the API and the worker alike)."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    async def events(self, events: Iterable[Event]) -> None:
        by_program: dict[int, list[Event]] = {}
        for event in events:
            by_program.setdefault(event.program_id, []).append(event)
        for program_id, its_events in by_program.items():
            its_events.sort(key=lambda event: event.id)
            await self._publish(program_id, encode_events(its_events))

    async def notice(self, program_id: int, notice: dict[str, Any]) -> None:
        await self._publish(program_id, orjson.dumps({"notice": notice}))

    async def _publish(self, program_id: int, message: bytes) -> None:
        redis = self.redis
        try:
            if isinstance(redis, Redis):
                await redis.publish(channel(program_id, database_of(redis)), message)
            else:
                # Classic pub/sub reaches every node of a Cluster from any one of them.
                await redis.execute_command(
                    "PUBLISH", channel(program_id), message, target_nodes=RedisCluster.RANDOM
                )
        except UNREACHABLE:
            # Best effort by contract: subscribers catch up from the activity list.
            log.warning("live publish failed", program_id=program_id, exc_info=True)


_publisher: list[Publisher] = []


def install(publisher: Publisher | None) -> None:
    """Publish through `publisher` from now on (None: publish nothing, as a CLI run)."""
    _publisher[:] = [publisher] if publisher is not None else []


async def publish_committed(events: Sequence[Event]) -> None:
    """Called by the outbox once a block's events have committed."""
    if _publisher and events:
        await _publisher[0].events(events)


async def announce(program_id: int, notice: dict[str, Any]) -> None:
    """Publish a notice that is no event (a contest drawn), once its change has committed."""
    if _publisher:
        await _publisher[0].notice(program_id, notice)
