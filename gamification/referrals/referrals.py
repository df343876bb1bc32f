"""Referrals: who brought whom, when a referral qualifies, what it pays, and the refund rule.

Program settings (in `Program.settings`, all optional):
- `referral_points` (int, default 0): what the referrer earns when a referral qualifies;
- `referee_bonus` (int, default 0): the referee's welcome bonus at the same moment;
- `referral_min_purchase` (decimal string, default "0"): a purchase qualifies when its total is
  at least this, in the program's currency;
- `referral_window_days` (default 30): days after the referral during which a purchase qualifies;
- `referral_monthly_cap` (int or null, default null): referrals a referrer can be paid for per
  calendar month (UTC); beyond it a referral is recorded CAPPED and pays nothing;
- `referral_apply_days` (default 7): days after sign-up during which a member may still enter a
  friend's code (`applyReferralCode`);
- `referral_refund_window_days` (default 30): see the refund rule.

Rules, whatever the concurrency (see docs/referrals.md):
- a member is referred at most once (unique referee) and never by themselves or by someone their
  own referral chain leads back to (no loops);
- a referral moves PENDING -> QUALIFIED or CAPPED once, by a conditional UPDATE: a purchase event
  handled many times, even at once, pays once;
- the refund rule: when refunds bring the qualifying purchase below the minimum within
  `referral_refund_window_days` of qualifying, the referral becomes REVERSED, the points it paid
  are clawed back (kind REFUND) and REFERRAL_REVERSED is emitted. Later refunds change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from tortoise.expressions import F, Q
from tortoise.functions import Count, Sum

from core.bulk import column
from core.clock import clock
from core.errors import ErrorCode, Refused, ValidationFailed
from gamification import events
from gamification.accounts.models import Member
from gamification.audit import Actor
from gamification.events import EventType
from gamification.events.models import Event
from gamification.events.payloads import (
    PurchaseRecorded,
    PurchaseRefunded,
    ReferralCapped,
    ReferralChanged,
    ReferralQualified,
    ReferralReversed,
)
from gamification.points import ledger
from gamification.points.models import LedgerKind
from gamification.programs import settings as program_settings
from gamification.programs.models import Program
from gamification.referrals.error_codes import ReferralErrorCode
from gamification.referrals.models import Referral, ReferralStatus

log = structlog.get_logger("gamification.referrals")

# How far up a referral chain the loop check walks; chains are short in practice.
MAX_CHAIN = 1000


@dataclass(frozen=True)
class ReferralRules:
    referral_points: int
    referee_bonus: int
    min_purchase: Decimal
    window: timedelta
    monthly_cap: int | None
    apply_window: timedelta
    refund_window: timedelta

    @classmethod
    def of(cls, program: Program) -> ReferralRules:
        s: dict[str, Any] = program.settings or {}
        cap = s.get("referral_monthly_cap")
        return cls(
            referral_points=int(s.get("referral_points") or 0),
            referee_bonus=int(s.get("referee_bonus") or 0),
            min_purchase=Decimal(str(s.get("referral_min_purchase") or "0")),
            window=timedelta(days=int(s.get("referral_window_days", 30))),
            monthly_cap=int(cap) if cap is not None else None,
            apply_window=timedelta(days=int(s.get("referral_apply_days", 7))),
            refund_window=timedelta(days=int(s.get("referral_refund_window_days", 30))),
        )


SETTING_KEYS = (
    "referral_points",
    "referee_bonus",
    "referral_min_purchase",
    "referral_window_days",
    "referral_monthly_cap",
    "referral_apply_days",
    "referral_refund_window_days",
)


async def configure(actor: Actor, program: Program, **settings: Any) -> Program:
    """Set some of the program's referral settings (validated as updateProgramSettings does)."""
    unknown = set(settings) - set(SETTING_KEYS)
    if unknown:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, f"Unknown settings: {sorted(unknown)}")
    return await program_settings.update_settings(actor, program.id, settings)


def month_start(at: datetime) -> datetime:
    return at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def member_by_code(program_id: int, code: str) -> Member:
    """The member of this program with this referral code, or INVALID_REFERRAL_CODE."""
    code = code.strip().upper()
    # Codes are short and alphanumeric; anything else is unknown without asking the database.
    valid = 1 <= len(code) <= 16 and code.isascii() and code.isalnum()
    referrer = None
    if valid:
        referrer = await Member.get_or_none(program_id=program_id, referral_code=code)
    if referrer is None:
        raise ValidationFailed(
            ReferralErrorCode.INVALID_REFERRAL_CODE,
            "This referral code is unknown.",
            "referralCode",
        )
    return referrer


async def record_referral(program: Program, referrer: Member, referee: Member) -> Referral:
    """The PENDING referral of a new member; called inside the sign-up's transaction."""
    now = clock.now()
    return await Referral.create(
        program_id=program.id,
        referrer_id=referrer.id,
        referee_id=referee.id,
        created_at=now,
        expires_at=now + ReferralRules.of(program).window,
    )


async def apply_referral_code(member: Member, code: str) -> Referral:
    """A signed-up member enters a friend's code within `referral_apply_days` of signing up."""
    program = await Program.get(id=member.program_id)
    rules = ReferralRules.of(program)
    referrer = await member_by_code(program.id, code)
    if referrer.id == member.id:
        raise Refused(ReferralErrorCode.OWN_REFERRAL_CODE, "This is your own code.", "referralCode")
    if clock.now() > member.created_at + rules.apply_window:
        raise Refused(
            ReferralErrorCode.REFERRAL_WINDOW_CLOSED,
            "A referral code can only be entered shortly after signing up.",
            "referralCode",
        )
    async with events.atomic():
        # Serialise code entries of the program (rare): two members entering each other's codes
        # at once would otherwise both pass the loop check. A no-op UPDATE locks the row.
        await Program.filter(id=program.id).update(slug=F("slug"))
        # Read again under the lock: the rows read before it may be stale.
        referrer = await Member.get(id=referrer.id)
        if await Referral.exists(referee_id=member.id) or await Member.exists(
            id=member.id, referred_by_id__not_isnull=True
        ):
            raise Refused(
                ReferralErrorCode.ALREADY_REFERRED, "You were already referred.", "referralCode"
            )
        if await _chain_reaches(referrer, member.id):
            raise Refused(
                ReferralErrorCode.REFERRAL_LOOP,
                "This member was referred by you, directly or not.",
                "referralCode",
            )
        taken = await Member.filter(id=member.id, referred_by_id=None).update(
            referred_by_id=referrer.id
        )
        if not taken:
            raise Refused(
                ReferralErrorCode.ALREADY_REFERRED, "You were already referred.", "referralCode"
            )
        return await record_referral(program, referrer, member)


async def _chain_reaches(start: Member, target_id: int) -> bool:
    """Whether following `referred_by` from `start` reaches `target_id`."""
    current: int | None = start.referred_by_id
    seen: set[int] = {start.id}
    for _ in range(MAX_CHAIN):
        if current is None or current in seen:
            return False
        if current == target_id:
            return True
        seen.add(current)
        rows = await column(Member.filter(id=current), "referred_by_id")
        current = rows[0] if rows else None
    return False


@dataclass(frozen=True)
class QualifyingPurchase:
    referee_id: int
    purchase_id: int | None
    total: Decimal
    currency: str
    occurred_at: datetime


async def qualify(purchase: QualifyingPurchase) -> Referral | None:
    """Qualify the referee's PENDING referral with this purchase if it meets the rules.

    Returns the referral if this call moved it (QUALIFIED or CAPPED), else None. Safe to call
    any number of times, concurrently: the move is a conditional UPDATE from PENDING.
    """
    referral = await Referral.get_or_none(
        referee_id=purchase.referee_id, status=ReferralStatus.PENDING
    )
    if referral is None:
        return None
    program = await Program.get(id=referral.program_id)
    rules = ReferralRules.of(program)
    if purchase.currency != program.currency or purchase.total < rules.min_purchase:
        return None
    if not referral.created_at <= purchase.occurred_at <= referral.expires_at:
        return None
    async with events.atomic():
        # Lock the referrer first (no-op UPDATE), so two referees of one referrer qualifying at
        # once count the monthly cap one after the other. Members are always locked referrer
        # first, then referee: no deadlock.
        await Member.filter(id=referral.referrer_id).update(points_balance=F("points_balance"))
        now = clock.now()
        status = ReferralStatus.QUALIFIED
        if rules.monthly_cap is not None:
            this_month = await Referral.filter(
                referrer_id=referral.referrer_id,
                status=ReferralStatus.QUALIFIED,
                qualified_at__gte=month_start(now),
            ).count()
            if this_month >= rules.monthly_cap:
                status = ReferralStatus.CAPPED
        paid = await _points_due(referral, rules) if status == ReferralStatus.QUALIFIED else {}
        moved = await Referral.filter(id=referral.id, status=ReferralStatus.PENDING).update(
            status=status,
            qualified_at=now,
            purchase_id=purchase.purchase_id,
            purchase_total=purchase.total,
            referrer_points=paid.get(referral.referrer_id, 0),
            referee_points=paid.get(referral.referee_id, 0),
        )
        if not moved:
            return None  # another handler of the same purchase (or another purchase) was first
        if status == ReferralStatus.QUALIFIED:
            await _pay(program, referral, paid)
            outcome: ReferralChanged = ReferralQualified(
                referral_id=referral.id, referee_id=referral.referee_id
            )
        else:
            outcome = ReferralCapped(referral_id=referral.id, referee_id=referral.referee_id)
        await events.emit(
            outcome, program_id=program.id, member_id=referral.referrer_id, occurred_at=now
        )
    return await Referral.get(id=referral.id)


async def _points_due(referral: Referral, rules: ReferralRules) -> dict[int, int]:
    """The points a qualifying referral pays, per member: an erased (anonymised) account earns
    nothing, and what is not paid is not recorded, so a reversal never takes it back."""
    erased = set(
        await column(
            Member.filter(
                id__in=[referral.referrer_id, referral.referee_id], anonymised_at__isnull=False
            ),
            "id",
        )
    )
    due = {referral.referrer_id: rules.referral_points, referral.referee_id: rules.referee_bonus}
    return {member_id: points for member_id, points in due.items() if member_id not in erased}


async def _pay(program: Program, referral: Referral, paid: dict[int, int]) -> None:
    expires_at = ledger.points_expiry(program, clock.now())
    reference = f"referral:{referral.id}"
    for member_id, role in ((referral.referrer_id, "referrer"), (referral.referee_id, "referee")):
        points = paid.get(member_id, 0)
        if points > 0:
            await ledger.credit(
                await Member.get(id=member_id),
                points,
                LedgerKind.BONUS,
                expires_at=expires_at,
                reason="Referral bonus" if role == "referrer" else "Welcome bonus",
                reference=reference,
                # A second guard against paying twice: unique per member and key.
                idempotency_key=f"{reference}:{role}",
            )


async def refunded(
    referral: Referral, refund_purchase_id: int, occurred_at: datetime
) -> Referral | None:
    """Apply the refund rule after a refund of the referee's purchase. Returns the referral if
    this call reversed it, else None. Idempotent: refunds are summed from the events, once per
    refund id, and the move is a conditional UPDATE from QUALIFIED."""
    if referral.status != ReferralStatus.QUALIFIED or referral.purchase_id != refund_purchase_id:
        return None
    assert referral.qualified_at is not None and referral.purchase_total is not None
    program = await Program.get(id=referral.program_id)
    rules = ReferralRules.of(program)
    if occurred_at > referral.qualified_at + rules.refund_window:
        return None  # refunds after the window leave the referral qualified
    net = referral.purchase_total - await _refunded_amount(referral.referee_id, refund_purchase_id)
    if net >= rules.min_purchase:
        return None
    async with events.atomic():
        now = clock.now()
        moved = await Referral.filter(id=referral.id, status=ReferralStatus.QUALIFIED).update(
            status=ReferralStatus.REVERSED, reversed_at=now
        )
        if not moved:
            return None
        reference = f"referral:{referral.id}"
        for member_id, points in (
            (referral.referrer_id, referral.referrer_points),
            (referral.referee_id, referral.referee_points),
        ):
            if points > 0:
                await ledger.claw_back(
                    await Member.get(id=member_id),
                    points,
                    LedgerKind.REFUND,
                    reason="Referral reversed: purchase refunded",
                    reference=reference,
                )
        await events.emit(
            ReferralReversed(referral_id=referral.id, referee_id=referral.referee_id),
            program_id=program.id,
            member_id=referral.referrer_id,
            occurred_at=now,
        )
    return await Referral.get(id=referral.id)


async def _refunded_amount(referee_id: int, purchase_id: int) -> Decimal:
    # The refund events are the record here (the purchases feature owns refunds); each
    # refund id counts once, however often its event was handled.
    amounts: dict[str, Decimal] = {}
    rows = await column(
        Event.filter(member_id=referee_id, type=EventType.PURCHASE_REFUNDED.value), "data"
    )
    for data in rows:
        refund = PurchaseRefunded.parse(data)
        if refund.purchase_id == purchase_id:
            amounts[refund.refund_id] = refund.amount
    return sum(amounts.values(), Decimal(0))


# --- event handlers (subscribed by install(), which bootstrap calls) ---


async def on_purchase_recorded(event: Event) -> None:
    if event.member_id is None:
        return
    try:
        purchase = PurchaseRecorded.of(event)
    except events.PayloadError:  # unreadable, as one without a total: it qualifies nothing
        log.warning("purchase event whose data does not fit", event_id=event.id, exc_info=True)
        return
    await qualify(
        QualifyingPurchase(
            referee_id=event.member_id,
            purchase_id=purchase.purchase_id,
            total=purchase.total,
            currency=purchase.currency,
            occurred_at=event.occurred_at,
        )
    )


async def on_purchase_refunded(event: Event) -> None:
    if event.member_id is None:
        return
    refund = PurchaseRefunded.of(event)
    referral = await Referral.get_or_none(
        referee_id=event.member_id, status=ReferralStatus.QUALIFIED
    )
    if referral is None:
        return
    await refunded(referral, refund.purchase_id, event.occurred_at)


async def _wants(
    program_id: int, event_type: str, member_id: int | None, payload: events.Payload
) -> bool:
    # Only a member who was referred has a referral to qualify or reverse; purchase events say
    # so (`referred`), and an event without the flag (None) is looked at.
    if isinstance(payload, PurchaseRecorded | PurchaseRefunded):
        return payload.referred is not False
    return True


def install() -> None:
    """Subscribe qualification and the refund rule (bootstrap). The outbox records a
    handler's work under its name: these keep the names they were first recorded under."""
    events.subscribe(
        EventType.PURCHASE_RECORDED,
        on_purchase_recorded,
        _wants,
        name="gamification.referrals.on_purchase_recorded",
    )
    events.subscribe(
        EventType.PURCHASE_REFUNDED,
        on_purchase_refunded,
        _wants,
        name="gamification.referrals.on_purchase_refunded",
    )


# --- read side ---


def shown_status(referral: Referral, now: datetime) -> ReferralStatus:
    if referral.status == ReferralStatus.PENDING and now > referral.expires_at:
        return ReferralStatus.EXPIRED
    return referral.status


async def referrals_of(referrer_id: int, limit: int) -> list[Referral]:
    return await Referral.filter(referrer_id=referrer_id).order_by("-id").limit(limit)


@dataclass(frozen=True)
class ReferralStats:
    pending: int
    qualified: int
    capped: int
    reversed: int
    expired: int
    points_earned: int


async def stats_of(referrer_id: int) -> ReferralStats:
    now = clock.now()
    rows = await Referral.filter(referrer_id=referrer_id).values_list("status", "expires_at")
    counts = dict.fromkeys(ReferralStatus, 0)
    for status, expires_at in rows:
        status = ReferralStatus(status)
        if status == ReferralStatus.PENDING and now > expires_at:
            status = ReferralStatus.EXPIRED
        counts[status] += 1
    earned = await column(
        Referral.filter(referrer_id=referrer_id, status=ReferralStatus.QUALIFIED).annotate(
            total=Sum("referrer_points")
        ),
        "total",
    )
    return ReferralStats(
        pending=counts[ReferralStatus.PENDING],
        qualified=counts[ReferralStatus.QUALIFIED],
        capped=counts[ReferralStatus.CAPPED],
        reversed=counts[ReferralStatus.REVERSED],
        expired=counts[ReferralStatus.EXPIRED],
        points_earned=int(earned[0] or 0) if earned else 0,
    )


@dataclass(frozen=True)
class AmbassadorStats:
    """A referrer's record: friends referred, those who qualified (and paid), and the points."""

    member_id: int
    referred: int
    qualified: int
    points_earned: int


async def ambassadors(program_id: int, limit: int) -> list[AmbassadorStats]:
    """The program's referrers with the most qualified referrals first (then the most
    referred), from one grouped query."""
    qualified = Q(status=ReferralStatus.QUALIFIED)
    rows = (
        await Referral.filter(program_id=program_id)
        .annotate(
            referred=Count("id"),
            qualified=Count("id", _filter=qualified),
            points=Sum("referrer_points", _filter=qualified),
        )
        .group_by("referrer_id")
        .order_by("-qualified", "-referred", "referrer_id")
        .limit(limit)
        .values("referrer_id", "referred", "qualified", "points")
    )
    return [
        AmbassadorStats(
            member_id=row["referrer_id"],
            referred=int(row["referred"]),
            qualified=int(row["qualified"] or 0),
            points_earned=int(row["points"] or 0),
        )
        for row in rows
    ]
