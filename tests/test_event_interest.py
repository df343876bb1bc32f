"""Events nobody needs skip the outbox's second transaction: handlers declare which events of
which program they want from per-program caches, invalidated by the services that change the
definitions. An event some handler wants still goes through the outbox and its retries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from arq import Worker
from redis.asyncio import Redis
from starlette.applications import Starlette

import bootstrap
from badges.models import Badge, BadgeAward, BadgeProgress
from core.clock import clock
from gamification import events, leaderboards
from gamification.events import EventType, caches
from gamification.events.models import Event, EventHandling
from gamification.events.payloads import GamePlayed
from tests.builders import (
    emit_event,
    give_points,
    new_program,
    sign_up,
    spend_points,
    staff_client,
)
from tests.graphql import GraphQLClient
from tests.workers import run_burst_worker

CREATE_BADGE = """
mutation($input: CreateBadgeInput!) { createBadge(input: $input) { badge { id } errors { code } } }
"""
ARCHIVE_BADGE = """
mutation($input: ArchiveBadgeInput!) {
  archiveBadge(input: $input) { badge { id archived } errors { code } }
}
"""
PLAYED = GamePlayed(game_id=1, play_id=1, won=False)


async def run_scan(app: Starlette, redis_url: str) -> Worker:
    await app.state.arq.enqueue_job("retry_event_handlers")
    worker = await run_burst_worker(redis_url)
    return worker


class FlakyHandler:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[int] = []
        self.__name__ = self.__qualname__ = "InterestFlakyHandler"
        self.__module__ = __name__

    async def __call__(self, event: Event) -> None:
        self.calls.append(event.id)
        if len(self.calls) <= self.failures:
            raise RuntimeError("receiver down")


async def test_an_event_no_handler_wants_is_written_settled_and_handled_by_nobody(
    gql: GraphQLClient,
) -> None:
    # given a program with no badge, challenge or webhook
    program = await new_program()
    member = await sign_up(gql, program)
    # when a game is played
    event_id = await emit_event(PLAYED, member.id, program.id)
    # then the event is settled from its insert and no handler recorded anything
    event = await Event.get(id=event_id)
    assert event.settled_at is not None
    assert not await EventHandling.filter(event_id=event_id).exists()
    assert not await Event.filter(program_id=program.id, settled_at__isnull=True).exists()


async def test_a_new_badge_counts_the_very_next_event_and_an_archived_one_stops(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    staff = await staff_client(gql, program, "MANAGER")
    # the cache learns that nothing listens to GAME_PLAYED in this program
    await emit_event(PLAYED, member.id, program.id)
    # when a badge counting plays is created
    payload = await staff.mutate(
        CREATE_BADGE,
        {
            "name": "Player",
            "criteria": "EVENT_COUNT",
            "eventType": "GAME_PLAYED",
            "thresholds": ["2"],
        },
    )
    assert payload["errors"] == []
    badge_id = int(payload["badge"]["id"])
    # then the next two plays count and award it
    first = await emit_event(PLAYED, member.id, program.id)
    assert (await Event.get(id=first)).settled_at is not None  # handled after the commit
    await emit_event(PLAYED, member.id, program.id)
    progress = await BadgeProgress.get(member_id=member.id, badge_id=badge_id)
    assert (progress.value, progress.level) == (2, 1)
    assert await BadgeAward.filter(member_id=member.id, badge_id=badge_id).count() == 1
    # and once archived, plays no longer move it
    payload = await staff.mutate(ARCHIVE_BADGE, {"badgeId": str(badge_id)})
    assert payload["errors"] == []
    await emit_event(PLAYED, member.id, program.id)
    progress = await BadgeProgress.get(member_id=member.id, badge_id=badge_id)
    assert progress.value == 2


async def test_concurrent_events_right_after_a_badge_is_created_all_count(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    members = [await sign_up(gql, program) for _ in range(4)]
    staff = await staff_client(gql, program, "MANAGER")
    await emit_event(PLAYED, members[0].id, program.id)  # primes the cache
    payload = await staff.mutate(
        CREATE_BADGE,
        {"name": "P", "criteria": "EVENT_COUNT", "eventType": "GAME_PLAYED", "thresholds": ["9"]},
    )
    badge_id = int(payload["badge"]["id"])
    await asyncio.gather(*(emit_event(PLAYED, m.id, program.id) for m in members for _ in range(3)))
    rows = await BadgeProgress.filter(badge_id=badge_id).values_list("value", flat=True)
    assert sorted(rows) == [3, 3, 3, 3]


async def test_a_wanted_event_whose_handler_fails_is_still_retried_by_the_scan(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    wanted_program = await new_program()
    other_program = await new_program()
    member = await sign_up(gql, wanted_program)
    outsider = await sign_up(gql, other_program)
    flaky = FlakyHandler(failures=3)  # inline, after the commit, and alone

    async def wants(
        program_id: int, event_type: str, member_id: int | None, data: dict[str, object]
    ) -> bool:
        return program_id == wanted_program.id

    events.subscribe(EventType.GAME_PLAYED, flaky, wants)
    try:
        with clock.frozen_at(datetime.now(UTC)) as time:
            # an event the handler declines never reaches it and is settled at once
            declined = await emit_event(PLAYED, outsider.id, other_program.id)
            assert (await Event.get(id=declined)).settled_at is not None
            assert flaky.calls == []
            # a wanted one whose handler fails stays unsettled...
            event_id = await emit_event(PLAYED, member.id, wanted_program.id)
            assert (await Event.get(id=event_id)).settled_at is None
            assert flaky.calls == [event_id] * 3
            # ...and the scan runs it again, once
            time.advance(timedelta(minutes=2))
            worker = await run_scan(app, redis_url)
            assert worker.jobs_failed == 0
            assert flaky.calls == [event_id] * 4
            assert (await Event.get(id=event_id)).settled_at is not None
            await run_scan(app, redis_url)
            assert len(flaky.calls) == 4
    finally:
        events.unsubscribe(EventType.GAME_PLAYED, flaky)


async def test_a_definition_made_in_another_process_is_seen_within_the_ttl(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")

    async def listened(program_id: int) -> set[str]:
        rows = await Badge.filter(program_id=program_id, archived_at__isnull=True).values_list(
            "listens_to", flat=True
        )
        return set(rows)

    # a cache that nobody invalidates: another API process's view of this program, on a
    # monotonic clock of the test's own (so a slow machine cannot make the entry expire early)
    now = [1_000.0]
    elsewhere = caches.ProgramTypes(listened, ttl=5.0, monotonic=lambda: now[0])
    assert not await elsewhere.wants(program.id, "GAME_PLAYED")
    payload = await staff.mutate(
        CREATE_BADGE,
        {"name": "P", "criteria": "EVENT_COUNT", "eventType": "GAME_PLAYED", "thresholds": ["1"]},
    )
    assert payload["errors"] == []
    # stale until its entry expires, then right
    assert not await elsewhere.wants(program.id, "GAME_PLAYED")
    now[0] += 4.9
    assert not await elsewhere.wants(program.id, "GAME_PLAYED")
    now[0] += 0.2
    assert await elsewhere.wants(program.id, "GAME_PLAYED")


async def test_spending_points_skips_the_outbox_while_earning_still_moves_the_board(
    gql: GraphQLClient, redis: Redis
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    assert bootstrap.current().redis is redis  # the app's Redis feeds the boards
    await give_points(member.id, 50)
    earned = await Event.get(member_id=member.id, type="POINTS_EARNED")
    assert earned.settled_at is not None
    # when points are spent on a reward (a kind no board counts)
    await spend_points(member.id, 20, reference="r:1")
    spent = await Event.get(member_id=member.id, type="POINTS_SPENT")
    # then the event was settled at insert, and the board still shows what was earned
    assert spent.settled_at is not None
    assert not await EventHandling.filter(event_id=spent.id).exists()
    view = await leaderboards.read_board(
        redis,
        program.id,
        leaderboards.POINTS,
        leaderboards.Period.ALL_TIME,
        member_id=member.id,
    )
    assert view.me is not None and view.me.score == 50


async def test_a_load_in_flight_when_its_program_changes_is_not_kept() -> None:
    # given a per-process cache whose first load is still reading when the program changes
    reads = 0
    first_read_started, change_made = asyncio.Event(), asyncio.Event()

    async def load(program_id: int) -> int:
        nonlocal reads
        reads += 1
        if reads == 1:
            first_read_started.set()
            await change_made.wait()  # the rows it read are now out of date
        return reads

    cache = caches.ProgramCache(load)
    in_flight = asyncio.create_task(cache.get(7))
    await first_read_started.wait()
    cache.invalidate(7)
    change_made.set()
    # then the caller in flight gets what it read, but the next one reads again
    assert await in_flight == 1
    assert await cache.get(7) == 2
    assert await cache.get(7) == 2  # and that fresh read is kept
