"""Domain events: emitted inside the transaction of the change they describe (`outbox`), handled
by the handlers registered for their type (`registry`); `types` names them, `caches` holds the
per-process caches that let an event nobody needs skip the outbox.

The names callers use are re-exported here: `events.atomic()`, `events.emit(...)`,
`events.subscribe(...)`, `EventType`.
"""

from gamification.events.outbox import (
    INLINE_ROUNDS,
    MAX_RERUN_DELAY,
    MAX_RERUNS,
    after_commit,
    atomic,
    emit,
    in_atomic,
    publish,
    rerun_delay,
    reset_reruns,
    retry_unsettled,
)
from gamification.events.registry import (
    BatchHandler,
    Handler,
    Subscription,
    Wants,
    effects_of,
    handler_name,
    handlers_of,
    needed,
    subscribe,
    subscribe_effect,
    unsubscribe,
)
from gamification.events.types import EventType

__all__ = [
    "INLINE_ROUNDS",
    "MAX_RERUNS",
    "MAX_RERUN_DELAY",
    "BatchHandler",
    "EventType",
    "Handler",
    "Subscription",
    "Wants",
    "after_commit",
    "atomic",
    "effects_of",
    "emit",
    "handler_name",
    "handlers_of",
    "in_atomic",
    "needed",
    "publish",
    "rerun_delay",
    "reset_reruns",
    "retry_unsettled",
    "subscribe",
    "subscribe_effect",
    "unsubscribe",
]
