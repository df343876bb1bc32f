"""Tiers: creating them, moving a member between them (with a TIER_CHANGED event), qualifying
for them over a rolling window, and reviewing them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from core.bulk import column
from core.clock import clock
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from core.statements import Statement
from core.unique_names import unique_name
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import Actor, AuditAction, trail
from gamification.events.payloads import TierChanged
from gamification.points import engine_snapshot
from gamification.points.error_codes import PointsErrorCode
from gamification.points.models import Membership, MemberTierStatus, Purchase, Tier
from gamification.programs import languages
from gamification.programs.models import Program


async def create_tier(
    actor: Actor,
    program_id: int,
    name: str,
    rank: int,
    qualifying_threshold: int = 0,
    earning_multiplier: Decimal = Decimal(1),
    perks: str = "",
    translations: Iterable[Any] = (),
) -> Tier:
    """A new tier; `translations` give its name (and, as their description, its perks) in
    other languages (programs/languages.py)."""
    name = name.strip()
    translated = languages.clean_translations(translations)
    if not 1 <= len(name) <= 60:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A tier name has 1 to 60 characters.", "name"
        )
    if not 0 <= rank <= 1000:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "A rank is between 0 and 1000.", "rank")
    if not Decimal(earning_multiplier).is_finite():
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "Give a finite number.", "earningMultiplier"
        )
    if qualifying_threshold < 0:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A threshold is not negative.", "qualifyingThreshold"
        )
    if not Decimal(0) < earning_multiplier <= Decimal(100):
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A multiplier is above 0 and at most 100.", "earningMultiplier"
        )
    try:
        async with unique_name(Tier, program_id, name, what="tier"):
            tier = await Tier.create(
                program_id=program_id,
                name=name,
                rank=rank,
                qualifying_threshold=qualifying_threshold,
                earning_multiplier=earning_multiplier,
                perks=perks,
                translations=translated,
                created_at=clock.now(),
            )
            await trail.created(actor, AuditAction.TIER_CREATED, tier)
    except IntegrityError:
        raise Refused(ErrorCode.INVALID_INPUT, "A tier of this rank exists.", "rank") from None
    engine_snapshot.forget(program_id)
    return tier


async def set_member_tier(member: Member, tier: Tier | None, reason: str) -> bool:
    """Move the member to `tier` (None: no tier). Runs inside `events.atomic()`. Returns whether
    anything changed; a change emits TIER_CHANGED with the old and new tier."""
    new_id = tier.id if tier else None
    if member.tier_id == new_id:
        return False
    old_id = member.tier_id
    await Member.filter(id=member.id).update(tier_id=new_id)
    member.tier_id = new_id
    await events.emit(
        TierChanged(
            from_tier=old_id, to_tier=new_id, reason=reason, rank=tier.rank if tier else None
        ),
        program_id=member.program_id,
        member_id=member.id,
    )
    return True


# --- qualification, upgrades, reviews and progress (the points engine) -------------------------
#
# Program settings (Program.settings):
#   tier_basis         "points" (default: points earned by purchases, net of refunds) or "spend"
#                      (purchase totals net of refunds), counted over the rolling window below
#   tier_window_days   the rolling qualifying window, default 365
#   tier_review_days   the time between a member's tier reviews, default = tier_window_days
#   tier_grace         true: a member who no longer qualifies keeps the tier one more period
#
# A member's shown tier (Member.tier_id) is the best of the tier earned by qualification
# (MemberTierStatus.earned_tier_id) and the tiers of their live VIP memberships. Upgrades happen
# as soon as a purchase crosses a threshold; downgrades only at the member's review date.


@dataclass(frozen=True)
class TierRules:
    basis: str
    window: timedelta
    review_period: timedelta
    grace: bool

    @classmethod
    def of(cls, program: Program) -> TierRules:
        settings = program.settings or {}
        window = int(settings.get("tier_window_days") or 365)
        review = int(settings.get("tier_review_days") or window)
        return cls(
            basis="spend" if settings.get("tier_basis") == "spend" else "points",
            window=timedelta(days=window),
            review_period=timedelta(days=review),
            grace=bool(settings.get("tier_grace")),
        )


async def tiers_of(program_id: int) -> list[Tier]:
    """The program's live tiers, lowest rank first."""
    return await Tier.filter(program_id=program_id, archived=False).order_by("rank")


def tier_for(tiers: list[Tier], value: int) -> Tier | None:
    """The best tier whose threshold `value` reaches (tiers sorted by rank)."""
    best = None
    for tier in tiers:
        if tier.qualifying_threshold <= value:
            best = tier
    return best


# Qualifying points are not ledger.EARNED_KINDS, on purpose: a tier measures what a member buys,
# so only the points purchases earned count, net of their refunds; bonuses, prizes and staff
# adjustments qualify for nothing. They are read from the purchases' own columns, so the reversal
# of a referral bonus (a REFUND entry too) does not count against a tier either.
async def qualifying_value(member_id: int, rules: TierRules, at: datetime | None = None) -> int:
    """Points earned by purchases (or money spent, whole units) over the rolling window, net of
    refunds."""
    at = at or clock.now()
    purchases = Purchase.filter(member_id=member_id, occurred_at__gt=at - rules.window)
    if rules.basis == "spend":
        rows = await purchases.annotate(t=Sum("total"), r=Sum("refunded_amount")).values("t", "r")
        total = Decimal(str(rows[0]["t"] or 0)) - Decimal(str(rows[0]["r"] or 0)) if rows else 0
        return int(total)
    # Points, the usual basis, on every purchase: fixed text (see core/statements.py).
    rows = await _POINTS_EARNED.rows(member_id, at - rules.window)
    return int(rows[0]["p"] or 0) - int(rows[0]["r"] or 0) if rows else 0


_POINTS_EARNED = Statement(
    Purchase,
    'SELECT SUM("points_earned") AS "p", SUM("points_reversed") AS "r" FROM "purchase"'
    ' WHERE "member_id" = $1 AND "occurred_at" > $2',
)
_STATUS = Statement(MemberTierStatus, 'SELECT * FROM "member_tier_status" WHERE "member_id" = $1')


async def _status(member: Member) -> MemberTierStatus:
    status = await _STATUS.first(member.id)
    if status is None:
        status = await MemberTierStatus.create(program_id=member.program_id, member_id=member.id)
    return status


async def vip_floor(member_id: int, tiers: list[Tier]) -> Tier | None:
    """The best tier the member's live memberships grant, or None."""
    now = clock.now()
    tier_ids = await column(
        Membership.filter(
            member_id=member_id, ended_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        ),
        "tier_id",
    )
    granted = [t for t in tiers if t.id in set(tier_ids)]
    return granted[-1] if granted else None


async def show_best_tier(member: Member, tiers: list[Tier], reason: str) -> bool:
    """Set the member's shown tier to the best of the earned tier and the VIP floor. Runs inside
    `events.atomic()`; emits TIER_CHANGED when it changes."""
    status = await MemberTierStatus.get_or_none(member_id=member.id)
    by_id = {t.id: t for t in tiers}
    earned = by_id.get(status.earned_tier_id) if status and status.earned_tier_id else None
    floor = await vip_floor(member.id, tiers)
    best = max((t for t in (earned, floor) if t is not None), key=lambda t: t.rank, default=None)
    return await set_member_tier(member, best, reason)


async def upgrade_after_earning(member: Member, program: Program, tiers: list[Tier]) -> bool:
    """After points are earned (inside the purchase's transaction): move the member up at once
    if they now qualify for a better tier, starting a new review period. Never moves down."""
    if not tiers:
        return False
    rules = TierRules.of(program)
    qualified = tier_for(tiers, await qualifying_value(member.id, rules))
    if qualified is None:
        return False
    status = await _status(member)
    earned_rank = next((t.rank for t in tiers if t.id == status.earned_tier_id), None)
    if earned_rank is not None and qualified.rank <= earned_rank:
        return False
    await MemberTierStatus.filter(id=status.id).update(
        earned_tier_id=qualified.id, review_at=clock.now() + rules.review_period, grace_used=False
    )
    current_rank = next((t.rank for t in tiers if t.id == member.tier_id), None)
    if current_rank is not None and current_rank >= qualified.rank:
        return False  # a VIP membership already shows a tier at least as good
    return await set_member_tier(member, qualified, "qualified")


async def enter_first_tier(member: Member, program: Program) -> bool:
    """At sign-up (inside its transaction): the tier a member qualifies for with nothing earned
    yet, when the program has one from 0 (emits TIER_CHANGED). Without it a new member would
    show no tier until their first earning."""
    return await upgrade_after_earning(member, program, await tiers_of(program.id))


async def review_tier(status_id: int) -> bool:
    """The review of one member whose review date has passed: keep, upgrade or (after any grace)
    downgrade to what they qualify for now, and set the next review date. Idempotent: the review
    is claimed by a conditional update of its date, so a second run or worker does nothing."""
    now = clock.now()
    async with events.atomic():
        status = await MemberTierStatus.get_or_none(id=status_id)
        if status is None or status.review_at is None or status.review_at > now:
            return False
        # The member row locked, as purchases take it: tier moves of one member queue up.
        member = await Member.filter(id=status.member_id).select_for_update().get()
        program = await Program.get(id=member.program_id)
        rules = TierRules.of(program)
        tiers = await tiers_of(program.id)
        qualified = tier_for(tiers, await qualifying_value(member.id, rules, now))
        earned = next((t for t in tiers if t.id == status.earned_tier_id), None)
        qualified_rank = qualified.rank if qualified else -1
        earned_rank = earned.rank if earned else -1
        grace_used = False
        new_earned = qualified
        if qualified_rank < earned_rank and rules.grace and not status.grace_used:
            new_earned, grace_used = earned, True
        next_review = status.review_at + rules.review_period
        while next_review <= now:
            next_review += rules.review_period
        claimed = await MemberTierStatus.filter(id=status.id, review_at=status.review_at).update(
            earned_tier_id=new_earned.id if new_earned else None,
            review_at=next_review,
            grace_used=grace_used,
        )
        if not claimed:
            return False
        await show_best_tier(member, tiers, "review")
        return True


async def review_due_tiers(batch_size: int = 500) -> int:
    """Review every member whose review date has passed (a cron scan). Idempotent."""
    reviewed = 0
    while True:
        due = await column(
            MemberTierStatus.filter(review_at__lte=clock.now()).limit(batch_size), "id"
        )
        if not due:
            return reviewed
        done = [await review_tier(status_id) for status_id in due]
        reviewed += sum(done)
        if not any(done):
            return reviewed


@dataclass(frozen=True)
class TierProgress:
    current: Tier | None
    next: Tier | None
    qualifying_points: int
    points_to_next: int | None
    review_date: datetime | None


async def tier_progress(member: Member) -> TierProgress:
    program = await Program.get(id=member.program_id)
    tiers = await tiers_of(program.id)
    value = await qualifying_value(member.id, TierRules.of(program))
    current = next((t for t in tiers if t.id == member.tier_id), None)
    above = [t for t in tiers if current is None or t.rank > current.rank]
    upcoming = above[0] if above else None
    status = await MemberTierStatus.get_or_none(member_id=member.id)
    return TierProgress(
        current=current,
        next=upcoming,
        qualifying_points=value,
        points_to_next=max(0, upcoming.qualifying_threshold - value) if upcoming else None,
        review_date=status.review_at if status else None,
    )


async def tier_in_program(program_id: int, tier_id: int) -> Tier:
    tier = await Tier.get_or_none(id=tier_id, program_id=program_id)
    if tier is None:
        raise NotFound(PointsErrorCode.TIER_NOT_FOUND, "No such tier in this program.", "tierId")
    return tier


async def update_tier(actor: Actor, program_id: int, tier_id: int, **changes: Any) -> Tier:
    """Change a tier's name, rank, threshold, multiplier or perks (validated like create_tier)."""
    tier = await tier_in_program(program_id, tier_id)
    before = trail.snapshot(tier)
    for name in ("name", "rank", "qualifying_threshold", "earning_multiplier", "perks"):
        if name in changes and changes[name] is not None:
            setattr(tier, name, changes[name])
    if changes.get("translations") is not None:
        tier.translations = languages.clean_translations(changes["translations"])
    _check_tier(tier.name, tier.rank, tier.qualifying_threshold, Decimal(tier.earning_multiplier))
    tier.name = tier.name.strip()
    try:
        async with unique_name(Tier, program_id, tier.name, what="tier", own_id=tier.id):
            await tier.save()
            await trail.changed(actor, AuditAction.TIER_UPDATED, tier, before)
    except IntegrityError:
        raise Refused(ErrorCode.INVALID_INPUT, "A tier of this rank exists.", "rank") from None
    engine_snapshot.forget(program_id)
    return tier


async def archive_tier(actor: Actor, program_id: int, tier_id: int) -> Tier:
    """Archived tiers are no longer reached; members keep theirs until their next review."""
    tier = await tier_in_program(program_id, tier_id)
    if not tier.archived:
        async with in_transaction():
            before = trail.snapshot(tier)
            tier.archived = True
            await tier.save(update_fields=["archived"])
            await trail.changed(actor, AuditAction.TIER_ARCHIVED, tier, before)
    engine_snapshot.forget(program_id)
    return tier


def _check_tier(name: str, rank: int, threshold: int, multiplier: Decimal) -> None:
    if not 1 <= len(name.strip()) <= 60:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A tier name has 1 to 60 characters.", "name"
        )
    if not 0 <= rank <= 1000:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "A rank is between 0 and 1000.", "rank")
    if threshold < 0:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A threshold is not negative.", "qualifyingThreshold"
        )
    if not multiplier.is_finite() or not Decimal(0) < multiplier <= Decimal(100):
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A multiplier is above 0 and at most 100.", "earningMultiplier"
        )
