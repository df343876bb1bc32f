"""Staff member management and members' personal data rights."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from core.errors import Refused
from gamification.accounts.models import Member
from gamification.events.models import Event
from gamification.points.models import EarningRuleKind, LedgerEntry, Purchase
from gamification.referrals.models import Referral, ReferralStatus
from gamification.rewards import redemptions
from gamification.rewards.models import Redemption, Reward
from tests.builders import (
    PASSWORD,
    RECORD_PURCHASE,
    SignedUpMember,
    add_rule,
    assert_ledger_consistent,
    give_points,
    integration_client,
    new_program,
    purchase_input,
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
REFUND = """
mutation($input: RefundPurchaseInput!) { refundPurchase(input: $input) { errors { code } } }
"""


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
    from gamification import events
    from gamification.points import ledger
    from gamification.points.models import LedgerKind

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
    from gamification.events.models import Event

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
    # A number that random text (tokens, hashes, timestamps) will not hold by chance: "999" did.
    await give_points(other.id, 987_654_321)
    data = (await me.client.query(EXPORT))["exportMyData"]
    assert data["profile"]["email"] == me.email
    assert data["profile"]["points_balance"] == 30
    assert [e["delta"] for e in data["ledger"]] == [30]
    assert {e["type"] for e in data["events"]} == {"POINTS_EARNED"}
    assert len(data["sessions"]) == 1
    text = json.dumps(data)
    assert other.email not in text
    assert "Someone Else" not in text
    assert "987654321" not in text


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
    from gamification.events.models import Event

    assert await Event.filter(member_id=member.id, type="MEMBER_ANONYMISED").count() == 1


CREATE_REWARD = """
mutation($input: CreateRewardInput!) {
  createReward(input: $input) { reward { id } errors { code } }
}
"""


async def test_an_anonymised_member_can_no_longer_earn_or_spend(gql: GraphQLClient) -> None:
    # given a member who earned 50 points at the till (1 point per euro), a reward in stock,
    # and an admin
    program = await new_program(points_validity_days=365)
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    till = await integration_client(gql, program)
    admin = await staff_client(gql, program, "ADMIN")
    member = await sign_up(gql, program)
    earned = await till.mutate(
        RECORD_PURCHASE, purchase_input(member.id, "before", [("SKU-1", "misc", 1, "50.00")])
    )
    assert earned["errors"] == [] and earned["member"]["pointsBalance"] == 50
    created = await admin.mutate(
        CREATE_REWARD, {"name": "Mug", "kind": "MERCHANDISE", "pointsCost": 10, "stock": 3}
    )
    reward_id = int(created["reward"]["id"])
    entries = await LedgerEntry.filter(member_id=member.id).count()
    # when an admin anonymises them
    done = await admin.mutate(ANONYMISE, {"memberId": str(member.id)})
    assert done["errors"] == []

    # then a purchase reported for them by id is refused with its code, and nothing is recorded
    body = purchase_input(member.id, "after", [("SKU-1", "misc", 1, "99.00")])
    refused = await till.mutate(RECORD_PURCHASE, body)
    assert codes(refused) == ["MEMBER_ANONYMISED"]
    assert refused["purchase"] is None
    assert await Purchase.filter(member_id=member.id).count() == 1
    # and a redemption still in flight for them (their session is gone) spends nothing
    with pytest.raises(Refused) as spend:
        await redemptions.redeem(member.id, reward_id, "in-flight")
    assert spend.value.code == "MEMBER_ANONYMISED"
    assert not await Redemption.filter(member_id=member.id).exists()
    assert (await Reward.get(id=reward_id)).stock == 3
    assert await LedgerEntry.filter(member_id=member.id).count() == entries
    assert await assert_ledger_consistent(member.id) == 50
    assert await Event.filter(member_id=member.id, type="PURCHASE_RECORDED").count() == 1
    assert not await Event.filter(
        member_id=member.id, type__in=["REWARD_REDEEMED", "POINTS_SPENT"]
    ).exists()

    # but a staff correction still applies to them
    adjusted = await admin.mutate(
        ADJUST,
        {"memberId": str(member.id), "delta": -20, "reason": "erasure", "idempotencyKey": "e1"},
    )
    assert adjusted == {"pointsBalance": 30, "errors": []}
    assert await assert_ledger_consistent(member.id) == 30


async def _referral_with_an_anonymised_referrer(
    gql: GraphQLClient,
) -> tuple[SignedUpMember, SignedUpMember, GraphQLClient]:
    # A referrer with 30 points of their own and a friend they referred, in a program paying
    # 10 points to the referrer and 5 to the friend on a first purchase of 5 euros or more; an
    # admin anonymises the referrer, then the friend buys for 20 euros. Returns the referrer, the
    # friend and the till.
    program = await new_program(
        points_validity_days=365, referral_points=10, referee_bonus=5, referral_min_purchase="5"
    )
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    till = await integration_client(gql, program)
    admin = await staff_client(gql, program, "ADMIN")
    referrer = await sign_up(gql, program)
    friend = await sign_up(gql, program, referral_code=referrer.referral_code)
    await give_points(referrer.id, 30)
    assert (await admin.mutate(ANONYMISE, {"memberId": str(referrer.id)}))["errors"] == []
    bought = await till.mutate(
        RECORD_PURCHASE, purchase_input(friend.id, "first", [("SKU-1", "misc", 1, "20.00")])
    )
    assert bought["errors"] == []
    return referrer, friend, till


async def test_an_anonymised_referrer_is_not_paid_when_their_friend_qualifies(
    gql: GraphQLClient,
) -> None:
    # given a referrer anonymised before their friend's first purchase
    # when the friend buys
    referrer, friend, _ = await _referral_with_an_anonymised_referrer(gql)
    # then the referral qualifies and the friend gets their earning and welcome bonus
    referral = await Referral.get(referee_id=friend.id)
    assert referral.status == ReferralStatus.QUALIFIED
    assert await assert_ledger_consistent(friend.id) == 25
    # and the erased referrer gets nothing (and no failing handler left the event unsettled)
    assert await assert_ledger_consistent(referrer.id) == 30
    assert not await LedgerEntry.filter(
        member_id=referrer.id, reference=f"referral:{referral.id}"
    ).exists()
    assert not await Event.filter(member_id=friend.id, settled_at__isnull=True).exists()


async def test_reversing_a_referral_takes_nothing_from_an_anonymised_referrer_never_paid(
    gql: GraphQLClient,
) -> None:
    # given a referral qualified after its referrer was anonymised (so not paid to them)
    referrer, friend, till = await _referral_with_an_anonymised_referrer(gql)
    # when the friend's purchase is refunded, which reverses the referral
    refund = await till.mutate(REFUND, {"externalId": "first", "refundId": "r1", "amount": "20.00"})
    assert refund["errors"] == []
    assert (await Referral.get(referee_id=friend.id)).status == ReferralStatus.REVERSED
    # then the friend's points go back, and the referrer keeps their own 30 points
    assert await assert_ledger_consistent(friend.id) == 0
    assert await assert_ledger_consistent(referrer.id) == 30
