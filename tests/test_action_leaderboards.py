"""Boards of one action type (`action:<code>`: "most reviews this month"): fed by ACTION_RECORDED
as actions are reported, rebuilt from the members' actions, per program, without erased members."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from core.clock import clock
from gamification import leaderboards
from tests.builders import integration_client, new_program, sign_up, staff_client
from tests.graphql import GraphQLClient, codes
from tests.live import connected
from tests.serving import served
from tests.test_actions import CREATE, RECORD, action_type, report
from tests.test_leaderboards import ANONYMISE, LEADERBOARD, board, scores, snapshot

SETTINGS_OVERRIDES = {"access_token_ttl_seconds": 90 * 86_400}

REVIEWS_CHANGED = """
subscription {
  leaderboardChanged(board: "action:review", period: MONTH, around: 1) {
    board me { rank score } around { rank score member { displayName } } eventId
  }
}
"""


@pytest.fixture(scope="module")
async def base_url(app: Starlette) -> AsyncIterator[str]:
    async with served(app) as url:
        yield url


def real_now() -> datetime:
    # Redis expires the period boards by its own clock: frozen tests start at the real time.
    return datetime.now(UTC).replace(microsecond=0)


async def test_concurrent_actions_of_several_members_score_exactly_on_their_types_board(
    gql: GraphQLClient,
) -> None:
    # given a program with reviews and check-ins, and four members
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    await action_type(manager, code="review", name="Review", points=20)
    await action_type(manager, code="check-in", name="Check-in", points=5)
    members = [await sign_up(gql, program, display_name=f"W{i}") for i in range(4)]
    # when the integration reports 1 to 4 reviews of each, and a check-in each, all at once
    results = await asyncio.gather(
        *(
            till.mutate(RECORD, report(m.id, "review", f"rev-{i}-{n}"))
            for i, m in enumerate(members)
            for n in range(i + 1)
        ),
        *(till.mutate(RECORD, report(m.id, "check-in", f"in-{i}")) for i, m in enumerate(members)),
    )
    assert [codes(r) for r in results] == [[]] * 14
    # then the reviews board counts each member's reviews exactly, in every period
    for period in ("ALL_TIME", "MONTH", "WEEK"):
        view = await board(members[0], "action:review", period=period)
        assert scores(view) == [(1, "W3", 4), (2, "W2", 3), (3, "W1", 2), (4, "W0", 1)], period
        assert view["me"] == {"rank": 4, "score": 1}
    # and the check-ins board its own
    assert {s for _, _, s in scores(await board(members[0], "action:check-in"))} == {1}
    # and a replayed report counts once
    again = await till.mutate(RECORD, report(members[0].id, "review", "rev-0-0"))
    assert codes(again) == []
    assert (await board(members[0], "action:review"))["me"] == {"rank": 4, "score": 1}


async def test_a_rebuild_of_action_boards_equals_the_live_boards(
    gql: GraphQLClient, redis: Redis
) -> None:
    # given reviews reported over a few days, some of them a day or two after they occurred (no
    # more: an older week's board would have expired by the frozen clock before the rebuild)
    start = real_now()
    moments = [start + timedelta(days=d, hours=h) for d, h in ((0, 0), (1, 5), (2, 2), (3, 7))]
    with clock.frozen_at(start) as time:
        program = await new_program()
        manager = await staff_client(gql, program, "MANAGER")
        till = await integration_client(gql, program)
        await action_type(manager, code="review", name="Review", points=20)
        await action_type(manager, code="survey", name="Survey", points=0)
        members = [await sign_up(gql, program, display_name=f"R{i}") for i in range(5)]
        for step, moment in enumerate(moments):
            time.set(moment)
            for i, member in enumerate(members[: step + 2]):
                late = moment - timedelta(days=i % 3)
                answer = await till.mutate(
                    RECORD, report(member.id, "review", f"r{step}-{i}", late)
                )
                assert codes(answer) == []
                time.advance(timedelta(seconds=7))
            survey = await till.mutate(RECORD, report(members[step].id, "survey", f"s{step}"))
            assert codes(survey) == []
        live = await snapshot(redis, program.id)
        assert [k for k in live if ":action:review:" in k] and [k for k in live if "survey" in k]
        # when Redis loses everything and the boards are rebuilt for each moment used
        await redis.flushdb()
        for moment in moments:
            await leaderboards.rebuild_program(redis, program.id, at=moment)
        for moment in moments:
            for late in (moment - timedelta(days=1), moment - timedelta(days=2)):
                await leaderboards.rebuild_program(
                    redis,
                    program.id,
                    boards=["action:review"],
                    periods=[leaderboards.Period.WEEK, leaderboards.Period.MONTH],
                    at=late,
                )
        # then the boards are the same, scores (with their tie-breaks) included
        assert await snapshot(redis, program.id) == live


async def test_a_board_of_another_programs_action_type_is_refused_with_a_code(
    gql: GraphQLClient,
) -> None:
    # given an action type of another program
    program, other = await new_program(), await new_program()
    await action_type(await staff_client(gql, other, "MANAGER"), code="survey", name="Survey")
    await action_type(await staff_client(gql, program, "MANAGER"), code="review", name="Review")
    ann = await sign_up(gql, program)
    # when a member of this program asks for its board, an unknown one, or a malformed name,
    for name in ("action:survey", "action:nope", "action:", "action:Review!", "actions:review"):
        # then it is no board of their program
        assert await ann.client.error_code(LEADERBOARD, {"board": name}) == "UNKNOWN_LEADERBOARD"
    # while their program's own type has a board (empty until someone reviews)
    assert (await board(ann, "action:review"))["entries"] == []


async def test_an_erased_member_leaves_the_action_boards_and_a_rebuild_keeps_them_off(
    gql: GraphQLClient, redis: Redis
) -> None:
    # given two reviewers on the board, and an action type whose code looks like a key suffix
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    admin = await staff_client(gql, program, "ADMIN")
    till = await integration_client(gql, program)
    await action_type(manager, code="review", name="Review")
    await action_type(manager, code="rebuild", name="Rebuild")
    leaving = await sign_up(gql, program, display_name="Leaving")
    staying = await sign_up(gql, program, display_name="Staying")
    for n in range(2):
        await till.mutate(RECORD, report(leaving.id, "review", f"l{n}"))
    await till.mutate(RECORD, report(staying.id, "review", "s0"))
    await till.mutate(RECORD, report(leaving.id, "rebuild", "l-rebuild"))
    assert scores(await board(staying, "action:review")) == [(1, "Leaving", 2), (2, "Staying", 1)]
    # when an admin erases one of them
    assert (await admin.mutate(ANONYMISE, {"memberId": str(leaving.id)}))["errors"] == []
    # then they are off every period's board of every action type
    for period in ("ALL_TIME", "MONTH", "WEEK"):
        assert scores(await board(staying, "action:review", period=period)) == [(1, "Staying", 1)]
        assert (await board(staying, "action:rebuild", period=period))["entries"] == []
    # and a rebuild from the database keeps them off
    await redis.flushdb()
    await leaderboards.rebuild_program(redis, program.id)
    assert scores(await board(staying, "action:review")) == [(1, "Staying", 1)]
    assert (await board(staying, "action:rebuild"))["entries"] == []


async def test_a_program_rebuild_covers_the_boards_of_its_active_action_types(
    gql: GraphQLClient, redis: Redis
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    made = await manager.mutate(CREATE, {"code": "share", "name": "Share", "points": 1})
    assert made["errors"] == []
    till = await integration_client(gql, program)
    ann = await sign_up(gql, program, display_name="Ann")
    await till.mutate(RECORD, report(ann.id, "share", "sh-1"))
    await redis.flushdb()
    sizes = await leaderboards.rebuild_program(redis, program.id)
    assert {k: v for k, v in sizes.items() if ":action:" in k} == {
        key: 1
        for key in (
            leaderboards.board_key(
                program.id, "action:share", leaderboards.window(p, clock.now(), "action:share")
            )
            for p in leaderboards.Period
        )
    }
    assert scores(await board(ann, "action:share")) == [(1, "Ann", 1)]


async def test_a_member_following_an_action_board_hears_their_rank_when_they_review(
    gql: GraphQLClient, base_url: str
) -> None:
    # given a leader with two reviews and a member with one, following this month's board
    program = await new_program()
    await action_type(await staff_client(gql, program, "MANAGER"), code="review", name="Review")
    till = await integration_client(gql, program)
    leader = await sign_up(gql, program, display_name="Leader")
    climber = await sign_up(gql, program, display_name="Climber")
    for n in range(2):
        await till.mutate(RECORD, report(leader.id, "review", f"l{n}"))
    await till.mutate(RECORD, report(climber.id, "review", "c0"))
    async with connected(base_url, climber.access_token) as live:
        followed = live.subscribe(REVIEWS_CHANGED)
        first = (await followed.next())["leaderboardChanged"]
        assert first["board"] == "action:review" and first["me"] == {"rank": 2, "score": 1}
        # when the member writes two more reviews
        for n in range(1, 3):
            await till.mutate(RECORD, report(climber.id, "review", f"c{n}"))
        # then they hear themselves first on it
        changes = []
        while not changes or changes[-1]["me"]["score"] != 3:
            changes.append((await followed.next())["leaderboardChanged"])
        assert changes[-1]["me"] == {"rank": 1, "score": 3}
        assert [e["member"]["displayName"] for e in changes[-1]["around"]] == ["Climber", "Leader"]
