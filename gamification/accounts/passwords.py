"""Password hashing with argon2id. Hashing runs in a thread so it never blocks the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import ValidationFailed
from gamification.accounts.error_codes import AccountErrorCode

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128

# Library defaults (RFC 9106 low-memory profile) in production; the test profile keeps the same
# algorithm with small costs so a suite that signs up thousands of members stays quick.
_PROFILES = {
    "standard": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_hasher = _PROFILES["standard"]
# Verified against when the account does not exist, so both paths cost the same (no enumeration).
_dummy_hash = _hasher.hash("not-a-real-password")


def configure(profile: str) -> None:
    global _hasher, _dummy_hash
    _hasher = _PROFILES[profile]
    _dummy_hash = _hasher.hash("not-a-real-password")


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            AccountErrorCode.PASSWORD_TOO_SHORT,
            f"Passwords have at least {MIN_PASSWORD_LENGTH} characters.",
            field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            AccountErrorCode.PASSWORD_TOO_LONG,
            f"Passwords have at most {MAX_PASSWORD_LENGTH} characters.",
            field,
        )


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no hash (unknown account) it spends the same time."""

    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _dummy_hash, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)
