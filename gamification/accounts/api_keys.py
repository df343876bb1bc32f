"""Integration API keys: `lk_<prefix>_<secret>`, shown once, stored as a SHA-256, revocable.

The prefix finds the row by an index; the secret is compared in constant time against the hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

from tortoise.transactions import in_transaction

from core.clock import clock
from core.errors import ErrorCode, NotFound, ValidationFailed
from gamification.accounts.models import ApiKey
from gamification.audit import Actor, AuditAction, trail

_PREFIX_BYTES = 6
# What a key's prefix can be: anything else is no key, and never reaches the database.
_PREFIX = re.compile(f"[0-9a-f]{{{2 * _PREFIX_BYTES}}}")
_SECRET_BYTES = 24
# Integrations send a key with every request: live keys are remembered for a few seconds, so a
# revocation takes effect at once in this process and within CACHE_SECONDS in the others.
CACHE_SECONDS = 5.0
_CACHE_LIMIT = 1000
_cache: dict[str, tuple[float, ApiKey]] = {}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_key(
    actor: Actor,
    program_id: int,
    name: str,
    *,
    prefix: str | None = None,
    secret: str | None = None,
) -> tuple[ApiKey, str]:
    """The stored key and the plaintext, which is never seen again. `prefix` and `secret` are
    drawn at random unless given (only the public demo key gives them)."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A key name has 1 to 100 characters.", "name"
        )
    prefix = prefix or secrets.token_hex(_PREFIX_BYTES)
    secret = secret or secrets.token_urlsafe(_SECRET_BYTES)
    async with in_transaction():
        key = await ApiKey.create(
            program_id=program_id,
            name=name,
            prefix=prefix,
            key_hash=_hash(secret),
            created_at=clock.now(),
        )
        await trail.record(
            actor,
            AuditAction.API_KEY_CREATED,
            program_id=program_id,
            target_id=key.id,
            after=trail.snapshot(key),
        )
    return key, f"lk_{prefix}_{secret}"


async def authenticate_api_key(presented: str) -> ApiKey | None:
    """The live key that `presented` is, or None."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "lk" or not _PREFIX.fullmatch(parts[1]):
        return None
    cache_key = _hash(presented)
    hit = _cache.get(cache_key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    key = await ApiKey.get_or_none(prefix=parts[1], revoked_at__isnull=True)
    if key is None or not hmac.compare_digest(key.key_hash, _hash(parts[2])):
        return None
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[cache_key] = (time.monotonic() + CACHE_SECONDS, key)
    return key


async def api_keys_of(program_id: int) -> list[ApiKey]:
    """The program's keys, revoked ones included, newest first (never their secrets)."""
    return await ApiKey.filter(program_id=program_id).order_by("-id")


def forget_all() -> None:
    """Forget every key (start-up: a new app may face another database, as in tests)."""
    _cache.clear()


async def revoke_api_key(actor: Actor, program_id: int, key_id: int) -> ApiKey:
    """Revoke a key of this program (again is harmless) and return it."""
    async with in_transaction():
        at = clock.now()
        if await ApiKey.filter(id=key_id, program_id=program_id, revoked_at__isnull=True).update(
            revoked_at=at
        ):
            await trail.record(
                actor,
                AuditAction.API_KEY_REVOKED,
                program_id=program_id,
                target_id=key_id,
                before={"revoked_at": None},
                after={"revoked_at": at},
            )
    for cache_key, (_, cached) in list(_cache.items()):
        if cached.id == key_id:
            _cache.pop(cache_key, None)
    key = await ApiKey.get_or_none(id=key_id, program_id=program_id)
    if key is None:
        raise NotFound(ErrorCode.NOT_FOUND, "No such API key.", "apiKeyId")
    return key
