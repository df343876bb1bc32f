"""The audit trail of staff actions: every staff mutation is recorded with who, when and the values
before and after, in the transaction of the change; admins read it; it survives a member's
erasure and never holds a secret or a member's personal data."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from api.schema import schema
from gamification.audit import AuditAction
from gamification.audit.models import AuditEntry
from tests.authorization import operations
from tests.builders import PASSWORD, give_points, new_program, sign_up, staff_client
from tests.graphql import GraphQLClient, codes
from tests.rewards_docs import ARCHIVE_REWARD, CREATE_REWARD, RESTOCK_REWARD, UPDATE_REWARD
from tests.test_authorization_matrix import ACCESS, STAFF

# Every mutation only staff may call, with the action it records. A new staff mutation fails
# test_every_staff_mutation_is_audited until it is added here (and audited).
AUDITED: dict[str, AuditAction] = {
    "updateProgramSettings": AuditAction.PROGRAM_SETTINGS_UPDATED,
    "createStaff": AuditAction.STAFF_CREATED,
    "updateStaff": AuditAction.STAFF_UPDATED,
    "archiveStaff": AuditAction.STAFF_ARCHIVED,
    "changeStaffPassword": AuditAction.STAFF_PASSWORD_CHANGED,
    "createApiKey": AuditAction.API_KEY_CREATED,
    "revokeApiKey": AuditAction.API_KEY_REVOKED,
    "adjustPoints": AuditAction.MEMBER_POINTS_ADJUSTED,
    "blockMember": AuditAction.MEMBER_BLOCKED,
    "unblockMember": AuditAction.MEMBER_UNBLOCKED,
    "anonymiseMember": AuditAction.MEMBER_ERASED,
    "createTier": AuditAction.TIER_CREATED,
    "updateTier": AuditAction.TIER_UPDATED,
    "archiveTier": AuditAction.TIER_ARCHIVED,
    "createMembershipPlan": AuditAction.MEMBERSHIP_PLAN_CREATED,
    "updateMembershipPlan": AuditAction.MEMBERSHIP_PLAN_UPDATED,
    "archiveMembershipPlan": AuditAction.MEMBERSHIP_PLAN_ARCHIVED,
    "createEarningRule": AuditAction.EARNING_RULE_CREATED,
    "updateEarningRule": AuditAction.EARNING_RULE_UPDATED,
    "archiveEarningRule": AuditAction.EARNING_RULE_ARCHIVED,
    "createActionType": AuditAction.ACTION_TYPE_CREATED,
    "updateActionType": AuditAction.ACTION_TYPE_UPDATED,
    "archiveActionType": AuditAction.ACTION_TYPE_ARCHIVED,
    "createReward": AuditAction.REWARD_CREATED,
    "updateReward": AuditAction.REWARD_UPDATED,
    "restockReward": AuditAction.REWARD_RESTOCKED,
    "archiveReward": AuditAction.REWARD_ARCHIVED,
    "cancelRedemption": AuditAction.REDEMPTION_CANCELLED,
    "createInstantWinGame": AuditAction.INSTANT_WIN_GAME_CREATED,
    "updateInstantWinGame": AuditAction.INSTANT_WIN_GAME_UPDATED,
    "archiveInstantWinGame": AuditAction.INSTANT_WIN_GAME_ARCHIVED,
    "createContest": AuditAction.CONTEST_CREATED,
    "updateContest": AuditAction.CONTEST_UPDATED,
    "archiveContest": AuditAction.CONTEST_ARCHIVED,
    "drawContest": AuditAction.CONTEST_DRAW_REQUESTED,
    "createAuction": AuditAction.AUCTION_CREATED,
    "updateAuction": AuditAction.AUCTION_UPDATED,
    "archiveAuction": AuditAction.AUCTION_ARCHIVED,
    "computeSegments": AuditAction.SEGMENTS_COMPUTE_REQUESTED,
    "simulateCampaign": AuditAction.SIMULATION_REQUESTED,
    "cancelSimulation": AuditAction.SIMULATION_CANCELLED,
    "createBadge": AuditAction.BADGE_CREATED,
    "updateBadge": AuditAction.BADGE_UPDATED,
    "archiveBadge": AuditAction.BADGE_ARCHIVED,
    "createChallenge": AuditAction.CHALLENGE_CREATED,
    "updateChallenge": AuditAction.CHALLENGE_UPDATED,
    "archiveChallenge": AuditAction.CHALLENGE_ARCHIVED,
    "createWebhook": AuditAction.WEBHOOK_CREATED,
    "archiveWebhook": AuditAction.WEBHOOK_ARCHIVED,
    "replayWebhookDelivery": AuditAction.WEBHOOK_DELIVERY_REPLAYED,
}

TRAIL = """
query Trail($filter: AuditFilter, $first: Int, $after: String) {
  auditTrail(filter: $filter, first: $first, after: $after) {
    edges { node {
      id at action targetType targetId before after requestId
      actor { kind label staff { id email role } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
STAFF_ME = "query { staffMe { id email } }"
ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { pointsBalance errors { code } }
}
"""
BLOCK = """
mutation($input: BlockMemberInput!) { blockMember(input: $input) { member { id } errors { code } } }
"""
UNBLOCK = """
mutation($input: UnblockMemberInput!) {
  unblockMember(input: $input) { member { id } errors { code } }
}
"""
ERASE = """
mutation($input: AnonymiseMemberInput!) {
  anonymiseMember(input: $input) { member { id } errors { code } }
}
"""
DELETE_MY_ACCOUNT = """
mutation($input: DeleteMyAccountInput!) {
  deleteMyAccount(input: $input) { deleted errors { code } }
}
"""
CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id } secret errors { code } }
}
"""
CREATE_API_KEY = """
mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key errors { code } } }
"""
CREATE_STAFF = """
mutation($input: CreateStaffInput!) { createStaff(input: $input) { staff { id } errors { code } } }
"""


async def trail(admin: GraphQLClient, **filter: Any) -> list[dict[str, Any]]:
    data = await admin.query(TRAIL, {"filter": filter or None, "first": 100})
    return [edge["node"] for edge in data["auditTrail"]["edges"]]


async def staff_id(client: GraphQLClient) -> str:
    return str((await client.query(STAFF_ME))["staffMe"]["id"])


async def test_every_staff_mutation_is_audited() -> None:
    staff_mutations = {
        name
        for operation, name, _ in operations(schema._schema)
        if operation == "mutation" and ACCESS[name] <= STAFF
    }
    assert staff_mutations == set(AUDITED)


async def test_reward_changes_are_recorded_with_who_and_the_values_before_and_after(
    gql: GraphQLClient,
) -> None:
    # given a program, its admin and a manager
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    manager = await staff_client(gql, program, "MANAGER")
    manager_id = await staff_id(manager)
    # when the manager creates, changes, restocks and archives a reward
    created = await manager.mutate(
        CREATE_REWARD, {"name": "Mug", "kind": "MERCHANDISE", "pointsCost": 100, "stock": 5}
    )
    reward_id = created["reward"]["id"]
    await manager.mutate(UPDATE_REWARD, {"rewardId": reward_id, "pointsCost": 150})
    await manager.mutate(RESTOCK_REWARD, {"rewardId": reward_id, "quantity": 3})
    await manager.mutate(ARCHIVE_REWARD, {"rewardId": reward_id})
    # then the admin reads four entries, newest first, each naming the manager
    entries = await trail(admin, targetType="reward", targetId=reward_id)
    assert [entry["action"] for entry in entries] == [
        "REWARD_ARCHIVED",
        "REWARD_RESTOCKED",
        "REWARD_UPDATED",
        "REWARD_CREATED",
    ]
    assert {entry["actor"]["kind"] for entry in entries} == {"STAFF"}
    assert {entry["actor"]["staff"]["id"] for entry in entries} == {manager_id}
    archived, restocked, updated, creation = entries
    # and each keeps only what changed (the whole reward on creation)
    assert creation["before"] is None
    assert creation["after"]["name"] == "Mug"
    assert creation["after"]["points_cost"] == 100
    assert updated["before"] == {"points_cost": 100}
    assert updated["after"] == {"points_cost": 150}
    assert restocked["before"] == {"stock": 5}
    assert restocked["after"] == {"stock": 8, "quantity": 3}
    assert archived["before"] == {"archived": False}
    assert archived["after"] == {"archived": True}
    # and each carries the request id of the request that made it
    assert all(entry["requestId"] for entry in entries)
    assert len({entry["requestId"] for entry in entries}) == 4


async def test_a_refused_change_leaves_no_entry(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    created = await admin.mutate(
        CREATE_REWARD, {"name": "Mug", "kind": "MERCHANDISE", "pointsCost": 100}
    )
    await admin.mutate(CREATE_REWARD, {"name": "Cup", "kind": "MERCHANDISE", "pointsCost": 100})
    before = await AuditEntry.filter(program_id=program.id).count()
    # when changes are refused: a name taken, a cost out of range, a restock of unlimited stock
    rid = created["reward"]["id"]
    assert codes(await admin.mutate(UPDATE_REWARD, {"rewardId": rid, "name": "Cup"})) == [
        "NAME_TAKEN"
    ]
    assert codes(await admin.mutate(UPDATE_REWARD, {"rewardId": rid, "pointsCost": -1})) == [
        "INVALID_INPUT"
    ]
    assert codes(await admin.mutate(RESTOCK_REWARD, {"rewardId": rid, "quantity": 2})) == [
        "INVALID_INPUT"
    ]
    # and an update that changes nothing
    await admin.mutate(UPDATE_REWARD, {"rewardId": rid, "pointsCost": 100})
    # then the trail holds nothing more
    assert await AuditEntry.filter(program_id=program.id).count() == before


async def test_concurrent_restocks_each_leave_an_entry_that_chains_to_the_final_stock(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    manager = await staff_client(gql, program, "MANAGER")
    created = await manager.mutate(
        CREATE_REWARD, {"name": "Tee", "kind": "MERCHANDISE", "pointsCost": 10, "stock": 0}
    )
    rid = created["reward"]["id"]
    # when 20 restocks of 1 to 20 units run at once
    results = await asyncio.gather(
        *(manager.mutate(RESTOCK_REWARD, {"rewardId": rid, "quantity": q}) for q in range(1, 21))
    )
    assert all(result["errors"] == [] for result in results)
    # then each entry's stock before and after differ by its quantity, and they chain from 0 to
    # the final stock: no entry saw a stock another restock was changing
    entries = await AuditEntry.filter(
        program_id=program.id, action=AuditAction.REWARD_RESTOCKED.value
    ).order_by("id")
    steps = sorted((entry.before["stock"], entry.after["stock"]) for entry in entries)  # type: ignore[index]  # written by restock_reward
    assert len(steps) == 20
    assert all(after - before in range(1, 21) for before, after in steps)
    assert [before for before, _ in steps] == [0] + [after for _, after in steps[:-1]]
    assert steps[-1][1] == sum(range(1, 21))


async def test_member_actions_are_recorded_and_outlive_the_members_erasure(
    gql: GraphQLClient,
) -> None:
    # given a member with points, and a manager and an admin
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    manager = await staff_client(gql, program, "MANAGER")
    member = await sign_up(gql, program, display_name="Zoé Unique-Name")
    await give_points(member.id, 100)
    # when the manager adjusts, blocks and unblocks, and the admin erases the member
    adjusted = await manager.mutate(
        ADJUST,
        {"memberId": str(member.id), "delta": -30, "reason": "Duplicate", "idempotencyKey": "a1"},
    )
    assert adjusted["errors"] == []
    # the same key again is a replay, not a second action
    await manager.mutate(
        ADJUST,
        {"memberId": str(member.id), "delta": -30, "reason": "Duplicate", "idempotencyKey": "a1"},
    )
    await manager.mutate(BLOCK, {"memberId": str(member.id), "reason": "Fraud check"})
    await manager.mutate(UNBLOCK, {"memberId": str(member.id)})
    assert (await admin.mutate(ERASE, {"memberId": str(member.id)}))["errors"] == []
    # then the member's trail is whole after the erasure
    entries = await trail(admin, targetType="member", targetId=str(member.id))
    assert [entry["action"] for entry in entries] == [
        "MEMBER_ERASED",
        "MEMBER_UNBLOCKED",
        "MEMBER_BLOCKED",
        "MEMBER_POINTS_ADJUSTED",
    ]
    erased, unblocked, blocked, adjustment = entries
    assert adjustment["before"] == {"points_balance": 100}
    assert adjustment["after"]["points_balance"] == 70
    assert adjustment["after"]["delta"] == -30
    assert adjustment["after"]["reason"] == "Duplicate"
    assert blocked["after"]["blocked_reason"] == "Fraud check"
    assert unblocked["after"] == {"blocked_at": None, "blocked_reason": ""}
    assert erased["after"]["points_balance"] == 70
    assert erased["actor"]["kind"] == "STAFF"
    # and nothing in the program's trail names the member
    text = json.dumps(await trail(admin))
    assert member.email not in text
    assert "Zoé" not in text and "Unique-Name" not in text


async def test_a_member_erasing_their_own_account_is_recorded_as_the_member(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    member = await sign_up(gql, program)
    deleted = await member.client.mutate(DELETE_MY_ACCOUNT, {"password": PASSWORD})
    assert deleted["deleted"] is True
    (entry,) = await trail(admin, action="MEMBER_ERASED")
    assert entry["targetId"] == str(member.id)
    assert entry["actor"] == {"kind": "MEMBER", "label": "the member", "staff": None}


async def test_no_secret_reaches_the_trail(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    secret = "whsec_not-for-the-trail-0123456789"
    hook = await admin.mutate(
        CREATE_WEBHOOK,
        {"url": "https://example.com/hook", "eventTypes": ["POINTS_EARNED"], "secret": secret},
    )
    assert hook["errors"] == []
    key = (await admin.mutate(CREATE_API_KEY, {"name": "Till 1"}))["key"]
    staff_password = "a long staff password 42"
    made = await admin.mutate(
        CREATE_STAFF, {"email": "new@brand.example", "password": staff_password, "role": "ANALYST"}
    )
    assert made["errors"] == []
    entries = await trail(admin)
    assert {entry["action"] for entry in entries} >= {
        "WEBHOOK_CREATED",
        "API_KEY_CREATED",
        "STAFF_CREATED",
    }
    text = json.dumps(entries)
    assert secret not in text
    assert key.split("_", 2)[2] not in text
    assert staff_password not in text
    assert "password_hash" not in text and "key_hash" not in text


async def test_the_trail_filters_by_staff_and_action_and_pages(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    first = await staff_client(gql, program, "MANAGER")
    second = await staff_client(gql, program, "MANAGER")
    first_rewards = [
        await first.mutate(
            CREATE_REWARD, {"name": f"A{i}", "kind": "MERCHANDISE", "pointsCost": 10}
        )
        for i in range(3)
    ]
    await second.mutate(CREATE_REWARD, {"name": "B", "kind": "MERCHANDISE", "pointsCost": 10})
    await first.mutate(ARCHIVE_REWARD, {"rewardId": first_rewards[0]["reward"]["id"]})
    mine = await trail(admin, staffId=await staff_id(first))
    assert len(mine) == 4
    created = await trail(admin, action="REWARD_CREATED")
    assert [entry["after"]["name"] for entry in created] == ["B", "A2", "A1", "A0"]
    page = (await admin.query(TRAIL, {"first": 2}))["auditTrail"]
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"]
    rest = (await admin.query(TRAIL, {"first": 100, "after": page["pageInfo"]["endCursor"]}))[
        "auditTrail"
    ]
    seen = [e["node"]["id"] for e in page["edges"]] + [e["node"]["id"] for e in rest["edges"]]
    assert seen == [entry["id"] for entry in await trail(admin)]
    # another program's admin sees none of it
    stranger = await staff_client(gql, await new_program(), "ADMIN")
    assert await trail(stranger, staffId=await staff_id(first)) == []
    # and a cursor not from this list is a clear refusal
    body = await admin.raw(TRAIL, {"after": "bogus"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_a_draw_is_recorded_as_asked_by_staff_then_done_by_the_worker(
    gql: GraphQLClient,
) -> None:
    from datetime import timedelta

    from core.clock import clock
    from gamification.audit import Actor
    from gamification.games import contests, prizes
    from gamification.games.models import PrizeKind

    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    manager = await staff_client(gql, program, "MANAGER")
    now = clock.now()
    contest = await contests.create_contest(
        Actor.system("test"),
        program.id,
        name="Spring draw",
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
        prizes_in=[prizes.PrizeInput(name="Points", kind=PrizeKind.POINTS, quantity=1, points=5)],
    )
    asked = await manager.query(
        "mutation($input: ContestIdInput!) { drawContest(input: $input) { errors { code } } }",
        {"input": {"contestId": str(contest.id)}},
    )
    assert asked["drawContest"]["errors"] == []
    await contests.draw(Actor.system("worker: contest draw"), contest.id)
    await contests.draw(Actor.system("worker: contest draw"), contest.id)  # again: no entry
    entries = await trail(admin, targetType="contest", targetId=str(contest.id))
    assert [(e["action"], e["actor"]["kind"]) for e in entries] == [
        ("CONTEST_DRAWN", "SYSTEM"),
        ("CONTEST_DRAW_REQUESTED", "STAFF"),
        ("CONTEST_CREATED", "SYSTEM"),
    ]
    assert entries[0]["actor"]["label"] == "worker: contest draw"
    assert entries[0]["after"]["winners"] == 0
    assert "seed" not in entries[2]["after"]
