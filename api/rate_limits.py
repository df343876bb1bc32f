"""Rate limits on the mutations that move a member's value and on sign-up and log-in, counted in
Redis per program (and per member or account), refused with a top-level `RATE_LIMITED` error whose
`extensions.retryAfter` says in how many seconds to try again (also the `Retry-After` header).

An API concern, not a domain rule: a limit says how often a caller may ask, whatever it asks,
the way authentication and permissions do; no service changes its answer because of it, so the
services stay free of it and every mutation is limited by the one field extension below.

Windows are fixed: the clock (`core.clock`, so tests can move it) cuts time into windows of
`rate_limit_window_seconds` counted from the epoch, and each window has its own counter key. One
Lua script checks every counter of a request and counts it in all of them only when none is spent,
so the check is atomic across API processes and a refused request is not counted (a caller over
the limit does not push its own window further away). A fixed window lets a caller send up to
twice its limit around a window's edge; the cost is one key per counter and window, with no list
of timestamps. Keys carry the program as a hash tag (`{p<id>}`), so one script's keys share a
Redis Cluster slot. When Redis does not answer, the limit is not applied (logged): a limit is a
guard against floods, not a rule whose failure should stop every spend.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import structlog
from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.types.field import StrawberryField

from core.clock import clock
from core.errors import NotFound
from core.redis import UNREACHABLE, RedisClient, ScriptCall, run_scripts
from core.settings import Settings

log = structlog.get_logger("api.rate_limits")

RATE_LIMITED = "RATE_LIMITED"

# KEYS: the counters; ARGV: each counter's limit, then the keys' lifetime in milliseconds.
# Answers 0 when counted, else the (1-based) index of the first counter that is spent.
_CHECK_AND_COUNT = """
local n = #KEYS
for i = 1, n do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= tonumber(ARGV[i]) then
    return i
  end
end
for i = 1, n do
  if redis.call('INCR', KEYS[i]) == 1 then
    redis.call('PEXPIRE', KEYS[i], ARGV[n + 1])
  end
end
return 0
"""


class Action(StrEnum):
    """What is limited; each has its own counters."""

    SPEND = "spend"  # redeemReward, playInstantWin, enterContest, joinChallenge...
    SIGN_UP = "sign_up"
    LOG_IN = "log_in"


@dataclass(frozen=True)
class Limits:
    """How many requests a window allows (0: no limit)."""

    window_seconds: int
    member_spends: int
    program_spends: int
    program_sign_ups: int
    program_log_ins: int
    account_log_ins: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            window_seconds=settings.rate_limit_window_seconds,
            member_spends=settings.rate_limit_member_spends,
            program_spends=settings.rate_limit_program_spends,
            program_sign_ups=settings.rate_limit_program_sign_ups,
            program_log_ins=settings.rate_limit_program_log_ins,
            account_log_ins=settings.rate_limit_account_log_ins,
        )


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"rate limited, retry after {retry_after} s")


def _digest(value: str) -> str:
    # An email is personal data: Redis only sees a digest.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


class RateLimiter:
    def __init__(self, redis: RedisClient, limits: Limits) -> None:
        self.redis = redis
        self.limits = limits

    def _counters(self, action: Action, subject: str | None) -> list[tuple[str, int]]:
        """(key suffix, limit) of each counter the action counts in, the narrowest first."""
        limits = self.limits
        if action is Action.SPEND:
            pairs = [
                (f"member:{subject}", limits.member_spends),
                ("program", limits.program_spends),
            ]
        elif action is Action.LOG_IN:
            pairs = [
                (f"account:{_digest(subject or '')}", limits.account_log_ins),
                ("program", limits.program_log_ins),
            ]
        else:
            pairs = [("program", limits.program_sign_ups)]
        return [(suffix, limit) for suffix, limit in pairs if limit > 0]

    async def hit(self, action: Action, program_id: int, subject: str | None = None) -> None:
        """Count one request, or raise RateLimited when a counter of this window is spent."""
        counters = self._counters(action, subject)
        if not counters:
            return
        window = self.limits.window_seconds
        now = clock.now().timestamp()
        index = int(now // window)
        ends_at = (index + 1) * window
        keys = [
            f"ratelimit:{{p{program_id}}}:{action.value}:{suffix}:{index}" for suffix, _ in counters
        ]
        # A key outlives its window a little, so clocks a second apart across processes agree.
        lifetime_ms = math.ceil((ends_at - now + 1) * 1000)
        try:
            (spent,) = await run_scripts(
                self.redis,
                [
                    ScriptCall(
                        _CHECK_AND_COUNT,
                        keys,
                        [*(str(limit) for _, limit in counters), str(lifetime_ms)],
                    )
                ],
            )
        except UNREACHABLE as error:
            log.warning("rate limit not applied", action=action.value, error=repr(error))
            return
        if spent:
            raise RateLimited(max(1, math.ceil(ends_at - now)))


def refusal(error: RateLimited) -> GraphQLError:
    return GraphQLError(
        f"Too many requests: try again in {error.retry_after} s.",
        extensions={"code": RATE_LIMITED, "retryAfter": error.retry_after},
    )


# What a limited field counts under: the program and subject of the request, or None when it
# has none (an unknown program's sign-up, which the mutation refuses itself).
Subject = Callable[[Any, dict[str, Any]], Awaitable[tuple[int, str | None] | None]]


async def _member(info: Any, kwargs: dict[str, Any]) -> tuple[int, str | None] | None:
    caller = info.context.caller
    if caller.kind != "member":  # the permission check below refuses it
        return None
    return caller.program_id, str(caller.member_id)


def _by_slug(with_email: bool) -> Subject:
    async def subject(info: Any, kwargs: dict[str, Any]) -> tuple[int, str | None] | None:
        data = kwargs["input"]
        try:
            # The request's loader: the mutation reads the same program from it, not again.
            program = await info.context.loaders.program_by_slug.load(data.program)
        except NotFound:
            return None  # the resolver answers PROGRAM_NOT_FOUND
        return program.id, data.email if with_email else None

    return subject


class RateLimit(FieldExtension):
    """Count each call of the field before its resolver runs; refuse it past a limit."""

    def __init__(self, action: Action, subject: Subject, counted: str) -> None:
        self.action = action
        self.subject = subject
        self.counted = counted

    def apply(self, field: StrawberryField) -> None:
        # Said once here rather than in every limited field's description (and once per field:
        # every schema built applies its extensions again to the same field).
        said = (
            f" Rate limited {self.counted}: past the limit, a top-level RATE_LIMITED error whose "
            "extensions.retryAfter gives the seconds to wait."
        )
        if not (field.description or "").endswith(said):
            field.description = f"{field.description}{said}"

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        found = await self.subject(info, kwargs)
        if found is not None:
            try:
                await info.context.services.rate_limiter.hit(self.action, *found)
            except RateLimited as error:
                if info.context.response is not None:
                    info.context.response.headers["Retry-After"] = str(error.retry_after)
                raise refusal(error) from None
        return await next_(source, info, **kwargs)


def member_spends() -> RateLimit:
    """For a member-only mutation that spends or moves points. List it before the permission
    extension: strawberry makes the last extension the outermost, so the permission check runs
    first and a refused caller is not counted."""
    return RateLimit(Action.SPEND, _member, "per member and per program")


def sign_ups() -> RateLimit:
    return RateLimit(Action.SIGN_UP, _by_slug(with_email=False), "per program")


def log_ins() -> RateLimit:
    return RateLimit(Action.LOG_IN, _by_slug(with_email=True), "per account and per program")
