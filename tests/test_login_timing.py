"""Log-in time does not tell which emails have an account: an unknown email costs the same
password verification as a known one with a wrong password (README, "Security")."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from core.errors import DomainError
from gamification.accounts import members, passwords
from gamification.accounts.login_throttle import LoginThrottle, ThrottleLimits
from gamification.programs.models import Program
from tests.builders import PASSWORD, new_program

TRIES = 30
# Limits no test reaches: the throttle is not what is measured here.
WIDE_OPEN = ThrottleLimits(
    attempts_per_email=10_000,
    attempts_per_address=10_000,
    signups_per_address=10_000,
    window_seconds=60,
)


@pytest.fixture
async def production_hashing() -> AsyncIterator[None]:
    # The suite hashes with small costs; timing is only meaningful at production costs.
    passwords.configure("standard")
    yield
    passwords.configure("fast")


async def _seconds_to_refuse(program: Program, email: str, throttle: LoginThrottle) -> float:
    started = time.perf_counter()
    with pytest.raises(DomainError) as refused:
        await members.log_in(
            program=program,
            email=email,
            password="not-the-password-at-all",
            throttle=throttle,
            client_address="198.51.100.7",
        )
    assert refused.value.code == "INVALID_CREDENTIALS"
    return time.perf_counter() - started


async def test_an_unknown_email_takes_as_long_as_a_wrong_password(
    production_hashing: None, redis: Redis
) -> None:
    # given a member whose password was hashed at production costs
    program = await new_program()
    await members.register_member(program, "known@example.com", PASSWORD, "Known")
    throttle = LoginThrottle(redis, WIDE_OPEN)
    # when both kinds of failed log-in are timed, interleaved so the machine's drift hits both
    known, unknown = [], []
    for attempt in range(TRIES):
        known.append(await _seconds_to_refuse(program, "known@example.com", throttle))
        unknown.append(await _seconds_to_refuse(program, f"nobody{attempt}@example.com", throttle))
    # then their medians are within a factor of two (without the dummy verification an unknown
    # email answers about ten times faster)
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2, (statistics.median(unknown), statistics.median(known))
