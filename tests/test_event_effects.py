"""Effects: best-effort reactions after the commit, outside the outbox (leaderboards). A purchase
that no outbox handler needs costs no second transaction, and still reaches the boards."""

from __future__ import annotations

from gamification import events
from gamification.events import EventType
from gamification.events.models import Event, EventHandling
from gamification.events.payloads import ContestEntered
from gamification.points.models import EarningRuleKind
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    emit_event,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
)
from tests.graphql import GraphQLClient

BOARD = """
query { leaderboard(board: "points", period: ALL_TIME, first: 5) { me { rank score } } }
"""


async def test_a_purchase_nobody_needs_is_settled_at_once_and_still_reaches_the_board(
    gql: GraphQLClient,
) -> None:
    # given a program with no badge, challenge or webhook, and a member who was not referred
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)
    # when a shop reports a purchase
    payload = await till.mutate(
        RECORD_PURCHASE, purchase_input(member.id, "e-1", [("S", "c", 2, "10.00")])
    )
    assert payload["errors"] == []
    # then its events were written settled (no outbox round) and no handler ran for them
    recorded = await Event.filter(member_id=member.id).order_by("id")
    assert {e.type for e in recorded} == {"POINTS_EARNED", "PURCHASE_RECORDED"}
    assert all(e.settled_at is not None for e in recorded)
    assert not await EventHandling.filter(event_id__in=[e.id for e in recorded]).exists()
    # and the points board, an effect, has the points
    board = (await member.client.query(BOARD))["leaderboard"]
    assert board["me"] == {"rank": 1, "score": 20}


async def test_a_referred_members_purchase_goes_through_the_outbox(gql: GraphQLClient) -> None:
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    till = await integration_client(gql, program)
    referrer = await sign_up(gql, program)
    referee = await sign_up(gql, program, referral_code=referrer.referral_code)
    await till.mutate(RECORD_PURCHASE, purchase_input(referee.id, "e-2"))
    recorded = await Event.get(member_id=referee.id, type="PURCHASE_RECORDED")
    assert recorded.data["referred"] is True
    # the referrals handler took it (and settled it after running)
    assert recorded.settled_at is not None


async def test_a_failing_effect_never_breaks_the_change_that_emitted_it(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    calls: list[int] = []

    async def broken(event: Event) -> None:
        calls.append(event.id)
        raise RuntimeError("redis went away")

    events.subscribe_effect(EventType.CONTEST_ENTERED, broken)
    try:
        event_id = await emit_event(ContestEntered(contest_id=1, entries=1), member.id, program.id)
    finally:
        events.unsubscribe(EventType.CONTEST_ENTERED, broken)
    assert calls == [event_id]
    assert await Event.exists(id=event_id)


async def test_an_effect_runs_only_after_a_commit(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    calls: list[int] = []

    async def record(event: Event) -> None:
        calls.append(event.id)

    events.subscribe_effect(EventType.CONTEST_ENTERED, record)
    try:
        try:
            async with events.atomic():
                await events.emit(
                    ContestEntered(contest_id=1, entries=1),
                    program_id=program.id,
                    member_id=member.id,
                )
                raise RuntimeError("the change fails")
        except RuntimeError:
            pass
    finally:
        events.unsubscribe(EventType.CONTEST_ENTERED, record)
    assert calls == []
