"""Instant-win games: winning moments under concurrency, limits, costs, replays, programs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from core.clock import clock
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.events.models import Event
from gamification.games.models import GamePlay, PrizeClaim, WinningMoment
from gamification.points import tiers
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.rewards import catalog
from gamification.rewards.models import Redemption, Reward
from tests.builders import (
    SignedUpMember,
    assert_ledger_consistent,
    create_badge_via_api,
    give_points,
    new_program,
    sign_up,
    staff_client,
    unique,
)
from tests.graphql import GraphQLClient, codes

# Tests move the clock by days: sessions outlive them.
SETTINGS_OVERRIDES = {"access_token_ttl_seconds": 30 * 86400}

CREATE_GAME = """
mutation($input: CreateInstantWinGameInput!) {
  createInstantWinGame(input: $input) {
    game { id name playCost startsAt endsAt prizesLeft mode winProbability }
    errors { code field message }
  }
}
"""

UPDATE_GAME = """
mutation($input: UpdateInstantWinGameInput!) {
  updateInstantWinGame(input: $input) {
    game { id name maxPlaysPerDay maxPlaysTotal } errors { code field }
  }
}
"""

ARCHIVE_GAME = """
mutation($input: ArchiveInstantWinGameInput!) {
  archiveInstantWinGame(input: $input) { game { id archived } errors { code } }
}
"""

PLAY = """
mutation($input: PlayInstantWinInput!) {
  playInstantWin(input: $input) {
    play { id won prize { name kind points } claimCode }
    member { pointsBalance }
    errors { code field }
  }
}
"""

GAMES = """
query { instantWinGames { id name playCost startsAt endsAt prizesLeft myPlaysLeftToday } }
"""

MOMENTS = """
query($gameId: ID!) {
  instantWinMoments(gameId: $gameId) {
    claimed unclaimed moments { id at claimed playId prizeName }
  }
}
"""

PLAYS = """
query($gameId: ID!, $wonOnly: Boolean!) {
  instantWinPlays(gameId: $gameId, wonOnly: $wonOnly, first: 100) {
    edges { node { id won memberId prize { name } } }
  }
}
"""

# In the past: token issue times must not be in the future of the real clock.
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)
HOUR = timedelta(hours=1)


def game_input(**overrides: Any) -> dict[str, Any]:
    return {
        "name": unique("Scratch & win"),
        "startsAt": T0.isoformat(),
        "endsAt": (T0 + HOUR).isoformat(),
        "prizes": [
            {"name": "50 points", "kind": "POINTS", "points": 50, "quantity": 5},
            {"name": "Mug", "kind": "PRIZE", "quantity": 5},
        ],
        **overrides,
    }


async def create_game(staff: GraphQLClient, **overrides: Any) -> dict[str, Any]:
    payload = await staff.mutate(CREATE_GAME, game_input(**overrides))
    assert payload["errors"] == [], payload["errors"]
    return payload["game"]


async def play(member: SignedUpMember, game_id: str, key: str) -> dict[str, Any]:
    return await member.client.mutate(PLAY, {"gameId": game_id, "idempotencyKey": key})


async def test_1000_concurrent_plays_after_10_moments_make_exactly_10_winners(
    gql: GraphQLClient,
) -> None:
    # given a free game with 10 prize units whose moments are all past
    program = await new_program()
    with clock.frozen_at(T0 - HOUR) as time:
        staff = await staff_client(gql, program)
        game = await create_game(staff)
        members = [await sign_up(gql, program) for _ in range(50)]
        time.set(T0 + HOUR - timedelta(microseconds=1))
        # when 1,000 plays race (20 per member)
        results = await asyncio.gather(
            *(play(m, game["id"], f"k{i}") for m in members for i in range(20))
        )
        # then exactly 10 win, each on its own moment, and nothing is left
        assert all(r["errors"] == [] for r in results)
        winners = [r for r in results if r["play"]["won"]]
        assert len(winners) == 10
        moments = (await staff.query(MOMENTS, {"gameId": game["id"]}))["instantWinMoments"]
        assert moments["claimed"] == 10 and moments["unclaimed"] == 0
        assert {m["playId"] for m in moments["moments"]} == {w["play"]["id"] for w in winners}
        assert sum(1 for w in winners if w["play"]["prize"]["kind"] == "PRIZE") == 5
        assert await PrizeClaim.filter(program_id=program.id).count() == 5
        points = [m.id for m in members]
        prize_entries = await LedgerEntry.filter(member_id__in=points, kind=LedgerKind.PRIZE)
        assert sum(e.delta for e in prize_entries) == 250
        for member in members:
            await assert_ledger_consistent(member.id)
        listed = (await members[0].client.query(GAMES))["instantWinGames"]
        assert [g["prizesLeft"] for g in listed if g["id"] == game["id"]] == [0]


async def test_plays_before_the_first_moment_never_win(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(T0 - HOUR) as time:
        staff = await staff_client(gql, program)
        game = await create_game(
            staff,
            prizes=[{"name": "Points", "kind": "POINTS", "points": 5, "quantity": 3}],
        )
        member = await sign_up(gql, program)
        moments = (await staff.query(MOMENTS, {"gameId": game["id"]}))["instantWinMoments"]
        first = min(datetime.fromisoformat(m["at"]) for m in moments["moments"])
        # when the member plays many times just before the first moment
        time.set(max(T0, first - timedelta(microseconds=1)))
        if first > T0:
            results = [await play(member, game["id"], f"early-{i}") for i in range(30)]
            assert not any(r["play"]["won"] for r in results)
        # then the first play at the moment wins it
        time.set(first)
        assert (await play(member, game["id"], "on-time"))["play"]["won"]
        assert (await play(member, game["id"], "again"))["play"]["won"] is (
            sum(1 for m in moments["moments"] if datetime.fromisoformat(m["at"]) == first) > 1
        )


async def test_moments_are_drawn_inside_the_window_and_hidden_from_members(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    staff = await staff_client(gql, program)
    member = await sign_up(gql, program)
    game = await create_game(
        staff, prizes=[{"name": "Points", "kind": "POINTS", "points": 5, "quantity": 200}]
    )
    moments = await WinningMoment.filter(game_id=int(game["id"]))
    assert len(moments) == 200
    assert all(T0 <= m.at < T0 + HOUR for m in moments)
    assert len({m.at for m in moments}) > 150  # drawn, not a fixed grid
    assert await member.client.error_code(MOMENTS, {"gameId": game["id"]}) == "FORBIDDEN"


async def test_daily_and_total_limits_hold_under_concurrency(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(T0) as time:
        staff = await staff_client(gql, program)
        game = await create_game(
            staff,
            endsAt=(T0 + timedelta(days=5)).isoformat(),
            playCost=10,
            maxPlaysPerDay=3,
            maxPlaysTotal=5,
        )
        member = await sign_up(gql, program)
        await give_points(member.id, 1000)
        # when 20 plays race on day one
        results = await asyncio.gather(*(play(member, game["id"], f"d1-{i}") for i in range(20)))
        assert sum(1 for r in results if not r["errors"]) == 3
        assert all(codes(r) == ["PLAY_LIMIT_REACHED"] for r in results if r["errors"])
        assert (await member.client.query(GAMES))["instantWinGames"][0]["myPlaysLeftToday"] == 0
        # and 20 more the next day: only the 2 left of the total pass
        time.advance(timedelta(days=1))
        assert (await member.client.query(GAMES))["instantWinGames"][0]["myPlaysLeftToday"] == 2
        results = await asyncio.gather(*(play(member, game["id"], f"d2-{i}") for i in range(20)))
        assert sum(1 for r in results if not r["errors"]) == 2
        # then exactly 5 plays were paid for
        assert await GamePlay.filter(member_id=member.id).count() == 5
        spent = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.GAME_PLAY)
        assert sum(e.delta for e in spent) == -50
        await assert_ledger_consistent(member.id)


async def test_the_cost_is_debited_exactly_and_never_below_zero(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        staff = await staff_client(gql, program)
        game = await create_game(
            staff,
            playCost=10,
            prizes=[{"name": "Mug", "kind": "PRIZE", "quantity": 1}],
            startsAt=T0.isoformat(),
            endsAt=(T0 + timedelta(days=300)).isoformat(),
        )
        member = await sign_up(gql, program)
        await give_points(member.id, 55)
        results = await asyncio.gather(*(play(member, game["id"], f"c{i}") for i in range(30)))
        assert sum(1 for r in results if not r["errors"]) == 5
        assert all(codes(r) == ["INSUFFICIENT_POINTS"] for r in results if r["errors"])
        assert await assert_ledger_consistent(member.id) == 5
        assert await GamePlay.filter(member_id=member.id).count() == 5
        # and each paid play answers the balance its own debit left (they queued on the member)
        paid = sorted(r["member"]["pointsBalance"] for r in results if not r["errors"])
        assert paid == [5, 15, 25, 35, 45]


async def test_the_same_key_replays_the_same_outcome_and_pays_once(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(T0 + HOUR - timedelta(microseconds=1)):
        staff = await staff_client(gql, program)
        game = await create_game(staff, playCost=7)
        other = await create_game(staff, name="Other")
        member = await sign_up(gql, program)
        await give_points(member.id, 100)
        results = await asyncio.gather(*(play(member, game["id"], "same") for _ in range(15)))
        assert all(r["errors"] == [] for r in results)
        assert len({r["play"]["id"] for r in results}) == 1
        assert len({r["play"]["won"] for r in results}) == 1
        assert results[0]["play"]["won"]  # every moment is past: the play won one
        won_points = 50 if results[0]["play"]["prize"]["kind"] == "POINTS" else 0
        assert await assert_ledger_consistent(member.id) == 100 - 7 + won_points
        later = await play(member, game["id"], "same")
        assert later["play"] == results[0]["play"]
        assert codes(await play(member, other["id"], "same")) == ["IDEMPOTENCY_KEY_REUSED"]


async def test_a_retry_after_the_game_closed_or_the_limit_was_used_answers_the_first_outcome(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    with clock.frozen_at(T0 + timedelta(minutes=1)) as time:
        staff = await staff_client(gql, program)
        game = await create_game(staff, playCost=5, maxPlaysPerDay=1)
        member = await sign_up(gql, program)
        await give_points(member.id, 100)
        first = await play(member, game["id"], "only")
        assert first["errors"] == []
        # the day's one play is used: a new key is refused, the same key replays
        assert codes(await play(member, game["id"], "another")) == ["PLAY_LIMIT_REACHED"]
        assert (await play(member, game["id"], "only"))["play"] == first["play"]
        # and so it does once the game has closed
        time.set(T0 + HOUR)
        assert codes(await play(member, game["id"], "late")) == ["GAME_CLOSED"]
        assert (await play(member, game["id"], "only"))["play"] == first["play"]
        assert await GamePlay.filter(member_id=member.id).count() == 1
        spent = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.GAME_PLAY)
        assert [e.delta for e in spent] == [-5]


async def test_a_win_grants_the_prize_at_once_and_emits_events(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(T0 + HOUR - timedelta(microseconds=1)):
        staff = await staff_client(gql, program)
        points_game = await create_game(
            staff, prizes=[{"name": "Bonus", "kind": "POINTS", "points": 40, "quantity": 1}]
        )
        mug_game = await create_game(
            staff, prizes=[{"name": "Mug", "kind": "PRIZE", "quantity": 1}]
        )
        member = await sign_up(gql, program)
        won = await play(member, points_game["id"], "p1")
        assert won["play"]["prize"] == {"name": "Bonus", "kind": "POINTS", "points": 40}
        assert won["member"]["pointsBalance"] == 40
        mug = await play(member, mug_game["id"], "m1")
        assert mug["play"]["won"] and len(mug["play"]["claimCode"]) == 10
        assert await PrizeClaim.exists(member_id=member.id, code=mug["play"]["claimCode"])
        lost = await play(member, mug_game["id"], "m2")
        assert lost["play"]["won"] is False and lost["play"]["prize"] is None
        played = await Event.filter(member_id=member.id, type="GAME_PLAYED").count()
        won_events = await Event.filter(member_id=member.id, type="PRIZE_WON")
        assert played == 3 and len(won_events) == 2
        assert {e.data["game_id"] for e in won_events} == {
            int(points_game["id"]),
            int(mug_game["id"]),
        }
        winners = (await staff.query(PLAYS, {"gameId": mug_game["id"], "wonOnly": True}))[
            "instantWinPlays"
        ]["edges"]
        assert [w["node"]["id"] for w in winners] == [mug["play"]["id"]]


async def test_probability_mode_never_gives_more_than_its_stock(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(T0 + timedelta(minutes=5)):
        staff = await staff_client(gql, program)
        game = await create_game(
            staff,
            mode="PROBABILITY",
            winProbability="1",
            prizes=[{"name": "Points", "kind": "POINTS", "points": 3, "quantity": 4}],
        )
        assert game["winProbability"] == "1"
        members = [await sign_up(gql, program) for _ in range(5)]
        results = await asyncio.gather(
            *(play(m, game["id"], f"p{i}") for m in members for i in range(10))
        )
        assert sum(1 for r in results if r["play"]["won"]) == 4
        never = await create_game(
            staff,
            mode="PROBABILITY",
            winProbability="0.000001",
            prizes=[{"name": "Points", "kind": "POINTS", "points": 3, "quantity": 4}],
        )
        assert (await play(members[0], never["id"], "n"))["errors"] == []


async def test_eligibility_by_tier_and_badge(gql: GraphQLClient) -> None:
    program = await new_program()
    with clock.frozen_at(T0 + timedelta(minutes=5)):
        staff = await staff_client(gql, program)
        gold_game = await create_game(staff, minTierRank=2)
        badge_game = await create_game(
            staff, requiredBadgeId=await create_badge_via_api(staff, thresholds=["99"])
        )
        member = await sign_up(gql, program)
        assert codes(await play(member, gold_game["id"], "g1")) == ["NOT_ELIGIBLE"]
        silver = await tiers.create_tier(SYSTEM, program.id, "Silver", 1)
        gold = await tiers.create_tier(SYSTEM, program.id, "Gold", 2)
        model = await Member.get(id=member.id)
        async with events.atomic():
            await tiers.set_member_tier(model, silver, "test")
        assert codes(await play(member, gold_game["id"], "g2")) == ["NOT_ELIGIBLE"]
        async with events.atomic():
            await tiers.set_member_tier(model, gold, "test")
        assert (await play(member, gold_game["id"], "g3"))["errors"] == []
        # nobody holds the badge yet: a badge-gated game admits nobody
        assert codes(await play(member, badge_game["id"], "b1")) == ["NOT_ELIGIBLE"]


async def test_plays_outside_the_window_or_in_an_archived_game_are_refused(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    with clock.frozen_at(T0 - timedelta(seconds=1)) as time:
        staff = await staff_client(gql, program)
        game = await create_game(staff)
        member = await sign_up(gql, program)
        assert codes(await play(member, game["id"], "early")) == ["GAME_CLOSED"]
        time.set(T0 + HOUR)
        assert codes(await play(member, game["id"], "late")) == ["GAME_CLOSED"]
        time.set(T0)
        archived = await staff.mutate(ARCHIVE_GAME, {"gameId": game["id"]})
        assert archived["game"]["archived"] is True
        assert codes(await play(member, game["id"], "archived")) == ["GAME_CLOSED"]
        assert (await member.client.query(GAMES))["instantWinGames"] == []


async def test_staff_update_limits_and_bad_input_gets_codes(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program)
    game = await create_game(staff, maxPlaysPerDay=2)
    updated = await staff.mutate(
        UPDATE_GAME,
        {"gameId": game["id"], "name": "Renamed", "maxPlaysPerDay": None, "maxPlaysTotal": 9},
    )
    assert updated["game"] == {
        "id": game["id"],
        "name": "Renamed",
        "maxPlaysPerDay": None,
        "maxPlaysTotal": 9,
    }
    bad_inputs = [
        ({"endsAt": T0.isoformat()}, "endsAt"),
        ({"playCost": -1}, "playCost"),
        ({"prizes": []}, "prizes"),
        ({"prizes": [{"name": "x", "kind": "POINTS", "quantity": 1}]}, "prizes.0.points"),
        ({"prizes": [{"name": "x", "kind": "PRIZE", "quantity": 0}]}, "prizes.0.quantity"),
        ({"prizes": [{"name": "x", "kind": "REWARD", "quantity": 1}]}, "prizes.0.rewardId"),
        ({"mode": "PROBABILITY"}, "winProbability"),
        ({"mode": "PROBABILITY", "winProbability": "1.5"}, "winProbability"),
        ({"maxPlaysPerDay": 0}, "maxPlaysPerDay"),
        ({"requiredBadgeId": "x"}, "requiredBadgeId"),
    ]
    for overrides, field in bad_inputs:
        payload = await staff.mutate(CREATE_GAME, game_input(**overrides))
        assert payload["game"] is None and payload["errors"][0]["field"] == field, overrides
    member = await sign_up(gql, program)
    assert codes(await play(member, "not-an-id", "k")) == ["NOT_FOUND"]
    assert codes(await play(member, game["id"], "")) == ["INVALID_INPUT"]
    assert await member.client.error_code(CREATE_GAME, {"input": game_input()}) == "FORBIDDEN"
    analyst = await staff_client(gql, program, "ANALYST")
    assert await analyst.error_code(CREATE_GAME, {"input": game_input()}) == "FORBIDDEN"


async def test_a_reward_prize_is_granted_as_a_redemption_the_shop_can_check(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    reward = await catalog.create_reward(
        SYSTEM, program.id, name="Free coffee", kind="VOUCHER", points_cost=100, stock=1
    )
    with clock.frozen_at(T0 + HOUR - timedelta(microseconds=1)):
        staff = await staff_client(gql, program)
        unknown = await staff.mutate(
            CREATE_GAME,
            game_input(
                prizes=[{"name": "Ghost", "kind": "REWARD", "rewardId": "999999", "quantity": 1}]
            ),
        )
        assert codes(unknown) == ["REWARD_NOT_FOUND"]
        game = await create_game(
            staff,
            playCost=5,
            prizes=[
                {"name": "Free coffee", "kind": "REWARD", "rewardId": str(reward.id), "quantity": 1}
            ],
        )
        member = await sign_up(gql, program)
        await give_points(member.id, 20)
        won = await play(member, game["id"], "r")
    code = won["play"]["claimCode"]
    assert won["play"]["won"] is True and code
    # a redemption of the reward, free of charge, stock taken, the code known to the shop
    redemption = await Redemption.get(code=code)
    assert (redemption.reward_id, redemption.points_spent) == (reward.id, 0)
    assert (await Reward.get(id=reward.id)).stock == 0
    assert await assert_ledger_consistent(member.id) == 15


async def test_a_game_of_one_program_is_invisible_to_another(gql: GraphQLClient) -> None:
    a, b = await new_program(), await new_program()
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        staff_a, staff_b = await staff_client(gql, a), await staff_client(gql, b)
        game = await create_game(staff_a)
        member_b = await sign_up(gql, b)
        assert (await member_b.client.query(GAMES))["instantWinGames"] == []
        assert codes(await play(member_b, game["id"], "x")) == ["NOT_FOUND"]
        assert await staff_b.error_code(MOMENTS, {"gameId": game["id"]}) == "NOT_FOUND"
        assert (
            await staff_b.error_code(PLAYS, {"gameId": game["id"], "wonOnly": False}) == "NOT_FOUND"
        )
        assert codes(await staff_b.mutate(ARCHIVE_GAME, {"gameId": game["id"]})) == ["NOT_FOUND"]
        assert codes(await staff_b.mutate(UPDATE_GAME, {"gameId": game["id"], "name": "Mine"})) == [
            "NOT_FOUND"
        ]


async def test_hostile_odds_and_times_get_codes_not_500(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program)
    for odds in ("NaN", "sNaN", "Infinity", "-0.5", "0", "0.0000001"):
        payload = await staff.mutate(
            CREATE_GAME, game_input(mode="PROBABILITY", winProbability=odds)
        )
        assert codes(payload) == ["INVALID_INPUT"], odds
    naive = {"input": game_input(startsAt="2031-01-01T00:00:00")}
    assert await staff.error_code(CREATE_GAME, naive) == "INVALID_TIME"
    body = await staff.raw(
        CREATE_GAME, {"input": game_input(mode="PROBABILITY", winProbability="abc")}
    )
    assert body["errors"][0]["extensions"]["code"] != "INTERNAL_SERVER_ERROR"
