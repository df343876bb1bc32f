"""Demo badges and challenges: a first-purchase badge, a five-purchase badge with levels, a
category badge, and three challenges running now: one the demo member has joined, a collective
one everyone is in, and one they can still join (`joinChallenge`). Each is found by its key
(api/demo/keys.py); a challenge that has ended is followed by a new one."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import bootstrap
from api.demo import keys, languages
from api.demo.actor import DEMO
from badges.definitions import BadgeFields, create_badge
from badges.models import Badge, BadgeCriteria
from challenges import progress
from challenges.definitions import ChallengeFields, create_challenge
from challenges.models import Challenge, ChallengeKind, ChallengeMetric, ChallengeStatus, Enrolment
from core.clock import clock
from gamification import events
from gamification.accounts.models import Member
from gamification.points import purchases
from gamification.points.earning_rules import BasketLine
from gamification.points.models import Purchase
from gamification.programs.models import Program


async def _badge(
    program: Program, key: str, name: str, criteria: BadgeCriteria, **kwargs: Any
) -> Badge:
    async def make() -> Badge:
        fields = BadgeFields(name=name, translations=languages.of(key), **kwargs)
        return await create_badge(
            DEMO,
            program.id,
            criteria,
            fields,
            event_type="PURCHASE_RECORDED" if criteria == BadgeCriteria.EVENT_COUNT else None,
            category="coffee" if criteria == BadgeCriteria.PRODUCT_QUANTITY else None,
        )

    return await keys.ensure(program, key, Badge, make, keys.by_name(Badge, program, name))


async def _make_challenge(
    program: Program,
    metric: ChallengeMetric,
    kind: ChallengeKind,
    category: str | None,
    kwargs: dict[str, Any],
    name: str,
) -> Challenge:
    enrolment = Enrolment.OPT_IN if kind == ChallengeKind.INDIVIDUAL else Enrolment.AUTOMATIC
    now = clock.now()
    fields = ChallengeFields(
        name=name, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), **kwargs
    )
    return await create_challenge(
        DEMO, program.id, metric, kind, enrolment, fields, category=category
    )


async def _challenge(
    program: Program,
    key: str,
    name: str,
    metric: ChallengeMetric,
    kind: ChallengeKind,
    category: str | None = None,
    **kwargs: Any,
) -> Challenge | None:
    make = functools.partial(_make_challenge, program, metric, kind, category, kwargs)
    return await keys.running(program, key, Challenge, name, make, _ends)


def _ends(challenge: Challenge) -> datetime:
    return challenge.ends_at


AFTER_BADGES = "demo-engagement-visit"


async def seed(program: Program, member: Member) -> None:
    bootstrap.ensure_wired()
    await _badge(
        program,
        "badge:first-sip",
        "First sip",
        BadgeCriteria.EVENT_COUNT,
        description="Your first purchase.",
        thresholds=[Decimal(1)],
        points=50,
    )
    await _badge(
        program,
        "badge:regular",
        "Regular",
        BadgeCriteria.EVENT_COUNT,
        description="Bronze at 5 purchases, silver at 10, gold at 25.",
        thresholds=[Decimal(5), Decimal(10), Decimal(25)],
        points=100,
    )
    await _badge(
        program,
        "badge:coffee-lover",
        "Coffee lover",
        BadgeCriteria.PRODUCT_QUANTITY,
        description="Ten coffees.",
        thresholds=[Decimal(10)],
        points=75,
    )
    visits = await _challenge(
        program,
        "challenge:three-visits",
        "Three visits this month",
        ChallengeMetric.PURCHASES,
        ChallengeKind.INDIVIDUAL,
        description="Join, then buy three times before the end.",
        target=Decimal(3),
        reward_points=150,
    )
    await _challenge(
        program,
        "challenge:thousand-coffees",
        "A thousand coffees together",
        ChallengeMetric.QUANTITY,
        ChallengeKind.COLLECTIVE,
        category="coffee",
        description="When the community has bought 1,000 coffees, every contributor gets 200.",
        target=Decimal(1000),
        reward_points=200,
    )
    # Left for the demo member to join: `joinChallenge` has something to show.
    await _challenge(
        program,
        "challenge:bakery",
        "Bakery week",
        ChallengeMetric.QUANTITY,
        ChallengeKind.INDIVIDUAL,
        category="bakery",
        description="Join, then take home five pastries before the end.",
        target=Decimal(5),
        reward_points=120,
    )
    if visits is not None and visits.status == ChallengeStatus.ACTIVE:
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
