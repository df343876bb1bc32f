"""Domain events: emitted inside the transaction of the change they describe (`outbox`), handled
by the handlers registered for their type (`registry`); `types` names them, `payloads` holds the
data each type carries, `caches` the per-process caches that let an event nobody needs skip the
outbox.

The names callers use are re-exported here: `events.atomic()`, `events.emit(payload, ...)`,
`events.subscribe(...)`, `events.payload_of(event)`, `EventType`; the payload classes are
imported from `gamification.events.payloads`.
"""

from gamification.events.outbox import (
    INLINE_ROUNDS,
    MAX_RERUN_DELAY,
    MAX_RERUNS,
    after_commit,
    atomic,
    backlog,
    emit,
    in_atomic,
    publish,
    rerun_delay,
    reset_reruns,
    retry_unsettled,
)
from gamification.events.payloads import Payload, PayloadError, payload_of
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
    "Payload",
    "PayloadError",
    "Subscription",
    "Wants",
    "after_commit",
    "atomic",
    "backlog",
    "effects_of",
    "emit",
    "handler_name",
    "handlers_of",
    "in_atomic",
    "needed",
    "payload_of",
    "publish",
    "rerun_delay",
    "reset_reruns",
    "retry_unsettled",
    "subscribe",
    "subscribe_effect",
    "unsubscribe",
]
