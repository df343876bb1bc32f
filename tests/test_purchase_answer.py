"""What recordPurchase answers is the member after everything the purchase caused: the points of
the badge it unlocked and of the challenge it completed are in the balance the till shows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.clock import clock
from gamification import events
from gamification.events import EventType
from gamification.events.models import Event
from gamification.points.models import EarningRuleKind
from tests.builders import (
    add_rule,
    create_badge_via_api,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient

CREATE_CHALLENGE = """
mutation($input: CreateChallengeInput!) {
  createChallenge(input: $input) { challenge { id } errors { code field message } }
}
"""
ME = "query { me { pointsBalance } }"
RECORD = """
mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) {
    purchase { pointsEarned } member { pointsBalance } replayed effectsPending
    errors { code field message }
  }
}
"""


async def test_the_purchase_answer_counts_the_badge_and_challenge_points_it_earned(
    gql: GraphQLClient,
) -> None:
    # given a program earning 1 point per euro, a first-purchase badge worth 15 points and an
    # automatic one-purchase challenge worth 5 points
    program = await new_program(points_validity_days=365)
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    manager = await staff_client(gql, program, "MANAGER")
    till = await integration_client(gql, program)
    await create_badge_via_api(manager, name="First buy", thresholds=["1"], points=15)
    created = await manager.mutate(
        CREATE_CHALLENGE,
        {
            "name": "One buy",
            "metric": "PURCHASES",
            "kind": "INDIVIDUAL",
            "target": "1",
            "enrolment": "AUTOMATIC",
            "rewardPoints": 5,
            "startsAt": (clock.now() - timedelta(hours=1)).isoformat(),
            "endsAt": (clock.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert created["errors"] == [], created
    member = await sign_up(gql, program)
    # when the till reports a purchase of 30 euros
    payload = await till.mutate(
        RECORD, purchase_input(member.id, "till-1", [("S", "c", 1, "30.00")])
    )
    # then the answer's balance is the purchase's 30 points, the badge's 15 and the challenge's 5
    assert payload["errors"] == []
    assert payload["purchase"]["pointsEarned"] == 30
    assert payload["member"]["pointsBalance"] == 50
    assert payload["effectsPending"] is False
    # and it is the balance the member reads right after
    assert (await member.client.query(ME))["me"]["pointsBalance"] == 50


async def test_an_effect_that_fails_at_once_is_announced_as_still_to_come(
    gql: GraphQLClient,
) -> None:
    # given a program whose purchases a plugin handles, and the plugin failing for now
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    till = await integration_client(gql, program)
    member = await sign_up(gql, program)

    async def failing_plugin(event: Event) -> None:
        raise RuntimeError("the plugin's service is down")

    events.subscribe(EventType.PURCHASE_RECORDED, failing_plugin)
    try:
        # when the till reports a purchase, and retries it
        purchase = purchase_input(member.id, "till-2", [("S", "c", 1, "12.00")])
        first = await till.mutate(RECORD, purchase)
        retried = await till.mutate(RECORD, purchase)
    finally:
        events.unsubscribe(EventType.PURCHASE_RECORDED, failing_plugin)
    # then the answers show the purchase's own points and say that an effect is still to come
    assert first["errors"] == []
    assert first["member"]["pointsBalance"] == 12
    assert first["effectsPending"] is True
    assert retried["replayed"] is True
    assert retried["effectsPending"] is True
    # and once the scan has run the handlers again, a retry says nothing is left
    await events.retry_unsettled(grace=timedelta(0))
    assert (await till.mutate(RECORD, purchase))["effectsPending"] is False
