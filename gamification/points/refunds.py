"""Refunds of purchases reported by integrations: the points a purchase earned, reversed in
proportion to the money refunded.

Idempotency: a refund is unique per purchase by its `refundId`. The row is inserted first inside
the transaction, so a concurrent duplicate waits on the unique index and then fails and replays
the committed result. A fingerprint of the request body is stored: the same id with a different
body is IDEMPOTENCY_KEY_REUSED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.clock import clock
from core.errors import ErrorCode, NotFound, Refused, ValidationFailed
from core.fingerprints import fingerprint
from gamification import events
from gamification.accounts.models import Member
from gamification.events.payloads import PurchaseRefunded
from gamification.points import ledger
from gamification.points.amounts import check_quantity, money
from gamification.points.error_codes import PointsErrorCode
from gamification.points.models import LedgerKind, Purchase, PurchaseLine, Refund


@dataclass(frozen=True)
class RefundLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class RefundResult:
    purchase: Purchase
    refund: Refund
    replayed: bool


async def purchase_by_external_id(program_id: int, external_id: str) -> Purchase:
    # An id no purchase could be recorded with is refused as recordPurchase refuses it (the ORM
    # would refuse to look up a value longer than the column).
    ledger.check_key(external_id, "externalId")
    purchase = await Purchase.get_or_none(program_id=program_id, external_id=external_id)
    if purchase is None:
        raise NotFound(PointsErrorCode.PURCHASE_NOT_FOUND, "No such purchase.", "externalId")
    return purchase


async def refund_purchase(
    program_id: int,
    external_id: str,
    refund_id: str,
    *,
    lines: Sequence[RefundLine] | None = None,
    amount: Decimal | None = None,
) -> RefundResult:
    """Refund a purchase: what is left of it (neither lines nor amount), some lines, or an amount.
    The points the purchase earned are reversed in proportion to the money refunded (cumulated
    over its refunds, rounded half up, so a full refund reverses exactly what it earned), clawed
    back down to a zero balance at most; what could not be taken back is recorded on the purchase.
    Refunding more than was bought is REFUND_EXCEEDS_PURCHASE. Idempotent on `refund_id`."""
    ledger.check_key(refund_id, "refundId")
    if lines is not None and amount is not None:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "Give lines or an amount, not both.", "lines"
        )
    if amount is not None:
        amount = money(amount, "amount")
    for index, line in enumerate(lines or ()):
        check_quantity(line.quantity, f"lines.{index}.quantity")
    if lines is not None and not lines:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "Give at least one line.", "lines")
    purchase = await purchase_by_external_id(program_id, external_id)
    print_ = fingerprint(
        {
            "amount": str(amount) if amount is not None else None,
            "lines": [[ln.sku, ln.quantity] for ln in lines] if lines is not None else None,
        }
    )
    previous = await Refund.get_or_none(purchase_id=purchase.id, refund_id=refund_id)
    if previous is not None:
        return await _replay_refund(previous, print_)
    try:
        async with events.atomic():
            # The refund row first: a concurrent duplicate waits on its unique index, then replays.
            refund = await Refund.create(
                program_id=program_id,
                purchase_id=purchase.id,
                refund_id=refund_id,
                fingerprint=print_,
                amount=Decimal(0),
                created_at=clock.now(),
            )
            purchase, refunded, reversal = await _take_refund(purchase.id, lines, amount)
            member = await Member.get(id=purchase.member_id)
            taken = 0
            if reversal > 0:
                taken = await ledger.claw_back(
                    member,
                    reversal,
                    LedgerKind.REFUND,
                    reason=f"Refund {refund_id} of purchase {external_id}"[:200],
                    reference=f"refund:{refund.id}",
                )
            if taken < reversal:
                await Purchase.filter(id=purchase.id).update(
                    points_unrecovered=F("points_unrecovered") + (reversal - taken)
                )
            await Refund.filter(id=refund.id).update(
                amount=refunded, points_reversed=reversal, points_clawed_back=taken
            )
            await events.emit(
                PurchaseRefunded(
                    purchase_id=purchase.id,
                    refund_id=refund_id,
                    amount=refunded,
                    points_reversed=reversal,
                    referred=member.referred_by_id is not None,
                ),
                program_id=program_id,
                member_id=member.id,
            )
    except IntegrityError:
        previous = await Refund.get(purchase_id=purchase.id, refund_id=refund_id)
        return await _replay_refund(previous, print_)
    return RefundResult(
        await Purchase.get(id=purchase.id), await Refund.get(id=refund.id), replayed=False
    )


async def _take_refund(
    purchase_id: int, lines: Sequence[RefundLine] | None, amount: Decimal | None
) -> tuple[Purchase, Decimal, int]:
    """Book the refund on the purchase (and its lines) by a conditional update of its version,
    retried when another refund got there first. Returns the purchase as it was, the amount
    refunded and the points to reverse."""
    for _ in range(50):
        purchase = await Purchase.get(id=purchase_id)
        total = Decimal(purchase.total)
        already = Decimal(purchase.refunded_amount)
        line_updates: list[tuple[PurchaseLine, int]] = []
        if lines is not None:
            refunded, line_updates = await _refund_lines(purchase_id, lines)
        elif amount is not None:
            refunded = amount
        else:
            refunded = total - already
        if refunded <= 0 or already + refunded > total:
            raise Refused(
                PointsErrorCode.REFUND_EXCEEDS_PURCHASE,
                f"Only {total - already} of this purchase is left to refund.",
                "amount" if amount is not None else "lines",
            )
        new_refunded = already + refunded
        target = (Decimal(purchase.points_earned) * new_refunded / total).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        reversal = max(0, int(target) - purchase.points_reversed)
        if await Purchase.filter(id=purchase_id, version=purchase.version).update(
            refunded_amount=new_refunded,
            points_reversed=purchase.points_reversed + reversal,
            version=purchase.version + 1,
        ):
            for line, quantity in line_updates:
                await PurchaseLine.filter(id=line.id).update(
                    refunded_quantity=F("refunded_quantity") + quantity
                )
            return purchase, refunded, reversal
    raise RuntimeError(f"purchase {purchase_id}: refunds kept colliding")


async def _refund_lines(
    purchase_id: int, lines: Sequence[RefundLine]
) -> tuple[Decimal, list[tuple[PurchaseLine, int]]]:
    bought = await PurchaseLine.filter(purchase_id=purchase_id).order_by("position")
    left = {line.id: line.quantity - line.refunded_quantity for line in bought}
    updates: list[tuple[PurchaseLine, int]] = []
    amount = Decimal(0)
    for index, wanted in enumerate(lines):
        need = wanted.quantity
        for line in bought:
            if need == 0:
                break
            if line.sku != wanted.sku or left[line.id] == 0:
                continue
            take = min(need, left[line.id])
            left[line.id] -= take
            need -= take
            updates.append((line, take))
            amount += Decimal(line.unit_price) * take
        if need:
            raise Refused(
                PointsErrorCode.REFUND_EXCEEDS_PURCHASE,
                f"Not that many of {wanted.sku} are left to refund.",
                f"lines.{index}",
            )
    return amount, updates


async def _replay_refund(previous: Refund, print_: str) -> RefundResult:
    if previous.fingerprint != print_:
        raise Refused(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This refund id was used for another refund.",
            "refundId",
        )
    return RefundResult(await Purchase.get(id=previous.purchase_id), previous, replayed=True)
