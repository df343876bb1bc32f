"""A subscription's connection stays in session, within its limits: an access token that
expires, a member blocked, a session revoked close it within seconds (4403); too many
connections, too many subscriptions and too large a message are refused."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from tests.builders import new_program, sign_up, staff_client
from tests.graphql import GraphQLClient
from tests.live import close_code, connected
from tests.serving import served
from tests.test_accounts import REFRESH
from tests.test_member_management import BLOCK

SETTINGS_OVERRIDES = {
    "access_token_ttl_seconds": 4,
    "live_session_check_seconds": 0.2,
    "live_connections_per_member": 2,
    "live_subscriptions_per_connection": 2,
    "live_max_message_bytes": 2_000,
}

MY_BALANCE = "subscription { myBalance { pointsBalance } }"


@pytest.fixture(scope="module")
async def base_url(app: Starlette) -> AsyncIterator[str]:
    async with served(app) as url:
        yield url


async def test_a_token_that_expires_mid_connection_closes_it(
    gql: GraphQLClient, base_url: str
) -> None:
    # given a member subscribed with a token that expires in a few seconds
    member = await sign_up(gql, await new_program())
    started = time.monotonic()
    async with connected(base_url, member.access_token) as live:
        balance = live.subscribe(MY_BALANCE)
        await balance.next()
        # when it expires, then the connection is closed with 4403 and the reason
        ended = await balance.ended()
    assert ended.close == (4403, "The access token expired.")
    assert time.monotonic() - started >= 3  # not before its time


async def test_a_blocked_member_is_disconnected(gql: GraphQLClient, base_url: str) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    async with connected(base_url, member.access_token) as live:
        balance = live.subscribe(MY_BALANCE)
        await balance.next()
        # when a manager blocks the member
        manager = await staff_client(gql, program, "MANAGER")
        payload = await manager.mutate(BLOCK, {"memberId": str(member.id), "reason": "fraud"})
        assert payload["errors"] == []
        # then their connection is closed, before their token would have expired
        ended = await balance.ended(within=3)
    assert ended.close == (4403, "This session is no longer valid.")
    # and they cannot connect again
    assert await close_code(base_url, member.access_token) == (
        4403,
        "This session is no longer valid.",
    )


async def test_a_revoked_session_is_disconnected(gql: GraphQLClient, base_url: str) -> None:
    member = await sign_up(gql, await new_program())
    async with connected(base_url, member.access_token) as live:
        balance = live.subscribe(MY_BALANCE)
        await balance.next()
        # when the refresh token is used twice (a stolen copy): the session family is revoked
        for _ in range(2):
            await gql.mutate(REFRESH, {"refreshToken": member.refresh_token})
        ended = await balance.ended(within=3)
    assert ended.close == (4403, "This session is no longer valid.")


async def test_connections_per_member_are_limited(gql: GraphQLClient, base_url: str) -> None:
    member = await sign_up(gql, await new_program())
    async with connected(base_url, member.access_token), connected(base_url, member.access_token):
        refused = await close_code(base_url, member.access_token)
    assert refused is not None and refused[0] == 4429
    # a connection that ended frees its place
    assert await close_code(base_url, member.access_token) is None


async def test_subscriptions_per_connection_are_limited(gql: GraphQLClient, base_url: str) -> None:
    member = await sign_up(gql, await new_program())
    async with connected(base_url, member.access_token) as live:
        for _ in range(2):
            await live.subscribe(MY_BALANCE).next()
        ended = await live.subscribe(MY_BALANCE).ended()
    assert "limit" in ended.errors[0]["message"]


async def test_a_message_larger_than_the_limit_closes_the_connection(
    gql: GraphQLClient, base_url: str
) -> None:
    member = await sign_up(gql, await new_program())
    async with connected(base_url, member.access_token) as live:
        document = "subscription($after: ID) { myActivity(after: $after) { id } }"
        ended = await live.subscribe(document, after="9" * 3_000).ended()
    assert ended.close is not None and ended.close[0] == 1009
