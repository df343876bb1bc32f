"""Live updates through a real subscriptions client (gql over graphql-transport-ws) against the
app on a real socket: what a member and staff hear, what nobody else hears, and how a
connection is refused or ended."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from starlette.applications import Starlette

from core.clock import clock
from gamification.audit import SYSTEM
from gamification.games import contests
from gamification.points.models import EarningRuleKind
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient
from tests.live import close_code, connected
from tests.serving import served
from tests.test_challenges import JOIN, _collective, create_challenge
from tests.test_contests import create_contest
from tests.test_instant_win import HOUR, PLAY, T0, create_game

MY_BALANCE = "subscription { myBalance { pointsBalance eventId } }"
MY_ACTIVITY = "subscription($after: ID) { myActivity(after: $after) { id type text data } }"
PROGRAM_ACTIVITY = "subscription { programActivity { id type memberId data } }"
LEADERBOARD_CHANGED = """
subscription($around: Int!) {
  leaderboardChanged(board: "points", around: $around) {
    board me { rank score } around { rank score member { displayName } } eventId
  }
}
"""
ACTIVITY = "query { me { activity(first: 5) { edges { node { id type } } } } }"


@pytest.fixture(scope="module")
async def base_url(app: Starlette) -> AsyncIterator[str]:
    async with served(app) as url:
        yield url


async def shop(gql: GraphQLClient) -> tuple[object, GraphQLClient]:
    program = await new_program()
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    return program, await integration_client(gql, program)


async def test_a_purchase_reaches_the_member_as_their_new_balance_and_activity(
    gql: GraphQLClient, base_url: str
) -> None:
    # given a member subscribed to their balance and their activity
    program, till = await shop(gql)
    member = await sign_up(gql, program)
    async with connected(base_url, member.access_token) as live:
        balance = live.subscribe(MY_BALANCE)
        assert await balance.next() == {"myBalance": {"pointsBalance": 0, "eventId": None}}
        activity = live.subscribe(MY_ACTIVITY)
        # when the till records a purchase through its API key
        recorded = await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, lines=[("A", "cup", 1, "42.00")])
        )
        # then the balance arrives, as the purchase's answer gives it, with its event id
        change = (await balance.next())["myBalance"]
        assert change["pointsBalance"] == recorded["member"]["pointsBalance"] == 42
        assert change["eventId"] is not None
        # and the activity items, each with the id the activity list gives it
        items = [(await activity.next())["myActivity"] for _ in range(2)]
        listed = (await member.client.query(ACTIVITY))["me"]["activity"]["edges"]
        assert {(i["id"], i["type"]) for i in items} <= {
            (e["node"]["id"], e["node"]["type"]) for e in listed
        }
        assert {i["type"] for i in items} == {"PURCHASE_RECORDED", "POINTS_EARNED"}
        assert change["eventId"] == next(i["id"] for i in items if i["type"] == "POINTS_EARNED")


async def test_a_win_arrives_as_a_prize_won(gql: GraphQLClient, base_url: str) -> None:
    # given a game whose winning moments are all past
    program = await new_program()
    with clock.frozen_at(T0 - HOUR) as time:
        staff = await staff_client(gql, program)
        game = await create_game(staff)
        time.set(T0 + HOUR - timedelta(microseconds=1))
        member = await sign_up(gql, program)
        async with connected(base_url, member.access_token) as live:
            activity = live.subscribe(MY_ACTIVITY)
            await asyncio.sleep(0.5)  # subscribed (an event stream sends nothing first)
            # when the member plays
            played = await member.client.mutate(
                PLAY, {"gameId": game["id"], "idempotencyKey": "first"}
            )
            assert played["play"]["won"]
            # then the prize won arrives live
            types = []
            while "PRIZE_WON" not in types:
                types.append((await activity.next())["myActivity"]["type"])


async def test_another_program_and_another_member_hear_nothing(
    gql: GraphQLClient, base_url: str
) -> None:
    # given a member, another member of the same program, and a member of another program
    program, till = await shop(gql)
    member = await sign_up(gql, program)
    neighbour = await sign_up(gql, program)
    other_program, _ = await shop(gql)
    stranger = await sign_up(gql, other_program)
    async with (
        connected(base_url, member.access_token) as mine,
        connected(base_url, neighbour.access_token) as theirs,
        connected(base_url, stranger.access_token) as foreign,
    ):
        streams = {}
        for name, live in (("member", mine), ("neighbour", theirs), ("stranger", foreign)):
            balance = live.subscribe(MY_BALANCE)
            await balance.next()  # the balance when subscribing
            streams[name] = (balance, live.subscribe(MY_ACTIVITY))
        # when the member's purchase is recorded
        await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, lines=[("A", "cup", 1, "10.00")])
        )
        # then the member hears it
        assert (await streams["member"][0].next())["myBalance"]["pointsBalance"] == 10
        await streams["member"][1].next()
        # and neither the other member nor the other program's member hears of it: what may
        # reach them is their own (a sign-up published late on a loaded machine, a balance
        # re-read after a Redis hiccup), never the member's purchase or points
        for name in ("neighbour", "stranger"):
            balance, activity = streams[name]
            assert all(m["myBalance"]["pointsBalance"] == 0 for m in await balance.drain()), name
            heard = [m["myActivity"]["type"] for m in await activity.drain()]
            assert set(heard) <= {"MEMBER_SIGNED_UP"}, (name, heard)


async def test_staff_hear_the_program_activity_filtered_by_role(
    gql: GraphQLClient, base_url: str
) -> None:
    # given an analyst and a manager following the console's feed
    program, till = await shop(gql)
    member = await sign_up(gql, program)
    analyst = await staff_client(gql, program, "ANALYST")
    manager = await staff_client(gql, program, "MANAGER")
    async with (
        connected(base_url, analyst.token) as analyst_live,
        connected(base_url, manager.token) as manager_live,
    ):
        for_analyst = analyst_live.subscribe(PROGRAM_ACTIVITY)
        for_manager = manager_live.subscribe(PROGRAM_ACTIVITY)
        await asyncio.sleep(0.5)  # both subscribed (an event stream sends nothing first)
        # when a purchase is recorded and the manager adjusts the member's points
        await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, lines=[("A", "cup", 1, "10.00")])
        )
        adjusted = await manager.mutate(
            ADJUST,
            {"memberId": str(member.id), "delta": 5, "reason": "Goodwill", "idempotencyKey": "g"},
        )
        assert adjusted["errors"] == []
        # then both hear the purchase, only the manager hears the adjustment
        seen_by_manager = set()
        while "POINTS_ADJUSTED" not in seen_by_manager:
            seen_by_manager.add((await for_manager.next())["programActivity"]["type"])
        assert "PURCHASE_RECORDED" in seen_by_manager
        seen_by_analyst = set()
        while "PURCHASE_RECORDED" not in seen_by_analyst:
            seen_by_analyst.add((await for_analyst.next())["programActivity"]["type"])
        while not await for_analyst.quiet():
            pass
        assert "POINTS_ADJUSTED" not in seen_by_analyst
        assert "POINTS_EARNED" not in seen_by_analyst | seen_by_manager  # plumbing, not shown


ADJUST = """
mutation($input: AdjustPointsInput!) { adjustPoints(input: $input) { errors { code } } }
"""


async def test_the_leaderboard_sends_the_members_rank_when_it_changes(
    gql: GraphQLClient, base_url: str
) -> None:
    # given two members on the points board, the first ahead
    program, till = await shop(gql)
    leader = await sign_up(gql, program, display_name="Leader")
    climber = await sign_up(gql, program, display_name="Climber")
    await till.mutate(RECORD_PURCHASE, purchase_input(leader.id, lines=[("A", "cup", 1, "50.00")]))
    await till.mutate(RECORD_PURCHASE, purchase_input(climber.id, lines=[("A", "cup", 1, "20.00")]))
    async with connected(base_url, climber.access_token) as live:
        board = live.subscribe(LEADERBOARD_CHANGED, around=1)
        first = (await board.next())["leaderboardChanged"]
        assert first["me"] == {"rank": 2, "score": 20}
        # when the climber overtakes the leader with several purchases in a row
        for _ in range(3):
            await till.mutate(
                RECORD_PURCHASE, purchase_input(climber.id, lines=[("A", "cup", 1, "15.00")])
            )
        # then the rank arrives as 1, coalesced (never more messages than purchases)
        ranks = []
        while not ranks or ranks[-1]["me"]["score"] != 65:
            ranks.append((await board.next())["leaderboardChanged"])
        assert ranks[-1]["me"] == {"rank": 1, "score": 65}
        assert [e["member"]["displayName"] for e in ranks[-1]["around"]] == ["Climber", "Leader"]
        assert len(ranks) <= 3 and ranks[-1]["eventId"] is not None


async def test_refusals_at_connection_init_use_the_standard_close_codes(
    gql: GraphQLClient, base_url: str
) -> None:
    program, _ = await shop(gql)
    member = await sign_up(gql, program)
    # no token, a forged one, an integration's: 4403 Forbidden with a reason
    assert (await close_code(base_url, None))[0] == 4403  # type: ignore[index]
    assert await close_code(base_url, "not-a-token") == (
        4403,
        "The access token is invalid or expired.",
    )
    # a good token is accepted
    assert await close_code(base_url, member.access_token) is None


async def test_queries_and_mutations_are_refused_over_the_socket(
    gql: GraphQLClient, base_url: str
) -> None:
    program, _ = await shop(gql)
    member = await sign_up(gql, program)
    async with connected(base_url, member.access_token) as live:
        stream = live.subscribe("query { me { id } }")
        ended = await stream.ended()
        assert ended.code == "BAD_REQUEST"


async def test_a_subscription_of_another_kind_of_caller_is_refused(
    gql: GraphQLClient, base_url: str
) -> None:
    program, _ = await shop(gql)
    member = await sign_up(gql, program)
    staff = await staff_client(gql, program, "ANALYST")
    async with connected(base_url, member.access_token) as live:
        ended = await live.subscribe(PROGRAM_ACTIVITY).ended()
        assert ended.code == "FORBIDDEN"
    async with connected(base_url, staff.token) as live:
        ended = await live.subscribe(MY_BALANCE).ended()
        assert ended.code == "FORBIDDEN"


async def test_reconnecting_with_after_replays_what_was_missed_once(
    gql: GraphQLClient, base_url: str
) -> None:
    # given a member who saw their activity up to some event, then went offline
    program, till = await shop(gql)
    member = await sign_up(gql, program)
    await till.mutate(RECORD_PURCHASE, purchase_input(member.id, lines=[("A", "cup", 1, "5.00")]))
    listed = (await member.client.query(ACTIVITY))["me"]["activity"]["edges"]
    last_seen = listed[0]["node"]["id"]
    await till.mutate(RECORD_PURCHASE, purchase_input(member.id, lines=[("A", "cup", 1, "6.00")]))
    # when they subscribe again with after: the last event id they showed
    async with connected(base_url, member.access_token) as live:
        activity = live.subscribe(MY_ACTIVITY, after=last_seen)
        # then the missed items come first, each once, then live ones
        missed = [(await activity.next())["myActivity"] for _ in range(2)]
        assert {m["type"] for m in missed} == {"PURCHASE_RECORDED", "POINTS_EARNED"}
        assert all(int(m["id"]) > int(last_seen) for m in missed)
        await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, lines=[("A", "cup", 1, "7.00")])
        )
        fresh = [(await activity.next())["myActivity"] for _ in range(2)]
        assert {f["id"] for f in fresh}.isdisjoint({m["id"] for m in missed})
        assert await activity.quiet()


CHALLENGE_PROGRESS = """
subscription($id: ID!) {
  challengeProgress(challengeId: $id) { challengeId communityProgress participants eventId }
}
"""
CONTEST_DRAWN = "subscription($id: ID!) { contestDrawn(id: $id) { contest { id status seed } } }"


async def test_a_collective_challenge_sends_its_community_total(
    gql: GraphQLClient, base_url: str
) -> None:
    # given a collective challenge of 3 purchases, and a member following it
    program, members, challenge = await _collective(gql, 2)
    till = await integration_client(gql, program)
    async with connected(base_url, members[0].access_token) as live:
        progress = live.subscribe(CHALLENGE_PROGRESS, id=str(challenge.id))
        first = (await progress.next())["challengeProgress"]
        assert (first["communityProgress"], first["eventId"]) == ("0", None)
        # when another member buys
        await till.mutate(RECORD_PURCHASE, purchase_input(members[1].id))
        # then the total arrives
        change = (await progress.next())["challengeProgress"]
        assert (change["communityProgress"], change["participants"]) == ("1", 1)


async def test_a_members_progress_on_an_individual_challenge_arrives_in_their_activity(
    gql: GraphQLClient, base_url: str
) -> None:
    # given a member who joined an individual challenge of 3 purchases, following their activity
    program, till = await shop(gql)
    member = await sign_up(gql, program)
    challenge = await create_challenge(await staff_client(gql, program, "MANAGER"), target="3")
    assert (await member.client.mutate(JOIN, {"challengeId": challenge}))["errors"] == []
    async with connected(base_url, member.access_token) as live:
        activity = live.subscribe(MY_ACTIVITY)
        await asyncio.sleep(0.5)  # subscribed (an event stream sends nothing first)
        # when the till records three purchases
        for _ in range(3):
            await till.mutate(RECORD_PURCHASE, purchase_input(member.id))
        # then each purchase's progress arrives, then the completion
        heard: list[dict[str, Any]] = []
        while not any(item["type"] == "CHALLENGE_COMPLETED" for item in heard):
            heard.append((await activity.next())["myActivity"])
        progress = [i for i in heard if i["type"] == "CHALLENGE_PROGRESSED"]
        assert [(i["data"]["progress"], i["data"]["target"]) for i in progress] == [
            (1, 3),
            (2, 3),
            (3, 3),
        ]
        assert {i["data"]["challenge_id"] for i in progress} == {int(challenge)}
        assert progress[0]["text"].endswith(": 1 of 3.")
        # and they are the activity list's items
        listed = (await member.client.query(ACTIVITY))["me"]["activity"]["edges"]
        assert progress[-1]["id"] in {e["node"]["id"] for e in listed}


async def test_a_contest_draw_is_sent_once_then_the_subscription_ends(
    gql: GraphQLClient, base_url: str
) -> None:
    # given a closed contest, and a member waiting for its draw
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    contest = await create_contest(manager)
    member = await sign_up(gql, program)
    async with connected(base_url, member.access_token) as live:
        drawn = live.subscribe(CONTEST_DRAWN, id=contest["id"])
        assert await drawn.quiet(0.5)
        # when it is drawn
        await contests.draw(SYSTEM, int(contest["id"]))
        # then the draw arrives with its revealed seed, and the subscription ends
        message = (await drawn.next())["contestDrawn"]["contest"]
        assert message["status"] == "DRAWN" and message["seed"]
        assert (await drawn.ended()).errors == []


async def test_another_programs_challenge_or_contest_is_not_found(
    gql: GraphQLClient, base_url: str
) -> None:
    # given a challenge and a contest of one program, and a member of another
    _, _, challenge = await _collective(gql, 0)
    program = await new_program()
    contest = await create_contest(await staff_client(gql, program, "MANAGER"))
    stranger = await sign_up(gql, await new_program())
    async with connected(base_url, stranger.access_token) as live:
        for document, id in (
            (CHALLENGE_PROGRESS, str(challenge.id)),
            (CONTEST_DRAWN, contest["id"]),
        ):
            ended = await live.subscribe(document, id=id).ended()
            assert ended.code == "NOT_FOUND", (document, ended.errors)


async def test_every_error_of_a_subscription_carries_a_code(
    gql: GraphQLClient, base_url: str
) -> None:
    program, _ = await shop(gql)
    member = await sign_up(gql, program)
    async with connected(base_url, member.access_token) as live:
        # a document at fault, and a refusal of the resolver
        for document, code in (
            ("subscription { myBalance { noSuchField } }", "GRAPHQL_VALIDATION_FAILED"),
            ('subscription { leaderboardChanged(board: "nope") { board } }', "UNKNOWN_LEADERBOARD"),
        ):
            ended = await live.subscribe(document).ended()
            assert ended.code == code, ended.errors
