"""The app on a real three-master Redis Cluster (started here from the redis-server binary),
with the job queue on a plain Redis: boards (scores, reads, rebuilds, erasure), log-in and
sign-up throttling, persisted queries, the collective challenges' counters and the live
channels of subscriptions give the same results as on one Redis, and every key the app
touches carries a hash tag, so that no script or multi-key command ever spans two slots."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pydantic
import pytest
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot
from starlette.applications import Starlette

from challenges.community import counter_key
from challenges.definitions import ChallengeFields, create_challenge
from challenges.models import ChallengeKind, ChallengeMetric, Enrolment
from core.settings import Settings
from gamification import events, leaderboards
from gamification.audit import SYSTEM
from gamification.events import live
from gamification.events.models import Event
from gamification.events.payloads import PurchaseRecorded, to_json
from gamification.points.models import EarningRuleKind
from tests.builders import (
    PASSWORD,
    RECORD_PURCHASE,
    add_rule,
    challenge_board,
    give_points,
    integration_client,
    new_program,
    purchase_input,
    record_purchase_event,
    sign_up,
)
from tests.graphql import GraphQLClient, codes
from tests.live import ARRIVES_WITHIN, connected
from tests.redis_cluster import (
    REDIS_CLI,
    REDIS_SERVER,
    Cluster,
    Recording,
    keys_of,
    recording,
    running_cluster,
)
from tests.serving import served
from workers.leaderboards import rebuild_leaderboards

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None or REDIS_CLI is None,
    reason="a Redis Cluster is started from redis-server and redis-cli (apt-get install redis)",
)

LEADERBOARD = """
query($board: String!) {
  leaderboard(board: $board, first: 10) {
    entries { rank score member { displayName } }
    me { rank score }
  }
}
"""

LOG_IN = """
mutation LogIn($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }
"""

ME = "query Me { me { displayName } }"


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    async with running_cluster(tmp_path_factory.mktemp("cluster")) as nodes:
        yield nodes


@pytest.fixture(scope="module")
def settings(database_url: str, redis_url: str, cluster: Cluster) -> Settings:
    # The app's Redis is the Cluster; the job queue is the suite's plain Redis.
    values = {
        "environment": "test",
        "database_url": database_url,
        "redis_url": cluster.url,
        "redis_cluster": True,
        "queue_redis_url": redis_url,
        "secret_key": "test-secret-key-that-is-long-enough-0123456789",
        "login_attempts_per_email": 3,
        "signups_per_address": 1_000_000,
        "login_attempts_per_address": 1_000_000,
        "persisted_queries_max_documents": 2,
    }
    return Settings(**values)  # type: ignore[arg-type]  # settings are read from strings, as from the environment


@pytest.fixture(scope="module")
async def record(cluster: Cluster, app: Starlette) -> AsyncIterator[Recording]:
    """Every command the nodes run during this module's tests."""
    async with recording(cluster) as commands:
        yield commands


def scores(view: dict) -> list[tuple[int, str, int]]:
    return [(e["rank"], e["member"]["displayName"], e["score"]) for e in view["entries"]]


async def board_keys(cluster: Cluster, program_id: int) -> dict[str, object]:
    """Every board key of the program with its content, read from the node holding the slot."""
    client = RedisCluster.from_url(cluster.url, decode_responses=True)
    try:
        keys = sorted(k for k in await cluster.keys() if k.startswith(f"lb:{{p{program_id}}}:"))
        return {
            k: await client.zrange(k, 0, -1, withscores=True)
            if await client.type(k) == "zset"
            else sorted(await client.smembers(k))  # type: ignore[misc]  # redis-py types this for both clients
            for k in keys
        }
    finally:
        await client.aclose()


async def test_the_app_runs_on_the_cluster_and_the_queue_stays_on_a_plain_redis(
    app: Starlette, record: Recording
) -> None:
    assert isinstance(app.state.services.redis, RedisCluster)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        ready = (await client.get("/readyz")).json()
    assert ready == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "queue": "ok",
        "leaderboards": "ok",
    }


def test_a_cluster_without_a_queue_url_is_refused_at_start_up() -> None:
    # arq does not run on a Cluster: the queue must be named.
    with pytest.raises(pydantic.ValidationError, match="QUEUE_REDIS_URL"):
        Settings(redis_url="redis://127.0.0.1:7200", redis_cluster=True)


async def test_boards_score_read_rebuild_and_erase_on_the_cluster(
    gql: GraphQLClient, app: Starlette, cluster: Cluster, record: Recording
) -> None:
    redis = app.state.services.redis
    # given two programs (their keys on different slots) with points, referrals and challenges
    program = await new_program(referral_points=25, referral_min_purchase="5")
    other = await new_program()
    ann = await sign_up(gql, program, display_name="Ann")
    ben = await sign_up(gql, program, display_name="Ben")
    referee = await sign_up(gql, program, referral_code=ann.referral_code)
    stranger = await sign_up(gql, other, display_name="Stranger")
    challenge = await challenge_board(program)
    till = await integration_client(gql, program)
    await give_points(ann.id, 300)
    await give_points(ben.id, 500)
    await give_points(stranger.id, 900)
    await record_purchase_event(referee.id, "9.00")
    for member, count in ((ann, 2), (ben, 1)):
        for _ in range(count):
            payload = await till.mutate(RECORD_PURCHASE, purchase_input(member.id))
            assert payload["errors"] == []
    # then each program's boards read what happened in it, with ranks and my standing (Ann's
    # points include her referral's 25)
    view = (await ann.client.query(LEADERBOARD, {"board": "points"}))["leaderboard"]
    assert scores(view)[:2] == [(1, "Ben", 500), (2, "Ann", 325)]
    assert view["me"] == {"rank": 2, "score": 325}
    referrals = (await ann.client.query(LEADERBOARD, {"board": "referrals"}))["leaderboard"]
    assert scores(referrals) == [(1, "Ann", 1)]
    progress = (await ann.client.query(LEADERBOARD, {"board": challenge}))["leaderboard"]
    assert scores(progress) == [(1, "Ann", 2), (2, "Test Member", 1), (3, "Ben", 1)]
    mine = (await stranger.client.query(LEADERBOARD, {"board": "points"}))["leaderboard"]
    assert scores(mine) == [(1, "Stranger", 900)]

    # when the Cluster loses everything and the worker's job rebuilds the boards
    incremental = await board_keys(cluster, program.id)
    assert len(incremental) >= 7
    await cluster.flush()
    assert await board_keys(cluster, program.id) == {}
    assert await rebuild_leaderboards({"app_redis": redis}, program.id) == 7
    # then they are the same boards, tie-breaks and applied sets included (a challenge board
    # is rebuilt from totals, without the ids of the changes that made them)
    incremental.pop(f"lb:{{p{program.id}}}:{challenge}:all:seen")
    assert await board_keys(cluster, program.id) == incremental

    # and an erased member leaves every board of the program (found across the nodes)
    assert await leaderboards.remove_member(redis, program.id, ann.id) == 7
    view = (await ben.client.query(LEADERBOARD, {"board": "points"}))["leaderboard"]
    assert scores(view)[0] == (1, "Ben", 500)
    assert "Ann" not in [name for _, name, _ in scores(view)]


async def test_log_in_and_sign_up_throttling_count_on_the_cluster(
    gql: GraphQLClient, record: Recording
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    wrong = {"program": program.slug, "email": member.email, "password": "wrong password"}
    for _ in range(3):
        assert codes(await gql.mutate(LOG_IN, wrong)) == ["INVALID_CREDENTIALS"]
    right = {**wrong, "password": PASSWORD}
    assert codes(await gql.mutate(LOG_IN, right)) == ["TOO_MANY_ATTEMPTS"]
    # another program's member with the same email is not locked, and a success clears its count
    other = await new_program()
    await sign_up(gql, other, email=member.email)
    elsewhere = {**right, "program": other.slug}
    await gql.mutate(LOG_IN, {**elsewhere, "password": "wrong password"})
    assert (await gql.mutate(LOG_IN, elsewhere))["errors"] == []


def _persisted(text: str) -> dict[str, object]:
    return {
        "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(text.encode()).hexdigest()}
    }


async def test_persisted_queries_are_kept_and_evicted_on_the_cluster(
    http: httpx.AsyncClient, gql: GraphQLClient, cluster: Cluster, record: Recording
) -> None:
    member = await sign_up(gql, await new_program(), display_name="Ada")
    headers = {"Authorization": f"Bearer {member.access_token}"}
    texts = [f"query Me{i} {{ me {{ displayName }} }}" for i in range(4)]
    for text in texts:
        missing = await http.post(
            "/graphql", json={"extensions": _persisted(text)}, headers=headers
        )
        assert missing.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        sent = {"query": text, "extensions": _persisted(text)}
        kept = await http.post("/graphql", json=sent, headers=headers)
        assert kept.json() == {"data": {"me": {"displayName": "Ada"}}}
    # at most two are kept: the store script evicted the oldest documents (keys of its slot)
    documents = sorted(k for k in await cluster.keys() if ":persisted-queries}:auto:" in k)
    digests = [hashlib.sha256(t.encode()).hexdigest() for t in texts[2:]]
    assert documents == sorted(f"{{loyalty:persisted-queries}}:auto:{d}" for d in digests)


async def collective_challenge(program_id: int) -> int:
    start = datetime.now(UTC) - timedelta(days=1)
    challenge = await create_challenge(
        SYSTEM,
        program_id,
        ChallengeMetric.PURCHASES,
        ChallengeKind.COLLECTIVE,
        Enrolment.AUTOMATIC,
        ChallengeFields(
            name="Together",
            target=Decimal(100),
            starts_at=start,
            ends_at=start + timedelta(days=30),
        ),
    )
    return challenge.id


async def test_community_counters_count_on_the_cluster_even_in_a_batch_mixing_programs(
    gql: GraphQLClient, app: Starlette, record: Recording
) -> None:
    redis = app.state.services.redis
    # given a collective challenge in each of two programs, and a purchase in each whose process
    # died between its commit and its handlers (the retry scan takes both in one batch)
    programs = [await new_program(), await new_program()]
    challenges = [await collective_challenge(p.id) for p in programs]
    past = datetime.now(UTC) - timedelta(minutes=5)
    for program in programs:
        member = await sign_up(gql, program)
        await Event.create(
            program_id=program.id,
            member_id=member.id,
            type="PURCHASE_RECORDED",
            data=to_json(
                PurchaseRecorded(
                    purchase_id=program.id,
                    external_id="lost",
                    total=Decimal("5.00"),
                    currency="EUR",
                    points=0,
                    first_purchase=False,
                    lines=(),
                )
            ),
            occurred_at=past,
        )
    # when the scan runs them
    assert await events.retry_unsettled() >= 2
    # then each program's counter counted its purchase (one script per program's slot)
    for program, challenge_id in zip(programs, challenges, strict=True):
        assert await redis.get(counter_key(program.id, challenge_id)) == "1"


MY_BALANCE = "subscription { myBalance { pointsBalance eventId } }"


async def test_a_subscriber_hears_a_purchase_through_the_cluster(
    gql: GraphQLClient, app: Starlette, cluster: Cluster
) -> None:
    # given a member following their balance on the app served on a real socket, and a plain
    # subscriber of the program's live channel on another node than the app's listener
    program = await new_program()
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)
    other_node = Redis(port=cluster.ports[-1])
    listener = other_node.pubsub()
    await listener.subscribe(live.channel(program.id))
    try:
        async with served(app) as base_url, connected(base_url, member.access_token) as session:
            balance = session.subscribe(MY_BALANCE)
            assert (await balance.next())["myBalance"]["pointsBalance"] == 0
            # when the till records a purchase (published to any node of the Cluster)
            await till.mutate(
                RECORD_PURCHASE, purchase_input(member.id, lines=[("A", "cup", 1, "12.00")])
            )
            # then the member hears the new balance, and the other node relayed the message
            assert (await balance.next())["myBalance"]["pointsBalance"] == 12
            heard = await heard_on(listener)
            assert {e.type for e in heard.events} >= {"PURCHASE_RECORDED", "POINTS_EARNED"}
            assert {e.member_id for e in heard.events} == {member.id}
    finally:
        await listener.aclose()
        await other_node.aclose()


async def heard_on(listener: PubSub) -> live.Message:
    """The first message of a live channel that reaches `listener`."""
    async with asyncio.timeout(ARRIVES_WITHIN):
        while True:
            message = await listener.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is not None:
                return live.decode(message["data"])


async def test_every_key_carries_a_hash_tag_and_no_command_spans_two_slots(
    cluster: Cluster, record: Recording
) -> None:
    commands = await record.settle()
    keyed = await keys_of(cluster.ports[0], commands)
    scripts = [c for c, keys in keyed if c.name in ("EVAL", "EVALSHA") and keys]
    # the module's flows ran scripts and commands run by scripts (so this check can fail)
    assert len(scripts) >= 10
    assert any(c.from_script for c, _ in keyed)
    untagged = {k for _, keys in keyed for k in keys if "{" not in k or "}" not in k}
    assert untagged == set()
    # (the Cluster refuses a script reaching out of its keys' slot, and the client a command)
    crossing = [c.args[:6] for c, keys in keyed if len({key_slot(k.encode()) for k in keys}) > 1]
    assert crossing == []
