"""Demo referrals and leaderboards: friends referred by the demo member (two of them qualified),
points earned by each, and the boards rebuilt from the database. Idempotent."""

from __future__ import annotations

from decimal import Decimal

from api.demo.actor import DEMO
from core.clock import clock
from core.redis import create_redis
from core.settings import get_settings
from gamification import events, leaderboards
from gamification.accounts.models import Member
from gamification.points import ledger, tiers
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.programs.models import Program
from gamification.referrals import referrals, sign_up

DEMO_RULES = {
    "referral_points": 500,
    "referee_bonus": 100,
    "referral_min_purchase": "20.00",
    "referral_window_days": 30,
    "referral_monthly_cap": 10,
}
# (email, display name, qualifies, points earned besides the referral bonus)
FRIENDS = (
    ("friend1@demo.example", "Fiona Friend", True, 1200),
    ("friend2@demo.example", "Gus Guest", True, 350),
    ("friend3@demo.example", "Hana Hello", False, 80),
    ("friend4@demo.example", "Ivo Invite", False, 0),
)
PASSWORD = "demo-friend-password"


async def seed(program: Program, member: Member) -> None:
    if not program.settings.get("referral_points"):
        await referrals.configure(DEMO, program, **DEMO_RULES)
    for email, name, qualifies, points in FRIENDS:
        friend = await Member.get_or_none(program_id=program.id, email=email)
        if friend is None:
            friend = await sign_up.register_referred(program, email, PASSWORD, name, member)
        elif friend.tier_id is None:
            # Signed up by a demo from before members entered the first tier at sign-up.
            async with events.atomic():
                await tiers.enter_first_tier(friend, program)
        if qualifies:
            # As a purchase of the friend would (the purchases feature emits the real event).
            await referrals.qualify(
                referrals.QualifyingPurchase(
                    referee_id=friend.id,
                    purchase_id=None,
                    total=Decimal("42.00"),
                    currency=program.currency,
                    occurred_at=clock.now(),
                )
            )
        reference = "demo:earned"
        if points and not await LedgerEntry.exists(member_id=friend.id, reference=reference):
            async with events.atomic():
                await ledger.credit(
                    friend,
                    points,
                    LedgerKind.EARN,
                    expires_at=ledger.points_expiry(program, clock.now()),
                    reason="Demo purchases",
                    reference=reference,
                )
    # The boards come from the database: rebuilding fills them whatever ran before.
    settings = get_settings()
    redis = create_redis(settings.redis_url, settings.redis_cluster)
    try:
        await leaderboards.rebuild_program(redis, program.id)
    finally:
        await redis.aclose()
