"""Who handles which events: handlers (run in the emitting transaction, or re-run by the outbox
until they succeed) and effects (best effort, after the commit). Registered at start-up by the
composition root (bootstrap).

A handler is known by its name (`handler_name`: its module and qualified name, or the name given
at subscription): the outbox records under it which handlers have processed an event, and
subscribing under a name already taken replaces that handler in its place. So a process that
wires itself again (a new app in the same process, with another Redis client) replaces its
bound handlers instead of running them twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from gamification.events.models import Event
from gamification.events.payloads import Payload
from gamification.events.types import EventType

log = structlog.get_logger("gamification.events")

Handler = Callable[[Event], Awaitable[None]]
# A batch handler takes, in order, every event of one commit that it wants (one locked read and
# one write-back for a purchase's two events instead of two of each); a re-run gives it one.
BatchHandler = Callable[[list[Event]], Awaitable[None]]
# Whether a handler needs an event of this (program_id, type, member_id, payload), asked before
# the event row exists: cheap (a per-process cache, see gamification.events.caches), and allowed
# to say yes when the handler would do nothing; never no when it would do something.
Wants = Callable[[int, str, int | None, Payload], Awaitable[bool]]


def handler_name(handler: Handler | BatchHandler) -> str:
    """The stable name under which a handler's processing is recorded."""
    return f"{handler.__module__}.{handler.__qualname__}"[:100]


@dataclass(frozen=True)
class Subscription:
    name: str
    handler: Handler | BatchHandler
    wants: Wants | None
    batch: bool

    async def wanted(
        self, program_id: int, event_type: str, member_id: int | None, payload: Payload
    ) -> bool:
        return self.wants is None or await self.wants(program_id, event_type, member_id, payload)

    async def run(self, batch: list[Event]) -> None:
        if self.batch:
            await self.handler(batch)  # type: ignore[arg-type]  # batch=True: a BatchHandler
        else:
            for event in batch:
                await self.handler(event)  # type: ignore[arg-type]  # batch=False: a Handler


_handlers: dict[str, dict[str, Subscription]] = defaultdict(dict)
_effects: dict[str, dict[str, Subscription]] = defaultdict(dict)


def subscribe(
    event_type: EventType,
    handler: Handler | BatchHandler,
    wants: Wants | None = None,
    *,
    batch: bool = False,
    name: str | None = None,
) -> None:
    """Register `handler` for `event_type`. With `wants`, events it declines are not run
    through the handler; an event that no handler wants is written already settled (no claim,
    no second transaction). Without it, it wants all. `batch`: the handler takes a list of
    events (see BatchHandler)."""
    name = name or handler_name(handler)
    _handlers[str(event_type)][name] = Subscription(name, handler, wants, batch)


def subscribe_effect(
    event_type: EventType, effect: Handler, wants: Wants | None = None, *, name: str | None = None
) -> None:
    """Run `effect(event)` after the commit of every `event_type` event that `wants` accepts.
    Effects never make an event need the outbox's second transaction, and the retry scan does
    not run them again: what an effect does must be repairable another way (the leaderboards'
    nightly rebuild from the database) and idempotent (a board change is keyed by its cause)."""
    name = name or handler_name(effect)
    _effects[str(event_type)][name] = Subscription(name, effect, wants, False)


def unsubscribe(event_type: EventType, handler: Handler | BatchHandler | str) -> None:
    """Remove a handler or effect, by itself or by name (tests; plugins being unloaded)."""
    name = handler if isinstance(handler, str) else handler_name(handler)
    _handlers[str(event_type)].pop(name, None)
    _effects[str(event_type)].pop(name, None)


def handlers_of(event_type: str) -> list[Subscription]:
    """The handlers of `event_type`, in the order they first subscribed."""
    return list(_handlers.get(event_type, {}).values())


def effects_of(event_type: str) -> list[Subscription]:
    return list(_effects.get(event_type, {}).values())


async def needed(program_id: int, event_type: str, member_id: int | None, payload: Payload) -> bool:
    """Whether some handler needs this event (so it must go through the outbox)."""
    for subscription in handlers_of(event_type):
        if await subscription.wanted(program_id, event_type, member_id, payload):
            return True
    return False


async def run_effect(effect: Subscription, event: Event) -> None:
    try:
        await effect.run([event])
    except Exception:  # best effort by contract; the owner's repair covers what is missed
        log.exception("event effect failed", event_id=event.id, effect=effect.name)
