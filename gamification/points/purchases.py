"""Purchases reported by integrations: recording (earning points) and previewing (the same
engine, writing nothing). Refunds are in `refunds`.

Idempotency: a purchase is unique per program by its `externalId`. The row is inserted first
inside the transaction, so a concurrent duplicate waits on the unique index and then fails and
replays the committed result. A fingerprint of the request body is stored: the same id with a
different body is IDEMPOTENCY_KEY_REUSED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from tortoise.exceptions import IntegrityError

from core.bulk import insert_all, insert_row, new_row
from core.clock import clock, in_utc
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from core.fingerprints import fingerprint
from core.statements import Statement
from gamification import events
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import EMAIL_WIDTH, REFERRAL_CODE_WIDTH, Member
from gamification.events.models import Event
from gamification.events.payloads import LineItem, PurchaseRecorded
from gamification.points import audiences, earning_rules, engine_snapshot, ledger, tiers
from gamification.points.amounts import check_quantity, money
from gamification.points.earning_rules import BasketLine, Evaluation, RulePoints
from gamification.points.error_codes import PointsErrorCode
from gamification.points.models import EarningRule, LedgerKind, Purchase, PurchaseLine, Tier
from gamification.programs.models import Program

MAX_LINES = 500
# Lines may differ from the total by a rounding cent.
TOTAL_TOLERANCE = Decimal("0.01")
# A till's clock may run a little ahead of ours.
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class MemberRef:
    """How an integration names a member: exactly one of the three."""

    id: int | None = None
    email: str | None = None
    referral_code: str | None = None


def _member_key(ref: MemberRef) -> tuple[str, object]:
    """The member column `ref` names, and its value."""
    given = [v for v in (ref.id, ref.email, ref.referral_code) if v is not None]
    if len(given) != 1:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT,
            "Name the member by one of id, email or referralCode.",
            "member",
        )
    if ref.id is not None:
        return "id", ref.id
    if ref.email is not None:
        return "email", ref.email.strip().lower()
    assert ref.referral_code is not None
    return "referral_code", ref.referral_code.strip().upper()


_WIDTHS = {"email": EMAIL_WIDTH, "referral_code": REFERRAL_CODE_WIDTH}


def _no_member() -> NotFound:
    return NotFound(AccountErrorCode.MEMBER_NOT_FOUND, "No such member in this program.", "member")


async def find_member(program_id: int, ref: MemberRef) -> Member:
    """The member of this program that `ref` names, or MEMBER_NOT_FOUND (also when the member
    exists in another program)."""
    column, value = _member_key(ref)
    if isinstance(value, str) and len(value) > _WIDTHS[column]:
        raise _no_member()  # no member has it, and the ORM refuses to look it up
    member = await Member.filter(program_id=program_id, **{column: value}).first()
    if member is None:
        raise _no_member()
    return member


# A buyer, locked: one statement per way of naming them.
_BUYER = {
    column: Statement(
        Member, f'SELECT * FROM "member" WHERE "program_id" = $1 AND "{column}" = $2{{lock}}'
    )
    for column in ("id", "email", "referral_code")
}
_FIRST_PURCHASE = Statement(Member, 'UPDATE "member" SET "first_purchase_at" = $1 WHERE "id" = $2')


async def _locked_buyer(program_id: int, ref: MemberRef) -> Member:
    """The member `ref` names, read FOR UPDATE (inside a transaction): until commit no other
    purchase of theirs changes what it says, `first_purchase_at` included."""
    column, value = _member_key(ref)
    member = await _BUYER[column].first(program_id, value)
    if member is None:
        raise _no_member()
    return member


def validate_basket(
    program: Program, currency: str, total: Decimal | None, lines: Sequence[BasketLine]
) -> Decimal:
    """Check a basket; return its total (the lines' sum when no total is given)."""
    if currency != program.currency:
        raise ValidationFailed(
            PointsErrorCode.CURRENCY_MISMATCH,
            f"This program counts in {program.currency}.",
            "currency",
        )
    if len(lines) > MAX_LINES:
        raise ValidationFailed(
            PointsErrorCode.TOO_MANY_LINES, f"A purchase has at most {MAX_LINES} lines.", "lines"
        )
    lines_sum = Decimal(0)
    for index, line in enumerate(lines):
        if not 1 <= len(line.sku) <= 64 or (line.category is not None and len(line.category) > 64):
            raise ValidationFailed(
                ErrorCode.INVALID_INPUT,
                "A sku or category has 1 to 64 characters.",
                f"lines.{index}",
            )
        check_quantity(line.quantity, f"lines.{index}.quantity")
        # A free item (price 0) is a real line; a negative price is not.
        money(line.unit_price, f"lines.{index}.unitPrice", allow_zero=True)
        lines_sum += line.amount
    if total is None:
        return money(lines_sum, "lines")
    total = money(total, "total")
    if not lines or abs(lines_sum - total) > TOTAL_TOLERANCE:
        raise ValidationFailed(
            PointsErrorCode.LINES_TOTAL_MISMATCH,
            f"The lines add up to {lines_sum}, not {total}.",
            "lines",
        )
    return total


def _check_time(occurred_at: datetime) -> datetime:
    """A purchase time: zoned (kept in UTC) and not in the future."""
    occurred_at = in_utc(occurred_at, "occurredAt")
    if occurred_at > clock.now() + FUTURE_TOLERANCE:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "occurredAt is not in the future.", "occurredAt"
        )
    return occurred_at


def _member_tier(member: Member, program_tiers: list[Tier]) -> Tier | None:
    return next((t for t in program_tiers if t.id == member.tier_id), None)


@dataclass(frozen=True)
class RecordedPurchase:
    purchase: Purchase
    replayed: bool
    # For a new purchase: the member after everything the purchase caused (a badge's or a
    # challenge's points), and the program's tiers.
    member: Member | None = None
    tiers: tuple[Tier, ...] = ()
    # Some effect of the purchase failed at once and the retry scan applies it later, so the
    # member's balance does not show it yet.
    effects_pending: bool = False

    @property
    def breakdown(self) -> list[RulePoints]:
        return [RulePoints.from_json(item) for item in self.purchase.breakdown]


async def record_purchase(
    program: Program,
    member_ref: MemberRef,
    *,
    external_id: str,
    occurred_at: datetime,
    currency: str,
    total: Decimal,
    lines: Sequence[BasketLine],
) -> RecordedPurchase:
    """Record a purchase and earn its points (one credit, a PURCHASE_RECORDED event and any tier
    upgrade, in one transaction). Idempotent on `external_id`."""
    ledger.check_key(external_id, "externalId")
    occurred_at = _check_time(occurred_at)
    total = validate_basket(program, currency, total, lines)
    # No look-up before the transaction: a retry is rare, and its insert fails on the unique
    # index and replays (one query less for every new purchase).
    engine = await engine_snapshot.snapshot(program.id)
    rules, program_tiers = engine.rules, list(engine.tiers)
    try:
        async with events.atomic() as outcome:
            # The member row is read locked, first (as every ledger write takes it): purchases of
            # one member queue here, so "first purchase", the balance and the tier upgrade see
            # each other. (SQLite runs one transaction at a time.)
            member = await _locked_buyer(program.id, member_ref)
            print_ = fingerprint(
                {
                    "member": member.id,
                    "occurred_at": occurred_at.isoformat(),
                    "currency": currency,
                    "total": str(total),
                    "lines": [
                        [ln.sku, ln.category, ln.quantity, str(ln.unit_price)] for ln in lines
                    ],
                }
            )
            first = member.first_purchase_at is None
            tier = _member_tier(member, program_tiers)
            # The segment is read only when a rule targets one (most programs: never).
            segment, abc_class = (
                await audiences.segment_of(member.id)
                if earning_rules.needs_segment(rules)
                else (None, None)
            )
            evaluation = earning_rules.evaluate(
                rules,
                lines,
                total,
                at=occurred_at,
                tier=tier,
                first_purchase=first,
                segment=segment,
                abc_class=abc_class,
            )
            now = clock.now()
            purchase = await insert_row(
                Purchase,
                program_id=program.id,
                member_id=member.id,
                external_id=external_id,
                fingerprint=print_,
                occurred_at=occurred_at,
                recorded_at=now,
                currency=currency,
                total=total,
                points_earned=evaluation.points,
                first_purchase=first,
                tier_id=tier.id if tier else None,
                breakdown=[item.as_json() for item in evaluation.breakdown],
            )
            # After the insert, so that a retry of an earlier purchase still replays it.
            if member.anonymised_at is not None:  # an erased account takes part in nothing
                raise Refused(
                    AccountErrorCode.MEMBER_ANONYMISED, "This member's account was deleted."
                )
            if first:  # once in a member's life
                await _FIRST_PURCHASE.changed(now, member.id)
                member.first_purchase_at = now
            await insert_all(
                [
                    new_row(
                        PurchaseLine,
                        purchase_id=purchase.id,
                        position=index,
                        sku=line.sku,
                        category=line.category,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                    )
                    for index, line in enumerate(lines)
                ]
            )
            if evaluation.points > 0:
                await ledger.credit(
                    member,
                    evaluation.points,
                    LedgerKind.EARN,
                    expires_at=ledger.points_expiry(program, now),
                    reason=f"Purchase {external_id}"[:200],
                    reference=f"purchase:{purchase.id}",
                )
            await events.emit(
                PurchaseRecorded(
                    purchase_id=purchase.id,
                    external_id=external_id,
                    total=total,
                    currency=currency,
                    points=evaluation.points,
                    first_purchase=first,
                    referred=member.referred_by_id is not None,
                    lines=tuple(
                        LineItem(
                            sku=line.sku,
                            category=line.category,
                            quantity=line.quantity,
                            unit_price=line.unit_price,
                        )
                        for line in lines
                    ),
                ),
                program_id=program.id,
                member_id=member.id,
                occurred_at=occurred_at,
            )
            await tiers.upgrade_after_earning(member, program, program_tiers)
    except IntegrityError:
        # A concurrent request with the same external id committed first.
        previous = await Purchase.get(program_id=program.id, external_id=external_id)
        return await _replay(_same_purchase(previous, print_))
    if outcome.handled:
        # Handlers (a badge's points, a challenge's reward) changed the member after it was read.
        member = await Member.get(id=member.id)
    return RecordedPurchase(
        purchase,
        replayed=False,
        member=member,
        tiers=tuple(program_tiers),
        effects_pending=outcome.pending,
    )


async def _replay(previous: Purchase) -> RecordedPurchase:
    # A retry answers as the first answer would now: effects still waiting for the scan show.
    pending = await Event.filter(member_id=previous.member_id, settled_at__isnull=True).exists()
    return RecordedPurchase(previous, replayed=True, effects_pending=pending)


def _same_purchase(previous: Purchase, print_: str) -> Purchase:
    if previous.fingerprint != print_:
        raise Refused(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This external id was used for another purchase.",
            "externalId",
        )
    return previous


async def _priced_basket(
    program: Program,
    lines: Sequence[BasketLine],
    currency: str | None,
    total: Decimal | None,
    occurred_at: datetime | None,
) -> tuple[datetime, Decimal, engine_snapshot.EngineSnapshot]:
    """A basket checked as `record_purchase` checks it: its time, its total, and the snapshot
    of rules and tiers that `record_purchase` reads."""
    at = _check_time(occurred_at) if occurred_at else clock.now()
    total = validate_basket(program, currency or program.currency, total, lines)
    return at, total, await engine_snapshot.snapshot(program.id)


async def preview_purchase(
    program: Program,
    member: Member,
    *,
    lines: Sequence[BasketLine],
    currency: str | None = None,
    total: Decimal | None = None,
    occurred_at: datetime | None = None,
) -> Evaluation:
    """What `record_purchase` would earn for this basket now. Writes nothing."""
    at, total, engine = await _priced_basket(program, lines, currency, total, occurred_at)
    rules, program_tiers = engine.rules, list(engine.tiers)
    first = member.first_purchase_at is None
    segment, abc_class = (
        await audiences.segment_of(member.id)
        if earning_rules.needs_segment(rules)
        else (None, None)
    )
    return earning_rules.evaluate(
        rules,
        lines,
        total,
        at=at,
        tier=_member_tier(member, program_tiers),
        first_purchase=first,
        segment=segment,
        abc_class=abc_class,
    )


# A draft sorts after every saved rule of its priority, as the id a new rule gets would.
DRAFT_RULE_ID = 2**62


@dataclass(frozen=True)
class DraftPreview:
    """A basket priced by the program's saved rules, then by the same rules and a draft. In
    `with_draft`'s breakdown the draft's contribution has no rule id (it has none yet)."""

    without_draft: Evaluation
    with_draft: Evaluation


async def preview_draft_rule(
    program: Program,
    rule: dict[str, object],
    *,
    lines: Sequence[BasketLine],
    currency: str | None = None,
    total: Decimal | None = None,
    occurred_at: datetime | None = None,
    tier_id: int | None = None,
    first_purchase: bool = False,
) -> DraftPreview:
    """What a basket would earn with and without an unsaved rule (`rule`: create_rule's
    values, refused as create_rule refuses them), for a member of `tier_id` (or of no tier)
    and on their first purchase or not. Writes nothing."""
    draft = await earning_rules.draft_rule(program.id, **rule)
    draft.id = DRAFT_RULE_ID
    at, total, engine = await _priced_basket(program, lines, currency, total, occurred_at)
    tier = None
    if tier_id is not None:
        tier = next((t for t in engine.tiers if t.id == tier_id), None)
        if tier is None:
            raise NotFound(
                PointsErrorCode.TIER_NOT_FOUND, "No such tier in this program.", "memberTierId"
            )
    saved = list(engine.rules)

    def price(rules: Sequence[EarningRule]) -> Evaluation:
        return earning_rules.evaluate(
            rules, lines, total, at=at, tier=tier, first_purchase=first_purchase
        )

    with_draft = price([*saved, draft])
    return DraftPreview(
        without_draft=price(saved),
        with_draft=Evaluation(
            with_draft.points,
            tuple(
                RulePoints(None, item.rule, item.kind, item.points)
                if item.rule_id == DRAFT_RULE_ID
                else item
                for item in with_draft.breakdown
            ),
        ),
    )
