"""Each fast path of the hot operations (issue #20) answers what the general path answers: the
fixed statements against the querysets they stand for, the snapshot against the rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from tortoise.functions import Sum
from tortoise.models import Model

from badges.awarding import awards_of_members, grant
from badges.definitions import BadgeFields, create_badge
from badges.models import BadgeCriteria
from core.clock import clock
from gamification import events
from gamification.accounts.members import register_member
from gamification.audit import SYSTEM
from gamification.points import engine_snapshot, tiers
from gamification.points.audiences import Standing
from gamification.points.models import EarningRuleKind, Purchase, Tier
from gamification.programs.languages import Translation
from gamification.rewards import catalog
from gamification.rewards.models import RewardKind
from tests.builders import (
    add_rule,
    integration_client,
    new_program,
    purchase_input,
    unique,
)
from tests.graphql import GraphQLClient

RECORD_PURCHASE = """
mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) { errors { code } } }
"""


def columns(row: Model) -> dict[str, Any]:
    """Every column of a row, as Python values."""
    return {name: getattr(row, name, "<missing>") for name in row._meta.fields_db_projection}


async def test_one_members_badges_are_those_the_batch_reads(app: Starlette) -> None:
    program = await new_program()
    member = await register_member(program, f"{unique('m')}@example.com", "a long password", "M")
    other = await register_member(program, f"{unique('m')}@example.com", "a long password", "O")
    for i in range(3):
        badge = await create_badge(
            SYSTEM,
            program.id,
            BadgeCriteria.EVENT_COUNT,
            BadgeFields(name=f"Badge {i}", thresholds=[Decimal(3), Decimal(9)], points=1),
            event_type="PURCHASE_RECORDED",
        )
        async with events.atomic():
            await grant(badge, member.id)
            if i:
                await grant(badge, other.id)

    alone = (await awards_of_members([member.id]))[member.id]  # the fixed statement
    batched = (await awards_of_members([member.id, other.id]))[member.id]  # Tortoise's join

    assert len(alone) == 3
    assert [(columns(a), columns(b)) for a, b in alone] == [
        (columns(a), columns(b)) for a, b in batched
    ]


async def test_a_catalog_page_is_the_members_catalog_queryset_newest_first(
    app: Starlette,
) -> None:
    program = await new_program()
    gold = await tiers.create_tier(SYSTEM, program.id, "Gold", 1, 0)
    silver = await tiers.create_tier(SYSTEM, program.id, "Silver", 2, 100)
    audiences = [
        {},
        {"target_segments": ["AT_RISK"]},
        {"target_segments": ["AT_RISK", "LOYAL"], "target_classes": ["A"]},
        {"target_classes": ["B", "C"]},
        {"target_tier_ids": [gold.id]},
        {"target_tier_ids": [silver.id, gold.id], "target_segments": ["NEEDS_ATTENTION"]},
        {},
        {"target_segments": ["NEW"]},
    ]
    for i, audience in enumerate(audiences):
        reward = await catalog.create_reward(
            SYSTEM,
            program.id,
            name=f"Reward {i}",
            kind=RewardKind.VOUCHER,
            points_cost=5 + i,
            # A translated catalog: the JSON column reads back alike on both paths.
            translations=[Translation("fr", f"Récompense {i}", "Décrite")] if i % 2 else [],
            **audience,
        )
        if i == 3:
            await catalog.archive_reward(SYSTEM, reward)
    standings = [
        Standing(None),
        Standing(gold.id),
        Standing(None, "AT_RISK", "A"),
        Standing(gold.id, "NEEDS_ATTENTION", "B"),
        Standing(silver.id, "LOYAL", "C"),
        Standing(None, "NEW", "C"),
    ]
    seen = set()
    for standing in standings:
        everything = await catalog.members_catalog(program.id, standing).order_by("-id")
        seen.update(r.id for r in everything)
        assert everything, standing
        below = everything[len(everything) // 2].id

        assert [columns(r) for r in await catalog.catalog_page(program.id, standing, 3)] == [
            columns(r) for r in everything[:3]
        ]
        assert [
            columns(r) for r in await catalog.catalog_page(program.id, standing, 10, below)
        ] == [columns(r) for r in everything if r.id < below]
    # every live reward is someone's, and the standings tell them apart
    assert len(seen) == len(audiences) - 1
    nobody = await catalog.members_catalog(program.id, Standing(None))
    assert sorted(r.name for r in nobody) == ["Reward 0", "Reward 6"]
    at_risk_a = await catalog.members_catalog(program.id, Standing(None, "AT_RISK", "A"))
    assert sorted(r.name for r in at_risk_a) == ["Reward 0", "Reward 1", "Reward 2", "Reward 6"]
    at_risk_a_page = await catalog.catalog_page(program.id, Standing(None, "AT_RISK", "A"), 4)
    # A translated catalog: the JSON column reads back alike on both paths.
    assert [r.translations for r in at_risk_a_page] == [
        {},
        {},
        {"fr": {"name": "Récompense 1", "description": "Décrite"}},
        {},
    ]


async def test_a_live_tier_from_the_snapshot_is_the_row(app: Starlette) -> None:
    program = await new_program()
    bronze = await tiers.create_tier(SYSTEM, program.id, "Bronze", 1, 0)
    gold = await tiers.create_tier(SYSTEM, program.id, "Gold", 2, 1000, Decimal("1.5"))
    await tiers.archive_tier(SYSTEM, program.id, gold.id)

    live = await engine_snapshot.live_tier(program.id, bronze.id)
    assert live is not None
    assert columns(live) == columns(await Tier.get(id=bronze.id))
    assert await engine_snapshot.live_tier(program.id, gold.id) is None  # read from its row
    assert await engine_snapshot.live_tier((await new_program()).id, bronze.id) is None


async def test_the_points_that_qualify_for_a_tier_are_the_purchases_sum(
    app: Starlette, gql: GraphQLClient
) -> None:
    program = await new_program()
    await add_rule(program, name="Base", kind=EarningRuleKind.BASE_RATE, points_per_unit=Decimal(3))
    await tiers.create_tier(SYSTEM, program.id, "Bronze", 1, 0)
    member = await register_member(program, f"{unique('m')}@example.com", "a long password", "M")
    till = await integration_client(gql, program)
    now = clock.now()
    for days_ago, amount in ((400, "50.00"), (30, "12.50"), (0, "7.00")):
        purchase = purchase_input(
            member.id,
            lines=[("SKU", None, 1, amount)],
            occurred_at=now - timedelta(days=days_ago),
        )
        assert (await till.mutate(RECORD_PURCHASE, purchase))["errors"] == []
    rules = tiers.TierRules.of(program)

    value = await tiers.qualifying_value(member.id, rules)  # the fixed statement

    rows = (
        await Purchase.filter(member_id=member.id, occurred_at__gt=now - rules.window)
        .annotate(p=Sum("points_earned"), r=Sum("points_reversed"))
        .values("p", "r")
    )
    assert value == int(rows[0]["p"]) - int(rows[0]["r"]) == 37 + 21  # 12.50 x 3, floored
