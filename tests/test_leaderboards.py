"""Leaderboards: fed by domain events, idempotent, tie-broken by time, per period, per program,
and rebuilt from the database to the very same boards (invariant 7)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from redis.asyncio import Redis
from tortoise.log import db_client_logger

from core.clock import clock
from gamification import events, leaderboards
from gamification.accounts.models import Member
from gamification.events import EventType
from gamification.events.models import Event
from gamification.leaderboards import Period, public_names
from gamification.points import ledger
from gamification.points.models import EarningRuleKind, LedgerEntry, LedgerKind
from gamification.privacy.personal_data import ERASED_NAME
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    assert_ledger_consistent,
    challenge_board,
    give_points,
    integration_client,
    new_program,
    purchase_input,
    record_purchase_event,
    refund_purchase_event,
    sign_up,
    spend_points,
    staff_client,
)
from tests.graphql import GraphQLClient
from workers.leaderboards import rebuild_leaderboards

SETTINGS_OVERRIDES = {"access_token_ttl_seconds": 90 * 86_400}

LEADERBOARD = """
query($board: String!, $period: LeaderboardPeriod, $first: Int, $around: Int) {
  leaderboard(board: $board, period: $period, first: $first, around: $around) {
    entries { rank score member { displayName } }
    me { rank score }
    around { rank score member { displayName } }
  }
}
"""

ADJUST = """
mutation Adjust($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { entry { id } errors { code } }
}
"""


def real_now() -> datetime:
    # Frozen tests start at the real time: Redis expires keys by its own clock, and tokens
    # issued in the future are refused; the clock only moves forward from here.
    return datetime.now(UTC).replace(microsecond=0)


async def board(member: object, name: str = "points", **variables: object) -> dict:
    client: GraphQLClient = member.client  # type: ignore[attr-defined]  # the builder attaches the member's client
    return (await client.query(LEADERBOARD, {"board": name, **variables}))["leaderboard"]


def scores(view: dict) -> list[tuple[int, str, int]]:
    return [(e["rank"], e["member"]["displayName"], e["score"]) for e in view["entries"]]


async def snapshot(redis: Redis, program_id: int) -> dict[str, list]:
    keys = [k async for k in redis.scan_iter(match=f"lb:{{p{program_id}}}:*")]
    return {
        k: await redis.zrange(k, 0, -1, withscores=True)
        for k in sorted(keys)
        if not k.endswith((":seen", ":erased")) and ":rebuild:" not in k
    }


async def test_points_earned_fill_the_board_with_ranks_names_and_my_standing(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    ann = await sign_up(gql, program, display_name="Ann")
    ben = await sign_up(gql, program, display_name="Ben")
    cat = await sign_up(gql, program, display_name="Cat")
    await give_points(ann.id, 300)
    await give_points(ben.id, 500)
    await give_points(cat.id, 100)
    # spending does not lower "points earned"
    await spend_points(ben.id, 400)
    view = await board(ann, first=10)
    assert scores(view) == [(1, "Ben", 500), (2, "Ann", 300), (3, "Cat", 100)]
    assert view["me"] == {"rank": 2, "score": 300}
    for period in ("MONTH", "WEEK"):
        assert scores(await board(ann, period=period)) == scores(view)


async def test_equal_scores_rank_whoever_got_there_first(gql: GraphQLClient) -> None:
    with clock.frozen_at(real_now()) as time:
        program = await new_program()
        manager = await staff_client(gql, program, "MANAGER")
        early = await sign_up(gql, program, display_name="Early")
        late = await sign_up(gql, program, display_name="Late")
        # Late reaches 100 first, then Early reaches 100 a minute later
        await give_points(late.id, 100)
        time.advance(timedelta(minutes=1))
        await give_points(early.id, 60)
        await give_points(early.id, 40)
        time.advance(timedelta(minutes=1))
        for period in ("ALL_TIME", "MONTH", "WEEK"):
            view = await board(early, period=period)
            assert scores(view) == [(1, "Late", 100), (2, "Early", 100)], period
        # Late goes to 110 then is adjusted back to 100: Late now arrived at 100 last
        await give_points(late.id, 10)
        time.advance(timedelta(minutes=1))
        payload = await manager.mutate(
            ADJUST,
            {"memberId": str(late.id), "delta": -10, "reason": "fix", "idempotencyKey": "t"},
        )
        assert payload["errors"] == []
        for period in ("ALL_TIME", "MONTH", "WEEK"):
            view = await board(early, period=period)
            assert scores(view) == [(1, "Early", 100), (2, "Late", 100)], period
        # one second apart is enough on week and month boards (the all-time one counts minutes)
        time.advance(timedelta(minutes=1))
        await give_points(early.id, 5)
        time.advance(timedelta(seconds=1))
        await give_points(late.id, 5)
        for period in ("MONTH", "WEEK"):
            view = await board(early, period=period)
            assert scores(view) == [(1, "Early", 105), (2, "Late", 105)], period


async def test_periods_roll_over_and_their_keys_expire_after_the_period(
    gql: GraphQLClient, redis: Redis
) -> None:
    start = real_now()
    with clock.frozen_at(start) as time:
        program = await new_program()
        member = await sign_up(gql, program, display_name="Mo")
        newcomer = await sign_up(gql, program)
        await give_points(member.id, 70)
        time.set(start + timedelta(days=7))  # next ISO week
        await give_points(member.id, 5)
        assert (await board(member, period="WEEK"))["me"] == {"rank": 1, "score": 5}
        assert (await board(member, period="ALL_TIME"))["me"] == {"rank": 1, "score": 75}
        month = (await board(member, period="MONTH"))["me"]
        same_month = start.month == (start + timedelta(days=7)).month
        assert month == {"rank": 1, "score": 75 if same_month else 5}
        # the week key ends with its week, plus the margin
        week = leaderboards.window(Period.WEEK, clock.now())
        key = leaderboards.board_key(program.id, "points", week)
        assert week.end is not None
        expires = await redis.expiretime(key)
        assert expires == int((week.end + leaderboards.KEY_MARGIN).timestamp())
        assert await redis.ttl(leaderboards.board_key(program.id, "points", week)) > 0
        all_time = leaderboards.window(Period.ALL_TIME, clock.now())
        assert await redis.ttl(leaderboards.board_key(program.id, "points", all_time)) == -1
        # a member who earned nothing has no standing
        assert (await board(newcomer, period="WEEK"))["me"] is None


async def test_around_me_at_the_top_the_bottom_and_the_middle(gql: GraphQLClient) -> None:
    program = await new_program()
    members = []
    for i in range(7):
        member = await sign_up(gql, program, display_name=f"M{i}")
        await give_points(member.id, 700 - 100 * i)  # M0 first ... M6 last
        members.append(member)
    top = await board(members[0], first=2, around=2)
    assert top["me"] == {"rank": 1, "score": 700}
    assert [(e["rank"], e["member"]["displayName"]) for e in top["around"]] == [
        (1, "M0"),
        (2, "M1"),
        (3, "M2"),
    ]
    bottom = await board(members[6], first=0, around=2)
    assert bottom["entries"] == []
    assert bottom["me"] == {"rank": 7, "score": 100}
    assert [e["rank"] for e in bottom["around"]] == [5, 6, 7]
    middle = await board(members[3], around=2)
    assert [e["member"]["displayName"] for e in middle["around"]] == ["M1", "M2", "M3", "M4", "M5"]
    outsider = await sign_up(gql, program)
    view = await board(outsider, around=3)
    assert view["me"] is None and view["around"] == []


async def test_an_event_applied_twice_counts_once(gql: GraphQLClient, redis: Redis) -> None:
    program = await new_program()
    member = await sign_up(gql, program, display_name="Twice")
    challenge = await challenge_board(program)
    await give_points(member.id, 40)
    (earned,) = await Event.filter(member_id=member.id, type=EventType.POINTS_EARNED)
    # the same event delivered again, many times at once, and published again
    await asyncio.gather(
        *(leaderboards.BoardFeeds(redis).on_points_event(earned) for _ in range(20))
    )
    await events.publish([earned, earned])
    # and the generic entry point, twice with one id
    for _ in range(2):
        await leaderboards.add_score(redis, program.id, challenge, member.id, 3, clock.now(), "c1")
    assert (await board(member))["me"] == {"rank": 1, "score": 40}
    assert (await board(member, challenge))["me"] == {"rank": 1, "score": 3}


async def test_boards_never_cross_programs(gql: GraphQLClient, redis: Redis) -> None:
    first, second = await new_program(), await new_program()
    alice = await sign_up(gql, first, display_name="Alice")
    bruno = await sign_up(gql, second, display_name="Bruno")
    await give_points(alice.id, 10)
    await give_points(bruno.id, 20)
    assert scores(await board(alice)) == [(1, "Alice", 10)]
    assert scores(await board(bruno)) == [(1, "Bruno", 20)]
    assert (await board(bruno))["me"] == {"rank": 1, "score": 20}
    # every key of a program carries its hash tag
    assert all(f"{{p{first.id}}}" in key for key in await snapshot(redis, first.id))


async def test_refunds_and_negative_adjustments_keep_the_points_board_equal_to_the_ledger(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    members = [await sign_up(gql, program, display_name=f"P{i}") for i in range(4)]
    for i, member in enumerate(members):
        await give_points(member.id, 100 * (i + 1))
    async with events.atomic():  # a purchase refund claws points back
        await ledger.claw_back(await Member.get(id=members[1].id), 150, LedgerKind.REFUND)
    await manager.mutate(
        ADJUST,
        {"memberId": str(members[2].id), "delta": -250, "reason": "x", "idempotencyKey": "a"},
    )
    await manager.mutate(
        ADJUST,
        {"memberId": str(members[0].id), "delta": 35, "reason": "y", "idempotencyKey": "b"},
    )
    await spend_points(members[3].id, 50)  # spending and expiry do not change points earned
    view = await board(members[0])
    on_board = {e["member"]["displayName"]: e["score"] for e in view["entries"]}
    in_database = {}
    for i, member in enumerate(members):
        await assert_ledger_consistent(member.id)
        entries = await LedgerEntry.filter(
            member_id=member.id, kind__in=list(leaderboards.POINTS_KINDS)
        )
        in_database[f"P{i}"] = sum(e.delta for e in entries)
    assert on_board == in_database == {"P0": 135, "P1": 50, "P2": 50, "P3": 400}


async def test_qualified_referrals_fill_the_referrals_board_and_reversals_leave_it(
    gql: GraphQLClient,
) -> None:
    program = await new_program(referral_points=10, referral_min_purchase="5")
    ambassador = await sign_up(gql, program, display_name="Amb")
    code = ambassador.referral_code
    friends = [await sign_up(gql, program, referral_code=code) for _ in range(3)]
    purchases = [await record_purchase_event(f.id, "10.00") for f in friends]
    assert scores(await board(ambassador, "referrals")) == [(1, "Amb", 3)]
    await refund_purchase_event(friends[0].id, purchases[0], "10.00")
    assert scores(await board(ambassador, "referrals")) == [(1, "Amb", 2)]


async def test_flushing_redis_and_rebuilding_gives_identical_boards(
    gql: GraphQLClient, redis: Redis
) -> None:
    # given a program with a month of mixed activity, fed incrementally by events
    start = real_now()
    moments = [start + timedelta(days=d, hours=h) for d, h in ((0, 0), (1, 5), (2, 2), (3, 7))]
    with clock.frozen_at(start) as time:
        program = await new_program(referral_points=25, referral_min_purchase="5")
        manager = await staff_client(gql, program, "MANAGER")
        members = [await sign_up(gql, program, display_name=f"R{i}") for i in range(6)]
        referees = [
            await sign_up(gql, program, referral_code=members[i % 2].referral_code)
            for i in range(4)
        ]
        for step, moment in enumerate(moments):
            time.set(moment)
            for i, member in enumerate(members):
                await give_points(member.id, 10 * ((i + step) % 4 + 1))
            time.advance(timedelta(minutes=5))
            await record_purchase_event(referees[step].id, "9.00")
            await manager.mutate(
                ADJUST,
                {
                    "memberId": str(members[step].id),
                    "delta": -5 if step % 2 else 7,
                    "reason": "r",
                    "idempotencyKey": f"k{step}",
                },
            )
        await refund_purchase_event(referees[3].id, (await referees_purchase(referees[3].id)), "9")
        incremental = await snapshot(redis, program.id)
        assert len(incremental) >= 5
        # when Redis loses everything and the boards are rebuilt for each moment used
        await redis.flushdb()
        for moment in moments:
            await leaderboards.rebuild_program(redis, program.id, at=moment)
        rebuilt = await snapshot(redis, program.id)
        # then the boards are the same, scores (with their tie-breaks) included
        assert rebuilt == incremental
        # and the worker job rebuilds the current ones the same way, again
        before = await snapshot(redis, program.id)
        assert await rebuild_leaderboards({"app_redis": redis}, program.id) == 6
        assert await snapshot(redis, program.id) == before


async def referees_purchase(member_id: int) -> int:
    (event,) = await Event.filter(member_id=member_id, type=EventType.PURCHASE_RECORDED)
    return int(event.data["purchase_id"])


async def test_events_arriving_after_a_rebuild_count_once(gql: GraphQLClient, redis: Redis) -> None:
    program = await new_program()
    member = await sign_up(gql, program, display_name="Late")
    await give_points(member.id, 10)
    (earned,) = await Event.filter(member_id=member.id, type=EventType.POINTS_EARNED)
    await redis.flushdb()
    await leaderboards.rebuild_program(redis, program.id)
    await leaderboards.BoardFeeds(redis).on_points_event(
        earned
    )  # a late redelivery of an event in the rebuild
    assert (await board(member))["me"] == {"rank": 1, "score": 10}


async def test_bad_leaderboard_requests_get_codes(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    for variables, code in (
        ({"board": "balance"}, "UNKNOWN_LEADERBOARD"),
        ({"board": "challenge:abc"}, "UNKNOWN_LEADERBOARD"),
        ({"board": "points", "first": 101}, "INVALID_INPUT"),
        ({"board": "points", "first": -1}, "INVALID_INPUT"),
        ({"board": "points", "around": 51}, "INVALID_INPUT"),
    ):
        assert await member.client.error_code(LEADERBOARD, variables) == code
    assert await gql.error_code(LEADERBOARD, {"board": "points"}) == "UNAUTHENTICATED"
    # staff may read a board (without a standing of their own)
    manager = await staff_client(gql, program, "ANALYST")
    body = await manager.query(LEADERBOARD, {"board": "points"})
    assert body["leaderboard"]["me"] is None


def name_reads(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The queries that read display names (and not whole member rows)."""
    messages = [r.getMessage() for r in caplog.records]
    return [m for m in messages if '"display_name"' in m and 'FROM "member"' in m and "*" not in m]


async def test_a_leaderboard_page_reads_display_names_in_one_query(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    program = await new_program()
    members = [await sign_up(gql, program, display_name=f"N{i}") for i in range(15)]
    for i, member in enumerate(members):
        await give_points(member.id, 10 + i)
    with caplog.at_level(logging.DEBUG, logger=db_client_logger.name):
        view = await board(members[7], first=10, around=5)
    assert len(view["entries"]) == 10 and len(view["around"]) == 11
    # (The caller's own session is read too, by api/permissions.py: not a name read.)
    assert len(name_reads(caplog)) == 1, [r.getMessage() for r in caplog.records]
    # and the same page again asks the database for no name: names do not change
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger=db_client_logger.name):
        assert await board(members[7], first=10, around=5) == view
    assert name_reads(caplog) == []


async def test_an_erased_members_remembered_name_is_forgotten_with_them(
    gql: GraphQLClient,
) -> None:
    # given a member whose name a board read has remembered
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    leaving = await sign_up(gql, program, display_name="Leaving Soon")
    await give_points(leaving.id, 40)
    assert scores(await board(leaving)) == [(1, "Leaving Soon", 40)]
    # when an admin erases them
    assert (await admin.mutate(ANONYMISE, {"memberId": str(leaving.id)}))["errors"] == []
    # then their name is read afresh: the erased one
    assert await public_names.board_names([leaving.id]) == [ERASED_NAME]


async def test_rebuilding_while_points_flow_loses_nothing_and_counts_nothing_twice(
    gql: GraphQLClient, redis: Redis
) -> None:
    program = await new_program()
    members = [await sign_up(gql, program, display_name=f"F{i}") for i in range(5)]
    for member in members:
        await give_points(member.id, 1)
    # when rebuilds run while 40 earnings commit and publish
    await asyncio.gather(
        *(give_points(members[i % 5].id, i + 1) for i in range(40)),
        *(leaderboards.rebuild(redis, program.id, "points", p) for p in Period for _ in range(2)),
    )
    # then every board equals the ledger
    for period in ("ALL_TIME", "MONTH", "WEEK"):
        view = await board(members[0], period=period, first=10)
        on_board = {e["member"]["displayName"]: e["score"] for e in view["entries"]}
        in_ledger = {
            f"F{i}": sum(e.delta for e in await LedgerEntry.filter(member_id=m.id))
            for i, m in enumerate(members)
        }
        assert on_board == in_ledger, period


ANONYMISE = """
mutation($input: AnonymiseMemberInput!) {
  anonymiseMember(input: $input) { member { id } errors { code } }
}
"""


async def test_a_change_in_flight_for_an_anonymised_member_never_puts_them_back_on_a_board(
    gql: GraphQLClient, redis: Redis
) -> None:
    # given two members on the points board, one of them also on a challenge board
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    leaving = await sign_up(gql, program, display_name="Leaving")
    staying = await sign_up(gql, program, display_name="Staying")
    await give_points(leaving.id, 40)
    await give_points(staying.id, 20)
    challenge = await challenge_board(program)
    await leaderboards.add_score(redis, program.id, challenge, leaving.id, 3, clock.now(), "c1")
    assert scores(await board(staying)) == [(1, "Leaving", 40), (2, "Staying", 20)]
    # when an admin anonymises one of them
    assert (await admin.mutate(ANONYMISE, {"memberId": str(leaving.id)}))["errors"] == []
    assert scores(await board(staying)) == [(1, "Staying", 20)]

    # then changes for them still in flight (new change ids) are skipped, on every board
    async def late_changes(tag: str) -> int:
        return sum(
            [
                await leaderboards.add_score(
                    redis, program.id, name, leaving.id, 100, clock.now(), f"late-{tag}"
                )
                for name in ("points", "referrals", challenge)
            ]
        )

    assert await late_changes("1") == 0
    assert await redis.sismember(leaderboards.erased_key(program.id), str(leaving.id))
    for period in ("ALL_TIME", "MONTH", "WEEK"):
        assert scores(await board(staying, period=period)) == [(1, "Staying", 20)]
        assert (await board(staying, challenge, period=period))["entries"] == []
        assert (await board(staying, "referrals", period=period))["entries"] == []
    # and once Redis has lost everything, a rebuild restores the erased set with the boards,
    # so the same late change is skipped again
    await redis.flushdb()
    await leaderboards.rebuild_program(redis, program.id)
    assert scores(await board(staying)) == [(1, "Staying", 20)]
    assert await late_changes("2") == 0
    assert await redis.sismember(leaderboards.erased_key(program.id), str(leaving.id))
    for period in ("ALL_TIME", "MONTH", "WEEK"):
        assert scores(await board(staying, period=period)) == [(1, "Staying", 20)]
        assert (await board(staying, challenge, period=period))["entries"] == []
    # while the other member's changes still count
    await leaderboards.add_score(redis, program.id, "points", staying.id, 5, clock.now(), "ok")
    assert scores(await board(staying)) == [(1, "Staying", 25)]


async def test_purchases_racing_put_each_members_points_on_the_board_once(
    gql: GraphQLClient,
) -> None:
    # given a shop earning a point per euro and twelve members
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    till = await integration_client(gql, program)
    members = [await sign_up(gql, program, display_name=f"M{i:02d}") for i in range(12)]
    # when 60 purchases of theirs arrive at once
    results = await asyncio.gather(
        *(
            till.mutate(
                RECORD_PURCHASE,
                purchase_input(members[i % 12].id, f"race-{i}", [("A", None, 1, f"{10 + i}.00")]),
            )
            for i in range(60)
        )
    )
    assert all(r["errors"] == [] for r in results)
    # then every member's score is the sum of their purchases' points, in every period
    expected = {f"M{m:02d}": sum(10 + i for i in range(m, 60, 12)) for m in range(12)}
    for period in ("ALL_TIME", "MONTH", "WEEK"):
        view = await board(members[0], period=period, first=20)
        assert {e["member"]["displayName"]: e["score"] for e in view["entries"]} == expected


async def test_equal_referral_counts_rank_whoever_reached_them_first_even_seconds_apart(
    gql: GraphQLClient, redis: Redis
) -> None:
    # given two ambassadors, Ann and Bob, each with two referees
    start = real_now().replace(second=0)
    with clock.frozen_at(start) as time:
        rules = {"referral_points": 10, "referral_min_purchase": "1.00", "referral_window_days": 30}
        program = await new_program(**rules)
        ann = await sign_up(gql, program, display_name="Ann")
        bob = await sign_up(gql, program, display_name="Bob")
        friends = {
            name: [await sign_up(gql, program, referral_code=who.referral_code) for _ in range(2)]
            for name, who in (("Ann", ann), ("Bob", bob))
        }
        # when Bob's first referral qualifies, then Ann's two, then two seconds later Bob's second
        time.advance(timedelta(seconds=10))
        await record_purchase_event(friends["Bob"][0].id, "5.00")
        await record_purchase_event(friends["Ann"][0].id, "5.00")
        await record_purchase_event(friends["Ann"][1].id, "5.00")
        time.advance(timedelta(seconds=2))
        await record_purchase_event(friends["Bob"][1].id, "5.00")
        time.advance(timedelta(seconds=2))
        # then Ann, who reached 2 first, ranks first on every period's board
        for period in ("ALL_TIME", "MONTH", "WEEK"):
            view = await board(ann, "referrals", period=period)
            assert scores(view) == [(1, "Ann", 2), (2, "Bob", 2)], period
        # and a board rebuilt from the database keeps that order
        incremental = await snapshot(redis, program.id)
        await redis.flushdb()
        await leaderboards.rebuild_program(redis, program.id)
        assert await snapshot(redis, program.id) == incremental
        for period in ("ALL_TIME", "MONTH", "WEEK"):
            view = await board(ann, "referrals", period=period)
            assert scores(view) == [(1, "Ann", 2), (2, "Bob", 2)], period
