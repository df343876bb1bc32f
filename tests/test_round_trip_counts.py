"""The hot reads, a purchase and every staff list send the same number of SQL statements and
Redis calls whatever the page size or the number of items listed (issue #20): each list field
reads its items' relations through a dataloader, never once per item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from starlette.applications import Starlette

from core.clock import clock
from gamification.accounts.members import register_member
from gamification.accounts.models import Member
from gamification.accounts.sessions import TokenIssuer
from gamification.audit import SYSTEM
from gamification.games import contests, instant_win, prizes
from gamification.games.models import PrizeKind
from gamification.leaderboards.scores import add_score
from gamification.points import memberships, tiers
from gamification.points.models import EarningRuleKind
from gamification.programs.languages import Translation
from gamification.programs.models import Program
from gamification.rewards import catalog
from gamification.rewards.models import RewardKind
from gamification.simulations import simulations
from gamification.simulations.drafts import Draft
from gamification.webhooks.webhooks import create_webhook
from tests.builders import (
    add_rule,
    give_points,
    integration_client,
    new_program,
    purchase_input,
    staff_client,
    unique,
)
from tests.graphql import GraphQLClient
from tests.round_trips import counting

MEMBERS = 60


@dataclass
class World:
    program: Program
    members: list[Member]
    member: GraphQLClient  # the first member, who holds one badge
    collector: GraphQLClient  # the second, who holds six
    staff: GraphQLClient
    till: GraphQLClient
    game_id: int
    tokens: TokenIssuer  # the app's: it signs what the app reads


@pytest.fixture(scope="module")
async def world(app: Starlette, gql: GraphQLClient) -> World:
    from badges.awarding import grant
    from badges.definitions import BadgeFields, create_badge
    from badges.models import BadgeCriteria
    from gamification import events

    program = await new_program()
    tokens = app.state.services.tokens
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(1))
    bronze = await tiers.create_tier(SYSTEM, program.id, "Bronze", 1, 0)
    await memberships.create_plan(
        SYSTEM, program.id, name="VIP", tier_id=bronze.id, duration_days=30, price=Decimal("9.00")
    )
    members = [
        await register_member(program, f"{unique('m')}@example.com", "a long password", f"M {i}")
        for i in range(MEMBERS)
    ]
    badges = [
        await create_badge(
            SYSTEM,
            program.id,
            BadgeCriteria.MANUAL,
            BadgeFields(name=f"Badge {i}", thresholds=[Decimal(1)], points=0),
        )
        for i in range(6)
    ]
    async with events.atomic():
        await grant(badges[0], members[0].id)
        for badge in badges:
            await grant(badge, members[1].id)
    for i in range(MEMBERS):
        await catalog.create_reward(
            SYSTEM,
            program.id,
            name=f"Reward {i}",
            kind=RewardKind.VOUCHER,
            points_cost=10 + i,
            translations=[Translation("fr", f"Récompense {i}")] if i % 2 else [],
        )
    redis = app.state.services.redis
    for i, m in enumerate(members):
        await give_points(m.id, 1_000)
        await add_score(redis, program.id, "points", m.id, 100 + i, clock.now(), f"seed{m.id}")
    now = clock.now()
    game = await instant_win.create_game(
        SYSTEM,
        program.id,
        name="Scratch card",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=365),
        play_cost=1,
        prizes_in=[prizes.PrizeInput("Mug", PrizeKind.PRIZE, quantity=1)],
    )
    for i, m in enumerate(members):
        await instant_win.play(m, game.id, f"play-{i}")
    for i in range(MEMBERS):
        await simulations.request_simulation(
            SYSTEM,
            program.id,
            name=f"Simulation {i}",
            starts_at=now - timedelta(days=30),
            ends_at=now - timedelta(minutes=1),
            draft=Draft(),
        )
    return World(
        program=program,
        members=members,
        member=gql.as_token(tokens.access_token(members[0])),
        collector=gql.as_token(tokens.access_token(members[1])),
        staff=await staff_client(gql, program, "ADMIN"),
        till=await integration_client(gql, program),
        game_id=game.id,
        tokens=tokens,
    )


async def round_trips(
    monkeypatch: pytest.MonkeyPatch,
    client: GraphQLClient,
    query: str,
    variables: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """(SQL statements, Redis calls) of the request, sent once before uncounted so that what a
    process remembers (caches of a few seconds) is remembered in both requests compared."""
    await client.query(query, variables)
    async with counting(monkeypatch) as seen:
        await client.query(query, variables)
    return seen.counts()


ME = "query { me { id displayName pointsBalance tier { name } badges { badge { name } } } }"


async def test_me_sends_two_statements_whatever_the_badges_held(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = await round_trips(monkeypatch, world.member, ME)
    six = await round_trips(monkeypatch, world.collector, ME)
    assert one == six == (2, 0)


REWARDS = """
query($first: Int) {
  rewards(first: $first) {
    edges { node { id name kind pointsCost stock available unavailableReason } }
    pageInfo { hasNextPage }
  }
}
"""


async def test_a_rewards_page_costs_the_same_at_five_and_fifty(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    five = await round_trips(monkeypatch, world.member, REWARDS, {"first": 5})
    fifty = await round_trips(monkeypatch, world.member, REWARDS, {"first": 50})
    assert five == fifty


TRANSLATED_REWARDS = """
query($first: Int, $locale: String) {
  rewards(first: $first, locale: $locale) {
    edges { node { id name description translations { locale name } available } }
  }
}
"""


async def test_a_translated_rewards_page_costs_what_the_plain_page_costs(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = await round_trips(monkeypatch, world.member, REWARDS, {"first": 50})
    french = await round_trips(
        monkeypatch, world.member, TRANSLATED_REWARDS, {"first": 50, "locale": "fr"}
    )
    dutch = await round_trips(
        monkeypatch, world.member.speaking("nl;q=0.9, fr;q=0.5"), TRANSLATED_REWARDS, {"first": 5}
    )
    assert plain == french == dutch


LEADERBOARD = """
query($first: Int!, $around: Int!) {
  leaderboard(board: "points", first: $first, around: $around) {
    entries { rank score member { displayName } }
    me { rank score }
    around { rank score member { displayName } }
  }
}
"""


async def test_a_leaderboard_page_costs_the_same_at_ten_and_a_hundred(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = await round_trips(monkeypatch, world.member, LEADERBOARD, {"first": 10, "around": 1})
    large = await round_trips(monkeypatch, world.member, LEADERBOARD, {"first": 100, "around": 10})
    assert small == large
    assert small[1] == 1  # one script call reads the top, the rank and the neighbours


RECORD_PURCHASE = """
mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) {
    purchase { id pointsEarned breakdown { rule points } }
    member { pointsBalance tier { name } }
    errors { code }
  }
}
"""


async def test_a_purchase_of_fifty_lines_sends_what_one_of_one_line_sends(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    member_id = world.members[2].id
    sent = []
    for lines in (1, 1, 50):  # the first purchase of a member does more, once in their life
        purchase = purchase_input(
            member_id, lines=[(f"SKU-{i}", "coffee", 1, "2.00") for i in range(lines)]
        )
        async with counting(monkeypatch) as seen:
            payload = await world.till.mutate(RECORD_PURCHASE, purchase)
        assert payload["errors"] == []
        sent.append(seen.counts())
    assert sent[1] == sent[2]


# Each staff list with the fields a console shows, relations included.
STAFF_LISTS = {
    "members": """query($first: Int) { members(first: $first) { edges { node {
        id email displayName pointsBalance tier { name } badges { badge { name } } } } } }""",
    "catalogRewards": """query($first: Int) { catalogRewards(first: $first) { edges { node {
        id name pointsCost stock archived } } } }""",
    "instantWinPlays": """query($first: Int, $game: ID!) { instantWinPlays(gameId: $game,
        first: $first) { edges { node { id memberId won prize { name } } } } }""",
    "auditTrail": """query($first: Int) { auditTrail(first: $first) { edges { node {
        id action targetId after actor { kind staff { email } } } } } }""",
    "simulations": """query($first: Int) { simulations(first: $first) { edges { node {
        id name status progress purchasesDone purchasesTotal draft requestedById
        results { pointsDifference tiers { name } topSkus { sku } segments { segment } }
        } } } }""",
}


@pytest.mark.parametrize("field", STAFF_LISTS)
async def test_a_staff_page_costs_the_same_at_five_and_fifty(
    field: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = STAFF_LISTS[field]
    game = {"game": str(world.game_id)} if "$game" in query else {}
    five = await round_trips(monkeypatch, world.staff, query, {"first": 5, **game})
    fifty = await round_trips(monkeypatch, world.staff, query, {"first": 50, **game})
    assert five == fifty


GAMES = """query { instantWinGames { id name prizesLeft myPlaysLeftToday
    prizes { name quantity } } }"""
CONTESTS = """query { contests { id name status myEntries prizes { name }
    winners { displayName prize { name } } } }"""
OTHER_LISTS = {
    "tiers": "query { tiers { id name rank } }",
    "membershipPlans": "query { membershipPlans { id name tierId } }",
    "earningRules": "query { earningRules { id name kind } }",
    "badges": "query { badges { id name myProgress { level } } }",
    "challenges": """query { challenges { id name participants communityProgress
        myProgress { value } } }""",
    "webhooks": "query { webhooks { id url eventTypes } }",
    "ambassadors": "query { ambassadors(first: 100) { member { displayName } referred } }",
    "staffUsers": "query { staffUsers { id email role } }",
    "instantWinGames": GAMES,
    "contests": CONTESTS,
    "auctions": """query { auctions { id name currentPrice minimumBid myBid myStatus
        reserveMet } }""",
    "actionTypes": "query { actionTypes { id code name points } }",
}


async def _add_items(field: str, program: Program, n: int) -> None:
    """`n` more items of the list `field` (through the services)."""
    from badges.definitions import BadgeFields, create_badge
    from badges.models import BadgeCriteria
    from challenges.definitions import ChallengeFields, Enrolment, create_challenge
    from challenges.models import ChallengeKind, ChallengeMetric
    from gamification.accounts.staff import add_staff
    from gamification.actions import action_types
    from gamification.games import auctions
    from gamification.games.models import AuctionPrizeKind
    from gamification.points import earning_rules

    now = clock.now()
    for _ in range(n):
        name = unique("item")[:40]
        if field == "tiers":
            existing = len(await tiers.tiers_of(program.id))
            await tiers.create_tier(SYSTEM, program.id, name, existing + 10, 1000 * (existing + 1))
        elif field == "membershipPlans":
            live = await tiers.tiers_of(program.id)
            tier = live[0] if live else await tiers.create_tier(SYSTEM, program.id, "Base", 1, 0)
            await memberships.create_plan(
                SYSTEM, program.id, name=name, tier_id=tier.id, duration_days=30, price=Decimal(1)
            )
        elif field == "earningRules":
            await earning_rules.create_rule(
                SYSTEM,
                program.id,
                name=name,
                kind=EarningRuleKind.PRODUCT,
                category=name,
                multiplier=Decimal(2),
            )
        elif field == "badges":
            await create_badge(
                SYSTEM,
                program.id,
                BadgeCriteria.EVENT_COUNT,
                BadgeFields(name=name, thresholds=[Decimal(5)], points=0),
                event_type="PURCHASE_RECORDED",
            )
        elif field == "challenges":
            await create_challenge(
                SYSTEM,
                program.id,
                ChallengeMetric.PURCHASES,
                ChallengeKind.COLLECTIVE,
                Enrolment.AUTOMATIC,
                ChallengeFields(
                    name=name,
                    target=Decimal(100),
                    starts_at=now - timedelta(days=1),
                    ends_at=now + timedelta(days=30),
                    reward_points=5,
                ),
            )
        elif field == "webhooks":
            await create_webhook(
                SYSTEM, program.id, f"https://hooks.example/{name}", ["PURCHASE_RECORDED"]
            )
        elif field == "staffUsers":
            await add_staff(
                SYSTEM, program.id, f"{name}@brand.example", "a long password", "ANALYST"
            )
        elif field == "instantWinGames":
            await instant_win.create_game(
                SYSTEM,
                program.id,
                name=name,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=30),
                max_plays_per_day=3,
                prizes_in=[
                    prizes.PrizeInput("Mug", PrizeKind.PRIZE, quantity=2),
                    prizes.PrizeInput("Points", PrizeKind.POINTS, quantity=2, points=5),
                ],
            )
        elif field == "auctions":
            await auctions.create_auction(
                SYSTEM,
                program.id,
                name=name,
                prize_kind=AuctionPrizeKind.PRIZE,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=3),
                starting_bid=10,
            )
        elif field == "actionTypes":
            await action_types.create_action_type(
                SYSTEM, program.id, code=name[:40].replace(" ", "-"), name=name, points=5
            )
        elif field == "ambassadors":
            from gamification.referrals.referrals import record_referral

            referrer, referee = [
                await register_member(program, f"{unique('r')}@example.com", "a long password", n)
                for n in ("Ambassador", "Friend")
            ]
            await record_referral(program, referrer, referee)
        elif field == "contests":
            await contests.create_contest(
                SYSTEM,
                program.id,
                name=name,
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=3),
                prizes_in=[prizes.PrizeInput("Trip", PrizeKind.PRIZE, quantity=1)],
            )


@pytest.mark.parametrize("field", OTHER_LISTS)
async def test_a_list_costs_the_same_whatever_its_length(
    field: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = await new_program()
    staff = await staff_client(world.staff, program, "ADMIN")
    await _add_items(field, program, 2)
    query = OTHER_LISTS[field]
    readers = [staff]
    if field in ("instantWinGames", "contests", "badges", "challenges"):
        member = await register_member(
            program, f"{unique('m')}@example.com", "a long password", "Reader"
        )
        readers.append(staff.as_token(world.tokens.access_token(member)))
    before = [await round_trips(monkeypatch, reader, query) for reader in readers]
    await _add_items(field, program, 5)
    after = [await round_trips(monkeypatch, reader, query) for reader in readers]
    assert before == after
