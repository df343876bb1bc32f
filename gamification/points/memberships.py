"""Paid VIP memberships: plans (a tier for a duration, at a price) and their activations.

An integration reports the purchase of a plan (`activate_membership`, idempotent on its external
id); the member then holds at least the plan's tier until the membership ends. A cron scan ends
due memberships and puts the member back on the best of their earned tier and other live
memberships.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from core.bulk import column
from core.clock import clock
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from core.fingerprints import fingerprint
from core.unique_names import unique_name
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import Actor, AuditAction, trail
from gamification.events.payloads import MembershipActivated, MembershipEnded
from gamification.points import ledger, tiers
from gamification.points.error_codes import PointsErrorCode
from gamification.points.models import Membership, MembershipPlan

MAX_DURATION_DAYS = 3660


async def plan_in_program(program_id: int, plan_id: int) -> MembershipPlan:
    plan = await MembershipPlan.get_or_none(id=plan_id, program_id=program_id)
    if plan is None:
        raise NotFound(PointsErrorCode.PLAN_NOT_FOUND, "No such membership plan.", "planId")
    return plan


async def create_plan(
    actor: Actor, program_id: int, *, name: str, tier_id: int, duration_days: int, price: Decimal
) -> MembershipPlan:
    plan = MembershipPlan(program_id=program_id, created_at=clock.now())
    await _apply(plan, name=name, tier_id=tier_id, duration_days=duration_days, price=price)
    async with unique_name(MembershipPlan, program_id, plan.name, what="membership plan"):
        await plan.save()
        await trail.created(actor, AuditAction.MEMBERSHIP_PLAN_CREATED, plan)
    return plan


async def update_plan(
    actor: Actor, program_id: int, plan_id: int, **changes: Any
) -> MembershipPlan:
    """Changes apply to later activations; live memberships keep their tier and end date."""
    plan = await plan_in_program(program_id, plan_id)
    before = trail.snapshot(plan)
    await _apply(plan, **{k: v for k, v in changes.items() if v is not None})
    async with unique_name(
        MembershipPlan, program_id, plan.name, what="membership plan", own_id=plan.id
    ):
        await plan.save()
        await trail.changed(actor, AuditAction.MEMBERSHIP_PLAN_UPDATED, plan, before)
    return plan


async def archive_plan(actor: Actor, program_id: int, plan_id: int) -> MembershipPlan:
    plan = await plan_in_program(program_id, plan_id)
    if not plan.archived:
        async with in_transaction():
            before = trail.snapshot(plan)
            plan.archived = True
            await plan.save(update_fields=["archived"])
            await trail.changed(actor, AuditAction.MEMBERSHIP_PLAN_ARCHIVED, plan, before)
    return plan


async def _apply(plan: MembershipPlan, **values: Any) -> None:
    for name, value in values.items():
        setattr(plan, name, value)
    plan.name = plan.name.strip()
    if not 1 <= len(plan.name) <= 100:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A plan name has 1 to 100 characters.", "name"
        )
    if not 1 <= plan.duration_days <= MAX_DURATION_DAYS:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A duration is 1 to 3660 days.", "durationDays"
        )
    price = Decimal(plan.price)
    if not price.is_finite() or not Decimal(0) <= price <= Decimal("1000000000"):
        raise ValidationFailed(PointsErrorCode.INVALID_AMOUNT, "A price is not negative.", "price")
    await tiers.tier_in_program(plan.program_id, plan.tier_id)


@dataclass(frozen=True)
class Activation:
    membership: Membership
    replayed: bool


async def activate_membership(member: Member, plan_id: int, external_id: str) -> Activation:
    """Start a membership of the plan for the member (after any live one of the same plan, so a
    renewal extends it). The same external id again returns the first activation; with another
    member or plan it is IDEMPOTENCY_KEY_REUSED."""
    ledger.check_key(external_id, "externalId")
    print_ = fingerprint({"member": member.id, "plan": plan_id})
    previous = await Membership.get_or_none(program_id=member.program_id, external_id=external_id)
    if previous is not None:
        return Activation(_same(previous, print_), replayed=True)
    plan = await plan_in_program(member.program_id, plan_id)
    if plan.archived:
        raise Refused(PointsErrorCode.PLAN_NOT_FOUND, "This plan is no longer sold.", "planId")
    try:
        async with events.atomic():
            # The member row locked, as purchases take it: tier moves of one member queue up.
            member = await Member.filter(id=member.id).select_for_update().get()
            now = clock.now()
            latest = await column(
                Membership.filter(
                    member_id=member.id, plan_id=plan.id, ended_at__isnull=True, ends_at__gt=now
                ).annotate(end=Max("ends_at")),
                "end",
            )
            starts_at = max(now, latest[0]) if latest and latest[0] else now
            membership = await Membership.create(
                program_id=member.program_id,
                member_id=member.id,
                plan_id=plan.id,
                tier_id=plan.tier_id,
                external_id=external_id,
                fingerprint=print_,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(days=plan.duration_days),
                created_at=now,
            )
            await events.emit(
                MembershipActivated(
                    membership_id=membership.id,
                    plan_id=plan.id,
                    tier_id=plan.tier_id,
                    ends_at=membership.ends_at,
                ),
                program_id=member.program_id,
                member_id=member.id,
            )
            await tiers.show_best_tier(
                member, await tiers.tiers_of(member.program_id), "membership"
            )
    except IntegrityError:
        previous = await Membership.get(program_id=member.program_id, external_id=external_id)
        return Activation(_same(previous, print_), replayed=True)
    return Activation(membership, replayed=False)


def _same(previous: Membership, print_: str) -> Membership:
    if previous.fingerprint != print_:
        raise Refused(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This external id was used for another activation.",
            "externalId",
        )
    return previous


async def end_membership(membership_id: int) -> bool:
    """End one due membership (once: claimed by a conditional update) and re-show the member's
    best tier."""
    now = clock.now()
    async with events.atomic():
        claimed = await Membership.filter(
            id=membership_id, ended_at__isnull=True, ends_at__lte=now
        ).update(ended_at=now)
        if not claimed:
            return False
        membership = await Membership.get(id=membership_id)
        member = await Member.filter(id=membership.member_id).select_for_update().get()
        await events.emit(
            MembershipEnded(membership_id=membership.id, plan_id=membership.plan_id),
            program_id=member.program_id,
            member_id=member.id,
        )
        await tiers.show_best_tier(
            member, await tiers.tiers_of(member.program_id), "membership ended"
        )
        return True


async def end_due_memberships(batch_size: int = 500) -> int:
    """End every membership whose end date has passed (a cron scan). Idempotent."""
    ended = 0
    while True:
        due = await column(
            Membership.filter(ended_at__isnull=True, ends_at__lte=clock.now()).limit(batch_size),
            "id",
        )
        if not due:
            return ended
        done = [await end_membership(membership_id) for membership_id in due]
        ended += sum(done)
        if not any(done):
            return ended
