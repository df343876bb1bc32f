"""Demo badges and challenges: a first-purchase badge, a five-purchase badge with levels, a
category badge, and an individual and a collective challenge running now."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import bootstrap
from badges.definitions import BadgeFields, create_badge
from badges.models import Badge, BadgeCriteria
from challenges import progress
from challenges.definitions import ChallengeFields, create_challenge
from challenges.models import Challenge, ChallengeKind, ChallengeMetric, Enrolment
from core.clock import clock
from gamification import events
from gamification.accounts.models import Member
from gamification.points import purchases
from gamification.points.earning_rules import BasketLine
from gamification.points.models import Purchase
from gamification.programs.models import Program


async def _badge(program: Program, name: str, criteria: BadgeCriteria, **kwargs: object) -> Badge:
    existing = await Badge.get_or_none(program_id=program.id, name=name)
    if existing is not None:
        return existing
    fields = BadgeFields(name=name, **kwargs)  # type: ignore[arg-type]  # the demo passes each badge's fields by keyword
    return await create_badge(
        program.id,
        criteria,
        fields,
        event_type="PURCHASE_RECORDED" if criteria == BadgeCriteria.EVENT_COUNT else None,
        category="coffee" if criteria == BadgeCriteria.PRODUCT_QUANTITY else None,
    )


async def _challenge(
    program: Program, name: str, metric: ChallengeMetric, kind: ChallengeKind, **kwargs: object
) -> Challenge:
    existing = await Challenge.get_or_none(program_id=program.id, name=name)
    if existing is not None:
        return existing
    enrolment = Enrolment.OPT_IN if kind == ChallengeKind.INDIVIDUAL else Enrolment.AUTOMATIC
    now = clock.now()
    fields = ChallengeFields(
        name=name, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), **kwargs
    )  # type: ignore[arg-type]  # the demo passes each challenge's fields by keyword
    return await create_challenge(
        program.id,
        metric,
        kind,
        enrolment,
        fields,
        category="coffee" if metric == ChallengeMetric.QUANTITY else None,
    )


AFTER_BADGES = "demo-engagement-visit"


async def seed(program: Program, member: Member) -> None:
    bootstrap.ensure_wired()
    await _badge(
        program,
        "First sip",
        BadgeCriteria.EVENT_COUNT,
        description="Your first purchase.",
        thresholds=[Decimal(1)],
        points=50,
    )
    await _badge(
        program,
        "Regular",
        BadgeCriteria.EVENT_COUNT,
        description="Bronze at 5 purchases, silver at 10, gold at 25.",
        thresholds=[Decimal(5), Decimal(10), Decimal(25)],
        points=100,
    )
    await _badge(
        program,
        "Coffee lover",
        BadgeCriteria.PRODUCT_QUANTITY,
        description="Ten coffees.",
        thresholds=[Decimal(10)],
        points=75,
    )
    visits = await _challenge(
        program,
        "Three visits this month",
        ChallengeMetric.PURCHASES,
        ChallengeKind.INDIVIDUAL,
        description="Join, then buy three times before the end.",
        target=Decimal(3),
        reward_points=150,
    )
    await _challenge(
        program,
        "A thousand coffees together",
        ChallengeMetric.QUANTITY,
        ChallengeKind.COLLECTIVE,
        description="When the community has bought 1,000 coffees, every contributor gets 200.",
        target=Decimal(1000),
        reward_points=200,
    )
    async with events.atomic():
        await progress.join(visits, member)  # joining again is harmless
    # The points part records its purchases before these badges exist: one visit after them, so
    # the demo member holds a badge and has progress to show (once: its external id is fixed).
    if not await Purchase.exists(program_id=program.id, external_id=AFTER_BADGES):
        await purchases.record_purchase(
            program,
            purchases.MemberRef(id=member.id),
            external_id=AFTER_BADGES,
            occurred_at=clock.now(),
            currency=program.currency,
            total=Decimal("8.40"),
            lines=[BasketLine("LATTE", "coffee", 2, Decimal("4.20"))],
        )
