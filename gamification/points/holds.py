"""Points held: escrowed out of a member's spendable balance for an open commitment (an auction
bid), then either released back or captured as a spend.

- A hold moves points from `points_balance` to `points_held` in one conditional UPDATE (it
  refuses rather than go below zero, and locks the member row until commit), and takes them from
  the lots soonest-expiring first, remembering which, so that `sum(remaining)` stays the balance.
- A release moves them back, into the lots they came from; a lot that lapsed meanwhile is
  expired by the next scan, as if the points had never been held.
- A capture writes the spend's ledger entry: the points leave `points_held` and the ledger at
  once, so `points_balance + points_held` always equals the sum of the member's entries.
Releasing or capturing is conditional on the hold being HELD: done twice, it moves nothing.

Every function here runs inside `events.atomic()`.
"""

from __future__ import annotations

from tortoise.expressions import F

from core.bulk import insert_row
from core.clock import clock
from core.errors import Refused
from core.statements import Statement
from gamification import events
from gamification.accounts.models import Member
from gamification.events.payloads import PointsSpent
from gamification.points import ledger
from gamification.points.error_codes import PointsErrorCode
from gamification.points.models import (
    HoldStatus,
    LedgerEntry,
    LedgerKind,
    PointsHold,
    PointsHoldLot,
)

_TO_HELD = Statement(
    Member,
    'UPDATE "member" SET "points_balance" = "points_balance" - $1, '
    '"points_held" = "points_held" + $1 WHERE "id" = $2 AND "points_balance" >= $1'
    ' AND "blocked_at" IS NULL AND "anonymised_at" IS NULL RETURNING "points_balance"',
)
_RETURN_LOT = Statement(
    LedgerEntry, 'UPDATE "ledger_entry" SET "remaining" = "remaining" + $1 WHERE "id" = $2'
)


async def open_hold(member_id: int, reference: str) -> PointsHold | None:
    return await PointsHold.get_or_none(
        member_id=member_id, reference=reference, status=HoldStatus.HELD
    )


async def hold(member: Member, points: int, reference: str) -> PointsHold:
    """Hold `points` more for `reference`, adding to the member's open hold for it. Refused with
    INSUFFICIENT_POINTS (or the member's block) and nothing moved when the balance falls short."""
    ledger.check_points(points)
    balance = await _TO_HELD.value(points, member.id)
    if balance is None:
        raise await ledger.movement_refusal(member.id) or Refused(
            PointsErrorCode.INSUFFICIENT_POINTS, "Not enough points."
        )
    # The member row is locked now. Lots that lapsed but are not expired yet still count in the
    # balance just checked: expire them first; if what is left falls short, refuse it all.
    now = clock.now()
    lots = await ledger.OPEN_LOTS.instances(member.id)
    due = [lot for lot in lots if lot.expires_at is not None and lot.expires_at <= now]
    for lot in due:
        if not await ledger.expire_lot(lot):
            raise Refused(PointsErrorCode.INSUFFICIENT_POINTS, "Not enough points.")
    taken = await ledger.take_from_lots(member.id, points, [lot for lot in lots if lot not in due])
    member.points_balance = balance - sum(lot.remaining or 0 for lot in due)
    member.points_held += points
    held = await open_hold(member.id, reference)
    if held is None:
        held = await PointsHold.create(
            program_id=member.program_id,
            member_id=member.id,
            reference=reference,
            points=points,
            created_at=now,
        )
    else:
        held.points += points
        await PointsHold.filter(id=held.id).update(points=held.points)
    await PointsHoldLot.bulk_create(
        [PointsHoldLot(hold_id=held.id, lot_id=lot_id, points=part) for lot_id, part in taken]
    )
    return held


async def release(held: PointsHold) -> int:
    """Give the hold's points back to the balance, into their lots. Returns the points released
    (0 when it was released or captured before)."""
    if not await PointsHold.filter(id=held.id, status=HoldStatus.HELD).update(
        status=HoldStatus.RELEASED, closed_at=clock.now()
    ):
        return 0
    fresh = await PointsHold.get(id=held.id)
    await Member.filter(id=fresh.member_id).update(
        points_balance=F("points_balance") + fresh.points,
        points_held=F("points_held") - fresh.points,
    )
    for lot_id, points in await PointsHoldLot.filter(hold_id=fresh.id).values_list(
        "lot_id", "points"
    ):
        await _RETURN_LOT.changed(points, lot_id)
    held.status, held.points = HoldStatus.RELEASED, fresh.points
    return int(fresh.points)


async def capture(
    held: PointsHold, kind: LedgerKind, *, reason: str, reference: str
) -> LedgerEntry | None:
    """Spend the hold's points: a ledger entry of `kind` takes them out of `points_held`. None
    when it was released or captured before."""
    if not await PointsHold.filter(id=held.id, status=HoldStatus.HELD).update(
        status=HoldStatus.CAPTURED, closed_at=clock.now()
    ):
        return None
    fresh = await PointsHold.get(id=held.id)
    await Member.filter(id=fresh.member_id).update(points_held=F("points_held") - fresh.points)
    entry = await insert_row(
        LedgerEntry,
        program_id=fresh.program_id,
        member_id=fresh.member_id,
        delta=-fresh.points,
        kind=kind,
        reason=reason[:200],
        reference=reference,
        created_at=clock.now(),
    )
    await PointsHold.filter(id=fresh.id).update(entry_id=entry.id)
    await events.emit(
        PointsSpent(points=fresh.points, kind=kind.value, reference=reference, entry=entry.id),
        program_id=fresh.program_id,
        member_id=fresh.member_id,
    )
    held.status, held.points, held.entry_id = HoldStatus.CAPTURED, fresh.points, entry.id
    return entry
