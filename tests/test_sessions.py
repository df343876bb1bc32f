"""Access tokens expire on the application clock; refresh tokens are purged by the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
from starlette.applications import Starlette

from core.clock import clock
from gamification.accounts.models import RefreshToken
from gamification.accounts.sessions import revoke_staff_sessions
from tests.builders import PASSWORD, new_program, sign_up, staff_client
from tests.graphql import GraphQLClient, codes
from tests.workers import run_burst_worker

ME = "query { me { id } }"
LOG_IN = """
mutation($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }
"""
REFRESH = """
mutation($input: RefreshSessionInput!) {
  refreshSession(input: $input) { accessToken errors { code } }
}
"""


async def test_an_access_token_expires_after_its_lifetime(gql: GraphQLClient) -> None:
    program = await new_program()
    start = datetime.now(UTC)
    with clock.frozen_at(start) as time:
        member = await sign_up(gql, program)
        time.advance(timedelta(minutes=14, seconds=59))
        assert (await member.client.query(ME))["me"]["id"] == str(member.id)
        time.advance(timedelta(seconds=1))
        assert await member.client.error_code(ME) == "UNAUTHENTICATED"


async def test_a_refresh_token_expires_after_its_lifetime(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(datetime.now(UTC)) as time:
        member = await sign_up(gql, program)
        time.advance(timedelta(days=30))
        payload = await gql.mutate(REFRESH, {"refreshToken": member.refresh_token})
        assert codes(payload) == ["INVALID_REFRESH_TOKEN"]


async def test_the_worker_purges_long_expired_refresh_tokens(
    gql: GraphQLClient, app: Starlette, redis_url: str
) -> None:
    program = await new_program()
    with clock.frozen_at(datetime.now(UTC) - timedelta(days=40)):
        old = await sign_up(gql, program)
    fresh = await sign_up(gql, program)

    pool = app.state.arq
    await pool.enqueue_job("purge_refresh_tokens")
    worker = await run_burst_worker(redis_url)

    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    assert not await RefreshToken.exists(member_id=old.id)
    assert await RefreshToken.exists(member_id=fresh.id)


async def test_a_reused_refresh_token_ends_the_access_tokens_of_its_account_at_once(
    gql: GraphQLClient,
) -> None:
    # given a member whose refresh token was rotated, and a thief holding the old one
    program = await new_program()
    member = await sign_up(gql, program)
    rotated = await gql.mutate(REFRESH, {"refreshToken": member.refresh_token})
    assert rotated["errors"] == []
    fresh = gql.as_token(rotated["accessToken"])
    assert (await fresh.query(ME))["me"]["id"] == str(member.id)
    # when the old refresh token is presented again
    reused = await gql.mutate(REFRESH, {"refreshToken": member.refresh_token})
    assert codes(reused) == ["INVALID_REFRESH_TOKEN"]
    # then every access token of the account stops working now, not when it expires
    assert await fresh.error_code(ME) == "UNAUTHENTICATED"
    assert await member.client.error_code("{ badges { id } }") == "UNAUTHENTICATED"
    # and logging in again gives a working session
    again = await gql.mutate(
        LOG_IN, {"program": program.slug, "email": member.email, "password": PASSWORD}
    )
    assert (await gql.as_token(again["accessToken"]).query(ME))["me"]["id"] == str(member.id)


def forged(app: Starlette, **claims: object) -> str:
    """An access token signed with the app's own secret, with these claims changed."""
    tokens = app.state.services.tokens
    payload = jwt.decode(claims.pop("token"), options={"verify_signature": False})  # type: ignore[arg-type]  # a str, from the caller
    payload.update(claims)
    return jwt.encode(payload, tokens._secret, algorithm="HS256")


async def test_a_token_naming_another_program_or_an_unknown_role_is_unauthenticated(
    app: Starlette, gql: GraphQLClient
) -> None:
    program, other = await new_program(), await new_program()
    member = await sign_up(gql, program)
    staff_token = (await staff_client(gql, program, "ADMIN")).token
    assert staff_token is not None
    cases = [
        (forged(app, token=member.access_token, prg=other.id), ME),
        (forged(app, token=member.access_token, prg=other.id), "{ badges { id } }"),
        (forged(app, token=staff_token, prg=other.id), "{ staffMe { id } }"),
        (forged(app, token=staff_token, role="SUPERUSER"), "{ staffMe { id } }"),
        (forged(app, token=member.access_token, role="ADMIN"), ME),
    ]
    for token, query in cases:
        assert await gql.as_token(token).error_code(query) == "UNAUTHENTICATED", (token, query)
    # while the real tokens work
    assert (await member.client.query(ME))["me"]["id"] == str(member.id)


async def test_a_csv_export_refuses_the_staff_tokens_graphql_refuses(
    app: Starlette, gql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    # given a staff user's live token, one claiming another program, and one whose sessions
    # were ended after it was issued
    program, other = await new_program(), await new_program()
    live = await staff_client(gql, program, "ANALYST")
    assert live.token is not None
    ended = await staff_client(gql, program, "ADMIN")
    assert ended.token is not None
    ended_id = int((await ended.query("{ staffMe { id } }"))["staffMe"]["id"])
    with clock.frozen_at(clock.now() + timedelta(seconds=2)):
        await revoke_staff_sessions(ended_id)
    refused = [forged(app, token=live.token, prg=other.id), ended.token]
    for token in refused:
        # when each is sent to GraphQL and to an export
        export = await http.get(
            "/exports/members.csv", headers={"Authorization": f"Bearer {token}"}
        )
        # then both refuse it alike
        assert await gql.as_token(token).error_code("{ staffMe { id } }") == "UNAUTHENTICATED"
        assert export.status_code == 401, export.text
        assert export.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # while the live token exports
    export = await http.get(
        "/exports/members.csv", headers={"Authorization": f"Bearer {live.token}"}
    )
    assert export.status_code == 200 and export.text.startswith("id,email")
