"""Actions beyond purchases: integrations report them by code, members report self-service ones
with the code shown in the shop; limits hold under concurrency, external ids and keys replay,
badges count one action type, and no program reaches another's."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from core.clock import clock
from gamification.actions.models import MemberAction
from tests.builders import (
    assert_ledger_consistent,
    integration_client,
    new_program,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes

CREATE = """
mutation($input: CreateActionTypeInput!) {
  createActionType(input: $input) { actionType { id code checkInCode } errors { code field } }
}
"""
RECORD = """
mutation($input: RecordActionInput!) {
  recordAction(input: $input) {
    action { id points actionType { code } } member { pointsBalance } errors { code field }
  }
}
"""
PERFORM = """
mutation($input: PerformActionInput!) {
  performAction(input: $input) { action { id points } member { pointsBalance } errors { code } }
}
"""
TYPES = "query { actionTypes { id code selfService needsCheckInCode checkInCode } }"
CREATE_BADGE = """
mutation($input: CreateBadgeInput!) { createBadge(input: $input) { badge { id } errors { code } } }
"""
ME_BADGES = "query { me { badges { badge { name } level } } }"


async def action_type(manager: GraphQLClient, **values: Any) -> str:
    made = await manager.mutate(CREATE, {"points": 10, **values})
    assert made["errors"] == [], made["errors"]
    return str(made["actionType"]["id"])


def report(member_id: int, code: str, external_id: str, at: datetime | None = None) -> dict:
    return {
        "member": {"id": str(member_id)},
        "actionType": code,
        "externalId": external_id,
        "occurredAt": (at or clock.now()).isoformat(),
        "data": {"stars": 5},
    }


async def test_an_integration_reports_an_action_once_per_external_id(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    await action_type(manager, code="review", name="Review", points=20)
    ann, bob = await sign_up(gql, program), await sign_up(gql, program)
    first = await till.mutate(RECORD, report(ann.id, "review", "rev-1"))
    assert first["errors"] == [] and first["member"]["pointsBalance"] == 20
    again = await till.mutate(RECORD, report(ann.id, "review", "rev-1"))
    assert again["action"]["id"] == first["action"]["id"]
    assert again["member"]["pointsBalance"] == 20
    assert codes(await till.mutate(RECORD, report(bob.id, "review", "rev-1"))) == [
        "IDEMPOTENCY_KEY_REUSED"
    ]
    assert codes(await till.mutate(RECORD, report(ann.id, "nope", "rev-2"))) == [
        "ACTION_TYPE_NOT_FOUND"
    ]
    # another program's key does not reach this program's members or action types
    stranger = await integration_client(gql, await new_program())
    assert codes(await stranger.mutate(RECORD, report(ann.id, "review", "rev-3"))) == [
        "MEMBER_NOT_FOUND"
    ]
    await assert_ledger_consistent(ann.id)


async def test_100_concurrent_check_ins_with_a_daily_limit_of_one_count_once(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    type_id = await action_type(
        manager,
        code="check-in",
        name="Check-in",
        points=5,
        perDay=1,
        selfService=True,
        checkInCode="SHOP-42",
    )
    ann = await sign_up(gql, program)
    results = await asyncio.gather(
        *(
            ann.client.mutate(
                PERFORM,
                {"actionTypeId": type_id, "checkInCode": "SHOP-42", "idempotencyKey": f"c{i}"},
            )
            for i in range(100)
        )
    )
    outcomes = Counter(codes(r)[0] if codes(r) else "OK" for r in results)
    assert outcomes == {"OK": 1, "ACTION_LIMIT_REACHED": 99}
    assert await MemberAction.filter(member_id=ann.id).count() == 1
    assert await assert_ledger_consistent(ann.id) == 5


async def test_members_report_only_self_service_actions_with_the_right_code(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    shop = await action_type(
        manager, code="visit", name="Visit", selfService=True, checkInCode="SHOP-42"
    )
    review = await action_type(manager, code="review", name="Review")
    ann = await sign_up(gql, program)
    seen = (await ann.client.query(TYPES))["actionTypes"]
    assert seen == [
        {
            "id": shop,
            "code": "visit",
            "selfService": True,
            "needsCheckInCode": True,
            "checkInCode": None,
        }
    ]
    wrong = {"actionTypeId": shop, "checkInCode": "SHOP-41", "idempotencyKey": "a"}
    assert codes(await ann.client.mutate(PERFORM, wrong)) == ["INVALID_CHECK_IN_CODE"]
    not_mine = {"actionTypeId": review, "idempotencyKey": "b"}
    assert codes(await ann.client.mutate(PERFORM, not_mine)) == ["ACTION_TYPE_NOT_FOUND"]
    staff_view = (await manager.query(TYPES))["actionTypes"]
    assert {t["code"]: t["checkInCode"] for t in staff_view} == {"visit": "SHOP-42", "review": None}


async def test_week_lifetime_cooldown_and_window_limits(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    await action_type(manager, code="share", name="Share", perWeek=2, cooldownMinutes=60)
    await action_type(manager, code="survey", name="Survey", lifetime=1)
    await action_type(
        manager,
        code="launch",
        name="Launch week",
        startsAt=monday.isoformat(),
        endsAt=(monday + timedelta(days=7)).isoformat(),
    )
    ann = await sign_up(gql, program)

    async def share(at: datetime, key: str) -> list[str]:
        return codes(await till.mutate(RECORD, report(ann.id, "share", key, at)))

    assert await share(monday, "s1") == []
    assert await share(monday + timedelta(minutes=30), "s2") == ["ACTION_COOLDOWN"]
    assert await share(monday + timedelta(hours=2), "s3") == []
    assert await share(monday + timedelta(days=2), "s4") == ["ACTION_LIMIT_REACHED"]
    assert await share(monday + timedelta(days=7), "s5") == []  # a new ISO week
    assert codes(await till.mutate(RECORD, report(ann.id, "survey", "v1", monday))) == []
    assert codes(await till.mutate(RECORD, report(ann.id, "survey", "v2"))) == [
        "ACTION_LIMIT_REACHED"
    ]
    assert codes(await till.mutate(RECORD, report(ann.id, "launch", "l1", monday))) == []
    late = report(ann.id, "launch", "l2", monday + timedelta(days=8))
    assert codes(await till.mutate(RECORD, late)) == ["ACTION_NOT_AVAILABLE"]
    future = report(ann.id, "share", "f1", clock.now() + timedelta(days=1))
    assert codes(await till.mutate(RECORD, future)) == ["INVALID_INPUT"]
    await assert_ledger_consistent(ann.id)


async def test_a_badge_counts_one_action_type(gql: GraphQLClient) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    await action_type(manager, code="review", name="Review")
    await action_type(manager, code="share", name="Share")
    badge = await manager.mutate(
        CREATE_BADGE,
        {
            "name": "Critic",
            "criteria": "EVENT_COUNT",
            "eventType": "ACTION_RECORDED",
            "action": "review",
            "thresholds": ["2"],
        },
    )
    assert badge["errors"] == []
    wrong = await manager.mutate(
        CREATE_BADGE,
        {"name": "Nope", "criteria": "SPEND", "action": "review", "thresholds": ["2"]},
    )
    assert codes(wrong) == ["INVALID_CRITERIA"]
    ann = await sign_up(gql, program)
    await till.mutate(RECORD, report(ann.id, "share", "s1"))
    await till.mutate(RECORD, report(ann.id, "review", "r1"))
    assert (await ann.client.query(ME_BADGES))["me"]["badges"] == []
    await till.mutate(RECORD, report(ann.id, "share", "s2"))
    await till.mutate(RECORD, report(ann.id, "review", "r2"))
    assert (await ann.client.query(ME_BADGES))["me"]["badges"] == [
        {"badge": {"name": "Critic"}, "level": 1}
    ]


async def test_a_challenge_counts_one_action_type(gql: GraphQLClient) -> None:
    from datetime import timedelta as days

    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    await action_type(manager, code="review", name="Review")
    await action_type(manager, code="share", name="Share")
    now = clock.now()
    made = await manager.mutate(
        """mutation($input: CreateChallengeInput!) {
          createChallenge(input: $input) { challenge { id action } errors { code field } } }""",
        {
            "name": "Three reviews",
            "metric": "ACTIONS",
            "action": "Review",
            "kind": "INDIVIDUAL",
            "enrolment": "AUTOMATIC",
            "target": "3",
            "rewardPoints": 100,
            "startsAt": (now - days(days=1)).isoformat(),
            "endsAt": (now + days(days=30)).isoformat(),
        },
    )
    assert made["errors"] == [] and made["challenge"]["action"] == "review"
    missing = await manager.mutate(
        """mutation($input: CreateChallengeInput!) {
          createChallenge(input: $input) { errors { code field } } }""",
        {
            "name": "No action",
            "metric": "ACTIONS",
            "kind": "INDIVIDUAL",
            "target": "3",
            "startsAt": (now - days(days=1)).isoformat(),
            "endsAt": (now + days(days=30)).isoformat(),
        },
    )
    assert missing["errors"] == [{"code": "INVALID_CRITERIA", "field": "action"}]
    ann = await sign_up(gql, program)
    for i in range(3):
        await till.mutate(RECORD, report(ann.id, "share", f"s{i}"))
    for i in range(3):
        await till.mutate(RECORD, report(ann.id, "review", f"r{i}"))
    progress = await ann.client.query(
        "query { challenges { name myProgress { value completed } } }"
    )
    assert progress["challenges"] == [
        {"name": "Three reviews", "myProgress": {"value": "3", "completed": True}}
    ]
    # 6 actions of 10 points, and the challenge's 100
    assert await assert_ledger_consistent(ann.id) == 160
