"""End-to-end journeys through the real endpoint: purchases reported by a till with an API key
drive referrals, badges, challenges and the leaderboards, and a blocked member is refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

from core.clock import clock
from gamification import leaderboards
from gamification.accounts.models import Member
from gamification.points.models import EarningRuleKind, LedgerEntry, LedgerKind, Purchase
from gamification.programs.models import Program
from gamification.referrals.models import Referral
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    assert_ledger_consistent,
    create_badge_via_api,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes

REFUND = """
mutation($input: RefundPurchaseInput!) {
  refundPurchase(input: $input) {
    purchase { pointsReversed } member { pointsBalance } errors { code field }
  }
}
"""
ME = """
query {
  me {
    pointsBalance
    badges { badge { name } awardedAt }
    referrals { status referee { displayName } }
  }
}
"""
CHALLENGES = "query { challenges { id myProgress { value completed } } }"
CREATE_CHALLENGE = """
mutation($input: CreateChallengeInput!) {
  createChallenge(input: $input) { challenge { id } errors { code field message } }
}
"""
LEADERBOARD = """
query($board: String!, $period: LeaderboardPeriod) {
  leaderboard(board: $board, period: $period, first: 10) { me { rank score } }
}
"""
ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { pointsBalance errors { code } }
}
"""
BLOCK = """
mutation($input: BlockMemberInput!) {
  blockMember(input: $input) { member { id blockedAt } errors { code field } }
}
"""
CREATE_REWARD = """
mutation($input: CreateRewardInput!) {
  createReward(input: $input) { reward { id } errors { code field } }
}
"""
CREATE_GAME = """
mutation($input: CreateInstantWinGameInput!) {
  createInstantWinGame(input: $input) { game { id } errors { code field } }
}
"""
PLAY = """
mutation($input: PlayInstantWinInput!) {
  playInstantWin(input: $input) { play { id won } errors { code } }
}
"""
REDEEM = """
mutation($input: RedeemRewardInput!) {
  redeemReward(input: $input) { redemption { id } errors { code } }
}
"""

REFERRAL_RULES = {
    "referral_points": 500,
    "referral_min_purchase": "20.00",
    "referral_window_days": 30,
    "referral_refund_window_days": 30,
}


async def shop(gql: GraphQLClient, **settings: object) -> tuple[Program, GraphQLClient, Any]:
    """A program earning 1 point per euro (lots valid a year), a manager and a till."""
    program = await new_program(points_validity_days=365, **settings)
    await add_rule(
        program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal("1")
    )
    return (
        program,
        await staff_client(gql, program, "MANAGER"),
        await integration_client(gql, program),
    )


async def buy(
    till: GraphQLClient, member_id: int, amount: str, external_id: str | None = None
) -> dict[str, Any]:
    payload = await till.mutate(
        RECORD_PURCHASE, purchase_input(member_id, external_id, [("SKU-1", "misc", 1, amount)])
    )
    assert payload["errors"] == [], payload["errors"]
    return payload


async def entries(member_id: int, reference: str) -> list[int]:
    return [
        e.delta
        for e in await LedgerEntry.filter(member_id=member_id, reference=reference).order_by("id")
    ]


# --- (a) referrals ---


async def test_a_referees_first_qualifying_purchase_pays_the_referrer_once_even_when_sent_20_times(
    gql: GraphQLClient,
) -> None:
    # given Ada who referred Bob
    program, _manager, till = await shop(gql, **REFERRAL_RULES)
    ada = await sign_up(gql, program, display_name="Ada")
    bob = await sign_up(gql, program, display_name="Bob", referral_code=ada.referral_code)
    # when the till reports Bob's first purchase 20 times at once (a retrying integration)
    body = purchase_input(bob.id, "bob-first", [("SKU-1", "misc", 1, "25.00")])
    results = await asyncio.gather(*(till.mutate(RECORD_PURCHASE, body) for _ in range(20)))
    # then one purchase exists, the referral qualified, and Ada was paid once
    assert all(r["errors"] == [] for r in results)
    assert len({r["purchase"]["id"] for r in results}) == 1
    assert await Purchase.filter(member_id=bob.id).count() == 1
    referral = await Referral.get(referee_id=bob.id)
    assert referral.status == "QUALIFIED"
    assert await LedgerEntry.filter(member_id=ada.id).count() == 1
    assert await assert_ledger_consistent(ada.id) == 500
    me = (await ada.client.query(ME))["me"]
    assert me["referrals"] == [{"status": "QUALIFIED", "referee": {"displayName": "Bob"}}]
    # and a second purchase does not pay again
    await buy(till, bob.id, "30.00")
    assert await assert_ledger_consistent(ada.id) == 500


async def test_a_refund_below_the_minimum_inside_the_window_reverses_the_referral(
    gql: GraphQLClient,
) -> None:
    # given a qualified referral from a 25.00 purchase (minimum 20.00)
    program, _manager, till = await shop(gql, **REFERRAL_RULES)
    ada = await sign_up(gql, program, display_name="Ada")
    bob = await sign_up(gql, program, display_name="Bob", referral_code=ada.referral_code)
    await buy(till, bob.id, "25.00", "bob-1")
    assert await assert_ledger_consistent(ada.id) == 500
    # when a refund of 3.00 leaves 22.00: still qualified
    small = await till.mutate(REFUND, {"externalId": "bob-1", "refundId": "r1", "amount": "3.00"})
    assert small["errors"] == []
    assert (await Referral.get(referee_id=bob.id)).status == "QUALIFIED"
    # and a further refund of 5.00 (twice: retried) leaves 17.00, below the minimum
    for _ in range(2):
        again = await till.mutate(
            REFUND, {"externalId": "bob-1", "refundId": "r2", "amount": "5.00"}
        )
        assert again["errors"] == []
    # then the referral is reversed and Ada's points are clawed back once
    assert (await Referral.get(referee_id=bob.id)).status == "REVERSED"
    assert await assert_ledger_consistent(ada.id) == 0
    assert sorted(e.delta for e in await LedgerEntry.filter(member_id=ada.id)) == [-500, 500]
    assert await assert_ledger_consistent(bob.id) == 17


# --- (b) badges ---


async def test_purchases_award_a_purchase_count_badge_exactly_at_the_threshold_with_its_points(
    gql: GraphQLClient,
) -> None:
    # given a badge for 3 purchases worth 100 points
    program, manager, till = await shop(gql)
    badge = await create_badge_via_api(manager, name="Regular", thresholds=["3"], points=100)
    member = await sign_up(gql, program)
    # when the member buys twice: no badge yet
    await buy(till, member.id, "10.00")
    await buy(till, member.id, "10.00")
    assert (await member.client.query(ME))["me"]["badges"] == []
    # then the third purchase awards it, and its points land in the ledger
    third = await buy(till, member.id, "10.00")
    me = (await member.client.query(ME))["me"]
    assert [b["badge"]["name"] for b in me["badges"]] == ["Regular"]
    assert await entries(member.id, f"badge:{badge}") == [100]
    assert me["pointsBalance"] == 130 == await assert_ledger_consistent(member.id)
    assert third["member"]["pointsBalance"] in (30, 130)  # handlers run after the commit
    # and a fourth purchase awards nothing more
    await buy(till, member.id, "10.00")
    assert await entries(member.id, f"badge:{badge}") == [100]
    assert await assert_ledger_consistent(member.id) == 140


# --- (c) challenges ---


async def test_an_individual_spend_challenge_completes_and_pays_once(gql: GraphQLClient) -> None:
    # given an automatic challenge: spend 50.00 for 200 points
    program, manager, till = await shop(gql)
    created = await manager.mutate(
        CREATE_CHALLENGE,
        {
            "name": "Spend 50",
            "metric": "SPEND",
            "kind": "INDIVIDUAL",
            "target": "50",
            "rewardPoints": 200,
            "enrolment": "AUTOMATIC",
            "startsAt": (clock.now() - timedelta(hours=1)).isoformat(),
            "endsAt": (clock.now() + timedelta(days=7)).isoformat(),
        },
    )
    assert created["errors"] == [], created
    challenge_id = created["challenge"]["id"]
    member = await sign_up(gql, program)

    async def progress() -> dict[str, Any]:
        rows = (await member.client.query(CHALLENGES))["challenges"]
        return next(c["myProgress"] for c in rows if c["id"] == challenge_id)

    # when the member spends 30.00: not yet
    await buy(till, member.id, "30.00")
    assert (await progress())["completed"] is False
    # then 30.00 more completes it and pays 200 points, once
    await buy(till, member.id, "30.00")
    assert (await progress())["completed"] is True
    assert await entries(member.id, f"challenge:{challenge_id}") == [200]
    # and more spending pays nothing more
    await asyncio.gather(*(buy(till, member.id, "10.00") for _ in range(5)))
    assert await entries(member.id, f"challenge:{challenge_id}") == [200]
    assert await assert_ledger_consistent(member.id) == 60 + 50 + 200


# --- (d) the points leaderboard follows the ledger ---


async def test_points_board_equals_the_ledger_after_purchase_partial_refund_and_adjustment(
    gql: GraphQLClient,
) -> None:
    # given a member who bought for 100.00
    program, manager, till = await shop(gql)
    member = await sign_up(gql, program)
    await buy(till, member.id, "100.00", "o-1")

    async def score() -> int:
        board = await member.client.query(LEADERBOARD, {"board": "points", "period": "ALL_TIME"})
        return board["leaderboard"]["me"]["score"]

    async def earned() -> int:
        kinds = [k.value for k in leaderboards.POINTS_KINDS]
        rows = await LedgerEntry.filter(member_id=member.id, kind__in=kinds)
        return sum(e.delta for e in rows)

    assert await score() == await earned() == 100
    # when 40.00 is refunded
    refund = await till.mutate(REFUND, {"externalId": "o-1", "refundId": "r-1", "amount": "40.00"})
    assert refund["errors"] == []
    assert await score() == await earned() == 60
    # and a manager takes 15 points off (a retried request counts once)
    adjust = {
        "memberId": str(member.id),
        "delta": -15,
        "reason": "goodwill reversed",
        "idempotencyKey": "adj-1",
    }
    for _ in range(2):
        assert (await manager.mutate(ADJUST, adjust))["errors"] == []
    # then the board still equals the ledger, and the balance
    assert await score() == await earned() == 45 == await assert_ledger_consistent(member.id)
    kinds = {e.kind for e in await LedgerEntry.filter(member_id=member.id)}
    assert kinds == {LedgerKind.EARN, LedgerKind.REFUND, LedgerKind.ADJUST}


# --- (e) a blocked member ---


async def test_a_blocked_member_is_refused_everywhere_and_nothing_is_written(
    gql: GraphQLClient,
) -> None:
    # given a member with points, a free game and a cheap reward
    program, manager, till = await shop(gql)
    member = await sign_up(gql, program)
    await buy(till, member.id, "50.00", "before")
    game = await manager.mutate(
        CREATE_GAME,
        {
            "name": "Scratch",
            "startsAt": (clock.now() - timedelta(hours=1)).isoformat(),
            "endsAt": (clock.now() + timedelta(hours=1)).isoformat(),
            "prizes": [{"name": "Mug", "kind": "PRIZE", "quantity": 3}],
        },
    )
    reward = await manager.mutate(
        CREATE_REWARD, {"name": "Coffee", "kind": "VOUCHER", "pointsCost": 10}
    )
    purchases = await Purchase.filter(member_id=member.id).count()
    ledger = await LedgerEntry.filter(member_id=member.id).count()
    # when a manager blocks them
    blocked = await manager.mutate(BLOCK, {"memberId": str(member.id), "reason": "fraud"})
    assert blocked["errors"] == []
    # then the till's purchases are refused with MEMBER_BLOCKED, even retried concurrently
    body = purchase_input(member.id, "after", [("SKU-1", "misc", 1, "99.00")])
    results = await asyncio.gather(*(till.mutate(RECORD_PURCHASE, body) for _ in range(5)))
    assert all(codes(r) == ["MEMBER_BLOCKED"] for r in results), results
    assert all(r["purchase"] is None for r in results)
    # and their token is dead for playing and redeeming
    play = {"input": {"gameId": game["game"]["id"], "idempotencyKey": "p"}}
    redeem = {"input": {"rewardId": reward["reward"]["id"], "idempotencyKey": "r"}}
    assert await member.client.error_code(PLAY, play) == "UNAUTHENTICATED"
    assert await member.client.error_code(REDEEM, redeem) == "UNAUTHENTICATED"
    # and nothing was written
    assert await Purchase.filter(member_id=member.id).count() == purchases
    assert await LedgerEntry.filter(member_id=member.id).count() == ledger
    assert await assert_ledger_consistent(member.id) == 50
    assert (await Member.get(id=member.id)).blocked_at is not None
