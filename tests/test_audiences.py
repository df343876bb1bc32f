"""Offers aimed at segments, ABC classes and tiers: a member moved by a recompute sees the offer
change (earning, the catalog, redeeming, playing), staff input is checked and audited, and the
targeting never reaches across programs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.demo import seed_demo
from api.demo.accounts import DEMO_SLUG
from core.clock import clock
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import SYSTEM
from gamification.audit.models import AuditEntry
from gamification.points import tiers
from gamification.points.audiences import Audience
from gamification.points.models import EarningRule, EarningRuleKind
from gamification.programs.models import Program
from gamification.reporting.segments import compute_segments
from gamification.rewards.models import Reward
from tests.builders import (
    RECORD_PURCHASE,
    SignedUpMember,
    add_rule,
    give_points,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
    unique,
)
from tests.graphql import GraphQLClient, codes

SEGMENT = "query { me { segment { segment abcClass } } }"
PREVIEW = """
query($input: PreviewPurchaseInput!) {
  previewPurchase(input: $input) { pointsEarned breakdown { rule points } }
}
"""
REWARDS = "query { rewards(first: 50) { edges { node { id name audience { segments } } } } }"
REDEEM = """
mutation($input: RedeemRewardInput!) {
  redeemReward(input: $input) { redemption { id } errors { code } }
}
"""
GAMES = "query { instantWinGames { id name } }"
PLAY = """
mutation($input: PlayInstantWinInput!) {
  playInstantWin(input: $input) { play { id } errors { code } }
}
"""
CREATE_RULE = """
mutation($input: CreateEarningRuleInput!) {
  createEarningRule(input: $input) {
    earningRule { id audience { segments abcClasses tierIds } } errors { code field }
  }
}
"""
CREATE_REWARD = """
mutation($input: CreateRewardInput!) {
  createReward(input: $input) {
    reward { id audience { segments abcClasses tierIds } } errors { code field }
  }
}
"""
UPDATE_REWARD = """
mutation($input: UpdateRewardInput!) {
  updateReward(input: $input) {
    reward { id audience { segments abcClasses tierIds } } errors { code field }
  }
}
"""
CREATE_GAME = """
mutation($input: CreateInstantWinGameInput!) {
  createInstantWinGame(input: $input) { game { id audience { segments } } errors { code field } }
}
"""
CREATE_CONTEST = """
mutation($input: CreateContestInput!) {
  createContest(input: $input) { contest { id } errors { code field } }
}
"""
LINE = [{"sku": "SKU-1", "category": "coffee", "quantity": 1, "unitPrice": "10.00"}]


async def buy(till: GraphQLClient, member: SignedUpMember, days_ago: int, amount: str) -> int:
    payload = await till.mutate(
        RECORD_PURCHASE,
        purchase_input(
            member.id,
            lines=[("SKU-1", "coffee", 1, amount)],
            occurred_at=clock.now() - timedelta(days=days_ago),
        ),
    )
    assert payload["errors"] == [], payload["errors"]
    return int(payload["purchase"]["pointsEarned"])


async def segment(member: SignedUpMember) -> dict[str, Any]:
    return (await member.client.query(SEGMENT))["me"]["segment"]


async def lapsed_and_newcomer(
    gql: GraphQLClient, program: Program, till: GraphQLClient
) -> tuple[SignedUpMember, SignedUpMember]:
    """Two members computed as AT_RISK (class A: three big purchases long ago) and NEW (class
    C: one small purchase lately)."""
    lapsed = await sign_up(gql, program, display_name="Lapsed")
    newcomer = await sign_up(gql, program, display_name="Newcomer")
    for days_ago in (200, 210, 220):
        await buy(till, lapsed, days_ago, "100.00")
    await buy(till, newcomer, 10, "10.00")
    await compute_segments(program)
    assert await segment(lapsed) == {"segment": "AT_RISK", "abcClass": "A"}
    assert await segment(newcomer) == {"segment": "NEW", "abcClass": "C"}
    return lapsed, newcomer


def window() -> dict[str, str]:
    now = clock.now()
    return {
        "startsAt": (now - timedelta(hours=1)).isoformat(),
        "endsAt": (now + timedelta(days=1)).isoformat(),
    }


async def reward_names(member: SignedUpMember) -> list[str]:
    edges = (await member.client.query(REWARDS))["rewards"]["edges"]
    return [edge["node"]["name"] for edge in edges]


async def game_ids(member: SignedUpMember) -> list[str]:
    return [game["id"] for game in (await member.client.query(GAMES))["instantWinGames"]]


async def test_a_member_moved_by_a_recompute_sees_the_offers_change(gql: GraphQLClient) -> None:
    # given a base rate, and a double-points campaign, a reward and a game for AT_RISK members
    program = await new_program()
    staff = await staff_client(gql, program)
    till = await integration_client(gql, program)
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    lapsed, newcomer = await lapsed_and_newcomer(gql, program, till)
    campaign = await staff.mutate(
        CREATE_RULE,
        {
            "name": "Come back: double points",
            "kind": "CAMPAIGN",
            "multiplier": "2",
            "targetSegments": ["AT_RISK"],
            **window(),
        },
    )
    assert campaign["errors"] == []
    assert campaign["earningRule"]["audience"] == {
        "segments": ["AT_RISK"],
        "abcClasses": [],
        "tierIds": [],
    }
    reward = await staff.mutate(
        CREATE_REWARD,
        {"name": "We miss you", "kind": "VOUCHER", "pointsCost": 5, "targetSegments": ["AT_RISK"]},
    )
    assert reward["errors"] == []
    reward_id = reward["reward"]["id"]
    await staff.mutate(CREATE_REWARD, {"name": "For all", "kind": "VOUCHER", "pointsCost": 5})
    game = await staff.mutate(
        CREATE_GAME,
        {
            "name": "Welcome back wheel",
            "prizes": [{"name": "Mug", "kind": "PRIZE", "quantity": 5}],
            "targetSegments": ["AT_RISK"],
            **window(),
        },
    )
    assert game["errors"] == []
    game_id = game["game"]["id"]
    await give_points(lapsed.id, 100)
    await give_points(newcomer.id, 100)

    # then the AT_RISK member is offered all three, the newcomer none
    preview = await lapsed.client.query(PREVIEW, {"input": {"lines": LINE}})
    assert preview["previewPurchase"]["pointsEarned"] == 20
    assert (await newcomer.client.query(PREVIEW, {"input": {"lines": LINE}}))["previewPurchase"][
        "pointsEarned"
    ] == 10
    assert await reward_names(lapsed) == ["For all", "We miss you"]
    assert await reward_names(newcomer) == ["For all"]
    assert await game_ids(lapsed) == [game_id]
    assert await game_ids(newcomer) == []
    refused = await newcomer.client.mutate(REDEEM, {"rewardId": reward_id, "idempotencyKey": "n1"})
    assert codes(refused) == ["NOT_ELIGIBLE"]
    played = await newcomer.client.mutate(PLAY, {"gameId": game_id, "idempotencyKey": "n1"})
    assert codes(played) == ["NOT_ELIGIBLE"]
    redeemed = await lapsed.client.mutate(REDEEM, {"rewardId": reward_id, "idempotencyKey": "l1"})
    assert redeemed["errors"] == []
    assert (await lapsed.client.mutate(PLAY, {"gameId": game_id, "idempotencyKey": "l1"}))[
        "errors"
    ] == []

    # when the lapsed member comes back (earning double, still AT_RISK) and a recompute runs
    assert await buy(till, lapsed, 0, "10.00") == 20
    await compute_segments(program)
    assert await segment(lapsed) == {"segment": "CHAMPIONS", "abcClass": "A"}

    # then the offers for AT_RISK members are gone for them
    assert await buy(till, lapsed, 0, "10.00") == 10
    assert await reward_names(lapsed) == ["For all"]
    assert await game_ids(lapsed) == []
    again = await lapsed.client.mutate(REDEEM, {"rewardId": reward_id, "idempotencyKey": "l2"})
    assert codes(again) == ["NOT_ELIGIBLE"]
    replay = await lapsed.client.mutate(PLAY, {"gameId": game_id, "idempotencyKey": "l2"})
    assert codes(replay) == ["NOT_ELIGIBLE"]


async def test_a_reward_for_class_a_of_one_tier_needs_both(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program)
    till = await integration_client(gql, program)
    lapsed, newcomer = await lapsed_and_newcomer(gql, program, till)
    gold = await tiers.create_tier(SYSTEM, program.id, "Gold", 1, 100)
    async with events.atomic():
        await tiers.set_member_tier(await Member.get(id=lapsed.id), gold, "test")
    created = await staff.mutate(
        CREATE_REWARD,
        {
            "name": "Gold class A",
            "kind": "EXPERIENCE",
            "pointsCost": 0,
            "targetClasses": ["A"],
            "targetTierIds": [str(gold.id)],
        },
    )
    assert created["errors"] == []
    assert created["reward"]["audience"] == {
        "segments": [],
        "abcClasses": ["A"],
        "tierIds": [str(gold.id)],
    }
    # the lapsed member is class A in Gold; the newcomer is in neither
    assert await reward_names(lapsed) == ["Gold class A"]
    assert await reward_names(newcomer) == []


async def test_targeting_another_programs_tier_or_an_unknown_name_is_refused(
    gql: GraphQLClient,
) -> None:
    program, other = await new_program(), await new_program()
    staff = await staff_client(gql, program)
    foreign = await tiers.create_tier(SYSTEM, other.id, "Their gold", 1, 100)
    base = {"name": unique("Reward"), "kind": "VOUCHER", "pointsCost": 5}

    reward = await staff.mutate(CREATE_REWARD, {**base, "targetTierIds": [str(foreign.id)]})
    game = await staff.mutate(
        CREATE_GAME,
        {
            "name": unique("Game"),
            "prizes": [{"name": "Mug", "kind": "PRIZE", "quantity": 1}],
            "targetTierIds": [str(foreign.id)],
            **window(),
        },
    )
    rule = await staff.mutate(
        CREATE_RULE,
        {
            "name": unique("Rule"),
            "kind": "CAMPAIGN",
            "multiplier": "2",
            "targetTierIds": [str(foreign.id)],
            **window(),
        },
    )
    contest = await staff.mutate(
        CREATE_CONTEST,
        {
            "name": unique("Draw"),
            "opensAt": window()["startsAt"],
            "closesAt": window()["endsAt"],
            "prizes": [{"name": "Trip", "kind": "PRIZE", "quantity": 1}],
            "targetTierIds": [str(foreign.id)],
        },
    )
    for payload, field in ((reward, "reward"), (game, "game"), (rule, "earningRule")):
        assert payload[field] is None
        assert payload["errors"] == [{"code": "TIER_NOT_FOUND", "field": "targetTierIds"}]
    assert contest["errors"] == [{"code": "TIER_NOT_FOUND", "field": "targetTierIds"}]
    # an unknown segment name never reaches the service: the schema's enum refuses it
    unknown = await staff.raw(CREATE_REWARD, {"input": {**base, "targetSegments": ["VIP"]}})
    assert unknown.get("errors")


async def test_a_change_of_audience_is_audited_with_the_change(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program)
    created = await staff.mutate(
        CREATE_REWARD, {"name": "Voucher", "kind": "VOUCHER", "pointsCost": 5}
    )
    reward_id = created["reward"]["id"]

    updated = await staff.mutate(
        UPDATE_REWARD, {"rewardId": reward_id, "targetClasses": ["B", "A"]}
    )
    assert updated["errors"] == []
    assert updated["reward"]["audience"]["abcClasses"] == ["A", "B"]
    lifted = await staff.mutate(UPDATE_REWARD, {"rewardId": reward_id, "targetClasses": []})
    assert lifted["reward"]["audience"]["abcClasses"] == []

    entries = await AuditEntry.filter(
        program_id=program.id, action="reward.updated", target_id=int(reward_id)
    ).order_by("id")
    assert [(e.before, e.after) for e in entries] == [
        ({"target_classes": ""}, {"target_classes": ",A,B,"}),
        ({"target_classes": ",A,B,"}, {"target_classes": ""}),
    ]


COMPARISON = """
query($id: ID!) {
  campaignComparison(earningRuleId: $id) {
    name audience { segments }
    targeted { ...Group }
    rest { ...Group }
  }
}
fragment Group on CampaignGroup {
  members buyers purchases revenue { amount } pointsIssued repeatPurchaseRate purchasesPerMember
}
"""


async def test_a_campaign_comparison_counts_its_audience_against_the_rest_exactly(
    gql: GraphQLClient,
) -> None:
    # given an AT_RISK member, a NEW one with an old purchase and a NEW one who never bought,
    # and a double-points campaign for AT_RISK members that started an hour ago
    program = await new_program()
    staff = await staff_client(gql, program, role="MANAGER")
    analyst = await staff_client(gql, program, role="ANALYST")
    till = await integration_client(gql, program)
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=1)
    lapsed, newcomer = await lapsed_and_newcomer(gql, program, till)
    await sign_up(gql, program, display_name="Idle")
    await compute_segments(program)
    created = await staff.mutate(
        CREATE_RULE,
        {
            "name": "Come back",
            "kind": "CAMPAIGN",
            "multiplier": "2",
            "targetSegments": ["AT_RISK"],
            **window(),
        },
    )
    rule_id = created["earningRule"]["id"]
    # another program's purchases never count
    elsewhere = await new_program()
    stranger = await sign_up(gql, elsewhere)
    await buy(await integration_client(gql, elsewhere), stranger, 0, "99.00")

    # when the lapsed member buys twice in the window and the newcomer once
    assert await buy(till, lapsed, 0, "10.00") == 20
    assert await buy(till, lapsed, 0, "15.00") == 30
    assert await buy(till, newcomer, 0, "10.00") == 10

    # then the analyst reads the audience against the rest
    report = (await analyst.query(COMPARISON, {"id": rule_id}))["campaignComparison"]
    assert report["name"] == "Come back"
    assert report["audience"] == {"segments": ["AT_RISK"]}
    assert report["targeted"] == {
        "members": 1,
        "buyers": 1,
        "purchases": 2,
        "revenue": {"amount": "25.00"},
        "pointsIssued": 50,
        "repeatPurchaseRate": "1.0000",
        "purchasesPerMember": "2.0000",
    }
    assert report["rest"] == {
        "members": 2,
        "buyers": 1,
        "purchases": 1,
        "revenue": {"amount": "10.00"},
        "pointsIssued": 10,
        "repeatPurchaseRate": "0.0000",
        "purchasesPerMember": "0.5000",
    }
    # and another program's rule is not found
    foreign = await add_rule(
        elsewhere, name="Theirs", kind=EarningRuleKind.BASE_RATE, points_per_unit=1
    )
    code = await analyst.error_code(COMPARISON, {"id": str(foreign)})
    assert code == "NOT_FOUND"


async def test_the_demo_has_a_segment_campaign_and_a_class_a_reward(gql: GraphQLClient) -> None:
    await seed_demo()
    program = await Program.get(slug=DEMO_SLUG)

    campaigns = await EarningRule.filter(
        program_id=program.id, kind=EarningRuleKind.CAMPAIGN, archived=False
    )
    rewards = await Reward.filter(program_id=program.id, archived=False)

    assert any(Audience.of(r).segments == {"AT_RISK", "HIBERNATING"} for r in campaigns)
    assert any(Audience.of(r).classes == {"A"} for r in rewards)
