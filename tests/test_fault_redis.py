"""Redis stopped in the middle of purchases and redemptions, against a redis-server of the test's
own that the app is configured with: what needs Redis answers REDIS_UNAVAILABLE (never
INTERNAL_SERVER_ERROR), what does not succeeds, nothing is half-written, and once Redis is back
the worker repairs the boards that missed changes by itself (no manual rebuild), to the same
boards a rebuild gives. /readyz says the boards are stale until then."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from gamification import leaderboards
from gamification.points.models import EarningRuleKind
from gamification.rewards.models import Reward
from tests.builders import (
    PASSWORD,
    RECORD_PURCHASE,
    add_rule,
    challenge_board,
    give_points,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.faults import RedisServer, assert_nothing_half_written, process_env, running, worker
from tests.graphql import GraphQLClient
from tests.rewards_docs import REDEEM, create_reward
from tests.test_leaderboards import LEADERBOARD, snapshot

LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) { accessToken errors { code } }
}
"""


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
    # The app, its arq pool and the worker all use the private server (conftest's `settings`).
    return f"{private_redis.url}/0"


def outcome(body: dict[str, Any]) -> str:
    """The code of the first error (top-level or in the payload), or "ok"."""
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    (payload,) = (body.get("data") or {}).values()
    if isinstance(payload, dict) and payload.get("errors"):
        return str(payload["errors"][0]["code"])
    return "ok"


async def test_redis_stopped_mid_run_then_the_boards_repair_themselves(
    gql: GraphQLClient,
    http: httpx.AsyncClient,
    redis: Redis,
    private_redis: RedisServer,
    settings: Any,
    tmp_path: Path,
) -> None:
    # given a shop earning 1 point per euro, a challenge board, a reward, and members with points
    program = await new_program()
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    challenge = await challenge_board(program)
    till = await integration_client(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    reward = await create_reward(manager, name="Mug", kind="MERCHANDISE", pointsCost=50, stock=30)
    members = [await sign_up(gql, program, display_name=f"M{i}") for i in range(6)]
    for member in members:
        await give_points(member.id, 500)
    # and the worker running, as a supervisor keeps it (arq's worker exits when Redis goes away)
    the_worker = worker(process_env(settings), tmp_path / "worker.log")
    the_worker.start()
    purchases = [purchase_input(m.id, lines=[("A", "cup", 1, "12.00")]) for m in members * 5]
    redemptions = [(m, f"mug-{m.id}-{i}") for m in members for i in range(3)]

    async def purchase(i: int) -> str:
        return outcome(await till.raw(RECORD_PURCHASE, {"input": purchases[i]}))

    async def redemption(i: int) -> str:
        member, key = redemptions[i]
        variables = {"input": {"rewardId": reward["id"], "idempotencyKey": key}}
        return outcome(await member.client.raw(REDEEM, variables))

    with running(the_worker):
        # when a first third runs with Redis up
        first = await asyncio.gather(*(purchase(i) for i in range(10)), redemption(0))
        assert set(first) == {"ok"}

        # and Redis stops while purchases and redemptions keep coming
        private_redis.stop()
        during = await asyncio.gather(
            *(purchase(i) for i in range(10, 20)), *(redemption(i) for i in range(1, 10))
        )
        board = await members[0].client.raw(LEADERBOARD, {"board": "points"})
        log_in = await gql.raw(
            LOG_IN,
            {"input": {"program": program.slug, "email": members[1].email, "password": PASSWORD}},
        )
        ready = await http.get("/readyz")
        private_redis.start()
        # and the rest after it is back
        after = await asyncio.gather(
            *(purchase(i) for i in range(20, 30)), *(redemption(i) for i in range(10, 18))
        )

        # then what does not need Redis succeeded all along; what does got a retryable code
        assert set(during) == {"ok"}, during
        assert set(after) == {"ok"}, after
        assert outcome(board) == "REDIS_UNAVAILABLE"
        assert board["errors"][0]["extensions"]["retryable"] is True
        assert outcome(log_in) == "REDIS_UNAVAILABLE"
        assert ready.status_code == 503
        assert ready.json()["redis"].startswith("error")
        assert ready.json()["leaderboards"] == "stale: 1 programs to repair"
        # and nothing is half-written: every purchase with its entry and events, every balance
        # its ledger, every redemption a unit of stock
        await assert_nothing_half_written(program.id)
        assert (await Reward.get(id=int(reward["id"]))).stock == 30 - 18

        # and the worker repairs the boards by itself once Redis answers (restarted first if it
        # exited with Redis, as its supervisor would)
        if not the_worker.alive():
            the_worker.start()
        for _ in range(600):  # the repair scan runs every 10 s; bounded, not timed
            if not await leaderboards.stale_programs():
                break
            await asyncio.sleep(0.1)
        assert await leaderboards.stale_programs() == [], the_worker.log()
    assert (await http.get("/readyz")).json()["leaderboards"] == "ok"

    # then every board shows every purchase: 12 points each, 5 purchases per member
    view = (await members[0].client.query(LEADERBOARD, {"board": "points", "first": 10}))[
        "leaderboard"
    ]
    assert sorted(e["score"] for e in view["entries"]) == [500 + 60] * 6
    on_challenge = await members[0].client.query(LEADERBOARD, {"board": challenge})
    assert on_challenge["leaderboard"]["me"]["score"] == 5
    # and a rebuild from the database gives the same boards, scores and tie-breaks included
    repaired = await snapshot(redis, program.id)
    await redis.flushdb()
    await leaderboards.rebuild_program(redis, program.id)
    assert await snapshot(redis, program.id) == repaired
