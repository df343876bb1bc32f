"""A small demo catalog: a coffee voucher, a tote bag with stock, an experience for the best tier
(if the program has tiers), one for class A members and a charity donation. Found by key
(api/demo/keys.py), so a rerun adds nothing whatever staff renamed or added."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from api.demo import keys, languages
from api.demo.actor import DEMO
from gamification.accounts.models import Member
from gamification.points.models import Tier
from gamification.programs.models import Program
from gamification.rewards import catalog
from gamification.rewards.models import Reward, RewardKind


async def seed(program: Program, member: Member) -> None:
    top_tier = await Tier.filter(program_id=program.id, archived=False).order_by("-rank").first()
    demo_rewards: list[dict[str, Any]] = [
        {
            "key": "reward:free-coffee",
            "name": "Free coffee",
            "kind": RewardKind.VOUCHER,
            "points_cost": 150,
            "description": "Any coffee, any size, in any of our shops.",
            "redemption_validity_days": 30,
            "refund_on_expiry": True,
            "limit_per_period": 1,
            "limit_period_days": 7,
        },
        {
            "key": "reward:tote-bag",
            "name": "Canvas tote bag",
            "kind": RewardKind.MERCHANDISE,
            "points_cost": 600,
            "stock": 50,
            "limit_per_member": 1,
            "description": "Our logo on organic cotton. Collect it in a shop.",
            "redemption_validity_days": 90,
        },
        {
            "key": "reward:roastery-tour",
            "name": "Roastery tour for two",
            "kind": RewardKind.EXPERIENCE,
            "points_cost": 2500,
            "stock": 10,
            "minimum_tier_id": top_tier.id if top_tier else None,
            "description": "A morning at our roastery, with a tasting.",
            "redemption_validity_days": 180,
        },
        {
            "key": "reward:barista-class",
            "name": "Barista masterclass",
            "kind": RewardKind.EXPERIENCE,
            "points_cost": 1200,
            "stock": 12,
            "target_classes": ["A"],
            "description": "For our best customers (class A): an evening with our head barista.",
            "redemption_validity_days": 120,
        },
        {
            "key": "reward:plant-a-tree",
            "name": "Plant a tree",
            "kind": RewardKind.DONATION,
            "points_cost": 300,
            "donation_amount": Decimal("3.00"),
            "description": "We give 3 euros to a reforestation charity.",
        },
    ]
    for values in demo_rewards:
        key = values.pop("key")

        async def make(values: dict[str, Any] = values, key: str = key) -> Reward:
            return await catalog.create_reward(
                DEMO, program.id, translations=languages.of(key), **values
            )

        reward = await keys.ensure(
            program, key, Reward, make, keys.by_name(Reward, program, values["name"])
        )
        if values.get("minimum_tier_id") and reward.minimum_tier_id is None and not reward.archived:
            # Tiers were seeded after this reward was: make it the exclusive one it should be.
            await catalog.update_reward(DEMO, reward, minimum_tier_id=values["minimum_tier_id"])
