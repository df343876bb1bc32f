"""Redemptions: a member spends points on a reward and gets a code; the shop checks and uses it;
staff may cancel it; a cron expires unused codes.

How a redemption stays correct under concurrency (PostgreSQL and SQLite alike):
- the member's row is locked first (a no-op UPDATE), so one member's redemptions run one after
  another: the idempotency key, the limits and the balance are read after the previous one
  committed. Everyone locks the member row before the reward row, so there is no deadlock;
- stock is taken by `UPDATE reward SET stock = stock - 1 WHERE stock >= 1` and the row count;
- points are spent by the ledger (conditional UPDATE of the balance, FIFO lots);
- a lifecycle move is a conditional UPDATE from ISSUED, so it happens once: a second cancel, use
  or expiry finds nothing to move and refunds nothing.

Codes are 10 characters of a 31-letter alphabet without 0/O/1/I/L (about 49 bits, drawn with
`secrets`); the shop may type them with dashes, spaces or in lower case.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.queryset import QuerySet

from core.bulk import insert_row
from core.clock import clock
from core.errors import ErrorCode, NotFound, Refused
from core.statements import Statement
from gamification import events
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import Member
from gamification.audit import Actor, AuditAction, trail
from gamification.events.payloads import (
    RedemptionCancelled,
    RedemptionExpired,
    RedemptionUsed,
    RewardRedeemed,
)
from gamification.points import ledger
from gamification.points.models import LedgerKind
from gamification.programs.models import Program
from gamification.rewards.catalog import (
    UnavailableReason,
    limit_reason,
    refusal,
    tier_reason,
    usage_of,
    window_reason,
)
from gamification.rewards.eligibility import (
    in_audience,
    member_has_badge,
    member_standing,
    member_tier_rank,
    tier_ranks,
)
from gamification.rewards.error_codes import RewardErrorCode
from gamification.rewards.models import Redemption, RedemptionStatus, Reward, RewardKind

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str | None:
    code = "".join(code.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


@dataclass(frozen=True)
class Outcome:
    redemption: Redemption
    member: Member  # as it is after the redemption (its balance included)
    replayed: bool


# The statements of every redemption, as fixed text (core/statements.py).
_TAKE_STOCK = Statement(
    Reward, 'UPDATE "reward" SET "stock" = "stock" - 1 WHERE "id" = $1 AND "stock" >= 1'
)
_REWARD = Statement(Reward, 'SELECT * FROM "reward" WHERE "id" = $1 AND "program_id" = $2')
_BY_KEY = Statement(
    Redemption, 'SELECT * FROM "redemption" WHERE "member_id" = $1 AND "idempotency_key" = $2'
)


async def _take_stock(reward: Reward) -> None:
    if reward.stock is None:
        return
    if not await _TAKE_STOCK.changed(reward.id):
        raise refusal(UnavailableReason.OUT_OF_STOCK)


async def _issue(
    member: Member, reward: Reward, *, points: int, source: str, idempotency_key: str
) -> Redemption:
    """Create the redemption row (the caller has locked the member and taken the stock)."""
    now = clock.now()
    donation = reward.kind == RewardKind.DONATION
    validity = reward.redemption_validity_days
    return await insert_row(
        Redemption,
        program_id=member.program_id,
        member_id=member.id,
        reward_id=reward.id,
        code=new_code(),
        status=RedemptionStatus.FULFILLED if donation else RedemptionStatus.ISSUED,
        kind=reward.kind,
        points_spent=points,
        donation_amount=reward.donation_amount if donation else None,
        source=source[:64],
        idempotency_key=idempotency_key,
        created_at=now,
        expires_at=now + timedelta(days=validity) if validity and not donation else None,
    )


def _same_reward(previous: Redemption, reward_id: int) -> Redemption:
    if previous.reward_id != reward_id:
        raise Refused(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for another redemption.",
            "idempotencyKey",
        )
    return previous


async def redeem(member_id: int, reward_id: int, idempotency_key: str) -> Outcome:
    """Spend the reward's cost and issue a redemption, all or nothing. The same key again
    answers the first redemption and changes nothing."""
    ledger.check_key(idempotency_key)
    for _ in range(3):
        try:
            return await _redeem_once(member_id, reward_id, idempotency_key)
        except IntegrityError:
            # Either a concurrent request with the same key committed first (the member lock
            # makes that rare), or the random code collided: then draw again.
            previous = await _BY_KEY.first(member_id, idempotency_key)
            if previous is not None:
                member = await Member.get(id=member_id)
                return Outcome(_same_reward(previous, reward_id), member, replayed=True)
    raise RuntimeError("could not draw a free redemption code")


async def _redeem_once(member_id: int, reward_id: int, idempotency_key: str) -> Outcome:
    # One transaction and one pooled connection for everything: each query outside it would
    # take a connection from the pool and reset it, a round trip of its own.
    async with events.atomic():
        # Locked and read in one statement: the balance is current, and concurrent redemptions
        # of one member queue here.
        member = await ledger.locked_member(member_id)
        if member is None:
            raise NotFound(AccountErrorCode.MEMBER_NOT_FOUND, "No such member.")
        previous = await _BY_KEY.first(member.id, idempotency_key)
        if previous is not None:
            return Outcome(_same_reward(previous, reward_id), member, replayed=True)
        reward = await _REWARD.first(reward_id, member.program_id)
        if reward is None or reward.archived:
            raise NotFound(RewardErrorCode.REWARD_NOT_FOUND, "No such reward.", "rewardId")
        now = clock.now()
        reason = window_reason(reward, now) or tier_reason(
            reward, await member_tier_rank(member), await tier_ranks([reward.minimum_tier_id])
        )
        if reason is None and not await member_has_badge(member.id, reward.required_badge_id):
            reason = UnavailableReason.BADGE_REQUIRED
        if reason is None and not in_audience(reward, await member_standing(member, [reward])):
            reason = UnavailableReason.NOT_IN_AUDIENCE
        if reason is None:
            reason = limit_reason(reward, await usage_of(member.id, reward, now))
        if reason is not None:
            raise refusal(reason)
        await _take_stock(reward)
        redemption = await _issue(
            member,
            reward,
            points=reward.points_cost,
            source="redeem",
            idempotency_key=idempotency_key,
        )
        if reward.points_cost:
            # The ledger's conditional spend refuses INSUFFICIENT_POINTS (lapsed lots not
            # counted): the whole transaction, stock and redemption included, then rolls back.
            await ledger.spend(
                member,
                reward.points_cost,
                LedgerKind.REDEEM,
                reason=f"Redeemed: {reward.name}",
                reference=f"redemption:{redemption.id}",
            )
        await _emit_redeemed(redemption)
    return Outcome(redemption, member, replayed=False)


async def grant_reward(
    member: Member, reward: Reward, *, source: str, idempotency_key: str
) -> Redemption:
    """Give the member one unit of a catalog reward as a prize: no points charged (pointsSpent 0),
    no eligibility or limit checks, but stock taken by the same conditional update (OUT_OF_STOCK
    if none is left). Call it inside the caller's `events.atomic()`. The same key for the same
    member answers the first redemption."""
    ledger.check_key(idempotency_key)
    if reward.program_id != member.program_id:
        raise NotFound(RewardErrorCode.REWARD_NOT_FOUND, "No such reward.", "rewardId")
    await ledger.locked_member(member.id)
    previous = await _BY_KEY.first(member.id, idempotency_key)
    if previous is not None:
        return _same_reward(previous, reward.id)
    await _take_stock(reward)
    redemption = await _issue(
        member, reward, points=0, source=source, idempotency_key=idempotency_key
    )
    await _emit_redeemed(redemption)
    return redemption


async def _emit_redeemed(redemption: Redemption) -> None:
    await events.emit(
        RewardRedeemed(
            redemption_id=redemption.id,
            reward_id=redemption.reward_id,
            points=redemption.points_spent,
        ),
        program_id=redemption.program_id,
        member_id=redemption.member_id,
    )


async def _emit_transition(
    redemption: Redemption,
    payload: type[RedemptionUsed | RedemptionCancelled | RedemptionExpired],
    refunded: int,
) -> None:
    await events.emit(
        payload(
            redemption_id=redemption.id, reward_id=redemption.reward_id, points_refunded=refunded
        ),
        program_id=redemption.program_id,
        member_id=redemption.member_id,
    )


# --- The shop --------------------------------------------------------------------------------


async def by_code(program_id: int, code: str) -> Redemption:
    """The program's redemption with this code; another program's code is unknown here."""
    normalised = normalise_code(code)
    redemption = (
        await Redemption.get_or_none(code=normalised, program_id=program_id) if normalised else None
    )
    if redemption is None:
        raise NotFound(RewardErrorCode.REDEMPTION_NOT_FOUND, "No such code.", "code")
    return redemption


def _not_usable(redemption: Redemption) -> Refused:
    if redemption.status == RedemptionStatus.USED:
        return Refused(RewardErrorCode.ALREADY_USED, "This code was already used.", "code")
    if redemption.status == RedemptionStatus.CANCELLED:
        return Refused(RewardErrorCode.REDEMPTION_CANCELLED, "This code was cancelled.", "code")
    if redemption.status == RedemptionStatus.EXPIRED or _lapsed(redemption):
        return Refused(RewardErrorCode.REDEMPTION_EXPIRED, "This code has expired.", "code")
    return Refused(RewardErrorCode.REDEMPTION_NOT_USABLE, "This code is not for the shop.", "code")


def _lapsed(redemption: Redemption) -> bool:
    return redemption.expires_at is not None and redemption.expires_at <= clock.now()


async def use(program_id: int, code: str) -> Redemption:
    """The shop takes the code: ISSUED → USED, once (a second use is ALREADY_USED)."""
    redemption = await by_code(program_id, code)
    if redemption.status != RedemptionStatus.ISSUED or _lapsed(redemption):
        raise _not_usable(redemption)
    now = clock.now()
    async with events.atomic():
        moved = await Redemption.filter(id=redemption.id, status=RedemptionStatus.ISSUED).update(
            status=RedemptionStatus.USED, used_at=now
        )
        if moved:
            await _emit_transition(redemption, RedemptionUsed, 0)
    if not moved:
        await redemption.refresh_from_db()
        raise _not_usable(redemption)
    await redemption.refresh_from_db()
    return redemption


# --- Undoing ---------------------------------------------------------------------------------


async def _undo(redemption: Redemption, status: RedemptionStatus, refund: bool) -> int:
    """Move an ISSUED redemption to `status`, giving points and stock back if `refund`. Runs in
    the caller's atomic(). Returns the points refunded, or -1 if it was no longer ISSUED."""
    # Member before reward: the lock order of every redemption.
    member = await ledger.locked_member(redemption.member_id)
    assert member is not None  # a redemption's member row is never deleted
    now = clock.now()
    stamp = {"cancelled_at": now} if status == RedemptionStatus.CANCELLED else {"expired_at": now}
    points = redemption.points_spent if refund else 0
    moved = await Redemption.filter(id=redemption.id, status=RedemptionStatus.ISSUED).update(
        status=status, points_refunded=points, **stamp
    )
    if not moved:
        return -1
    if refund:
        if points:
            program = await Program.get(id=redemption.program_id)
            await ledger.credit(
                member,
                points,
                LedgerKind.REDEMPTION_REFUND,
                expires_at=ledger.points_expiry(program, now),
                reason="Redemption refunded",
                reference=f"redemption:{redemption.id}",
            )
        # Unlimited rewards have a null stock, which the filter skips.
        await Reward.filter(id=redemption.reward_id, stock__isnull=False).update(
            stock=F("stock") + 1
        )
    payload = RedemptionCancelled if status == RedemptionStatus.CANCELLED else RedemptionExpired
    await _emit_transition(redemption, payload, points)
    return points


async def redemption_in_program(program_id: int, redemption_id: int) -> Redemption:
    redemption = await Redemption.get_or_none(id=redemption_id, program_id=program_id)
    if redemption is None:
        raise NotFound(RewardErrorCode.REDEMPTION_NOT_FOUND, "No such redemption.", "redemptionId")
    return redemption


async def cancel(actor: Actor, redemption: Redemption) -> Redemption:
    """Staff undo an ISSUED redemption: points back as a new ledger entry, stock back. Once."""
    if redemption.status != RedemptionStatus.ISSUED:
        raise _not_cancellable(redemption)
    async with events.atomic():
        refunded = await _undo(redemption, RedemptionStatus.CANCELLED, refund=True)
        if refunded >= 0:
            await trail.record(
                actor,
                AuditAction.REDEMPTION_CANCELLED,
                program_id=redemption.program_id,
                target_id=redemption.id,
                before={"status": RedemptionStatus.ISSUED},
                after={
                    "status": RedemptionStatus.CANCELLED,
                    "member_id": redemption.member_id,
                    "points_refunded": refunded,
                },
            )
    await redemption.refresh_from_db()
    if refunded < 0:
        raise _not_cancellable(redemption)
    return redemption


def _not_cancellable(redemption: Redemption) -> Refused:
    if redemption.status == RedemptionStatus.CANCELLED:
        return Refused(RewardErrorCode.REDEMPTION_CANCELLED, "Already cancelled.", "redemptionId")
    if redemption.status == RedemptionStatus.USED:
        return Refused(RewardErrorCode.ALREADY_USED, "The shop already took it.", "redemptionId")
    if redemption.status == RedemptionStatus.EXPIRED:
        return Refused(RewardErrorCode.REDEMPTION_EXPIRED, "It has expired.", "redemptionId")
    return Refused(
        RewardErrorCode.REDEMPTION_NOT_USABLE, "A donation cannot be undone.", "redemptionId"
    )


async def expire_due(batch_size: int = 500) -> int:
    """Expire every ISSUED redemption past its validity, one transaction each; refund points and
    stock only where the reward says so. Idempotent and safe in several workers at once."""
    expired = 0
    last_id = 0
    while True:
        due = (
            await Redemption.filter(
                status=RedemptionStatus.ISSUED, expires_at__lte=clock.now(), id__gt=last_id
            )
            .order_by("id")
            .limit(batch_size)
        )
        if not due:
            return expired
        refunds = dict(
            await Reward.filter(id__in={r.reward_id for r in due}).values_list(
                "id", "refund_on_expiry"
            )
        )
        for redemption in due:
            async with events.atomic():
                moved = await _undo(
                    redemption, RedemptionStatus.EXPIRED, refund=refunds[redemption.reward_id]
                )
            expired += moved >= 0
        last_id = due[-1].id


def of_member(member_id: int) -> QuerySet[Redemption]:
    return Redemption.filter(member_id=member_id)
