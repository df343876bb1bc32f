"""The outbox: a failing handler never breaks the request nor loses the event, the scan re-runs
it, handlers apply each event once however often they run; and the member's activity feed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from arq import Worker
from starlette.applications import Starlette

from badges.models import BadgeProgress
from core.clock import clock
from gamification import events
from gamification.accounts.models import Member
from gamification.events import EventType
from gamification.events.models import Event, EventHandling
from gamification.events.payloads import ContestEntered
from gamification.points import ledger
from gamification.points.models import LedgerEntry, LedgerKind
from tests.builders import (
    assert_ledger_consistent,
    emit_event,
    give_points,
    new_program,
    purchase_event,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient
from tests.workers import run_burst_worker

ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { pointsBalance errors { code } }
}
"""
CREATE_BADGE = """
mutation($input: CreateBadgeInput!) { createBadge(input: $input) { badge { id } errors { code } } }
"""
ACTIVITY = """
query($first: Int, $after: String) {
  me {
    activity(first: $first, after: $after) {
      edges { node { id type text occurredAt data } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def run_scan(app: Starlette, redis_url: str) -> Worker:
    await app.state.arq.enqueue_job("retry_event_handlers")
    worker = await run_burst_worker(redis_url)
    return worker


class FlakyHandler:
    """A subscriber that fails its first `failures` calls, as a crashing consumer would."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[int] = []
        self.__name__ = self.__qualname__ = "FlakyHandler"
        self.__module__ = __name__

    async def __call__(self, event: Event) -> None:
        self.calls.append(event.id)
        if len(self.calls) <= self.failures:
            raise RuntimeError("receiver down")


async def test_a_failing_handler_does_not_break_the_request_and_is_rerun_by_the_scan(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    # it fails inline (before the commit), after the commit with the others and again when run
    # alone; the scan's run succeeds
    flaky = FlakyHandler(failures=3)
    events.subscribe(EventType.POINTS_ADJUSTED, flaky)
    try:
        start = datetime.now(UTC)
        with clock.frozen_at(start) as time:
            # when the handler fails, the mutation still succeeds
            payload = await manager.mutate(
                ADJUST,
                {"memberId": str(member.id), "delta": 40, "reason": "x", "idempotencyKey": "k1"},
            )
            assert payload == {"pointsBalance": 40, "errors": []}
            event = await Event.get(member_id=member.id, type="POINTS_ADJUSTED")
            assert event.settled_at is None
            assert len(flaky.calls) == 3
            # the handlers that succeeded are recorded, so the scan will not run them again
            done = set(
                await EventHandling.filter(event_id=event.id).values_list("handler", flat=True)
            )
            assert events.handler_name(flaky) not in done
            assert "badges.awarding.on_events" in done

            # a young event is left to its live publication
            await run_scan(app, redis_url)
            assert len(flaky.calls) == 3

            # then the scan runs the missing handler again, and only that one
            time.advance(timedelta(minutes=2))
            worker = await run_scan(app, redis_url)
            assert worker.jobs_failed == 0
            assert flaky.calls == [event.id] * 4
            assert (await Event.get(id=event.id)).settled_at is not None

            # and a settled event is never run again
            await run_scan(app, redis_url)
            assert len(flaky.calls) == 4
    finally:
        events.unsubscribe(EventType.POINTS_ADJUSTED, flaky)


async def test_an_event_committed_but_never_published_is_handled_by_the_scan(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    # given a badge, and a purchase event whose process died between commit and publish
    program = await new_program()
    member = await sign_up(gql, program)
    staff = await staff_client(gql, program, "MANAGER")
    badge = await staff.mutate(
        CREATE_BADGE,
        {
            "name": "First",
            "criteria": "EVENT_COUNT",
            "eventType": "PURCHASE_RECORDED",
            "thresholds": ["1"],
        },
    )
    badge_id = int(badge["badge"]["id"])
    past = datetime.now(UTC) - timedelta(minutes=5)
    await Event.create(
        program_id=program.id,
        member_id=member.id,
        type="PURCHASE_RECORDED",
        data={"purchase_id": 1, "total": "5.00", "lines": []},
        occurred_at=past,
    )
    # when the scan runs
    await run_scan(app, redis_url)
    # then nothing was lost
    progress = await BadgeProgress.get(member_id=member.id, badge_id=badge_id)
    assert progress.value == 1 and progress.level == 1


async def test_publishing_one_event_many_times_at_once_applies_it_once(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    staff = await staff_client(gql, program, "MANAGER")
    badge = await staff.mutate(
        CREATE_BADGE,
        {
            "name": "Count",
            "criteria": "EVENT_COUNT",
            "eventType": "PURCHASE_RECORDED",
            "thresholds": ["1", "2"],
        },
    )
    event_id = await purchase_event(member.id, program.id)
    event = await Event.get(id=event_id)
    await asyncio.gather(*(events.publish([event]) for _ in range(10)))
    await events.retry_unsettled(grace=timedelta(0))
    progress = await BadgeProgress.get(member_id=member.id, badge_id=int(badge["badge"]["id"]))
    assert progress.value == 1 and progress.level == 1


async def test_the_activity_feed_shows_my_own_events_newest_first_with_a_text(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    other = await sign_up(gql, program)
    staff = await staff_client(gql, program, "MANAGER")
    await staff.mutate(
        CREATE_BADGE,
        {
            "name": "Regular",
            "criteria": "EVENT_COUNT",
            "eventType": "PURCHASE_RECORDED",
            "thresholds": ["1"],
        },
    )
    await purchase_event(member.id, program.id, total="12.50")
    await give_points(member.id, 30)
    await purchase_event(other.id, program.id)

    first = (await member.client.query(ACTIVITY, {"first": 2}))["me"]["activity"]
    texts = [e["node"]["text"] for e in first["edges"]]
    assert texts == ["You earned 30 points.", "You earned the badge Regular."]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await member.client.query(ACTIVITY, {"after": first["pageInfo"]["endCursor"]})
    nodes = [e["node"] for e in rest["me"]["activity"]["edges"]]
    purchase = next(n for n in nodes if n["type"] == "PURCHASE_RECORDED")
    assert purchase["text"] == "Purchase of 12.50 EUR recorded."
    assert purchase["data"]["total"] == "12.50"
    mine = {e["node"]["id"] for e in first["edges"]} | {n["id"] for n in nodes}
    theirs = {str(e.id) for e in await Event.filter(member_id=other.id)}
    assert not mine & theirs


async def test_a_handler_that_always_fails_is_retried_with_backoff_then_left_for_an_operator(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    broken = FlakyHandler(failures=10_000)
    events.subscribe(EventType.CONTEST_ENTERED, broken)
    try:
        start = datetime.now(UTC)
        with clock.frozen_at(start) as time:
            event_id = await emit_event(
                ContestEntered(contest_id=1, entries=1), member.id, program.id
            )
            published = len(broken.calls)  # the live publication (and its isolated retry)
            # scans every minute for a day and a half
            for _ in range(36 * 60):
                time.advance(timedelta(minutes=1))
                await events.retry_unsettled()
            reruns = len(broken.calls) - published
            event = await Event.get(id=event_id)
            assert reruns == events.MAX_RERUNS
            assert event.settled_at is None and event.reruns == events.MAX_RERUNS
            # once fixed, an operator hands it back and the next scan settles it
            broken.failures = 0
            assert await events.reset_reruns([event_id]) == 1
            time.advance(timedelta(minutes=1))
            assert await events.retry_unsettled() == 1
            assert (await Event.get(id=event_id)).settled_at is not None
    finally:
        events.unsubscribe(EventType.CONTEST_ENTERED, broken)


class WritingHandler:
    """A subscriber that credits the member a few points through the ledger (a write, and the
    POINTS_EARNED event it emits) and then fails, `failures` times, as a half-done consumer
    would."""

    REFERENCE = "writing-handler"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[int] = []
        self.__name__ = self.__qualname__ = "WritingHandler"
        self.__module__ = __name__

    async def __call__(self, event: Event) -> None:
        self.calls.append(event.id)
        assert event.member_id is not None
        await ledger.credit(
            await Member.get(id=event.member_id),
            7,
            LedgerKind.BONUS,
            expires_at=None,
            reason=f"handler run {len(self.calls)}",
            reference=self.REFERENCE,
        )
        if len(self.calls) <= self.failures:
            raise RuntimeError("failed after writing")


async def _written_by_handler(member_id: int) -> tuple[int, int]:
    """The ledger entries and the events that WritingHandler's credits left for a member."""
    entries = await LedgerEntry.filter(member_id=member_id, reference=WritingHandler.REFERENCE)
    emitted = [
        e
        for e in await Event.filter(member_id=member_id, type="POINTS_EARNED")
        if (e.data or {}).get("reference") == WritingHandler.REFERENCE
    ]
    return len(entries), len(emitted)


async def test_a_handler_failing_inline_loses_its_writes_while_the_change_commits(
    gql: GraphQLClient,
) -> None:
    # given a handler of staff adjustments that writes to the ledger, then fails every time
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    failing = WritingHandler(failures=10_000)
    events.subscribe(EventType.POINTS_ADJUSTED, failing)
    try:
        # when a manager credits the member
        payload = await manager.mutate(
            ADJUST,
            {"memberId": str(member.id), "delta": 40, "reason": "x", "idempotencyKey": "w1"},
        )
        # then the adjustment commits, and nothing the handler wrote (nor the event its write
        # emitted) survives: inline, with the others after the commit, and alone
        assert payload == {"pointsBalance": 40, "errors": []}
        event = await Event.get(member_id=member.id, type="POINTS_ADJUSTED")
        assert failing.calls == [event.id] * 3
        assert await _written_by_handler(member.id) == (0, 0)
        assert await assert_ledger_consistent(member.id) == 40
        # and the event is left unsettled for the scan, the other handlers' work recorded
        assert event.settled_at is None
        done = set(await EventHandling.filter(event_id=event.id).values_list("handler", flat=True))
        assert events.handler_name(failing) not in done
        assert "badges.awarding.on_events" in done
    finally:
        events.unsubscribe(EventType.POINTS_ADJUSTED, failing)


async def test_a_handler_failing_only_inline_has_its_work_applied_once_after_the_commit(
    gql: GraphQLClient,
) -> None:
    # given a handler that writes and then fails its first (inline) run only
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    flaky = WritingHandler(failures=1)
    events.subscribe(EventType.POINTS_ADJUSTED, flaky)
    try:
        # when a manager credits the member
        payload = await manager.mutate(
            ADJUST,
            {"memberId": str(member.id), "delta": 40, "reason": "x", "idempotencyKey": "w2"},
        )
        # then the inline run's write was taken back and the publication after the commit
        # (before the answer) applied it once: one credit (the second run's), not two
        assert payload == {"pointsBalance": 47, "errors": []}
        event = await Event.get(member_id=member.id, type="POINTS_ADJUSTED")
        assert flaky.calls == [event.id] * 2
        assert await _written_by_handler(member.id) == (1, 1)
        entry = await LedgerEntry.get(member_id=member.id, reference=WritingHandler.REFERENCE)
        assert entry.reason == "handler run 2"
        assert await assert_ledger_consistent(member.id) == 47
        assert (await Event.get(id=event.id)).settled_at is not None
    finally:
        events.unsubscribe(EventType.POINTS_ADJUSTED, flaky)


async def test_a_handler_succeeding_inline_commits_with_the_change_and_settles_its_event(
    gql: GraphQLClient,
) -> None:
    # given a handler of staff adjustments that writes to the ledger and succeeds
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    writing = WritingHandler(failures=0)
    events.subscribe(EventType.POINTS_ADJUSTED, writing)
    try:
        # when a manager credits the member
        payload = await manager.mutate(
            ADJUST,
            {"memberId": str(member.id), "delta": 40, "reason": "x", "idempotencyKey": "w3"},
        )
        # then the handler ran once, before the commit: its write and its event are there
        assert payload == {"pointsBalance": 47, "errors": []}
        event = await Event.get(member_id=member.id, type="POINTS_ADJUSTED")
        assert writing.calls == [event.id]
        assert await _written_by_handler(member.id) == (1, 1)
        assert await assert_ledger_consistent(member.id) == 47
        # and the event was written settled: no claim, no per-handler record, nothing unsettled
        assert event.settled_at is not None and event.settled_at == event.occurred_at
        assert not await EventHandling.filter(event_id=event.id).exists()
        assert not await Event.filter(member_id=member.id, settled_at__isnull=True).exists()
    finally:
        events.unsubscribe(EventType.POINTS_ADJUSTED, writing)
