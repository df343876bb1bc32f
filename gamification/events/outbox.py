"""The outbox: events are emitted inside the transaction of the change they describe, and
handled by their registered handlers (registry.py: badges, challenges, referrals, webhooks)
before that transaction commits.

Inline: at the end of the outermost `atomic()` block, the handlers of its events run in one
savepoint, so their work commits with the change and the events are written already settled (no
second transaction). Events the handlers emit (an award, its points, a completed challenge) are
handled the same way, up to INLINE_ROUNDS rounds.

A handler that fails never breaks the caller: its savepoint is rolled back, the events of that
round go back to unsettled and, once the change has committed, are published: run again in a
transaction of their own, each handler in a savepoint. An event is claimed there by setting its
`settled_at` (a conditional UPDATE), so its handlers' work is applied once however often it is
published; when a handler fails again, the event stays unsettled, the handlers that succeeded are
recorded in `event_handling`, and `retry_unsettled()` (an arq cron scan) later runs the others
again. So a handler needs no idempotency of its own beyond its transaction.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.bulk import column, insert_all, new_row
from core.clock import clock
from gamification.events import live
from gamification.events.models import Event, EventHandling
from gamification.events.payloads import Payload, carry, payload_of, to_json, type_of
from gamification.events.registry import Subscription, effects_of, handlers_of, needed, run_effect

log = structlog.get_logger("gamification.events")


# How many rounds of handler-emitted events run inline before the rest waits for the commit.
INLINE_ROUNDS = 4


_pending: ContextVar[list[Event] | None] = ContextVar("pending_events", default=None)


@dataclass
class Outcome:
    """What became of the events of an `atomic()` block, complete once the block has exited.

    `handled`: some handler ran for them, so rows the block read (a member's balance) may have
    changed since: a caller answering with them reads them again. `pending`: some handler failed
    and the retry scan runs it again later; its work (a badge's points) is still to come."""

    handled: bool = False
    pending: bool = False


_outcome: ContextVar[Outcome | None] = ContextVar("events_outcome", default=None)


_after_commit: ContextVar[list[Callable[[], Awaitable[None]]] | None] = ContextVar(
    "after_commit", default=None
)


# Events emitted in the current block and not written yet (see _write).
_unsaved: ContextVar[list[Event] | None] = ContextVar("unsaved_events", default=None)


# Events the current block has written and not taken back: published live once it commits.
_written: ContextVar[list[Event] | None] = ContextVar("written_events", default=None)


async def _write() -> None:
    """Write the events emitted since the last write, in one statement."""
    unsaved = _unsaved.get()
    assert unsaved is not None
    batch = unsaved[:]
    del unsaved[:]
    await insert_all(batch)
    written = _written.get()
    if written is not None:
        written.extend(batch)


@asynccontextmanager
async def atomic() -> AsyncIterator[Outcome]:
    """A database transaction whose emitted events are handled before it commits (see the
    module docstring); those whose handlers failed are published once it has committed. It
    yields the block's Outcome, filled in when the block exits.

    Inside another `atomic()` it joins the outer one: events wait for the outermost block (and
    the outcome is the outer block's), and nothing is handled or published if it rolls back.
    """
    outer = _outcome.get()
    if _pending.get() is not None and outer is not None:
        yield outer
        return
    outcome = Outcome()
    events: list[Event] = []
    callbacks: list[Callable[[], Awaitable[None]]] = []
    deferred: list[Event] = []
    token = _pending.set(events)
    callbacks_token = _after_commit.set(callbacks)
    unsaved_token = _unsaved.set([])
    written: list[Event] = []
    written_token = _written.set(written)
    outcome_token = _outcome.set(outcome)
    try:
        async with in_transaction():
            yield outcome
            await _write()
            deferred = await _handle_inline(events, callbacks, outcome)
    finally:
        _pending.reset(token)
        _after_commit.reset(callbacks_token)
        _unsaved.reset(unsaved_token)
        _written.reset(written_token)
        _outcome.reset(outcome_token)
    # Committed: the live channel hears of the block's events (after the effects, so a board a
    # subscriber reads again already counts them), never from inside the transaction.
    for callback in callbacks:
        try:
            await callback()
        except Exception:  # best effort by contract: what it does must also be found by a scan
            log.exception("after-commit callback failed")
    try:
        await live.publish_committed(written)
    except Exception:  # best effort by contract: clients catch up from the activity list
        log.exception("live publish failed")
    if deferred:
        outcome.handled = True
        outcome.pending = not await publish(deferred)


async def _handle_inline(
    pending: list[Event], callbacks: list[Callable[[], Awaitable[None]]], outcome: Outcome
) -> list[Event]:
    """Run the handlers of this transaction's events before it commits, round after round (the
    handlers' own events make the next round), each round in a savepoint. Returns the events
    left for publish(): those of a failed round and any beyond INLINE_ROUNDS, marked unsettled
    again."""
    done = 0
    for _ in range(INLINE_ROUNDS):
        batch = pending[done:]
        if not batch:
            return []
        written = _written.get()
        assert written is not None
        marks = len(pending), len(callbacks), len(written)
        try:
            async with in_transaction():  # a savepoint
                await _run_handlers(batch)
                await _write()  # the events the handlers emitted
            outcome.handled = True
        except Exception:  # a handler's failure must not break the member's request
            # The savepoint took back the handlers' writes and the events they emitted.
            del pending[marks[0] :]
            del callbacks[marks[1] :]
            del written[marks[2] :]
            unsaved = _unsaved.get()
            assert unsaved is not None
            del unsaved[:]
            log.warning("event handlers failed inline; published after commit", exc_info=True)
            break
        done = marks[0]
    left = pending[done:]
    if left:
        await Event.filter(id__in=[event.id for event in left]).update(settled_at=None)
    return left


def in_atomic() -> bool:
    return _pending.get() is not None


def after_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run `callback` once the current `atomic()` block commits (never if it rolls back). For
    best-effort side effects such as enqueueing a job; a scan must be able to redo them."""
    callbacks = _after_commit.get()
    if callbacks is None:
        raise RuntimeError("after_commit() belongs inside an atomic() block")
    callbacks.append(callback)


async def emit(
    payload: Payload,
    *,
    program_id: int,
    member_id: int | None,
    occurred_at: datetime | None = None,
) -> Event:
    """Record the event whose data is `payload` (its class names the type) in the current
    `atomic()` block, settled: its handlers run before the commit (and unsettle it if they
    fail); an event that no handler wants is not handled. The block's events are written
    together (one INSERT) before their handlers run, so the returned event has no id until
    then."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("emit() belongs inside an atomic() block")
    event_type = type_of(payload).value
    data = to_json(payload)
    wanted = await needed(program_id, event_type, member_id, payload)
    now = clock.now()
    event = new_row(
        Event,
        program_id=program_id,
        member_id=member_id,
        type=event_type,
        data=data,
        occurred_at=occurred_at or now,
        settled_at=now,
    )
    carry(event, payload)
    unsaved = _unsaved.get()
    assert unsaved is not None
    unsaved.append(event)
    if wanted:
        pending.append(event)
    for effect in effects_of(event_type):
        if await effect.wanted(program_id, event_type, member_id, payload):
            after_commit(functools.partial(run_effect, effect, event))
    return event


async def _run_isolated(event: Event, handler: Subscription) -> bool:
    """Run one handler inside a savepoint of the current transaction: if it fails, its writes,
    its locks, and the events and callbacks it queued are undone, and the others go on."""
    pending, callbacks, unsaved = _pending.get(), _after_commit.get(), _unsaved.get()
    assert pending is not None and callbacks is not None and unsaved is not None
    marks = len(pending), len(callbacks), len(unsaved)
    try:
        async with in_transaction():
            await handler.run([event])
        return True
    except Exception:  # a handler's failure must not break the member's request
        del pending[marks[0] :]
        del callbacks[marks[1] :]
        del unsaved[marks[2] :]
        log.exception("event handler failed", event_id=event.id, handler=handler.name)
        return False


async def _handle(event: Event, *, rerun: bool) -> bool:
    """Process one event inside the current `atomic()` block. Returns whether it is settled.

    The claim is a conditional UPDATE of the event row (settled_at null -> now): a concurrent
    publisher of the same event waits on that row and then finds it settled, so a handler's work
    is never applied twice. If some handler fails, the event goes back to unsettled and the
    handlers that succeeded are recorded, so the scan only runs the others again."""
    if not await Event.filter(id=event.id, settled_at__isnull=True).update(settled_at=clock.now()):
        return True  # someone else settled it
    done: set[str] = set()
    if rerun:
        done = set(await column(EventHandling.filter(event_id=event.id), "handler"))
    succeeded: list[str] = []
    failed = False
    for handler in handlers_of(event.type):
        if handler.name in done:
            continue
        if await _run_isolated(event, handler):
            succeeded.append(handler.name)
        else:
            failed = True
    if not failed:
        return True
    await Event.filter(id=event.id).update(settled_at=None)
    now = clock.now()
    await EventHandling.bulk_create(
        [EventHandling(event_id=event.id, handler=name, handled_at=now) for name in succeeded],
        ignore_conflicts=True,
    )
    return False


class _Contended(Exception):
    """Some event of the batch was already claimed: go the careful way."""


async def _handle_all_at_once(batch: list[Event]) -> None:
    # One claim for the batch, then every handler straight through: the common case, with fewer
    # round trips than a savepoint around each handler.
    ids = [event.id for event in batch]
    if await Event.filter(id__in=ids, settled_at__isnull=True).update(
        settled_at=clock.now()
    ) != len(ids):
        raise _Contended
    await _run_handlers(batch)


async def _run_handlers(batch: list[Event]) -> None:
    # Each handler once, with the events it wants in emission order; handlers in the order
    # they first appear: the first event's in subscription order, then those new to the next.
    wanted: dict[str, tuple[Subscription, list[Event]]] = {}
    for event in batch:
        for handler in handlers_of(event.type):
            if await handler.wanted(
                event.program_id, event.type, event.member_id, payload_of(event)
            ):
                wanted.setdefault(handler.name, (handler, []))[1].append(event)
    for handler, its_events in wanted.values():
        await handler.run(its_events)


async def publish(events: Iterable[Event]) -> bool:
    """Run the handlers of committed events, all in one transaction (one commit however many
    handlers). If anything fails, that transaction is rolled back and the batch is run again
    with each handler in its own savepoint, so one failing handler costs only its own work.
    Failures are logged, never raised: the event stays unsettled and the scan runs its missing
    handlers again. Returns whether everything settled (False: some work waits for the scan)."""
    batch = list(events)
    if not batch:
        return True
    try:
        async with atomic() as outcome:
            await _handle_all_at_once(batch)
        return not outcome.pending
    except _Contended:
        pass
    except Exception:
        log.warning("event handlers failed: retrying each in isolation", exc_info=True)
    try:
        async with atomic() as outcome:
            settled = [await _handle(event, rerun=False) for event in batch]
        return all(settled) and not outcome.pending
    except Exception:  # the caller's change is committed; the scan finishes the work
        log.exception("publishing events failed", events=[e.id for e in batch])
        return False


# The scan's re-runs of a failing handler back off (1, 2, 4... minutes, at most an hour between
# two) and stop after MAX_RERUNS, about a day: a handler that always fails must not be run every
# minute forever. Such an event stays unsettled; `reset_reruns` hands it back to the scan once
# the cause is fixed.
MAX_RERUNS = 30


MAX_RERUN_DELAY = timedelta(hours=1)


def rerun_delay(reruns: int) -> timedelta:
    return min(timedelta(minutes=2 ** min(reruns, 10)), MAX_RERUN_DELAY)


async def reset_reruns(event_ids: Iterable[int]) -> int:
    """Let the scan try these unsettled events again from scratch."""
    return await Event.filter(id__in=list(event_ids), settled_at__isnull=True).update(
        reruns=0, next_rerun_at=None
    )


async def retry_unsettled(grace: timedelta = timedelta(minutes=1), batch_size: int = 200) -> int:
    """Run again the handlers that have not processed events older than `grace` (younger ones are
    probably being published right now). Returns how many events it settled. Idempotent, and
    safe in several workers at once."""
    settled = 0
    last_id = 0
    while True:
        now = clock.now()
        rows = (
            await Event.filter(
                Q(next_rerun_at__isnull=True) | Q(next_rerun_at__lte=now),
                settled_at__isnull=True,
                id__gt=last_id,
                occurred_at__lte=now - grace,
                reruns__lt=MAX_RERUNS,
            )
            .order_by("id")
            .limit(batch_size)
        )
        if not rows:
            return settled
        for event in rows:
            last_id = event.id
            # Counted before the attempt, in its own statement: a failed attempt rolls back
            # everything else it did, but not this.
            await Event.filter(id=event.id).update(
                reruns=event.reruns + 1, next_rerun_at=now + rerun_delay(event.reruns)
            )
            if event.reruns + 1 == MAX_RERUNS:
                log.error("last re-run of an event's handlers", event_id=event.id)
            try:
                async with atomic():
                    settled += await _handle(event, rerun=True)
            except Exception:
                log.exception("re-running event handlers failed", event_id=event.id)


async def backlog() -> int:
    """How many events wait for a handler (unsettled), in every program: the outbox's backlog."""
    return await Event.filter(settled_at__isnull=True).count()
