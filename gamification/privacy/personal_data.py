"""Personal data rights: export everything held about a member, and erase their personal data.

Every feature that keeps data about members registers an exporter, so the export stays whole as
features are added. Erasure (anonymisation) keeps the accounting rows (purchases, ledger,
redemptions) with no personal field left, so the program's totals do not move.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from core.bulk import column
from core.clock import clock
from core.errors import Refused
from gamification import events
from gamification.accounts import passwords, sessions
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import Member, RefreshToken
from gamification.audit import Actor, AuditAction, trail
from gamification.events.models import Event
from gamification.events.payloads import MemberAnonymised
from gamification.leaderboards import public_names
from gamification.points.models import LedgerEntry, Tier

Exporter = Callable[[Member], Awaitable[Any]]
_exporters: dict[str, Exporter] = {}

# Not a valid argon2 hash: no password ever matches it.
ERASED_PASSWORD = "!erased"
ERASED_NAME = "Deleted member"


def register_exporter(section: str, exporter: Exporter) -> None:
    """Add `section` to every member's export: the core's own sections below when this module is
    imported, every feature's from its `install()`, which bootstrap calls."""
    _exporters[section] = exporter


async def names_by_id(model: Any, ids: set[int], field: str = "name") -> dict[int, str]:
    """The `field` of each of these rows of `model`, by id: how a section names what a row
    points at (a reward, a badge, another member's display name)."""
    if not ids:
        return {}
    return dict(await model.filter(id__in=ids).values_list("id", field))


def plain(value: Any) -> Any:
    """JSON-ready: datetimes as ISO-8601, decimals as strings, enums as their value."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def _profile(member: Member) -> dict[str, Any]:
    tier = await Tier.get_or_none(id=member.tier_id) if member.tier_id else None
    # Another member appears by display name only, never by id.
    referrer = (
        await column(Member.filter(id=member.referred_by_id), "display_name")
        if member.referred_by_id
        else []
    )
    return {
        "id": member.id,
        "email": member.email,
        "display_name": member.display_name,
        "referral_code": member.referral_code,
        "referred_by": referrer[0] if referrer else None,
        "created_at": member.created_at,
        "points_balance": member.points_balance,
        "points_held": member.points_held,
        "birth_date": member.birth_date,
        "tier": tier.name if tier else None,
        "blocked_at": member.blocked_at,
        "blocked_reason": member.blocked_reason,
    }


async def _ledger(member: Member) -> list[dict[str, Any]]:
    return (
        await LedgerEntry.filter(member_id=member.id)
        .order_by("id")
        .values(
            "id", "delta", "kind", "reason", "reference", "created_at", "expires_at", "remaining"
        )
    )


# Event data naming another member (a referral's referee, say): left out of the export.
OTHER_MEMBER_KEYS = frozenset({"referee_id", "referrer_id", "member_id"})


async def _events(member: Member) -> list[dict[str, Any]]:
    rows = (
        await Event.filter(member_id=member.id)
        .order_by("id")
        .values("id", "type", "data", "occurred_at")
    )
    for row in rows:
        if isinstance(row["data"], dict):
            row["data"] = {k: v for k, v in row["data"].items() if k not in OTHER_MEMBER_KEYS}
    return rows


async def _sessions(member: Member) -> list[dict[str, Any]]:
    return (
        await RefreshToken.filter(member_id=member.id)
        .order_by("id")
        .values("created_at", "expires_at", "used_at", "revoked_at")
    )


register_exporter("profile", _profile)
register_exporter("ledger", _ledger)
register_exporter("events", _events)
register_exporter("sessions", _sessions)


async def export_member_data(member: Member) -> dict[str, Any]:
    member = await Member.get(id=member.id)
    data = {section: await exporter(member) for section, exporter in _exporters.items()}
    exported: dict[str, Any] = plain({"exported_at": clock.now(), **data})
    return exported


async def anonymise_member(actor: Actor, member: Member) -> Member:
    """Erase the member's personal data and end their sessions. Again is harmless. The trail
    keeps that it happened, by whom, and what the member held, none of which is personal."""
    async with events.atomic():
        before = await Member.get(id=member.id)
        at = clock.now()
        erased = await Member.filter(id=member.id, anonymised_at__isnull=True).update(
            email=f"erased-{member.id}@anonymised.invalid",
            display_name=ERASED_NAME,
            password_hash=ERASED_PASSWORD,
            referral_code=f"X{secrets.token_hex(7).upper()}",
            birth_date=None,
            birthday=None,
            anonymised_at=at,
        )
        if erased:
            await sessions.revoke_member_sessions(member.id)
            await events.emit(
                MemberAnonymised(by=actor.tag), program_id=member.program_id, member_id=member.id
            )
            await trail.record(
                actor,
                AuditAction.MEMBER_ERASED,
                program_id=member.program_id,
                target_id=member.id,
                before={"anonymised_at": None},
                after={
                    "anonymised_at": at,
                    "points_balance": before.points_balance,
                    "tier_id": before.tier_id,
                },
            )
    if erased:
        public_names.forget(member.id)  # after the commit: a read meanwhile saw the old row
    return await Member.get(id=member.id)


async def delete_own_account(member: Member, password: str) -> Member:
    """A member erasing themselves: their password confirms it."""
    if member.anonymised_at is not None:
        raise Refused(AccountErrorCode.MEMBER_ANONYMISED, "This account was already deleted.")
    if not await passwords.verify_password(member.password_hash, password):
        raise Refused(AccountErrorCode.INVALID_CREDENTIALS, "Wrong password.", "password")
    return await anonymise_member(Actor.member(), member)
