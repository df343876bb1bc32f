"""Redemptions under concurrency, retries and time: exact debits, stock never below zero, limits,
idempotency, codes used once, cancels and expiries that refund exactly once (invariants 1-5)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.clock import clock
from core.errors import DomainError
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.events.models import Event
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.rewards import redemptions
from gamification.rewards.models import Redemption, Reward
from gamification.rewards.redemptions import CODE_ALPHABET
from tests.builders import (
    assert_ledger_consistent,
    give_points,
    integration_client,
    new_program,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes
from tests.rewards_docs import (
    CANCEL,
    CHECK,
    ME_REDEMPTIONS,
    USE,
    create_reward,
    redeem,
)


async def stock_of(reward_id: str) -> int | None:
    return (await Reward.get(id=int(reward_id))).stock


async def test_a_redemption_debits_exactly_the_cost_and_issues_a_code(gql: GraphQLClient) -> None:
    # given a member with 1000 points and a tote bag costing 350 with 5 in stock
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 1000)
    reward = await create_reward(manager, name="Tote", kind="MERCHANDISE", pointsCost=350, stock=5)
    # when the member redeems it
    payload = await redeem(member.client, reward["id"], "tote-1")
    # then 350 points are gone, one unit is gone, and a typable code is issued
    assert payload["errors"] == []
    redemption = payload["redemption"]
    assert (redemption["status"], redemption["pointsSpent"]) == ("ISSUED", 350)
    assert len(redemption["code"]) == 10 and set(redemption["code"]) <= set(CODE_ALPHABET)
    assert payload["member"]["pointsBalance"] == 650
    assert await stock_of(reward["id"]) == 4
    assert await assert_ledger_consistent(member.id) == 650
    entry = await LedgerEntry.get(member_id=member.id, kind=LedgerKind.REDEEM)
    assert (entry.delta, entry.reference) == (-350, f"redemption:{redemption['id']}")
    event = await Event.get(member_id=member.id, type="REWARD_REDEEMED")
    assert event.data == {
        "redemption_id": int(redemption["id"]),
        "reward_id": int(reward["id"]),
        "points": 350,
    }
    # and it is listed in me.redemptions
    me = (await member.client.query(ME_REDEMPTIONS))["me"]
    assert me["redemptions"]["edges"] == [
        {
            "node": {
                "id": redemption["id"],
                "code": redemption["code"],
                "status": "ISSUED",
                "pointsSpent": 350,
                "reward": {"name": "Tote", "kind": "MERCHANDISE"},
            }
        }
    ]


async def test_300_members_racing_for_20_units_get_exactly_20(gql: GraphQLClient) -> None:
    # given 300 members who can all afford a reward with 20 in stock
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    reward = await create_reward(manager, name="Scarce", pointsCost=100, stock=20)
    members = await asyncio.gather(*(sign_up(gql, program) for _ in range(300)))
    for member in members:
        await give_points(member.id, 150)
    # when they all redeem at once
    results = await asyncio.gather(
        *(redeem(m.client, reward["id"], f"race-{m.id}") for m in members)
    )
    # then exactly 20 win, the others are told OUT_OF_STOCK and keep every point
    winners = [r for r in results if not r["errors"]]
    assert len(winners) == 20
    assert all(codes(r) == ["OUT_OF_STOCK"] for r in results if r["errors"])
    assert await stock_of(reward["id"]) == 0
    assert await Redemption.filter(reward_id=int(reward["id"])).count() == 20
    balances = sorted([await assert_ledger_consistent(m.id) for m in members])
    assert balances == [50] * 20 + [150] * 280


async def test_one_member_firing_50_redemptions_with_points_for_3_gets_3(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 350)
    reward = await create_reward(manager, pointsCost=100)
    results = await asyncio.gather(
        *(redeem(member.client, reward["id"], f"burst-{i}") for i in range(50))
    )
    assert sum(1 for r in results if not r["errors"]) == 3
    assert all(codes(r) == ["INSUFFICIENT_POINTS"] for r in results if r["errors"])
    assert await Redemption.filter(member_id=member.id).count() == 3
    assert await assert_ledger_consistent(member.id) == 50


async def test_a_limit_per_member_holds_under_concurrency(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 10_000)
    reward = await create_reward(manager, pointsCost=10, limitPerMember=2)
    results = await asyncio.gather(
        *(redeem(member.client, reward["id"], f"limit-{i}") for i in range(20))
    )
    assert sum(1 for r in results if not r["errors"]) == 2
    assert all(codes(r) == ["LIMIT_REACHED"] for r in results if r["errors"])
    assert await assert_ledger_consistent(member.id) == 10_000 - 20


async def test_a_limit_per_period_frees_up_when_the_period_has_passed(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 1000)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    with clock.frozen_at(start) as time:
        reward = await create_reward(manager, pointsCost=10, limitPerPeriod=1, limitPeriodDays=7)
        assert codes(await redeem(member.client, reward["id"], "w1")) == []
        time.advance(timedelta(days=6))
        assert codes(await redeem(member.client, reward["id"], "w2")) == ["LIMIT_REACHED"]
        time.advance(timedelta(days=1, seconds=1))
        assert codes(await redeem(member.client, reward["id"], "w3")) == []


async def test_the_same_key_under_concurrency_redeems_once(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 1000)
    reward = await create_reward(manager, pointsCost=100, stock=10)
    other = await create_reward(manager, name="Other", pointsCost=100)
    results = await asyncio.gather(*(redeem(member.client, reward["id"], "dup") for _ in range(30)))
    assert all(r["errors"] == [] for r in results)
    assert len({r["redemption"]["code"] for r in results}) == 1
    assert {r["member"]["pointsBalance"] for r in results} == {900}
    assert await stock_of(reward["id"]) == 9
    assert await assert_ledger_consistent(member.id) == 900
    # the same key for another reward is a client bug, told as such
    assert codes(await redeem(member.client, other["id"], "dup")) == ["IDEMPOTENCY_KEY_REUSED"]
    assert codes(await redeem(member.client, reward["id"], "")) == ["INVALID_INPUT"]
    assert codes(await redeem(member.client, "x", "k")) == ["NOT_FOUND"]


async def test_a_code_is_used_once_by_the_shop(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)
    await give_points(member.id, 500)
    reward = await create_reward(manager, name="Coffee", pointsCost=150)
    code = (await redeem(member.client, reward["id"], "c"))["redemption"]["code"]
    checked = (await till.query(CHECK, {"code": code}))["checkRedemption"]
    assert (checked["status"], checked["memberId"], checked["reward"]["name"]) == (
        "ISSUED",
        str(member.id),
        "Coffee",
    )
    # typed by a person: lower case, with a dash
    typed = f"{code[:5].lower()}-{code[5:]}"
    results = await asyncio.gather(*(till.mutate(USE, {"code": typed}) for _ in range(10)))
    assert sum(1 for r in results if not r["errors"]) == 1
    assert all(codes(r) == ["ALREADY_USED"] for r in results if r["errors"])
    assert codes(await till.mutate(USE, {"code": code})) == ["ALREADY_USED"]
    assert (await till.query(CHECK, {"code": code}))["checkRedemption"]["status"] == "USED"
    assert await Event.filter(member_id=member.id, type="REDEMPTION_USED").count() == 1
    for bad in ("", "AAAAAAAAAA", "0" * 10, "x" * 500):
        assert codes(await till.mutate(USE, {"code": bad})) == ["REDEMPTION_NOT_FOUND"]


async def test_cancel_gives_points_and_stock_back_exactly_once(gql: GraphQLClient) -> None:
    # given an issued redemption of a stocked reward
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)
    await give_points(member.id, 500)
    reward = await create_reward(manager, pointsCost=200, stock=3)
    redemption = (await redeem(member.client, reward["id"], "c"))["redemption"]
    assert await stock_of(reward["id"]) == 2
    # when staff cancel it ten times at once
    results = await asyncio.gather(
        *(manager.mutate(CANCEL, {"redemptionId": redemption["id"]}) for _ in range(10))
    )
    # then one cancel refunds 200 points and one unit; the others are told it is done
    assert sum(1 for r in results if not r["errors"]) == 1
    assert all(codes(r) == ["REDEMPTION_CANCELLED"] for r in results if r["errors"])
    done = next(r for r in results if not r["errors"])["redemption"]
    assert (done["status"], done["pointsRefunded"]) == ("CANCELLED", 200)
    assert await stock_of(reward["id"]) == 3
    assert await assert_ledger_consistent(member.id) == 500
    refunds = await LedgerEntry.filter(member_id=member.id, kind=LedgerKind.REDEMPTION_REFUND)
    assert [(e.delta, e.reference) for e in refunds] == [(200, f"redemption:{redemption['id']}")]
    assert await Event.filter(member_id=member.id, type="REDEMPTION_CANCELLED").count() == 1
    # and the cancelled code is dead at the shop
    assert codes(await till.mutate(USE, {"code": redemption["code"]})) == ["REDEMPTION_CANCELLED"]
    # a used code cannot be cancelled
    used = (await redeem(member.client, reward["id"], "u"))["redemption"]
    await till.mutate(USE, {"code": used["code"]})
    assert codes(await manager.mutate(CANCEL, {"redemptionId": used["id"]})) == ["ALREADY_USED"]
    assert await assert_ledger_consistent(member.id) == 300


async def test_a_cancelled_redemption_no_longer_counts_against_the_limit(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 500)
    reward = await create_reward(manager, pointsCost=100, limitPerMember=1)
    first = (await redeem(member.client, reward["id"], "a"))["redemption"]
    assert codes(await redeem(member.client, reward["id"], "b")) == ["LIMIT_REACHED"]
    await manager.mutate(CANCEL, {"redemptionId": first["id"]})
    assert codes(await redeem(member.client, reward["id"], "c")) == []


async def test_codes_expire_and_refund_only_when_the_reward_says_so(gql: GraphQLClient) -> None:
    # given two 30-day codes, one of a reward that refunds on expiry
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)
    await give_points(member.id, 1000)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    with clock.frozen_at(start) as time:
        kept = await create_reward(
            manager, name="Kept", pointsCost=100, stock=5, redemptionValidityDays=30
        )
        refunded = await create_reward(
            manager,
            name="Refunded",
            pointsCost=200,
            stock=5,
            redemptionValidityDays=30,
            refundOnExpiry=True,
        )
        forever = await create_reward(manager, name="Forever", pointsCost=50)
        kept_code = (await redeem(member.client, kept["id"], "k"))["redemption"]["code"]
        await redeem(member.client, refunded["id"], "r")
        await redeem(member.client, forever["id"], "f")
        assert await assert_ledger_consistent(member.id) == 650
        # just before the end nothing expires
        time.set(start + timedelta(days=30) - timedelta(microseconds=1))
        assert await redemptions.expire_due() == 0
        # at the end, the shop refuses the code even before the cron has run
        time.set(start + timedelta(days=30))
        assert codes(await till.mutate(USE, {"code": kept_code})) == ["REDEMPTION_EXPIRED"]
        # two workers at once, then a rerun
        results = await asyncio.gather(redemptions.expire_due(), redemptions.expire_due())
        assert sum(results) == 2
        assert await redemptions.expire_due() == 0
    by_reward = {r.reward_id: r.status.value for r in await Redemption.filter(member_id=member.id)}
    assert by_reward == {
        int(kept["id"]): "EXPIRED",
        int(refunded["id"]): "EXPIRED",
        int(forever["id"]): "ISSUED",
    }
    # only the refunding reward gave its points and its unit back
    assert await assert_ledger_consistent(member.id) == 850
    assert (await stock_of(kept["id"]), await stock_of(refunded["id"])) == (4, 5)
    assert await Event.filter(member_id=member.id, type="REDEMPTION_EXPIRED").count() == 2
    # an expired code cannot be cancelled
    expired_id = (await Redemption.get(reward_id=int(kept["id"]))).id
    payload = await manager.mutate(CANCEL, {"redemptionId": str(expired_id)})
    assert codes(payload) == ["REDEMPTION_EXPIRED"]


async def test_codes_and_redemptions_of_another_program_are_unknown(gql: GraphQLClient) -> None:
    program, other = await new_program(), await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 500)
    reward = await create_reward(manager, pointsCost=100)
    redemption = (await redeem(member.client, reward["id"], "x"))["redemption"]
    foreign_till = await integration_client(gql, other)
    foreign_manager = await staff_client(gql, other, "MANAGER")
    outsider = await sign_up(gql, other)
    assert (
        await foreign_till.error_code(CHECK, {"code": redemption["code"]}) == "REDEMPTION_NOT_FOUND"
    )
    payload = await foreign_till.mutate(USE, {"code": redemption["code"]})
    assert codes(payload) == ["REDEMPTION_NOT_FOUND"]
    payload = await foreign_manager.mutate(CANCEL, {"redemptionId": redemption["id"]})
    assert codes(payload) == ["REDEMPTION_NOT_FOUND"]
    me = (await outsider.client.query(ME_REDEMPTIONS))["me"]
    assert me["redemptions"]["edges"] == []
    # and it is still ISSUED, untouched
    assert (await Redemption.get(id=int(redemption["id"]))).status == "ISSUED"


async def test_members_cannot_call_staff_or_shop_operations(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    analyst = await staff_client(gql, program, "ANALYST")
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)
    await give_points(member.id, 500)
    reward = await create_reward(manager, pointsCost=100)
    redemption = (await redeem(member.client, reward["id"], "x"))["redemption"]
    cancel = {"input": {"redemptionId": redemption["id"]}}
    use = {"input": {"code": redemption["code"]}}
    for client in (member.client, analyst, till):
        assert await client.error_code(CANCEL, cancel) == "FORBIDDEN"
    for client in (member.client, manager):
        assert await client.error_code(USE, use) == "FORBIDDEN"
        assert await client.error_code(CHECK, {"code": redemption["code"]}) == "FORBIDDEN"
    assert await gql.error_code(USE, use) == "UNAUTHENTICATED"
    assert (await Redemption.get(id=int(redemption["id"]))).status == "ISSUED"
    assert await assert_ledger_consistent(member.id) == 400


async def test_grant_reward_issues_a_free_unit_and_respects_stock(gql: GraphQLClient) -> None:
    # given a prize reward with 2 units and a member without points
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member_id = (await sign_up(gql, program)).id
    prize = await create_reward(manager, name="Prize", pointsCost=900, stock=2)
    reward = await Reward.get(id=int(prize["id"]))
    member = await Member.get(id=member_id)

    async def grant(key: str) -> Redemption:
        async with events.atomic():
            return await redemptions.grant_reward(
                member, reward, source="instant_win:1", idempotency_key=key
            )

    # when prizes are granted, one of them twice with the same key
    first = await grant("play-1")
    again = await grant("play-1")
    second = await grant("play-2")
    # then no point moves, the same key answers the same redemption, stock runs out cleanly
    assert again.id == first.id
    assert (first.points_spent, first.status, first.source) == (0, "ISSUED", "instant_win:1")
    assert second.code != first.code
    with pytest.raises(DomainError) as refused:
        await grant("play-3")
    assert refused.value.code == "OUT_OF_STOCK"
    assert await stock_of(prize["id"]) == 0
    assert await LedgerEntry.filter(member_id=member_id).count() == 0
    assert await Event.filter(member_id=member_id, type="REWARD_REDEEMED").count() == 2
    # and a cancel of a granted prize gives the unit back but no points
    assert (await redemptions.cancel(SYSTEM, first)).points_refunded == 0
    assert await stock_of(prize["id"]) == 1
    assert await assert_ledger_consistent(member_id) == 0


async def test_concurrent_grants_never_exceed_stock(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    members = await asyncio.gather(*(sign_up(gql, program) for _ in range(20)))
    prize = await create_reward(manager, name="Prize", pointsCost=0, stock=5)
    reward = await Reward.get(id=int(prize["id"]))

    async def grant(member_id: int) -> str:
        try:
            async with events.atomic():
                member = await Member.get(id=member_id)
                await redemptions.grant_reward(
                    member, reward, source="contest:1", idempotency_key=f"g-{member_id}"
                )
            return "won"
        except DomainError as error:
            return error.code

    results = await asyncio.gather(*(grant(m.id) for m in members))
    assert sorted(results) == ["OUT_OF_STOCK"] * 15 + ["won"] * 5
    assert await stock_of(prize["id"]) == 0
