"""Access tokens expire on the application clock; refresh tokens are purged by the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq import Worker
from arq.connections import RedisSettings
from starlette.applications import Starlette

from core.clock import clock
from gamification.accounts.models import RefreshToken
from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient, codes
from workers.settings import WorkerSettings

ME = "query { me { id } }"
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
    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=RedisSettings.from_dsn(redis_url),
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    await worker.main()
    await worker.close()

    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    assert not await RefreshToken.exists(member_id=old.id)
    assert await RefreshToken.exists(member_id=fresh.id)
