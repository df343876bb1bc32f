"""Who may call what, for every query and mutation of the schema and every kind of caller: each
operation's smallest valid call (tests/authorization.py) is sent as each caller, and is refused
(UNAUTHENTICATED or FORBIDDEN) exactly when the table below says so. An operation added to the
schema without a line here fails the test, so every new operation's access is decided.
Subscriptions have their table too (SUBSCRIPTIONS), checked over WebSocket with a real client:
anonymous callers and integrations are refused at connection_init (4403), the others by the
subscription's permission (an error message with the code)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette

from api.schema import schema
from tests.authorization import root_fields, subscription_fields
from tests.builders import integration_client, new_program, sign_up, staff_client
from tests.graphql import GraphQLClient
from tests.live import QUIET_FOR, Ended, close_code, connected
from tests.serving import served

CALLERS = ("anonymous", "member", "ANALYST", "MANAGER", "ADMIN", "integration")
STAFF = {"ANALYST", "MANAGER", "ADMIN"}
PUBLIC = set(CALLERS)
AUTHENTICATED = PUBLIC - {"anonymous"}
MEMBER = {"member"}
INTEGRATION = {"integration"}
ANALYST = STAFF
MANAGER = {"MANAGER", "ADMIN"}
ADMIN = {"ADMIN"}

ACCESS: dict[str, set[str]] = {
    # accounts
    "signUp": PUBLIC,
    "logIn": PUBLIC,
    "staffLogIn": PUBLIC,
    "refreshSession": PUBLIC,
    "logOut": PUBLIC,
    "changeStaffPassword": ANALYST,
    "program": AUTHENTICATED,
    "me": MEMBER,
    "staffMe": ANALYST,
    "exportMyData": MEMBER,
    "deleteMyAccount": MEMBER,
    "programSettings": ANALYST,
    "updateProgramSettings": ADMIN,
    "staffUsers": ADMIN,
    "createStaff": ADMIN,
    "updateStaff": ADMIN,
    "archiveStaff": ADMIN,
    "createApiKey": ADMIN,
    "revokeApiKey": ADMIN,
    "auditTrail": ADMIN,
    "apiKeys": ADMIN,
    # members
    "member": ANALYST,
    "members": ANALYST,
    "adjustPoints": MANAGER,
    "blockMember": MANAGER,
    "unblockMember": MANAGER,
    "anonymiseMember": ADMIN,
    "memberData": ADMIN,
    # points, tiers, plans, rules
    "tiers": AUTHENTICATED,
    "createTier": MANAGER,
    "updateTier": MANAGER,
    "archiveTier": MANAGER,
    "membershipPlans": AUTHENTICATED,
    "createMembershipPlan": MANAGER,
    "updateMembershipPlan": MANAGER,
    "archiveMembershipPlan": MANAGER,
    "activateMembership": INTEGRATION,
    "earningRules": ANALYST,
    "createEarningRule": MANAGER,
    "updateEarningRule": MANAGER,
    "archiveEarningRule": MANAGER,
    "recordPurchase": INTEGRATION,
    "actionTypes": AUTHENTICATED,
    "createActionType": MANAGER,
    "updateActionType": MANAGER,
    "archiveActionType": MANAGER,
    "recordAction": INTEGRATION,
    "performAction": MEMBER,
    "updateMyProfile": MEMBER,
    "refundPurchase": INTEGRATION,
    "previewPurchase": MEMBER | INTEGRATION,
    "previewEarningRule": MANAGER,
    # referrals
    "applyReferralCode": MEMBER,
    # rewards
    "rewards": MEMBER,
    "catalogRewards": ANALYST,
    "catalogReward": ANALYST,
    "donationTotal": AUTHENTICATED,
    "createReward": MANAGER,
    "updateReward": MANAGER,
    "archiveReward": MANAGER,
    "restockReward": MANAGER,
    "redeemReward": MEMBER,
    "checkRedemption": INTEGRATION,
    "useRedemption": INTEGRATION,
    "cancelRedemption": MANAGER,
    # games
    "instantWinGames": AUTHENTICATED,
    "instantWinGame": ANALYST,
    "instantWinMoments": ANALYST,
    "instantWinPlays": ANALYST,
    "createInstantWinGame": MANAGER,
    "updateInstantWinGame": MANAGER,
    "archiveInstantWinGame": MANAGER,
    "playInstantWin": MEMBER,
    "contests": AUTHENTICATED,
    "contest": AUTHENTICATED,
    "createContest": MANAGER,
    "updateContest": MANAGER,
    "archiveContest": MANAGER,
    "drawContest": MANAGER,
    "enterContest": MEMBER,
    "auctions": AUTHENTICATED,
    "auction": AUTHENTICATED,
    "placeBid": MEMBER,
    "createAuction": MANAGER,
    "updateAuction": MANAGER,
    "archiveAuction": MANAGER,
    # leaderboards, reports, segments
    "leaderboard": AUTHENTICATED,
    "programReport": ANALYST,
    "segments": ANALYST,
    "ambassadors": ANALYST,
    "campaignComparison": ANALYST,
    "computeSegments": MANAGER,
    "simulateCampaign": ANALYST,
    "cancelSimulation": ANALYST,
    "simulation": ANALYST,
    "simulations": ANALYST,
    # badges and challenges
    "badges": AUTHENTICATED,
    "createBadge": MANAGER,
    "updateBadge": MANAGER,
    "archiveBadge": MANAGER,
    "challenges": AUTHENTICATED,
    "joinChallenge": MEMBER,
    "createChallenge": MANAGER,
    "updateChallenge": MANAGER,
    "archiveChallenge": MANAGER,
    # webhooks
    "webhooks": ADMIN,
    "createWebhook": ADMIN,
    "archiveWebhook": ADMIN,
    "replayWebhookDelivery": ADMIN,
}

# Over WebSocket (api/subscriptions/).
SUBSCRIPTIONS: dict[str, set[str]] = {
    "myActivity": MEMBER,
    "myBalance": MEMBER,
    "leaderboardChanged": MEMBER,
    "challengeProgress": MEMBER,
    "contestDrawn": MEMBER,
    "programActivity": ANALYST,
}

REFUSALS = {"UNAUTHENTICATED", "FORBIDDEN"}


@pytest.fixture(scope="module")
async def callers(gql: GraphQLClient) -> dict[str, GraphQLClient]:
    program = await new_program()
    return {
        "anonymous": gql,
        "member": (await sign_up(gql, program)).client,
        "ANALYST": await staff_client(gql, program, "ANALYST"),
        "MANAGER": await staff_client(gql, program, "MANAGER"),
        "ADMIN": await staff_client(gql, program, "ADMIN"),
        "integration": await integration_client(gql, program),
    }


def test_every_operation_of_the_schema_has_its_access_decided() -> None:
    operations = set(root_fields(schema._schema))
    assert operations - set(ACCESS) == set(), "decide who may call these"
    assert set(ACCESS) - operations == set(), "these are no longer in the schema"


def root_codes(body: dict[str, Any], name: str) -> set[str]:
    return {
        error.get("extensions", {}).get("code")
        for error in body.get("errors") or []
        if error.get("path") in (None, [name])
    }


async def test_each_caller_is_refused_exactly_where_the_table_says(
    callers: dict[str, GraphQLClient],
) -> None:
    wrong: list[str] = []
    for name, document in root_fields(schema._schema).items():
        for caller in CALLERS:
            codes = root_codes(await callers[caller].raw(document), name)
            # The generated call is valid, and nothing answers as a crash.
            assert not codes & {"GRAPHQL_VALIDATION_FAILED", "INTERNAL_SERVER_ERROR"}, (
                name,
                caller,
                codes,
            )
            refused = bool(codes & REFUSALS)
            if refused == (caller in ACCESS.get(name, set())):
                wrong.append(f"{name} as {caller}: {'refused' if refused else 'allowed'}")
    assert wrong == []


def test_every_subscription_of_the_schema_has_its_access_decided() -> None:
    assert set(subscription_fields(schema._schema)) == set(SUBSCRIPTIONS)


@pytest.fixture(scope="module")
async def base_url(app: Starlette) -> AsyncIterator[str]:
    async with served(app) as url:
        yield url


async def test_each_caller_is_refused_a_subscription_exactly_where_the_table_says(
    callers: dict[str, GraphQLClient], base_url: str
) -> None:
    wrong: list[str] = []
    for caller in CALLERS:
        token = callers[caller].token
        if token is None:  # anonymous, or an integration's key: no token to connect with
            refused = await close_code(base_url, token)
            assert refused is not None and refused[0] == 4403, (caller, refused)
            wrong.extend(
                f"{name} as {caller}: refused"
                for name, who in SUBSCRIPTIONS.items()
                if caller in who
            )
            continue
        async with connected(base_url, token) as live:
            for name, document in subscription_fields(schema._schema).items():
                stream = live.subscribe(document)
                # Refused at once, or allowed: a first value, an error of another kind (the
                # absent id of the smallest call), or nothing yet (an event stream).
                try:
                    await stream.next(within=QUIET_FOR)
                    refused = False
                except Ended as ended:
                    assert ended.code not in {"GRAPHQL_VALIDATION_FAILED", None}, (name, ended)
                    refused = ended.code in REFUSALS
                except TimeoutError:
                    refused = False
                await stream.stop()
                if refused == (caller in SUBSCRIPTIONS[name]):
                    wrong.append(f"{name} as {caller}: {'refused' if refused else 'allowed'}")
    assert wrong == []
