"""The points ledger: every movement of points, and (with holds.py, which escrows points for
auction bids) the only code that changes a balance.

Rules that hold here, whatever the concurrency:
- a balance changes only in the same transaction as the ledger entry that explains it, or as a
  hold that moves points between the balance and `points_held`, so the balance plus the held
  points always equals the sum of the member's entries;
- a spend is one conditional UPDATE (`balance >= points`): it refuses rather than go below zero,
  and the row it updates is locked until commit, so spends on one member queue up behind it;
- positive entries are lots; spends consume the lots that expire soonest first (FIFO when every
  lot lives as long), and so do holds, so `sum(remaining)` equals the balance (held points are
  out of the lots until released back into them);
- expiring a lot writes an EXPIRE entry for what is left of it, once: its `remaining` is taken by
  a conditional UPDATE, so a second run (or a second worker) finds nothing left.

Every function here must run inside `events.atomic()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from core.bulk import column, insert_row, insert_row_if
from core.clock import clock
from core.errors import ErrorCode, Refused, ValidationFailed
from core.statements import Statement
from gamification import events
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import Member
from gamification.audit import Actor, AuditAction, trail
from gamification.events.payloads import (
    PointsAdjusted,
    PointsEarned,
    PointsExpired,
    PointsReversed,
    PointsSpent,
)
from gamification.points.error_codes import PointsErrorCode
from gamification.points.models import LedgerEntry, LedgerKind
from gamification.programs.models import Program

MAX_POINTS = 1_000_000_000

# Points that count as earned: what a member gains by taking part. Badges' POINTS_EARNED
# criteria, reports' points issued and the blocking below read this rule, and challenges'
# POINTS_EARNED metric applies it (challenges.progress.metric_amount).
# - In: EARN (a purchase's points), BONUS (welcome, referral, badge or challenge points), PRIZE
#   (points won in a game or a draw), ACTION (a review, a check-in...): each rewards something
#   the member did.
# - Out: ADJUST, a staff correction of either sign: it rewards nothing the member did.
# - Out: REFUND, points clawed back when a purchase or a referral is reversed: it takes earned
#   points away rather than earning any (the points board, which counts earnings net of
#   corrections, adds it and ADJUST explicitly: leaderboards.rebuilds.POINTS_KINDS).
# - Out: REDEMPTION_REFUND, spent points given back when a redemption is cancelled: they were
#   earned once already.
# - Out: REDEEM, GAME_PLAY, CONTEST_ENTRY, AUCTION (spending) and EXPIRE (lapsing).
EARNED_KINDS = frozenset({LedgerKind.EARN, LedgerKind.BONUS, LedgerKind.PRIZE, LedgerKind.ACTION})
# Points a member spends by taking part.
SPENT_KINDS = frozenset(
    {LedgerKind.REDEEM, LedgerKind.GAME_PLAY, LedgerKind.CONTEST_ENTRY, LedgerKind.AUCTION}
)

# What a blocked or anonymised (erased) member cannot do: earn or spend. Corrections (staff
# adjustments, refunds of purchases or of cancelled redemptions) and expiry still apply to them.
BLOCKED_KINDS = EARNED_KINDS | SPENT_KINDS


def _blocked() -> Refused:
    return Refused(AccountErrorCode.MEMBER_BLOCKED, "This member is blocked.")


def _anonymised() -> Refused:
    return Refused(AccountErrorCode.MEMBER_ANONYMISED, "This member's account was deleted.")


async def movement_refusal(member_id: int) -> Refused | None:
    """Why a movement of a BLOCKED_KINDS kind was refused, if the member's state is the cause."""
    state = await Member.filter(id=member_id).values_list("blocked_at", "anonymised_at")
    if state and state[0][1] is not None:
        return _anonymised()
    if state and state[0][0] is not None:
        return _blocked()
    return None


# The statements of every earn and spend, as fixed text (core/statements.py). A member who may
# not move points of a BLOCKED_KINDS kind matches no row; the new balance comes back.
_MOVABLE = ' AND "blocked_at" IS NULL AND "anonymised_at" IS NULL'
_ADD = 'UPDATE "member" SET "points_balance" = "points_balance" + $1 WHERE "id" = $2'
_TAKE = _ADD.replace("+", "-") + ' AND "points_balance" >= $1'
_NEW_BALANCE = ' RETURNING "points_balance"'
_CREDIT = {
    True: Statement(Member, _ADD + _MOVABLE + _NEW_BALANCE),
    False: Statement(Member, _ADD + _NEW_BALANCE),
}
_DEBIT = {
    True: Statement(Member, _TAKE + _MOVABLE + _NEW_BALANCE),
    False: Statement(Member, _TAKE + _NEW_BALANCE),
}
_LOCK_MEMBER = Statement(Member, 'SELECT * FROM "member" WHERE "id" = $1{lock}')
_TAKE_FROM_LOT = Statement(
    LedgerEntry,
    'UPDATE "ledger_entry" SET "remaining" = "remaining" - $1 '
    'WHERE "id" = $2 AND "remaining" >= $1',
)
# A spend that the soonest-expiring lot covers, while that lot is not due (then no lot is): one
# statement, which on PostgreSQL also writes the spend's entry (core.bulk.insert_row_if). The
# order is take_from_lots' (soonest first, lots that never expire last, then id).
_TAKE_FROM_FIRST_LOT = Statement(
    LedgerEntry,
    'UPDATE "ledger_entry" SET "remaining" = "remaining" - $1 WHERE "id" = ('
    'SELECT "id" FROM "ledger_entry" WHERE "member_id" = $2 AND "remaining" > 0 '
    'ORDER BY "expires_at" IS NULL, "expires_at", "id" LIMIT 1'
    ') AND "remaining" >= $1 AND ("expires_at" IS NULL OR "expires_at" > $3) RETURNING "id"',
)
# The member's lots with points left (what a debit and an expiry need of them).
OPEN_LOTS = Statement(
    LedgerEntry,
    'SELECT "id", "remaining", "expires_at", "member_id", "program_id" FROM "ledger_entry" '
    'WHERE "member_id" = $1 AND "remaining" > 0',
)


async def locked_member(member_id: int) -> Member | None:
    """The member, read and locked until commit (inside a transaction): the lock every movement
    of their points takes first, so work that must see the balance and the ledger still can."""
    return await _LOCK_MEMBER.first(member_id)


class LedgerConflict(RuntimeError):
    """A lot changed under a locked member row: a bug, never a business refusal."""


def points_expiry(program: Program, earned_at: datetime) -> datetime | None:
    """When points earned at `earned_at` lapse: the program's `points_validity_days`, or never."""
    days = program.settings.get("points_validity_days")
    return earned_at + timedelta(days=int(days)) if days else None


def check_points(points: int, field: str = "points") -> None:
    if not 0 < points <= MAX_POINTS:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, f"Points are between 1 and {MAX_POINTS}.", field
        )


async def credit(
    member: Member,
    points: int,
    kind: LedgerKind,
    *,
    expires_at: datetime | None,
    reason: str = "",
    reference: str | None = None,
    staff_id: int | None = None,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Add a lot of `points` to the member's balance (and to `member.points_balance`)."""
    check_points(points)
    now = clock.now()
    # The balance first: it refuses a blocked member, and takes the member row lock early, as
    # every other movement does.
    balance = await _CREDIT[kind in BLOCKED_KINDS].value(points, member.id)
    if balance is None:
        raise await movement_refusal(member.id) or _blocked()
    # Exact until commit: the row is locked.
    member.points_balance = balance
    entry = await insert_row(
        LedgerEntry,
        program_id=member.program_id,
        member_id=member.id,
        delta=points,
        kind=kind,
        reason=reason[:200],
        reference=reference,
        created_at=now,
        expires_at=expires_at,
        remaining=points,
        staff_id=staff_id,
        idempotency_key=idempotency_key,
    )
    await events.emit(
        PointsEarned(points=points, kind=kind.value, reference=reference, entry=entry.id),
        program_id=member.program_id,
        member_id=member.id,
        # The entry's own time: what the points board counts, incrementally or rebuilt.
        occurred_at=now,
    )
    return entry


async def spend(
    member: Member,
    points: int,
    kind: LedgerKind,
    *,
    reason: str = "",
    reference: str | None = None,
    staff_id: int | None = None,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Take `points` from the balance (and from `member.points_balance`), soonest-expiring lots
    first, or refuse with INSUFFICIENT_POINTS and change nothing."""
    check_points(points)
    balance = await _DEBIT[kind in BLOCKED_KINDS].value(points, member.id)
    if balance is None:
        refusal = await movement_refusal(member.id) if kind in BLOCKED_KINDS else None
        raise refusal or Refused(PointsErrorCode.INSUFFICIENT_POINTS, "Not enough points.")
    now = clock.now()
    entry = _debit_entry(member, points, kind, reason, reference, staff_id, idempotency_key)
    # Most spends are covered by the first lot: one round trip takes it and writes the entry.
    recorded = await insert_row_if(
        _TAKE_FROM_FIRST_LOT, (points, member.id, now), LedgerEntry, **entry
    )
    if recorded is None:
        # The member row is locked by the debit, so one read of the lots serves both steps
        # below. The balance it checked may still count lots that lapsed and are not expired
        # yet: expire them first; if what is left does not cover the spend, the refusal undoes
        # it all.
        lots = await OPEN_LOTS.instances(member.id)
        due = [lot for lot in lots if lot.expires_at is not None and lot.expires_at <= now]
        for lot in due:
            expired = await expire_lot(lot)
            if not expired:
                raise Refused(PointsErrorCode.INSUFFICIENT_POINTS, "Not enough points.")
            balance -= expired
        await take_from_lots(member.id, points, [lot for lot in lots if lot not in due])
        recorded = await insert_row(LedgerEntry, **entry)
    # Exact until commit: the row is locked.
    member.points_balance = balance
    await _emit_debit(member, points, kind, reference, recorded, PointsSpent)
    return recorded


async def claw_back(
    member: Member, points: int, kind: LedgerKind, *, reason: str = "", reference: str | None = None
) -> int:
    """Take up to `points` back (a refund of what earned them): the balance goes to zero, never
    below. Returns what was taken; the rest could not be recovered. `member.points_balance`
    follows."""
    check_points(points)
    await expire_member_lots(member)
    while True:
        balance: int = (await column(Member.filter(id=member.id), "points_balance"))[0]
        take = min(points, balance)
        if take == 0:
            member.points_balance = balance
            return 0
        # Conditional on the balance read: a concurrent spend makes us read again.
        if await Member.filter(id=member.id, points_balance=balance).update(
            points_balance=F("points_balance") - take
        ):
            break
    member.points_balance = balance - take
    await take_from_lots(member.id, take, await OPEN_LOTS.instances(member.id))
    entry = await insert_row(
        LedgerEntry, **_debit_entry(member, take, kind, reason, reference, None, None)
    )
    await _emit_debit(member, take, kind, reference, entry, PointsReversed)
    return take


async def take_from_lots(
    member_id: int, points: int, lots: list[LedgerEntry]
) -> list[tuple[int, int]]:
    """Take `points` from `lots`, soonest-expiring first (lots that never expire last); returns
    what each lot gave, as (lot id, points)."""
    # The member row is locked by the caller's UPDATE: no one else moves these lots now.
    lots.sort(key=lambda lot: (lot.expires_at is None, lot.expires_at, lot.id))
    left = points
    taken = []
    for lot in lots:
        if left == 0:
            break
        take = min(left, lot.remaining)
        if not await _TAKE_FROM_LOT.changed(take, lot.id):
            raise LedgerConflict(f"lot {lot.id} changed under a locked member")
        taken.append((lot.id, take))
        left -= take
    if left:
        raise LedgerConflict(f"member {member_id}: lots short of the balance by {left}")
    return taken


def _debit_entry(
    member: Member,
    points: int,
    kind: LedgerKind,
    reason: str,
    reference: str | None,
    staff_id: int | None,
    idempotency_key: str | None,
) -> dict[str, object]:
    """The values of a debit's ledger entry."""
    return {
        "program_id": member.program_id,
        "member_id": member.id,
        "delta": -points,
        "kind": kind,
        "reason": reason[:200],
        "reference": reference,
        "created_at": clock.now(),
        "staff_id": staff_id,
        "idempotency_key": idempotency_key,
    }


async def _emit_debit(
    member: Member,
    points: int,
    kind: LedgerKind,
    reference: str | None,
    entry: LedgerEntry,
    payload: type[PointsSpent | PointsReversed],
) -> None:
    await events.emit(
        payload(points=points, kind=kind.value, reference=reference, entry=entry.id),
        program_id=member.program_id,
        member_id=member.id,
    )


async def expire_lot(lot: LedgerEntry) -> int:
    """Expire what is left of one due lot. Returns the points expired (0 if already done)."""
    remaining = lot.remaining or 0
    if remaining <= 0:
        return 0
    # Member row first, as every spend does: the same lock order everywhere, no deadlock.
    if not await Member.filter(id=lot.member_id, points_balance__gte=remaining).update(
        points_balance=F("points_balance") - remaining
    ):
        return 0
    if not await LedgerEntry.filter(id=lot.id, remaining=remaining).update(remaining=0):
        # Someone spent or expired it first: give the balance back (the transaction is ours).
        await Member.filter(id=lot.member_id).update(points_balance=F("points_balance") + remaining)
        return 0
    await LedgerEntry.create(
        program_id=lot.program_id,
        member_id=lot.member_id,
        delta=-remaining,
        kind=LedgerKind.EXPIRE,
        reason="Points expired",
        reference=f"lot:{lot.id}",
        created_at=clock.now(),
    )
    await events.emit(
        PointsExpired(points=remaining, lot=lot.id, expired_at=lot.expires_at),
        program_id=lot.program_id,
        member_id=lot.member_id,
    )
    return remaining


async def expire_member_lots(member: Member) -> int:
    """Expire the member's due lots now, so a spend never counts points that have lapsed."""
    due = await LedgerEntry.filter(
        member_id=member.id, remaining__gt=0, expires_at__lte=clock.now()
    )
    return sum([await expire_lot(lot) for lot in due])


async def expire_due_lots(batch_size: int = 500) -> int:
    """Expire every due lot of every program, one transaction per lot. Idempotent."""
    expired = 0
    while True:
        due = await LedgerEntry.filter(remaining__gt=0, expires_at__lte=clock.now()).limit(
            batch_size
        )
        if not due:
            return expired
        progressed = False
        for lot in due:
            async with events.atomic():
                points = await expire_lot(lot)
            expired += points
            progressed = progressed or points > 0
        if not progressed:
            # Others took this whole batch meanwhile (or it cannot move): the next scan looks again.
            return expired


@dataclass(frozen=True)
class Adjustment:
    entry: LedgerEntry
    replayed: bool


async def adjust(
    actor: Actor, member: Member, delta: int, *, reason: str, idempotency_key: str
) -> Adjustment:
    """A staff correction, audited with the staff user. The same key again returns the first
    adjustment; the same key with another delta or reason is IDEMPOTENCY_KEY_REUSED."""
    reason = reason.strip()
    if not 1 <= len(reason) <= 200:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "Give a reason (1-200 characters).", "reason"
        )
    if delta == 0:
        raise ValidationFailed(ErrorCode.INVALID_INPUT, "An adjustment is not zero.", "delta")
    check_key(idempotency_key)
    previous = await LedgerEntry.get_or_none(member_id=member.id, idempotency_key=idempotency_key)
    if previous is not None:
        return Adjustment(_same_adjustment(previous, delta, reason), replayed=True)
    try:
        async with events.atomic():
            if delta > 0:
                program = await Program.get(id=member.program_id)
                entry = await credit(
                    member,
                    delta,
                    LedgerKind.ADJUST,
                    expires_at=points_expiry(program, clock.now()),
                    reason=reason,
                    staff_id=actor.staff_id,
                    idempotency_key=idempotency_key,
                )
            else:
                entry = await spend(
                    member,
                    -delta,
                    LedgerKind.ADJUST,
                    reason=reason,
                    staff_id=actor.staff_id,
                    idempotency_key=idempotency_key,
                )
            await events.emit(
                PointsAdjusted(points=delta, reason=reason, staff=actor.staff_id, entry=entry.id),
                program_id=member.program_id,
                member_id=member.id,
            )
            await trail.record(
                actor,
                AuditAction.MEMBER_POINTS_ADJUSTED,
                program_id=member.program_id,
                target_id=member.id,
                before={"points_balance": member.points_balance - delta},
                after={
                    "points_balance": member.points_balance,
                    "delta": delta,
                    "reason": reason,
                    "ledger_entry": entry.id,
                },
            )
    except IntegrityError:
        # A concurrent request with the same key committed first.
        previous = await LedgerEntry.get(member_id=member.id, idempotency_key=idempotency_key)
        return Adjustment(_same_adjustment(previous, delta, reason), replayed=True)
    return Adjustment(entry, replayed=False)


def _same_adjustment(previous: LedgerEntry, delta: int, reason: str) -> LedgerEntry:
    if previous.delta != delta or previous.reason != reason:
        raise Refused(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for another adjustment.",
            "idempotencyKey",
        )
    return previous


def check_key(key: str, field: str = "idempotencyKey") -> None:
    if not 1 <= len(key) <= 128 or not key.isprintable():
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "An idempotency key has 1 to 128 printable characters.", field
        )


async def balance_of(member_id: int) -> int:
    return int((await column(Member.filter(id=member_id), "points_balance"))[0])
