"""Staff member management and members' personal data rights."""

from __future__ import annotations

import asyncio
import json

from gamification.models import LedgerEntry, Member
from tests.builders import (
    PASSWORD,
    assert_ledger_consistent,
    give_points,
    new_program,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient, codes

BLOCK = """
mutation($input: BlockMemberInput!) {
  blockMember(input: $input) { member { id blockedAt blockedReason } errors { code field } }
}
"""
UNBLOCK = """
mutation($input: UnblockMemberInput!) {
  unblockMember(input: $input) { member { id blockedAt } errors { code } }
}
"""
ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) { pointsBalance errors { code } }
}
"""
REFRESH = """
mutation($input: RefreshSessionInput!) {
  refreshSession(input: $input) { accessToken errors { code } }
}
"""
LOG_IN = """
mutation($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }
"""
MEMBER = """
query($id: ID!) { member(id: $id) { id email displayName pointsBalance blockedAt
  ledger(first: 5) { edges { node { delta kind } } } } }
"""
MEMBERS = """
query($filter: MemberFilter, $first: Int, $after: String) {
  members(filter: $filter, first: $first, after: $after) {
    edges { node { id displayName } } pageInfo { hasNextPage endCursor }
  }
}
"""
EXPORT = "query { exportMyData }"
DELETE_ME = """
mutation($input: DeleteMyAccountInput!) {
  deleteMyAccount(input: $input) { deleted errors { code field } }
}
"""
ANONYMISE = """
mutation($input: AnonymiseMemberInput!) {
  anonymiseMember(input: $input) { member { id email displayName anonymisedAt } errors { code } }
}
"""
ME = "query { me { id } }"


async def test_a_blocked_member_loses_their_session_and_cannot_earn_or_spend(
    gql: GraphQLClient,
) -> None:
    # given a member with points and a manager
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    await give_points(member.id, 100)
    # when the manager blocks them
    payload = await manager.mutate(BLOCK, {"memberId": str(member.id), "reason": "fraud"})
    assert payload["member"]["blockedReason"] == "fraud"
    # then their access token, refresh token and password stop working
    assert await member.client.error_code(ME) == "UNAUTHENTICATED"
    assert codes(await gql.mutate(REFRESH, {"refreshToken": member.refresh_token})) == [
        "INVALID_REFRESH_TOKEN"
    ]
    # and the ledger refuses to credit or debit them for earning and spending
    from gamification import events, ledger
    from gamification.models import LedgerKind

    target = await Member.get(id=member.id)
    for move in (
        lambda: ledger.credit(target, 10, LedgerKind.EARN, expires_at=None),
        lambda: ledger.spend(target, 10, LedgerKind.REDEEM),
    ):
        try:
            async with events.atomic():
                await move()
        except Exception as error:
            assert getattr(error, "code", None) == "MEMBER_BLOCKED"
        else:
            raise AssertionError("a blocked member moved points")
    # but staff corrections still apply
    adjusted = await manager.mutate(
        ADJUST,
        {"memberId": str(member.id), "delta": -40, "reason": "fraud", "idempotencyKey": "f1"},
    )
    assert adjusted["pointsBalance"] == 60
    assert await assert_ledger_consistent(member.id) == 60


async def test_unblocking_lets_the_member_log_in_again(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    await manager.mutate(BLOCK, {"memberId": str(member.id), "reason": "check"})
    await manager.mutate(UNBLOCK, {"memberId": str(member.id)})
    login = await gql.mutate(
        LOG_IN, {"program": program.slug, "email": member.email, "password": PASSWORD}
    )
    assert login["errors"] == []
    assert (await gql.as_token(login["accessToken"]).query(ME))["me"]["id"] == str(member.id)


async def test_concurrent_blocks_block_once(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    manager = await staff_client(gql, program, "MANAGER")
    results = await asyncio.gather(
        *(manager.mutate(BLOCK, {"memberId": str(member.id), "reason": f"r{i}"}) for i in range(10))
    )
    assert len({r["member"]["blockedAt"] for r in results}) == 1
    from gamification.models import Event

    assert await Event.filter(member_id=member.id, type="MEMBER_BLOCKED").count() == 1


async def test_an_analyst_views_but_cannot_block(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program, display_name="Viewable")
    analyst = await staff_client(gql, program, "ANALYST")
    await give_points(member.id, 25)
    view = (await analyst.query(MEMBER, {"id": str(member.id)}))["member"]
    assert view["displayName"] == "Viewable" and view["pointsBalance"] == 25
    assert view["ledger"]["edges"][0]["node"] == {"delta": 25, "kind": "BONUS"}
    body = await analyst.raw(BLOCK, {"input": {"memberId": str(member.id), "reason": "x"}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_staff_cannot_see_or_block_another_programs_members(gql: GraphQLClient) -> None:
    program, other = await new_program(), await new_program()
    outsider = await sign_up(gql, other)
    manager = await staff_client(gql, program, "MANAGER")
    body = await manager.raw(MEMBER, {"id": str(outsider.id)})
    assert body["errors"][0]["extensions"]["code"] == "MEMBER_NOT_FOUND"
    payload = await manager.mutate(BLOCK, {"memberId": str(outsider.id), "reason": "x"})
    assert codes(payload) == ["MEMBER_NOT_FOUND"]
    assert await outsider.client.query(ME)


async def test_members_filter_by_text_and_blocked_and_paginate(gql: GraphQLClient) -> None:
    program = await new_program()
    analyst = await staff_client(gql, program, "ANALYST")
    manager = await staff_client(gql, program, "MANAGER")
    alices = [await sign_up(gql, program, display_name=f"Alice {i}") for i in range(3)]
    await sign_up(gql, program, display_name="Bob")
    await manager.mutate(BLOCK, {"memberId": str(alices[0].id), "reason": "x"})
    page = (await analyst.query(MEMBERS, {"filter": {"text": "alice"}, "first": 2}))["members"]
    assert [e["node"]["displayName"] for e in page["edges"]] == ["Alice 2", "Alice 1"]
    rest = (
        await analyst.query(
            MEMBERS,
            {"filter": {"text": "alice"}, "first": 2, "after": page["pageInfo"]["endCursor"]},
        )
    )["members"]
    assert [e["node"]["displayName"] for e in rest["edges"]] == ["Alice 0"]
    blocked = (await analyst.query(MEMBERS, {"filter": {"blocked": True}}))["members"]
    assert [e["node"]["id"] for e in blocked["edges"]] == [str(alices[0].id)]


async def test_export_holds_all_of_my_data_and_nothing_of_anothers(gql: GraphQLClient) -> None:
    program = await new_program()
    me = await sign_up(gql, program, display_name="Exporter")
    other = await sign_up(gql, program, display_name="Someone Else")
    await give_points(me.id, 30)
    await give_points(other.id, 999)
    data = (await me.client.query(EXPORT))["exportMyData"]
    assert data["profile"]["email"] == me.email
    assert data["profile"]["points_balance"] == 30
    assert [e["delta"] for e in data["ledger"]] == [30]
    assert {e["type"] for e in data["events"]} == {"POINTS_EARNED"}
    assert len(data["sessions"]) == 1
    text = json.dumps(data)
    assert other.email not in text and "Someone Else" not in text and "999" not in text


async def test_deleting_my_account_erases_personal_data_and_keeps_totals(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program, display_name="Leaving Soon")
    await give_points(member.id, 70)
    wrong = await member.client.mutate(DELETE_ME, {"password": "not my password"})
    assert codes(wrong) == ["INVALID_CREDENTIALS"]
    done = await member.client.mutate(DELETE_ME, {"password": PASSWORD})
    assert done == {"deleted": True, "errors": []}
    # no personal field left, accounting rows kept
    erased = await Member.get(id=member.id)
    assert member.email not in erased.email and erased.display_name == "Deleted member"
    assert erased.referral_code != member.referral_code
    assert await LedgerEntry.filter(member_id=member.id).count() == 1
    assert await assert_ledger_consistent(member.id) == 70
    # the session and the credentials are gone
    assert await member.client.error_code(ME) == "UNAUTHENTICATED"
    login = await gql.mutate(
        LOG_IN, {"program": program.slug, "email": member.email, "password": PASSWORD}
    )
    assert codes(login) == ["INVALID_CREDENTIALS"]
    # and the email is free for a new account
    again = await sign_up(gql, program, email=member.email)
    assert again.id != member.id


async def test_an_admin_anonymises_a_member_once(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    admin = await staff_client(gql, program, "ADMIN")
    manager = await staff_client(gql, program, "MANAGER")
    body = await manager.raw(ANONYMISE, {"input": {"memberId": str(member.id)}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    results = await asyncio.gather(
        *(admin.mutate(ANONYMISE, {"memberId": str(member.id)}) for _ in range(5))
    )
    assert len({r["member"]["anonymisedAt"] for r in results}) == 1
    assert results[0]["member"]["displayName"] == "Deleted member"
    from gamification.models import Event

    assert await Event.filter(member_id=member.id, type="MEMBER_ANONYMISED").count() == 1
