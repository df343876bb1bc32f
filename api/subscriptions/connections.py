"""The WebSocket connections of this process, and the check that keeps each one in session.

A connection is authenticated once, in `connection_init`. Afterwards, every
`live_session_check_seconds` the process reads the accounts behind all its connections (a few
batched queries, whatever the number of connections) and closes, with close code 4403, those
whose token expired, whose member was blocked or erased, whose staff user was archived, or whose
sessions were ended after the token was issued (a reused refresh token, a log-out everywhere).
A staff connection's role is read again at the same time, so programActivity filters by the
role the staff user has now.

The limit of connections per account holds across every API process: each connection holds a
lease in Redis (a sorted set per account, `live:conns:{p<id>}:<kind>:<id>`, connection ->
lease end), taken by a script that first drops lapsed leases, renewed by every session check
and given back when the connection ends. A process that dies leaves its leases to lapse (after
LEASE_CHECKS session checks, at least MIN_LEASE_SECONDS). When Redis does not answer, the
limit is not applied (the connection is admitted; its subscriptions then wait for Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog

from api.caller import Caller
from api.loaders import Loaders
from core.clock import clock
from core.redis import UNREACHABLE, RedisClient, ScriptCall, run_scripts
from gamification.accounts.member_status import is_active
from gamification.accounts.sessions import session_is_current

log = structlog.get_logger("api.subscriptions")

# The close code of a refused or ended session (graphql-transport-ws: Forbidden). A client such
# as graphql-ws retries it, with connectionParams read again: a fresh token reconnects.
FORBIDDEN = 4403
# Too many connections for one account (graphql-ws does not retry it).
TOO_MANY = 4429
# Accounts read per query by the session check.
CHECK_BATCH = 500
# A lease lasts this many session checks (and at least MIN_LEASE_SECONDS).
LEASE_CHECKS = 5
MIN_LEASE_SECONDS = 15.0


def lease_key(program_id: int, kind: str, account_id: int) -> str:
    """The leases of one account's connections (in its program's slot)."""
    return f"live:conns:{{p{program_id}}}:{kind}:{account_id}"


# KEYS: the account's leases. ARGV: now (ms), lease end (ms), connection id, limit.
# Returns 1 when the connection is admitted.
_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
"""

# KEYS: the account's leases. ARGV: lease end (ms), then the ids of this process's
# connections of the account. Renews the leases still held.
_RENEW = """
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', ARGV[1], ARGV[i])
end
if renewed > 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return renewed
"""


@dataclass(eq=False)
class Connection:
    caller: Caller
    expires_at: float  # the access token's expiry (Unix seconds)
    close: Callable[[int, str], Awaitable[None]]
    role: str | None = None  # a staff user's role, as last read
    closing: bool = field(default=False)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def account(self) -> tuple[str, int]:
        assert self.caller.subject_id is not None
        return self.caller.kind, self.caller.subject_id

    @property
    def lease_key(self) -> str:
        assert self.caller.program_id is not None and self.caller.subject_id is not None
        return lease_key(self.caller.program_id, self.caller.kind, self.caller.subject_id)


class Connections:
    def __init__(self, redis: RedisClient, per_account: int, check_seconds: float) -> None:
        self.redis = redis
        self.per_account = per_account
        self.check_seconds = check_seconds
        self.lease_seconds = max(MIN_LEASE_SECONDS, LEASE_CHECKS * check_seconds)
        self._by_account: dict[tuple[str, int], set[Connection]] = {}
        self._task: asyncio.Task[None] | None = None
        self._renewed_at = 0.0

    def __len__(self) -> int:
        return sum(len(c) for c in self._by_account.values())

    def _lease_end_ms(self) -> int:
        return int((clock.now().timestamp() + self.lease_seconds) * 1000)

    async def admit(self, connection: Connection) -> bool:
        """Count the connection in, unless its account holds the most it may already (in any
        API process)."""
        now_ms = int(clock.now().timestamp() * 1000)
        args = [str(now_ms), str(self._lease_end_ms()), connection.id, str(self.per_account)]
        try:
            (admitted,) = await run_scripts(
                self.redis, [ScriptCall(_ADMIT, [connection.lease_key], args)]
            )
        except UNREACHABLE:
            log.warning("live connection admitted without its lease: Redis does not answer")
            admitted = 1
        if not admitted:
            return False
        self._by_account.setdefault(connection.account, set()).add(connection)
        return True

    async def leave(self, connection: Connection) -> None:
        held = self._by_account.get(connection.account)
        if held is not None:
            held.discard(connection)
            if not held:
                del self._by_account[connection.account]
        with contextlib.suppress(*UNREACHABLE):
            await self.redis.zrem(connection.lease_key, connection.id)

    async def renew(self) -> None:
        """Renew the leases of this process's connections, a third of a lease before they
        lapse: one script call per account, CHECK_BATCH calls per round trip."""
        now = clock.now().timestamp()
        if now - self._renewed_at < self.lease_seconds / 3:
            return
        self._renewed_at = now
        end = str(self._lease_end_ms())
        calls = [
            ScriptCall(_RENEW, [next(iter(held)).lease_key], [end, *(c.id for c in held)])
            for held in self._by_account.values()
            if held
        ]
        for start in range(0, len(calls), CHECK_BATCH):
            await run_scripts(self.redis, calls[start : start + CHECK_BATCH])

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="live session check")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await self.check()
            except Exception:  # an outage of the database: the next round tries again
                log.warning("live session check failed", exc_info=True)
            try:
                await self.renew()
            except UNREACHABLE:  # leases are taken again by the next round's renewal
                log.warning("live connection leases not renewed", exc_info=True)

    async def check(self) -> int:
        """Close the connections no longer in session; returns how many."""
        now = clock.now().timestamp()
        connections = [c for held in self._by_account.values() for c in held if not c.closing]
        ended: list[tuple[Connection, str]] = [
            (c, "The access token expired.") for c in connections if c.expires_at <= now
        ]
        current = [c for c in connections if c.expires_at > now]
        members = sorted({c.caller.member_id for c in current if c.caller.kind == "member"})
        staff = sorted({c.caller.staff_id for c in current if c.caller.kind == "staff"})
        loaders = Loaders()
        accounts: dict[tuple[str, int], object] = {}
        for start in range(0, len(members), CHECK_BATCH):
            ids = members[start : start + CHECK_BATCH]
            for member_id, member in zip(ids, await loaders.member.load_many(ids), strict=True):
                accounts["member", member_id] = member if is_active(member) else None
        for start in range(0, len(staff), CHECK_BATCH):
            ids = staff[start : start + CHECK_BATCH]
            for staff_id, user in zip(ids, await loaders.active_staff.load_many(ids), strict=True):
                accounts["staff", staff_id] = user
        for connection in current:
            account = accounts.get(connection.account)
            caller = connection.caller
            assert caller.program_id is not None
            if account is None or not session_is_current(
                account,  # type: ignore[arg-type]  # a Member or a StaffUser, by the key's kind
                caller.program_id,
                caller.issued_at,
            ):
                ended.append((connection, "This session is no longer valid."))
            elif caller.kind == "staff":
                connection.role = account.role.value  # type: ignore[attr-defined]  # a StaffUser
        for connection, reason in ended:
            connection.closing = True
            with contextlib.suppress(Exception):  # a connection already gone
                await asyncio.wait_for(connection.close(FORBIDDEN, reason), 5)
        if ended:
            log.info("live connections ended", count=len(ended))
        return len(ended)
