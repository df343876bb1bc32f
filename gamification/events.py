"""Domain events: emitted inside the transaction of the change they describe, then published to the
registered handlers (badges, challenges, leaderboards, webhooks) once that transaction commits.

A handler that fails is logged and never breaks the caller: the event row is already committed.

The `data` of each type (ids are ints, money is a decimal string, times ISO-8601):
- PURCHASE_RECORDED: purchase_id, external_id, total, currency, points, first_purchase,
  lines [{sku, category, quantity, unit_price}]; `occurred_at` is the purchase's own time
- PURCHASE_REFUNDED: purchase_id, refund_id, amount, points_reversed
- POINTS_EARNED / POINTS_SPENT / POINTS_REVERSED: points, kind, reference, entry
- POINTS_EXPIRED: points, lot; POINTS_ADJUSTED: points (signed), reason, staff, entry
- TIER_CHANGED: from, to (tier ids or null), rank, reason
- MEMBERSHIP_ACTIVATED: membership_id, plan_id, tier_id, ends_at; MEMBERSHIP_ENDED: membership_id,
  plan_id
- REWARD_REDEEMED: redemption_id, reward_id, points
- REDEMPTION_USED / REDEMPTION_CANCELLED / REDEMPTION_EXPIRED: redemption_id, reward_id,
  points_refunded
- BADGE_AWARDED: badge_id, level; CHALLENGE_JOINED / CHALLENGE_COMPLETED: challenge_id
- REFERRAL_QUALIFIED (member = the referrer): referral_id, referee_id
- REFERRAL_CAPPED / REFERRAL_REVERSED (member = the referrer): referral_id, referee_id
- GAME_PLAYED: game_id, play_id, won; PRIZE_WON: prize_id and game_id or contest_id, kind
  (POINTS/REWARD/PRIZE), and play_id (games) or slot (contests)
- CONTEST_ENTERED: contest_id, entries
- MEMBER_BLOCKED: reason, staff; MEMBER_UNBLOCKED: staff; MEMBER_ANONYMISED: by ("member" or a
  staff id)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from typing import Any

import structlog
from tortoise.transactions import in_transaction

from core.clock import clock
from gamification.models import Event

log = structlog.get_logger("gamification.events")


class EventType(StrEnum):
    MEMBER_SIGNED_UP = "MEMBER_SIGNED_UP"
    MEMBER_BLOCKED = "MEMBER_BLOCKED"
    MEMBER_UNBLOCKED = "MEMBER_UNBLOCKED"
    MEMBER_ANONYMISED = "MEMBER_ANONYMISED"
    PURCHASE_RECORDED = "PURCHASE_RECORDED"
    PURCHASE_REFUNDED = "PURCHASE_REFUNDED"
    POINTS_EARNED = "POINTS_EARNED"
    POINTS_SPENT = "POINTS_SPENT"
    POINTS_EXPIRED = "POINTS_EXPIRED"
    POINTS_ADJUSTED = "POINTS_ADJUSTED"
    POINTS_REVERSED = "POINTS_REVERSED"
    TIER_CHANGED = "TIER_CHANGED"
    MEMBERSHIP_ACTIVATED = "MEMBERSHIP_ACTIVATED"
    MEMBERSHIP_ENDED = "MEMBERSHIP_ENDED"
    REWARD_REDEEMED = "REWARD_REDEEMED"
    REDEMPTION_USED = "REDEMPTION_USED"
    REDEMPTION_CANCELLED = "REDEMPTION_CANCELLED"
    REDEMPTION_EXPIRED = "REDEMPTION_EXPIRED"
    BADGE_AWARDED = "BADGE_AWARDED"
    CHALLENGE_JOINED = "CHALLENGE_JOINED"
    CHALLENGE_COMPLETED = "CHALLENGE_COMPLETED"
    REFERRAL_QUALIFIED = "REFERRAL_QUALIFIED"
    REFERRAL_CAPPED = "REFERRAL_CAPPED"
    REFERRAL_REVERSED = "REFERRAL_REVERSED"
    GAME_PLAYED = "GAME_PLAYED"
    PRIZE_WON = "PRIZE_WON"
    CONTEST_ENTERED = "CONTEST_ENTERED"


Handler = Callable[[Event], Awaitable[None]]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event_type: EventType, handler: Handler) -> None:
    """Register `handler` for `event_type` (at import time of the subscribing package)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


_pending: ContextVar[list[Event] | None] = ContextVar("pending_events", default=None)


@asynccontextmanager
async def atomic() -> AsyncIterator[None]:
    """A database transaction whose emitted events are published once it commits.

    Inside another `atomic()` it joins the outer one: events wait for the outermost commit, and
    nothing is published if it rolls back.
    """
    if _pending.get() is not None:
        yield
        return
    events: list[Event] = []
    token = _pending.set(events)
    try:
        async with in_transaction():
            yield
    finally:
        _pending.reset(token)
    await publish(events)


async def emit(
    event_type: EventType,
    *,
    program_id: int,
    member_id: int | None,
    data: dict[str, Any],
    occurred_at: datetime | None = None,
) -> Event:
    """Write the event inside the current `atomic()` block; it is published after the commit."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("emit() belongs inside an atomic() block")
    event = await Event.create(
        program_id=program_id,
        member_id=member_id,
        type=event_type.value,
        data=data,
        occurred_at=occurred_at or clock.now(),
    )
    pending.append(event)
    return event


async def publish(events: Iterable[Event]) -> None:
    """Run the handlers of committed events. Failures are logged, never raised."""
    for event in events:
        for handler in _handlers.get(event.type, ()):
            try:
                await handler(event)
            except Exception:  # a handler's failure must not break the member's request
                log.exception("event handler failed", event_id=event.id, handler=handler.__name__)
