"""Demo points engine: Bronze/Silver/Gold, a base rate, a category multiplier, a running
double-points campaign, a VIP plan, and purchases of the demo member, all through the services.

The member ends up in Silver with Gold ahead (`tierProgress.next`), and holds points from last
year that expire within weeks (`expiringPoints`). Each object is found by its key
(api/demo/keys.py); purchases by their external ids, so a rerun adds nothing.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from api.demo import keys, languages
from api.demo.actor import DEMO
from core.clock import clock
from gamification.accounts.models import Member
from gamification.points import earning_rules, expiry_reminders, memberships, purchases, tiers
from gamification.points.earning_rules import BasketLine
from gamification.points.models import (
    EarningRule,
    EarningRuleKind,
    LedgerEntry,
    MembershipPlan,
    Purchase,
    Tier,
)
from gamification.programs.models import Program

# (key, name, rank, qualifying points, multiplier): Gold is out of the demo member's reach for now.
TIERS = (
    ("tier:bronze", "Bronze", 0, 0, Decimal(1)),
    ("tier:silver", "Silver", 1, 500, Decimal("1.25")),
    ("tier:gold", "Gold", 2, 5000, Decimal("1.5")),
)

BASKETS = (
    ("demo-order-1", 20, [BasketLine("ESPRESSO-BEANS", "coffee", 2, Decimal("14.50"))]),
    (
        "demo-order-2",
        12,
        [
            BasketLine("LATTE", "drinks", 3, Decimal("4.20")),
            BasketLine("CROISSANT", "bakery", 2, Decimal("2.80")),
        ],
    ),
    ("demo-order-3", 3, [BasketLine("MUG-BLUE", "merch", 1, Decimal("18.00"))]),
)
# A purchase this long ago earned points that lapse within weeks (the program's points validity
# is a year): recorded again, under a new external id, whenever none are about to lapse.
OLD_PURCHASE_DAYS = 345
SOON = timedelta(days=30)


def _rules() -> dict[str, tuple[str, dict[str, Any]]]:
    now = clock.now()
    return {
        "rule:base": (
            "Base: 10 points per euro",
            {"kind": EarningRuleKind.BASE_RATE, "points_per_unit": Decimal(10)},
        ),
        "rule:coffee": (
            "Coffee beans x2",
            {"kind": EarningRuleKind.PRODUCT, "category": "coffee", "multiplier": Decimal(2)},
        ),
        "rule:welcome": (
            "Welcome bonus",
            {"kind": EarningRuleKind.FIRST_PURCHASE, "fixed_points": 100},
        ),
        "rule:campaign": (
            "Double points fortnight",
            {
                "kind": EarningRuleKind.CAMPAIGN,
                "multiplier": Decimal(2),
                "starts_at": now - timedelta(days=7),
                "ends_at": now + timedelta(days=7),
            },
        ),
        # Aimed at segments: members who used to buy often and have not lately.
        "rule:come-back": (
            "Come back: triple points for At risk members",
            {
                "kind": EarningRuleKind.CAMPAIGN,
                "multiplier": Decimal(3),
                "starts_at": now - timedelta(days=7),
                "ends_at": now + timedelta(days=21),
                "target_segments": ["AT_RISK", "HIBERNATING"],
            },
        ),
    }


async def _tier(
    program: Program, key: str, name: str, rank: int, threshold: int, x: Decimal
) -> Tier:
    async def adopt() -> Tier | None:
        # Before keys, the demo's tiers were the program's tiers of these ranks.
        return await Tier.get_or_none(program_id=program.id, rank=rank)

    async def make() -> Tier:
        return await tiers.create_tier(
            DEMO, program.id, name, rank, threshold, x, translations=languages.of(key)
        )

    return await keys.ensure(program, key, Tier, make, adopt)


async def _record(
    program: Program, member: Member, external_id: str, at: object, lines: list[BasketLine]
) -> None:
    await purchases.record_purchase(
        program,
        purchases.MemberRef(id=member.id),
        external_id=external_id,
        occurred_at=at,  # type: ignore[arg-type]  # an aware datetime from the clock
        currency=program.currency,
        total=sum((line.amount for line in lines), Decimal(0)),
        lines=lines,
    )


async def seed(program: Program, member: Member) -> None:
    by_key: dict[str, Tier] = {}
    for key, name, rank, threshold, multiplier in TIERS:
        by_key[key] = await _tier(program, key, name, rank, threshold, multiplier)
    for key, (name, values) in _rules().items():

        async def make(rule_name: str, values: dict[str, Any] = values) -> EarningRule:
            return await earning_rules.create_rule(DEMO, program.id, name=rule_name, **values)

        if values["kind"] == EarningRuleKind.CAMPAIGN:
            # A campaign that has run its course is followed by a new one: one always runs.
            await keys.running(program, key, EarningRule, name, make, lambda r: r.ends_at)
        else:
            await keys.ensure(
                program,
                key,
                EarningRule,
                functools.partial(make, name),
                keys.by_name(EarningRule, program, name),
            )

    gold = by_key["tier:gold"]

    async def plan() -> MembershipPlan:
        return await memberships.create_plan(
            DEMO,
            program.id,
            name="Gold Club (1 year)",
            tier_id=gold.id,
            duration_days=365,
            price=Decimal("49.00"),
        )

    await keys.ensure(
        program,
        "plan:gold-club",
        MembershipPlan,
        plan,
        keys.by_name(MembershipPlan, program, "Gold Club (1 year)"),
    )
    now = clock.now()
    for external_id, hours_ago, lines in BASKETS:
        # Their times move with the clock, so a rerun skips them rather than replay a new body.
        if not await Purchase.exists(program_id=program.id, external_id=external_id):
            await _record(program, member, external_id, now - timedelta(hours=hours_ago), lines)
    expiring_soon = LedgerEntry.filter(
        member_id=member.id, remaining__gt=0, expires_at__gt=now, expires_at__lte=now + SOON
    )
    if not await expiring_soon.exists():
        then = now - timedelta(days=OLD_PURCHASE_DAYS)
        # Recorded as the till would have then: the lot's expiry runs from that moment.
        with clock.frozen_at(then):
            await _record(
                program,
                member,
                f"demo-order-{then:%Y-%m-%d}",
                then,
                [BasketLine("FILTER-COFFEE", "drinks", 4, Decimal("3.00"))],
            )
    # What the worker's reminder scan does at start-up: Dana's feed tells her of those points.
    await expiry_reminders.send_reminders()
