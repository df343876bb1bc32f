"""Features wired together: badges gate rewards and games, challenge boards, the whole personal
data export, and anonymisation against the leaderboards and the reports."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from redis.asyncio import Redis

from core.clock import clock
from core.redis import run_scripts
from gamification import leaderboards
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.leaderboards import Period
from gamification.points import memberships, tiers
from gamification.points.models import EarningRuleKind
from gamification.programs.models import Program
from gamification.reporting import segments
from tests.builders import (
    RECORD_PURCHASE,
    SignedUpMember,
    add_rule,
    create_badge_via_api,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes

CREATE_REWARD = """
mutation($input: CreateRewardInput!) {
  createReward(input: $input) { reward { id } errors { code field } }
}
"""
REWARDS = """
query { rewards(first: 50) { edges { node { id name available unavailableReason } } } }
"""
CREATE_GAME = """
mutation($input: CreateInstantWinGameInput!) {
  createInstantWinGame(input: $input) { game { id } errors { code field } }
}
"""
CREATE_CONTEST = """
mutation($input: CreateContestInput!) {
  createContest(input: $input) { contest { id } errors { code field } }
}
"""
PLAY = """
mutation($input: PlayInstantWinInput!) {
  playInstantWin(input: $input) { play { id won } errors { code } }
}
"""
REDEEM = """
mutation($input: RedeemRewardInput!) {
  redeemReward(input: $input) { redemption { id code } errors { code } }
}
"""
ENTER = """
mutation($input: EnterContestInput!) {
  enterContest(input: $input) { entry { id } errors { code } }
}
"""
REFUND = """
mutation($input: RefundPurchaseInput!) {
  refundPurchase(input: $input) { purchase { pointsReversed } errors { code field } }
}
"""
CREATE_CHALLENGE = """
mutation($input: CreateChallengeInput!) {
  createChallenge(input: $input) { challenge { id } errors { code field message } }
}
"""
LEADERBOARD = """
query($board: String!, $period: LeaderboardPeriod) {
  leaderboard(board: $board, period: $period, first: 50) {
    entries { rank score member { displayName } }
    me { rank score }
  }
}
"""
EXPORT = "query { exportMyData }"
ANONYMISE = """
mutation($input: AnonymiseMemberInput!) {
  anonymiseMember(input: $input) { member { id anonymisedAt } errors { code } }
}
"""
REPORT = """
query($from: DateTime!, $to: DateTime!) {
  programReport(from: $from, to: $to) {
    membersTotal membersActive pointsIssued pointsRedeemed pointsExpired pointsAdjusted
    pointsOutstanding redemptionRate
  }
}
"""


async def shop(gql: GraphQLClient, **settings: object) -> tuple[Program, GraphQLClient, Any]:
    """A program earning 1 point per euro, a manager and a till."""
    program = await new_program(points_validity_days=365, **settings)
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    return (
        program,
        await staff_client(gql, program, "MANAGER"),
        await integration_client(gql, program),
    )


async def buy(till: GraphQLClient, member_id: int, amount: str, external_id: str | None = None):
    payload = await till.mutate(
        RECORD_PURCHASE, purchase_input(member_id, external_id, [("SKU-1", "misc", 1, amount)])
    )
    assert payload["errors"] == [], payload["errors"]
    return payload


def game_input(**fields: Any) -> dict[str, Any]:
    now = clock.now()
    return {
        "name": "Scratch",
        "startsAt": (now - timedelta(hours=2)).isoformat(),
        "endsAt": (now + timedelta(hours=2)).isoformat(),
        "prizes": [{"name": "Mug", "kind": "PRIZE", "quantity": 30}],
        **fields,
    }


def contest_input(**fields: Any) -> dict[str, Any]:
    now = clock.now()
    return {
        "name": "Draw",
        "opensAt": (now - timedelta(hours=1)).isoformat(),
        "closesAt": (now + timedelta(days=1)).isoformat(),
        "prizes": [{"name": "Trip", "kind": "PRIZE", "quantity": 1}],
        **fields,
    }


async def reason_of(member: SignedUpMember, reward_id: str) -> str | None:
    edges = (await member.client.query(REWARDS))["rewards"]["edges"]
    return next(e["node"]["unavailableReason"] for e in edges if e["node"]["id"] == reward_id)


# --- 1. badges gate rewards, games and contests ---


async def test_a_badge_earned_by_purchases_opens_a_reward_and_a_game(gql: GraphQLClient) -> None:
    # given a badge for 2 purchases, and a free reward and a game that require it
    _program, manager, till = await shop(gql)
    badge = await create_badge_via_api(manager, thresholds=["2"])
    reward = await manager.mutate(
        CREATE_REWARD,
        {"name": "Members' mug", "kind": "MERCHANDISE", "pointsCost": 0, "requiredBadgeId": badge},
    )
    assert reward["errors"] == []
    reward_id = reward["reward"]["id"]
    game = await manager.mutate(CREATE_GAME, game_input(requiredBadgeId=badge))
    assert game["errors"] == []
    game_id = game["game"]["id"]
    member = await sign_up(gql, await Program.get(id=_program.id))
    # when the member has made one purchase: still locked
    await buy(till, member.id, "5.00")
    assert await reason_of(member, reward_id) == "BADGE_REQUIRED"
    refused = await member.client.mutate(REDEEM, {"rewardId": reward_id, "idempotencyKey": "r0"})
    assert codes(refused) == ["BADGE_REQUIRED"]
    assert codes(await member.client.mutate(PLAY, {"gameId": game_id, "idempotencyKey": "p0"})) == [
        "NOT_ELIGIBLE"
    ]
    # then the second purchase awards the badge, which opens both
    await buy(till, member.id, "5.00")
    assert await reason_of(member, reward_id) is None
    redeemed = await member.client.mutate(REDEEM, {"rewardId": reward_id, "idempotencyKey": "r1"})
    assert redeemed["errors"] == []
    played = await member.client.mutate(PLAY, {"gameId": game_id, "idempotencyKey": "p1"})
    assert played["errors"] == []
    # and another member without the badge is still refused
    other = await sign_up(gql, await Program.get(id=_program.id))
    assert await reason_of(other, reward_id) == "BADGE_REQUIRED"


async def test_a_badge_gated_contest_admits_badge_holders_only(gql: GraphQLClient) -> None:
    program, manager, till = await shop(gql)
    badge = await create_badge_via_api(manager, thresholds=["1"])
    contest = await manager.mutate(CREATE_CONTEST, contest_input(requiredBadgeId=badge))
    assert contest["errors"] == []
    contest_id = contest["contest"]["id"]
    member = await sign_up(gql, program)
    enter = {"contestId": contest_id, "idempotencyKey": "e1"}
    assert codes(await member.client.mutate(ENTER, enter)) == ["NOT_ELIGIBLE"]
    await buy(till, member.id, "3.00")
    assert (await member.client.mutate(ENTER, {**enter, "idempotencyKey": "e2"}))["errors"] == []


async def test_a_required_badge_must_exist_in_the_program(gql: GraphQLClient) -> None:
    # given a badge of another program
    _program, manager, _till = await shop(gql)
    _other, foreign_manager, _ = await shop(gql)
    foreign = await create_badge_via_api(foreign_manager)
    reward = {"name": "Mug", "kind": "MERCHANDISE", "pointsCost": 10}
    # when a reward, a game or a contest requires it, or a badge that does not exist
    for badge in (foreign, "987654321", "0"):
        made = [
            await manager.mutate(CREATE_REWARD, {**reward, "requiredBadgeId": badge}),
            await manager.mutate(CREATE_GAME, game_input(requiredBadgeId=badge)),
            await manager.mutate(CREATE_CONTEST, contest_input(requiredBadgeId=badge)),
        ]
        # then each is refused on that field and nothing is created
        for payload in made:
            assert [(e["code"], e["field"]) for e in payload["errors"]] in (
                [("NOT_FOUND", "requiredBadgeId")],
                [("INVALID_INPUT", "requiredBadgeId")],
            ), (badge, payload)
    own = await create_badge_via_api(manager)
    created = await manager.mutate(CREATE_REWARD, {**reward, "requiredBadgeId": own})
    assert created["errors"] == []


# --- 2. challenge boards ---


async def board(client: GraphQLClient, name: str, period: str = "ALL_TIME") -> dict[str, Any]:
    return (await client.query(LEADERBOARD, {"board": name, "period": period}))["leaderboard"]


async def test_challenge_progress_feeds_its_board_and_a_rebuild_gives_the_same(
    gql: GraphQLClient, redis: Redis
) -> None:
    # given an automatic spend challenge and three members spending different amounts
    program, manager, till = await shop(gql)
    now = clock.now()
    created = await manager.mutate(
        CREATE_CHALLENGE,
        {
            "name": "Spend 1000",
            "metric": "SPEND",
            "kind": "INDIVIDUAL",
            "target": "1000",
            "enrolment": "AUTOMATIC",
            "startsAt": (now - timedelta(hours=1)).isoformat(),
            "endsAt": (now + timedelta(days=3)).isoformat(),
        },
    )
    assert created["errors"] == [], created
    name = f"challenge:{created['challenge']['id']}"
    ann = await sign_up(gql, program, display_name="Ann")
    bob = await sign_up(gql, program, display_name="Bob")
    cid = await sign_up(gql, program, display_name="Cid")
    await buy(till, ann.id, "12.50")
    await buy(till, bob.id, "30.00")
    await buy(till, cid.id, "12.50")  # ties with Ann, later: ranks after her
    await buy(till, ann.id, "0.25")
    # the same purchase again changes nothing (replayed)
    dup = purchase_input(bob.id, "bob-1", [("SKU-1", "misc", 1, "1.00")])
    for _ in range(3):
        assert (await till.mutate(RECORD_PURCHASE, dup))["errors"] == []
    # then the board ranks by progress (in cents), ties to the earlier
    live = await board(ann.client, name)
    assert [(e["member"]["displayName"], e["score"]) for e in live["entries"]] == [
        ("Bob", 3100),
        ("Ann", 1275),
        ("Cid", 1250),
    ]
    assert live["me"] == {"rank": 2, "score": 1275}
    # and feeding an event's progress again (a re-delivered callback) counts it once
    from challenges import boards
    from challenges.models import Challenge
    from gamification.events.models import Event

    challenge = await Challenge.get(id=int(created["challenge"]["id"]))
    event = await Event.filter(member_id=ann.id, type="PURCHASE_RECORDED").order_by("id").first()
    assert event is not None
    await run_scripts(
        redis, boards.feed_calls([boards.Move(event.id, ann.id, challenge, 1250, clock.now())])
    )
    assert await board(ann.client, name) == live
    # and it matches the database's standings
    from challenges.progress import standings

    db = await standings(int(created["challenge"]["id"]))
    assert [(s.member_id, s.progress) for s in db] == [
        (bob.id, 3100),
        (ann.id, 1275),
        (cid.id, 1250),
    ]
    # when Redis is flushed and the boards rebuilt from the database
    periods = {p: await board(ann.client, name, p) for p in ("ALL_TIME", "MONTH", "WEEK")}
    # a challenge's board is one standing, for the challenge's window, whatever period is asked,
    # and Redis keeps it once
    assert periods["MONTH"]["entries"] == periods["WEEK"]["entries"] == live["entries"]
    kept = [
        k
        async for k in redis.scan_iter(match=f"lb:{{p{program.id}}}:{name}:*")
        if not k.endswith(":seen")
    ]
    assert kept == [
        leaderboards.board_key(program.id, name, leaderboards.window(Period.ALL_TIME, now))
    ]
    raw = await redis.zrevrange(
        leaderboards.board_key(program.id, name, leaderboards.window(Period.ALL_TIME, now)),
        0,
        -1,
        withscores=True,
    )
    await redis.flushdb()
    assert (await board(ann.client, name))["entries"] == []
    await leaderboards.rebuild_program(redis, program.id)
    # then every period answers the same, to the tie-breaking score
    for period, before in periods.items():
        assert await board(ann.client, name, period) == before, period
    assert (
        await redis.zrevrange(
            leaderboards.board_key(program.id, name, leaderboards.window(Period.ALL_TIME, now)),
            0,
            -1,
            withscores=True,
        )
        == raw
    )


async def test_an_unknown_challenge_board_and_a_bad_name_are_refused(
    gql: GraphQLClient,
) -> None:
    program, _manager, _till = await shop(gql)
    member = await sign_up(gql, program)
    body = await member.client.raw(LEADERBOARD, {"board": "challenge:424242", "period": "ALL_TIME"})
    assert body["errors"][0]["extensions"]["code"] == "UNKNOWN_LEADERBOARD"
    body = await member.client.raw(LEADERBOARD, {"board": "challenge:x", "period": "ALL_TIME"})
    assert body["errors"][0]["extensions"]["code"] in ("UNKNOWN_LEADERBOARD", "INVALID_INPUT")


# --- 3. personal data: the whole export, and anonymisation ---


async def test_the_export_of_a_member_who_did_everything_has_every_section_and_no_one_else(
    gql: GraphQLClient,
) -> None:
    # given a member referred by Rita who refers Sam, and who did a bit of everything
    rules = {"referral_points": 50, "referral_min_purchase": "1.00", "referral_window_days": 30}
    program, manager, till = await shop(gql, **rules)
    rita = await sign_up(gql, program, display_name="Rita Referrer")
    me = await sign_up(gql, program, display_name="Exporting Me", referral_code=rita.referral_code)
    sam = await sign_up(gql, program, display_name="Sam Referee", referral_code=me.referral_code)
    badge = await create_badge_via_api(manager, name="First buy", thresholds=["1"])
    created = await manager.mutate(
        CREATE_CHALLENGE,
        {
            "name": "Two buys",
            "metric": "PURCHASES",
            "kind": "INDIVIDUAL",
            "target": "2",
            "enrolment": "AUTOMATIC",
            "startsAt": (clock.now() - timedelta(hours=1)).isoformat(),
            "endsAt": (clock.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert created["errors"] == []
    await buy(till, me.id, "40.00", "me-1")
    await buy(till, me.id, "2.00", "me-2")
    await buy(till, sam.id, "5.00", "sam-1")
    await buy(till, rita.id, "77.77", "rita-1")
    refund = await till.mutate(REFUND, {"externalId": "me-1", "refundId": "rf-1", "amount": "4.00"})
    assert refund["errors"] == []
    reward = await manager.mutate(
        CREATE_REWARD,
        {"name": "Badge mug", "kind": "MERCHANDISE", "pointsCost": 5, "requiredBadgeId": badge},
    )
    redeemed = await me.client.mutate(
        REDEEM, {"rewardId": reward["reward"]["id"], "idempotencyKey": "x"}
    )
    assert redeemed["errors"] == []
    game = await manager.mutate(CREATE_GAME, game_input())
    played = await me.client.mutate(PLAY, {"gameId": game["game"]["id"], "idempotencyKey": "p"})
    assert played["play"]["won"] is True
    contest = await manager.mutate(CREATE_CONTEST, contest_input())
    entered = await me.client.mutate(
        ENTER, {"contestId": contest["contest"]["id"], "idempotencyKey": "e"}
    )
    assert entered["errors"] == []
    gold = await tiers.create_tier(SYSTEM, program.id, "Gold", 2)
    plan = await memberships.create_plan(
        SYSTEM, program.id, name="VIP", tier_id=gold.id, duration_days=30, price=Decimal("9.99")
    )
    await memberships.activate_membership(await Member.get(id=me.id), plan.id, "vip-1")
    await segments.compute_segments(await Program.get(id=program.id))
    # when the member exports their data
    data = (await me.client.query(EXPORT))["exportMyData"]
    # then every feature's section is there, with the member's rows
    sections = {
        "profile",
        "ledger",
        "events",
        "sessions",
        "purchases",
        "redemptions",
        "badges",
        "challenges",
        "referrals",
        "instant_win",
        "contests",
        "memberships",
        "segment",
    }
    assert sections <= set(data)
    assert [p["external_id"] for p in data["purchases"]] == ["me-1", "me-2"]
    assert data["purchases"][0]["lines"][0]["sku"] == "SKU-1"
    assert [r["refund_id"] for r in data["purchases"][0]["refunds"]] == ["rf-1"]
    assert [r["reward"] for r in data["redemptions"]] == ["Badge mug"]
    assert [b["badge"] for b in data["badges"]] == ["First buy"]
    assert [(c["challenge"], c["progress"]) for c in data["challenges"]] == [("Two buys", 2)]
    assert data["challenges"][0]["completed_at"] is not None
    referrals = data["referrals"]
    assert [(r["referrer"], r["status"]) for r in referrals["as_referee"]] == [
        ("Rita Referrer", "QUALIFIED")
    ]
    assert [(r["referee"], r["status"]) for r in referrals["as_referrer"]] == [
        ("Sam Referee", "QUALIFIED")
    ]
    assert [p["won"] for p in data["instant_win"]["plays"]] == [True]
    assert len(data["instant_win"]["prize_claims"]) == 1
    assert [e["contest"] for e in data["contests"]["entries"]] == ["Draw"]
    assert [(m["plan"], m["tier"]) for m in data["memberships"]] == [("VIP", "Gold")]
    assert data["segment"] is not None and data["segment"]["frequency"] == 2
    # and nothing of anyone else: others appear by display name only
    text = json.dumps(data)
    for other in (rita, sam):
        assert other.email not in text and other.referral_code not in text
    assert "77.77" not in text and "sam-1" not in text and "rita-1" not in text
    assert all(str(o.id) != str(v) for o in (rita, sam) for v in _ids(data))


def _ids(value: Any) -> list[Any]:
    """Every value under a key naming a member id, anywhere in the export."""
    found: list[Any] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("member_id", "referrer_id", "referee_id", "referred_by"):
                found.append(item)
            found += _ids(item)
    elif isinstance(value, list):
        for item in value:
            found += _ids(item)
    return found


async def test_anonymising_removes_the_member_from_every_board_and_keeps_the_totals(
    gql: GraphQLClient, redis: Redis
) -> None:
    # given two members on the points, referral and challenge boards
    rules = {"referral_points": 10, "referral_min_purchase": "1.00"}
    program, manager, till = await shop(gql, **rules)
    admin = await staff_client(gql, program, "ADMIN")
    leaving = await sign_up(gql, program, display_name="Leaving")
    staying = await sign_up(gql, program, display_name="Staying", referral_code=None)
    friend = await sign_up(gql, program, display_name="Friend", referral_code=leaving.referral_code)
    created = await manager.mutate(
        CREATE_CHALLENGE,
        {
            "name": "Spend",
            "metric": "SPEND",
            "kind": "INDIVIDUAL",
            "target": "1000",
            "enrolment": "AUTOMATIC",
            "startsAt": (clock.now() - timedelta(hours=1)).isoformat(),
            "endsAt": (clock.now() + timedelta(days=1)).isoformat(),
        },
    )
    challenge = f"challenge:{created['challenge']['id']}"
    await buy(till, leaving.id, "50.00", "leaving-1")
    await buy(till, staying.id, "20.00")
    await buy(till, friend.id, "5.00")
    names = ("points", "referrals", challenge)
    for name in names:
        shown = [e["member"]["displayName"] for e in (await board(staying.client, name))["entries"]]
        assert "Leaving" in shown, name
    start = (clock.now() - timedelta(days=1)).isoformat()
    end = (clock.now() + timedelta(days=1)).isoformat()
    before = (await admin.query(REPORT, {"from": start, "to": end}))["programReport"]
    # when an admin anonymises them
    done = await admin.mutate(ANONYMISE, {"memberId": str(leaving.id)})
    assert done["errors"] == []

    # then no board lists them, in any period, and program totals do not move
    async def listed() -> dict[str, list[str]]:
        return {
            f"{name}/{period}": [
                e["member"]["displayName"]
                for e in (await board(staying.client, name, period))["entries"]
            ]
            for name in names
            for period in ("ALL_TIME", "MONTH", "WEEK")
        }

    after = await listed()
    assert all("Leaving" not in shown and "Deleted member" not in shown for shown in after.values())
    assert after[f"{challenge}/ALL_TIME"] == ["Staying", "Friend"]
    assert (await admin.query(REPORT, {"from": start, "to": end}))["programReport"] == before
    # and their later activity (a refund of their purchase) does not bring them back
    refund = await till.mutate(REFUND, {"externalId": "leaving-1", "refundId": "r", "amount": "9"})
    assert refund["errors"] == []
    assert await listed() == after
    # and a rebuild from the database keeps them off
    await redis.flushdb()
    await leaderboards.rebuild_program(redis, program.id)
    assert await listed() == after
