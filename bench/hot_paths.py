"""The hot operations of issue #20 and the program they run against, shared by
`bench/side_by_side.py` (the service against the bare twin) and `bench/twin.py` (which refuses a
program it was not written for).

The program: 3 earning rules (a base rate, a category multiplier, a running double-points
campaign), two tiers (Bronze from 0, Gold far out of reach), 25 vouchers, an instant-win game
with winning moments, and `MEMBERS` members who each hold 5 badges and ten million points (so no
spend ever runs out during a run).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
MEMBERS = 200
REWARDS = 25
BADGES = 5
GOLD_THRESHOLD = 10**12

ME = "query Me { me { id displayName pointsBalance tier { name } badges { badge { name } } } }"
REWARDS_PAGE = (
    "query Rewards { rewards(first: 20) { edges { cursor node { id name kind pointsCost stock "
    "available } } pageInfo { hasNextPage endCursor } } }"
)
LEADERBOARD = (
    'query Board { leaderboard(board: "points", period: ALL_TIME, first: 10, around: 5) '
    "{ entries { rank score member { displayName } } me { rank score } "
    "around { rank score member { displayName } } } }"
)
RECORD_PURCHASE = (
    "mutation R($input: RecordPurchaseInput!) { recordPurchase(input: $input) "
    "{ purchase { id pointsEarned breakdown { rule points } } "
    "member { pointsBalance tier { name } } errors { code } } }"
)
REDEEM_REWARD = (
    "mutation D($input: RedeemRewardInput!) { redeemReward(input: $input) "
    "{ redemption { id code status pointsSpent } member { pointsBalance } errors { code } } }"
)
PLAY_INSTANT_WIN = (
    "mutation P($input: PlayInstantWinInput!) { playInstantWin(input: $input) "
    "{ play { id won prize { name } } member { pointsBalance } errors { code } } }"
)

LINES = [
    {"sku": "BEANS-1KG", "category": "coffee", "quantity": 1, "unitPrice": "24.90"},
    {"sku": "LATTE", "category": "drinks", "quantity": 2, "unitPrice": "4.20"},
    {"sku": "CROISSANT", "category": "bakery", "quantity": 3, "unitPrice": "2.10"},
    {"sku": "MUG", "category": "merch", "quantity": 1, "unitPrice": "12.00"},
    {"sku": "FILTERS", "category": "coffee", "quantity": 2, "unitPrice": "3.55"},
]
TOTAL = str(sum(Decimal(line["unitPrice"]) * line["quantity"] for line in LINES))


async def seed(members: int = MEMBERS) -> dict[str, Any]:
    """Build the program through the services (on the initialised database); return what the
    load needs: the API key, member ids and tokens, a reward id and the game id."""
    from badges.awarding import grant
    from badges.definitions import BadgeFields, create_badge
    from badges.models import BadgeCriteria
    from core.clock import clock
    from gamification import events
    from gamification.accounts import passwords
    from gamification.accounts.api_keys import create_api_key
    from gamification.accounts.members import register_member
    from gamification.accounts.sessions import TokenIssuer
    from gamification.games import instant_win, prizes
    from gamification.games.models import PrizeKind
    from gamification.points import earning_rules, ledger, tiers
    from gamification.points.models import EarningRuleKind, LedgerKind
    from gamification.programs.programs import create_program
    from gamification.rewards import catalog
    from gamification.rewards.models import RewardKind

    passwords.configure("fast")
    now = clock.now()
    program = await create_program(f"bench-{uuid.uuid4().hex[:8]}", "Bench", "EUR")
    await earning_rules.create_rule(
        program.id, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(10)
    )
    await earning_rules.create_rule(
        program.id,
        name="Coffee x2",
        kind=EarningRuleKind.PRODUCT,
        category="coffee",
        multiplier=Decimal(2),
    )
    await earning_rules.create_rule(
        program.id,
        name="Double week",
        kind=EarningRuleKind.CAMPAIGN,
        multiplier=Decimal(2),
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=6),
    )
    await tiers.create_tier(program.id, "Bronze", 1, 0)
    await tiers.create_tier(program.id, "Gold", 2, GOLD_THRESHOLD)
    rewards = [
        await catalog.create_reward(
            program.id, name=f"Voucher {i:02d}", kind=RewardKind.VOUCHER, points_cost=10 + i
        )
        for i in range(REWARDS)
    ]
    badges = [
        await create_badge(
            program.id,
            BadgeCriteria.EVENT_COUNT,
            BadgeFields(name=f"Badge {i}", thresholds=[Decimal(10**9)], points=0),
            # A type the hot operations never emit: the badges are shown by `me` and cost a
            # purchase nothing, as in the measure.
            event_type="REFERRAL_QUALIFIED",
        )
        for i in range(BADGES)
    ]
    game = await instant_win.create_game(
        program.id,
        name="Bench scratch card",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
        play_cost=1,
        prizes_in=[
            prizes.PrizeInput("10 points", PrizeKind.POINTS, quantity=1500, points=10),
            prizes.PrizeInput("Mug", PrizeKind.PRIZE, quantity=500),
        ],
    )
    issuer = TokenIssuer(SECRET.encode(), timedelta(hours=12), timedelta(days=1))
    member_ids, tokens = [], []
    for i in range(members):
        member = await register_member(
            program, f"m{i}@bench.example", "bench password 123", f"Member {i}"
        )
        async with events.atomic():
            await ledger.credit(member, 10_000_000, LedgerKind.BONUS, expires_at=None)
            for badge in badges:
                await grant(badge, member.id)
        member_ids.append(member.id)
        tokens.append(issuer.access_token(member))
    _, key = await create_api_key(program.id, "bench")
    return {
        "program_id": program.id,
        "api_key": key,
        "member_ids": member_ids,
        "tokens": tokens,
        "reward_id": rewards[0].id,
        "game_id": game.id,
        "occurred_at": now.isoformat(),
    }


async def load_engagement(program_id: int) -> None:
    """Issue #20's loaded program: 50 earning rules in all, 20 badges, 10 individual and 5
    collective challenges (automatic), and a webhook, every definition live and none reached
    by a run (thresholds and targets far out), so the run measures evaluation, not awards."""
    from badges.definitions import BadgeFields, create_badge
    from badges.models import BadgeCriteria
    from challenges.definitions import ChallengeFields, Enrolment, create_challenge
    from challenges.models import ChallengeKind, ChallengeMetric
    from core.clock import clock
    from gamification.points import earning_rules
    from gamification.points.models import EarningRuleKind
    from gamification.webhooks.webhooks import create_webhook

    now = clock.now()
    for i in range(47):  # with the three of `seed`
        await earning_rules.create_rule(
            program_id,
            name=f"Product {i}",
            kind=EarningRuleKind.PRODUCT,
            **({"sku": f"SKU-{i}"} if i % 2 else {"category": f"category-{i}"}),
            multiplier=Decimal(2),
        )
    badge_kinds: list[tuple[BadgeCriteria, dict[str, str]]] = [
        (BadgeCriteria.EVENT_COUNT, {"event_type": "PURCHASE_RECORDED"}),
        (BadgeCriteria.SPEND, {}),
        (BadgeCriteria.POINTS_EARNED, {}),
        (BadgeCriteria.PRODUCT_QUANTITY, {"category": "coffee"}),
        (BadgeCriteria.WEEKLY_STREAK, {"event_type": "PURCHASE_RECORDED"}),
    ]
    for i in range(20):
        criteria, params = badge_kinds[i % len(badge_kinds)]
        await create_badge(
            program_id,
            criteria,
            BadgeFields(
                name=f"Loaded badge {i}",
                thresholds=[Decimal(5_000_000 + i), Decimal(10**9 + i)],
                points=10,
            ),
            event_type=params.get("event_type"),
            category=params.get("category"),
        )
    metrics = [
        ChallengeMetric.PURCHASES,
        ChallengeMetric.SPEND,
        ChallengeMetric.QUANTITY,
        ChallengeMetric.POINTS_EARNED,
    ]
    for i in range(15):
        metric = metrics[i % len(metrics)]
        await create_challenge(
            program_id,
            metric,
            ChallengeKind.INDIVIDUAL if i < 10 else ChallengeKind.COLLECTIVE,
            Enrolment.AUTOMATIC,
            ChallengeFields(
                name=f"Challenge {i}",
                target=Decimal(10**9),
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=30),
                reward_points=20,
            ),
            category="coffee" if metric == ChallengeMetric.QUANTITY else None,
        )
    await create_webhook(program_id, "https://crm.bench.example/hooks", ["PURCHASE_RECORDED"])


Operation = tuple[str, Callable[[int], dict[str, Any]], str]


def operations(seed: dict[str, Any], tag: str = "x") -> dict[str, Operation]:
    """Each operation: its document, its variables for request n (distinct idempotency keys
    carrying `tag`), and who sends it ("member" with a token, or "key")."""

    def purchase(n: int) -> dict[str, Any]:
        return {
            "input": {
                "member": {"id": str(seed["member_ids"][n % len(seed["member_ids"])])},
                "externalId": f"{tag}-{n}",
                "occurredAt": seed["occurred_at"],
                "currency": "EUR",
                "total": TOTAL,
                "lines": LINES,
            }
        }

    return {
        "me": (ME, lambda n: {}, "member"),
        "rewards": (REWARDS_PAGE, lambda n: {}, "member"),
        "leaderboard": (LEADERBOARD, lambda n: {}, "member"),
        "recordPurchase": (RECORD_PURCHASE, purchase, "key"),
        "redeemReward": (
            REDEEM_REWARD,
            lambda n: {
                "input": {"rewardId": str(seed["reward_id"]), "idempotencyKey": f"{tag}-{n}"}
            },
            "member",
        ),
        "playInstantWin": (
            PLAY_INSTANT_WIN,
            lambda n: {"input": {"gameId": str(seed["game_id"]), "idempotencyKey": f"{tag}-{n}"}},
            "member",
        ),
    }


def body(document: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": document, "variables": variables})
