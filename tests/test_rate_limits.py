"""Rate limits per member and per program on spends, sign-ups and log-ins (api/rate_limits.py):
over the limit a request is refused with RATE_LIMITED and a positive retry-after, moves nothing,
and the window frees up when time moves; other members and programs are unaffected."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tortoise.log import db_client_logger

from api.rate_limits import RateLimit
from api.schema import Mutation
from core.clock import clock
from gamification.accounts.models import Member
from gamification.rewards.models import Redemption
from tests.builders import (
    PASSWORD,
    SIGN_UP,
    assert_ledger_consistent,
    give_points,
    new_program,
    sign_up,
    staff_client,
    unique,
)
from tests.graphql import GraphQLClient
from tests.rewards_docs import REDEEM, create_reward

SETTINGS_OVERRIDES = {
    "rate_limit_window_seconds": 60,
    "rate_limit_member_spends": 5,
    "rate_limit_program_spends": 8,
    "rate_limit_program_sign_ups": 3,
    "rate_limit_program_log_ins": 6,
    "rate_limit_account_log_ins": 4,
}

LOG_IN = """
mutation LogIn($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }
"""

# Every member mutation that spends or moves a member's points or rewards.
SPENDS = {"redeem_reward", "play_instant_win", "enter_contest", "join_challenge"}
SPENDS |= {"apply_referral_code", "place_bid", "perform_action"}


async def post(gql: GraphQLClient, query: str, input: dict[str, Any]) -> httpx.Response:
    response = await gql.http.post(
        "/graphql", json={"query": query, "variables": {"input": input}}, headers=gql.headers()
    )
    assert response.status_code == 200, response.text
    return response


def outcome(response: httpx.Response) -> str:
    """ "ok", a payload error's code, or the top-level error's code."""
    body = response.json()
    if body.get("errors"):
        return body["errors"][0]["extensions"]["code"]
    (payload,) = body["data"].values()
    return payload["errors"][0]["code"] if payload["errors"] else "ok"


def retry_after(response: httpx.Response) -> int:
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert int(response.headers["Retry-After"]) == error["extensions"]["retryAfter"]
    return error["extensions"]["retryAfter"]


async def test_every_spending_member_mutation_is_limited() -> None:
    limited = {
        field.python_name
        for field in Mutation.__strawberry_definition__.fields
        if any(isinstance(extension, RateLimit) for extension in field.extensions)
    }
    assert limited == SPENDS | {"sign_up", "log_in"}


async def test_a_burst_over_the_member_limit_is_refused_and_moves_nothing(
    gql: GraphQLClient,
) -> None:
    # given a member with points for 20 redemptions, and a limit of 5 spends a window
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 2_000)
    reward = await create_reward(manager, pointsCost=100)
    # when they fire 20 at once
    responses = await asyncio.gather(
        *(
            post(member.client, REDEEM, {"rewardId": reward["id"], "idempotencyKey": f"b-{i}"})
            for i in range(20)
        )
    )
    # then 5 redeem, 15 are RATE_LIMITED with a positive retry-after, and only 5 moved points
    outcomes = [outcome(r) for r in responses]
    assert outcomes.count("ok") == 5
    assert outcomes.count("RATE_LIMITED") == 15
    assert all(0 < retry_after(r) <= 60 for r in responses if outcome(r) == "RATE_LIMITED")
    assert await Redemption.filter(member_id=member.id).count() == 5
    assert await assert_ledger_consistent(member.id) == 1_500
    # and another member of the program still spends
    other = await sign_up(gql, program)
    await give_points(other.id, 100)
    key = {"rewardId": reward["id"], "idempotencyKey": "other"}
    assert outcome(await post(other.client, REDEEM, key)) == "ok"


async def test_the_program_limit_holds_across_members_and_spares_other_programs(
    gql: GraphQLClient,
) -> None:
    # given a program whose members may spend 8 times a window in all
    program, elsewhere = await new_program(), await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    reward = await create_reward(manager, pointsCost=10)
    members = [await sign_up(gql, program) for _ in range(3)]
    for member in members:
        await give_points(member.id, 1_000)
    # when three members spend 4 times each at once
    responses = await asyncio.gather(
        *(
            post(m.client, REDEEM, {"rewardId": reward["id"], "idempotencyKey": f"{m.id}-{i}"})
            for m in members
            for i in range(4)
        )
    )
    # then 8 pass, 4 are refused, and what passed is what moved
    outcomes = [outcome(r) for r in responses]
    assert (outcomes.count("ok"), outcomes.count("RATE_LIMITED")) == (8, 4)
    assert await Redemption.filter(reward_id=int(reward["id"])).count() == 8
    assert sum([await assert_ledger_consistent(m.id) for m in members]) == 3_000 - 80
    # and a member of another program is not limited by this one
    stranger_manager = await staff_client(gql, elsewhere, "MANAGER")
    their_reward = await create_reward(stranger_manager, pointsCost=10)
    stranger = await sign_up(gql, elsewhere)
    await give_points(stranger.id, 100)
    key = {"rewardId": their_reward["id"], "idempotencyKey": "x"}
    assert outcome(await post(stranger.client, REDEEM, key)) == "ok"


async def test_the_window_frees_up_when_time_moves(gql: GraphQLClient) -> None:
    # given a frozen clock 15 s into a window (a past one: tokens are checked against real
    # time), and a member who spent their 5
    window_start = (datetime.now(UTC).timestamp() // 60 - 1) * 60
    with clock.frozen_at(datetime.fromtimestamp(window_start + 15, UTC)) as time:
        program = await new_program()
        manager = await staff_client(gql, program, "MANAGER")
        reward = await create_reward(manager, pointsCost=10)
        member = await sign_up(gql, program)
        await give_points(member.id, 1_000)

        async def spend(key: str) -> httpx.Response:
            return await post(
                member.client, REDEEM, {"rewardId": reward["id"], "idempotencyKey": key}
            )

        for i in range(5):
            assert outcome(await spend(f"first-{i}")) == "ok"
        # when the sixth comes, it waits for the rest of the window
        assert retry_after(await spend("sixth")) == 45
        time.advance(timedelta(seconds=44))
        assert retry_after(await spend("still")) == 1
        # then once the window has passed, spends go through again
        time.advance(timedelta(seconds=1))
        assert outcome(await spend("next-window")) == "ok"
    assert await Redemption.filter(member_id=member.id).count() == 6


async def test_sign_ups_beyond_the_program_limit_create_no_member(gql: GraphQLClient) -> None:
    program, other = await new_program(), await new_program()

    def signing_up(slug: str) -> dict[str, Any]:
        email = f"{unique('rl')}@example.com"
        return {"program": slug, "email": email, "password": PASSWORD, "displayName": "Racer"}

    responses = await asyncio.gather(
        *(post(gql, SIGN_UP, signing_up(program.slug)) for _ in range(7))
    )
    outcomes = [outcome(r) for r in responses]
    assert (outcomes.count("ok"), outcomes.count("RATE_LIMITED")) == (3, 4)
    assert all(retry_after(r) > 0 for r in responses if outcome(r) == "RATE_LIMITED")
    assert await Member.filter(program_id=program.id).count() == 3
    # another program signs up as before
    assert outcome(await post(gql, SIGN_UP, signing_up(other.slug))) == "ok"


async def test_log_ins_are_limited_per_account_then_per_program(gql: GraphQLClient) -> None:
    program = await new_program()
    first, second = await sign_up(gql, program), await sign_up(gql, program)

    def credentials(email: str) -> dict[str, Any]:
        return {"program": program.slug, "email": email, "password": PASSWORD}

    # the account may log in 4 times a window, right password or not
    first_tries = await asyncio.gather(
        *(post(gql, LOG_IN, credentials(first.email)) for _ in range(6))
    )
    assert sorted(outcome(r) for r in first_tries) == ["RATE_LIMITED"] * 2 + ["ok"] * 4
    # the other account gets what is left of the program's 6
    second_tries = [await post(gql, LOG_IN, credentials(second.email)) for _ in range(3)]
    assert [outcome(r) for r in second_tries] == ["ok", "ok", "RATE_LIMITED"]
    assert retry_after(second_tries[-1]) > 0


def program_reads(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The queries that look a program up by its slug."""
    messages = [r.getMessage() for r in caplog.records]
    return [m for m in messages if 'FROM "program"' in m and '"slug"' in m]


async def test_a_limited_sign_up_or_log_in_looks_its_program_up_once(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    # given a program (its limits count sign-ups and log-ins by program)
    program = await new_program()
    email = f"{unique('once')}@example.com"
    sign_up_input = {"program": program.slug, "email": email, "password": PASSWORD}
    sign_up_input["displayName"] = "Once"
    for query, values in (
        (SIGN_UP, sign_up_input),
        (LOG_IN, {"program": program.slug, "email": email, "password": PASSWORD}),
        (LOG_IN, {"program": "no-such-program", "email": email, "password": PASSWORD}),
    ):
        caplog.clear()
        # when the mutation is limited by its program and then served
        with caplog.at_level(logging.DEBUG, logger=db_client_logger.name):
            response = await post(gql, query, values)
        # then the rate limit and the mutation read the program once between them, whether
        # it exists or not
        expected = "ok" if values["program"] == program.slug else "PROGRAM_NOT_FOUND"
        assert outcome(response) == expected
        assert len(program_reads(caplog)) == 1, [r.getMessage() for r in caplog.records]
