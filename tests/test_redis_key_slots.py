"""Every Redis key builder tags its keys with its program (or its own tag), and every script call
the code builds takes the keys of one hash slot, whatever mix of programs it is given: what a
Redis Cluster requires (tests/test_redis_cluster.py runs the flows on a real one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from redis.crc import key_slot
from starlette.applications import Starlette

from api.persisted_queries import Limits, PersistedQueries
from api.subscriptions import connections as live_connections
from challenges import boards as challenge_boards
from challenges import community
from challenges.models import Challenge
from core.redis import ScriptCall
from gamification import leaderboards
from gamification.accounts import login_throttle
from gamification.events import live
from gamification.leaderboards import Period, ScoreChange
from gamification.leaderboards.boards import board_key, erased_key, seen_key, window

PROGRAMS = (1, 2, 7, 12345)
NOW = datetime.now(UTC)


def slot(key: str) -> int:
    return key_slot(key.encode())


def program_slot(program_id: int) -> int:
    return slot(f"{{p{program_id}}}")


def slots(call: ScriptCall) -> set[int]:
    return {slot(key) for key in call.keys}


def challenge(challenge_id: int, program_id: int) -> Challenge:
    return Challenge(
        id=challenge_id, program_id=program_id, ends_at=NOW + timedelta(days=3), target=10
    )


def test_board_keys_lie_in_their_programs_slot() -> None:
    for program_id in PROGRAMS:
        for board in ("points", "referrals", "challenge:9"):
            for period in Period:
                key = board_key(program_id, board, window(period, NOW, board))
                rebuilding = f"{key}:rebuild:0123abcd"
                for each in (key, seen_key(key), rebuilding, seen_key(key) + ":rebuild:0"):
                    assert slot(each) == program_slot(program_id), each
        assert slot(erased_key(program_id)) == program_slot(program_id)


def test_a_score_call_over_several_boards_takes_one_slot() -> None:
    for program_id in PROGRAMS:
        changes = [
            ScoreChange(board, 5, 10, NOW, f"e{i}")
            for i, board in enumerate(("points", "referrals", "challenge:3"))
        ]
        call = leaderboards.scores_call(program_id, changes)
        assert call is not None and slots(call) == {program_slot(program_id)}


@pytest.mark.asyncio(loop_scope="module")
async def test_challenge_board_moves_of_several_programs_go_in_one_call_per_program(
    app: Starlette,
) -> None:
    moves = [
        challenge_boards.Move(event_id=i, member_id=i, challenge=challenge(i, p), amount=1, at=NOW)
        for i, p in enumerate(PROGRAMS, start=1)
    ]
    calls = challenge_boards.feed_calls(moves)
    assert len(calls) == len(PROGRAMS)
    assert sorted(slots(call).pop() for call in calls) == sorted(map(program_slot, PROGRAMS))
    assert all(len(slots(call)) == 1 for call in calls)


@pytest.mark.asyncio(loop_scope="module")
async def test_a_community_count_takes_one_programs_counters_and_refuses_a_mix(
    app: Starlette,
) -> None:
    one = [community.Contribution(i, challenge(i, 7), 1) for i in (1, 2, 3)]
    assert slots(community.count_call(one)) == {program_slot(7)}
    mixed = [
        community.Contribution(1, challenge(1, 7), 1),
        community.Contribution(2, challenge(2, 8), 1),
    ]
    with pytest.raises(ValueError):
        community.count_call(mixed)


def test_throttle_counters_of_a_program_share_its_slot() -> None:
    for program_id in PROGRAMS:
        keys = [
            *login_throttle.login_keys(program_id, "ann@example.com", "10.0.0.1"),
            login_throttle.signup_key(program_id, "10.0.0.1"),
        ]
        assert {slot(k) for k in keys} == {program_slot(program_id)}


def test_persisted_query_keys_share_their_deployments_slot() -> None:
    store = PersistedQueries(None, "shop-a", Limits(60, 1000, 10))  # type: ignore[arg-type]  # key names only: no Redis is used
    call = store.store_call("0" * 64, "{ me { id } }")
    # the documents it may evict are named by the prefix it is given: the same slot again
    evicted = call.args[4] + "f" * 64
    assert {slot(k) for k in [*call.keys, evicted]} == {slot("{shop-a:persisted-queries}")}


def test_live_channels_and_connection_leases_lie_in_their_programs_slot() -> None:
    for program_id in PROGRAMS:
        assert slot(live.channel(program_id, 3)) == program_slot(program_id)
        for kind in ("member", "staff"):
            assert slot(live_connections.lease_key(program_id, kind, 42)) == program_slot(
                program_id
            )
