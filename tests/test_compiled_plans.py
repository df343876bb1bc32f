"""A query run from its compiled plan (api/compiled_plans.py) answers byte for byte what
graphql-core answers: every console query document and the hot documents of the apps, as every
kind of caller (so refusals, permission errors and null propagation included)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from graphql import OperationDefinitionNode, OperationType, parse
from starlette.applications import Starlette

from badges.awarding import grant
from badges.definitions import BadgeFields, create_badge
from badges.models import BadgeCriteria
from core.clock import clock
from gamification import events
from gamification.audit import SYSTEM
from gamification.games import auctions, contests, instant_win, prizes
from gamification.games.models import AuctionPrizeKind, PrizeKind
from gamification.points import tiers
from gamification.points.models import EarningRuleKind
from gamification.rewards import catalog
from gamification.rewards.models import RewardKind
from gamification.simulations import simulations
from gamification.simulations.drafts import Draft
from tests.builders import (
    RECORD_PURCHASE,
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    sign_up,
    staff_client,
)
from tests.graphql import GraphQLClient

OPERATIONS = Path(__file__).resolve().parent.parent / "api" / "console" / "operations"

# What the apps send most (bench/hot_paths.py sends the same).
ME = "query Me { me { id displayName pointsBalance tier { name } badges { badge { name } } } }"
REWARDS = (
    "query Rewards { rewards(first: 20) { edges { cursor node { id name kind pointsCost stock "
    "available } } pageInfo { hasNextPage endCursor } } }"
)
LEADERBOARD = (
    'query Board { leaderboard(board: "points", period: ALL_TIME, first: 10, around: 5) '
    "{ entries { rank score member { displayName } } me { rank score } "
    "around { rank score member { displayName } } } }"
)
# Shapes the console's documents do not have: fragments, aliases, __typename, variables, a
# refused argument, and a root field refused beside one allowed (null propagates to `data`).
OTHERS = [
    (
        "query Frag { a: me { ...M __typename } b: me { id badges { level awardedAt } } } "
        "fragment M on Member { id pointsBalance tier { name rank } }",
        {},
    ),
    ("query Page($first: Int) { rewards(first: $first) { edges { node { id } } } }", {"first": 2}),
    ("query Page($first: Int) { rewards(first: $first) { edges { node { id } } } }", {"first": -1}),
    ("query Mixed { program { name } me { id } }", {}),
    ("query Mixed2 { staffMe { email } program { name currency } }", {}),
]


def query_documents() -> dict[str, str]:
    """The console's query documents by name (its mutations are never planned)."""
    found = {}
    for path in sorted(OPERATIONS.glob("*.graphql")):
        text = path.read_text()
        (operation,) = [
            d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)
        ]
        if operation.operation == OperationType.QUERY:
            found[path.stem] = text
    return found


async def seed(gql: GraphQLClient) -> dict[str, Any]:
    """A program with something behind every console page, and one client of each kind."""
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=10)
    now = clock.now()
    bronze = await tiers.create_tier(SYSTEM, program.id, "Bronze", 1, 0)
    await tiers.create_tier(SYSTEM, program.id, "Gold", 2, 10**9)
    rewards = [
        await catalog.create_reward(
            SYSTEM,
            program.id,
            name=f"Reward {i}",
            kind=RewardKind.VOUCHER,
            points_cost=10 * i,
            stock=3 if i == 1 else None,
        )
        for i in range(4)
    ]
    await catalog.archive_reward(SYSTEM, rewards[3])
    badge = await create_badge(
        SYSTEM,
        program.id,
        BadgeCriteria.EVENT_COUNT,
        BadgeFields(name="Regular", thresholds=[Decimal(1), Decimal(9)], points=0),
        event_type="PURCHASE_RECORDED",
    )
    game = await instant_win.create_game(
        SYSTEM,
        program.id,
        name="Scratch",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        play_cost=1,
        prizes_in=[prizes.PrizeInput("Mug", PrizeKind.PRIZE, quantity=5)],
    )
    contest = await contests.create_contest(
        SYSTEM,
        program.id,
        name="Draw",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=3),
        prizes_in=[prizes.PrizeInput("Trip", PrizeKind.PRIZE, quantity=1)],
    )
    auction = await auctions.create_auction(
        SYSTEM,
        program.id,
        name="Bid",
        prize_kind=AuctionPrizeKind.PRIZE,
        prize_name="Bike",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        starting_bid=10,
    )
    simulation = await simulations.request_simulation(
        SYSTEM,
        program.id,
        name="Nothing changed",
        starts_at=now - timedelta(days=7),
        ends_at=now,
        draft=Draft(),
    )
    till = await integration_client(gql, program)
    members = [await sign_up(gql, program, display_name=f"Member {i}") for i in range(3)]
    for i, member in enumerate(members):
        payload = await till.mutate(
            RECORD_PURCHASE, purchase_input(member.id, lines=[("SKU", None, 1, f"{i + 2}.00")])
        )
        assert payload["errors"] == [], payload
    async with events.atomic():
        await grant(badge, members[0].id)
    assert bronze.id
    return {
        "clients": {
            "member": members[0].client,
            "new member": members[2].client,
            "admin": await staff_client(gql, program, "ADMIN"),
            "analyst": await staff_client(gql, program, "ANALYST"),
            "integration": till,
            "anonymous": gql,
        },
        "variables": {
            "ConsoleAuditTrail": {"first": 10},
            "ConsoleAmbassadors": {"first": 10},
            "ConsoleAuction": {"id": str(auction.id)},
            "ConsoleEarningRules": {"includeArchived": True},
            "ConsoleMembershipPlans": {"includeArchived": True},
            "ConsolePreviewEarningRule": {
                "rule": {"name": "Draft", "kind": "BASE_RATE", "pointsPerUnit": "2"},
                "basket": {"lines": [{"sku": "SKU", "quantity": 1, "unitPrice": "3.00"}]},
            },
            "ConsoleSimulation": {"id": str(simulation.id)},
            "ConsoleContest": {"id": str(contest.id)},
            "ConsoleDrawRecord": {"id": str(contest.id), "first": 10},
            "ConsoleDrawRecordPage": {"id": str(contest.id), "after": "0", "first": 10},
            "ConsoleGame": {"id": str(game.id), "first": 10, "wonOnly": False},
            "ConsoleLeaderboard": {"board": "points", "period": "ALL_TIME"},
            "ConsoleMember": {"id": str(members[0].id)},
            "ConsoleMemberData": {"id": str(members[0].id)},
            "ConsoleMembers": {"first": 10},
            "ConsoleReport": {
                "from": (now - timedelta(days=7)).isoformat(),
                "to": (now + timedelta(days=1)).isoformat(),
                "previousFrom": (now - timedelta(days=15)).isoformat(),
                "interval": "DAY",
            },
            "ConsoleReward": {"id": str(rewards[1].id)},
            "ConsoleRewards": {"first": 10, "includeArchived": True},
            "ConsoleTiers": {"includeArchived": True},
        },
    }


async def both_ways(
    app: Starlette, client: GraphQLClient, text: str, variables: dict[str, Any]
) -> tuple[bytes, bytes]:
    """The answer's bytes with the plans, then through graphql-core alone."""

    async def answer() -> bytes:
        response = await client.http.post(
            "/graphql",
            json={"query": text, "variables": variables},
            headers=client.headers(),
        )
        return f"{response.status_code} ".encode() + response.content

    documents = app.state.documents
    planned = await answer()
    documents.compiled_plans = False
    try:
        general = await answer()
    finally:
        documents.compiled_plans = True
    return planned, general


async def test_every_planned_answer_is_graphql_cores(
    app: Starlette, http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    state = await seed(gql)
    console = query_documents()
    cases = [(name, text, state["variables"].get(name, {})) for name, text in console.items()]
    cases += [("Me", ME, {}), ("Rewards", REWARDS, {}), ("Board", LEADERBOARD, {})]
    cases += [(f"other {i}", text, variables) for i, (text, variables) in enumerate(OTHERS)]
    # Both ways at one moment: an answer may carry the time it was made (memberData).
    with clock.frozen_at(clock.now()):
        for name, text, variables in cases:
            for kind, client in state["clients"].items():
                planned, general = await both_ways(app, client, text, variables)
                assert planned == general, (name, kind, planned, general)

    # The plans answered (not only gave every request back): each document had some caller
    # it could answer, and compiled at all.
    documents = app.state.documents
    for name, text, _ in cases:
        plans = documents.prepare(text, anonymous=False).plans.values()
        assert plans and None not in plans, name
        assert sum(plan.answered for plan in plans if plan) > 0, name


async def test_each_console_query_needing_variables_is_given_them(
    app: Starlette, gql: GraphQLClient
) -> None:
    # The test above runs each console query with variables of its own, or none.
    needing = {
        name
        for name, text in query_documents().items()
        if any(
            isinstance(d, OperationDefinitionNode) and d.variable_definitions
            for d in parse(text).definitions
        )
    }
    program = await new_program()
    del program
    state_keys = set((await seed(gql))["variables"])
    assert needing == state_keys
