"""Throttling of log-in and sign-up attempts in Redis, per program + email and per client address.

Counters are fixed windows (INCR, then EXPIRE on the first hit), atomic in Redis and shared by every
API process. Keys carry the program as a hash tag so one program's keys live on one Cluster slot;
counting goes through one script (a Cluster client refuses MULTI), which the tag keeps on one slot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from core.errors import Refused
from core.redis import RedisClient, script
from gamification.accounts import passwords
from gamification.accounts.error_codes import AccountErrorCode

A = TypeVar("A")


@dataclass(frozen=True)
class ThrottleLimits:
    attempts_per_email: int
    attempts_per_address: int
    signups_per_address: int
    window_seconds: int


def _digest(value: str) -> str:
    # Emails are personal data: RedisClient only ever sees a digest.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def login_keys(program_id: int, email: str, address: str) -> tuple[str, str]:
    """The log-in counters: per program + email, and per program + address."""
    tag = f"{{p{program_id}}}"
    return f"throttle:{tag}:login:email:{_digest(email)}", f"throttle:{tag}:login:addr:{address}"


def signup_key(program_id: int, address: str) -> str:
    return f"throttle:{{p{program_id}}}:signup:addr:{address}"


# KEYS: the counters to move. ARGV: the window in seconds. Each counter counts one more, and
# one without an expiry (new) gets the window. Returns the new counts.
_COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[1], 'NX')
end
return counts
"""


def _too_many() -> Refused:
    return Refused(
        AccountErrorCode.TOO_MANY_ATTEMPTS, "Too many attempts. Try again in a few minutes."
    )


class LoginThrottle:
    def __init__(self, redis: RedisClient, limits: ThrottleLimits) -> None:
        self.redis = redis
        self.limits = limits

    async def check_login(self, program_id: int, email: str, address: str) -> None:
        """Refuse before checking the password when either counter is spent."""
        email_key, address_key = login_keys(program_id, email, address)
        by_email, by_address = await self.redis.mget(email_key, address_key)
        if int(by_email or 0) >= self.limits.attempts_per_email:
            raise _too_many()
        if int(by_address or 0) >= self.limits.attempts_per_address:
            raise _too_many()

    async def record_failure(self, program_id: int, email: str, address: str) -> None:
        await self._count(*login_keys(program_id, email, address))

    async def record_success(self, program_id: int, email: str, address: str) -> None:
        email_key, _ = login_keys(program_id, email, address)
        await self.redis.delete(email_key)

    async def log_in(
        self,
        program_id: int,
        key: str,
        address: str,
        account: Callable[[], Awaitable[A | None]],
        password: str,
    ) -> A:
        """One throttled log-in: refuse when a counter is spent, load the account, check the
        password (the same time whether or not the account exists), count a failure or clear
        the counter. INVALID_CREDENTIALS alike for an unknown account and a wrong password."""
        await self.check_login(program_id, key, address)
        found = await account()
        # Verified whether or not the account exists (against a dummy hash when it does not), so
        # the answer takes as long for an unknown email as for a wrong password.
        matches = await passwords.verify_password(getattr(found, "password_hash", None), password)
        if found is None or not matches:
            await self.record_failure(program_id, key, address)
            raise Refused(AccountErrorCode.INVALID_CREDENTIALS, "Wrong email or password.")
        await self.record_success(program_id, key, address)
        return found

    async def count_signup(self, program_id: int, address: str) -> None:
        """Count a sign-up from `address`; refuse past the limit (slows enumeration by sign-up)."""
        (count,) = await self._count(signup_key(program_id, address))
        if count > self.limits.signups_per_address:
            raise _too_many()

    async def _count(self, *keys: str) -> list[int]:
        counts = await script(self.redis, _COUNT)(keys=keys, args=[self.limits.window_seconds])
        return [int(c) for c in counts]
