"""Tiers: upgrades at the threshold in the same request, downgrades only at review (with grace),
VIP memberships as a floor, the crons, and staff management."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from core.clock import clock
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.events.models import Event
from gamification.points import memberships, tiers
from gamification.points.models import EarningRuleKind, Membership, Tier
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes

ME_TIER = """
query {
  me {
    tier { name rank }
    tierProgress { current { name } next { name } qualifyingPoints pointsToNext reviewDate }
  }
}
"""

REFUND = """
mutation Refund($input: RefundPurchaseInput!) {
  refundPurchase(input: $input) { member { pointsBalance tier { name } } errors { code } }
}
"""

ACTIVATE = """
mutation Activate($input: ActivateMembershipInput!) {
  activateMembership(input: $input) {
    membership { id startsAt endsAt } member { tier { name } } replayed errors { code field }
  }
}
"""

CREATE_TIER = """
mutation($input: CreateTierInput!) {
  createTier(input: $input) { tier { id name rank earningMultiplier } errors { code field } }
}
"""
UPDATE_TIER = """
mutation($input: UpdateTierInput!) {
  updateTier(input: $input) { tier { id name qualifyingThreshold } errors { code field } }
}
"""
ARCHIVE_TIER = """
mutation($input: ArchiveTierInput!) {
  archiveTier(input: $input) { tier { archived } errors { code } }
}
"""
CREATE_PLAN = """
mutation($input: CreateMembershipPlanInput!) {
  createMembershipPlan(input: $input) { plan { id name durationDays price } errors { code field } }
}
"""
UPDATE_PLAN = """
mutation($input: UpdateMembershipPlanInput!) {
  updateMembershipPlan(input: $input) { plan { id durationDays } errors { code field } }
}
"""
ARCHIVE_PLAN = """
mutation($input: ArchiveMembershipPlanInput!) {
  archiveMembershipPlan(input: $input) { plan { archived } errors { code } }
}
"""
LISTS = "query { tiers { name rank } membershipPlans { name } }"


async def _program(gql: GraphQLClient, **settings: object):
    program = await new_program(**settings)
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    bronze = await tiers.create_tier(SYSTEM, program.id, "Bronze", 0, 0)
    silver = await tiers.create_tier(SYSTEM, program.id, "Silver", 1, 100)
    gold = await tiers.create_tier(SYSTEM, program.id, "Gold", 2, 500, Decimal(2))
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    return program, member, till, (bronze, silver, gold)


async def _shown_tier(member_id: int) -> str | None:
    # Time travel outlives access tokens: read the shown tier directly.
    member = await Member.get(id=member_id)
    return (await Tier.get(id=member.tier_id)).name if member.tier_id else None


async def _buy(till: GraphQLClient, member_id: int, amount: str, external_id: str | None = None):
    payload = await till.mutate(
        RECORD_PURCHASE, purchase_input(member_id, external_id, [("A", None, 1, amount)])
    )
    assert payload["errors"] == [], payload["errors"]
    return payload


async def test_a_purchase_that_crosses_a_threshold_upgrades_in_the_same_request(
    gql: GraphQLClient,
) -> None:
    _, member, till, _ = await _program(gql)
    assert (await _buy(till, member.id, "99.00"))["member"]["tier"] == {"name": "Bronze", "rank": 0}
    # when the next purchase reaches exactly 100 qualifying points
    payload = await _buy(till, member.id, "1.00")
    # then the answer already shows Silver, and a TIER_CHANGED event says why
    assert payload["member"]["tier"] == {"name": "Silver", "rank": 1}
    changes = await Event.filter(member_id=member.id, type="TIER_CHANGED").order_by("id")
    assert [c.data["rank"] for c in changes] == [0, 1]
    progress = (await member.client.query(ME_TIER))["me"]["tierProgress"]
    assert progress["current"] == {"name": "Silver"} and progress["next"] == {"name": "Gold"}
    assert progress["qualifyingPoints"] == 100 and progress["pointsToNext"] == 400
    assert progress["reviewDate"] is not None


async def test_a_tier_is_lost_only_at_the_review_date(gql: GraphQLClient) -> None:
    # given a Silver member (reviews every 30 days, qualifying over 30 days)
    _, member, till, _ = await _program(gql, tier_window_days=30)
    start = clock.now()
    with clock.frozen_at(start) as time:
        await _buy(till, member.id, "150.00", "big")
        # when the purchase is refunded
        refunded = await till.mutate(REFUND, {"externalId": "big", "refundId": "r"})
        # then the member keeps Silver: downgrades wait for the review
        assert refunded["member"]["tier"] == {"name": "Silver"}
        time.advance(timedelta(days=29))
        assert await tiers.review_due_tiers() == 0
        assert (await Member.get(id=member.id)).tier_id is not None
        # when the review date comes
        time.advance(timedelta(days=1))
        assert await tiers.review_due_tiers() >= 1  # other tests' members may be due too
        # then the member falls to what they qualify for, once
        assert await _shown_tier(member.id) == "Bronze"
        assert await tiers.review_due_tiers() == 0
        progress = await tiers.tier_progress(await Member.get(id=member.id))
        assert progress.review_date == start + timedelta(days=60)


async def test_grace_keeps_the_tier_one_more_period(gql: GraphQLClient) -> None:
    _, member, till, _ = await _program(gql, tier_window_days=30, tier_grace=True)
    start = clock.now()
    with clock.frozen_at(start) as time:
        await _buy(till, member.id, "120.00")
        time.advance(timedelta(days=31))  # the purchase has left the window
        assert await tiers.review_due_tiers() >= 1  # other tests' members may be due too
        assert await _shown_tier(member.id) == "Silver"
        time.advance(timedelta(days=30))
        assert await tiers.review_due_tiers() >= 1  # other tests' members may be due too
        assert await _shown_tier(member.id) == "Bronze"


async def test_a_review_keeps_a_member_who_still_qualifies(gql: GraphQLClient) -> None:
    _, member, till, _ = await _program(gql, tier_window_days=30)
    start = clock.now()
    with clock.frozen_at(start) as time:
        await _buy(till, member.id, "120.00")
        time.advance(timedelta(days=25))
        await _buy(till, member.id, "110.00")  # still within the next window
        time.advance(timedelta(days=5))
        assert await tiers.review_due_tiers() >= 1  # other tests' members may be due too
        assert await _shown_tier(member.id) == "Silver"


async def test_a_vip_membership_is_a_floor_until_it_ends(gql: GraphQLClient) -> None:
    # given a Bronze member and a 30-day Gold plan
    program, member, till, (_, silver, gold) = await _program(gql, tier_window_days=365)
    plan = await memberships.create_plan(
        SYSTEM,
        program.id,
        name="Gold Club",
        tier_id=gold.id,
        duration_days=30,
        price=Decimal("9.99"),
    )
    start = clock.now()
    with clock.frozen_at(start) as time:
        await _buy(till, member.id, "10.00")
        input = {"member": {"id": str(member.id)}, "planId": str(plan.id), "externalId": "vip-1"}
        # when the plan is bought (the integration retries it 20 times at once)
        results = await asyncio.gather(*(till.mutate(ACTIVATE, input) for _ in range(20)))
        # then one membership exists and the member shows Gold
        assert all(r["errors"] == [] for r in results)
        assert len({r["membership"]["id"] for r in results}) == 1
        assert await Membership.filter(member_id=member.id).count() == 1
        assert results[0]["member"]["tier"] == {"name": "Gold"}
        # and earning Silver meanwhile does not lower the shown tier, but earns at x2
        assert (await _buy(till, member.id, "100.00"))["purchase"]["pointsEarned"] == 200
        assert await _shown_tier(member.id) == "Gold"
        # a reused external id for another plan is refused
        other = await memberships.create_plan(
            SYSTEM,
            program.id,
            name="Silver Club",
            tier_id=silver.id,
            duration_days=5,
            price=Decimal(1),
        )
        reused = await till.mutate(ACTIVATE, {**input, "planId": str(other.id)})
        assert codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
        # when the end date passes, the cron ends it once and the earned tier shows again
        time.advance(timedelta(days=29))
        assert await memberships.end_due_memberships() == 0
        time.advance(timedelta(days=1))
        assert await memberships.end_due_memberships() >= 1
        assert await memberships.end_due_memberships() == 0
        assert await _shown_tier(member.id) == "Silver"
        assert await Event.filter(member_id=member.id, type="MEMBERSHIP_ENDED").count() == 1


async def test_activation_refuses_unknown_plans_and_foreign_members(gql: GraphQLClient) -> None:
    program, member, till, (_, _, gold) = await _program(gql)
    _, stranger, stranger_till, _ = await _program(gql)
    plan = await memberships.create_plan(
        SYSTEM, program.id, name="Gold Club", tier_id=gold.id, duration_days=30, price=Decimal(10)
    )
    foreign = {"member": {"id": str(stranger.id)}, "planId": str(plan.id), "externalId": "v"}
    assert codes(await till.mutate(ACTIVATE, foreign)) == ["MEMBER_NOT_FOUND"]
    mine = {"member": {"id": str(member.id)}, "planId": str(plan.id), "externalId": "v"}
    assert codes(await stranger_till.mutate(ACTIVATE, mine)) == ["MEMBER_NOT_FOUND"]
    wrong_plan = {**mine, "planId": "999999"}
    assert codes(await till.mutate(ACTIVATE, wrong_plan)) == ["PLAN_NOT_FOUND"]


async def test_staff_manage_tiers_and_plans(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    created = await manager.mutate(
        CREATE_TIER,
        {"name": "Platinum", "rank": 5, "qualifyingThreshold": 900, "earningMultiplier": "2.5"},
    )
    assert created["errors"] == [] and created["tier"]["earningMultiplier"] == "2.5"
    tier_id = created["tier"]["id"]
    clash = await manager.mutate(CREATE_TIER, {"name": "Other", "rank": 5})
    assert codes(clash) == ["INVALID_INPUT"]
    updated = await manager.mutate(UPDATE_TIER, {"tierId": tier_id, "qualifyingThreshold": 1000})
    assert updated["tier"]["qualifyingThreshold"] == 1000
    plan = await manager.mutate(
        CREATE_PLAN, {"name": "VIP", "tierId": tier_id, "durationDays": 365, "price": "49.00"}
    )
    assert plan["errors"] == [] and plan["plan"]["price"] == "49.00"
    bad = await manager.mutate(
        CREATE_PLAN, {"name": "VIP", "tierId": tier_id, "durationDays": 0, "price": "49.00"}
    )
    assert codes(bad) == ["INVALID_INPUT"]
    for price in ("NaN", "-1", "1e400"):
        hostile = await manager.mutate(
            CREATE_PLAN, {"name": "VIP", "tierId": tier_id, "durationDays": 3, "price": price}
        )
        assert codes(hostile) == ["INVALID_AMOUNT"], price
    longer = await manager.mutate(UPDATE_PLAN, {"planId": plan["plan"]["id"], "durationDays": 400})
    assert longer["plan"]["durationDays"] == 400
    lists = await manager.query(LISTS)
    assert lists == {
        "tiers": [{"name": "Platinum", "rank": 5}],
        "membershipPlans": [{"name": "VIP"}],
    }
    assert (await manager.mutate(ARCHIVE_PLAN, {"planId": plan["plan"]["id"]}))["plan"]["archived"]
    assert (await manager.mutate(ARCHIVE_TIER, {"tierId": tier_id}))["tier"]["archived"]
    assert await manager.query(LISTS) == {"tiers": [], "membershipPlans": []}
    stranger = await staff_client(gql, await new_program(), "ADMIN")
    assert codes(await stranger.mutate(UPDATE_TIER, {"tierId": tier_id, "name": "x"})) == [
        "TIER_NOT_FOUND"
    ]
    analyst = await staff_client(gql, program, "ANALYST")
    assert await analyst.error_code(CREATE_TIER, {"input": {"name": "x", "rank": 9}}) == "FORBIDDEN"


async def test_two_workers_reviewing_at_once_review_each_member_once(gql: GraphQLClient) -> None:
    from workers.tiers import end_memberships, review_tiers

    _, member, till, _ = await _program(gql, tier_window_days=30)
    start = clock.now()
    with clock.frozen_at(start) as time:
        await _buy(till, member.id, "150.00")
        time.advance(timedelta(days=31))
        await asyncio.gather(review_tiers({}), review_tiers({}), end_memberships({}))
        changes = await Event.filter(member_id=member.id, type="TIER_CHANGED").order_by("id")
        # Bronze at sign-up, Silver on the purchase, Bronze at the review: once
        assert [c.data["rank"] for c in changes] == [0, 1, 0]
        assert await _shown_tier(member.id) == "Bronze"


async def test_a_spend_basis_counts_money_net_of_refunds(gql: GraphQLClient) -> None:
    program = await new_program(tier_basis="spend")
    await tiers.create_tier(SYSTEM, program.id, "Bronze", 0, 0)
    await tiers.create_tier(SYSTEM, program.id, "Silver", 1, 250)
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    # no earning rule at all: spend alone qualifies
    assert (await _buy(till, member.id, "249.99"))["member"]["tier"]["name"] == "Bronze"
    assert (await _buy(till, member.id, "0.01"))["member"]["tier"]["name"] == "Silver"
    progress = (await member.client.query(ME_TIER))["me"]["tierProgress"]
    assert progress["qualifyingPoints"] == 250 and progress["next"] is None


async def test_concurrent_activations_move_the_tier_once(gql: GraphQLClient) -> None:
    program, member, till, (_, _, gold) = await _program(gql)
    plan = await memberships.create_plan(
        SYSTEM, program.id, name="Gold Club", tier_id=gold.id, duration_days=30, price=Decimal(10)
    )
    results = await asyncio.gather(
        *(
            till.mutate(
                ACTIVATE,
                {"member": {"id": str(member.id)}, "planId": str(plan.id), "externalId": f"v{i}"},
            )
            for i in range(5)
        )
    )
    assert all(r["errors"] == [] for r in results)
    # five memberships, one after another, and one move to Gold (after Bronze at sign-up)
    ends = sorted(r["membership"]["endsAt"] for r in results)
    assert len(set(ends)) == 5
    changes = await Event.filter(member_id=member.id, type="TIER_CHANGED").order_by("id")
    assert [c.data["rank"] for c in changes] == [0, 2]


async def test_previews_are_for_members_and_integrations_only(gql: GraphQLClient) -> None:
    program, member, _, _ = await _program(gql)
    manager = await staff_client(gql, program, "MANAGER")
    preview = """
    query($input: PreviewPurchaseInput!) { previewPurchase(input: $input) { pointsEarned } }
    """
    lines = {"input": {"lines": [{"sku": "A", "quantity": 1, "unitPrice": "5.00"}]}}
    assert await manager.error_code(preview, lines) == "FORBIDDEN"
    assert await gql.error_code(preview, lines) == "UNAUTHENTICATED"
    bad = {"input": {"lines": [{"sku": "A", "quantity": 0, "unitPrice": "5.00"}]}}
    assert await member.client.error_code(preview, bad) == "INVALID_QUANTITY"
    assert await member.client.error_code(RULES_LIST) == "FORBIDDEN"


RULES_LIST = "query { earningRules { id } }"


async def test_a_new_member_starts_in_the_entry_tier_referred_or_not(gql: GraphQLClient) -> None:
    # given a program whose Bronze starts at 0 qualifying points
    program, member, _, _ = await _program(gql)
    # when a member signs up, and a friend signs up with their code
    friend = await sign_up(gql, program, referral_code=member.referral_code)
    # then both are Bronze before earning anything, with Silver ahead
    for someone in (member, friend):
        me = (await someone.client.query(ME_TIER))["me"]
        assert me["tier"] == {"name": "Bronze", "rank": 0}
        assert me["tierProgress"]["next"] == {"name": "Silver"}
        assert me["tierProgress"]["pointsToNext"] == 100


async def test_without_a_tier_from_zero_a_new_member_has_none(gql: GraphQLClient) -> None:
    program = await new_program()
    await tiers.create_tier(SYSTEM, program.id, "Silver", 1, 100)
    member = await sign_up(gql, program)
    assert (await member.client.query(ME_TIER))["me"]["tier"] is None
