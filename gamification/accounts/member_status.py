"""Blocking and unblocking members (staff). A blocked member cannot earn, spend or play (the
ledger refuses them) and their sessions end: refresh tokens are revoked and access tokens are
refused by the API's member permission, which reads the member's status on every request."""

from __future__ import annotations

from core.clock import clock
from core.errors import ErrorCode, ValidationFailed
from gamification import events
from gamification.accounts import sessions
from gamification.accounts.models import Member
from gamification.audit import Actor, AuditAction, trail
from gamification.events.payloads import MemberBlocked, MemberUnblocked


def is_active(member: Member | None) -> bool:
    """Whether this member may still use their session."""
    return member is not None and member.blocked_at is None and member.anonymised_at is None


def _status(member: Member) -> dict[str, object]:
    return {"blocked_at": member.blocked_at, "blocked_reason": member.blocked_reason}


async def block_member(actor: Actor, member: Member, *, reason: str) -> Member:
    """Block (again is harmless: the first block's time and reason stay)."""
    reason = reason.strip()
    if not 1 <= len(reason) <= 200:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "Give a reason (1-200 characters).", "reason"
        )
    async with events.atomic():
        at = clock.now()
        if await Member.filter(id=member.id, blocked_at__isnull=True).update(
            blocked_at=at, blocked_reason=reason
        ):
            await sessions.revoke_member_sessions(member.id)
            await events.emit(
                MemberBlocked(reason=reason, staff=actor.staff_id),
                program_id=member.program_id,
                member_id=member.id,
            )
            await trail.record(
                actor,
                AuditAction.MEMBER_BLOCKED,
                program_id=member.program_id,
                target_id=member.id,
                before={"blocked_at": None, "blocked_reason": ""},
                after={"blocked_at": at, "blocked_reason": reason},
            )
    return await Member.get(id=member.id)


async def unblock_member(actor: Actor, member: Member) -> Member:
    async with events.atomic():
        before = await Member.select_for_update().get(id=member.id)
        if await Member.filter(id=member.id, blocked_at__isnull=False).update(
            blocked_at=None, blocked_reason=""
        ):
            await events.emit(
                MemberUnblocked(staff=actor.staff_id),
                program_id=member.program_id,
                member_id=member.id,
            )
            await trail.record(
                actor,
                AuditAction.MEMBER_UNBLOCKED,
                program_id=member.program_id,
                target_id=member.id,
                before=_status(before),
                after={"blocked_at": None, "blocked_reason": ""},
            )
    return await Member.get(id=member.id)
