"""Live updates across processes: two API processes (uvicorn, on two ports) sharing a
redis-server of the test's own. A subscriber on one hears what is caused on the other; when
Redis restarts mid-subscription, the server reconnects by itself, event streams end with
LIVE_GAP (the client is told), value streams carry on with the value read again, and a client
that subscribes again with `after:` gets what it missed, each event once (by its id)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from gamification.accounts.api_keys import create_api_key
from gamification.audit import SYSTEM
from gamification.points.models import EarningRuleKind
from tests.builders import RECORD_PURCHASE, add_rule, new_program, purchase_input, sign_up
from tests.faults import RedisServer, api, process_env, running
from tests.graphql import GraphQLClient
from tests.live import close_code, connected
from tests.test_subscriptions import MY_ACTIVITY, MY_BALANCE


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def redis_url(private_redis: RedisServer) -> str:
    return f"{private_redis.url}/0"


def record(base_url: str, key: str, member_id: int, euros: str) -> dict[str, object]:
    body = httpx.post(
        f"{base_url}/graphql",
        json={
            "query": RECORD_PURCHASE,
            "variables": {"input": purchase_input(member_id, lines=[("A", "cup", 1, euros)])},
        },
        headers={"X-Api-Key": key},
        timeout=30,
    ).json()
    payload: dict[str, object] = body["data"]["recordPurchase"]
    assert payload["errors"] == [], payload
    return payload


async def test_a_subscriber_on_one_process_hears_the_other_and_survives_a_redis_restart(
    gql: GraphQLClient, settings: Settings, private_redis: RedisServer, tmp_path: Path
) -> None:
    # given two API processes, and a member subscribed on the first
    program = await new_program()
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    _, key = await create_api_key(SYSTEM, program.id, "Till")
    member = await sign_up(gql, program)
    env = process_env(settings, LIVE_COALESCE_SECONDS="0.2", LIVE_CONNECTIONS_PER_MEMBER="2")
    first, second = api(env, tmp_path / "first.log"), api(env, tmp_path / "second.log")
    first.start()
    second.start()
    with running(first, second):
        async with connected(first.url, member.access_token) as live:
            balance = live.subscribe(MY_BALANCE)
            assert (await balance.next())["myBalance"]["pointsBalance"] == 0
            # (from the first item: whatever is committed before it follows is read back)
            activity = live.subscribe(MY_ACTIVITY, after="0")

            # when a purchase is recorded through the second process
            record(second.url, key, member.id, "30.00")
            # then the subscriber of the first hears it
            assert (await balance.next())["myBalance"]["pointsBalance"] == 30
            seen = {(await activity.next())["myActivity"]["id"] for _ in range(2)}
            last_seen = max(seen, key=int)

            # when Redis restarts, and a purchase is recorded while it is down
            private_redis.stop()
            record(second.url, key, member.id, "12.00")
            private_redis.start()

            # then the event stream is told it may have missed events
            ended = await activity.ended()
            assert ended.code == "LIVE_GAP", ended
            # and the balance, read again once the server has reconnected, is the right one
            assert (await balance.next())["myBalance"]["pointsBalance"] == 42
            # and what comes after the restart is heard as before
            record(second.url, key, member.id, "8.00")
            assert (await balance.next())["myBalance"]["pointsBalance"] == 50

            # when the client subscribes again from the last event id it showed
            again = live.subscribe(MY_ACTIVITY, after=last_seen)
            # then it gets the four items it missed, each once, and nothing it had
            missed = [(await again.next())["myActivity"] for _ in range(4)]
            ids = [m["id"] for m in missed]
            assert len(set(ids)) == 4 and seen.isdisjoint(ids)
            assert [m["type"] for m in missed].count("POINTS_EARNED") == 2
            assert await again.quiet()

            # and the connections limit (2 here) counts those of every process
            async with connected(second.url, member.access_token):
                assert (await close_code(first.url, member.access_token) or (0,))[0] == 4429
            # a connection that ended gives its place back
            assert await close_code(second.url, member.access_token) is None


def test_live_channels_of_two_redis_databases_never_meet() -> None:
    from gamification.events import live

    # pub/sub ignores database numbers: the channel's name must not
    assert live.channel(5, 0) != live.channel(5, 1)
    assert live.program_of(live.channel(5, 1), 1) == 5
    assert live.program_of(live.channel(5, 1), 0) is None
