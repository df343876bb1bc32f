"""Names are unique per program (core/unique_names.py): a second badge, reward, challenge, tier,
earning rule, game, contest or membership plan of one name is refused with NAME_TAKEN on create
and on rename, also when the creates race, while other programs may use the name freely."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from badges.models import Badge
from gamification.rewards.models import Reward
from tests.builders import new_program, staff_client, unique
from tests.graphql import GraphQLClient

NOW = datetime.now(UTC).replace(microsecond=0)
PRIZES = [{"name": "50 points", "kind": "POINTS", "points": 50, "quantity": 1}]


def _mutation(name: str, input_type: str, node: str) -> str:
    return f"""
mutation($input: {input_type}!) {{
  {name}(input: $input) {{ {node} {{ id }} errors {{ code field message }} }}
}}
"""


async def _tier_id(staff: GraphQLClient) -> str:
    payload = await staff.mutate(
        _mutation("createTier", "CreateTierInput", "tier"), {"name": unique("Tier"), "rank": 0}
    )
    return payload["tier"]["id"]


# (mutation, input type, payload field, the input without its name)
KINDS: dict[str, tuple[str, str, str, Any]] = {
    "badge": ("createBadge", "CreateBadgeInput", "badge", lambda _: {"criteria": "MANUAL"}),
    "reward": (
        "createReward",
        "CreateRewardInput",
        "reward",
        lambda _: {"kind": "VOUCHER", "pointsCost": 100},
    ),
    "challenge": (
        "createChallenge",
        "CreateChallengeInput",
        "challenge",
        lambda _: {
            "metric": "PURCHASES",
            "kind": "INDIVIDUAL",
            "target": "3",
            "startsAt": NOW.isoformat(),
            "endsAt": (NOW + timedelta(days=7)).isoformat(),
        },
    ),
    "tier": ("createTier", "CreateTierInput", "tier", lambda n: {"rank": n}),
    "earning rule": (
        "createEarningRule",
        "CreateEarningRuleInput",
        "earningRule",
        lambda _: {"kind": "BASE_RATE", "pointsPerUnit": "1"},
    ),
    "game": (
        "createInstantWinGame",
        "CreateInstantWinGameInput",
        "game",
        lambda _: {
            "startsAt": NOW.isoformat(),
            "endsAt": (NOW + timedelta(days=1)).isoformat(),
            "prizes": PRIZES,
        },
    ),
    "contest": (
        "createContest",
        "CreateContestInput",
        "contest",
        lambda _: {
            "opensAt": NOW.isoformat(),
            "closesAt": (NOW + timedelta(days=1)).isoformat(),
            "prizes": PRIZES,
        },
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
async def test_a_second_object_of_one_name_is_refused_in_a_program_not_in_another(
    gql: GraphQLClient, kind: str
) -> None:
    mutation, input_type, node, rest = KINDS[kind]
    document = _mutation(mutation, input_type, node)
    staff = await staff_client(gql, await new_program(), "MANAGER")
    other = await staff_client(gql, await new_program(), "MANAGER")
    name = unique("Coffee")
    # given one of that name
    first = await staff.mutate(document, {"name": name, **rest(1)})
    assert first["errors"] == []
    # when staff create another of the same name (the name's spaces aside)
    second = await staff.mutate(document, {"name": f"  {name} ", **rest(2)})
    # then it is refused, naming the field, and nothing is written
    assert second[node] is None
    (error,) = second["errors"]
    assert (error["code"], error["field"]) == ("NAME_TAKEN", "name")
    assert kind in error["message"]
    # while another program may use the name
    assert (await other.mutate(document, {"name": name, **rest(1)}))["errors"] == []


async def test_a_membership_plan_of_a_taken_name_is_refused(gql: GraphQLClient) -> None:
    staff = await staff_client(gql, await new_program(), "MANAGER")
    document = _mutation("createMembershipPlan", "CreateMembershipPlanInput", "plan")
    plan = {"name": "Gold Club", "tierId": await _tier_id(staff), "durationDays": 30, "price": "9"}
    assert (await staff.mutate(document, plan))["errors"] == []
    assert [e["code"] for e in (await staff.mutate(document, plan))["errors"]] == ["NAME_TAKEN"]


UPDATE_BADGE = """
mutation($input: UpdateBadgeInput!) {
  updateBadge(input: $input) { badge { name } errors { code field } }
}
"""
ARCHIVE_BADGE = """
mutation($input: ArchiveBadgeInput!) { archiveBadge(input: $input) { errors { code } } }
"""
UPDATE_REWARD = """
mutation($input: UpdateRewardInput!) {
  updateReward(input: $input) { reward { name } errors { code field } }
}
"""


async def test_renaming_to_a_taken_name_is_refused_and_archived_ones_keep_theirs(
    gql: GraphQLClient,
) -> None:
    staff = await staff_client(gql, await new_program(), "MANAGER")
    create = _mutation("createBadge", "CreateBadgeInput", "badge")
    first = (await staff.mutate(create, {"name": "First sip", "criteria": "MANUAL"}))["badge"]
    second = (await staff.mutate(create, {"name": "Regular", "criteria": "MANUAL"}))["badge"]
    # renaming one to the other's name is refused, and the badge keeps its name
    renamed = await staff.mutate(UPDATE_BADGE, {"badgeId": second["id"], "name": "First sip"})
    assert [(e["code"], e["field"]) for e in renamed["errors"]] == [("NAME_TAKEN", "name")]
    assert (await Badge.get(id=int(second["id"]))).name == "Regular"
    # renaming to its own name changes nothing and is fine
    same = await staff.mutate(UPDATE_BADGE, {"badgeId": first["id"], "name": "First sip"})
    assert same["errors"] == []
    # an archived badge keeps its name
    assert (await staff.mutate(ARCHIVE_BADGE, {"badgeId": first["id"]}))["errors"] == []
    again = await staff.mutate(create, {"name": "First sip", "criteria": "MANUAL"})
    assert [e["code"] for e in again["errors"]] == ["NAME_TAKEN"]
    # and a rewards rename is refused the same way
    reward = _mutation("createReward", "CreateRewardInput", "reward")
    a = (await staff.mutate(reward, {"name": "Mug", "kind": "VOUCHER", "pointsCost": 5}))["reward"]
    await staff.mutate(reward, {"name": "Tote", "kind": "VOUCHER", "pointsCost": 5})
    refused = await staff.mutate(UPDATE_REWARD, {"rewardId": a["id"], "name": "Tote"})
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("NAME_TAKEN", "name")]


async def test_concurrent_creates_of_one_name_leave_exactly_one(gql: GraphQLClient) -> None:
    program = await new_program()
    staff = await staff_client(gql, program, "MANAGER")
    badge = _mutation("createBadge", "CreateBadgeInput", "badge")
    reward = _mutation("createReward", "CreateRewardInput", "reward")
    # when ten staff requests create a badge and ten a reward of one name, all at once
    results = await asyncio.gather(
        *(staff.mutate(badge, {"name": "Twin", "criteria": "MANUAL"}) for _ in range(10)),
        *(
            staff.mutate(reward, {"name": "Twin", "kind": "VOUCHER", "pointsCost": 5})
            for _ in range(10)
        ),
    )
    # then one of each wins, every other answer is NAME_TAKEN (never an error of the server)
    for made in (results[:10], results[10:]):
        assert (
            sorted(tuple(e["code"] for e in r["errors"]) for r in made)
            == [()] + [("NAME_TAKEN",)] * 9
        )
    assert await Badge.filter(program_id=program.id, name="Twin").count() == 1
    assert await Reward.filter(program_id=program.id, name="Twin").count() == 1
