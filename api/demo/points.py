"""Demo points engine: Bronze/Silver/Gold, a base rate, a category multiplier, a running
double-points campaign, a VIP plan, and a few purchases of the demo member, all through the
services (purchases are idempotent by their external ids, so a rerun adds nothing)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.clock import clock
from gamification.accounts.models import Member
from gamification.points import earning_rules, memberships, purchases, tiers
from gamification.points.earning_rules import BasketLine
from gamification.points.models import EarningRule, EarningRuleKind, MembershipPlan, Purchase, Tier
from gamification.programs.models import Program

TIERS = (
    ("Bronze", 0, 0, Decimal(1)),
    ("Silver", 1, 500, Decimal("1.25")),
    ("Gold", 2, 2000, Decimal("1.5")),
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


async def seed(program: Program, member: Member) -> None:
    by_name = {t.name: t for t in await Tier.filter(program_id=program.id)}
    for name, rank, threshold, multiplier in TIERS:
        if name not in by_name and not await Tier.exists(program_id=program.id, rank=rank):
            by_name[name] = await tiers.create_tier(program.id, name, rank, threshold, multiplier)
    now = clock.now()
    rules = {
        "Base: 10 points per euro": {
            "kind": EarningRuleKind.BASE_RATE,
            "points_per_unit": Decimal(10),
        },
        "Coffee beans x2": {
            "kind": EarningRuleKind.PRODUCT,
            "category": "coffee",
            "multiplier": Decimal(2),
        },
        "Double points fortnight": {
            "kind": EarningRuleKind.CAMPAIGN,
            "multiplier": Decimal(2),
            "starts_at": now - timedelta(days=7),
            "ends_at": now + timedelta(days=7),
        },
        "Welcome bonus": {"kind": EarningRuleKind.FIRST_PURCHASE, "fixed_points": 100},
    }
    for name, values in rules.items():
        existing = EarningRule.filter(program_id=program.id, name=name, archived=False)
        if values["kind"] == EarningRuleKind.CAMPAIGN:
            # A campaign that has run its course is replaced, so the demo always has one running.
            existing = existing.filter(ends_at__gt=now)
        if not await existing.exists():
            await earning_rules.create_rule(program.id, name=name, **values)
    if "Gold" in by_name and not await MembershipPlan.exists(program_id=program.id):
        await memberships.create_plan(
            program.id,
            name="Gold Club (1 year)",
            tier_id=by_name["Gold"].id,
            duration_days=365,
            price=Decimal("49.00"),
        )
    for external_id, hours_ago, lines in BASKETS:
        # Their times move with the clock, so a rerun skips them rather than replay a new body.
        if await Purchase.exists(program_id=program.id, external_id=external_id):
            continue
        await purchases.record_purchase(
            program,
            purchases.MemberRef(id=member.id),
            external_id=external_id,
            occurred_at=now - timedelta(hours=hours_ago),
            currency=program.currency,
            total=sum((line.amount for line in lines), Decimal(0)),
            lines=lines,
        )
