"""Sessions: short-lived JWT access tokens and rotating, revocable refresh tokens.

A refresh token is an opaque random string; only its SHA-256 is stored. Each use rotates it: the
presented link is marked used (one conditional UPDATE, so two concurrent uses cannot both win) and a
new link of the same family is issued. Presenting a used link again means it leaked: the whole
family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import jwt
from tortoise.expressions import Q

from core.clock import clock
from core.errors import Refused
from gamification.accounts.error_codes import AccountErrorCode
from gamification.accounts.models import Member, RefreshToken, StaffRole, StaffUser

SubjectKind = Literal["member", "staff"]
_SUBJECT_KINDS: dict[str, SubjectKind] = {"member": "member", "staff": "staff"}
_ALGORITHM = "HS256"
_MEMBER_ROLE = {"MEMBER"}
_STAFF_ROLES = {role.value for role in StaffRole}
_DECODED_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class AccessClaims:
    kind: SubjectKind
    subject_id: int
    program_id: int
    role: str  # "MEMBER" or a staff role
    issued_at: float
    expires_at: int


@dataclass(frozen=True)
class SessionTokens:
    access_token: str
    refresh_token: str
    member: Member | None
    staff: StaffUser | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invalid_refresh() -> Refused:
    return Refused(AccountErrorCode.INVALID_REFRESH_TOKEN, "This session has ended. Log in again.")


class TokenIssuer:
    """Signs and reads access tokens, and runs the refresh-token chain."""

    def __init__(self, secret: bytes, access_ttl: timedelta, refresh_ttl: timedelta) -> None:
        self._secret = secret
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        # Decoding and verifying a JWT is a measurable share of a small request: a verified token
        # is remembered (its expiry is still checked on every use).
        self._decoded: dict[str, AccessClaims] = {}

    def access_token(self, subject: Member | StaffUser) -> str:
        issued = clock.now().timestamp()
        now = int(issued)
        kind: SubjectKind = "member" if isinstance(subject, Member) else "staff"
        role = "MEMBER" if isinstance(subject, Member) else subject.role.value
        payload = {
            "sub": f"{kind}:{subject.id}",
            "prg": subject.program_id,
            "role": role,
            # In milliseconds (a NumericDate may have a fraction): a token issued just after its
            # account's sessions were ended is told from one issued just before.
            "iat": round(issued, 3),
            "exp": now + int(self.access_ttl.total_seconds()),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(payload, self._secret, algorithm=_ALGORITHM)

    def read_access_token(self, token: str) -> AccessClaims | None:
        """The token's claims, or None when it is forged, malformed or expired."""
        claims = self._decoded.get(token)
        if claims is None:
            try:
                # Expiry is checked against the application clock below, not PyJWT's.
                payload = jwt.decode(
                    token,
                    self._secret,
                    algorithms=[_ALGORITHM],
                    options={
                        "verify_exp": False,
                        "require": ["sub", "prg", "role", "iat", "exp"],
                    },
                )
                raw_kind, _, raw_id = str(payload["sub"]).partition(":")
                kind = _SUBJECT_KINDS.get(raw_kind)
                if kind is None:
                    return None
                role = str(payload["role"])
                if role not in (_MEMBER_ROLE if kind == "member" else _STAFF_ROLES):
                    return None  # a role no account of this kind has: not one of our tokens
                claims = AccessClaims(
                    kind=kind,
                    subject_id=int(raw_id),
                    program_id=int(payload["prg"]),
                    role=role,
                    issued_at=float(payload["iat"]),
                    expires_at=int(payload["exp"]),
                )
            except (jwt.PyJWTError, ValueError, TypeError):
                return None
            if len(self._decoded) >= _DECODED_CACHE_SIZE:
                self._decoded.clear()
            self._decoded[token] = claims
        if claims.expires_at <= clock.now().timestamp():
            self._decoded.pop(token, None)
            return None
        return claims

    async def start_session(self, subject: Member | StaffUser) -> SessionTokens:
        refresh = await self._issue_refresh(subject, family=secrets.token_hex(16))
        return self._tokens(subject, refresh)

    async def refresh_session(self, presented: str) -> SessionTokens:
        now = clock.now()
        link = await RefreshToken.get_or_none(token_hash=_hash(presented))
        if link is None or link.revoked_at is not None or link.expires_at <= now:
            raise _invalid_refresh()
        claimed = await RefreshToken.filter(
            id=link.id, used_at__isnull=True, revoked_at__isnull=True
        ).update(used_at=now)
        if claimed == 0:
            # A used link presented again: someone holds a copy. End every session of the family.
            await revoke_family(link.family)
            raise _invalid_refresh()
        subject: Member | StaffUser | None
        if link.member_id is not None:
            subject = await Member.get_or_none(id=link.member_id)
        else:
            # An archived staff user's session ends with the archive.
            subject = await StaffUser.get_or_none(id=link.staff_id, archived_at__isnull=True)
        if subject is None:
            raise _invalid_refresh()
        refresh = await self._issue_refresh(subject, family=link.family)
        # A concurrent reuse may have revoked the family between our claim and our insert: look
        # again after the insert, so the new link cannot outlive the revocation.
        if await RefreshToken.exists(family=link.family, revoked_at__isnull=False):
            await revoke_family(link.family)
            raise _invalid_refresh()
        return self._tokens(subject, refresh)

    async def _issue_refresh(self, subject: Member | StaffUser, family: str) -> str:
        token = secrets.token_urlsafe(32)
        now = clock.now()
        await RefreshToken.create(
            token_hash=_hash(token),
            family=family,
            program_id=subject.program_id,
            member_id=subject.id if isinstance(subject, Member) else None,
            staff_id=subject.id if isinstance(subject, StaffUser) else None,
            created_at=now,
            expires_at=now + self.refresh_ttl,
        )
        return token

    def _tokens(self, subject: Member | StaffUser, refresh: str) -> SessionTokens:
        return SessionTokens(
            access_token=self.access_token(subject),
            refresh_token=refresh,
            member=subject if isinstance(subject, Member) else None,
            staff=subject if isinstance(subject, StaffUser) else None,
        )


async def revoke_family(family: str) -> int:
    """End a session everywhere: its refresh links, and the access tokens of its account (a
    reused link means a copy is out there, so every access token of the account goes too)."""
    now = clock.now()
    revoked = await RefreshToken.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=now
    )
    link = await RefreshToken.filter(family=family).first()
    if link is not None and link.member_id is not None:
        await Member.filter(id=link.member_id).update(sessions_revoked_at=now)
    elif link is not None and link.staff_id is not None:
        await revoke_staff_sessions(link.staff_id)
    return revoked


async def revoke_member_sessions(member_id: int) -> int:
    now = clock.now()
    await Member.filter(id=member_id).update(sessions_revoked_at=now)
    return await RefreshToken.filter(member_id=member_id, revoked_at__isnull=True).update(
        revoked_at=now
    )


async def revoke_staff_sessions(staff_id: int, at: datetime | None = None) -> int:
    """End every session of a staff user: tokens issued before `at` (default now) stop working."""
    now = at or clock.now()
    await StaffUser.filter(id=staff_id).update(sessions_revoked_at=now)
    return await RefreshToken.filter(staff_id=staff_id, revoked_at__isnull=True).update(
        revoked_at=now
    )


async def end_session(presented: str) -> bool:
    """Sign out: the session of this refresh token ends (its whole family, so no copy of an older
    link works either). The account's other sessions and the access token already issued stay:
    that one lapses within its short lifetime. False when there was no live session to end."""
    link = await RefreshToken.get_or_none(token_hash=_hash(presented))
    if link is None:
        return False
    ended = await RefreshToken.filter(family=link.family, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    return ended > 0


def session_is_current(account: Member | StaffUser, program_id: int, issued_at: float) -> bool:
    """Whether an access token with these claims still speaks for `account`: the account is of
    the token's program, and its sessions were not ended after the token was issued."""
    if account.program_id != program_id:
        return False
    revoked = account.sessions_revoked_at
    return revoked is None or issued_at > revoked.timestamp()


async def purge_expired_refresh_tokens(grace: timedelta = timedelta(days=1)) -> int:
    """Delete links that expired more than `grace` ago, or were revoked that long ago."""
    cutoff = clock.now() - grace
    return await RefreshToken.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)).delete()
