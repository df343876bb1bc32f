"""Each fast path of the hot operations (issue #20) answers what the general path answers: the
fixed statements against the querysets they stand for, the snapshot against the rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from tortoise.models import Model

from badges.awarding import awards_of_members, grant
from badges.definitions import BadgeFields, create_badge
from badges.models import BadgeCriteria
from gamification import events
from gamification.accounts.members import register_member
from gamification.points import engine_snapshot, tiers
from gamification.points.models import Tier
from gamification.rewards import catalog
from gamification.rewards.models import RewardKind
from tests.builders import new_program, unique


def columns(row: Model) -> dict[str, Any]:
    """Every column of a row, as Python values."""
    return {name: getattr(row, name, "<missing>") for name in row._meta.fields_db_projection}


async def test_one_members_badges_are_those_the_batch_reads(app: Starlette) -> None:
    program = await new_program()
    member = await register_member(program, f"{unique('m')}@example.com", "a long password", "M")
    other = await register_member(program, f"{unique('m')}@example.com", "a long password", "O")
    for i in range(3):
        badge = await create_badge(
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


async def test_a_catalog_page_is_the_catalog_queryset_newest_first(app: Starlette) -> None:
    program = await new_program()
    for i in range(7):
        reward = await catalog.create_reward(
            program.id, name=f"Reward {i}", kind=RewardKind.VOUCHER, points_cost=5 + i
        )
        if i == 3:
            await catalog.archive_reward(reward)
    everything = await catalog.catalog(program.id).order_by("-id")
    below = everything[2].id

    assert [columns(r) for r in await catalog.catalog_page(program.id, 4)] == [
        columns(r) for r in everything[:4]
    ]
    assert [columns(r) for r in await catalog.catalog_page(program.id, 10, below)] == [
        columns(r) for r in everything if r.id < below
    ]


async def test_a_live_tier_from_the_snapshot_is_the_row(app: Starlette) -> None:
    program = await new_program()
    bronze = await tiers.create_tier(program.id, "Bronze", 1, 0)
    gold = await tiers.create_tier(program.id, "Gold", 2, 1000, Decimal("1.5"))
    await tiers.archive_tier(program.id, gold.id)

    live = await engine_snapshot.live_tier(program.id, bronze.id)
    assert live is not None
    assert columns(live) == columns(await Tier.get(id=bronze.id))
    assert await engine_snapshot.live_tier(program.id, gold.id) is None  # read from its row
    assert await engine_snapshot.live_tier((await new_program()).id, bronze.id) is None
