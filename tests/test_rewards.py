"""The rewards catalog: staff edit it, members see what they can redeem and why not."""

from __future__ import annotations

from datetime import timedelta

from core.clock import clock
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.points.tiers import create_tier, set_member_tier
from tests.builders import (
    create_badge_via_api,
    give_points,
    integration_client,
    new_program,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes
from tests.rewards_docs import (
    ARCHIVE_REWARD,
    CANCEL,
    CREATE_REWARD,
    DONATIONS,
    REDEEM,
    RESTOCK_REWARD,
    REWARDS,
    UPDATE_REWARD,
    USE,
    create_reward,
    redeem,
)


async def test_a_manager_creates_a_reward_with_every_field(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    tier = await create_tier(SYSTEM, program.id, "Gold", 2)
    badge_id = await create_badge_via_api(manager)
    starts = clock.now().replace(microsecond=0)
    reward = await create_reward(
        manager,
        name="  Tote   bag ",
        description="Organic cotton",
        kind="MERCHANDISE",
        pointsCost=600,
        stock=25,
        limitPerMember=2,
        limitPerPeriod=1,
        limitPeriodDays=30,
        startsAt=starts.isoformat(),
        endsAt=(starts + timedelta(days=10)).isoformat(),
        minimumTierId=str(tier.id),
        requiredBadgeId=badge_id,
        imageUrl="https://cdn.example/tote.png",
        redemptionValidityDays=90,
        refundOnExpiry=True,
    )
    assert reward["name"] == "Tote bag"
    assert (reward["kind"], reward["pointsCost"], reward["stock"]) == ("MERCHANDISE", 600, 25)
    assert (reward["limitPerMember"], reward["limitPerPeriod"], reward["limitPeriodDays"]) == (
        2,
        1,
        30,
    )
    assert reward["minimumTierId"] == str(tier.id)
    assert reward["requiredBadgeId"] == badge_id
    assert reward["imageUrl"] == "https://cdn.example/tote.png"
    assert (reward["redemptionValidityDays"], reward["refundOnExpiry"]) == (90, True)
    assert reward["archived"] is False
    # staff see no member availability
    assert reward["available"] is None


async def test_bad_rewards_are_refused_with_codes_and_fields(gql: GraphQLClient) -> None:
    program, other = await new_program(), await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    foreign_tier = await create_tier(SYSTEM, other.id, "Gold", 1)
    now = clock.now()
    cases = [
        ({"name": " "}, "INVALID_INPUT", "name"),
        ({"pointsCost": -1}, "INVALID_INPUT", "pointsCost"),
        ({"pointsCost": 1_500_000_000}, "INVALID_INPUT", "pointsCost"),
        ({"stock": -5}, "INVALID_INPUT", "stock"),
        ({"limitPerMember": 0}, "INVALID_INPUT", "limitPerMember"),
        ({"limitPerPeriod": 1}, "INVALID_INPUT", "limitPeriodDays"),
        ({"limitPeriodDays": 99999, "limitPerPeriod": 1}, "INVALID_INPUT", "limitPeriodDays"),
        (
            {"startsAt": now.isoformat(), "endsAt": (now - timedelta(days=1)).isoformat()},
            "INVALID_INPUT",
            "endsAt",
        ),
        ({"imageUrl": "javascript:alert(1)"}, "INVALID_INPUT", "imageUrl"),
        ({"minimumTierId": str(foreign_tier.id)}, "NOT_FOUND", "minimumTierId"),
        ({"minimumTierId": "abc"}, "NOT_FOUND", "minimumTierId"),
        ({"donationAmount": "5.00"}, "INVALID_INPUT", "donationAmount"),
        ({"kind": "DONATION", "donationAmount": "NaN"}, "INVALID_INPUT", "donationAmount"),
        ({"kind": "DONATION", "donationAmount": "1.234"}, "INVALID_INPUT", "donationAmount"),
        ({"kind": "DONATION", "redemptionValidityDays": 10}, "INVALID_INPUT", "kind"),
    ]
    for change, code, field in cases:
        payload = await manager.mutate(
            CREATE_REWARD, {"name": "R", "kind": "VOUCHER", "pointsCost": 10, **change}
        )
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], change
        assert payload["reward"] is None


async def test_update_changes_only_what_is_given_and_can_clear(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    reward = await create_reward(manager, stock=5, limitPerMember=3, description="d")
    payload = await manager.mutate(
        UPDATE_REWARD, {"rewardId": reward["id"], "pointsCost": 250, "limitPerMember": None}
    )
    assert payload["errors"] == []
    updated = payload["reward"]
    assert (updated["pointsCost"], updated["limitPerMember"]) == (250, None)
    assert (updated["name"], updated["description"], updated["stock"]) == ("Voucher", "d", 5)
    payload = await manager.mutate(UPDATE_REWARD, {"rewardId": reward["id"], "name": None})
    assert codes(payload) == ["INVALID_INPUT"]


async def test_restock_adds_units_and_archive_hides_from_members(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    limited = await create_reward(manager, name="Limited", stock=1)
    unlimited = await create_reward(manager, name="Unlimited")
    payload = await manager.mutate(RESTOCK_REWARD, {"rewardId": limited["id"], "quantity": 4})
    assert payload["reward"]["stock"] == 5
    payload = await manager.mutate(RESTOCK_REWARD, {"rewardId": limited["id"], "quantity": 0})
    assert codes(payload) == ["INVALID_INPUT"]
    payload = await manager.mutate(RESTOCK_REWARD, {"rewardId": unlimited["id"], "quantity": 1})
    assert codes(payload) == ["INVALID_INPUT"]
    payload = await manager.mutate(ARCHIVE_REWARD, {"rewardId": limited["id"]})
    assert payload["reward"]["archived"] is True
    names = [e["node"]["name"] for e in (await member.client.query(REWARDS))["rewards"]["edges"]]
    assert names == ["Unlimited"]
    await give_points(member.id, 500)
    payload = await redeem(member.client, limited["id"], "archived")
    assert codes(payload) == ["REWARD_NOT_FOUND"]


async def test_every_unavailable_reason_is_shown_and_refused(gql: GraphQLClient) -> None:
    # given a member with 100 points at rank 1, and a catalog with one reward per reason
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    silver = await create_tier(SYSTEM, program.id, "Silver", 1)
    gold = await create_tier(SYSTEM, program.id, "Gold", 2)
    async with events.atomic():
        await set_member_tier(await Member.get(id=member.id), silver, "test")
    await give_points(member.id, 100)
    now = clock.now()
    rewards = {
        "ok": await create_reward(manager, name="ok", pointsCost=100, minimumTierId=str(silver.id)),
        "NOT_STARTED": await create_reward(
            manager, name="NOT_STARTED", startsAt=(now + timedelta(hours=1)).isoformat()
        ),
        "ENDED": await create_reward(
            manager,
            name="ENDED",
            startsAt=(now - timedelta(days=2)).isoformat(),
            endsAt=(now - timedelta(seconds=1)).isoformat(),
        ),
        "TIER_REQUIRED": await create_reward(
            manager, name="TIER_REQUIRED", minimumTierId=str(gold.id)
        ),
        "BADGE_REQUIRED": await create_reward(
            manager, name="BADGE_REQUIRED", requiredBadgeId=await create_badge_via_api(manager)
        ),
        "OUT_OF_STOCK": await create_reward(manager, name="OUT_OF_STOCK", stock=0),
        "LIMIT_REACHED": await create_reward(
            manager, name="LIMIT_REACHED", pointsCost=0, limitPerPeriod=1, limitPeriodDays=7
        ),
        "NOT_ENOUGH_POINTS": await create_reward(manager, name="NOT_ENOUGH_POINTS", pointsCost=101),
    }
    assert codes(await redeem(member.client, rewards["LIMIT_REACHED"]["id"], "free")) == []
    # when the member reads the catalog
    edges = (await member.client.query(REWARDS, {"first": 20}))["rewards"]["edges"]
    seen = {
        e["node"]["name"]: (e["node"]["available"], e["node"]["unavailableReason"]) for e in edges
    }
    # then each reward says why, and redeeming it is refused with the matching code
    assert seen.pop("ok") == (True, None)
    assert seen == {reason: (False, reason) for reason in rewards if reason != "ok"}
    refusal_codes = {
        "NOT_STARTED": "REWARD_NOT_STARTED",
        "ENDED": "REWARD_ENDED",
        "NOT_ENOUGH_POINTS": "INSUFFICIENT_POINTS",
    }
    for reason, reward in rewards.items():
        if reason == "ok":
            continue
        payload = await redeem(member.client, reward["id"], f"try-{reason}")
        assert codes(payload) == [refusal_codes.get(reason, reason)], reason
        assert payload["redemption"] is None
    assert (await Member.get(id=member.id)).points_balance == 100


async def test_a_member_without_a_tier_cannot_redeem_a_tier_reward(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    bronze = await create_tier(SYSTEM, program.id, "Bronze", 0)
    reward = await create_reward(manager, pointsCost=0, minimumTierId=str(bronze.id))
    assert codes(await redeem(member.client, reward["id"], "k")) == ["TIER_REQUIRED"]


async def test_the_catalog_pages_newest_first(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    for i in range(5):
        await create_reward(manager, name=f"R{i}")
    first = (await member.client.query(REWARDS, {"first": 3}))["rewards"]
    assert [e["node"]["name"] for e in first["edges"]] == ["R4", "R3", "R2"]
    after = first["pageInfo"]["endCursor"]
    rest = (await member.client.query(REWARDS, {"first": 3, "after": after}))["rewards"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["R1", "R0"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_another_programs_catalog_is_invisible_and_unchangeable(gql: GraphQLClient) -> None:
    program, other = await new_program(), await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    foreign_manager = await staff_client(gql, other, "MANAGER")
    outsider = await sign_up(gql, other)
    await give_points(outsider.id, 1000)
    reward = await create_reward(manager, name="Ours", stock=3)
    assert (await outsider.client.query(REWARDS))["rewards"]["edges"] == []
    assert codes(await redeem(outsider.client, reward["id"], "steal")) == ["REWARD_NOT_FOUND"]
    for doc, input in (
        (UPDATE_REWARD, {"rewardId": reward["id"], "name": "Mine"}),
        (RESTOCK_REWARD, {"rewardId": reward["id"], "quantity": 5}),
        (ARCHIVE_REWARD, {"rewardId": reward["id"]}),
    ):
        assert codes(await foreign_manager.mutate(doc, input)) == ["REWARD_NOT_FOUND"]
    catalog = await manager.query("{ catalogRewards { edges { node { name stock archived } } } }")
    assert catalog["catalogRewards"]["edges"] == [
        {"node": {"name": "Ours", "stock": 3, "archived": False}}
    ]


async def test_only_managers_and_admins_edit_the_catalog(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    analyst = await staff_client(gql, program, "ANALYST")
    member = await sign_up(gql, program)
    till = await integration_client(gql, program)
    reward = await create_reward(admin)
    create = {"input": {"name": "x", "kind": "VOUCHER", "pointsCost": 1}}
    for client in (analyst, member.client, till):
        assert await client.error_code(CREATE_REWARD, create) == "FORBIDDEN"
        for doc in (UPDATE_REWARD, ARCHIVE_REWARD):
            assert (
                await client.error_code(doc, {"input": {"rewardId": reward["id"]}}) == "FORBIDDEN"
            )
        restock = {"input": {"rewardId": reward["id"], "quantity": 1}}
        assert await client.error_code(RESTOCK_REWARD, restock) == "FORBIDDEN"
    assert await gql.error_code(CREATE_REWARD, create) == "UNAUTHENTICATED"
    # and only members redeem or read the member catalog
    redeem_input = {"input": {"rewardId": reward["id"], "idempotencyKey": "k"}}
    for client in (admin, till):
        assert await client.error_code(REDEEM, redeem_input) == "FORBIDDEN"
        assert await client.error_code(REWARDS) == "FORBIDDEN"


async def test_a_donation_is_fulfilled_at_once_and_grows_the_total(gql: GraphQLClient) -> None:
    program = await new_program(currency="EUR")
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 1000)
    tree = await create_reward(
        manager, name="Plant a tree", kind="DONATION", pointsCost=300, donationAmount="3.50"
    )
    for key in ("d1", "d2"):
        payload = await redeem(member.client, tree["id"], key)
        assert payload["redemption"]["status"] == "FULFILLED"
    total = (await member.client.query(DONATIONS))["donationTotal"]
    assert total == {"points": 600, "amount": "7.00", "currency": "EUR", "redemptions": 2}
    assert (await manager.query(DONATIONS))["donationTotal"]["redemptions"] == 2


async def test_a_limit_per_member_shows_and_frees_up_after_a_cancel(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program)
    await give_points(member.id, 500)
    once = await create_reward(manager, name="Once", pointsCost=100, limitPerMember=1)
    redemption = (await redeem(member.client, once["id"], "once"))["redemption"]

    async def reason() -> str | None:
        edges = (await member.client.query(REWARDS))["rewards"]["edges"]
        return edges[0]["node"]["unavailableReason"]

    assert await reason() == "LIMIT_REACHED"
    await manager.mutate(CANCEL, {"redemptionId": redemption["id"]})
    assert await reason() is None


async def test_a_donation_code_is_not_for_the_shop_nor_cancellable(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)
    await give_points(member.id, 100)
    gift = await create_reward(manager, kind="DONATION", pointsCost=100, donationAmount="1")
    redemption = (await redeem(member.client, gift["id"], "gift"))["redemption"]
    assert codes(await till.mutate(USE, {"code": redemption["code"]})) == ["REDEMPTION_NOT_USABLE"]
    payload = await manager.mutate(CANCEL, {"redemptionId": redemption["id"]})
    assert codes(payload) == ["REDEMPTION_NOT_USABLE"]
    assert (await member.client.query(DONATIONS))["donationTotal"]["amount"] == "1.00"
