"""No caller of one program reaches an object of another: every operation that takes an id is
called by every caller of program A allowed to call it, with the ids of program B's objects (the
demo, which holds one of everything), and finds nothing there; B is left exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest
from tortoise.models import Model

from api.demo import seed_demo
from api.demo.accounts import DEMO_MEMBER_EMAIL, DEMO_SLUG
from api.schema import schema
from badges.models import Badge
from challenges.models import Challenge
from gamification.accounts.models import ApiKey, Member, StaffUser
from gamification.actions.models import ActionType
from gamification.audit.models import AuditEntry
from gamification.games.models import Auction, AuctionBid, Contest, InstantWinGame
from gamification.points.models import EarningRule, LedgerEntry, MembershipPlan, Tier
from gamification.programs.models import Program
from gamification.rewards import redemptions
from gamification.rewards.models import Redemption, Reward
from gamification.simulations.models import Simulation
from gamification.webhooks.models import Webhook, WebhookDelivery
from tests.authorization import call, id_names, operations
from tests.graphql import GraphQLClient
from tests.test_authorization_matrix import ACCESS, callers  # noqa: F401  # the fixture

# An ID argument or input field by name: the model whose id it takes.
OWNED: dict[str, type[Model]] = {
    "memberId": Member,
    "badgeId": Badge,
    "requiredBadgeId": Badge,
    "rewardBadgeId": Badge,
    "challengeId": Challenge,
    "contestId": Contest,
    "auctionId": Auction,
    "actionTypeId": ActionType,
    "gameId": InstantWinGame,
    "planId": MembershipPlan,
    "rewardId": Reward,
    "redemptionId": Redemption,
    "ruleId": EarningRule,
    "earningRuleId": EarningRule,
    "removedRuleIds": EarningRule,
    "simulationId": Simulation,
    "tierId": Tier,
    "memberTierId": Tier,
    "targetTierIds": Tier,
    "minimumTierId": Tier,
    "webhookId": Webhook,
    "apiKeyId": ApiKey,
    "staffId": StaffUser,
    # The audit trail's filter takes any audited object's id: a member's is one.
    "targetId": Member,
}
# Queries whose argument is plainly `id`: what they read. Elsewhere `id` is a member reference's.
BY_ID = {
    "member": Member,
    "contest": Contest,
    "instantWinGame": InstantWinGame,
    "auction": Auction,
    "catalogReward": Reward,
    "memberData": Member,
    "simulation": Simulation,
}
SNAPSHOT: tuple[type[Model], ...] = (
    Member,
    Badge,
    Challenge,
    Contest,
    InstantWinGame,
    MembershipPlan,
    Reward,
    Redemption,
    EarningRule,
    Tier,
    Webhook,
    ApiKey,
    StaffUser,
    AuditEntry,
    Auction,
    AuctionBid,
    ActionType,
)


async def ids_of(program: Program) -> dict[str, str]:
    ids: dict[str, str] = {}
    for name, model in OWNED.items():
        row = await model.filter(program_id=program.id).order_by("id").first()
        assert row is not None, f"the demo has no {model.__name__}"
        ids[name] = str(row.pk)
    delivery = await WebhookDelivery.filter(webhook__program_id=program.id).first()
    assert delivery is not None, "the demo has no webhook delivery"
    ids["deliveryId"] = str(delivery.pk)
    return ids


async def snapshot(program: Program) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for model in SNAPSHOT:
        state[model.__name__] = await model.filter(program_id=program.id).order_by("id").values()
    state["ledger"] = await LedgerEntry.filter(program_id=program.id).count()
    return state


def reached(body: dict[str, Any], name: str) -> bool:
    """Whether the call answered with an object, a non-empty page or a payload without errors."""
    if body.get("errors"):
        return False
    answer = (body.get("data") or {}).get(name)
    if answer is None or answer == []:
        return False
    return not (isinstance(answer, dict) and (answer.get("errors") or answer.get("edges") == []))


async def test_no_operation_of_one_program_reaches_an_object_of_another(
    callers: dict[str, GraphQLClient],  # noqa: F811  # the fixture imported above
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given program B, the demo, with one of everything, and program A's callers
    await seed_demo()
    capsys.readouterr()
    other = await Program.get(slug=DEMO_SLUG)
    # and a redemption of B's member, which the demo leaves to the member to make
    member = await Member.get(program_id=other.id, email=DEMO_MEMBER_EMAIL)
    cheapest = await Reward.filter(program_id=other.id, archived=False).order_by("points_cost")
    await redemptions.redeem(member.id, cheapest[0].id, "tenancy-probe")
    ids = await ids_of(other)
    before = await snapshot(other)
    probed: list[str] = []
    reaching: list[str] = []
    for operation, name, field in operations(schema._schema):
        names = id_names(field)
        if not names:
            continue
        values = dict(ids)
        if "id" in names:
            model = BY_ID.get(name, Member)
            values["id"] = str((await model.filter(program_id=other.id).first()).pk)  # type: ignore[union-attr]  # the demo has one
        assert names <= set(values), (name, names - set(values))
        document = call(operation, name, field, values)
        probed.append(name)
        # when every caller of A allowed to call it asks with B's ids
        for caller in ACCESS[name]:
            if reached(await callers[caller].raw(document), name):
                reaching.append(f"{name} as {caller}: {document}")
    # then none reaches anything of B, and B is as it was
    assert reaching == []
    assert len(probed) > 40
    assert await snapshot(other) == before
